//! The pins of a set of objects: every workload (anything with a pod template, and Pods)
//! with its containers' images and digests and the ConfigMaps and Secrets it references,
//! each with the hash of its content when the set holds it.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::digest::{ImagePin, content_sha256, image_pin};
use super::{ConfigPin, ContainerPin, WorkloadPin};

/// Where a workload keeps its pod spec: a Pod's `spec`, a CronJob's job template, or
/// `spec.template.spec` (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
/// ReplicationController, Argo Rollouts' Rollout and any custom resource shaped alike).
pub fn pod_spec(obj: &Value) -> Option<&Value> {
    pod_spec_at(obj).map(|(_, spec)| spec)
}

/// [`pod_spec`] with its path in the object (`spec.template.spec`).
pub fn pod_spec_at(obj: &Value) -> Option<(&'static str, &Value)> {
    let spec = obj.get("spec")?;
    let has_containers = |s: &Value| s.get("containers").is_some_and(Value::is_array);
    if obj.get("kind").and_then(Value::as_str) == Some("Pod") && has_containers(spec) {
        return Some(("spec", spec));
    }
    [
        ("spec.template.spec", spec.pointer("/template/spec")),
        (
            "spec.jobTemplate.spec.template.spec",
            spec.pointer("/jobTemplate/spec/template/spec"),
        ),
    ]
    .into_iter()
    .find_map(|(path, s)| s.filter(|s| has_containers(s)).map(|s| (path, s)))
}

/// Every `image` string field of `obj` outside `metadata`, `status` and its workload
/// containers and init containers (which [`workloads`] pins), as `(path, image)` in
/// document order.
pub fn field_images(obj: &Value) -> Vec<(String, String)> {
    let covered = pod_spec_at(obj).map(|(path, spec)| {
        let mut paths = std::collections::HashSet::new();
        for key in ["containers", "initContainers"] {
            for i in 0..items(spec, key).count() {
                paths.insert(format!("{path}.{key}[{i}].image"));
            }
        }
        paths
    });
    let mut out = Vec::new();
    if let Some(m) = obj.as_object() {
        for (k, v) in m
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "metadata" | "status"))
        {
            walk_images(v, k.clone(), &mut out);
        }
    }
    out.retain(|(path, _)| !covered.as_ref().is_some_and(|c| c.contains(path)));
    out
}

