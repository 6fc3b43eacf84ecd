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
const SELECTOR_FIELDS: &[&str] = &[
    "group",
    "version",
    "kind",
    "name",
    "namespace",
    "labelSelector",
    "annotationSelector",
];

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
                    format!(
                        "options.index {} is out of bounds for value {text}",
                        o.index
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
mod tests {
    //! Cases recorded with `kubectl kustomize` (kustomize v5.5.0).
    use super::*;
    use crate::yaml::{Schema, parse_stream};

    const BASE: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  labels: {app: web}
  annotations: {a.b/c: dotted}
data: {host: db.example.com, port: "5432", num: 42, flag: true, list: "a,b,c", empty: "", nul: null}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {x: y}}
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.0
        env: [{name: HOST, value: x}, {name: PORT, value: "1"}]
      - {name: sidecar, image: busybox}
      - {name: myapp2, image: foo}
"#;

    fn docs(yaml: &str) -> Vec<Value> {
        parse_stream(yaml, Schema::Kyaml)
            .unwrap()
            .into_iter()
            .map(|d| d.value)
            .collect()
    }

    fn resmap(yaml: &str) -> ResMap {
        ResMap {
            resources: docs(yaml)
                .into_iter()
                .map(|v| Resource::new(v, "test"))
                .collect(),
        }
    }

    /// Parses the `replacements:` list of a kustomization (YAML 1.1, strict).
    fn parse(kustomization: &str) -> Result<Vec<Replacement>, String> {
        let v = parse_stream(kustomization, Schema::Yaml11).unwrap()[0]
            .value
            .clone();
        let entries = entries_from_value(&v["replacements"])?;
        configure(&entries, |p| Err(format!("no file {p}")))
    }

    fn run_on(rm: &mut ResMap, kustomization: &str) -> Result<(), String> {
        apply(rm, &parse(kustomization)?)
    }

    fn run(resources: &str, kustomization: &str) -> Result<ResMap, String> {
        let mut rm = resmap(resources);
        run_on(&mut rm, kustomization)?;
        Ok(rm)
    }

    fn obj<'a>(rm: &'a ResMap, kind: &str, name: &str) -> &'a Value {
        &rm.resources
            .iter()
            .find(|r| r.kind() == kind && r.name() == name)
            .unwrap()
            .obj
    }

    fn at<'a>(rm: &'a ResMap, kind: &str, name: &str, pointer: &str) -> &'a Value {
        obj(rm, kind, name).pointer(pointer).unwrap()
    }

    fn err(resources: &str, kustomization: &str) -> String {
        run(resources, kustomization).unwrap_err()
    }

    const IMAGES: [&str; 3] = [
        "/spec/template/spec/containers/0/image",
        "/spec/template/spec/containers/1/image",
        "/spec/template/spec/containers/2/image",
    ];

    fn images(rm: &ResMap) -> Vec<&str> {
        IMAGES
            .iter()
            .map(|p| at(rm, "Deployment", "web", p).as_str().unwrap())
            .collect()
    }

    #[test]
    fn copies_into_a_selected_list_item() {
        let rm = run(
            BASE,
            r"
replacements:
- source: {kind: ConfigMap, name: cm, fieldPath: data.host}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=app].env.[name=HOST].value']
",
        )
        .unwrap();
        let want = docs(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      x: "y"
  template:
    spec:
      containers:
      - env:
        - name: HOST
          value: db.example.com
        - name: PORT
          value: "1"
        image: nginx:1.0
        name: app
      - image: busybox
        name: sidecar
      - image: foo
        name: myapp2
"#,
        );
        assert_eq!(obj(&rm, "Deployment", "web"), &want[0]);
        assert_eq!(obj(&rm, "ConfigMap", "cm"), &docs(BASE)[0]);
    }

    #[test]
    fn target_list_selector_is_an_unanchored_regex() {
        let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths:\n    - spec.template.spec.containers.[name=app].image\n";
        let rm = run(BASE, k).unwrap();
        assert_eq!(images(&rm), ["db.example.com", "busybox", "db.example.com"]);
        let k = k.replace("[name=app]", "[name=.*car]");
        assert_eq!(
            images(&run(BASE, &k).unwrap()),
            ["nginx:1.0", "db.example.com", "foo"]
        );
        let k = k.replace("[name=.*car]", "[name=^app$]");
        assert_eq!(
            images(&run(BASE, &k).unwrap()),
            ["db.example.com", "busybox", "foo"]
        );
    }

    #[test]
    fn numeric_index_and_wildcard_targets() {
        let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.template.spec.containers.1.image]\n";
        assert_eq!(
            images(&run(BASE, k).unwrap()),
            ["nginx:1.0", "db.example.com", "foo"]
        );
        let k = k.replace(".1.", ".*.");
        assert_eq!(images(&run(BASE, &k).unwrap()), ["db.example.com"; 3]);
    }

    #[test]
    fn create_adds_fields_list_items_and_indices() {
        let rm = run(
            BASE,
            r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.host}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - metadata.annotations.foo
    - spec.template.metadata.labels.x
    - spec.newlist.[name=a].val
    - spec.idx.0.b
    options: {create: true}
",
        )
        .unwrap();
        let d = obj(&rm, "Deployment", "web");
        assert_eq!(
            d["metadata"]["annotations"],
            serde_json::json!({"foo": "db.example.com"})
        );
        assert_eq!(
            d["spec"]["template"]["metadata"],
            serde_json::json!({"labels": {"x": "db.example.com"}})
        );
        assert_eq!(
            d["spec"]["newlist"],
            serde_json::json!([{"name": "a", "val": "db.example.com"}])
        );
        assert_eq!(
            d["spec"]["idx"],
            serde_json::json!([{"b": "db.example.com"}])
        );
    }

    #[test]
    fn missing_target_field_without_create_is_an_error() {
        let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [metadata.annotations.foo]\n";
        assert_eq!(
            err(BASE, k),
            "unable to find field \"metadata.annotations.foo\" in replacement target"
        );
    }

    #[test]
    fn source_delimiter_picks_a_part() {
        let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.list, options: {delimiter: ',', index: 1}}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: ['spec.template.spec.containers.[name=sidecar].image']\n";
        assert_eq!(images(&run(BASE, k).unwrap()), ["nginx:1.0", "b", "foo"]);
        let k = k.replace("index: 1", "index: -1");
        assert_eq!(
            err(BASE, &k),
            "options.index -1 is out of bounds for value a,b,c"
        );
    }

    #[test]
    fn target_delimiter_replaces_prepends_or_appends() {
        let rm = run(
            BASE,
            r#"
replacements:
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=app].image']
    options: {delimiter: ":", index: 1}
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=sidecar].image']
    options: {delimiter: "/", index: -1}
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=myapp2].image']
    options: {delimiter: "/", index: 7}
