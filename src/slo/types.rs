//! The RollbackPolicy custom resource (kube `CustomResource` derive): which Application it
//! guards, how long a release bakes, the metrics that judge it (Argo Rollouts' `Metric`
//! fields and defaults) and what to do when they break. Field names are the CRD's schema:
//! keep them stable.

// `printcolumn(...)` repeats `type_ = "string"` by design; clippy reads it as a duplicate.
#![allow(clippy::duplicated_attributes)]

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A policy that watches SLO metrics after each successful sync of an Argo CD
/// Application and files a RollbackRequest when they break.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "rollpin.dev",
    version = "v1alpha1",
    kind = "RollbackPolicy",
    namespaced,
    status = "RollbackPolicyStatus",
    derive = "PartialEq",
    derive = "Default",
    shortname = "rbp",
    category = "rollpin",
    doc = "SLO-driven automatic rollback: metrics watched after each sync of an app.",
    printcolumn(name = "App", type_ = "string", json_path = ".spec.app"),
    printcolumn(
        name = "Revision",
        type_ = "string",
        json_path = ".status.observedRevision"
    ),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Rollback",
        type_ = "string",
        json_path = ".status.rollbackRequest"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct RollbackPolicySpec {
    /// The Argo CD Application the policy guards.
    pub app: String,
    /// How long a release is watched after each successful sync (`10m`, `1h30m`).
    pub bake_time: String,
    /// Keep measuring metrics without a count after the bake time; a failure then still
    /// triggers the action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuous: Option<bool>,
    /// The metrics that judge a release (Argo Rollouts' analysis metrics).
    pub metrics: Vec<Metric>,
    /// What to do when the verdict is Failed or Error.
    #[serde(default)]
    pub action: Action,
}

/// One metric, with Argo Rollouts' fields and defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    /// Its name (unique in the policy).
    pub name: String,
    /// Time between measurements (`1m`); absent: a single measurement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Wait after the sync before the first measurement (`2m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<String>,
    /// Measurements to take (errors not counted). Absent or 0: one without an interval,
    /// indefinitely (until the bake ends) with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i32>,
    /// CEL expression over `result` that makes a measurement Successful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_condition: Option<String>,
    /// CEL expression over `result` that makes a measurement Failed (wins over success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_condition: Option<String>,
    /// Failed measurements tolerated (default 0; -1: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_limit: Option<i32>,
    /// Inconclusive measurements tolerated (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inconclusive_limit: Option<i32>,
    /// Errors in a row tolerated (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_error_limit: Option<i32>,
    /// Where the value comes from.
    pub provider: ProviderSpec,
}

/// Argo Rollouts' default `failureLimit`.
pub const DEFAULT_FAILURE_LIMIT: i32 = 0;
/// Argo Rollouts' default `inconclusiveLimit`.
pub const DEFAULT_INCONCLUSIVE_LIMIT: i32 = 0;
/// Argo Rollouts' default `consecutiveErrorLimit` (`utils/defaults/defaults.go`).
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: i32 = 4;

impl Metric {
    /// `failureLimit` or its default.
    pub fn failure_limit(&self) -> i32 {
        self.failure_limit.unwrap_or(DEFAULT_FAILURE_LIMIT)
    }
    /// `inconclusiveLimit` or its default.
    pub fn inconclusive_limit(&self) -> i32 {
        self.inconclusive_limit
            .unwrap_or(DEFAULT_INCONCLUSIVE_LIMIT)
    }
    /// `consecutiveErrorLimit` or its default.
    pub fn consecutive_error_limit(&self) -> i32 {
        self.consecutive_error_limit
            .unwrap_or(DEFAULT_CONSECUTIVE_ERROR_LIMIT)
    }
}

/// A metric's provider (one of).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSpec {
    /// A Prometheus instant query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<PrometheusSpec>,
}

/// A Prometheus instant query (`/api/v1/query`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusSpec {
    /// Base URL (`http://prometheus.monitoring:9090`); must be on the controller's
    /// allow-list.
    pub address: String,
    /// The PromQL query.
    pub query: String,
    /// Query timeout (default `30s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// HTTP headers to send (e.g. `Authorization`), read from a Secret in the policy's
    /// namespace: each key is a header name, its value the header value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers_from: Option<HeadersFrom>,
}

/// Argo Rollouts' default Prometheus query timeout.
pub const DEFAULT_PROMETHEUS_TIMEOUT: &str = "30s";

/// Where headers come from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HeadersFrom {
    /// A Secret in the policy's namespace.
    pub secret_ref: SecretRef,
}

/// A Secret by name (in the policy's namespace).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SecretRef {
    /// Its name.
    pub name: String,
}

