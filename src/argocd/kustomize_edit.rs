//! The `kustomize edit` commands Argo CD runs for its kustomize options, as edits of the
//! kustomization's YAML tree, in Argo CD's order: `set nameprefix`, `set namesuffix`,
//! `set image`, `set replicas`, `add label`, `add annotation`, `set namespace`, the
//! appended `patches`, `add component` (kustomize v5.8's `commands/edit`, Argo CD's
//! `util/kustomize/kustomize.go`). Merges, sort orders and refusals follow kustomize's.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::argocd::EnvError;
use crate::argocd::kustomize_options::KustomizeOptions;
use crate::kustomize::fs::FileSystem;

/// kustomize's message for an image argument it cannot read.
const IMAGE_FORMAT: &str = "invalid format of image, use one of the following options: \
     <image>=<newimage>:<newtag>, <image>=<newimage>@<digest>, \
     <image>=<newimage>:<newtag>@<digest>, <image>=<newimage>, <image>:<newtag>, \
     <image>:<newtag>@<digest>, <image>@<digest>";

/// `kustomize edit set image`'s reading of one argument: `(name, newName, newTag,
/// digest)`.
pub fn parse_image(arg: &str) -> Result<(String, String, String, String), String> {
    let (key, value) = match arg.split_once('=') {
        Some((k, v)) => (k, v),
        None => ("", arg),
    };
    let (name, tag, digest) = crate::kustomize::images::split(value);
    if name == arg {
        return Err(format!("{IMAGE_FORMAT} (got {arg:?})"));
    }
    Ok(if key.is_empty() {
        (name.into(), String::new(), tag.into(), digest.into())
    } else {
        (key.into(), name.into(), tag.into(), digest.into())
    })
}

fn str_field<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// A kustomize `types.Image` as it marshals (empty fields left out).
fn image_value(name: &str, new_name: &str, new_tag: &str, digest: &str) -> Value {
    let mut m = Map::new();
    for (k, v) in [
        ("name", name),
        ("newName", new_name),
        ("newTag", new_tag),
        ("digest", digest),
    ] {
        if !v.is_empty() {
            m.insert(k.into(), Value::String(v.into()));
        }
    }
    Value::Object(m)
}

/// `set image`: each argument replaces the entry of its name (`*` keeps the entry's field),
/// other entries stay; the list ends sorted by name.
fn set_images(k: &mut Map<String, Value>, args: &[String]) -> Result<(), String> {
    const KEEP: &str = "*";
    let mut by_name: BTreeMap<String, Value> = BTreeMap::new();
    let mut wanted: BTreeMap<String, [String; 3]> = BTreeMap::new();
    for arg in args {
        let (name, new_name, tag, digest) = parse_image(arg)?;
        wanted.insert(name, [new_name, tag, digest]);
    }
    // FixKustomization: the deprecated imageTags join images.
    let mut existing = take_list(k, "images");
    existing.extend(take_list(k, "imageTags"));
    for im in existing {
        let name = str_field(&im, "name").to_string();
        match wanted.get_mut(&name) {
            Some(w) => {
                for (slot, field) in w.iter_mut().zip(["newName", "newTag", "digest"]) {
                    if slot == KEEP {
                        *slot = str_field(&im, field).to_string();
                    }
                }
            }
            None => {
                by_name.insert(name, im);
            }
        }
    }
    for (name, w) in wanted {
        let keep = |s: &str| {
            if s == KEEP {
                String::new()
            } else {
                s.to_string()
            }
        };
        by_name.insert(
            name.clone(),
            image_value(&name, &keep(&w[0]), &keep(&w[1]), &keep(&w[2])),
        );
    }
    k.insert(
        "images".into(),
        Value::Array(by_name.into_values().collect()),
    );
    Ok(())
}

fn take_list(k: &mut Map<String, Value>, key: &str) -> Vec<Value> {
    match k.remove(key) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    }
}

/// `set replicas`: each argument replaces the entry of its name; sorted by name.
fn set_replicas(k: &mut Map<String, Value>, args: &BTreeMap<String, i64>) {
    let mut by_name: BTreeMap<String, Value> = take_list(k, "replicas")
        .into_iter()
        .map(|r| (str_field(&r, "name").to_string(), r))
        .collect();
    for (name, count) in args {
        by_name.insert(
            name.clone(),
            serde_json::json!({"name": name, "count": count}),
        );
    }
    k.insert(
        "replicas".into(),
        Value::Array(by_name.into_values().collect()),
    );
}

