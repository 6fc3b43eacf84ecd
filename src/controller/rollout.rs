//! Post-verify of one workload: its rollout is complete (`kubectl rollout status`
//! semantics, per kind) and every Pod runs the pinned digests (`imageID`, scheme and
//! repository stripped). A Pod whose `imageID` names no repository digest cannot be
//! checked, so it does not count as on target: no false green.

use serde_json::Value;

use super::{int_at, str_at};
use crate::release::verify::running::{image_id_digest, pods_of};
use crate::release::{ObservedImage, WorkloadPin, WorkloadProgress};

/// Where a rollout is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollout {
    /// Complete, and every Pod runs the pinned digests.
    Done,
    /// Still going: what it waits for.
    Waiting(String),
    /// It cannot finish: why.
    Failed(String),
}

/// `kubectl rollout status` for a Deployment, StatefulSet or DaemonSet.
pub fn status(w: &Value) -> Rollout {
    let generation = int_at(w, "/metadata/generation");
    let observed = int_at(w, "/status/observedGeneration");
    let kind = str_at(w, "/kind");
    let replicas = w
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let st = |f: &str| int_at(w, &format!("/status/{f}"));
    let waiting = |m: String| Rollout::Waiting(m);
    match kind {
        "Deployment" => {
            if generation > observed {
                return waiting("waiting for deployment spec update to be observed".into());
            }
            let deadline_exceeded = w
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|c| {
                    str_at(c, "/type") == "Progressing"
                        && str_at(c, "/reason") == "ProgressDeadlineExceeded"
                });
            if deadline_exceeded {
                return Rollout::Failed(format!(
                    "deployment {} exceeded its progress deadline",
                    str_at(w, "/metadata/name")
                ));
            }
            let (updated, total, available) = (
                st("updatedReplicas"),
                st("replicas"),
                st("availableReplicas"),
            );
            if updated < replicas {
                waiting(format!(
                    "{updated} of {replicas} new replicas have been updated"
                ))
            } else if total > updated {
                waiting(format!(
                    "{} old replicas are pending termination",
                    total - updated
                ))
            } else if available < updated {
                waiting(format!(
                    "{available} of {updated} updated replicas are available"
                ))
            } else {
                Rollout::Done
            }
        }
        "StatefulSet" => {
            if observed == 0 || generation > observed {
                return waiting("waiting for statefulset spec update to be observed".into());
            }
            let ready = st("readyReplicas");
            if ready < replicas {
                return waiting(format!("{ready} of {replicas} pods are ready"));
            }
            let partition = w
                .pointer("/spec/updateStrategy/rollingUpdate/partition")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let updated = st("updatedReplicas");
            if w.pointer("/spec/updateStrategy/rollingUpdate").is_some() || partition > 0 {
                if updated < replicas - partition {
                    return waiting(format!(
                        "{updated} of {} pods have been updated",
                        replicas - partition
                    ));
                }
                return Rollout::Done;
            }
            if str_at(w, "/status/updateRevision") != str_at(w, "/status/currentRevision") {
                return waiting(format!(
                    "waiting for statefulset rolling update to complete {updated} pods at revision {}",
                    str_at(w, "/status/updateRevision")
                ));
            }
            Rollout::Done
        }
        "DaemonSet" => {
            if generation > observed {
                return waiting("waiting for daemon set spec update to be observed".into());
            }
            let desired = st("desiredNumberScheduled");
            let updated = st("updatedNumberScheduled");
            let available = st("numberAvailable");
            if updated < desired {
                waiting(format!(
                    "{updated} out of {desired} new pods have been updated"
                ))
            } else if available < desired {
                waiting(format!(
                    "{available} of {desired} updated pods are available"
                ))
            } else {
                Rollout::Done
            }
        }
        other => Rollout::Failed(format!("{other} has no rollout status")),
    }
}

