//! rollpin's own resources and the release flow: the release record (`RollbackManifest`)
//! that pins what a revision deployed, the request to roll an app back to one
//! (`RollbackRequest`), computing the pins at render time, the digest policy, the render
//! guard (an expected render digest) and image pins given at render time, and verifying a
//! re-render (or the live state) against a record.
//!
//! The types derive kube's `CustomResource`, so `rollpin crds` prints their CRDs from the
//! same definitions the assessor ([`crate::health`]) reads.

pub mod command;
pub mod crds;
pub mod digest;
pub mod guard;
pub mod pin_images;
pub mod pins;
pub mod policy;
pub mod record;
pub(crate) mod schema;
mod types;
pub mod verify;

pub use types::*;

/// The API group of rollpin's resources.
pub const GROUP: &str = "rollpin.dev";

/// Their API version.
pub const VERSION: &str = "v1alpha1";

/// `apiVersion` of rollpin's resources.
pub const API_VERSION: &str = "rollpin.dev/v1alpha1";

/// The condition type a RollbackManifest's verifier sets: True when the live state
/// matches the record, False when it found drift.
pub const VERIFIED_CONDITION: &str = "Verified";

/// How messages name an object: `apps/v1 Deployment prod/web` (`v1 Namespace prod` when
/// it has no namespace).
pub fn object_ref(obj: &serde_json::Value) -> String {
    let s = |p: &str| obj.pointer(p).and_then(|v| v.as_str()).unwrap_or("");
    format_ref(
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name"),
    )
}

/// [`object_ref`] from its parts.
pub fn format_ref(api_version: &str, kind: &str, namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        format!("{api_version} {kind} {name}")
    } else {
        format!("{api_version} {kind} {namespace}/{name}")
    }
}
