//! PersistentVolumeClaim (`v1`): Argo CD's `getCorev1PVCHealth`
//! (gitops-engine `pkg/health/health_pvc.go`).
//!
//! By `status.phase`: Bound → Healthy, Pending → Progressing (waiting for a volume, often
//! for the first consumer pod), Lost → Degraded (the bound volume is gone), anything else
//! (including no status yet) → Unknown. Argo CD gives no message in any case.
//!
//! Example: `status.phase: Pending` → Progressing "".

use k8s_openapi::api::core::v1::PersistentVolumeClaimStatus;
use serde::Deserialize;

use super::check_version;
use crate::health::Context;
use crate::health::convert::{GoTypes, convert};
use crate::health::object::Object;
use crate::health::prune::Keep;
use crate::health::status::{HealthStatus, HealthStatusCode};

#[derive(Deserialize)]
struct View {
    status: Option<PersistentVolumeClaimStatus>,
}

/// The fields the check reads.
static KEEP: Keep = Keep::Fields(&[("status", Keep::Fields(&[("phase", Keep::All)]))]);

const GO_TYPES: GoTypes = &[
    ("status.phase", "v1.PersistentVolumeClaimPhase"),
    ("status.accessModes[]", "v1.PersistentVolumeAccessMode"),
    (
        "status.conditions[].type",
        "v1.PersistentVolumeClaimConditionType",
    ),
    ("status.conditions[].status", "v1.ConditionStatus"),
];

/// Assesses a PersistentVolumeClaim.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match typed(obj) {
        Ok(h) | Err(h) => h,
    }
}

fn typed(obj: &Object<'_>) -> Result<HealthStatus, HealthStatus> {
    check_version(obj, "PersistentVolumeClaim", &["v1"])?;
    let view: View = convert(obj, "PersistentVolumeClaim", GO_TYPES, &KEEP)?;
    let phase = view.status.and_then(|s| s.phase).unwrap_or_default();
    let code = match phase.as_str() {
        "Lost" => HealthStatusCode::Degraded,
        "Pending" => HealthStatusCode::Progressing,
        "Bound" => HealthStatusCode::Healthy,
        _ => HealthStatusCode::Unknown,
    };
    Ok(HealthStatus::new(code, ""))
}
