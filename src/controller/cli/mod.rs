//! The CLI for people (feature `controller`): `rollpin rollback`, `rollpin history` and
//! `rollpin resume` talk to the cluster of the kubeconfig, as kubectl does. Each command
//! is a pure part (build the request, render the live view and the history table, decide
//! the exit code — tested with plain fixtures) around a thin I/O part that reads and
//! writes through [`crate::controller::shell::api`] (tested against the scripted mock API
//! server). The clock, the poll interval and the output writers are injected, so the
//! printed output is deterministic in tests.
//!
//! Exit codes: [`EXIT_OK`] 0, [`EXIT_ERROR`] 1 (API errors, not found, RBAC, refusals),
//! [`EXIT_USAGE`] 2 (a flag or argument that names nothing), [`EXIT_FAILED`] 3 (the
//! rollback ran and failed).

pub mod follow;
pub mod history;
pub mod progress;
pub mod resume;
pub mod rollback;
pub mod session;

#[cfg(test)]
mod tests;

pub use session::Session;

use crate::controller::shell::api::{ApiError, Kind};

/// Success.
pub const EXIT_OK: u8 = 0;
/// An error: the API answered with one, an object is missing, the command was refused.
pub const EXIT_ERROR: u8 = 1;
/// Bad usage: an argument that names nothing.
pub const EXIT_USAGE: u8 = 2;
/// The rollback ran and failed (its reason is printed).
pub const EXIT_FAILED: u8 = 3;

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No kubeconfig, no such context, or a client that cannot be built.
    #[error("cannot reach the Kubernetes API: {0}")]
    Connect(String),
    /// The API server answered an error (RBAC refusals included).
    #[error("{action}: {}", describe(.error))]
    Api {
        /// What was being done (`reading Application argocd/shop`).
        action: String,
        /// The server's answer.
        error: ApiError,
    },
    /// An object the command needs does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// An argument names nothing (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// The command cannot go on (nothing to roll back to, a resume the controller refused,
    /// a controller that does not answer).
    #[error("{0}")]
    Refused(String),
    /// Writing the output failed.
    #[error("writing the output: {0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            _ => EXIT_ERROR,
        }
    }

    /// An API error while doing `action` on the `kind` object `namespace/name`.
    pub(crate) fn api(
        verb: &str,
        kind: Kind,
        namespace: &str,
        name: &str,
        error: ApiError,
    ) -> Self {
        let object = if name.is_empty() {
            format!("{}s in namespace {namespace}", kind.kind)
        } else {
            format!("{} {namespace}/{name}", kind.kind)
        };
        CliError::Api {
            action: format!("{verb} {object}"),
            error,
        }
    }
}

/// The server's answer in words, with a hint for the codes people meet.
fn describe(e: &ApiError) -> String {
    match e.code {
        0 => e.message.clone(),
        401 => format!(
            "401 Unauthorized: {} (log in again: your credentials expired or are wrong)",
            e.message
        ),
        403 => format!(
            "403 Forbidden: {} (your user lacks the RBAC permission)",
            e.message
        ),
        code => format!("the API server answered {code}: {}", e.message),
    }
}

/// Output formats of `rollpin rollback` and `rollpin history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people: the live view, an aligned table.
    Text,
    /// For scripts: one JSON document.
    Json,
    /// YAML (`rollpin history` only).
    Yaml,
}

/// Where a command writes: `out` gets the result; `progress` the live view (the same
/// stream in text mode; standard error with `-o json`, so that stdout holds only JSON).
pub struct Streams<'a> {
    /// The result.
    pub out: &'a mut dyn std::io::Write,
    /// The live view of `rollback --wait`.
    pub progress: &'a mut dyn std::io::Write,
    /// Whether `progress` is a terminal: redraw the view in place (ANSI cursor moves)
    /// instead of printing one line per change.
    pub terminal: bool,
}
