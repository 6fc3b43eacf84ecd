//! Ingress (`networking.k8s.io` and `extensions`, any version): Argo CD's
//! `getIngressHealth` (gitops-engine `pkg/health/health_ingress.go`).
//!
//! Read untyped, as Argo CD does: Healthy once `status.loadBalancer.ingress` is a non-empty
//! list (the controller has published an address), Progressing otherwise — including when
//! that field is not a list at all. No message.
//!
//! Example: `status.loadBalancer.ingress: [{ip: 203.0.113.7}]` → Healthy "".

use serde_json::Value;

use crate::health::Context;
use crate::health::object::{Object, at};
use crate::health::status::HealthStatus;

/// Assesses an Ingress.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    let addresses = at(obj.value, &["status", "loadBalancer", "ingress"]).and_then(Value::as_array);
    if addresses.is_some_and(|a| !a.is_empty()) {
        HealthStatus::healthy("")
    } else {
        HealthStatus::progressing("")
    }
}