/// The digest each recorded container must run: its pin, or the observed one.
fn expected_digests(
    pin: &WorkloadPin,
    observed: &[ObservedImage],
) -> Vec<(String, Option<String>)> {
    let all = pin.containers.iter().map(|c| (c.name.clone(), c)).chain(
        pin.init_containers
            .iter()
            .map(|c| (format!("init:{}", c.name), c)),
    );
    all.map(|(name, c)| {
        let digest = c.digest.clone().or_else(|| {
            observed
                .iter()
                .find(|o| {
                    o.kind == pin.kind
                        && o.name == pin.name
                        && o.container == name
                        && o.image == c.image
                })
                .map(|o| o.digest.clone())
        });
        (name, digest)
    })
    .collect()
}

/// What one Pod runs that is not the release, or None when it runs exactly the release.
fn pod_lag(pod: &Value, expected: &[(String, Option<String>)]) -> Option<String> {
    let pod_name = format!(
        "Pod {}/{}",
        str_at(pod, "/metadata/namespace"),
        str_at(pod, "/metadata/name")
    );
    for (container, digest) in expected {
        let (statuses, name) = match container.strip_prefix("init:") {
            Some(n) => ("/status/initContainerStatuses", n),
            None => ("/status/containerStatuses", container.as_str()),
        };
        let Some(want) = digest else {
            return Some(format!(
                "{pod_name} container {container}: the release pins no digest to compare"
            ));
        };
        let status = pod
            .pointer(statuses)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|s| str_at(s, "/name") == name);
        let Some(status) = status else {
            return Some(format!(
                "{pod_name} container {container}: no status reported yet"
            ));
        };
        let image_id = str_at(status, "/imageID");
        match image_id_digest(image_id) {
            None if image_id.is_empty() => {
                return Some(format!(
                    "{pod_name} container {container}: image not pulled yet"
                ));
            }
            None => {
                return Some(format!(
                    "{pod_name} container {container}: imageID {image_id} names no repository digest; cannot tell what it runs"
                ));
            }
            Some(d) if d != want => {
                return Some(format!(
                    "{pod_name} container {container}: runs {d}, the release pins {want}"
                ));
            }
            Some(_) => {}
        }
    }
    None
}

/// The progress of one workload towards the release, and whether it is done.
pub fn progress(
    live: &Value,
    pin: &WorkloadPin,
    observed: &[ObservedImage],
    pods: &[Value],
    progress: &mut WorkloadProgress,
) -> Rollout {
    let kind = str_at(live, "/kind");
    progress.replicas = if kind == "DaemonSet" {
        int_at(live, "/status/desiredNumberScheduled")
    } else {
        live.pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(1)
    };
    progress.updated = int_at(
        live,
        if kind == "DaemonSet" {
            "/status/updatedNumberScheduled"
        } else {
            "/status/updatedReplicas"
        },
    );
    progress.ready = int_at(
        live,
        if kind == "DaemonSet" {
            "/status/numberReady"
        } else {
            "/status/readyReplicas"
        },
    );
    let expected = expected_digests(pin, observed);
    let running: Vec<&Value> = pods_of(live, pods)
        .into_iter()
        .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
        .collect();
    let lags: Vec<String> = running
        .iter()
        .filter_map(|p| pod_lag(p, &expected))
        .collect();
    progress.pods = running.len() as i64;
    progress.pods_on_target = progress.pods - lags.len() as i64;
    let rollout = status(live);
    let outcome = match rollout {
        Rollout::Done if !lags.is_empty() => Rollout::Waiting(lags[0].clone()),
        Rollout::Done if progress.pods_on_target < progress.replicas => Rollout::Waiting(format!(
            "{} of {} Pods run the release",
            progress.pods_on_target, progress.replicas
        )),
        other => other,
    };
    progress.message = match &outcome {
        Rollout::Done => None,
        Rollout::Waiting(m) | Rollout::Failed(m) => Some(m.clone()),
    };
    if outcome == Rollout::Done {
        progress.state = "RolledOut".into();
    }
    outcome
}

#[cfg(test)]
mod tests;
