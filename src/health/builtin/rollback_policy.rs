//! RollbackPolicy (`rollpin.dev`): whether the release an SLO policy watches is passing.
//! Checked in this order:
//!
//! - a `status.phase` that is not an analysis phase → Unknown (as a failed conversion);
//! - condition `Valid` False (invalid policy, address not on the allow-list) → Degraded;
//! - `status.rollbackRequest` set (the policy triggered a rollback) → Degraded;
//! - phase `Failed` or `Error`, or any metric whose phase is `Error` → Degraded (also a
//!   dry run's Failed: the release is breaking its SLOs);
//! - phase `Inconclusive` → Suspended: no rollback, a person must decide (Argo Rollouts
//!   pauses on an inconclusive analysis);
//! - phase `Successful` → Healthy (the bake passed; with `continuous`, metrics still pass);
//! - otherwise (`Pending`, `Running`, no status) → Progressing: the release is baking, or
//!   no release was synced yet.
//!
//! The message is `status.message`, which the controller writes for every decision; only
//! when it is absent does the rule compose one from the app, the revision and the request.
//! The rule reads the status alone, never the clock.
//!
//! Example: `status: {phase: Failed, observedRevision: 3f2a9c1, rollbackRequest:
//! guard-3f2a9c1, message: "Rolling storefront back …"}` → Degraded "Rolling storefront
//! back …".

use serde_json::Value;

use crate::health::Context;
use crate::health::object::Object;
use crate::health::status::{HealthStatus, HealthStatusCode};

/// The phases `status.phase` may hold, in the CRD's order.
const PHASES: &[&str] = &[
    "Pending",
    "Running",
    "Successful",
    "Failed",
    "Error",
    "Inconclusive",
];

fn text<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    v.pointer(path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Assesses a RollbackPolicy.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    let v = obj.value;
    let phase = match v.pointer("/status/phase") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if PHASES.contains(&p.as_str()) => Some(p.as_str()),
        Some(other) => {
            let shown = match other {
                Value::String(s) => s.clone(),
                _ => other.to_string(),
            };
            let expected: Vec<String> = PHASES.iter().map(|p| format!("`{p}`")).collect();
            return HealthStatus::unknown(format!(
                "failed to convert unstructured RollbackPolicy to typed: status.phase: unknown \
                 variant `{shown}`, expected one of {}",
                expected.join(", ")
            ));
        }
    };
    let app = text(v, "/spec/app").unwrap_or("the app");
    let release = match text(v, "/status/observedRevision") {
        Some(r) => format!("release {r}"),
        None => "the watched release".to_string(),
    };
    let invalid = v
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| text(c, "/type") == Some("Valid") && text(c, "/status") == Some("False"));
    let request = text(v, "/status/rollbackRequest");
    let metric_error = v
        .pointer("/status/metricResults")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|r| text(r, "/phase") == Some("Error"));
    use HealthStatusCode::{Degraded, Healthy, Progressing, Suspended};
    let (code, fallback) = if invalid {
        (Degraded, format!("{app}: the policy is invalid"))
    } else if let Some(name) = request {
        (
            Degraded,
            format!("{app}: {release} was rolled back by RollbackRequest {name}"),
        )
    } else if phase == Some("Failed") {
        (Degraded, format!("{app}: {release} failed its SLOs"))
    } else if phase == Some("Error") || metric_error {
        (Degraded, format!("{app}: metrics of {release} errored"))
    } else if phase == Some("Inconclusive") {
        (
            Suspended,
            format!("{app}: {release} is inconclusive; a person must decide"),
        )
    } else if phase == Some("Successful") {
        (Healthy, format!("{app}: {release} passed its SLOs"))
    } else if text(v, "/status/observedRevision").is_some() {
        (Progressing, format!("{app}: watching {release}"))
    } else {
        (
            Progressing,
            format!("Waiting for a successful sync of {app}"),
        )
    };
    let message = text(v, "/status/message").map_or(fallback, str::to_string);
    HealthStatus::new(code, message)
}