"#,
        )
        .unwrap();
        assert_eq!(images(&rm), ["nginx:5432", "5432/busybox", "foo:5432/5432"]);
    }

    #[test]
    fn source_must_select_exactly_one_resource() {
        let k = "replacements:\n- source: {kind: ConfigMap, name: nope}\n  targets:\n  - select: {kind: Deployment}\n";
        assert_eq!(
            err(BASE, k),
            "nothing selected by ConfigMap.[noVer].[noGrp]/nope.[noNs]"
        );
        let two = format!("{BASE}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm2}}\n");
        let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host, options: {delimiter: .}}\n  targets:\n  - select: {kind: Deployment}\n";
        assert_eq!(
            err(&two, k),
            "multiple matches for selector ConfigMap.[noVer].[noGrp]/[noName].[noNs]:data.host:.(0), create=false"
        );
    }

    #[test]
    fn missing_null_or_empty_source_field_is_an_error() {
        for field in ["data.missing", "data.nul"] {
            let k = format!(
                "replacements:\n- source: {{kind: ConfigMap, fieldPath: {field}}}\n  targets:\n  - select: {{kind: Deployment}}\n"
            );
            assert_eq!(
                err(BASE, &k),
                format!(
                    "fieldPath `{field}` is missing for replacement source ConfigMap.[noVer].[noGrp]/[noName].[noNs]"
                )
            );
        }
    }

    #[test]
    fn existing_scalars_keep_their_type() {
        let rm = run(
            BASE,
            r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.num}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.template.spec.containers.[name=app].env.[name=HOST].value
    - metadata.labels.app
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.replicas]
- source: {kind: ConfigMap, fieldPath: data.flag}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=app].env.[name=PORT].value']
",
        )
        .unwrap();
        let d = obj(&rm, "Deployment", "web");
        assert_eq!(d["metadata"]["labels"]["app"], "42");
        assert_eq!(d["spec"]["replicas"], 5432);
        let env = &d["spec"]["template"]["spec"]["containers"][0]["env"];
        assert_eq!(
            env,
            &serde_json::json!([{"name": "HOST", "value": "42"}, {"name": "PORT", "value": "true"}])
        );
    }

    #[test]
    fn text_that_does_not_fit_the_target_type_is_an_error() {
        let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.replicas]\n";
        assert_eq!(
            err(BASE, k),
            "map[string]interface {}(nil): yaml: cannot decode !!str `db.example.com` as a !!int"
        );
        let pod = format!(
            "{BASE}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{n: null, b: true}}\n"
        );
        let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Pod}\n    fieldPaths: [spec.n]\n";
        assert_eq!(
            err(&pod, k),
            "map[string]interface {}(nil): yaml: cannot decode !!str `db.example.com` as a !!null"
        );
        let k = k
            .replace("data.host", "data.port")
            .replace("spec.n", "spec.b");
        assert_eq!(
            err(&pod, &k),
            "map[string]interface {}(nil): yaml: cannot decode !!int `5432` as a !!bool"
        );
    }

    #[test]
    fn created_scalars_resolve_as_plain_yaml() {
        let rm = run(
            BASE,
            r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - metadata.annotations.port
    - spec.template.spec.containers.[name=app].env.[name=PORT].value
    options: {create: true}
- source: {kind: ConfigMap, fieldPath: data.empty}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.emptyval, 'spec.template.spec.containers.[name=sidecar].image']
    options: {create: true}
- source: {kind: ConfigMap, fieldPath: data.flag}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.flagval]
    options: {create: true}
