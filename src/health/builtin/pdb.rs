//! PodDisruptionBudget (`policy`, any version): the result of Argo CD's built-in Lua
//! (`resource_customizations/policy/PodDisruptionBudget/health.lua`, v3.5.1).
//!
//! Without conditions → Progressing "Waiting for status". Otherwise the conditions are
//! walked in order: one with status `False` and a reason other than `InsufficientPods`
//! (which has valid uses, issue #20171) → Degraded "PodDisruptionBudget has REASON" at
//! once; every other condition sets Healthy "PodDisruptionBudget has REASON", so the last
//! one names the reason. A condition without a reason makes the script fail (Lua cannot
//! concatenate nil): Unknown.
//!
//! Example: `{type: DisruptionAllowed, status: "False", reason: SyncFailed}` → Degraded
//! "PodDisruptionBudget has SyncFailed".

use super::lua::{Lua, LuaError};
use crate::health::Context;
use crate::health::object::Object;
use crate::health::status::HealthStatus;

const PREFIX: &str = "PodDisruptionBudget has ";

/// Assesses a PodDisruptionBudget.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    script(Lua::of(Some(obj.value))).unwrap_or_else(|LuaError(e)| HealthStatus::unknown(e))
}

fn script(obj: Lua<'_>) -> Result<HealthStatus, LuaError> {
    let mut hs = HealthStatus::progressing("Waiting for status");
    let status = obj.get("status")?;
    if status.is_nil() {
        return Ok(hs);
    }
    let conditions = status.get("conditions")?;
    if conditions.is_nil() {
        return Ok(hs);
    }
    for condition in conditions.ipairs()? {
        let failed = condition.get("status")?.is_str("False");
        let reason = condition.get("reason")?;
        if failed && !reason.is_str("InsufficientPods") {
            return Ok(HealthStatus::degraded(reason.concat_after(PREFIX)?));
        }
        hs = HealthStatus::healthy(reason.concat_after(PREFIX)?);
    }
    Ok(hs)
}
