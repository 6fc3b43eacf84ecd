//! Argo Rollouts `Rollout` (`argoproj.io`, any version): the result of Argo CD's built-in
//! Lua (`resource_customizations/argoproj.io/Rollout/health.lua`, v3.5.1), which serves
//! every Rollouts controller version from v0.7 to v1.x.
//!
//! In order:
//!
//! 1. The spec not yet observed → Progressing "Waiting for rollout spec update to be
//!    observed": no `status`; or `tonumber(status.observedGeneration)` (a string since
//!    v0.10) is a number that differs from `metadata.generation` without exceeding it (a
//!    non-numeric one, v0.9's spec hash, and a larger one count as observed); or, with
//!    `spec.workloadRef` and annotations set, `tonumber` of the
//!    `rollout.argoproj.io/workload-generation` annotation differs from `tonumber` of
//!    `status.workloadObservedGeneration` (two nils are equal).
//! 2. `status.phase` set (Rollouts v1.0+): its value as the status, `Paused` → Suspended,
//!    with `status.message` (none: empty). A phase that is not one of Argo CD's six codes
//!    is Unknown "Lua returned an invalid health status".
//! 3. Without a phase, `status.conditions` in order: `InvalidSpec`, or `Progressing` with
//!    reason `RolloutAborted` or `ProgressDeadlineExceeded` → Degraded with the condition's
//!    message. No conditions at all makes the script fail (`ipairs(nil)`): Unknown.
//! 4. Paused → Suspended "Rollout is paused": a non-empty `status.pauseConditions` list
//!    (`table.getn`; a list that is not a table fails), or `spec.paused` truthy (anything
//!    but false — the string "false" pauses).
//! 5. No `status.currentPodHash` → Progressing "Waiting for rollout to finish: status has
//!    not been reconciled."
//! 6. Replicas (`spec.replicas` defaults to 1, the status counts to 0): fewer updated than
//!    desired → Progressing "Waiting for roll out to finish: More replicas need to be
//!    updated"; fewer available than updated → Progressing "Waiting for roll out to finish:
//!    updated replicas are still becoming available". Lua's `<` compares numbers with
//!    numbers and strings with strings (as text); a mix fails.
//! 7. The stable ReplicaSet hash: `status.stableRS`, else v0.7's `status.canary.stableRS`
//!    (nil when that is absent), else "". Blue-green (`spec.strategy.blueGreen`): the
//!    active selector (`status.blueGreen.activeSelector`) not the current pod hash →
//!    Progressing "active service cutover pending"; a stable hash that is set, not "" and
//!    not the current one → Progressing "waiting for analysis to complete". Canary
//!    (`spec.strategy.canary`): more replicas than updated ones → Progressing "Waiting for
//!    roll out to finish: old replicas are pending termination"; a stable hash that is ""
//!    or not the current one → Progressing "Waiting for rollout to finish steps". Without
//!    `spec.strategy` the script fails: Unknown.
//! 8. Otherwise Healthy with an empty message.
//!
//! A Lua error is Unknown with gopher-lua's error text. A phase or message (or a condition's
//! message) that is not a string gives Argo CD an empty status: no health here (see
//! [`super::lua::health_table`]).
//!
//! Example: no phase, `pauseConditions: [{reason: CanaryPauseStep, …}]` → Suspended
//! "Rollout is paused".

use super::lua::{self, Lua, LuaError};
use crate::health::Context;
use crate::health::object::Object;
use crate::health::status::HealthStatus;

const WORKLOAD_GENERATION: &str = "rollout.argoproj.io/workload-generation";

/// Assesses a Rollout.
pub fn assess(obj: &Object<'_>, _: &Context) -> Option<HealthStatus> {
    script(Lua::of(Some(obj.value))).unwrap_or_else(|LuaError(e)| Some(HealthStatus::unknown(e)))
}

