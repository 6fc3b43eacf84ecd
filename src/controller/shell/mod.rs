//! The controller's I/O shell (feature `controller`): kube client calls around the pure
//! planner — observe a snapshot, make the planned writes, publish Events and log lines —
//! and `rollpin controller`'s main loop with leader election.

pub mod act;
pub mod api;
pub mod context;
pub mod observe;
pub mod policies;
pub mod reconcile;
pub mod releases;
pub mod run;

#[cfg(test)]
pub(crate) mod tests;
