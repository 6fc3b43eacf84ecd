//! The patch transformers: `patches` (strategic merge or JSON 6902, with an optional
//! target selector), and the deprecated `patchesStrategicMerge` and `patchesJson6902`.
//! Loading decides what kind of patch a text is, exactly as kustomize does; applying
//! keeps names, kinds and namespaces unless the patch's options allow a change.

use serde_json::Value;

use crate::kustomize::kustomization::{Json6902Args, PatchArgs};
use crate::kustomize::loader::Loader;
use crate::kustomize::openapi::Schema as OpenApi;
use crate::kustomize::patch::json6902;
use crate::kustomize::patch::strategic_merge::{self, MergeOutcome};
use crate::kustomize::selector::{Matcher, Selector};
use crate::resource::{ResId, ResMap, Resource};
use crate::yaml::{Limits, Schema, parse_stream_with_limits};

/// A patch's text parsed one way or the other.
enum Parsed {
    /// Strategic-merge patches (one per document).
    Strategic(Vec<Value>),
    /// JSON 6902 operations.
    Json(Value),
}

/// Parses strategic-merge patch documents: objects with a kind and (unless a list) a name.
fn parse_strategic(text: &str, limits: Limits) -> Result<Vec<Value>, String> {
    let docs = parse_stream_with_limits(text, Schema::KyamlPatch, limits)
        .map_err(|e| crate::kustomize::loader::yaml_message(e.to_string()))?;
    let mut queue: std::collections::VecDeque<Value> = docs.into_iter().map(|d| d.value).collect();
    let mut out = Vec::new();
    while let Some(v) = queue.pop_front() {
        let Value::Object(m) = &v else {
            return Err("not a mapping".into());
        };
        let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.is_empty() {
            return Err("missing kind".into());
        }
        if kind.ends_with("List") {
            if let Some(Value::Array(items)) = m.get("items") {
                queue.extend(items.iter().cloned());
                continue;
            }
        } else if v
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            return Err("missing metadata.name".into());
        }
        out.push(v);
    }
    Ok(out)
}

/// Names a JSON 6902 patch in messages without its text (it may hold a Secret's value).
fn describe_patch(path: &str) -> String {
    if path.is_empty() {
        "the inline patch".into()
    } else {
        format!("patch file '{path}'")
    }
}

/// Parses JSON 6902 operations: a JSON array, or YAML (1.1) that converts to one.
fn parse_json_ops(text: &str, limits: Limits) -> Result<Value, String> {
    if text.is_empty() {
        return Err("empty json patch operations".into());
    }
    let v: Value = if text.starts_with('[') {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    } else {
        let docs = parse_stream_with_limits(text, Schema::Yaml11, limits)
            .map_err(|e| crate::kustomize::loader::yaml_message(e.to_string()))?;
        docs.into_iter()
            .next()
            .map(|d| d.value)
            .unwrap_or(Value::Null)
    };
    match &v {
        Value::Array(ops) if ops.iter().all(Value::is_object) => Ok(v),
        _ => Err("not a list of operations".into()),
    }
}

fn classify(text: &str, source: &str, limits: Limits) -> Result<Parsed, String> {
    let sm = parse_strategic(text, limits);
    let json = parse_json_ops(text, limits);
    match (sm, json) {
        (Ok(_), Ok(_)) => Err(format!(
            "illegally qualifies as both an SM and JSON patch: {source}"
        )),
        (Ok(p), Err(_)) => Ok(Parsed::Strategic(p)),
        (Err(_), Ok(ops)) => Ok(Parsed::Json(ops)),
        (Err(sm), Err(_)) => Err(format!(
            "unable to parse SM or JSON patch from {source}: {sm}"
        )),
    }
}

fn patch_id(p: &Value) -> ResId {
    Resource::new(p.clone(), "").cur_id()
}

/// Applies one strategic-merge patch to one resource, as kustomize's
/// `Resource.ApplySmPatch`; returns false when the patch deleted the resource.
fn apply_sm(
    res: &mut Resource,
    patch: &Value,
    allow_name: bool,
    allow_kind: bool,
    schema: Option<&OpenApi>,
) -> Result<bool, String> {
    let (name, ns, kind) = (
        res.name().to_string(),
        res.namespace().to_string(),
        res.kind().to_string(),
    );
    if allow_name || allow_kind {
        res.store_previous_id();
    }
    let outcome = match schema {
        Some(custom) => strategic_merge::merge_with_schema(&mut res.obj, patch, custom)?,
        None => strategic_merge::merge(&mut res.obj, patch, None)?,
    };
    match outcome {
        MergeOutcome::DeleteResource => return Ok(false),
        MergeOutcome::Merged => {}
    }
    drop_empty_fields(res);
    if res.obj.as_object().is_none_or(|m| m.is_empty()) {
        return Ok(false);
    }
    if !allow_kind {
        crate::resource::ensure_object(&mut res.obj).insert("kind".into(), Value::String(kind));
    }
    if !allow_name {
        res.set_name(&name);
    }
    res.set_namespace(&ns);
    Ok(true)
}

