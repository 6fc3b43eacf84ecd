//! Deployment (`apps/v1`): Argo CD's `getAppsv1DeploymentHealth`
//! (gitops-engine `pkg/health/health_deployment.go`, itself borrowed from `kubectl rollout
//! status`).
//!
//! In order: `spec.paused` → Suspended "Deployment is paused". Once the controller has
//! observed the latest generation (`generation <= status.observedGeneration`): the first
//! `Progressing` condition with reason `ProgressDeadlineExceeded` → Degraded; fewer updated
//! replicas than `spec.replicas`, old replicas still running, or updated replicas not yet
//! available → Progressing with kubectl's "Waiting for rollout to finish: …" messages;
//! otherwise Healthy with no message. A generation not yet observed → Progressing.
//!
//! Example: `spec.replicas: 3`, `status.updatedReplicas: 1` →
//! Progressing "Waiting for rollout to finish: 1 out of 3 new replicas have been updated...".

use k8s_openapi::api::apps::v1::DeploymentStatus;
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
    status: Option<DeploymentStatus>,
}

#[derive(Default, Deserialize)]
struct Spec {
    replicas: Option<i32>,
    paused: Option<bool>,
}

/// The fields the check reads.
static KEEP: Keep = Keep::Fields(&[
    ("metadata", META),
    (
        "spec",
        Keep::Fields(&[("replicas", Keep::All), ("paused", Keep::All)]),
    ),
    (
        "status",
        Keep::Fields(&[
            ("observedGeneration", Keep::All),
            ("replicas", Keep::All),
            ("updatedReplicas", Keep::All),
            ("availableReplicas", Keep::All),
            (
                "conditions",
                Keep::Fields(&[("type", Keep::All), ("reason", Keep::All)]),
            ),
        ]),
    ),
]);

const GO_TYPES: GoTypes = &[
    ("status.conditions[].type", "v1.DeploymentConditionType"),
    ("status.conditions[].status", "v1.ConditionStatus"),
];

/// Assesses a Deployment.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match typed(obj) {
        Ok(h) | Err(h) => h,
    }
}

fn typed(obj: &Object<'_>) -> Result<HealthStatus, HealthStatus> {
    check_version(obj, "Deployment", &["v1"])?;
    let view: View = convert(obj, "Deployment", GO_TYPES, &KEEP)?;
    let meta = view.metadata.unwrap_or_default();
    let spec = view.spec.unwrap_or_default();
    let status = view.status.unwrap_or_default();
    Ok(health(&meta, &spec, &status))
}

fn health(meta: &Meta, spec: &Spec, status: &DeploymentStatus) -> HealthStatus {
    if spec.paused == Some(true) {
        return HealthStatus::suspended("Deployment is paused");
    }
    let generation = meta.generation.unwrap_or(0);
    if generation > status.observed_generation.unwrap_or(0) {
        return HealthStatus::progressing(
            "Waiting for rollout to finish: observed deployment generation less than desired generation",
        );
    }
    let progressing = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_.as_deref().unwrap_or("") == "Progressing");
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    if progressing.is_some_and(|c| c.reason.as_deref() == Some("ProgressDeadlineExceeded")) {
        let name = meta.name.as_deref().unwrap_or("");
        return HealthStatus::degraded(format!(
            "Deployment {} exceeded its progress deadline",
            go::quote(name)
        ));
    }
    if let Some(want) = spec.replicas.filter(|want| updated < *want) {
        return HealthStatus::progressing(format!(
            "Waiting for rollout to finish: {updated} out of {want} new replicas have been updated..."
        ));
    }
    if replicas > updated {
        return HealthStatus::progressing(format!(
            "Waiting for rollout to finish: {} old replicas are pending termination...",
            replicas.wrapping_sub(updated)
        ));
    }
    if available < updated {
        return HealthStatus::progressing(format!(
            "Waiting for rollout to finish: {available} of {updated} updated replicas are available..."
        ));
    }
    HealthStatus::healthy("")
}
