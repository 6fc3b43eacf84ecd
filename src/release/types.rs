//! The RollbackManifest and RollbackRequest custom resources (kube `CustomResource`
//! derive). Field names are the CRDs' schema: keep them stable.

// `printcolumn(...)` repeats `type_ = "string"` by design; clippy reads it as a duplicate.
#![allow(clippy::duplicated_attributes)]

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What one rendered release pins: the source it came from, the renderer, a digest of the
/// whole stream and of each object, every workload's images and the configs it reads.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "rollpin.dev",
    version = "v1alpha1",
    kind = "RollbackManifest",
    namespaced,
    status = "RollbackManifestStatus",
    derive = "PartialEq",
    derive = "Default",
    shortname = "rbm",
    category = "rollpin",
    doc = "A release record: everything one rendered revision of an app deploys, pinned.",
    printcolumn(name = "App", type_ = "string", json_path = ".spec.app"),
    printcolumn(
        name = "Revision",
        type_ = "string",
        json_path = ".spec.source.revision"
    ),
    printcolumn(
        name = "Verified",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Verified\")].status"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackManifestSpec {
    /// The Argo CD Application (or app name) the release belongs to.
    pub app: String,
    /// Where the manifests came from.
    pub source: SourcePin,
    /// The renderer and the options that shape its output.
    pub renderer: RendererPin,
    /// `sha256:<hex>` of the rendered stream without the record itself.
    pub render_digest: String,
    /// Every rendered object with the digest of its YAML document, in output order.
    pub resources: Vec<ResourcePin>,
    /// Every workload with its containers' images and the configs it references.
    pub workloads: Vec<WorkloadPin>,
    /// Every other image in the render: each `image` string field outside the workloads'
    /// containers and init containers (ephemeral containers, custom resources such as a
    /// Prometheus `spec.image` or an Argo Workflows template's container).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<FieldImagePin>,
}

/// An image found in an object's field rather than in a workload's containers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldImagePin {
    /// apiVersion.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace (empty when cluster-scoped or left to the Application's destination).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Where the image is: `spec.image`, `spec.templates[0].container.image`, ….
    pub path: String,
    /// The image as written.
    pub image: String,
    /// Its digest (`sha256:…`) when the image is pinned by one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// The source a release was rendered from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

/// The program that rendered a release and the options that change its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RendererPin {
    /// `rollpin`.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The `--reorder` option (`legacy` or `none`; empty: the default).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reorder: String,
    /// Images pinned after the render (`pin-images`, image → digest): `renderDigest` is
    /// the stream before them (what `expect-render-digest` compares); the resources,
    /// workloads and images describe the pinned output. A re-render applies them again.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub pin_images: std::collections::BTreeMap<String, String>,
}

/// One rendered object and the digest of its YAML document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourcePin {
    /// apiVersion.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace (empty when cluster-scoped or left to the Application's destination).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `sha256:<hex>` of the object's YAML document as rendered.
    pub sha256: String,
}

/// One workload of a release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadPin {
    /// apiVersion.
    pub api_version: String,
    /// Kind (Deployment, StatefulSet, CronJob, …).
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace (empty when left to the Application's destination).
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
    /// `sha256:<hex>` of the object with its pod template removed: two releases whose
    /// workloads agree here differ only in what a pod-template rollback restores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outside_template_sha256: Option<String>,
}

/// One container's image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ConfigPin {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// `sha256:<hex>` of its content (every field but apiVersion, kind, metadata and
    /// status); absent when the release does not render it (it is managed elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// What verification found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackManifestStatus {
    /// Conditions; `Verified` says whether the live state matched.
    #[schemars(schema_with = "super::schema::conditions")]
    pub conditions: Vec<Condition>,
    /// Every difference between the record and the live state.
    pub drift: Vec<Drift>,
    /// The generation verification looked at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Per container recorded by tag only: the digest its Pods ran when the controller
    /// verified the release (only when every Pod ran the same one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub observed_images: Vec<ObservedImage>,
    /// The `finishedAt` of the Argo CD sync the controller last verified this release
    /// after (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_sync: Option<String>,
}

