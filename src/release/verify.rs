//! `rollpin verify`: compare a release record with a fresh render of the app (does the past
//! revision re-render to exactly what was recorded?) and with live objects (does what runs
//! match it?), and report every difference as a [`Drift`].

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;

use super::digest::content_sha256;
use super::pins::pod_spec;
use super::{ContainerPin, Drift, RollbackManifest, RollbackManifestSpec, WorkloadPin, format_ref};

/// The record file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VerifyError(pub String);

/// The objects of a YAML stream, `kind: List` items flattened.
pub fn read_objects(
    text: &str,
    path: &Path,
    limits: crate::yaml::Limits,
) -> Result<Vec<Value>, VerifyError> {
    let docs = crate::yaml::parse_stream_with_limits(text, crate::yaml::Schema::Kyaml, limits)
        .map_err(|e| VerifyError(format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for d in docs {
        let is_list = d
            .value
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && d.value.get("items").is_some_and(Value::is_array);
        if is_list {
            if let Some(Value::Array(items)) = d.value.get("items") {
                out.extend(items.iter().cloned());
            }
        } else {
            out.push(d.value);
        }
    }
    Ok(out)
}

/// The RollbackManifest in `objects` (the one named `name` when given).
pub fn find_record(
    objects: &[Value],
    path: &Path,
    name: Option<&str>,
) -> Result<RollbackManifest, VerifyError> {
    let records: Vec<&Value> = objects
        .iter()
        .filter(|o| {
            o.get("kind").and_then(Value::as_str) == Some("RollbackManifest")
                && o.get("apiVersion")
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.starts_with("rollpin.dev/"))
        })
        .filter(|o| {
            name.is_none_or(|n| o.pointer("/metadata/name").and_then(Value::as_str) == Some(n))
        })
        .collect();
    let file = path.display();
    let record = match records.as_slice() {
        [one] => *one,
        [] => {
            return Err(VerifyError(match name {
                Some(n) => format!("{file}: no RollbackManifest named {n:?}"),
                None => format!("{file}: no RollbackManifest (rollpin.dev) in the file"),
            }));
        }
        many => {
            let names: Vec<&str> = many
                .iter()
                .map(|o| {
                    o.pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                })
                .collect();
            return Err(VerifyError(format!(
                "{file}: {} RollbackManifests ({}); choose one with --name",
                many.len(),
                names.join(", ")
            )));
        }
    };
    let rm: RollbackManifest = serde_path_to_error::deserialize(record.clone()).map_err(|e| {
        VerifyError(format!(
            "{file}: RollbackManifest {:?}: {}: {}",
            record
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or(""),
            e.path(),
            e.inner()
        ))
    })?;
    if rm.spec.render_digest.is_empty() {
        return Err(VerifyError(format!(
            "{file}: RollbackManifest {:?} has no spec.renderDigest",
            rm.metadata.name.as_deref().unwrap_or("")
        )));
    }
    Ok(rm)
}

type Key<'a> = (&'a str, &'a str, &'a str, &'a str);

fn drift(
    (api_version, kind, namespace, name): Key<'_>,
    field: &str,
    container: Option<&str>,
    expected: Option<String>,
    actual: Option<String>,
) -> Drift {
    Drift {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        namespace: namespace.to_string(),
        name: name.to_string(),
        container: container.map(str::to_string),
        field: field.to_string(),
        expected,
        actual,
    }
}

fn workload_key(w: &WorkloadPin) -> Key<'_> {
    (&w.api_version, &w.kind, &w.namespace, &w.name)
}

