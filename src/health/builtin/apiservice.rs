//! APIService (`apiregistration.k8s.io` `v1` and `v1beta1`): Argo CD's
//! `getApiregistrationv1APIServiceHealth` (gitops-engine `pkg/health/health_apiservice.go`).
//!
//! The first `Available` condition decides: True → Healthy, anything else → Progressing,
//! both with the message `"<reason>: <message>"`. No `Available` condition yet →
//! Progressing "Waiting to be processed". (k8s-openapi has only the `v1` type; `v1beta1`'s
//! status has the same shape.)
//!
//! Example: `{type: Available, status: "False", reason: FailedDiscoveryCheck, message:
//! "failing or missing response from https://10.0.0.9:443"}` → Progressing
//! "FailedDiscoveryCheck: failing or missing response from https://10.0.0.9:443".

use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIServiceStatus;
use serde::Deserialize;

use super::check_version;
use crate::health::Context;
use crate::health::convert::{GoTypes, convert};
use crate::health::object::Object;
use crate::health::prune::Keep;
use crate::health::status::HealthStatus;

#[derive(Deserialize)]
struct View {
    status: Option<APIServiceStatus>,
}

/// The fields the check reads.
static KEEP: Keep = Keep::Fields(&[(
    "status",
    Keep::Fields(&[(
        "conditions",
        Keep::Fields(&[
            ("type", Keep::All),
            ("status", Keep::All),
            ("reason", Keep::All),
            ("message", Keep::All),
        ]),
    )]),
)]);

const GO_TYPES_V1: GoTypes = &[
    ("status.conditions[].type", "v1.APIServiceConditionType"),
    ("status.conditions[].status", "v1.ConditionStatus"),
];

const GO_TYPES_V1BETA1: GoTypes = &[
    (
        "status.conditions[].type",
        "v1beta1.APIServiceConditionType",
    ),
    ("status.conditions[].status", "v1beta1.ConditionStatus"),
];

/// Assesses an APIService.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match typed(obj) {
        Ok(h) | Err(h) => h,
    }
}

fn typed(obj: &Object<'_>) -> Result<HealthStatus, HealthStatus> {
    check_version(obj, "APIService", &["v1", "v1beta1"])?;
    let go_types = if obj.version == "v1" {
        GO_TYPES_V1
    } else {
        GO_TYPES_V1BETA1
    };
    let view: View = convert(obj, "APIService", go_types, &KEEP)?;
    let status = view.status.unwrap_or_default();
    let available = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Available");
    Ok(match available {
        Some(c) => {
            let message = format!(
                "{}: {}",
                c.reason.as_deref().unwrap_or(""),
                c.message.as_deref().unwrap_or("")
            );
            if c.status == "True" {
                HealthStatus::healthy(message)
            } else {
                HealthStatus::progressing(message)
            }
        }
        None => HealthStatus::progressing("Waiting to be processed"),
    })
}