/// kyaml's merge walk clears fields that were written as nothing (`key:`); the reader
/// recorded where they were.
fn drop_empty_fields(res: &mut Resource) {
    for path in std::mem::take(&mut res.meta.empty_fields) {
        let Some((last, parents)) = path.split_last() else {
            continue;
        };
        let mut pointer = String::new();
        for key in parents {
            pointer.push('/');
            pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
        }
        if let Some(Value::Object(m)) = res.obj.pointer_mut(&pointer)
            && matches!(m.get(last.as_str()), Some(Value::Null))
                | matches!(m.get(last.as_str()), Some(Value::String(s)) if s.is_empty())
        {
            m.remove(last.as_str());
        }
    }
}

/// kustomize's `ResMap.ApplySmPatch` over the selected resources: the patch takes each
/// target's apiVersion, keeps its own kind; resources the patch deletes are dropped.
fn apply_sm_to(
    rm: &mut ResMap,
    selected: &[usize],
    patch: &Value,
    allow_name: bool,
    allow_kind: bool,
    schema: Option<&OpenApi>,
) -> Result<(), String> {
    let mut deleted = Vec::new();
    // kustomize re-sets the labels and annotations of each copy of a targeted patch
    // (`CopyMergeMetaDataFieldsFrom`): a `null` or empty map there is dropped, so it
    // deletes nothing.
    let mut patch = patch.clone();
    if let Some(Value::Object(md)) = patch.get_mut("metadata") {
        for field in ["labels", "annotations"] {
            if md
                .get(field)
                .is_some_and(|v| v.is_null() || v.as_object().is_some_and(|m| m.is_empty()))
            {
                md.remove(field);
            }
        }
    }
    for &i in selected {
        let res = &mut rm.resources[i];
        let mut copy = patch.clone();
        if let Value::Object(m) = &mut copy {
            m.insert(
                "apiVersion".into(),
                Value::String(res.api_version().to_string()),
            );
        }
        if !apply_sm(res, &copy, allow_name, allow_kind, schema)? {
            deleted.push(i);
        }
    }
    remove_indices(rm, &deleted);
    Ok(())
}

fn remove_indices(rm: &mut ResMap, indices: &[usize]) {
    if indices.is_empty() {
        return;
    }
    let mut i = 0;
    rm.resources.retain(|_| {
        let keep = !indices.contains(&i);
        i += 1;
        keep
    });
}

/// The unique resource with `id` as current or earlier id.
fn unique_target(rm: &ResMap, id: &ResId) -> Result<usize, String> {
    match rm.find_any(id).as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "no resource matches strategic merge patch \"{id}\": no matches for Id {id}; failed to find unique target for patch {id}"
        )),
        _ => Err(format!(
            "multiple matches for Id {id}; failed to find unique target for patch {id}"
        )),
    }
}

fn select(rm: &ResMap, target: &Selector) -> Result<Vec<usize>, String> {
    let m = Matcher::new(target)?;
    Ok((0..rm.resources.len())
        .filter(|&i| m.selects(&rm.resources[i]))
        .collect())
}

/// Re-sets annotation values as strings after a JSON patch (kustomize's `SetAnnotations`).
fn stringify_annotations(obj: &mut Value) {
    if let Some(Value::Object(a)) = obj.pointer_mut("/metadata/annotations") {
        for v in a.values_mut() {
            if !v.is_string() {
                *v = Value::String(crate::resource::scalar_text(v));
            }
        }
    }
}

fn apply_json(
    rm: &mut ResMap,
    selected: &[usize],
    ops: &Value,
    store_previous: bool,
) -> Result<(), String> {
    for &i in selected {
        let res = &mut rm.resources[i];
        if store_previous {
            res.store_previous_id();
        }
        json6902::apply(&mut res.obj, ops)
            .map_err(|e| format!("applying JSON patch to {}: {e}", res.cur_id()))?;
        stringify_annotations(&mut res.obj);
    }
    Ok(())
}

