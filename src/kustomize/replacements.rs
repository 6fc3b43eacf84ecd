//! `replacements:` — copy one field of one resource into fields of others. kustomize runs
//! them as the last built-in transformer of every kustomization (after `images`), on the
//! resources accumulated so far, one replacement after the other.
//!
//! Matching follows kustomize's replacement filter, not the patch selector: group, version,
//! kind, name and namespace compare exactly (empty means any) against the resource's current
//! id *and* every earlier id (before prefixes, suffixes, namespace changes), and the source
//! must match exactly one resource. Target field paths are kyaml `PathMatcher` paths (see
//! [`field_path`]): `[name=app]` is an unanchored regular expression there, while the source
//! path matches list items exactly. A value written into an existing scalar keeps that
//! scalar's type, as kustomize keeps the YAML tag (`"5"` into `replicas: 1` gives `5`, `abc`
//! fails); a created scalar takes the type its text has as plain YAML.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::kustomize::field_names::SELECTOR as SELECTOR_FIELDS;
use crate::kustomize::field_path::{self, Found, Leaf};
use crate::kustomize::selector::{LabelSelector, Selector};
use crate::resource::{Gvk, ResId, ResMap, Resource};

/// kustomize's default source and target field.
pub const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// One replacement: a source field and the targets it is copied to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Replacement {
    /// Where the value comes from (required).
    #[serde(default)]
    pub source: Option<SourceSelector>,
    /// Where it goes (required, may be empty).
    #[serde(default)]
    pub targets: Option<Vec<TargetSelector>>,
}

/// The resource and field a replacement reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct SourceSelector {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    /// Dotted path; `metadata.name` when empty.
    #[serde(default)]
    pub field_path: String,
    #[serde(default)]
    pub options: Option<FieldOptions>,
}

/// The resources and fields a replacement writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetSelector {
    /// Resources to write (required).
    #[serde(default)]
    pub select: Option<Selector>,
    /// Resources to leave alone; each entry rejects by id *or* by label/annotation selector.
    #[serde(default)]
    pub reject: Vec<Selector>,
    /// Dotted paths; `[metadata.name]` when empty.
    #[serde(default)]
    pub field_paths: Vec<String>,
    /// How to write.
    #[serde(default)]
    pub options: Option<FieldOptions>,
}

/// Refinements of how a field is read or written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldOptions {
    /// Split the field on this string.
    #[serde(default)]
    pub delimiter: String,
    /// Which part (source: must exist; target: below 0 prepends, past the end appends).
    #[serde(default)]
    pub index: i64,
    /// Accepted and ignored, as in kustomize 5.5.
    #[serde(default)]
    pub encoding: String,
    /// Create missing target fields.
    #[serde(default)]
    pub create: bool,
}

/// One entry of a kustomization's `replacements:` list (kustomize's `ReplacementField`):
/// a replacement written inline, or `path:` to a file holding one or a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// The file, relative to the kustomization (empty: inline).
    pub path: String,
    /// The inline replacement (empty when `path` is set).
    pub inline: Replacement,
}

const REPLACEMENT_FIELDS: &[&str] = &["source", "targets"];
const SOURCE_FIELDS: &[&str] = &[
    "group",
    "version",
    "kind",
    "name",
    "namespace",
    "fieldPath",
    "options",
];
const TARGET_FIELDS: &[&str] = &["select", "reject", "fieldPaths", "options"];
const OPTION_FIELDS: &[&str] = &["delimiter", "index", "encoding", "create"];

/// Go's `encoding/json` view of an object: keys matched case-insensitively to the struct's
/// fields, `null` fields left at their zero value; unknown keys dropped unless `strict`.
fn normalize(
    m: &Map<String, Value>,
    fields: &[&str],
    strict: bool,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (k, v) in m {
        let canon = fields
            .iter()
            .find(|f| **f == k)
            .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(k)));
        match canon {
            Some(c) if !v.is_null() => {
                out.insert((*c).to_string(), v.clone());
            }
            Some(_) => {}
            None if strict => return Err(format!("json: unknown field \"{k}\"")),
            None => {}
        }
    }
    Ok(out)
}

fn norm_object(v: &Value, fields: &[&str], strict: bool) -> Result<Value, String> {
    match v {
        Value::Object(m) => normalize(m, fields, strict).map(Value::Object),
        other => Ok(other.clone()),
    }
}

fn norm_selector_in(m: &mut Map<String, Value>, key: &str, strict: bool) -> Result<(), String> {
    if let Some(v) = m.get(key) {
        let n = norm_object(v, SELECTOR_FIELDS, strict)?;
        m.insert(key.to_string(), n);
    }
    Ok(())
}

