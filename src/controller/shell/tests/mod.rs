//! The shell against kube's `tower-test` mock service: each test scripts the API
//! server's side — the requests it must receive, in order, with method, path and body
//! asserted — and its answers, then runs one reconcile against it.

mod cost;
pub(crate) mod harness;
mod policies;
mod rbac;
mod releases;
mod scenarios;
