//! Argo Workflows `Workflow` (`argoproj.io`, any version): Argo CD's
//! `getArgoWorkflowHealth` (gitops-engine `pkg/health/health_argo.go`).
//!
//! Read untyped: by `status.phase` — empty, `Pending` or `Running` → Progressing,
//! `Succeeded` → Healthy, `Failed` or `Error` → Degraded, anything else → Unknown. The
//! message is always `status.message`. A phase or message that is not a string counts as
//! empty (Go's `NestedString`).
//!
//! Example: `status: {phase: Failed, message: "child 'build' failed"}` → Degraded
//! "child 'build' failed".

use crate::health::Context;
use crate::health::object::{Object, str_at};
use crate::health::status::{HealthStatus, HealthStatusCode};

/// Assesses a Workflow.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    let phase = str_at(obj.value, &["status", "phase"]).unwrap_or("");
    let message = str_at(obj.value, &["status", "message"]).unwrap_or("");
    let code = match phase {
        "" | "Pending" | "Running" => HealthStatusCode::Progressing,
        "Succeeded" => HealthStatusCode::Healthy,
        "Failed" | "Error" => HealthStatusCode::Degraded,
        _ => HealthStatusCode::Unknown,
    };
    HealthStatus::new(code, message)
}