fn norm_options_in(m: &mut Map<String, Value>, strict: bool) -> Result<(), String> {
    if let Some(v) = m.get("options") {
        let n = norm_object(v, OPTION_FIELDS, strict)?;
        m.insert("options".into(), n);
    }
    Ok(())
}

/// Normalizes one replacement object; `extra` lists keys allowed beside source/targets.
fn norm_replacement(v: &Value, extra: &[&str], strict: bool) -> Result<Value, String> {
    let Value::Object(m) = v else {
        return Ok(v.clone());
    };
    let fields: Vec<&str> = REPLACEMENT_FIELDS.iter().chain(extra).copied().collect();
    let mut m = normalize(m, &fields, strict)?;
    if let Some(Value::Object(src)) = m.get("source") {
        let mut src = normalize(src, SOURCE_FIELDS, strict)?;
        norm_options_in(&mut src, strict)?;
        m.insert("source".into(), Value::Object(src));
    }
    if let Some(Value::Array(targets)) = m.get("targets") {
        let mut out = Vec::new();
        for t in targets {
            let Value::Object(t) = t else {
                out.push(t.clone());
                continue;
            };
            let mut t = normalize(t, TARGET_FIELDS, strict)?;
            norm_selector_in(&mut t, "select", strict)?;
            if let Some(Value::Array(rejects)) = t.get("reject") {
                let rejects = rejects
                    .iter()
                    .map(|r| norm_object(r, SELECTOR_FIELDS, strict))
                    .collect::<Result<Vec<_>, _>>()?;
                t.insert("reject".into(), Value::Array(rejects));
            }
            norm_options_in(&mut t, strict)?;
            out.push(Value::Object(t));
        }
        m.insert("targets".into(), Value::Array(out));
    }
    Ok(Value::Object(m))
}

fn decode<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| format!("json: {e}"))
}

const NOT_A_LIST: &str = "json: cannot unmarshal object into Go struct field \
    Kustomization.replacements of type []types.ReplacementField";
const PATH_NOT_STRING: &str = "json: cannot unmarshal into Go struct field \
    ReplacementField.replacements.path of type string";

/// Reads a kustomization's `replacements:` value strictly, as kustomize decodes the
/// kustomization file (unknown fields are errors; keys match case-insensitively). Errors
/// are kustomize's `json: …` texts; prefix them with `invalid Kustomization: `.
pub fn entries_from_value(v: &Value) -> Result<Vec<Entry>, String> {
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(NOT_A_LIST.into()),
    };
    let mut out = Vec::new();
    for item in items {
        let mut n = norm_replacement(item, &["path"], true)?;
        let path = match &mut n {
            Value::Object(m) => match m.remove("path") {
                Some(Value::String(p)) => p,
                Some(_) => return Err(PATH_NOT_STRING.into()),
                None => String::new(),
            },
            _ => String::new(),
        };
        out.push(Entry {
            path,
            inline: decode(n)?,
        });
    }
    Ok(out)
}

/// kustomize's ReplacementTransformer configuration: the inline replacements and the
/// contents of the `path:` files, in order. `load` reads a file relative to the
/// kustomization and parses it as YAML 1.1 (like `sigs.k8s.io/yaml`); its errors are
/// passed on. An entry with both `path` and an inline `source` or non-empty `targets` is
/// kustomize's `cannot specify both path and inline replacement` (kustomize wraps these
/// errors in ``trouble configuring builtin ReplacementTransformer with config: `…`: ``).
pub fn configure(
    entries: &[Entry],
    mut load: impl FnMut(&str) -> Result<Value, String>,
) -> Result<Vec<Replacement>, String> {
    let mut out = Vec::new();
    for e in entries {
        if e.path.is_empty() {
            out.push(e.inline.clone());
            continue;
        }
        let r = &e.inline;
        if r.source.is_some() || r.targets.as_ref().is_some_and(|t| !t.is_empty()) {
            return Err("cannot specify both path and inline replacement".into());
        }
        out.extend(from_value(&load(&e.path)?)?);
    }
    Ok(out)
}

/// Reads the content of a replacements `path:` file: a list of replacements or a single
/// one. Unknown fields are ignored there, as kustomize decodes that file leniently.
pub fn from_value(v: &Value) -> Result<Vec<Replacement>, String> {
    let one = |item: &Value| -> Result<Replacement, String> {
        decode(norm_replacement(item, &[], false)?)
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        Value::Object(_) => Ok(vec![one(v)?]),
        other => {
            let kind = match other {
                Value::Null => "invalid",
                Value::Bool(_) => "bool",
                Value::Number(_) => "float64",
                _ => "string",
            };
            Err(format!(
                "unsupported replacement type encountered within replacement path: {kind}"
            ))
        }
    }
}