/// Runs one `patches:` entry.
pub fn apply_patch(
    rm: &mut ResMap,
    ldr: &Loader,
    referrer: &str,
    args: &PatchArgs,
    schema: Option<&OpenApi>,
) -> Result<(), String> {
    let inline = args.patch.trim();
    let (text, source) = match (inline.is_empty(), args.path.is_empty()) {
        (true, true) => return Err("must specify one of patch and path".into()),
        (false, false) => return Err("patch and path can't be set at the same time".into()),
        // kustomize quotes the whole inline patch in its messages; rollpin does not, as
        // it may carry a Secret's values.
        (false, true) => (
            inline.to_string(),
            format!("[patch: inline, {} lines]", inline.lines().count()),
        ),
        (true, false) => {
            let bytes = ldr.read_file(&args.path, referrer).map_err(|e| {
                format!("failed to get the patch file from path({}): {e}", args.path)
            })?;
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("patch file {} is not valid UTF-8", args.path))?;
            (text, format!("[path: {:?}]", args.path))
        }
    };
    let allow_name = args
        .options
        .get("allowNameChange")
        .copied()
        .unwrap_or(false);
    let allow_kind = args
        .options
        .get("allowKindChange")
        .copied()
        .unwrap_or(false);
    match classify(&text, &source, ldr.limits.yaml())? {
        Parsed::Strategic(patches) => match &args.target {
            Some(target) => {
                if patches.len() > 1 {
                    return Err(format!(
                        "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field: {source}"
                    ));
                }
                let Some(patch) = patches.first() else {
                    return Ok(());
                };
                let selected = select(rm, target)?;
                apply_sm_to(rm, &selected, patch, allow_name, allow_kind, schema)
            }
            None => {
                // kustomize takes a patch with no objects (an empty file) for JSON 6902.
                if patches.is_empty() {
                    return Err(format!("must specify a target for JSON patch {source}"));
                }
                for patch in &patches {
                    let i = unique_target(rm, &patch_id(patch))?;
                    if !apply_sm(&mut rm.resources[i], patch, allow_name, allow_kind, schema)? {
                        remove_indices(rm, &[i]);
                    }
                }
                Ok(())
            }
        },
        Parsed::Json(ops) => {
            let Some(target) = &args.target else {
                return Err(format!("must specify a target for JSON patch {source}"));
            };
            let selected = select(rm, target)?;
            apply_json(rm, &selected, &ops, true)
        }
    }
}

/// Runs `patchesStrategicMerge` (each entry inline YAML or a file path).
pub fn apply_strategic_merge_list(
    rm: &mut ResMap,
    ldr: &Loader,
    referrer: &str,
    entries: &[String],
    schema: Option<&OpenApi>,
) -> Result<(), String> {
    let mut patches = Vec::new();
    let mut from = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let before = patches.len();
        match parse_strategic(entry, ldr.limits.yaml()) {
            Ok(p) if !p.is_empty() => {
                patches.extend(p);
                from.resize(patches.len(), format!("inline entry #{}", n + 1));
                continue;
            }
            _ => {
                let bytes = ldr.read_file(entry, referrer).map_err(|e| e.to_string())?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("patch file {entry} is not valid UTF-8"))?;
                let p = parse_strategic(&text, ldr.limits.yaml())
                    .map_err(|e| format!("patch file {entry}: {e}"))?;
                patches.extend(p);
            }
        }
        from.resize(patches.len().max(before), format!("file '{entry}'"));
    }
    if patches.is_empty() {
        return Err(format!("patch appears to be empty; files={entries:?}"));
    }
    for (patch, from) in patches.iter().zip(&from) {
        let i = unique_target(rm, &patch_id(patch)).map_err(|e| format!("{from}: {e}"))?;
        apply_sm_to(rm, &[i], patch, false, false, schema)?;
    }
    Ok(())
}

/// Runs one `patchesJson6902` entry.
pub fn apply_json6902_entry(
    rm: &mut ResMap,
    ldr: &Loader,
    referrer: &str,
    args: &Json6902Args,
) -> Result<(), String> {
    let Some(target) = args.target.as_ref().filter(|t| !t.name.is_empty()) else {
        return Err("must specify the target name".into());
    };
    let text = match (args.path.is_empty(), args.patch.is_empty()) {
        (true, true) => return Err("empty file path and empty jsonOp".into()),
        (false, false) => return Err("must specify a file path or jsonOp, not both".into()),
        (true, false) => args.patch.clone(),
        (false, true) => {
            let bytes = ldr
                .read_file(&args.path, referrer)
                .map_err(|e| e.to_string())?;
            let t = String::from_utf8(bytes)
                .map_err(|_| format!("patch file {} is not valid UTF-8", args.path))?;
            if t.is_empty() {
                return Err(format!(
                    "patch file '{}' empty seems to be empty",
                    args.path
                ));
            }
            t
        }
    };
    let ops = parse_json_ops(&text, ldr.limits.yaml())
        .map_err(|e| format!("decoding {}: {e}", describe_patch(&args.path)))?;
    if ops.as_array().is_some_and(Vec::is_empty) {
        return Err(format!(
            "patch appears to be empty; file={}, JsonOp={text}",
            args.path
        ));
    }
    let selected = select(rm, target)?;
    apply_json(rm, &selected, &ops, false)
}
