//! One reconcile of a RollbackRequest: observe, plan, act, log — and the error policy
//! (409 Conflict: re-read at once; anything else: back off, 1 s doubling to 60 s).

use std::sync::Arc;
use std::time::Duration;

use kube::runtime::controller::Action;
use serde_json::{Value, json};

use super::act::{WriteError, act};
use super::context::Context;
use super::observe::{ObserveError, observe};
use crate::controller::plan::plan;
use crate::controller::write::Write;
use crate::release::RollbackRequest;

/// Why a reconcile stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// A read failed.
    #[error("{phase}: reading {}: {} ({})", .source.object, .source.error.message, .source.error.code)]
    Observe {
        /// The request's phase.
        phase: String,
        /// The read.
        source: ObserveError,
    },
    /// A write failed.
    #[error("{phase}: writing {}: {} ({})", .source.object, .source.error.message, .source.error.code)]
    Write {
        /// The request's phase.
        phase: String,
        /// The write.
        source: WriteError,
    },
}

impl std::error::Error for ObserveError {}
impl std::fmt::Display for ObserveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.object, self.error.message)
    }
}
impl std::error::Error for WriteError {}
impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.object, self.error.message)
    }
}

impl ReconcileError {
    /// Whether it was a 409 Conflict.
    pub fn is_conflict(&self) -> bool {
        matches!(self, ReconcileError::Write { source, .. } if source.error.code == 409)
    }
}

fn phase_of(req: &RollbackRequest) -> String {
    format!(
        "{:?}",
        req.status
            .as_ref()
            .and_then(|s| s.phase)
            .unwrap_or_default()
    )
}

fn key(req: &RollbackRequest) -> String {
    req.metadata
        .uid
        .clone()
        .unwrap_or_else(|| req.metadata.name.clone().unwrap_or_default())
}

/// Observes, plans and acts for one request.
pub async fn reconcile(
    req: Arc<RollbackRequest>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let phase = phase_of(&req);
    let snap = observe(&ctx.client, &ctx.cfg, &req)
        .await
        .map_err(|source| ReconcileError::Observe {
            phase: phase.clone(),
            source,
        })?;
    let step = plan(&snap, &ctx.cfg, (ctx.clock)());
    for line in step.logs.iter().filter(|l| l.get("seq").is_none()) {
        ctx.log(line);
    }
    let (done, failed) = act(&ctx, &req, &step.writes).await;
    // A transition's line is logged once the status that records it was written.
    let persisted = step.writes[..done]
        .iter()
        .filter_map(|w| match w {
            Write::RequestStatus(s) => Some(s.history.len()),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    for line in step.logs.iter().filter(|l| {
        l.get("seq")
            .and_then(Value::as_u64)
            .is_some_and(|s| s as usize <= persisted)
    }) {
        ctx.log(line);
    }
    if let Some(source) = failed {
        return Err(ReconcileError::Write { phase, source });
    }
    ctx.succeeded(&key(&req));
    Ok(step
        .requeue
        .map(Action::requeue)
        .unwrap_or_else(Action::await_change))
}

/// What to do after a failed reconcile.
pub fn error_policy(req: Arc<RollbackRequest>, err: &ReconcileError, ctx: Arc<Context>) -> Action {
    let wait = if err.is_conflict() {
        Duration::from_millis(200)
    } else {
        ctx.backoff(&key(&req))
    };
    ctx.log(&json!({
        "time": (ctx.clock)().to_string(),
        "level": "warn",
        "msg": "reconcile failed; retrying",
        "request": format!("{}/{}", req.metadata.namespace.clone().unwrap_or_default(), req.metadata.name.clone().unwrap_or_default()),
        "app": req.spec.app,
        "error": err.to_string(),
        "retryInSeconds": wait.as_secs_f64(),
    }));
    Action::requeue(wait)
}
