//! rollpin's own resources: the release record (`RollbackManifest`) that pins what a
//! revision deployed, and the request to roll an app back to one (`RollbackRequest`).
//!
//! For now these are plain serde types — the fields `rollpin health` reads to report a
//! rollback's state in Argo CD's vocabulary ([`crate::health`]). The release issue adds
//! kube's `CustomResource` derive (and CRD generation) here, computes the pins at render
//! time and verifies them; keep the field names stable, they are the CRDs' schema.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, LabelSelector, ObjectMeta, Time};
use serde::{Deserialize, Serialize};

/// The API group of rollpin's resources.
pub const GROUP: &str = "rollpin.dev";

/// Their API version.
pub const VERSION: &str = "v1alpha1";

/// `apiVersion` of rollpin's resources.
pub const API_VERSION: &str = "rollpin.dev/v1alpha1";

/// The condition type a RollbackManifest's verifier sets: True when the live state
/// matches the record, False when it found drift.
pub const VERIFIED_CONDITION: &str = "Verified";

/// A release record: everything one rendered revision of an app deploys, pinned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollbackManifest {
    /// `rollpin.dev/v1alpha1`.
    pub api_version: String,
    /// `RollbackManifest`.
    pub kind: String,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What the release pins.
    #[serde(default)]
    pub spec: RollbackManifestSpec,
    /// What verification against the live state found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RollbackManifestStatus>,
}

/// The pins of one release.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackManifestSpec {
    /// The Argo CD Application (or app name) the release belongs to.
    pub app: String,
    /// Where the manifests came from.
    pub source: SourcePin,
    /// sha256 of the rendered stream without the record itself.
    pub render_digest: String,
    /// Every workload with its containers' images and the configs it references.
    pub workloads: Vec<WorkloadPin>,
}

/// The source a release was rendered from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SourcePin {
    /// Repository URL.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// Path of the app inside the repository.
    pub path: String,
    /// The commit rendered.
    pub revision: String,
    /// The revision as the Application names it (branch, tag, commit).
    pub target_revision: String,
}

/// One workload of a release.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadPin {
    /// Kind (Deployment, StatefulSet, …).
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace (empty when cluster-scoped).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Containers.
    pub containers: Vec<ContainerPin>,
    /// Init containers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<ContainerPin>,
    /// ConfigMaps and Secrets the workload references.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<ConfigPin>,
}

/// One container's image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerPin {
    /// Container name.
    pub name: String,
    /// The image as written.
    pub image: String,
    /// Its digest (`sha256:…`) when the image is pinned by one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// A referenced ConfigMap or Secret and the hash of its content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConfigPin {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// sha256 of its content.
    pub sha256: String,
}

/// What verification found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackManifestStatus {
    /// Conditions; [`VERIFIED_CONDITION`] says whether the live state matched.
    pub conditions: Vec<Condition>,
    /// Every difference between the record and the live state.
    pub drift: Vec<Drift>,
    /// The generation verification looked at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// One difference between a release record and the live state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Drift {
    /// Kind of the drifted object.
    pub kind: String,
    /// Its namespace (empty when cluster-scoped).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The container, for an image drift.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// What drifted: `image`, `config`, `object`, ….
    pub field: String,
    /// What the record pins (absent: the object is not in the record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What runs (absent: the object is not live).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

/// A request to roll an app back to a recorded release.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollbackRequest {
    /// `rollpin.dev/v1alpha1`.
    pub api_version: String,
    /// `RollbackRequest`.
    pub kind: String,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What to roll back to, and by when.
    #[serde(default)]
    pub spec: RollbackRequestSpec,
    /// How far the rollback got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RollbackRequestStatus>,
}

/// What a rollback request asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackRequestSpec {
    /// The app to roll back.
    pub app: String,
    /// The release to return to.
    pub target: RollbackTarget,
    /// When the rollback must have finished; past it, an unfinished rollback is Degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Time>,
    /// Which workloads take part (all of the app's when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<LabelSelector>,
}

/// The release a rollback returns to: a RollbackManifest by name, or a source revision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackTarget {
    /// Name of the RollbackManifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
    /// Source revision (commit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

impl RollbackTarget {
    /// How messages name the target: `release <manifest>`, `revision <rev>`.
    pub fn describe(&self) -> String {
        match (&self.manifest, &self.revision) {
            (Some(m), _) if !m.is_empty() => format!("release {m}"),
            (_, Some(r)) if !r.is_empty() => format!("revision {r}"),
            _ => "an unnamed release".to_string(),
        }
    }
}

/// Where a rollback is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RollbackPhase {
    /// Accepted, not started.
    #[default]
    Pending,
    /// Checking that the target release can be re-applied exactly.
    PreChecking,
    /// Applying the target release.
    Switching,
    /// Comparing the live state with the target release.
    Verifying,
    /// Done: the live state matches the target release.
    Succeeded,
    /// Stopped with an error.
    Failed,
}

/// How far a rollback got.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackRequestStatus {
    /// The phase (Pending when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<RollbackPhase>,
    /// The revision serving traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_revision: Option<String>,
    /// The revision being brought up beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadow_revision: Option<String>,
    /// Conditions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Detail for the current phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
