//! Pod (`v1`): Argo CD's `getCorev1PodHealth` (gitops-engine `pkg/health/health_pod.go`,
//! Argo CD v3.5.1 — without master's `ignore-restart-policy` annotation).
//!
//! First, for pods with `restartPolicy: Always` only (hook pods are `Never`/`OnFailure`
//! and must not fail a sync early): any container waiting with a reason that starts with
//! `Err` or ends in `Error` or `BackOff` (`ErrImagePull`, `CreateContainerConfigError`,
//! `CrashLoopBackOff`) → Degraded, the waiting messages joined with ", ". Then by
//! `status.phase`: Pending → Progressing; Succeeded → Healthy; Failed → Degraded with the
//! pod's message, else the first terminated (init, then regular) container's message,
//! `OOMKilled`, or `container "<name>" failed with exit code N`; Running → Healthy when the
//! `Ready` condition is True, Degraded when a container has a last terminated state,
//! Progressing otherwise, and always Progressing for `Never`/`OnFailure` pods; any other
//! phase, or Running with no restart policy at all, → Unknown. Messages are the pod's
//! `status.message` unless stated.
//!
//! Example: `restartPolicy: Always`, a container waiting with reason `CrashLoopBackOff`
//! and message "back-off 5m0s restarting failed container=app" → Degraded with that message.

use k8s_openapi::api::core::v1::{ContainerStatus, PodCondition};
use serde::Deserialize;

use super::check_version;
use crate::health::Context;
use crate::health::convert::{GoTypes, convert};
use crate::health::go;
use crate::health::object::Object;
use crate::health::prune::Keep;
use crate::health::status::HealthStatus;

#[derive(Deserialize)]
struct View {
    spec: Option<Spec>,
    status: Option<Status>,
}

/// The fields of `PodStatus` the check reads, with k8s-openapi's element types (the whole
/// `PodStatus` struct is 700 bytes that serde moves several times per object).
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    phase: Option<String>,
    message: Option<String>,
    conditions: Option<Vec<PodCondition>>,
    container_statuses: Option<Vec<ContainerStatus>>,
    init_container_statuses: Option<Vec<ContainerStatus>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    restart_policy: Option<String>,
}

/// What the check reads of a container status.
const CONTAINER: Keep = Keep::Fields(&[
    ("name", Keep::All),
    (
        "state",
        Keep::Fields(&[
            (
                "waiting",
                Keep::Fields(&[("reason", Keep::All), ("message", Keep::All)]),
            ),
            (
                "terminated",
                Keep::Fields(&[
                    ("message", Keep::All),
                    ("reason", Keep::All),
                    ("exitCode", Keep::All),
                ]),
            ),
        ]),
    ),
    (
        "lastState",
        Keep::Fields(&[("terminated", Keep::Fields(&[]))]),
    ),
]);

/// The fields the check reads.
static KEEP: Keep = Keep::Fields(&[
    ("spec", Keep::Fields(&[("restartPolicy", Keep::All)])),
    (
        "status",
        Keep::Fields(&[
            ("phase", Keep::All),
            ("message", Keep::All),
            (
                "conditions",
                Keep::Fields(&[("type", Keep::All), ("status", Keep::All)]),
            ),
            ("containerStatuses", CONTAINER),
            ("initContainerStatuses", CONTAINER),
        ]),
    ),
]);

const GO_TYPES: GoTypes = &[
    ("spec.restartPolicy", "v1.RestartPolicy"),
    ("status.phase", "v1.PodPhase"),
    ("status.qosClass", "v1.PodQOSClass"),
    ("status.resize", "v1.PodResizeStatus"),
    ("status.conditions[].type", "v1.PodConditionType"),
    ("status.conditions[].status", "v1.ConditionStatus"),
];

/// Assesses a Pod.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match typed(obj) {
        Ok(h) | Err(h) => h,
    }
}

fn typed(obj: &Object<'_>) -> Result<HealthStatus, HealthStatus> {
    check_version(obj, "Pod", &["v1"])?;
    let view: View = convert(obj, "Pod", GO_TYPES, &KEEP)?;
    let restart_policy = view
        .spec
        .unwrap_or_default()
        .restart_policy
        .unwrap_or_default();
    Ok(health(&restart_policy, &view.status.unwrap_or_default()))
}

fn is_error_reason(reason: &str) -> bool {
    reason.starts_with("Err") || reason.ends_with("Error") || reason.ends_with("BackOff")
}

/// Why a terminated container failed, or `""`.
fn fail_message(ctr: &ContainerStatus) -> String {
    let Some(t) = ctr.state.as_ref().and_then(|s| s.terminated.as_ref()) else {
        return String::new();
    };
    match t.message.as_deref() {
        Some(m) if !m.is_empty() => m.to_string(),
        _ if t.reason.as_deref() == Some("OOMKilled") => "OOMKilled".to_string(),
        _ if t.exit_code != 0 => format!(
            "container {} failed with exit code {}",
            go::quote(&ctr.name),
            t.exit_code
        ),
        _ => String::new(),
    }
}

fn health(restart_policy: &str, status: &Status) -> HealthStatus {
    let containers = status.container_statuses.as_deref().unwrap_or_default();
    if restart_policy == "Always" {
        let waiting_errors: Vec<&str> = containers
            .iter()
            .filter_map(|c| c.state.as_ref()?.waiting.as_ref())
            .filter(|w| is_error_reason(w.reason.as_deref().unwrap_or("")))
            .map(|w| w.message.as_deref().unwrap_or(""))
            .collect();
        if !waiting_errors.is_empty() {
            return HealthStatus::degraded(waiting_errors.join(", "));
        }
    }
    let message = status.message.clone().unwrap_or_default();
    match status.phase.as_deref().unwrap_or("") {
        "Pending" => return HealthStatus::progressing(message),
        "Succeeded" => return HealthStatus::healthy(message),
        "Failed" => {
            if !message.is_empty() {
                return HealthStatus::degraded(message);
            }
            let init = status
                .init_container_statuses
                .as_deref()
                .unwrap_or_default();
            let first = init
                .iter()
                .chain(containers)
                .map(fail_message)
                .find(|m| !m.is_empty());
            return HealthStatus::degraded(first.unwrap_or_default());
        }
        "Running" => match restart_policy {
            "Always" => {
                let ready = status
                    .conditions
                    .iter()
                    .flatten()
                    .find(|c| c.type_ == "Ready")
                    .is_some_and(|c| c.status == "True");
                if ready {
                    return HealthStatus::healthy(message);
                }
                let restarted = containers.iter().any(|c| {
                    c.last_state
                        .as_ref()
                        .is_some_and(|s| s.terminated.is_some())
                });
                if restarted {
                    return HealthStatus::degraded(message);
                }
                return HealthStatus::progressing(message);
            }
            "OnFailure" | "Never" => return HealthStatus::progressing(message),
            _ => {}
        },
        _ => {}
    }
    HealthStatus::unknown(message)
}
