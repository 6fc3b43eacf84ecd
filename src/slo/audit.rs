//! The audit trail of a policy's decisions, as data the controller emits: Kubernetes
//! Events (type, reason, note), one JSON log line per decision carrying the metric values
//! that decided it, and the status conditions (`Valid`, `Rollback`) with Kubernetes'
//! transition-time rule (the time changes only when the status does).

use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::decide::Decision;
use super::duration::format_duration;
use super::types::{RollbackPolicy, RollbackPolicyStatus};
use super::validate::Timings;

/// Condition: the policy is valid and its addresses are allowed.
pub const VALID: &str = "Valid";
/// Condition: a rollback was requested (True) or refused / only dry-run (False).
pub const ROLLBACK: &str = "Rollback";

/// An Event's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Normal.
    Normal,
    /// Warning.
    Warning,
}

impl Kind {
    /// As Kubernetes spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Normal => "Normal",
            Kind::Warning => "Warning",
        }
    }
}

/// A Kubernetes Event to publish on the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Normal or Warning.
    pub type_: Kind,
    /// `BakeStarted`, `ReleasePassed`, `Inconclusive`, `RollbackRequested`,
    /// `DryRunRollback`, `RollbackRefused`, `InvalidPolicy`, `AddressNotAllowed`.
    pub reason: String,
    /// The text.
    pub note: String,
}

/// The policy and time a decision is about.
pub(crate) struct Context<'a> {
    pub policy: &'a RollbackPolicy,
    pub now: Timestamp,
}

impl<'a> Context<'a> {
    pub fn new(policy: &'a RollbackPolicy, now: Timestamp) -> Self {
        Context { policy, now }
    }

    fn key(&self) -> String {
        let m = &self.policy.metadata;
        match (&m.namespace, &m.name) {
            (Some(ns), Some(n)) => format!("{ns}/{n}"),
            (_, n) => n.clone().unwrap_or_default(),
        }
    }

    /// An Event whose note is the status message, and its log line.
    pub fn emit(&self, d: &mut Decision, status: &RollbackPolicyStatus, kind: Kind, reason: &str) {
        let note = status.message.clone().unwrap_or_default();
        d.log.push(self.log_line(status, kind, reason, &note));
        d.events.push(Event {
            type_: kind,
            reason: reason.to_string(),
            note,
        });
    }

    /// A new release is watched.
    pub fn bake_started(&self, rev: &str, t: &Timings, synced: Timestamp, d: &mut Decision) {
        let note = format!(
            "Watching release {rev} of {} for {} after its sync at {synced}",
            self.policy.spec.app,
            format_duration(t.bake)
        );
        let status = RollbackPolicyStatus {
            observed_revision: Some(rev.to_string()),
            message: Some(note),
            ..RollbackPolicyStatus::default()
        };
        self.emit(d, &status, Kind::Normal, "BakeStarted");
    }

    /// One JSON log line: what was decided and the metric values behind it.
    fn log_line(&self, s: &RollbackPolicyStatus, kind: Kind, reason: &str, note: &str) -> Value {
        let metrics: Vec<Value> = s
            .metric_results
            .iter()
            .map(|r| {
                let values: Vec<Value> = r
                    .measurements
                    .iter()
                    .map(|m| {
                        json!({
                            "at": m.started_at.as_ref().map(|t| t.0.to_string()),
                            "phase": m.phase.as_str(),
                            "value": m.value,
                        })
                    })
                    .collect();
                json!({
                    "name": r.name,
                    "phase": r.phase.as_str(),
                    "count": r.count,
                    "failed": r.failed,
                    "inconclusive": r.inconclusive,
                    "error": r.error,
                    "consecutiveError": r.consecutive_error,
                    "reason": r.message,
                    "measurements": values,
                })
            })
            .collect();
        json!({
            "time": self.now.to_string(),
            "level": match kind { Kind::Normal => "info", Kind::Warning => "warn" },
            "msg": note,
            "reason": reason,
            "policy": self.key(),
            "app": self.policy.spec.app,
            "revision": s.observed_revision,
            "verdict": s.phase.map(|p| p.as_str()),
            "action": match self.policy.spec.action.type_ {
                super::types::ActionType::Rollback => "rollback",
                super::types::ActionType::DryRun => "dryRun",
            },
            "rollbackRequest": s.rollback_request,
            "metrics": metrics,
        })
    }
}

/// Sets a condition as the rollback controller does (`lastTransitionTime` kept while the
/// status holds, message capped for the CRD), with the policy's generation observed.
pub(crate) fn set_condition(
    status: &mut RollbackPolicyStatus,
    ctx: &Context<'_>,
    type_: &str,
    ok: bool,
    reason: &str,
    message: &str,
) {
    crate::controller::audit::set_condition(
        &mut status.conditions,
        type_,
        ok,
        reason,
        message,
        ctx.now,
    );
    if let Some(c) = status.conditions.iter_mut().find(|c| c.type_ == type_) {
        c.observed_generation = ctx.policy.metadata.generation;
    }
}
