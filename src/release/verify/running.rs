//! What runs: the Pods of a recorded workload (found in the live objects by the workload's
//! `spec.selector.matchLabels`, in its namespace) must run each pinned container from the
//! pinned digest, as the kubelet reports it in `status.containerStatuses[].imageID` (and
//! `initContainerStatuses`).

use serde_json::Value;

use crate::release::{ContainerPin, Drift, WorkloadPin};

/// The digest part of a kubelet `imageID` (`docker-pullable://repo@sha256:…`,
/// `repo@sha256:…`); None when it names no digest.
fn image_id_digest(image_id: &str) -> Option<&str> {
    image_id
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| d.contains(':'))
}

/// The labels a workload selects its Pods by; None for a Pod, for a selector with
/// `matchExpressions` (not evaluated) and for a workload without `matchLabels`.
fn match_labels(workload: &Value) -> Option<&serde_json::Map<String, Value>> {
    let selector = workload.pointer("/spec/selector")?;
    if selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .is_some_and(|e| !e.is_empty())
    {
        return None;
    }
    selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
}

/// The live Pods that run `workload` (itself, for a Pod).
pub fn pods_of<'a>(workload: &'a Value, live: &'a [Value]) -> Vec<&'a Value> {
    if workload.get("kind").and_then(Value::as_str) == Some("Pod") {
        return vec![workload];
    }
    let Some(labels) = match_labels(workload) else {
        return Vec::new();
    };
    let namespace = workload.pointer("/metadata/namespace");
    live.iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("Pod"))
        .filter(|p| p.pointer("/metadata/namespace") == namespace)
        .filter(|p| {
            let pod_labels = p.pointer("/metadata/labels").and_then(Value::as_object);
            labels
                .iter()
                .all(|(k, v)| pod_labels.and_then(|l| l.get(k)) == Some(v))
        })
        .collect()
}

/// A Pod's running container whose image digest differs from the pinned one.
pub fn running_drifts(w: &WorkloadPin, pods: &[&Value], out: &mut Vec<Drift>) {
    for pod in pods {
        let s = |p: &str| pod.pointer(p).and_then(Value::as_str).unwrap_or("");
        for (statuses, pins, label) in [
            ("/status/initContainerStatuses", &w.init_containers, "init:"),
            ("/status/containerStatuses", &w.containers, ""),
        ] {
            for status in pod
                .pointer(statuses)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = status.get("name").and_then(Value::as_str).unwrap_or("");
                let Some(ContainerPin {
                    digest: Some(pinned),
                    ..
                }) = pins.iter().find(|c| c.name == name)
                else {
                    continue;
                };
                let image_id = status.get("imageID").and_then(Value::as_str).unwrap_or("");
                let Some(running) = image_id_digest(image_id) else {
                    continue;
                };
                if running != pinned {
                    out.push(Drift {
                        api_version: "v1".into(),
                        kind: "Pod".into(),
                        namespace: s("/metadata/namespace").into(),
                        name: s("/metadata/name").into(),
                        container: Some(format!("{label}{name}")),
                        path: None,
                        field: "running".into(),
                        expected: Some(pinned.clone()),
                        actual: Some(running.to_string()),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_ids() {
        assert_eq!(
            image_id_digest("docker-pullable://nginx@sha256:abc"),
            Some("sha256:abc")
        );
        assert_eq!(
            image_id_digest("docker.io/library/nginx@sha256:abc"),
            Some("sha256:abc")
        );
        assert_eq!(image_id_digest("sha256:abc"), None);
        assert_eq!(image_id_digest(""), None);
    }

    #[test]
    fn pods_are_found_by_match_labels_in_the_namespace() {
        let deploy = json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}}});
        let live = [
            json!({"kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web", "x": "y"}}}),
            json!({"kind": "Pod", "metadata": {"name": "web-2", "namespace": "other", "labels": {"app": "web"}}}),
            json!({"kind": "Pod", "metadata": {"name": "db-1", "namespace": "shop", "labels": {"app": "db"}}}),
        ];
        let names: Vec<&str> = pods_of(&deploy, &live)
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["web-1"]);
        let with_expressions = json!({"kind": "Deployment", "metadata": {"namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "x", "operator": "Exists"}]}}});
        assert!(pods_of(&with_expressions, &live).is_empty());
    }
}