/// What a Failed or Error verdict does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// `rollback` (file a RollbackRequest) or `dryRun` (status and an Event only).
    #[serde(rename = "type", default)]
    pub type_: ActionType,
    /// The RollbackRequest's strategy (default `ArgoCD`).
    #[serde(default)]
    pub strategy: Strategy,
}

/// `action.type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ActionType {
    /// File a RollbackRequest to the last verified release.
    #[default]
    Rollback,
    /// Say what would happen (status, Event, log) and do nothing.
    DryRun,
}

/// `action.strategy`: how the controller rolls back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Strategy {
    /// Argo CD re-renders the recorded revision.
    #[default]
    ArgoCD,
    /// Each recorded workload gets its previous pod template back.
    Workloads,
}

impl Strategy {
    /// The value as the CRD spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::ArgoCD => "ArgoCD",
            Strategy::Workloads => "Workloads",
        }
    }
}

/// An analysis phase (Argo Rollouts' `AnalysisPhase`): of a metric and of the whole run
/// (the verdict).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum AnalysisPhase {
    /// Not started (no measurement yet).
    #[default]
    Pending,
    /// Measuring.
    Running,
    /// Passed.
    Successful,
    /// Failed: failed measurements above `failureLimit`.
    Failed,
    /// Errors in a row above `consecutiveErrorLimit`.
    Error,
    /// Inconclusive measurements above `inconclusiveLimit`: a person must decide.
    Inconclusive,
}

impl AnalysisPhase {
    /// Whether the phase is final (Argo Rollouts' `Completed()`).
    pub fn completed(self) -> bool {
        !matches!(self, AnalysisPhase::Pending | AnalysisPhase::Running)
    }
    /// The name as the CRD spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AnalysisPhase::Pending => "Pending",
            AnalysisPhase::Running => "Running",
            AnalysisPhase::Successful => "Successful",
            AnalysisPhase::Failed => "Failed",
            AnalysisPhase::Error => "Error",
            AnalysisPhase::Inconclusive => "Inconclusive",
        }
    }
}

/// The outcome of one measurement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum MeasurementPhase {
    /// The conditions say it passed.
    #[default]
    Successful,
    /// The conditions say it failed.
    Failed,
    /// Neither condition held.
    Inconclusive,
    /// The query or an expression failed.
    Error,
}

impl MeasurementPhase {
    /// The name as the CRD spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            MeasurementPhase::Successful => "Successful",
            MeasurementPhase::Failed => "Failed",
            MeasurementPhase::Inconclusive => "Inconclusive",
            MeasurementPhase::Error => "Error",
        }
    }
}

/// What the policy has seen and decided.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackPolicyStatus {
    /// The verdict for the watched release (the analysis run's phase).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<AnalysisPhase>,
    /// The release (source revision) being watched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_revision: Option<String>,
    /// When its bake started (the sync's finish).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::release::schema::time")]
    pub bake_started_at: Option<Time>,
    /// When its bake ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::release::schema::time")]
    pub bake_ends_at: Option<Time>,
    /// One entry per metric.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metric_results: Vec<MetricResult>,
    /// The RollbackRequest this policy created for the watched release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_request: Option<String>,
    /// Conditions: `Valid` (the policy and its addresses), `Rollback` (requested, or
    /// refused / dry run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "crate::release::schema::conditions")]
    pub conditions: Vec<Condition>,
    /// What happened last, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The policy generation this status is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// Measurements kept per metric (Argo Rollouts keeps 10 by default).
pub const MEASUREMENTS_KEPT: usize = 10;

/// One metric's measurements and counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricResult {
    /// The metric's name.
    pub name: String,
    /// Its phase.
    pub phase: AnalysisPhase,
    /// The last measurements, oldest first (at most 10).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
    /// Measurements taken, errors not counted.
    pub count: i32,
    /// Successful measurements.
    pub successful: i32,
    /// Failed measurements.
    pub failed: i32,
    /// Inconclusive measurements.
    pub inconclusive: i32,
    /// Errors.
    pub error: i32,
    /// Errors since the last non-error measurement.
    pub consecutive_error: i32,
    /// Why the phase is what it is (`failed (1) > failureLimit (0)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One measurement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct Measurement {
    /// Its outcome.
    pub phase: MeasurementPhase,
    /// The value the conditions saw (`[0.012]`, `0.5`); absent on a query error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The evaluation time asked of the provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::release::schema::time")]
    pub started_at: Option<Time>,
    /// When the measurement finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::release::schema::time")]
    pub finished_at: Option<Time>,
    /// The error, or the provider's warnings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