/// An id as the replacement filter compares it: namespaces are compared as written, with
/// an empty one meaning `default` (kustomize's ids here carry no cluster-scope knowledge).
fn ns_key(ns: &str) -> &str {
    if ns.is_empty() { "default" } else { ns }
}

/// kustomize's `ResId.IsSelectedBy` with an exact (non-regex) selector id.
fn id_selected(id: &ResId, sel: &ResId) -> bool {
    (sel.name.is_empty() || sel.name == id.name)
        && (sel.namespace.is_empty() || ns_key(&sel.namespace) == ns_key(&id.namespace))
        && (sel.gvk.group.is_empty() || sel.gvk.group == id.gvk.group)
        && (sel.gvk.version.is_empty() || sel.gvk.version == id.gvk.version)
        && (sel.gvk.kind.is_empty() || sel.gvk.kind == id.gvk.kind)
}

/// The current id and every earlier one (kustomize's `MakeResIds`).
fn all_ids(r: &Resource) -> Vec<ResId> {
    let mut ids = vec![r.cur_id()];
    ids.extend(r.prev_ids());
    ids
}

fn selector_id(s: &Selector) -> ResId {
    ResId {
        gvk: Gvk {
            group: s.group.clone(),
            version: s.version.clone(),
            kind: s.kind.clone(),
        },
        name: s.name.clone(),
        namespace: s.namespace.clone(),
    }
}

impl SourceSelector {
    fn id(&self) -> ResId {
        ResId {
            gvk: Gvk {
                group: self.group.clone(),
                version: self.version.clone(),
                kind: self.kind.clone(),
            },
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        }
    }

    /// kustomize's `SourceSelector.String()`.
    fn describe(&self) -> String {
        let mut s = self.id().to_string();
        if !self.field_path.is_empty() {
            s.push(':');
            s.push_str(&self.field_path);
        }
        if let Some(o) = &self.options
            && (!o.delimiter.is_empty() || o.create)
        {
            s.push_str(&format!(
                ":{}({}), create={}",
                o.delimiter, o.index, o.create
            ));
        }
        s
    }
}

fn string_map(r: &Resource, field: &str) -> BTreeMap<String, String> {
    r.string_map(field).into_iter().collect()
}

fn matches_meta_selectors(r: &Resource, s: &Selector) -> Result<bool, String> {
    let annotations = LabelSelector::parse(&s.annotation_selector)?;
    let labels = LabelSelector::parse(&s.label_selector)?;
    Ok(annotations.matches(&string_map(r, "annotations"))
        && labels.matches(&string_map(r, "labels")))
}

/// The value read from the source, with the tag kustomize keeps on it.
struct SourceValue {
    node: Value,
    text: String,
    /// Set when a delimiter cut the text out of a scalar: the node is the source's tag
    /// applied to `text`, decoded only if a whole node is needed.
    tag: Option<&'static str>,
}

impl SourceValue {
    fn node(&self) -> Result<Value, String> {
        match self.tag {
            Some(tag) => field_path::resolve_tagged(tag, &self.text),
            None => Ok(self.node.clone()),
        }
    }
}

fn source_value(rm: &ResMap, src: &SourceSelector) -> Result<SourceValue, String> {
    let sel = src.id();
    let mut found: Option<&Resource> = None;
    for r in &rm.resources {
        if all_ids(r).iter().any(|id| id_selected(id, &sel)) {
            if found.is_some() {
                return Err(format!("multiple matches for selector {}", src.describe()));
            }
            found = Some(r);
        }
    }
    let Some(res) = found else {
        return Err(format!("nothing selected by {}", src.describe()));
    };
    let fp = if src.field_path.is_empty() {
        DEFAULT_FIELD_PATH
    } else {
        &src.field_path
    };
    let node = field_path::get(&res.obj, &field_path::split(fp))
        .map_err(|e| format!("error looking up replacement source: {e}"))?;
    let node = match node {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) if m.is_empty() => None,
        Some(Value::Array(a)) if a.is_empty() => None,
        Some(v) => Some(v.clone()),
    };
    let Some(node) = node else {
        return Err(format!(
            "fieldPath `{fp}` is missing for replacement source {sel}"
        ));
    };
    let text = field_path::scalar_text(&node);
    match src.options.as_ref().filter(|o| !o.delimiter.is_empty()) {
        None => Ok(SourceValue {
            node,
            text,
            tag: None,
        }),
        Some(o) => {
            if field_path::is_collection(&node) {
                return Err("delimiter option can only be used with scalar nodes".into());
            }
            let parts: Vec<&str> = text.split(o.delimiter.as_str()).collect();
            let part = usize::try_from(o.index)
                .ok()
                .and_then(|i| parts.get(i))
                .ok_or_else(|| {
                    // kustomize prints the value here; it may be a Secret's.
                    format!(
                        "options.index {} is out of bounds for the source value ({} parts; value not shown)",
                        o.index,
                        parts.len()
                    )
                })?;
            Ok(SourceValue {
                tag: Some(field_path::tag_of(&node)),
                text: (*part).to_string(),
                node,
            })
        }
    }
}

