//! `rollpin verify`'s comparisons: read the record, then compare it with a fresh render of
//! the app ([`compare_render`]: does the past revision re-render to exactly what was
//! recorded?) and with live objects ([`compare_live`]: does what runs match it?), each
//! difference a [`Drift`] that [`describe`] puts in words.

mod changes;
mod fields;
mod live;
pub mod output;
mod render;
mod report;
pub mod running;

pub use changes::{Recorded, attach_changes};
pub use fields::field_changes;
pub use live::{LiveCheck, Pods, check_live, compare_live};
pub use render::compare_render;
pub use report::{describe, describe_with_changes};

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::Value;

use super::{
    ContainerPin, Drift, FieldImagePin, RollbackManifest, RollbackManifestSpec, WorkloadPin,
};

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

pub(super) fn drift(
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
        path: None,
        field: field.to_string(),
        expected,
        actual,
        ..Drift::default()
    }
}

pub(super) fn field_image_key(p: &FieldImagePin) -> (&str, &str, &str, &str, &str) {
    (&p.api_version, &p.kind, &p.namespace, &p.name, &p.path)
}

pub(super) fn field_drift(
    p: &FieldImagePin,
    field: &str,
    expected: Option<String>,
    actual: Option<String>,
) -> Drift {
    Drift {
        path: Some(p.path.clone()),
        ..drift(
            (&p.api_version, &p.kind, &p.namespace, &p.name),
            field,
            None,
            expected,
            actual,
        )
    }
}

/// Drifts between the images found in fields (not containers) of two renders, matched by
/// object and path; every object with one is added to `explained`.
pub(super) fn field_image_drifts(
    was: &[FieldImagePin],
    now: &[FieldImagePin],
    out: &mut Vec<Drift>,
    explained: &mut HashSet<(String, String, String)>,
) {
    let now_map: HashMap<_, &FieldImagePin> = now.iter().map(|p| (field_image_key(p), p)).collect();
    let was_keys: HashSet<_> = was.iter().map(field_image_key).collect();
    let mut push = |p: &FieldImagePin, expected: Option<String>, actual: Option<String>| {
        explained.insert((p.kind.clone(), p.namespace.clone(), p.name.clone()));
        out.push(field_drift(p, "image", expected, actual));
    };
    for p in was {
        let actual = now_map.get(&field_image_key(p)).map(|n| n.image.clone());
        if actual.as_deref() != Some(p.image.as_str()) {
            push(p, Some(p.image.clone()), actual);
        }
    }
    for p in now
        .iter()
        .filter(|p| !was_keys.contains(&field_image_key(p)))
    {
        push(p, None, Some(p.image.clone()));
    }
}

pub(super) fn workload_key(w: &WorkloadPin) -> Key<'_> {
    (&w.api_version, &w.kind, &w.namespace, &w.name)
}

/// Image drifts between two container lists, matched by container name.
pub(super) fn image_drifts(
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
    for p in recorded.images.iter().filter(|p| p.digest.is_none()) {
        out.push(field_drift(p, "unpinned", Some(p.image.clone()), None));
    }
}
