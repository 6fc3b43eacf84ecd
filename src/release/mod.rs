//! rollpin's own resources: the release record (`RollbackManifest`) that pins what a
//! revision deployed, and the request to roll an app back to one (`RollbackRequest`).
//!
//! For now these are plain serde types — the fields `rollpin health` reads to report a
//! rollback's state in Argo CD's vocabulary ([`crate::health`]). The release issue adds
//! kube's `CustomResource` derive (and CRD generation) here, computes the pins at render
//! time and verifies them; keep the field names stable, they are the CRDs' schema.

mod types;

pub use types::{
    ConfigPin, ContainerPin, Drift, RollbackManifest, RollbackManifestSpec, RollbackManifestStatus,
    RollbackPhase, RollbackRequest, RollbackRequestSpec, RollbackRequestStatus, RollbackTarget,
    SourcePin, WorkloadPin,
};

/// The API group of rollpin's resources.
pub const GROUP: &str = "rollpin.dev";

/// Their API version.
pub const VERSION: &str = "v1alpha1";

/// `apiVersion` of rollpin's resources.
pub const API_VERSION: &str = "rollpin.dev/v1alpha1";

/// The condition type a RollbackManifest's verifier sets: True when the live state
/// matches the record, False when it found drift.
pub const VERIFIED_CONDITION: &str = "Verified";