fn retrieval_error(fp: &str, create: bool) -> String {
    if create {
        format!("unable to find or create field \"{fp}\" in replacement target")
    } else {
        format!("unable to find field \"{fp}\" in replacement target")
    }
}

/// Writes `value` into one matched target node (kustomize's `setFieldValue`).
fn set_field(
    obj: &mut Value,
    found: &Found,
    value: &SourceValue,
    opts: Option<&FieldOptions>,
) -> Result<(), String> {
    if found.phantom {
        return Ok(());
    }
    let Some(target) = field_path::at_mut(obj, &found.path) else {
        return Ok(());
    };
    let mut text = value.text.clone();
    if let Some(o) = opts.filter(|o| !o.delimiter.is_empty()) {
        if field_path::is_collection(target) {
            return Err("delimiter option can only be used with scalar nodes".into());
        }
        let current = match &found.fresh {
            Some(t) => t.clone(),
            None => field_path::scalar_text(target),
        };
        let mut parts: Vec<String> = current
            .split(o.delimiter.as_str())
            .map(String::from)
            .collect();
        match usize::try_from(o.index) {
            Err(_) => parts.insert(0, text),
            Ok(i) if i >= parts.len() => parts.push(text),
            Ok(i) => parts[i] = text,
        }
        text = parts.join(&o.delimiter);
    }
    *target = if field_path::is_collection(target) {
        // A mapping or sequence target is replaced by (a copy of) the source node.
        value.node()?
    } else if found.fresh.is_some() {
        field_path::resolve_tagged("", &text)?
    } else {
        field_path::resolve_tagged(field_path::tag_of(target), &text)?
    };
    Ok(())
}

fn copy_to_target(
    res: &mut Resource,
    value: &SourceValue,
    t: &TargetSelector,
) -> Result<(), String> {
    let default = [DEFAULT_FIELD_PATH.to_string()];
    let paths: &[String] = if t.field_paths.is_empty() {
        &default
    } else {
        &t.field_paths
    };
    let opts = t.options.as_ref();
    let create = opts.filter(|o| o.create).map(|_| Leaf::of(&value.node));
    for fp in paths {
        let found = field_path::find(&mut res.obj, &field_path::split(fp), create)
            .map_err(|e| format!("{}: {e}", retrieval_error(fp, create.is_some())))?;
        if found.is_empty() {
            return Err(retrieval_error(fp, create.is_some()));
        }
        for f in &found {
            set_field(&mut res.obj, f, value, opts)?;
        }
    }
    Ok(())
}

fn rejected_by_id(rejects: &[Selector], ids: &[ResId]) -> bool {
    rejects.iter().any(|r| {
        let rid = selector_id(r);
        rid != ResId::default() && ids.iter().any(|id| id_selected(id, &rid))
    })
}

fn apply_targets(
    rm: &mut ResMap,
    value: &SourceValue,
    targets: &[TargetSelector],
) -> Result<(), String> {
    for t in targets {
        let Some(select) = &t.select else {
            return Err("target must specify resources to select".into());
        };
        let sel = selector_id(select);
        for res in &mut rm.resources {
            if !matches_meta_selectors(res, select)? {
                continue;
            }
            let mut rejected = false;
            for r in &t.reject {
                if (r.annotation_selector.is_empty() && r.label_selector.is_empty())
                    || !matches_meta_selectors(res, r)?
                {
                    continue;
                }
                rejected = true;
                break;
            }
            if rejected {
                continue;
            }
            let ids = all_ids(res);
            if ids.iter().any(|id| id_selected(id, &sel)) && !rejected_by_id(&t.reject, &ids) {
                copy_to_target(res, value, t)?;
                stringify_annotations(&mut res.obj);
            }
        }
    }
    Ok(())
}

/// kustomize writes `metadata.annotations` back as strings before output.
fn stringify_annotations(obj: &mut Value) {
    if let Some(Value::Object(a)) = obj.pointer_mut("/metadata/annotations") {
        for v in a.values_mut() {
            if !v.is_string() {
                *v = Value::String(crate::resource::scalar_text(v));
            }
        }
    }
}

/// Runs `replacements` in order over `rm` (kustomize's ReplacementTransformer). Errors are
/// kustomize's texts.
pub fn apply(rm: &mut ResMap, replacements: &[Replacement]) -> Result<(), String> {
    for r in replacements {
        let (Some(source), Some(targets)) = (&r.source, &r.targets) else {
            return Err("replacements must specify a source and at least one target".into());
        };
        let value = source_value(rm, source)?;
        apply_targets(rm, &value, targets)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