fn walk_images(v: &Value, path: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let child_path = format!("{path}.{k}");
                match child {
                    Value::String(image) if k == "image" => out.push((child_path, image.clone())),
                    _ => walk_images(child, child_path, out),
                }
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                walk_images(child, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The [`field_images`] of every object, pinned.
pub fn images<'a>(objects: impl IntoIterator<Item = &'a Value>) -> Vec<super::FieldImagePin> {
    let mut out = Vec::new();
    for obj in objects {
        for (path, image) in field_images(obj) {
            let digest = match image_pin(&image) {
                ImagePin::Digest(d) => Some(d.to_string()),
                _ => None,
            };
            out.push(super::FieldImagePin {
                api_version: str_at(obj, "/apiVersion").to_string(),
                kind: str_at(obj, "/kind").to_string(),
                namespace: str_at(obj, "/metadata/namespace").to_string(),
                name: str_at(obj, "/metadata/name").to_string(),
                path,
                image,
                digest,
            });
        }
    }
    out
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn items<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn containers(spec: &Value, key: &str) -> Vec<ContainerPin> {
    items(spec, key)
        .map(|c| {
            let image = str_at(c, "/image").to_string();
            let digest = match image_pin(&image) {
                ImagePin::Digest(d) => Some(d.to_string()),
                _ => None,
            };
            ContainerPin {
                name: str_at(c, "/name").to_string(),
                image,
                digest,
            }
        })
        .collect()
}

/// `(kind, name)` of every ConfigMap and Secret a pod spec references: volumes (also
/// projected), `env[].valueFrom`, `envFrom`, and `imagePullSecrets`.
fn referenced_configs(spec: &Value) -> BTreeSet<(&'static str, String)> {
    let mut refs = BTreeSet::new();
    let mut add = |kind: &'static str, name: &str| {
        if !name.is_empty() {
            refs.insert((kind, name.to_string()));
        }
    };
    for vol in items(spec, "volumes") {
        add("ConfigMap", str_at(vol, "/configMap/name"));
        add("Secret", str_at(vol, "/secret/secretName"));
        for source in vol
            .pointer("/projected/sources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add("ConfigMap", str_at(source, "/configMap/name"));
            add("Secret", str_at(source, "/secret/name"));
        }
    }
    for c in items(spec, "containers").chain(items(spec, "initContainers")) {
        for env in items(c, "env") {
            add("ConfigMap", str_at(env, "/valueFrom/configMapKeyRef/name"));
            add("Secret", str_at(env, "/valueFrom/secretKeyRef/name"));
        }
        for from in items(c, "envFrom") {
            add("ConfigMap", str_at(from, "/configMapRef/name"));
            add("Secret", str_at(from, "/secretRef/name"));
        }
    }
    for s in items(spec, "imagePullSecrets") {
        add("Secret", str_at(s, "/name"));
    }
    refs
}

/// [`workloads`] as a record pins them: each also with the digest of the object outside
/// its pod template (only a record needs it, so live comparisons do not compute it).
pub fn recorded_workloads<'a>(
    objects: impl IntoIterator<Item = &'a Value> + Clone,
) -> Vec<WorkloadPin> {
    let mut pins = workloads(objects.clone());
    let with_templates = objects.into_iter().filter(|o| pod_spec(o).is_some());
    for (pin, obj) in pins.iter_mut().zip(with_templates) {
        pin.outside_template_sha256 = Some(super::digest::outside_template_sha256(obj));
    }
    pins
}