/// Image drifts between two container lists, matched by container name.
fn image_drifts(
    key: Key<'_>,
    label: &str,
    was: &[ContainerPin],
    now: &[ContainerPin],
    out: &mut Vec<Drift>,
) {
    let now_by_name: HashMap<&str, &ContainerPin> =
        now.iter().map(|c| (c.name.as_str(), c)).collect();
    let was_names: std::collections::HashSet<&str> = was.iter().map(|c| c.name.as_str()).collect();
    for c in was {
        let actual = now_by_name.get(c.name.as_str()).map(|n| n.image.clone());
        if actual.as_deref() != Some(c.image.as_str()) {
            let container = format!("{label}{}", c.name);
            out.push(drift(
                key,
                "image",
                Some(&container),
                Some(c.image.clone()),
                actual,
            ));
        }
    }
    for c in now.iter().filter(|c| !was_names.contains(c.name.as_str())) {
        let container = format!("{label}{}", c.name);
        out.push(drift(
            key,
            "image",
            Some(&container),
            None,
            Some(c.image.clone()),
        ));
    }
}

/// Images the record holds without a digest: a rollback would run whatever the registry
/// serves for that tag then.
pub fn unpinned(recorded: &RollbackManifestSpec, out: &mut Vec<Drift>) {
    for w in &recorded.workloads {
        for (label, list) in [("", &w.containers), ("init:", &w.init_containers)] {
            for c in list.iter().filter(|c| c.digest.is_none()) {
                let container = format!("{label}{}", c.name);
                out.push(drift(
                    workload_key(w),
                    "unpinned",
                    Some(&container),
                    Some(c.image.clone()),
                    None,
                ));
            }
        }
    }
}

/// Every difference between a recorded release and a fresh record of the re-render:
/// images (by workload and container), config hashes, then objects that appeared,
/// vanished or changed for another reason, then the stream itself (order). Unless
/// `allow_unpinned`, every image without a digest is reported too.
pub fn compare_render(
    recorded: &RollbackManifestSpec,
    fresh: &RollbackManifestSpec,
    allow_unpinned: bool,
) -> Vec<Drift> {
    let mut out = Vec::new();
    // Objects that a more precise drift already explains.
    let mut explained: std::collections::HashSet<(String, String, String)> = Default::default();
    let fresh_workloads: HashMap<Key<'_>, &WorkloadPin> = fresh
        .workloads
        .iter()
        .map(|w| (workload_key(w), w))
        .collect();
    let mut config_seen = std::collections::HashSet::new();
    for w in &recorded.workloads {
        let Some(now) = fresh_workloads.get(&workload_key(w)) else {
            continue;
        };
        let before = out.len();
        image_drifts(
            workload_key(w),
            "",
            &w.containers,
            &now.containers,
            &mut out,
        );
        image_drifts(
            workload_key(w),
            "init:",
            &w.init_containers,
            &now.init_containers,
            &mut out,
        );
        if out.len() > before {
            explained.insert((w.kind.clone(), w.namespace.clone(), w.name.clone()));
        }
        let now_configs: HashMap<(&str, &str), &Option<String>> = now
            .configs
            .iter()
            .map(|c| ((c.kind.as_str(), c.name.as_str()), &c.sha256))
            .collect();
        for c in &w.configs {
            let actual = now_configs.get(&(c.kind.as_str(), c.name.as_str()));
            let changed = match actual {
                Some(sha) => *sha != &c.sha256,
                None => c.sha256.is_some(),
            };
            if changed && config_seen.insert((c.kind.clone(), w.namespace.clone(), c.name.clone()))
            {
                let key = ("v1", c.kind.as_str(), w.namespace.as_str(), c.name.as_str());
                out.push(drift(
                    key,
                    "config",
                    None,
                    c.sha256.clone(),
                    actual.and_then(|s| (*s).clone()),
                ));
                explained.insert((c.kind.clone(), w.namespace.clone(), c.name.clone()));
            }
        }
    }
    let key = |r: &super::ResourcePin| {
        (
            r.api_version.clone(),
            r.kind.clone(),
            r.namespace.clone(),
            r.name.clone(),
        )
    };
    let was: BTreeMap<_, &str> = recorded
        .resources
        .iter()
        .map(|r| (key(r), r.sha256.as_str()))
        .collect();
    let now: BTreeMap<_, &str> = fresh
        .resources
        .iter()
        .map(|r| (key(r), r.sha256.as_str()))
        .collect();
    for r in &recorded.resources {
        let k = key(r);
        let actual = now.get(&k).map(|s| s.to_string());
        if actual.as_deref() == Some(r.sha256.as_str()) {
            continue;
        }
        let covered = actual.is_some()
            && explained.contains(&(r.kind.clone(), r.namespace.clone(), r.name.clone()));
        if !covered {
            let k = (
                r.api_version.as_str(),
                r.kind.as_str(),
                r.namespace.as_str(),
                r.name.as_str(),
            );
            out.push(drift(k, "object", None, Some(r.sha256.clone()), actual));
        }
    }
    for r in fresh
        .resources
        .iter()
        .filter(|r| !was.contains_key(&key(r)))
    {
        let k = (
            r.api_version.as_str(),
            r.kind.as_str(),
            r.namespace.as_str(),
            r.name.as_str(),
        );
        out.push(drift(k, "object", None, None, Some(r.sha256.clone())));
    }
    if out.is_empty() && recorded.render_digest != fresh.render_digest {
        out.push(Drift {
            field: "stream".into(),
            expected: Some(recorded.render_digest.clone()),
            actual: Some(fresh.render_digest.clone()),
            ..Drift::default()
        });
    }
    if !allow_unpinned {
        unpinned(recorded, &mut out);
    }
    out
}