- source: {kind: ConfigMap, fieldPath: metadata.labels}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.selector.matchLabels
    - spec.template.metadata.labels
    - spec.template.spec.containers.[name=myapp2].image
    options: {create: true}
",
        )
        .unwrap();
        let want = docs(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    port: "5432"
  labels:
    app: web
  name: web
spec:
  emptyval: null
  flagval: true
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - env:
        - name: HOST
          value: x
        - name: PORT
          value: "5432"
        image: nginx:1.0
        name: app
      - image: ""
        name: sidecar
      - env:
        - name: PORT
          value: 5432
        image: ""
        name: myapp2
"#,
        );
        assert_eq!(obj(&rm, "Deployment", "web"), &want[0]);
    }

    #[test]
    fn bracketed_and_escaped_keys() {
        let rm = run(
            BASE,
            r"
replacements:
- source: {kind: ConfigMap, fieldPath: 'metadata.annotations.[a.b/c]'}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['metadata.annotations.[x.y/z]', 'metadata.labels.a\.b']
    options: {create: true}
",
        )
        .unwrap();
        let md = &obj(&rm, "Deployment", "web")["metadata"];
        assert_eq!(md["annotations"], serde_json::json!({"x.y/z": "dotted"}));
        assert_eq!(
            md["labels"],
            serde_json::json!({"a.b": "dotted", "app": "web"})
        );
    }

    #[test]
    fn reject_by_id_or_by_label() {
        let more = format!(
            "{BASE}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: other, labels: {{skip: 'yes'}}}}\nspec: {{replicas: 2}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: third, namespace: ns1}}\nspec: {{replicas: 3}}\n"
        );
        let rm = run(
            &more,
            r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.num}
  targets:
  - select: {kind: Deployment}
    reject: [{name: web}, {labelSelector: skip=yes}]
    fieldPaths: [spec.replicas]
",
        )
        .unwrap();
        assert_eq!(at(&rm, "Deployment", "web", "/spec/replicas"), 1);
        assert_eq!(at(&rm, "Deployment", "other", "/spec/replicas"), 2);
        assert_eq!(at(&rm, "Deployment", "third", "/spec/replicas"), 42);
    }

    #[test]
    fn reject_entries_reject_by_id_even_when_their_label_selector_fails() {
        let rm = run(
            BASE,
            r#"
replacements:
- source: {namespace: default, version: v1, group: apps, fieldPath: "spec.template.spec.containers.[name=app].env.[name=HOST].value"}
  targets:
  - select: {namespace: default, version: v1, group: ""}
    reject: [{kind: Deployment, labelSelector: nomatch=1}]
    fieldPaths: [data.host]
  - select: {kind: Deployment}
    fieldPaths: []
"#,
        )
        .unwrap();
        assert_eq!(at(&rm, "ConfigMap", "cm", "/data/host"), "x");
        assert_eq!(
            rm.resources[1].name(),
            "x",
            "default target field is metadata.name"
        );
    }

    #[test]
    fn selects_by_current_or_earlier_ids() {
        // namePrefix p- and namespace team, as the earlier transformers leave them.
        let mut rm = resmap(BASE);
        for r in &mut rm.resources {
            r.store_previous_id();
            r.set_namespace("team");
            r.store_previous_id();
            let name = format!("p-{}", r.name());
            r.set_name(&name);
        }
        run_on(
            &mut rm,
            r"
replacements:
- source: {kind: ConfigMap, name: cm}
  targets:
  - select: {name: web, namespace: team}
    fieldPaths: [metadata.annotations.cmname]
    options: {create: true}
- source: {kind: Deployment, name: p-web, namespace: team}
  targets:
  - select: {name: cm, namespace: default}
    fieldPaths: [data.host]
",
        )
        .unwrap();
        assert_eq!(
            at(&rm, "Deployment", "p-web", "/metadata/annotations/cmname"),
            "p-cm"
        );
        assert_eq!(at(&rm, "ConfigMap", "p-cm", "/data/host"), "p-web");
    }

    #[test]
    fn replacements_file_holds_a_list_or_one_and_ignores_unknown_fields() {
        let list = parse_stream(
            "- source: {kind: ConfigMap, fieldPath: data.port}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [metadata.labels.app]\n    bogus: 1\n",
            Schema::Yaml11,
        )
        .unwrap()[0]
            .value
            .clone();
        let single = parse_stream(
            "source: {kind: ConfigMap, fieldPath: data.host}\ntargets:\n- select: {kind: Deployment}\n  fieldPaths: [metadata.labels.app2]\n  options: {create: true}\n",
            Schema::Yaml11,
        )
        .unwrap()[0]
            .value
            .clone();
        let mut all = from_value(&list).unwrap();
        all.extend(from_value(&single).unwrap());
        let mut rm = resmap(BASE);
        apply(&mut rm, &all).unwrap();
        assert_eq!(
            at(&rm, "Deployment", "web", "/metadata/labels"),
            &serde_json::json!({"app": "5432", "app2": "db.example.com"})
        );
        assert_eq!(
            from_value(&Value::String("hello".into())).unwrap_err(),
            "unsupported replacement type encountered within replacement path: string"
        );
    }

    #[test]
    fn kustomization_entries_are_strict() {
        let k = "replacements:\n- source: {kind: ConfigMap}\n  targets:\n  - select: {kind: Deployment}\n    bogus: x\n";
        assert_eq!(parse(k).unwrap_err(), "json: unknown field \"bogus\"");
        let k = "replacements:\n- path: r.yaml\n  source: {kind: ConfigMap}\n";
        assert_eq!(
            parse(k).unwrap_err(),
            "cannot specify both path and inline replacement"
        );
        let k = "replacements:\n- path: r.yaml\n- Source: {Kind: ConfigMap, FIELDPATH: data.host}\n  targets: []\n";
        let v = parse_stream(k, Schema::Yaml11).unwrap()[0].value.clone();
        let entries = entries_from_value(&v["replacements"]).unwrap();
        assert_eq!(entries[0].path, "r.yaml");
        assert_eq!(
            entries[1]
                .inline
                .source
                .as_ref()
                .map(|s| s.field_path.as_str()),
            Some("data.host")
        );
        let mut asked = Vec::new();
        let all = configure(&entries, |p| {
            asked.push(p.to_string());
            Ok(Value::Array(Vec::new()))
        })
        .unwrap();
        assert_eq!((asked, all.len()), (vec!["r.yaml".to_string()], 1));
    }

    #[test]
    fn source_and_select_are_required() {
        let k = "replacements:\n- targets:\n  - select: {kind: Deployment}\n";
        assert_eq!(
            err(BASE, k),
            "replacements must specify a source and at least one target"
        );
        let k = "replacements:\n- source: {kind: ConfigMap}\n  targets:\n  - fieldPaths: [metadata.name]\n";
        assert_eq!(err(BASE, k), "target must specify resources to select");
    }

    #[test]
    fn source_paths_match_exactly_and_refuse_wildcards() {
        let k = "replacements:\n- source: {kind: Deployment, fieldPath: 'spec.template.spec.containers.[name=ap].image'}\n  targets:\n  - select: {kind: ConfigMap}\n    fieldPaths: [data.host]\n";
        assert_eq!(
            err(BASE, k),
            "fieldPath `spec.template.spec.containers.[name=ap].image` is missing for replacement source Deployment.[noVer].[noGrp]/[noName].[noNs]"
        );
        let k = k.replace("[name=ap]", "*");
        assert_eq!(
            err(BASE, &k),
            "error looking up replacement source: wildcard is not supported in PathGetter"
        );
        let k = k.replace(".*.", ".");
        assert!(err(BASE, &k).starts_with(
            "error looking up replacement source: wrong node kind: expected MappingNode but got SequenceNode: node contents:\n- "
        ));
    }

    #[test]
    fn source_index_and_last_item() {
        let pod = format!("{BASE}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\n");
        let rm = run(
            &pod,
            r"
replacements:
- source: {kind: Deployment, fieldPath: spec.template.spec.containers.-.image}
  targets:
  - select: {kind: Pod}
    fieldPaths: [metadata.labels.last]
    options: {create: true}
- source: {kind: Deployment, fieldPath: spec.template.spec.containers.0.name}
  targets:
  - select: {kind: Pod}
    fieldPaths: [metadata.labels.first]
    options: {create: true}
- source: {kind: Deployment, fieldPath: 'spec.template.spec.containers.[name=sidecar].image', options: {encoding: base64}}
  targets:
  - select: {kind: Pod}
    fieldPaths: [metadata.labels.sc]
    options: {create: true}
",
        )
        .unwrap();
        assert_eq!(
            at(&rm, "Pod", "p", "/metadata/labels"),
            &serde_json::json!({"first": "app", "last": "foo", "sc": "busybox"})
        );
    }

    #[test]
    fn typed_pod_fields() {
        let pod = format!(
            "{BASE}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{n: null, e: null, f: 1.5, b: false, i: 3, s: str, list: [x, y, z]}}\n"
        );
        let rm = run(
            &pod,
            r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Pod}
    fieldPaths: [spec.f, spec.i, spec.s, spec.list.1, 'spec.list.[=z]']
- source: {kind: ConfigMap, fieldPath: data.flag}
  targets:
  - select: {kind: Pod}
    fieldPaths: [spec.b]
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Pod}
    fieldPaths: [metadata.labels.num, spec.created.0, 'spec.created2.[=a]']
    options: {create: true}
