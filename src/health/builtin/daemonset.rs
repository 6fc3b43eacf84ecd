//! DaemonSet (`apps/v1`): Argo CD's `getAppsv1DaemonSetHealth`
//! (gitops-engine `pkg/health/health_daemonset.go`, after `kubectl rollout status`).
//!
//! In order: generation not observed → Progressing; `OnDelete` strategy → Healthy "daemon
//! set U out of D new pods have been updated"; fewer updated pods than desired, or fewer
//! available than desired → Progressing with the daemon set's quoted name; otherwise
//! Healthy with no message.
//!
//! Example: `desiredNumberScheduled: 5`, `updatedNumberScheduled: 5`, `numberAvailable: 4`
//! → Progressing `Waiting for daemon set "agent" rollout to finish: 4 of 5 updated pods are
//! available...`.

use k8s_openapi::api::apps::v1::{DaemonSetStatus, DaemonSetUpdateStrategy};
use serde::Deserialize;

use super::{META, Meta, check_version};
use crate::health::Context;
use crate::health::convert::{GoTypes, convert};
use crate::health::go;
use crate::health::object::Object;
use crate::health::prune::Keep;
use crate::health::status::HealthStatus;

#[derive(Deserialize)]
struct View {
    metadata: Option<Meta>,
    spec: Option<Spec>,
    status: Option<DaemonSetStatus>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    update_strategy: Option<DaemonSetUpdateStrategy>,
}

/// The fields the check reads.
static KEEP: Keep = Keep::Fields(&[
    ("metadata", META),
    (
        "spec",
        Keep::Fields(&[("updateStrategy", Keep::Fields(&[("type", Keep::All)]))]),
    ),
    (
        "status",
        Keep::Fields(&[
            ("observedGeneration", Keep::All),
            ("desiredNumberScheduled", Keep::All),
            ("updatedNumberScheduled", Keep::All),
            ("numberAvailable", Keep::All),
        ]),
    ),
]);

const GO_TYPES: GoTypes = &[
    ("spec.updateStrategy.type", "v1.DaemonSetUpdateStrategyType"),
    ("status.conditions[].type", "v1.DaemonSetConditionType"),
    ("status.conditions[].status", "v1.ConditionStatus"),
];

/// Assesses a DaemonSet.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match typed(obj) {
        Ok(h) | Err(h) => h,
    }
}

fn typed(obj: &Object<'_>) -> Result<HealthStatus, HealthStatus> {
    check_version(obj, "DaemonSet", &["v1"])?;
    let view: View = convert(obj, "DaemonSet", GO_TYPES, &KEEP)?;
    let meta = view.metadata.unwrap_or_default();
    let spec = view.spec.unwrap_or_default();
    let status = view.status.unwrap_or_default();
    Ok(health(&meta, &spec, &status))
}

fn health(meta: &Meta, spec: &Spec, status: &DaemonSetStatus) -> HealthStatus {
    if meta.generation.unwrap_or(0) > status.observed_generation.unwrap_or(0) {
        return HealthStatus::progressing(
            "Waiting for rollout to finish: observed daemon set generation less than desired generation",
        );
    }
    let desired = status.desired_number_scheduled;
    let updated = status.updated_number_scheduled.unwrap_or(0);
    let strategy = spec
        .update_strategy
        .as_ref()
        .and_then(|s| s.type_.as_deref());
    if strategy == Some("OnDelete") {
        return HealthStatus::healthy(format!(
            "daemon set {updated} out of {desired} new pods have been updated"
        ));
    }
    let name = go::quote(meta.name.as_deref().unwrap_or(""));
    if updated < desired {
        return HealthStatus::progressing(format!(
            "Waiting for daemon set {name} rollout to finish: {updated} out of {desired} new pods have been updated..."
        ));
    }
    let available = status.number_available.unwrap_or(0);
    if available < desired {
        return HealthStatus::progressing(format!(
            "Waiting for daemon set {name} rollout to finish: {available} of {desired} updated pods are available..."
        ));
    }
    HealthStatus::healthy("")
}