/// Every difference between a recorded release and live objects (`kubectl get -o yaml`
/// output): each recorded workload must be live with the recorded images in its pod
/// template, and each config it references that the release rendered must be live with
/// the recorded content. A recorded namespace that is empty matches any namespace.
pub fn compare_live(
    recorded: &RollbackManifestSpec,
    live: &[Value],
    allow_unpinned: bool,
) -> Vec<Drift> {
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
        let pins = super::pins::workloads(std::iter::once(obj));
        let (containers, init) = match (pod_spec(obj), pins.first()) {
            (Some(_), Some(p)) => (p.containers.clone(), p.init_containers.clone()),
            _ => (Vec::new(), Vec::new()),
        };
        image_drifts(key, "", &w.containers, &containers, &mut out);
        image_drifts(key, "init:", &w.init_containers, &init, &mut out);
        let namespace = s(obj, "/metadata/namespace");
        for c in w.configs.iter().filter(|c| c.sha256.is_some()) {
            if !config_seen.insert((c.kind.clone(), namespace.clone(), c.name.clone())) {
                continue;
            }
            let actual = find(&c.kind, &namespace, &c.name).map(content_sha256);
            if actual != c.sha256 {
                let key = ("v1", c.kind.as_str(), namespace.as_str(), c.name.as_str());
                out.push(drift(key, "config", None, c.sha256.clone(), actual));
            }
        }
    }
    if !allow_unpinned {
        unpinned(recorded, &mut out);
    }
    out
}

/// One line of the text report.
pub fn describe(d: &Drift) -> String {
    let what = format_ref(&d.api_version, &d.kind, &d.namespace, &d.name);
    let side = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_string());
    match d.field.as_str() {
        "image" => format!(
            "image    {what} container {}: {} -> {}",
            d.container.as_deref().unwrap_or(""),
            side(&d.expected, "(no such container)"),
            side(&d.actual, "(container gone)")
        ),
        "config" => format!(
            "config   {what}: {} -> {}",
            side(&d.expected, "(not rendered)"),
            side(&d.actual, "(absent)")
        ),
        "object" => match (&d.expected, &d.actual) {
            (None, Some(a)) => format!("object   {what}: not in the release, now {a}"),
            (Some(_), None) => format!("object   {what}: in the release, now absent"),
            (e, a) => format!("object   {what}: {} -> {}", side(e, ""), side(a, "")),
        },
        "unpinned" => format!(
            "unpinned {what} container {}: {} has no digest; a rollback would run whatever the registry serves for it",
            d.container.as_deref().unwrap_or(""),
            side(&d.expected, "")
        ),
        "stream" => format!(
            "stream   same objects, different stream (order or formatting): {} -> {}",
            side(&d.expected, ""),
            side(&d.actual, "")
        ),
        other => format!(
            "{other} {what}: {} -> {}",
            side(&d.expected, ""),
            side(&d.actual, "")
        ),
    }
}
