//! Service (`v1`): Argo CD's `getCorev1ServiceHealth`
//! (gitops-engine `pkg/health/health_service.go`).
//!
//! A Service is Healthy, except a `type: LoadBalancer` Service, which is Progressing until
//! `status.loadBalancer.ingress` lists at least one address (the cloud load balancer
//! exists). Argo CD gives no message.
//!
//! Example: `spec.type: LoadBalancer` with `status.loadBalancer: {}` → Progressing "".

use k8s_openapi::api::core::v1::ServiceStatus;
use serde::Deserialize;

use super::check_version;
use crate::health::Context;
use crate::health::convert::{GoTypes, convert};
use crate::health::object::Object;
use crate::health::prune::Keep;
use crate::health::status::HealthStatus;

#[derive(Deserialize)]
struct View {
    spec: Option<Spec>,
    status: Option<ServiceStatus>,
}

#[derive(Default, Deserialize)]
struct Spec {
    #[serde(rename = "type")]
    type_: Option<String>,
}

/// The fields the check reads (of the load balancer's addresses, only how many there are).
static KEEP: Keep = Keep::Fields(&[
    ("spec", Keep::Fields(&[("type", Keep::All)])),
    (
        "status",
        Keep::Fields(&[(
            "loadBalancer",
            Keep::Fields(&[("ingress", Keep::Fields(&[]))]),
        )]),
    ),
]);

const GO_TYPES: GoTypes = &[
    ("spec.type", "v1.ServiceType"),
    ("status.conditions[].status", "v1.ConditionStatus"),
];

/// Assesses a Service.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match typed(obj) {
        Ok(h) | Err(h) => h,
    }
}

fn typed(obj: &Object<'_>) -> Result<HealthStatus, HealthStatus> {
    check_version(obj, "Service", &["v1"])?;
    let view: View = convert(obj, "Service", GO_TYPES, &KEEP)?;
    let is_lb = view.spec.and_then(|s| s.type_).as_deref() == Some("LoadBalancer");
    let has_ingress = view
        .status
        .and_then(|s| s.load_balancer)
        .and_then(|lb| lb.ingress)
        .is_some_and(|i| !i.is_empty());
    Ok(if is_lb && !has_ingress {
        HealthStatus::progressing("")
    } else {
        HealthStatus::healthy("")
    })
}