/// One difference between a release record and a re-render or the live state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct Drift {
    /// apiVersion of the drifted object.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Kind of the drifted object.
    pub kind: String,
    /// Its namespace (empty when cluster-scoped).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The container, for an image drift in a workload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The field, for an image drift elsewhere (`spec.image`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What drifted: `image`, `config`, `object`, `unpinned`, `running` (a Pod runs
    /// another digest), `stream` (same objects, other bytes).
    pub field: String,
    /// What the record pins (absent: the record does not have it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What was found (absent: it is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// For a generated config whose content changed: the name it is generated as now
    /// (its hash suffix follows the content).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_to: Option<String>,
    /// For an object or config whose digest changed: what changed, field by field (when
    /// both versions could be read; Secret values are never shown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    /// How many more changed fields there were beyond those listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes_omitted: Option<i64>,
}

/// One field that differs between the recorded and the found version of an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldChange {
    /// Where: `spec.ports[0].port`, `spec.template.spec.containers[name=app].image`,
    /// `data.LOG_LEVEL`.
    pub path: String,
    /// The recorded value, as JSON (absent: the field was not there, or it is secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The value found, as JSON (absent: the field is gone, or it is secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// A Secret's value: never shown, only its length in bytes before and after.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
    /// With `secret`: the recorded value's length in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_length: Option<i64>,
    /// With `secret`: the found value's length in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_length: Option<i64>,
}

/// What a rollback request asks for.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "rollpin.dev",
    version = "v1alpha1",
    kind = "RollbackRequest",
    namespaced,
    status = "RollbackRequestStatus",
    derive = "PartialEq",
    derive = "Default",
    shortname = "rbr",
    category = "rollpin",
    doc = "A request to roll an app back to a recorded release.",
    printcolumn(name = "App", type_ = "string", json_path = ".spec.app"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Active",
        type_ = "string",
        json_path = ".status.activeRevision"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackRequestSpec {
    /// The Argo CD Application to roll back.
    pub app: String,
    /// The release to return to.
    pub target: RollbackTarget,
    /// How the release is restored: `ArgoCD` (default: Argo CD re-renders and syncs the
    /// recorded revision, guarded by the record's digest) or `Workloads` (each recorded
    /// workload's pod template from its own revision history, as `kubectl rollout undo`
    /// does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<RollbackStrategy>,
    /// When the rollback must have finished; past it, an unfinished rollback is Degraded
    /// and the controller stops (or reverts, see `onFailure`). The controller's
    /// `--default-deadline` after creation when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::schema::time")]
    pub deadline: Option<Time>,
    /// What to do when the rollback fails after the switch began: `Stop` (default) leaves
    /// things as they are; `Revert` switches back to what ran before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<OnFailure>,
    /// Set to true to restore the Application's automated sync policy the rollback paused
    /// (as `rollpin resume APP` does).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub resume: bool,
}

impl RollbackRequestSpec {
    /// The strategy, with its default (ArgoCD) when none is written.
    pub fn strategy(&self) -> RollbackStrategy {
        self.strategy.unwrap_or_default()
    }
}

/// How a rollback restores a release.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RollbackStrategy {
    /// Each recorded workload (Deployment, StatefulSet, DaemonSet) gets back its pod
    /// template from its own revision history; no Git or repo-server needed.
    Workloads,
    /// Argo CD re-renders and syncs the recorded revision, guarded by the record's digest.
    #[default]
    #[serde(rename = "ArgoCD")]
    ArgoCd,
}

/// What a failed rollback does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum OnFailure {
    /// Leave the workloads as they are.
    #[default]
    Stop,
    /// Switch back to what ran before the rollback.
    Revert,
}

