//! ReplicaSet (`apps/v1`): Argo CD's `getAppsv1ReplicaSetHealth`
//! (gitops-engine `pkg/health/health_replicaset.go`).
//!
//! Once the latest generation is observed: the first `ReplicaFailure` condition, when its
//! status is `True`, → Degraded with the condition's message (for example a quota refusing
//! pods); fewer available replicas than `spec.replicas` → Progressing; otherwise Healthy
//! with no message. A generation not yet observed → Progressing.
//!
//! Example: `spec.replicas: 3`, `status.availableReplicas: 2` →
//! Progressing "Waiting for rollout to finish: 2 out of 3 new replicas are available...".

use k8s_openapi::api::apps::v1::ReplicaSetStatus;
use serde::Deserialize;

use super::{META, Meta, check_version};
use crate::health::Context;
use crate::health::convert::{GoTypes, convert};
use crate::health::object::Object;
use crate::health::prune::Keep;
use crate::health::status::HealthStatus;

#[derive(Deserialize)]
struct View {
    metadata: Option<Meta>,
    spec: Option<Spec>,
    status: Option<ReplicaSetStatus>,
}

#[derive(Default, Deserialize)]
struct Spec {
    replicas: Option<i32>,
}

/// The fields the check reads.
static KEEP: Keep = Keep::Fields(&[
    ("metadata", META),
    ("spec", Keep::Fields(&[("replicas", Keep::All)])),
    (
        "status",
        Keep::Fields(&[
            ("observedGeneration", Keep::All),
            ("availableReplicas", Keep::All),
            (
                "conditions",
                Keep::Fields(&[
                    ("type", Keep::All),
                    ("status", Keep::All),
                    ("message", Keep::All),
                ]),
            ),
        ]),
    ),
]);

const GO_TYPES: GoTypes = &[
    ("status.conditions[].type", "v1.ReplicaSetConditionType"),
    ("status.conditions[].status", "v1.ConditionStatus"),
];

/// Assesses a ReplicaSet.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match typed(obj) {
        Ok(h) | Err(h) => h,
    }
}

fn typed(obj: &Object<'_>) -> Result<HealthStatus, HealthStatus> {
    check_version(obj, "ReplicaSet", &["v1"])?;
    let view: View = convert(obj, "ReplicaSet", GO_TYPES, &KEEP)?;
    let meta = view.metadata.unwrap_or_default();
    let spec = view.spec.unwrap_or_default();
    let status = view.status.unwrap_or_default();
    Ok(health(&meta, &spec, &status))
}

fn health(meta: &Meta, spec: &Spec, status: &ReplicaSetStatus) -> HealthStatus {
    if meta.generation.unwrap_or(0) > status.observed_generation.unwrap_or(0) {
        return HealthStatus::progressing(
            "Waiting for rollout to finish: observed replica set generation less than desired generation",
        );
    }
    let failure = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_.as_deref() == Some("ReplicaFailure"));
    if let Some(c) = failure.filter(|c| c.status.as_deref() == Some("True")) {
        return HealthStatus::degraded(c.message.clone().unwrap_or_default());
    }
    let available = status.available_replicas.unwrap_or(0);
    if let Some(want) = spec.replicas.filter(|want| available < *want) {
        return HealthStatus::progressing(format!(
            "Waiting for rollout to finish: {available} out of {want} new replicas are available..."
        ));
    }
    HealthStatus::healthy("")
}
