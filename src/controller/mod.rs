//! The execution channel: acting on `RollbackRequest`s — pre-check, switch, post-verify —
//! and verifying every release Argo CD syncs.
//!
//! Flow (see DESIGN.md, "Execution channel"): the shell observes the request, its
//! Application, the app's release records, the recorded workloads with their revision
//! history (ReplicaSets, ControllerRevisions), their Pods and configs into a [`Snapshot`];
//! [`plan::plan`] — a pure function of that snapshot and "now" — decides the next phase and
//! the [`Write`]s that get there; the shell makes them in order, stops at the first that
//! fails, and requeues. Nothing here does I/O except `shell/` (behind the `controller`
//! feature), so every decision is tested with plain fixtures.

pub mod argocd_sync;
pub mod audit;
pub mod config;
pub mod history;
pub mod plan;
pub mod precheck;
pub mod release_check;
pub mod rollout;
pub mod snapshot;
pub mod sync_policy;
pub mod target;
pub mod write;

#[cfg(feature = "controller")]
pub mod cli;
#[cfg(feature = "controller")]
pub mod shell;

pub use config::Config;
pub use snapshot::Snapshot;
pub use write::Write;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
pub(crate) mod sim;

use serde_json::Value;

/// The string at a JSON pointer, or "".
pub(crate) fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// The integer at a JSON pointer, or 0.
pub(crate) fn int_at(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}
