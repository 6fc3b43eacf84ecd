//! StatefulSet (`apps/v1`): Argo CD's `getAppsv1StatefulSetHealth`
//! (gitops-engine `pkg/health/health_statefulset.go`, after `kubectl rollout status`).
//!
//! In order: generation not observed (or `observedGeneration` 0) → Progressing; fewer ready
//! pods than `spec.replicas` → Progressing "Waiting for N pods to be ready..."; a
//! `RollingUpdate` strategy with a `rollingUpdate` block → Progressing while a partitioned
//! roll-out is unfinished, else Healthy "partitioned roll out complete: …"; `OnDelete` →
//! Healthy "statefulset has N ready pods"; `updateRevision != currentRevision` → Progressing;
//! otherwise Healthy "statefulset rolling update complete N pods at revision R...".
//!
//! Example: `spec.replicas: 3`, `status.readyReplicas: 1` →
//! Progressing "Waiting for 2 pods to be ready...".

use k8s_openapi::api::apps::v1::{StatefulSetStatus, StatefulSetUpdateStrategy};
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
    status: Option<StatefulSetStatus>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    replicas: Option<i32>,
    update_strategy: Option<StatefulSetUpdateStrategy>,
}

/// The fields the check reads.
static KEEP: Keep = Keep::Fields(&[
    ("metadata", META),
    (
        "spec",
        Keep::Fields(&[
            ("replicas", Keep::All),
            (
                "updateStrategy",
                Keep::Fields(&[
                    ("type", Keep::All),
                    ("rollingUpdate", Keep::Fields(&[("partition", Keep::All)])),
                ]),
            ),
        ]),
    ),
    (
        "status",
        Keep::Fields(&[
            ("observedGeneration", Keep::All),
            ("readyReplicas", Keep::All),
            ("updatedReplicas", Keep::All),
            ("currentReplicas", Keep::All),
            ("currentRevision", Keep::All),
            ("updateRevision", Keep::All),
        ]),
    ),
]);

const GO_TYPES: GoTypes = &[
    (
        "spec.updateStrategy.type",
        "v1.StatefulSetUpdateStrategyType",
    ),
    ("status.conditions[].type", "v1.StatefulSetConditionType"),
    ("status.conditions[].status", "v1.ConditionStatus"),
];

/// Assesses a StatefulSet.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match typed(obj) {
        Ok(h) | Err(h) => h,
    }
}

fn typed(obj: &Object<'_>) -> Result<HealthStatus, HealthStatus> {
    check_version(obj, "StatefulSet", &["v1"])?;
    let view: View = convert(obj, "StatefulSet", GO_TYPES, &KEEP)?;
    let meta = view.metadata.unwrap_or_default();
    let spec = view.spec.unwrap_or_default();
    let status = view.status.unwrap_or_default();
    Ok(health(&meta, &spec, &status))
}

fn health(meta: &Meta, spec: &Spec, status: &StatefulSetStatus) -> HealthStatus {
    let observed = status.observed_generation.unwrap_or(0);
    if observed == 0 || meta.generation.unwrap_or(0) > observed {
        return HealthStatus::progressing("Waiting for statefulset spec update to be observed...");
    }
    let ready = status.ready_replicas.unwrap_or(0);
    if let Some(want) = spec.replicas.filter(|want| ready < *want) {
        return HealthStatus::progressing(format!(
            "Waiting for {} pods to be ready...",
            want.wrapping_sub(ready)
        ));
    }
    let updated = status.updated_replicas.unwrap_or(0);
    let strategy = spec.update_strategy.as_ref();
    let strategy_type = strategy.and_then(|s| s.type_.as_deref()).unwrap_or("");
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    if let Some(rolling) = rolling.filter(|_| strategy_type == "RollingUpdate") {
        if let (Some(replicas), Some(partition)) = (spec.replicas, rolling.partition) {
            let want = replicas.wrapping_sub(partition);
            if updated < want {
                return HealthStatus::progressing(format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {want} new pods have been updated..."
                ));
            }
        }
        return HealthStatus::healthy(format!(
            "partitioned roll out complete: {updated} new pods have been updated..."
        ));
    }
    if strategy_type == "OnDelete" {
        return HealthStatus::healthy(format!("statefulset has {ready} ready pods"));
    }
    let update_revision = status.update_revision.as_deref().unwrap_or("");
    let current_revision = status.current_revision.as_deref().unwrap_or("");
    if update_revision != current_revision {
        return HealthStatus::progressing(format!(
            "waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."
        ));
    }
    HealthStatus::healthy(format!(
        "statefulset rolling update complete {} pods at revision {current_revision}...",
        status.current_replicas.unwrap_or(0)
    ))
}