/// kustomize's `ConvertSliceToMap` of Argo CD's `NAME:VALUE` arguments: the name ends at
/// the first `:`, and a value in double quotes loses them.
fn as_edit_args(
    kind: &str,
    pairs: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in pairs {
        let arg = format!("{name}:{value}");
        let c = arg.find(':').unwrap_or(0);
        if c == 0 {
            return Err(format!(
                "invalid {kind}: '{arg}' (need k:v pair where v may be quoted)"
            ));
        }
        let v = &arg[c + 1..];
        let v = if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
            &v[1..v.len() - 1]
        } else {
            v
        };
        out.insert(arg[..c].to_string(), v.to_string());
    }
    Ok(out.into_iter().collect())
}

fn write_entry(
    map: &mut Map<String, Value>,
    kind: &str,
    key: String,
    value: String,
    force: bool,
) -> Result<(), String> {
    if map.contains_key(&key) && !force {
        return Err(format!(
            "{kind} {key} already in kustomization file. Use --force to override."
        ));
    }
    map.insert(key, Value::String(value));
    Ok(())
}

fn object_field<'a>(k: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = k
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("an object: set just above")
}

/// `add label` (into `commonLabels`, or with `--without-selector` into the first `labels`
/// entry without selectors and with the same `includeTemplates`, a new one if none).
fn add_labels(k: &mut Map<String, Value>, o: &KustomizeOptions) -> Result<(), String> {
    let pairs = as_edit_args("label", &o.common_labels)?;
    if !o.label_without_selector {
        let labels = object_field(k, "commonLabels");
        for (key, value) in pairs {
            write_entry(labels, "label", key, value, o.force_common_labels)?;
        }
        return Ok(());
    }
    let list = k
        .entry("labels".to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !list.is_array() {
        return Err("the kustomization's labels field is not a list".into());
    }
    let list = list.as_array_mut().expect("an array: checked above");
    let flag = |l: &Value, f: &str| l.get(f).and_then(Value::as_bool).unwrap_or(false);
    let matches = |l: &Value| {
        !flag(l, "includeSelectors") && flag(l, "includeTemplates") == o.label_include_templates
    };
    let index = match list.iter().position(matches) {
        Some(i) => i,
        None => {
            let mut entry = Map::new();
            entry.insert("pairs".into(), Value::Object(Map::new()));
            if o.label_include_templates {
                entry.insert("includeTemplates".into(), Value::Bool(true));
            }
            list.push(Value::Object(entry));
            list.len() - 1
        }
    };
    let entry = list[index]
        .as_object_mut()
        .ok_or("a labels entry is not a mapping")?;
    let pairs_map = object_field(entry, "pairs");
    for (key, value) in pairs {
        write_entry(pairs_map, "label", key, value, o.force_common_labels)?;
    }
    Ok(())
}

/// `add component`: each path must exist (unless `ignoreMissingComponents` drops it
/// first), is added once, in order.
fn add_components(
    k: &mut Map<String, Value>,
    o: &KustomizeOptions,
    fs: &dyn FileSystem,
    app_dir: &Path,
    repo_root: Option<&Path>,
) -> Result<(), String> {
    let mut found = Vec::new();
    for c in &o.components {
        if c.contains(['*', '?', '[']) {
            return Err(format!(
                "{c}: glob patterns are not supported (name each component directory)"
            ));
        }
        let path = crate::kustomize::fs::normalize(&app_dir.join(c));
        // Outside the repository nothing is probed (no existence oracle on the sidecar).
        let inside = repo_root.is_none_or(|r| path.starts_with(r));
        if !inside && !o.ignore_missing_components {
            return Err(format!("{c} is outside the repository root"));
        }
        let exists = inside && fs.kind(&path).is_ok();
        if o.ignore_missing_components && !exists {
            continue;
        }
        if !exists {
            return Err(format!(
                "{c} has no match: no such directory in {} (set ignoreMissingComponents to \
                 \"true\" to skip missing components)",
                app_dir.display()
            ));
        }
        found.push(c.clone());
    }
    if found.is_empty() {
        return Ok(());
    }
    let list = k
        .entry("components".to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    let list = list
        .as_array_mut()
        .ok_or("the kustomization's components field is not a list")?;
    for c in found {
        if !list.iter().any(|x| x.as_str() == Some(c.as_str())) {
            list.push(Value::String(c));
        }
    }
    Ok(())
}

/// Applies `o` to the kustomization `k` (of the app in `app_dir`), in Argo CD's order.
/// Each error names the parameter.
pub fn edit(
    k: &mut Map<String, Value>,
    o: &KustomizeOptions,
    fs: &dyn FileSystem,
    app_dir: &Path,
    repo_root: Option<&Path>,
) -> Result<(), EnvError> {
    fn named(name: &'static str) -> impl Fn(String) -> EnvError {
        move |e| EnvError(format!("parameter '{name}': {e}"))
    }
    if !o.name_prefix.is_empty() {
        k.insert("namePrefix".into(), Value::String(o.name_prefix.clone()));
    }
    if !o.name_suffix.is_empty() {
        k.insert("nameSuffix".into(), Value::String(o.name_suffix.clone()));
    }
    if !o.images.is_empty() {
        set_images(k, &o.images).map_err(named("images"))?;
    }
    if !o.replicas.is_empty() {
        set_replicas(k, &o.replicas);
    }
    if !o.common_labels.is_empty() {
        add_labels(k, o).map_err(|e| {
            let hint = if e.contains("--force") {
                " (forceCommonLabels: \"true\" overrides it)"
            } else {
                ""
            };
            EnvError(format!("parameter 'commonLabels': {e}{hint}"))
        })?;
    }
    if !o.common_annotations.is_empty() {
        let pairs = as_edit_args("annotation", &o.common_annotations)
            .map_err(named("commonAnnotations"))?;
        let annotations = object_field(k, "commonAnnotations");
        for (key, value) in pairs {
            write_entry(
                annotations,
                "annotation",
                key,
                value,
                o.force_common_annotations,
            )
            .map_err(|e| {
                EnvError(format!(
                    "parameter 'commonAnnotations': {e} (forceCommonAnnotations: \"true\" \
                         overrides it)"
                ))
            })?;
        }
    }
    if !o.namespace.is_empty() {
        k.insert("namespace".into(), Value::String(o.namespace.clone()));
    }
    if !o.patches.is_empty() {
        let list = k
            .entry("patches".to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = list.as_array_mut() else {
            return Err(EnvError(
                "parameter 'patches': the kustomization's patches field is not a list".into(),
            ));
        };
        list.extend(o.patches.iter().cloned());
    }
    if !o.components.is_empty() {
        add_components(k, o, fs, app_dir, repo_root).map_err(named("components"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        v.to_string()
    }

    #[test]
    fn reads_image_arguments_as_kustomize_edit_set_image() {
        assert_eq!(
            parse_image("nginx=ghcr.io/a/nginx:1.27").unwrap(),
            (s("nginx"), s("ghcr.io/a/nginx"), s("1.27"), s(""))
        );
        assert_eq!(
            parse_image("localhost:5000/web:2@sha256:ab").unwrap(),
            (s("localhost:5000/web"), s(""), s("2"), s("sha256:ab"))
        );
        assert_eq!(
            parse_image("redis=*:7").unwrap(),
            (s("redis"), s("*"), s("7"), s(""))
        );
        assert!(
            parse_image("nginx")
                .unwrap_err()
                .starts_with("invalid format of image")
        );
    }

    #[test]
    fn set_image_keeps_other_entries_and_star_fields_then_sorts() {
        let mut k: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "images": [{"name": "b", "newName": "x/b", "tagSuffix": "-alpine"},
                       {"name": "a", "newTag": "1"}],
            "imageTags": [{"name": "c", "newTag": "3"}],
        }))
        .unwrap();
        // `*` keeps a field; a field left out is cleared (kustomize replaces the entry).
        set_images(&mut k, &[s("a=*:2"), s("d:4"), s("c=*:*")]).unwrap();
        assert_eq!(
            Value::Object(k),
            serde_json::json!({"images": [
                {"name": "a", "newTag": "2"},
                {"name": "b", "newName": "x/b", "tagSuffix": "-alpine"},
                {"name": "c", "newTag": "3"},
                {"name": "d", "newTag": "4"},
            ]})
        );
    }

    #[test]
    fn label_arguments_split_at_the_first_colon_and_lose_quotes() {
        let pairs = BTreeMap::from([(s("a"), s("\"x:y\"")), (s("b"), s("\""))]);
        assert_eq!(
            as_edit_args("label", &pairs).unwrap(),
            [(s("a"), s("x:y")), (s("b"), s("\""))]
        );
        let colon = BTreeMap::from([(s("k:8s"), s("v"))]);
        assert_eq!(
            as_edit_args("label", &colon).unwrap(),
            [(s("k"), s("8s:v"))]
        );
    }
}