fn script(obj: Lua<'_>) -> Result<Option<HealthStatus>, LuaError> {
    let progressing = |m: &str| Ok(Some(HealthStatus::progressing(m)));
    if !generation_observed(obj)? || !workload_generation_observed(obj)? {
        return progressing("Waiting for rollout spec update to be observed");
    }
    let status = obj.get("status")?;
    let phase = status.get("phase")?;
    if !phase.is_nil() {
        let shown = if phase.is_str("Paused") {
            Lua::Str("Suspended")
        } else {
            phase
        };
        return Ok(lua::health_table(shown, status.get("message")?));
    }
    for condition in status.get("conditions")?.ipairs()? {
        let kind = condition.get("type")?;
        let failed = kind.is_str("InvalidSpec")
            || (kind.is_str("Progressing") && {
                let reason = condition.get("reason")?;
                reason.is_str("RolloutAborted") || reason.is_str("ProgressDeadlineExceeded")
            });
        if failed {
            return Ok(lua::health_table(
                Lua::Str("Degraded"),
                condition.get("message")?,
            ));
        }
    }
    let spec = obj.get("spec")?;
    let pause_conditions = status.get("pauseConditions")?;
    let paused = (!pause_conditions.is_nil() && pause_conditions.getn()? > 0)
        || spec.get("paused")?.truthy();
    if paused {
        return Ok(Some(HealthStatus::suspended("Rollout is paused")));
    }
    let hash = status.get("currentPodHash")?;
    if hash.is_nil() {
        return progressing("Waiting for rollout to finish: status has not been reconciled.");
    }
    let desired = spec.get("replicas")?.or_default(Lua::Num(1.0));
    let replicas = status.get("replicas")?.or_default(Lua::Num(0.0));
    let updated = status.get("updatedReplicas")?.or_default(Lua::Num(0.0));
    let available = status.get("availableReplicas")?.or_default(Lua::Num(0.0));
    if updated.lt(desired)? {
        return progressing("Waiting for roll out to finish: More replicas need to be updated");
    }
    if available.lt(updated)? {
        return progressing(
            "Waiting for roll out to finish: updated replicas are still becoming available",
        );
    }
    let stable = stable_rs(status)?;
    let strategy = spec.get("strategy")?;
    if !strategy.get("blueGreen")?.is_nil() {
        let blue_green = status.get("blueGreen")?;
        if blue_green.is_nil() || !blue_green.get("activeSelector")?.eq(hash) {
            return progressing("active service cutover pending");
        }
        if !stable.is_str("") && !stable.eq(hash) {
            return progressing("waiting for analysis to complete");
        }
    } else if !strategy.get("canary")?.is_nil() {
        // `statusReplicas > updatedReplicas` is `updatedReplicas < statusReplicas`.
        if updated.lt(replicas)? {
            return progressing(
                "Waiting for roll out to finish: old replicas are pending termination",
            );
        }
        if stable.is_str("") || !stable.eq(hash) {
            return progressing("Waiting for rollout to finish steps");
        }
    }
    Ok(Some(HealthStatus::healthy("")))
}

/// `isGenerationObserved`: false without a status; true when `observedGeneration` is not a
/// number (v0.9's hash) or exceeds `metadata.generation`; else whether the two are equal.
fn generation_observed(obj: Lua<'_>) -> Result<bool, LuaError> {
    let status = obj.get("status")?;
    if status.is_nil() {
        return Ok(false);
    }
    let observed = status.get("observedGeneration")?.tonumber();
    if observed.is_nil() {
        return Ok(true);
    }
    let generation = obj.get("metadata")?.get("generation")?;
    // `observedGeneration > generation` is `generation < observedGeneration`.
    if generation.lt(observed)? {
        return Ok(true);
    }
    Ok(observed.eq(generation))
}

/// `isWorkloadGenerationObserved`: true without `spec.workloadRef` or annotations; else
/// whether the numbers of the workload-generation annotation and
/// `status.workloadObservedGeneration` are equal (nil equals nil).
fn workload_generation_observed(obj: Lua<'_>) -> Result<bool, LuaError> {
    if obj.get("spec")?.get("workloadRef")?.is_nil() {
        return Ok(true);
    }
    let annotations = obj.get("metadata")?.get("annotations")?;
    if annotations.is_nil() {
        return Ok(true);
    }
    let workload = annotations.get(WORKLOAD_GENERATION)?.tonumber();
    let observed = obj
        .get("status")?
        .get("workloadObservedGeneration")?
        .tonumber();
    Ok(workload.eq(observed))
}

/// `getStableRS`: `status.stableRS`, else `status.canary.stableRS` when `status.canary` is
/// set (possibly nil), else "".
fn stable_rs(status: Lua<'_>) -> Result<Lua<'_>, LuaError> {
    let stable = status.get("stableRS")?;
    if !stable.is_nil() {
        return Ok(stable);
    }
    let canary = status.get("canary")?;
    if !canary.is_nil() {
        return canary.get("stableRS");
    }
    Ok(Lua::Str(""))
}