",
        )
        .unwrap();
        let want = docs(
            r#"
apiVersion: v1
kind: Pod
metadata:
  labels:
    num: 5432
  name: p
spec:
  b: true
  created:
  - 5432
  created2:
  - 5432
  e: null
  f: 5432.0
  i: 5432
  list:
  - x
  - "5432"
  - "5432"
  "n": null
  s: "5432"
"#,
        );
        assert_eq!(obj(&rm, "Pod", "p"), &want[0]);
    }

    #[test]
    fn target_path_errors() {
        let k = |fp: &str| {
            format!(
                "replacements:\n- source: {{kind: ConfigMap, fieldPath: data.host}}\n  targets:\n  - select: {{kind: Deployment}}\n    fieldPaths: ['{fp}']\n"
            )
        };
        assert_eq!(
            err(BASE, &k("spec.template.spec.containers.5.image")),
            "unable to find field \"spec.template.spec.containers.5.image\" in replacement target: index 5 specified but only 3 elements found"
        );
        assert_eq!(
            err(BASE, &k("metadata.name.foo")),
            "unable to find field \"metadata.name.foo\" in replacement target: wrong node kind: expected MappingNode but got ScalarNode: node contents:\nweb\n"
        );
        assert_eq!(
            err(BASE, &k("metadata.labels.*")),
            "unable to find field \"metadata.labels.*\" in replacement target: wrong node kind: expected SequenceNode but got MappingNode: node contents:\napp: web\n"
        );
        assert_eq!(
            err(BASE, &k("spec.template.spec.containers.[name].image")),
            "unable to find field \"spec.template.spec.containers.[name].image\" in replacement target: list path element must contain fieldName=fieldValue for element to match"
        );
        assert!(err(BASE, &k("spec.template.spec.containers.[name=(].image")).starts_with(
            "unable to find field \"spec.template.spec.containers.[name=(].image\" in replacement target: error parsing regexp: "
        ));
    }

    #[test]
    fn delimiter_needs_scalars() {
        let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: metadata.labels, options: {delimiter: ','}}\n  targets:\n  - select: {kind: Deployment}\n";
        assert_eq!(
            err(BASE, k),
            "delimiter option can only be used with scalar nodes"
        );
        let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.selector]\n    options: {delimiter: ','}\n";
        assert_eq!(
            err(BASE, k),
            "delimiter option can only be used with scalar nodes"
        );
    }

    #[test]
    fn create_below_null_is_a_silent_no_op() {
        let pod = format!(
            "{BASE}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{n: null, m: {{}}, l: [a, {{name: b}}]}}\n"
        );
        let rm = run(
            &pod,
            r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.host}
  targets:
  - select: {kind: Pod}
    fieldPaths: [spec.n.x, spec.m.y.z, 'spec.l.[name=b].v']
    options: {create: true}
",
        )
        .unwrap();
        assert_eq!(
            at(&rm, "Pod", "p", "/spec"),
            &serde_json::json!({"l": ["a", {"name": "b", "v": "db.example.com"}], "m": {"y": {"z": "db.example.com"}}, "n": null})
        );
    }

    #[test]
    fn create_appends_list_items_keyed_as_written() {
        let rm = run(
            BASE,
            r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.host}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.template.spec.containers.[name=zzz].image
    - spec.template.spec.containers.[name=5].image
    - spec.template.spec.containers.[image=^busy].name
    options: {create: true}
",
        )
        .unwrap();
        assert_eq!(
            at(&rm, "Deployment", "web", "/spec/template/spec/containers"),
            &serde_json::json!([
                {"name": "app", "image": "nginx:1.0", "env": [{"name": "HOST", "value": "x"}, {"name": "PORT", "value": "1"}]},
                {"name": "db.example.com", "image": "busybox"},
                {"name": "myapp2", "image": "foo"},
                {"name": "zzz", "image": "db.example.com"},
                {"name": 5, "image": "db.example.com"}
            ])
        );
    }

    #[test]
    fn several_field_paths_and_a_delimiter_into_each() {
        let rm = run(
            BASE,
            r#"
replacements:
- source: {kind: ConfigMap, fieldPath: data.host}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ["spec.template.spec.containers.[name=app].env.*.value"]
- source: {kind: ConfigMap, fieldPath: data.num}
  targets:
  - select: {kind: ConfigMap}
    fieldPaths: [data.host, data.list]
    options: {delimiter: ",", index: 1}
"#,
        )
        .unwrap();
        assert_eq!(
            at(
                &rm,
                "Deployment",
                "web",
                "/spec/template/spec/containers/0/env"
            ),
            &serde_json::json!([{"name": "HOST", "value": "db.example.com"}, {"name": "PORT", "value": "db.example.com"}])
        );
        assert_eq!(
            at(&rm, "ConfigMap", "cm", "/data/host"),
            "db.example.com,42"
        );
        assert_eq!(at(&rm, "ConfigMap", "cm", "/data/list"), "a,42,c");
    }

    #[test]
    fn a_scalar_replaces_a_whole_list_item() {
        let rm = run(
            BASE,
            "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: ['spec.template.spec.containers.[name=app].env.[name=PORT]']\n",
        )
        .unwrap();
        assert_eq!(
            at(
                &rm,
                "Deployment",
                "web",
                "/spec/template/spec/containers/0/env/1"
            ),
            "db.example.com"
        );
    }
}
