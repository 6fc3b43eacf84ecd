//! The CLI commands against the scripted mock API server of the controller's shell tests
//! (`shell::tests::harness`): each test scripts the requests the command must make —
//! method, path, body — and the answers, runs the command with a scripted clock (one
//! second per reading) and no poll delay, and compares what it printed, byte for byte.

mod history;
mod resume;
mod rollback;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use kube::Client;

use super::Session;
use crate::controller::fixtures::ts;

/// A session on `client` as `alice@example.com`, no `-n`, Applications in `argocd`; the
/// clock starts at `ts(start)` and moves one second each time it is read.
pub fn session(client: Client, start: i64) -> Session {
    let tick = AtomicI64::new(start);
    Session {
        client,
        namespace: None,
        context_namespace: "default".into(),
        argocd_namespace: "argocd".into(),
        requester: "alice@example.com".into(),
        clock: Box::new(move || ts(tick.fetch_add(1, Ordering::SeqCst))),
        poll: Duration::ZERO,
    }
}

/// Captured output of a command.
#[derive(Debug, Default)]
pub struct Captured {
    /// What went to the result stream.
    pub out: Vec<u8>,
    /// What went to the live view's stream.
    pub progress: Vec<u8>,
}

impl Captured {
    /// The result stream as text.
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.out).into_owned()
    }

    /// The live view as text.
    pub fn progress(&self) -> String {
        String::from_utf8_lossy(&self.progress).into_owned()
    }
}
