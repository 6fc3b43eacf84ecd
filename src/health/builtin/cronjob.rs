//! CronJob (`batch`, any version): the result of Argo CD's built-in Lua
//! (`resource_customizations/batch/CronJob/health.lua`, v3.5.1), which replaced a Go check
//! in v3.2.
//!
//! In order: `spec.suspend == true` → Healthy "CronJob is Suspended" (Argo CD deliberately
//! says Healthy, not Suspended, issue #24428). With a status: no `lastScheduleTime` →
//! Healthy "CronJob has not been scheduled yet"; no `lastSuccessfulTime` → Healthy "The
//! CronJob never completed successfully. It may not be healthy"; active jobs → Healthy "The
//! job is running. Its last execution may not have been successful"; `lastSuccessfulTime <
//! lastScheduleTime` (a string comparison in Lua) → Degraded "CronJob has not completed its
//! last execution successfully"; otherwise Healthy "CronJob has completed its last
//! execution successfully". Without a status → Progressing "Waiting for CronJob". An object
//! without `spec` makes the script fail: Unknown.

use super::lua::{Lua, LuaError};
use crate::health::Context;
use crate::health::object::Object;
use crate::health::status::HealthStatus;

/// Assesses a CronJob.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    script(Lua::of(Some(obj.value))).unwrap_or_else(|LuaError(e)| HealthStatus::unknown(e))
}

fn script(obj: Lua<'_>) -> Result<HealthStatus, LuaError> {
    if obj.get("spec")?.get("suspend")?.is_true() {
        return Ok(HealthStatus::healthy("CronJob is Suspended"));
    }
    let status = obj.get("status")?;
    if status.is_nil() {
        return Ok(HealthStatus::progressing("Waiting for CronJob"));
    }
    let last_schedule = status.get("lastScheduleTime")?;
    if last_schedule.is_nil() {
        return Ok(HealthStatus::healthy("CronJob has not been scheduled yet"));
    }
    let last_success = status.get("lastSuccessfulTime")?;
    if last_success.is_nil() {
        return Ok(HealthStatus::healthy(
            "The CronJob never completed successfully. It may not be healthy",
        ));
    }
    let active = status.get("active")?;
    if !active.is_nil() && active.getn()? > 0 {
        return Ok(HealthStatus::healthy(
            "The job is running. Its last execution may not have been successful",
        ));
    }
    if last_success.lt(last_schedule)? {
        return Ok(HealthStatus::degraded(
            "CronJob has not completed its last execution successfully",
        ));
    }
    Ok(HealthStatus::healthy(
        "CronJob has completed its last execution successfully",
    ))
}
