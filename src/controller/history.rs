//! A workload's own revision history and restoring a template from it, as `kubectl rollout
//! undo` does: a Deployment's ReplicaSets (template without `pod-template-hash`, JSON patch
//! of `spec.template` and the annotations), a StatefulSet's or DaemonSet's
//! ControllerRevisions (their `data` as a strategic merge patch). Every patch also carries
//! the observed `resourceVersion`, so a concurrent change makes it fail with 409 Conflict
//! instead of being overwritten.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::{int_at, str_at};
use crate::release::{ObservedImage, WorkloadPin};

/// Kinds whose pod template the `Workloads` strategy restores from revision history.
pub const RESTORABLE: [&str; 3] = ["Deployment", "StatefulSet", "DaemonSet"];

/// The ReplicaSet label the Deployment controller adds to each template.
const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// Annotations `kubectl rollout undo` keeps from the Deployment instead of taking them
/// from the ReplicaSet.
const ANNOTATIONS_TO_SKIP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// One entry of a workload's revision history.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision<'a> {
    /// The ReplicaSet or ControllerRevision.
    pub object: &'a Value,
    /// Its name.
    pub name: &'a str,
    /// Its revision number.
    pub number: i64,
    /// Its pod template, as the workload would carry it (no `pod-template-hash`).
    pub template: Value,
}

/// Whether `obj`'s controller is `owner` (by uid; by kind and name when either has no uid).
fn controlled_by(obj: &Value, owner: &Value) -> bool {
    let uid = str_at(owner, "/metadata/uid");
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|r| {
            r.get("controller").and_then(Value::as_bool) == Some(true)
                && if uid.is_empty() || str_at(r, "/uid").is_empty() {
                    str_at(r, "/kind") == str_at(owner, "/kind")
                        && str_at(r, "/name") == str_at(owner, "/metadata/name")
                } else {
                    str_at(r, "/uid") == uid
                }
        })
        && str_at(obj, "/metadata/namespace") == str_at(owner, "/metadata/namespace")
}

/// A template without the `pod-template-hash` label (and without `labels` when that was
/// its only one).
pub fn without_hash(template: &Value) -> Value {
    without_metadata_entry(template, "labels", POD_TEMPLATE_HASH)
}

/// A template without `metadata.<map>.<key>`, and without the map when that was its only
/// entry.
fn without_metadata_entry(template: &Value, map: &str, key: &str) -> Value {
    let mut t = template.clone();
    if let Some(Value::Object(meta)) = t.get_mut("metadata")
        && let Some(Value::Object(entries)) = meta.get_mut(map)
    {
        entries.remove(key);
        if entries.is_empty() {
            meta.remove(map);
        }
    }
    t
}

/// The workload's revision history, newest first.
pub fn revisions<'a>(workload: &Value, history: &'a [Value]) -> Vec<Revision<'a>> {
    let kind = str_at(workload, "/kind");
    let mut out: Vec<Revision<'a>> = history
        .iter()
        .filter(|h| controlled_by(h, workload))
        .filter_map(|h| match (kind, str_at(h, "/kind")) {
            ("Deployment", "ReplicaSet") => Some(Revision {
                object: h,
                name: str_at(h, "/metadata/name"),
                number: str_at(
                    h,
                    "/metadata/annotations/deployment.kubernetes.io~1revision",
                )
                .parse()
                .unwrap_or(0),
                template: without_hash(h.pointer("/spec/template")?),
            }),
            ("StatefulSet" | "DaemonSet", "ControllerRevision") => {
                let mut template = h.pointer("/data/spec/template")?.clone();
                if let Value::Object(m) = &mut template {
                    m.remove("$patch");
                }
                Some(Revision {
                    object: h,
                    name: str_at(h, "/metadata/name"),
                    number: int_at(h, "/revision"),
                    template,
                })
            }
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| b.number.cmp(&a.number).then(a.name.cmp(b.name)));
    out
}

/// The live pod template of a workload, as history entries hold it.
pub fn live_template(workload: &Value) -> Value {
    without_hash(workload.pointer("/spec/template").unwrap_or(&Value::Null))
}

/// `(container, image)` pairs, init containers as `init:NAME`.
type Images = Vec<(String, String)>;
/// `(kind, name)` of referenced ConfigMaps and Secrets.
type ConfigRefs = BTreeSet<(String, String)>;

/// The images (by container) and config references of a pod template.
fn template_pins(template: &Value) -> (Images, ConfigRefs) {
    let holder = json!({"kind": "ReplicaSet", "spec": {"template": template}});
    let pins = crate::release::pins::workloads(std::iter::once(&holder));
    let Some(p) = pins.into_iter().next() else {
        return (Vec::new(), BTreeSet::new());
    };
    let images = p
        .containers
        .iter()
        .map(|c| (c.name.clone(), c.image.clone()))
        .chain(
            p.init_containers
                .iter()
                .map(|c| (format!("init:{}", c.name), c.image.clone())),
        )
        .collect();
    let configs = p.configs.into_iter().map(|c| (c.kind, c.name)).collect();
    (images, configs)
}

