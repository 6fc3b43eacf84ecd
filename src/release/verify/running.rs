//! What runs: the Pods of a recorded workload (found in the live objects by the workload's
//! `spec.selector`, in its namespace) must run each pinned container from the
//! pinned digest, as the kubelet reports it in `status.containerStatuses[].imageID` (and
//! `initContainerStatuses`).

use serde_json::Value;

use crate::release::{ContainerPin, Drift, WorkloadPin};

/// The digest part of a kubelet `imageID` (`docker-pullable://repo@sha256:…`,
/// `repo@sha256:…`); None when it names no digest.
pub fn image_id_digest(image_id: &str) -> Option<&str> {
    image_id
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| d.contains(':'))
}

/// Whether `labels` satisfy a `metadata.labels`-style selector (`matchLabels` and
/// `matchExpressions`, ANDed); None when the selector is empty or has an operator
/// Kubernetes does not define.
fn selects(selector: &Value, labels: Option<&serde_json::Map<String, Value>>) -> Option<bool> {
    let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    let match_labels = selector.get("matchLabels").and_then(Value::as_object);
    let expressions = selector.get("matchExpressions").and_then(Value::as_array);
    if match_labels.is_none_or(|m| m.is_empty()) && expressions.is_none_or(|e| e.is_empty()) {
        return None;
    }
    let mut ok = match_labels
        .into_iter()
        .flatten()
        .all(|(k, v)| v.as_str().is_some_and(|v| label(k) == Some(v)));
    for e in expressions.into_iter().flatten() {
        let key = e.get("key").and_then(Value::as_str).unwrap_or("");
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let have = label(key);
        ok &= match e.get("operator").and_then(Value::as_str)? {
            "In" => have.is_some_and(|h| values.contains(&h)),
            "NotIn" => have.is_none_or(|h| !values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => return None,
        };
    }
    Some(ok)
}

/// The live Pods that run `workload` (itself, for a Pod): those in its namespace its
/// `spec.selector` selects.
pub fn pods_of<'a>(workload: &'a Value, live: &'a [Value]) -> Vec<&'a Value> {
    if workload.get("kind").and_then(Value::as_str) == Some("Pod") {
        return vec![workload];
    }
    let Some(selector) = workload.pointer("/spec/selector") else {
        return Vec::new();
    };
    let namespace = workload.pointer("/metadata/namespace");
    live.iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("Pod"))
        .filter(|p| p.pointer("/metadata/namespace") == namespace)
        .filter(|p| {
            let labels = p.pointer("/metadata/labels").and_then(Value::as_object);
            selects(selector, labels) == Some(true)
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
                        ..Drift::default()
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
        let names_of = |w: &Value| -> Vec<String> {
            pods_of(w, &live)
                .iter()
                .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
                .collect()
        };
        let exists = json!({"kind": "Deployment", "metadata": {"namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "x", "operator": "Exists"}]}}});
        assert_eq!(names_of(&exists), ["web-1"]);
        let not_in = json!({"kind": "Deployment", "metadata": {"namespace": "shop"},
            "spec": {"selector": {"matchExpressions": [
                {"key": "app", "operator": "NotIn", "values": ["web"]},
                {"key": "x", "operator": "DoesNotExist"}]}}});
        assert_eq!(names_of(&not_in), ["db-1"]);
        let in_set = json!({"kind": "Deployment", "metadata": {"namespace": "shop"},
            "spec": {"selector": {"matchExpressions": [
                {"key": "app", "operator": "In", "values": ["db", "web"]}]}}});
        assert_eq!(names_of(&in_set), ["web-1", "db-1"]);
        let bad = json!({"kind": "Deployment", "metadata": {"namespace": "shop"},
            "spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "Near"}]}}});
        assert!(names_of(&bad).is_empty());
        let empty = json!({"kind": "Deployment", "metadata": {"namespace": "shop"},
            "spec": {"selector": {}}});
        assert!(names_of(&empty).is_empty());
    }
}
