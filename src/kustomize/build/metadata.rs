//! `buildMetadata` — origin annotations, transformer annotations (kustomize's record of
//! which built-in transformers ran over each object) and the managed-by label — and the
//! annotation clean-up every build ends with.

use std::path::Path;

use serde_json::Value;

use crate::kustomize::error::{Error, Result};
use crate::kustomize::kustomization::Kustomization;
use crate::resource::{ResMap, Resource};

/// kustomize's origin annotation.
pub(super) const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// The annotation listing the transformers that ran over an object.
const TRANSFORMATIONS_ANNOTATION: &str = "alpha.config.kubernetes.io/transformations";

/// Bookkeeping annotations of kustomize and kyaml (kpt) that every build removes at the end,
/// also when a user wrote them in an input file (kustomize's `BuildAnnotations`): the
/// `internal.config.kubernetes.io/` build notes, kyaml's path/index/id/sequence-indent
/// annotations and their legacy spellings. Other `internal.config.kubernetes.io/` keys stay.
const BUILD_ANNOTATIONS: &[&str] = &[
    "internal.config.kubernetes.io/previousKinds",
    "internal.config.kubernetes.io/previousNames",
    "internal.config.kubernetes.io/prefixes",
    "internal.config.kubernetes.io/suffixes",
    "internal.config.kubernetes.io/previousNamespaces",
    "internal.config.kubernetes.io/allowNameChange",
    "internal.config.kubernetes.io/allowKindChange",
    "internal.config.kubernetes.io/refBy",
    "internal.config.kubernetes.io/generatorBehavior",
    "internal.config.kubernetes.io/needsHashSuffix",
    "internal.config.kubernetes.io/path",
    "internal.config.kubernetes.io/index",
    "internal.config.kubernetes.io/seqindent",
    "internal.config.kubernetes.io/id",
    "internal.config.kubernetes.io/annotations-migration-resource-id",
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "config.k8s.io/id",
];

/// kustomize's `managedByLabel` label, with the version rollpin reproduces.
const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kustomize-v5.5.0");

/// `metadata.annotations` when it is a mapping (direct lookups: `Value::pointer` unescapes
/// every token, which costs more than the rest of this per-resource work).
fn annotations_mut(obj: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    obj.get_mut("metadata")?
        .get_mut("annotations")?
        .as_object_mut()
}

fn annotations(obj: &Value) -> Option<&serde_json::Map<String, Value>> {
    obj.get("metadata")?.get("annotations")?.as_object()
}

fn remove_annotation(obj: &mut Value, key: &str) {
    if let Some(a) = annotations_mut(obj) {
        a.remove(key);
    }
}

/// Sets `metadata.<field>.<key>` (labels or annotations), creating the maps.
fn set_metadata_entry(obj: &mut Value, field: &str, key: &str, value: String) {
    let o = crate::resource::ensure_object(obj);
    let md = crate::resource::ensure_object(o.entry("metadata").or_insert(Value::Null));
    let m = crate::resource::ensure_object(md.entry(field).or_insert(Value::Null));
    m.insert(key.to_string(), Value::String(value));
}

/// Sets an annotation, creating `metadata.annotations`.
pub(super) fn set_annotation(obj: &mut Value, key: &str, value: String) {
    set_metadata_entry(obj, "annotations", key, value);
}
/// What `buildMetadata` asks for.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct BuildMetadata {
    /// `originAnnotations`.
    pub(super) origins: bool,
    /// `transformerAnnotations`.
    pub(super) transformations: bool,
    /// `managedByLabel`.
    pub(super) managed_by: bool,
}

/// Validates `buildMetadata` (kustomize reads the top-level kustomization's only).
pub(super) fn build_metadata(kpath: &Path, k: &Kustomization) -> Result<BuildMetadata> {
    let mut m = BuildMetadata::default();
    for v in k.build_metadata.iter().flatten() {
        match v.as_str() {
            "originAnnotations" => m.origins = true,
            "transformerAnnotations" => m.transformations = true,
            "managedByLabel" => m.managed_by = true,
            other => {
                return Err(Error::InvalidKustomization {
                    path: kpath.to_path_buf(),
                    line: None,
                    message: format!(
                        "buildMetadata must have values [originAnnotations transformerAnnotations managedByLabel], got '{other}'"
                    ),
                });
            }
        }
    }
    Ok(m)
}

