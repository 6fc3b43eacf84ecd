//! RollbackRequest (`rollpin.dev`): the state of a rollback in Argo CD's vocabulary.
//!
//! - `Pending` (or no phase yet), `PreChecking`, `Switching`, `Verifying` → Progressing;
//! - `Succeeded` → Healthy;
//! - `Failed` → Degraded;
//! - an unfinished rollback past `spec.deadline` (else `status.deadline`, the controller's
//!   default) → Degraded, whatever its phase.
//!
//! Each phase has its own message naming the app and the target release; the status'
//! `message`, when set, follows after ": ". The deadline is compared with the caller's
//! "now" ([`Context::now`]), never with the clock, so the result is reproducible.
//!
//! Example: phase `Switching`, app `storefront`, target manifest `storefront-3f2a9c1` →
//! Progressing "Switching storefront to release storefront-3f2a9c1".

use serde::Deserialize;

use crate::health::Context;
use crate::health::convert::convert;
use crate::health::object::Object;
use crate::health::prune::Keep;
use crate::health::status::{HealthStatus, HealthStatusCode};
use crate::release::{RollbackPhase, RollbackRequestSpec, RollbackRequestStatus};

#[derive(Deserialize)]
struct View {
    spec: Option<RollbackRequestSpec>,
    status: Option<RollbackRequestStatus>,
}

/// Assesses a RollbackRequest.
pub fn assess(obj: &Object<'_>, ctx: &Context) -> HealthStatus {
    match convert::<View>(obj, "RollbackRequest", &[], &Keep::All) {
        Ok(view) => health(
            &view.spec.unwrap_or_default(),
            &view.status.unwrap_or_default(),
            ctx,
        ),
        Err(h) => h,
    }
}

fn health(
    spec: &RollbackRequestSpec,
    status: &RollbackRequestStatus,
    ctx: &Context,
) -> HealthStatus {
    let app = if spec.app.is_empty() {
        "the app"
    } else {
        spec.app.as_str()
    };
    let target = spec.target.describe();
    let phase = status.phase.unwrap_or_default();
    let with_detail = |m: String| match status.message.as_deref() {
        Some(detail) if !detail.is_empty() => format!("{m}: {detail}"),
        _ => m,
    };
    let finished = matches!(phase, RollbackPhase::Succeeded | RollbackPhase::Failed);
    // The spec's deadline, else the one the controller set (its default).
    if let Some(deadline) = spec
        .deadline
        .as_ref()
        .or(status.deadline.as_ref())
        .filter(|d| !finished && ctx.now > d.0)
    {
        return HealthStatus::degraded(with_detail(format!(
            "Rollback of {app} to {target} missed its deadline {} (phase {phase:?})",
            deadline.0
        )));
    }
    use HealthStatusCode::{Degraded, Healthy, Progressing};
    let (code, message) = match phase {
        RollbackPhase::Pending if status.phase.is_none() => (
            Progressing,
            format!(
                "Waiting for the rollback controller to pick up the rollback of {app} to {target}"
            ),
        ),
        RollbackPhase::Pending => (
            Progressing,
            format!("Rollback of {app} to {target} is pending"),
        ),
        RollbackPhase::PreChecking => (
            Progressing,
            format!("Checking that {target} of {app} can be re-applied exactly"),
        ),
        RollbackPhase::Switching => (Progressing, format!("Switching {app} to {target}")),
        RollbackPhase::Verifying => (
            Progressing,
            format!("Verifying the live state of {app} against {target}"),
        ),
        RollbackPhase::Succeeded => (Healthy, format!("Rolled {app} back to {target}")),
        RollbackPhase::Failed => (Degraded, format!("Rollback of {app} to {target} failed")),
    };
    HealthStatus::new(code, with_detail(message))
}
