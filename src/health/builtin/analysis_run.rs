//! Argo Rollouts `AnalysisRun` (`argoproj.io`, any version): the result of Argo CD's
//! built-in Lua (`resource_customizations/argoproj.io/AnalysisRun/health.lua`, v3.5.1).
//!
//! Without a `status` → Progressing "Waiting for analysis run to finish: status has not
//! been reconciled." Otherwise by `status.phase`: `Pending` or `Running` → Progressing
//! "Analysis run is running"; `Successful` → Healthy, `Failed` and `Error` → Degraded,
//! `Inconclusive` → Unknown, each with `status.message` or, without one, "Analysis run
//! completed successfully", "Analysis run failed", "Analysis run had an error", "Analysis
//! run was inconclusive".
//!
//! Any other phase, or none (`status: {}`), leaves the script's table empty. Argo CD turns
//! an empty table into an empty health status (no code, no message), which never makes the
//! app's health worse (`IsWorse` ranks a code it does not know with Healthy, where the
//! roll-up starts). rollpin has no empty status; the faithful mapping is no health (`None`),
//! as for a kind nothing assesses, which likewise leaves the app's health as it is — and no
//! other tier assesses the object, since Argo CD's script has answered. A message that is not a string
//! gives the same empty status (see [`super::lua::health_table`]). A `status` that is a
//! number or a boolean makes the script fail: Unknown.
//!
//! Example: `status: {phase: Failed, message: "Metric \"error-rate\" assessed Failed …"}`
//! → Degraded with that message.

use super::lua::{self, Lua, LuaError};
use crate::health::Context;
use crate::health::object::Object;
use crate::health::status::HealthStatus;

/// Assesses an AnalysisRun.
pub fn assess(obj: &Object<'_>, _: &Context) -> Option<HealthStatus> {
    script(Lua::of(Some(obj.value))).unwrap_or_else(|LuaError(e)| Some(HealthStatus::unknown(e)))
}

fn script(obj: Lua<'_>) -> Result<Option<HealthStatus>, LuaError> {
    let status = obj.get("status")?;
    if status.is_nil() {
        return Ok(Some(HealthStatus::progressing(
            "Waiting for analysis run to finish: status has not been reconciled.",
        )));
    }
    let phase = status.get("phase")?;
    let (code, default) = if phase.is_str("Pending") || phase.is_str("Running") {
        return Ok(Some(HealthStatus::progressing("Analysis run is running")));
    } else if phase.is_str("Successful") {
        ("Healthy", "Analysis run completed successfully")
    } else if phase.is_str("Failed") {
        ("Degraded", "Analysis run failed")
    } else if phase.is_str("Error") {
        ("Degraded", "Analysis run had an error")
    } else if phase.is_str("Inconclusive") {
        ("Unknown", "Analysis run was inconclusive")
    } else {
        return Ok(lua::health_table(Lua::Nil, Lua::Nil));
    };
    let message = status.get("message")?.or_default(Lua::Str(default));
    Ok(lua::health_table(Lua::Str(code), message))
}