/// One entry of the transformations annotation: the kustomization (or plugin
/// configuration) that configured the transformer, and the transformer's id.
pub(crate) fn transformation_entry(
    configured_in: &str,
    kind: &str,
    name: &str,
    namespace: &str,
) -> String {
    let mut e = format!(
        "- configuredIn: {configured_in}\n  configuredBy:\n    apiVersion: builtin\n    kind: {kind}\n"
    );
    if !name.is_empty() {
        e.push_str(&format!("    name: {name}\n"));
    }
    if !namespace.is_empty() {
        e.push_str(&format!("    namespace: {namespace}\n"));
    }
    e
}

/// Records `entry` on every resource, as kustomize does after each transformer: kept in
/// the object's annotations (so a patch that replaces or removes `metadata.annotations`
/// also drops what was recorded so far), appended to the transformations annotation when
/// the object has an origin annotation, else taken as the object's origin (kustomize
/// assumes the transformer made the object).
pub(crate) fn note_transformation(rm: &mut ResMap, entry: Option<&str>) {
    let Some(entry) = entry else {
        return;
    };
    for r in &mut rm.resources {
        let annotations = annotations(&r.obj);
        if annotations.is_some_and(|a| a.contains_key(ORIGIN_ANNOTATION)) {
            let mut list = annotations
                .and_then(|a| a.get(TRANSFORMATIONS_ANNOTATION))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if !list.is_empty() && !list.ends_with('\n') {
                list.push('\n');
            }
            list.push_str(entry);
            set_annotation(&mut r.obj, TRANSFORMATIONS_ANNOTATION, list);
        } else {
            set_annotation(&mut r.obj, ORIGIN_ANNOTATION, entry_as_origin(entry));
        }
    }
}

/// A transformations list entry (`- configuredIn: …` with its lines indented) as an
/// origin annotation (the same mapping, unindented).
fn entry_as_origin(entry: &str) -> String {
    entry
        .lines()
        .map(|l| {
            l.strip_prefix("- ")
                .or_else(|| l.strip_prefix("  "))
                .unwrap_or(l)
        })
        .fold(String::new(), |mut out, l| {
            out.push_str(l);
            out.push('\n');
            out
        })
}

/// What every build does to each resource at the end: the managed-by label when asked
/// for, origin and transformations annotations
/// dropped unless asked for (also ones written in the input, as kustomize clears them), the
/// bookkeeping annotations dropped, empty annotations removed.
pub(super) fn finish(r: &mut Resource, m: &BuildMetadata) {
    if let Some(a) = annotations_mut(&mut r.obj)
        && a.keys().any(|k| k.contains("config.k"))
    {
        for key in BUILD_ANNOTATIONS {
            a.remove(*key);
        }
        if !m.transformations {
            a.remove(TRANSFORMATIONS_ANNOTATION);
        }
    }
    if m.managed_by {
        set_metadata_entry(&mut r.obj, "labels", MANAGED_BY.0, MANAGED_BY.1.into());
    }
    if !m.origins {
        remove_annotation(&mut r.obj, ORIGIN_ANNOTATION);
    }
    strip_empty_annotations(&mut r.obj);
}

/// kustomize re-sets every resource's annotations before output: an empty, null or
/// scalar `metadata.annotations` disappears.
fn strip_empty_annotations(obj: &mut Value) {
    if let Some(Value::Object(md)) = obj.get_mut("metadata") {
        let empty = match md.get("annotations") {
            None | Some(Value::Array(_)) => false,
            Some(Value::Object(m)) => m.is_empty(),
            Some(_) => true,
        };
        if empty {
            md.remove("annotations");
        }
    }
}
