//! The audit trail of a rollback: a `status.history` entry, one structured log line and a
//! Kubernetes Event per phase transition, conditions, and who asked.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::release::{PhaseTransition, RollbackRequest, RollbackRequestStatus};

/// The annotation the CLI (and RollbackPolicy) set to say who asked for a rollback.
pub const REQUESTED_BY: &str = "rollpin.dev/requested-by";

/// Who created a request: its `rollpin.dev/requested-by` annotation, else the owner that
/// created it (a RollbackPolicy), else the field manager that created it. Kubernetes does
/// not store the creating user on the object; its audit log does.
pub fn actor(req: &RollbackRequest) -> String {
    let meta = &req.metadata;
    if let Some(a) = meta.annotations.as_ref().and_then(|a| a.get(REQUESTED_BY)) {
        return a.clone();
    }
    if let Some(o) = meta.owner_references.as_ref().and_then(|o| o.first()) {
        return format!("{}/{}", o.kind, o.name);
    }
    meta.managed_fields
        .as_ref()
        .and_then(|m| m.iter().find(|f| f.subresource.is_none()))
        .and_then(|f| f.manager.clone())
        .map(|m| format!("manager:{m}"))
        .unwrap_or_else(|| "unknown".into())
}

/// Sets a condition, keeping `lastTransitionTime` when the status does not change.
pub fn set_condition(
    conditions: &mut Vec<Condition>,
    type_: &str,
    status: bool,
    reason: &str,
    message: &str,
    now: Timestamp,
) {
    let status = if status { "True" } else { "False" };
    let message: String = message.chars().take(32_000).collect();
    if let Some(c) = conditions.iter_mut().find(|c| c.type_ == type_) {
        if c.status != status {
            c.last_transition_time = Time(now);
        }
        c.status = status.into();
        c.reason = reason.into();
        c.message = message;
        return;
    }
    conditions.push(Condition {
        type_: type_.into(),
        status: status.into(),
        reason: reason.into(),
        message,
        last_transition_time: Time(now),
        observed_generation: None,
    });
}

/// Records a transition in the status and returns its log line.
pub fn transition(
    req: &RollbackRequest,
    status: &mut RollbackRequestStatus,
    phase: crate::release::RollbackPhase,
    message: &str,
    now: Timestamp,
) -> Value {
    let previous = status.phase.unwrap_or_default();
    status.phase = Some(phase);
    status.message = (!message.is_empty()).then(|| message.to_string());
    status.history.push(PhaseTransition {
        phase: format!("{phase:?}"),
        time: now.to_string(),
        message: message.to_string(),
    });
    let started = req.metadata.creation_timestamp.as_ref().map(|t| t.0);
    let duration = started.map(|s| (now.as_millisecond() - s.as_millisecond()) as f64 / 1000.0);
    json!({
        "time": now.to_string(),
        "level": if phase == crate::release::RollbackPhase::Failed { "warn" } else { "info" },
        "msg": "rollback transition",
        "rollback": req.metadata.uid.clone().unwrap_or_default(),
        "request": format!("{}/{}", req.metadata.namespace.clone().unwrap_or_default(), req.metadata.name.clone().unwrap_or_default()),
        "app": req.spec.app,
        "strategy": format!("{:?}", req.spec.strategy()),
        "fromRevision": status.shadow_revision,
        "toRevision": status.active_revision,
        "fromRecord": status.shadow_record,
        "toRecord": status.target_record,
        "previousPhase": format!("{previous:?}"),
        "phase": format!("{phase:?}"),
        "actor": status.actor,
        "durationSeconds": duration,
        "message": message,
        "seq": status.history.len(),
    })
}
