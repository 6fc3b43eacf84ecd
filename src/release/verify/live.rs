//! Comparing a record with live objects (`kubectl get -o yaml`): the recorded images in
//! each workload's pod template and in other fields, the digests its Pods run, and the
//! recorded configs' content.

use serde_json::Value;

use super::{drift, field_drift, image_drifts, unpinned, workload_key};
use crate::release::digest::content_sha256;
use crate::release::pins::pod_spec;
use crate::release::{Drift, RollbackManifestSpec};

/// Whether the live objects are expected to hold the Pods of the recorded workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pods {
    /// Compare the Pods found; a workload without any is not a drift (the controller,
    /// which follows rollouts itself).
    AsFound,
    /// Every recorded workload that wants replicas must have a Pod in the input: none is
    /// the drift "not running".
    Required,
    /// The input holds no Pods on purpose (`--no-pods`): what runs is not checked.
    Skipped,
}

/// What a live comparison looked at, and what differed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveCheck {
    /// Every difference.
    pub drift: Vec<Drift>,
    /// Recorded workloads found live.
    pub workloads: usize,
    /// Recorded configs found live.
    pub configs: usize,
    /// Pods whose running images were compared.
    pub pods: usize,
    /// Images recorded outside pod templates, found live.
    pub field_images: usize,
}

/// Every difference between a recorded release and live objects (`kubectl get -o yaml`
/// output), as [`check_live`] finds it with the Pods taken as found.
pub fn compare_live(
    recorded: &RollbackManifestSpec,
    live: &[Value],
    allow_unpinned: bool,
) -> Vec<Drift> {
    check_live(recorded, live, allow_unpinned, Pods::AsFound).drift
}

/// Every difference between a recorded release and live objects (`kubectl get -o yaml`
/// output): each recorded workload must be live with the recorded images in its pod
/// template (and, per `pods`, its Pods running the pinned digests), and each config it
/// references that the release rendered must be live with the recorded content. A
/// recorded namespace that is empty matches any namespace.
pub fn check_live(
    recorded: &RollbackManifestSpec,
    live: &[Value],
    allow_unpinned: bool,
    pods: Pods,
) -> LiveCheck {
    let mut check = LiveCheck::default();
    let s = |o: &'_ Value, p: &str| {
        o.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let find = |kind: &str, namespace: &str, name: &str| {
        live.iter().find(|o| {
            s(o, "/kind") == kind
                && s(o, "/metadata/name") == name
                && (namespace.is_empty() || s(o, "/metadata/namespace") == namespace)
        })
    };
    let mut out = Vec::new();
    let mut config_seen = std::collections::HashSet::new();
    for w in &recorded.workloads {
        let key = workload_key(w);
        let Some(obj) = find(&w.kind, &w.namespace, &w.name) else {
            out.push(drift(key, "object", None, Some("present".into()), None));
            continue;
        };
        let pins = crate::release::pins::workloads(std::iter::once(obj));
        let (containers, init) = match (pod_spec(obj), pins.first()) {
            (Some(_), Some(p)) => (p.containers.clone(), p.init_containers.clone()),
            _ => (Vec::new(), Vec::new()),
        };
        image_drifts(key, "", &w.containers, &containers, &mut out);
        image_drifts(key, "init:", &w.init_containers, &init, &mut out);
        check.workloads += 1;
        if pods != Pods::Skipped {
            let found = super::running::pods_of(obj, live);
            check.pods += found.len();
            let wants_replicas = obj
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .is_none_or(|r| r > 0);
            if found.is_empty() && pods == Pods::Required && wants_replicas {
                out.push(drift(key, "running", None, Some("Pods".into()), None));
            }
            super::running::running_drifts(w, &found, &mut out);
        }
        let namespace = s(obj, "/metadata/namespace");
        for c in w.configs.iter().filter(|c| c.sha256.is_some()) {
            if !config_seen.insert((c.kind.clone(), namespace.clone(), c.name.clone())) {
                continue;
            }
            let actual = find(&c.kind, &namespace, &c.name).map(content_sha256);
            check.configs += usize::from(actual.is_some());
            if actual != c.sha256 {
                let key = ("v1", c.kind.as_str(), namespace.as_str(), c.name.as_str());
                out.push(drift(key, "config", None, c.sha256.clone(), actual));
            }
        }
    }
    for p in &recorded.images {
        let Some(obj) = find(&p.kind, &p.namespace, &p.name) else {
            let key = (
                p.api_version.as_str(),
                p.kind.as_str(),
                p.namespace.as_str(),
                p.name.as_str(),
            );
            if !out
                .iter()
                .any(|d| d.field == "object" && d.kind == p.kind && d.name == p.name)
            {
                out.push(drift(key, "object", None, Some("present".into()), None));
            }
            continue;
        };
        let actual = crate::release::pins::field_images(obj)
            .into_iter()
            .find(|(path, _)| *path == p.path)
            .map(|(_, image)| image);
        check.field_images += 1;
        if actual.as_deref() != Some(p.image.as_str()) {
            out.push(field_drift(p, "image", Some(p.image.clone()), actual));
        }
    }
    if !allow_unpinned {
        unpinned(recorded, &mut out);
    }
    check.drift = out;
    check
}