/// The release a rollback returns to: a RollbackManifest by name, a source revision, or
/// the previous verified release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackTarget {
    /// Name of the RollbackManifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
    /// Source revision (commit, 7 characters or more).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The newest record older than the app's current one whose `Verified` condition is
    /// True.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub previous: bool,
}

impl RollbackTarget {
    /// How messages name the target: `release <manifest>`, `revision <rev>`, `the
    /// previous verified release`.
    pub fn describe(&self) -> String {
        match (&self.manifest, &self.revision) {
            (Some(m), _) if !m.is_empty() => format!("release {m}"),
            (_, Some(r)) if !r.is_empty() => format!("revision {r}"),
            _ if self.previous => "the previous verified release".to_string(),
            _ => "an unnamed release".to_string(),
        }
    }
}

/// Where a rollback is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackRequestStatus {
    /// The phase (Pending when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<RollbackPhase>,
    /// The revision that runs now (the target's once the switch began).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_revision: Option<String>,
    /// The revision that ran before the rollback, kept to revert to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadow_revision: Option<String>,
    /// The target RollbackManifest, once resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_record: Option<String>,
    /// The record of the release that ran before the rollback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadow_record: Option<String>,
    /// Conditions: one per phase reached (`PreChecked`, `Switched`, `Verified`), plus
    /// `SyncPaused` and `Reverted`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "super::schema::conditions")]
    pub conditions: Vec<Condition>,
    /// Detail for the current phase: what it waits for, or why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The deadline in force (spec.deadline, or the controller's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::schema::time")]
    pub deadline: Option<Time>,
    /// The Application's automated sync policy as it was before the rollback paused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_sync_policy: Option<SavedSyncPolicy>,
    /// Per workload: where it comes from, where it goes, how far its rollout is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<WorkloadProgress>,
    /// Images the target record names by tag only, pinned at rollback from the digest its
    /// Pods ran when the release was verified.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pinned_at_rollback: Vec<ObservedImage>,
    /// Every phase transition, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<PhaseTransition>,
    /// Who created the request (its `rollpin.dev/actor` annotation or managedFields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// The automated sync policy a rollback paused, restored exactly on resume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct SavedSyncPolicy {
    /// `spec.syncPolicy.automated` as it was (absent: there was none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::schema::any_object")]
    pub automated: Option<serde_json::Value>,
    /// How it was paused: `EnabledFalse` (`automated.enabled: false`, Argo CD ≥ 3.1) or
    /// `Removed` (`automated` deleted, older Argo CD).
    pub method: String,
    /// True once the policy was restored.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub restored: bool,
}

/// One workload of a rollback.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadProgress {
    /// apiVersion.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The revision (ReplicaSet or ControllerRevision) that ran before the rollback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The revision restored (ReplicaSet or ControllerRevision holding the target's
    /// template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `Pending`, `Unchanged` (it already ran the target), `Patched`, `RolledOut`
    /// (verified), `Reverted`.
    pub state: String,
    /// Desired replicas.
    pub replicas: i64,
    /// Replicas on the target template.
    pub updated: i64,
    /// Ready replicas.
    pub ready: i64,
    /// Pods running the pinned digests.
    pub pods_on_target: i64,
    /// Pods found.
    pub pods: i64,
    /// What it waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A digest the Pods of a release actually ran, for a container recorded by tag only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ObservedImage {
    /// Workload kind.
    pub kind: String,
    /// Workload namespace.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Workload name.
    pub name: String,
    /// Container (`init:NAME` for an init container).
    pub container: String,
    /// The image as recorded.
    pub image: String,
    /// The digest every Pod ran.
    pub digest: String,
    /// When it was observed (RFC 3339).
    pub observed_at: String,
}

/// One phase transition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PhaseTransition {
    /// The phase entered.
    pub phase: String,
    /// When (RFC 3339).
    pub time: String,
    /// Why.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}