/// Whether a template runs exactly the record's images (by container, init containers
/// included) and references exactly its configs.
pub fn matches_pin(template: &Value, pin: &WorkloadPin) -> bool {
    let (images, configs) = template_pins(template);
    let want: Vec<(String, String)> = pin
        .containers
        .iter()
        .map(|c| (c.name.clone(), c.image.clone()))
        .chain(
            pin.init_containers
                .iter()
                .map(|c| (format!("init:{}", c.name), c.image.clone())),
        )
        .collect();
    let want_configs: BTreeSet<(String, String)> = pin
        .configs
        .iter()
        .map(|c| (c.kind.clone(), c.name.clone()))
        .collect();
    images == want && configs == want_configs
}

/// The newest history entry whose template matches the record's workload.
pub fn find_target<'a>(
    revisions: &'a [Revision<'a>],
    pin: &WorkloadPin,
) -> Option<&'a Revision<'a>> {
    revisions.iter().find(|r| matches_pin(&r.template, pin))
}

/// A template as it counts for telling revisions apart: without the
/// `kubectl.kubernetes.io/restartedAt` annotation (`kubectl rollout restart` makes a new
/// revision of the same template).
fn restart_free(template: &Value) -> Value {
    without_metadata_entry(template, "annotations", "kubectl.kubernetes.io/restartedAt")
}

/// Other history entries that match the record's images and config references but hold a
/// different template than `chosen` (beyond a restart): which one is the release's cannot
/// be told from the record.
pub fn ambiguous<'a>(
    revisions: &'a [Revision<'a>],
    pin: &WorkloadPin,
    chosen: &Revision<'_>,
) -> Vec<&'a str> {
    let want = restart_free(&chosen.template);
    revisions
        .iter()
        .filter(|r| r.name != chosen.name && matches_pin(&r.template, pin))
        .filter(|r| restart_free(&r.template) != want)
        .map(|r| r.name)
        .collect()
}

/// The newest history entry whose template is the live one.
pub fn find_live<'a>(revisions: &'a [Revision<'a>], workload: &Value) -> Option<&'a Revision<'a>> {
    let live = live_template(workload);
    revisions.iter().find(|r| r.template == live)
}

/// `template` with each tag-only image that was observed running replaced by
/// `image@digest`.
pub fn pin_observed(template: &Value, pinned: &[&ObservedImage]) -> Value {
    let mut t = template.clone();
    for (list, prefix) in [("containers", ""), ("initContainers", "init:")] {
        let Some(Value::Array(containers)) = t.pointer_mut(&format!("/spec/{list}")) else {
            continue;
        };
        for c in containers {
            let name = format!("{prefix}{}", str_at(c, "/name"));
            let image = str_at(c, "/image").to_string();
            if let Some(p) = pinned
                .iter()
                .find(|p| p.container == name && p.image == image)
                && let Value::Object(m) = c
            {
                m.insert(
                    "image".into(),
                    Value::String(format!("{image}@{}", p.digest)),
                );
            }
        }
    }
    t
}

/// How a patch is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    /// `application/json-patch+json`.
    Json,
    /// `application/strategic-merge-patch+json`.
    StrategicMerge,
    /// `application/merge-patch+json`.
    Merge,
}

/// The patch that gives `workload` the pod template `template` (taken from `revision`),
/// as `kubectl rollout undo` builds it, plus the resourceVersion guard.
pub fn undo_patch(
    workload: &Value,
    revision: &Revision<'_>,
    template: &Value,
) -> (PatchKind, Value) {
    let rv = str_at(workload, "/metadata/resourceVersion");
    if str_at(workload, "/kind") == "Deployment" {
        let own = workload
            .pointer("/metadata/annotations")
            .and_then(Value::as_object);
        let mut annotations = Map::new();
        for k in ANNOTATIONS_TO_SKIP {
            if let Some(v) = own.and_then(|a| a.get(k)) {
                annotations.insert(k.to_string(), v.clone());
            }
        }
        if let Some(Value::Object(from_rs)) = revision.object.pointer("/metadata/annotations") {
            for (k, v) in from_rs {
                if !ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
                    annotations.insert(k.clone(), v.clone());
                }
            }
        }
        let patch = json!([
            {"op": "replace", "path": "/metadata/resourceVersion", "value": rv},
            {"op": "replace", "path": "/spec/template", "value": template},
            {"op": "replace", "path": "/metadata/annotations", "value": annotations},
        ]);
        return (PatchKind::Json, patch);
    }
    let mut t = template.clone();
    if let Value::Object(m) = &mut t {
        m.insert("$patch".into(), Value::String("replace".into()));
    }
    let patch = json!({"metadata": {"resourceVersion": rv}, "spec": {"template": t}});
    (PatchKind::StrategicMerge, patch)
}

#[cfg(test)]
mod tests;