/// The workloads among `objects`, in their order, with their pins. A referenced config's
/// hash comes from the object of that kind, name and namespace in `objects`.
pub fn workloads<'a>(objects: impl IntoIterator<Item = &'a Value> + Clone) -> Vec<WorkloadPin> {
    let mut configs: HashMap<(&str, &str, &str), &Value> = HashMap::new();
    for obj in objects.clone() {
        let kind = str_at(obj, "/kind");
        if (kind == "ConfigMap" || kind == "Secret") && str_at(obj, "/apiVersion") == "v1" {
            let key = (
                kind,
                str_at(obj, "/metadata/namespace"),
                str_at(obj, "/metadata/name"),
            );
            configs.insert(key, obj);
        }
    }
    objects
        .into_iter()
        .filter_map(|obj| {
            let spec = pod_spec(obj)?;
            let namespace = str_at(obj, "/metadata/namespace");
            Some(WorkloadPin {
                api_version: str_at(obj, "/apiVersion").to_string(),
                kind: str_at(obj, "/kind").to_string(),
                name: str_at(obj, "/metadata/name").to_string(),
                namespace: namespace.to_string(),
                containers: containers(spec, "containers"),
                init_containers: containers(spec, "initContainers"),
                configs: referenced_configs(spec)
                    .into_iter()
                    .map(|(kind, name)| ConfigPin {
                        kind: kind.to_string(),
                        sha256: configs
                            .get(&(kind, namespace, name.as_str()))
                            .map(|c| content_sha256(c)),
                        name,
                    })
                    .collect(),
                outside_template_sha256: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_record_pins_the_object_outside_its_template() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let web = |replicas: i64, image: &str| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"}, "spec": {"replicas": replicas,
                "template": {"spec": {"containers": [{"name": "a", "image": image}]}}}})
        };
        let (a, b, c) = (web(1, "x:1"), web(1, "x:2"), web(2, "x:1"));
        assert_eq!(workloads([&cm, &a])[0].outside_template_sha256, None);
        let outside = |w: &Value| {
            recorded_workloads([&cm, w])[0]
                .outside_template_sha256
                .clone()
        };
        assert!(outside(&a).is_some());
        assert_eq!(outside(&a), outside(&b), "only the template differs");
        assert_ne!(
            outside(&a),
            outside(&c),
            "replicas differ outside the template"
        );
    }

    #[test]
    fn finds_pod_specs_of_every_workload_shape() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "x"}]}});
        let deploy =
            json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": []}}}});
        let cron = json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}});
        let cm = json!({"kind": "ConfigMap", "data": {"spec": "x"}});
        let template_without_containers = json!({"kind": "X", "spec": {"template": {"spec": {}}}});
        assert!(pod_spec(&pod).is_some());
        assert!(pod_spec(&deploy).is_some());
        assert!(pod_spec(&cron).is_some());
        assert!(pod_spec(&cm).is_none());
        assert!(pod_spec(&template_without_containers).is_none());
    }

    #[test]
    fn finds_images_outside_workload_containers() {
        let prom = json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
            "metadata": {"name": "k8s", "annotations": {"image": "not-this"}},
            "spec": {"image": "quay.io/prometheus/prometheus:v2.54.1", "imageTag": "x"},
            "status": {"image": "nor-this"}});
        assert_eq!(
            field_images(&prom),
            [(
                "spec.image".to_string(),
                "quay.io/prometheus/prometheus:v2.54.1".to_string()
            )]
        );
        let pod = json!({"kind": "Pod", "spec": {
            "containers": [{"name": "a", "image": "a:1"}],
            "ephemeralContainers": [{"name": "debug", "image": "busybox"}]}});
        assert_eq!(
            field_images(&pod),
            [(
                "spec.ephemeralContainers[0].image".to_string(),
                "busybox".to_string()
            )]
        );
        let wf = json!({"kind": "CronWorkflow", "spec": {"workflowSpec": {"templates": [
            {"name": "t", "container": {"image": "report:1.0"}}]}}});
        assert_eq!(
            field_images(&wf)[0].0,
            "spec.workflowSpec.templates[0].container.image"
        );
        let deploy = json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "containers": [{"name": "a", "image": "a:1"}]}}}});
        assert!(field_images(&deploy).is_empty());
    }

    #[test]
    fn pins_images_and_referenced_configs() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let objs = [
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "cfg-1", "namespace": "prod"}, "data": {"k": "v"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "cfg-1", "namespace": "other"}, "data": {"k": "w"}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "web", "namespace": "prod"},
                   "spec": {"template": {"spec": {
                       "initContainers": [{"name": "init", "image": "busybox:1.36"}],
                       "containers": [{"name": "app", "image": format!("web@{digest}"),
                           "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "a"}}}],
                           "envFrom": [{"configMapRef": {"name": "cfg-1"}}]}],
                       "volumes": [{"name": "v", "projected": {"sources": [{"configMap": {"name": "cfg-1"}}]}}],
                       "imagePullSecrets": [{"name": "pull"}]}}}}),
        ];
        let pins = workloads(objs.iter());
        assert_eq!(pins.len(), 1);
        let w = &pins[0];
        assert_eq!(
            (w.kind.as_str(), w.namespace.as_str()),
            ("Deployment", "prod")
        );
        assert_eq!(w.containers[0].digest.as_deref(), Some(digest.as_str()));
        assert_eq!(w.init_containers[0].digest, None);
        let configs: Vec<(&str, &str, bool)> = w
            .configs
            .iter()
            .map(|c| (c.kind.as_str(), c.name.as_str(), c.sha256.is_some()))
            .collect();
        assert_eq!(
            configs,
            [
                ("ConfigMap", "cfg-1", true),
                ("Secret", "creds", false),
                ("Secret", "pull", false)
            ]
        );
        assert_eq!(w.configs[0].sha256, Some(content_sha256(&objs[0])));
    }
}
