//! The writes the planner asks for, in the order the shell must make them. Each names
//! its object, so a failure can be reported with the object and the phase.

use serde_json::Value;

use super::history::PatchKind;
use crate::release::RollbackRequestStatus;

/// One write to the Kubernetes API.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Replace the request's status (status subresource).
    RequestStatus(Box<RollbackRequestStatus>),
    /// Pause the Application's automated sync: `patch` first; if the returned Application
    /// is still automated (an Argo CD that does not know `enabled`), `fallback`.
    PauseAutoSync {
        /// The Application's name.
        app: String,
        /// JSON patch setting `automated.enabled: false`.
        patch: Value,
        /// JSON patch removing `automated`.
        fallback: Value,
    },
    /// Restore the saved automated sync policy (JSON patch).
    RestoreAutoSync {
        /// The Application's name.
        app: String,
        /// JSON patch.
        patch: Value,
    },
    /// Write the Application's `operation` (JSON patch guarded by resourceVersion; when
    /// the same batch paused automated sync first, the version that patch returned).
    SyncOperation {
        /// The Application's name.
        app: String,
        /// JSON patch.
        patch: Value,
    },
    /// Patch a workload's pod template.
    Workload {
        /// apiVersion.
        api_version: String,
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// Patch type.
        patch_kind: PatchKind,
        /// Body.
        patch: Value,
    },
    /// Merge-patch a RollbackManifest's status.
    RecordStatus {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// The status to merge.
        status: Value,
    },
    /// A Kubernetes Event (events.k8s.io/v1) on the request, and on the Application too
    /// when `on_app`.
    Event(Event),
}

/// An Event to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `Normal` or `Warning`.
    pub warning: bool,
    /// Machine-readable reason (`Switching`, `PreCheckRefused`, …).
    pub reason: String,
    /// What happened, for people.
    pub note: String,
    /// The action taken (`PreCheck`, `Switch`, `Verify`, `Resume`, `Revert`).
    pub action: String,
    /// Also on the Application.
    pub on_app: bool,
}

impl Write {
    /// How a failure message names the object of this write.
    pub fn target(&self) -> String {
        match self {
            Write::RequestStatus(_) => "RollbackRequest status".into(),
            Write::PauseAutoSync { app, .. }
            | Write::RestoreAutoSync { app, .. }
            | Write::SyncOperation { app, .. } => format!("Application {app}"),
            Write::Workload {
                kind,
                namespace,
                name,
                ..
            } => format!("{kind} {namespace}/{name}"),
            Write::RecordStatus {
                namespace, name, ..
            } => {
                format!("RollbackManifest {namespace}/{name} status")
            }
            Write::Event(e) => format!("Event {}", e.reason),
        }
    }
}
