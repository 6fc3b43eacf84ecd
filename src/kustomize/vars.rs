//! `vars:` (deprecated in kustomize, still honoured) — `$(NAME)` references in a fixed set
//! of fields (the `varReference` field specs) replaced by a field of some resource.
//!
//! kustomize does this in two stages, and so does this module:
//! 1. [`declare`] — at the end of each kustomization (after its transformers), every var it
//!    declares is *bound* to the one resource its `objref` names at that moment (by current
//!    or any earlier id; `apiVersion` must match exactly, the namespace only when given),
//!    and added to the accumulated var set; [`merge_vars`] joins a sub-kustomization's set
//!    into its parent's. Names must be unique across the whole tree.
//! 2. [`resolve`] — at the top only, after hash suffixes and name references are fixed:
//!    each var's value is read from its bound resource as it is *then* (so it sees every
//!    prefix, suffix and hash), and substituted. A reference that is the whole string keeps
//!    the value's type (`$(PORT)` → `8080`); inside a string the value is formatted as Go's
//!    `%v` does. Unknown `$(X)` stay, `$$` is a literal `$`.
//!
//! kustomize records the binding as an annotation on the resource; rollpin records the
//! resource's id history (earlier ids plus the id it had then) in the var and finds the
//! resource whose history still starts with it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Number, Value};

use crate::kustomize::field_path;
use crate::kustomize::field_spec::FieldSpec;
use crate::resource::{Gvk, ResId, ResMap, Resource};

/// One var as written in a kustomization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Var {
    /// The `NAME` in `$(NAME)`.
    #[serde(default)]
    pub name: String,
    /// The resource holding the value.
    #[serde(default)]
    pub objref: ObjRef,
    /// The field holding the value.
    #[serde(default)]
    pub fieldref: FieldRef,
    /// Id history of the resource the var was bound to by [`declare`].
    #[serde(skip)]
    bound: Option<Vec<ResId>>,
}

/// A var's `objref`: `apiVersion` or `group`/`version`, plus kind, name, namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ObjRef {
    #[serde(default)]
    pub api_version: String,
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
}

/// A var's `fieldref`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldRef {
    /// Dotted path (`spec.ports[0].port`); `metadata.name` when empty.
    #[serde(default)]
    pub field_path: String,
}

impl ObjRef {
    /// The raw group/version/kind fields.
    fn raw_gvk(&self) -> Gvk {
        Gvk {
            group: self.group.clone(),
            version: self.version.clone(),
            kind: self.kind.clone(),
        }
    }

    /// kustomize's `Target.GVK()`: `apiVersion`, when set, overrides group and version.
    fn gvk(&self) -> Gvk {
        let mut g = self.raw_gvk();
        if !self.api_version.is_empty() {
            let parts: Vec<&str> = self.api_version.split('/').collect();
            match parts[..] {
                [group, version] => {
                    g.group = group.to_string();
                    g.version = version.to_string();
                }
                [version] => g.version = version.to_string(),
                _ => {}
            }
        }
        g
    }
}

impl Var {
    fn field_path(&self) -> &str {
        if self.fieldref.field_path.is_empty() {
            crate::kustomize::replacements::DEFAULT_FIELD_PATH
        } else {
            &self.fieldref.field_path
        }
    }

    /// Go's `%v` of a `types.Var` (its objref prints as its group/version/kind).
    fn go_fmt(&self, gvk: &Gvk, field_path: &str) -> String {
        format!("{{{} {gvk} {{{field_path}}}}}", self.name)
    }

    /// As kustomize prints a var once it is stored (defaulted).
    fn describe(&self) -> String {
        self.go_fmt(&self.objref.gvk(), self.field_path())
    }
}

const VAR_FIELDS: &[&str] = &["name", "objref", "fieldref"];
const OBJREF_FIELDS: &[&str] = &[
    "apiVersion",
    "group",
    "version",
    "kind",
    "name",
    "namespace",
];
const FIELDREF_FIELDS: &[&str] = &["fieldPath"];

/// Go `encoding/json` key matching (case-insensitive), nulls dropped, unknown keys refused.
fn normalize(v: &Value, fields: &[&str]) -> Result<Value, String> {
    let Value::Object(m) = v else {
        return Ok(v.clone());
    };
    let mut out = Map::new();
    for (k, v) in m {
        let canon = fields
            .iter()
            .find(|f| **f == k)
            .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(k)))
            .ok_or_else(|| format!("json: unknown field \"{k}\""))?;
        if !v.is_null() {
            out.insert((*canon).to_string(), v.clone());
        }
    }
    Ok(Value::Object(out))
}

/// Reads a kustomization's `vars:` value as kustomize decodes it (strictly; keys match
/// case-insensitively). Errors are `json: …` texts; prefix them with `invalid Kustomization: `.
pub fn from_value(v: &Value) -> Result<Vec<Var>, String> {
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => {
            return Err(
                "json: cannot unmarshal object into Go struct field Kustomization.vars of type []types.Var"
                    .into(),
            );
        }
    };
    items
        .iter()
        .map(|item| {
            let mut n = normalize(item, VAR_FIELDS)?;
            if let Value::Object(m) = &mut n {
                for (key, fields) in [("objref", OBJREF_FIELDS), ("fieldref", FIELDREF_FIELDS)] {
                    if let Some(inner) = m.get(key) {
                        let inner = normalize(inner, fields)?;
                        m.insert(key.to_string(), inner);
                    }
                }
            }
            serde_json::from_value(n).map_err(|e| format!("json: {e}"))
        })
        .collect()
}

/// kustomize's effective namespace of a var's target id (no cluster-scope knowledge).
fn target_ns(ns: &str) -> &str {
    if ns.is_empty() { "default" } else { ns }
}

/// The resource's ids, oldest first, ending with the current one.
fn history(r: &Resource) -> Vec<ResId> {
    let mut ids = r.prev_ids();
    ids.push(r.cur_id());
    ids
}

/// True when `r`'s history still begins with `bound` (the current id may have moved on,
/// in which case the bound id is now one of the earlier ones).
fn is_bound_to(r: &Resource, bound: &[ResId]) -> bool {
    let h = history(r);
    h.len() >= bound.len() && h.iter().zip(bound).all(|(a, b)| a.equals(b))
}

/// kustomize's `MergeVars`: binds each of `declared` (one kustomization's `vars:`) to the
/// resource of `rm` it names, then adds them to `set` (a name already in `set` is an error).
/// A var that names no resource stays unbound and fails in [`resolve`], as in kustomize.
pub fn declare(set: &mut Vec<Var>, rm: &ResMap, declared: &[Var]) -> Result<(), String> {
    let wrap = |e: String| {
        let list: Vec<String> = declared
            .iter()
            .map(|v| v.go_fmt(&v.objref.raw_gvk(), &v.fieldref.field_path))
            .collect();
        format!("merging vars [{}]: {e}", list.join(" "))
    };
    let mut bound = Vec::with_capacity(declared.len());
    for v in declared {
        let gvk = v.objref.gvk();
        let target_ns_given = !v.objref.namespace.is_empty();
        let id_matches = |id: &ResId| {
            id.gvk == gvk
                && id.name == v.objref.name
                && (!target_ns_given || id.effective_namespace() == target_ns(&v.objref.namespace))
        };
        let matched: Vec<&Resource> = rm
            .resources
            .iter()
            .filter(|r| id_matches(&r.cur_id()) || r.prev_ids().iter().any(id_matches))
            .collect();
        if matched.len() > 1 {
            return Err(wrap(format!(
                "found {} resId matches for var {} (unable to disambiguate)",
                matched.len(),
                v.go_fmt(&gvk, &v.fieldref.field_path)
            )));
        }
        let mut v = v.clone();
        v.bound = matched.first().map(|r| history(r));
        bound.push(v);
    }
    merge_vars(set, &bound).map_err(wrap)
}

/// kustomize's `VarSet.MergeSet`/`MergeSlice`: adds `from` to `into`, refusing a name that
/// is already there (`var 'X' already encountered`). Use it when a sub-kustomization's
/// resources are appended to its parent's.
pub fn merge_vars(into: &mut Vec<Var>, from: &[Var]) -> Result<(), String> {
    for v in from {
        if into.iter().any(|x| x.name == v.name) {
            return Err(format!("var '{}' already encountered", v.name));
        }
        into.push(v.clone());
    }
    Ok(())
}

/// A var's value, typed as kustomize's `GetFieldValue` returns it.
#[derive(Debug, Clone, PartialEq)]
enum VarValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A mapping or sequence: kustomize cannot substitute it and leaves `$(X)` as is.
    Other(Value),
}

fn var_value(r: &Resource, v: &Var) -> Option<VarValue> {
    let parts = field_path::split_var_path(v.field_path());
    let node = field_path::get(&r.obj, &parts).ok()??;
    Some(match node {
        Value::String(s) => VarValue::Str(s.clone()),
        Value::Number(n) if n.is_f64() => VarValue::Float(n.as_f64()?),
        // `strconv.Atoi` of the text: fails beyond the int64 range.
        Value::Number(n) => VarValue::Int(n.as_i64()?),
        Value::Bool(b) => VarValue::Bool(*b),
        Value::Null => VarValue::Str(field_path::scalar_text(node)),
        other => VarValue::Other(other.clone()),
    })
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`).
fn go_g(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f.is_sign_negative() && f != 0.0 {
        "-"
    } else {
        ""
    };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}e{esign}{:02}", exp.abs());
    }
    format!("{sign}{}", plain_decimal(&digits, exp))
}

/// Digits `d1d2…` times 10^(exp-(n-1)) written without an exponent.
fn plain_decimal(digits: &str, exp: i32) -> String {
    let n = digits.len() as i32;
    if exp < 0 {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else if exp + 1 >= n {
        format!("{digits}{}", "0".repeat((exp + 1 - n) as usize))
    } else {
        let (a, b) = digits.split_at((exp + 1) as usize);
        format!("{a}.{b}")
    }
}

/// Go's `%v` of a decoded YAML value (for kustomize's log line about unusable vars).
fn go_v(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_f64() => go_g(n.as_f64().unwrap_or(0.0)),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_v).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", go_v(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

struct Substituter<'a> {
    values: &'a BTreeMap<String, VarValue>,
    used: BTreeSet<String>,
    warnings: Vec<String>,
}

enum Mapped {
    Value(VarValue),
    Unchanged(String),
}

impl Substituter<'_> {
    fn map(&mut self, name: &str) -> Mapped {
        match self.values.get(name) {
            Some(VarValue::Other(v)) => {
                let ty = if v.is_array() {
                    "[]interface {}"
                } else {
                    "map[string]interface {}"
                };
                self.warnings.push(format!(
                    "MakePrimitiveReplacer: bad replacement type={ty} val={}",
                    go_v(v)
                ));
                Mapped::Unchanged(format!("$({name})"))
            }
            Some(v) => {
                self.used.insert(name.to_string());
                Mapped::Value(v.clone())
            }
            None => Mapped::Unchanged(format!("$({name})")),
        }
    }

    /// kustomize's `DoReplacements` on one string.
    fn expand(&mut self, input: &str) -> Value {
        let b = input.as_bytes();
        let mut buf: Vec<u8> = Vec::with_capacity(b.len());
        let (mut checkpoint, mut cursor) = (0, 0);
        while cursor < b.len() {
            if b[cursor] == b'$' && cursor + 1 < b.len() {
                buf.extend_from_slice(&b[checkpoint..cursor]);
                let rest = &b[cursor + 1..];
                let advance = match rest[0] {
                    b'$' => {
                        buf.push(b'$');
                        1
                    }
                    b'(' => match rest.iter().position(|&c| c == b')') {
                        Some(close) => {
                            let name = String::from_utf8_lossy(&rest[1..close]).into_owned();
                            let mapped = self.map(&name);
                            if input.len() == close + 2 && cursor == 0 {
                                return match mapped {
                                    Mapped::Value(v) => typed(v),
                                    Mapped::Unchanged(s) => Value::String(s),
                                };
                            }
                            match mapped {
                                Mapped::Value(v) => buf.extend_from_slice(formatted(&v).as_bytes()),
                                Mapped::Unchanged(s) => buf.extend_from_slice(s.as_bytes()),
                            }
                            close + 1
                        }
                        None => {
                            buf.extend_from_slice(b"$(");
                            1
                        }
                    },
                    other => {
                        // Go writes the byte as a rune (U+0000–U+00FF) and skips only it.
                        buf.push(b'$');
                        let mut tmp = [0u8; 4];
                        buf.extend_from_slice(char::from(other).encode_utf8(&mut tmp).as_bytes());
                        1
                    }
                };
                cursor += advance;
                checkpoint = cursor + 1;
            }
            cursor += 1;
        }
        buf.extend_from_slice(&b[checkpoint.min(b.len())..]);
        match String::from_utf8(buf) {
            Ok(s) => Value::String(s),
            // yaml.v3's SetString stores invalid UTF-8 as base64.
            Err(e) => {
                Value::String(base64::engine::general_purpose::STANDARD.encode(e.into_bytes()))
            }
        }
    }

    /// kustomize's refvar `set` on the node a field spec reached.
    fn set(&mut self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::String(s) => {
                let new = self.expand(s);
                *node = new;
            }
            Value::Object(m) => {
                for v in m.values_mut() {
                    if let Value::String(s) = v {
                        let new = self.expand(s);
                        *v = new;
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    let Value::String(s) = item else {
                        return Err("invalid value type expect a string".into());
                    };
                    let new = self.expand(s);
                    *item = new;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// kustomize's fieldspec walk (no creation), calling [`Self::set`] at the end.
    fn walk(&mut self, node: &mut Value, path: &[String]) -> Result<(), String> {
        let Some((head, rest)) = path.split_first() else {
            return self.set(node);
        };
        match node {
            Value::Null => Ok(()),
            Value::Array(items) => {
                for item in items {
                    self.walk(item, path).map_err(|e| {
                        format!("visit traversal on path: [{}]: {e}", path.join(" "))
                    })?;
                }
                Ok(())
            }
            Value::Object(m) => {
                let name = head.strip_suffix("[]").unwrap_or(head);
                if name.is_empty() {
                    return Err("cannot set or create an empty field name".into());
                }
                match m.get_mut(name) {
                    Some(child) => self.walk(child, rest),
                    None => Ok(()),
                }
            }
            _ => Err("expected sequence or mapping node".into()),
        }
    }
}

/// The node a whole-string `$(X)` becomes (kustomize's `updateNodeValue`).
fn typed(v: VarValue) -> Value {
    match v {
        VarValue::Str(s) => Value::String(s),
        VarValue::Int(i) => Value::Number(i.into()),
        VarValue::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        VarValue::Bool(b) => Value::Bool(b),
        VarValue::Other(v) => v,
    }
}

/// The text a `$(X)` inside a longer string becomes (Go's `%v`).
fn formatted(v: &VarValue) -> String {
    match v {
        VarValue::Str(s) => s.clone(),
        VarValue::Int(i) => i.to_string(),
        VarValue::Float(f) => go_g(*f),
        VarValue::Bool(b) => b.to_string(),
        VarValue::Other(v) => go_v(v),
    }
}

/// kustomize's `ResolveVars`: computes every var (in name order; the first that has no
/// bound resource or no such field fails) and substitutes `$(NAME)` in the `specs` fields
/// (kustomize's merged `varReference` field specs) of every resource. Returns kustomize's
/// log lines (unusable values, vars never used) for stderr.
pub fn resolve(rm: &mut ResMap, vars: &[Var], specs: &[FieldSpec]) -> Result<Vec<String>, String> {
    let mut sorted: Vec<&Var> = vars.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut values = BTreeMap::new();
    for v in sorted {
        let res = v
            .bound
            .as_ref()
            .and_then(|b| rm.resources.iter().find(|r| is_bound_to(r, b)))
            .ok_or_else(|| {
                format!(
                    "var '{}' cannot be mapped to a field in the set of known resources",
                    v.describe()
                )
            })?;
        let value = var_value(res, v).ok_or_else(|| {
            format!(
                "field specified in var '{}' not found in corresponding resource",
                v.describe()
            )
        })?;
        values.insert(v.name.clone(), value);
    }
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let mut sub = Substituter {
        values: &values,
        used: BTreeSet::new(),
        warnings: Vec::new(),
    };
    let mut result = Ok(());
    'resources: for res in &mut rm.resources {
        let gvk = res.gvk();
        for spec in specs.iter().filter(|s| s.selects(&gvk)) {
            let path = spec.segments();
            if let Err(e) = sub.walk(&mut res.obj, &path) {
                result = Err(format!(
                    "considering field '{}' of object {}: {e}",
                    spec.path,
                    res.cur_id()
                ));
                break 'resources;
            }
        }
        stringify_annotations(&mut res.obj);
    }
    let unused: Vec<&str> = values
        .keys()
        .filter(|k| !sub.used.contains(*k))
        .map(String::as_str)
        .collect();
    let mut warnings = sub.warnings;
    if !unused.is_empty() {
        let mut line = String::new();
        let _ = write!(
            line,
            "well-defined vars that were never replaced: {}",
            unused.join(",")
        );
        warnings.push(line);
    }
    result.map(|()| warnings)
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

#[cfg(test)]
mod tests {
    //! Cases recorded with `kubectl kustomize` (kustomize v5.5.0).
    use super::*;
    use crate::kustomize::field_spec;
    use crate::yaml::{Schema, parse_stream};
    use serde_json::json;

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

    /// The `vars:` of a kustomization (YAML 1.1, as kustomize reads it).
    fn vars(kustomization: &str) -> Vec<Var> {
        let v = parse_stream(kustomization, Schema::Yaml11).unwrap()[0]
            .value
            .clone();
        from_value(&v["vars"]).unwrap()
    }

    /// What namePrefix does to names and id history.
    fn prefix(rm: &mut ResMap, p: &str) {
        for r in &mut rm.resources {
            r.store_previous_id();
            let name = format!("{p}{}", r.name());
            r.set_name(&name);
        }
    }

    fn resolve_all(rm: &mut ResMap, set: &[Var]) -> Result<Vec<String>, String> {
        resolve(rm, set, &field_spec::builtin().var_reference)
    }

    /// One kustomization: declare its vars on `rm`, then resolve at the top.
    fn build(rm: &mut ResMap, kustomization: &str) -> Result<Vec<String>, String> {
        let mut set = Vec::new();
        declare(&mut set, rm, &vars(kustomization))?;
        resolve_all(rm, &set)
    }

    fn obj<'a>(rm: &'a ResMap, kind: &str) -> &'a Value {
        &rm.resources.iter().find(|r| r.kind() == kind).unwrap().obj
    }

    fn args(rm: &ResMap) -> &Value {
        obj(rm, "Deployment")
            .pointer("/spec/template/spec/containers/0/args")
            .unwrap()
    }

    const V01: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  ports:
  - name: http
    port: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    svc: $(SVC)
    mid: "pre-$(SVC)-post"
spec:
  replicas: 3
  template:
    metadata:
      annotations:
        x: $(PORT)
    spec:
      containers:
      - name: app
        image: nginx
        command: ["run", "$(SVC)", "$$(SVC)", "$(NOPE)", "$(SVC", "$SVC", "a$", "$(PORT)", "p$(PORT)"]
        args: ["$(REPL)", "$(FLOAT)", "$(FLAG)", "x$(FLAG)", "$(LBL)", "$()"]
        env:
        - name: A
          value: $(PORT)
        - name: B
          value: "$(REPL)x"
        volumeMounts:
        - name: v
          mountPath: /data/$(SVC)
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  labels:
    l: $(SVC)
data:
  k: $(SVC)
  f: 1.50
  t: true
"#;

    const V01_VARS: &str = r"
vars:
- {name: SVC, objref: {kind: Service, name: svc, apiVersion: v1}}
- {name: PORT, objref: {kind: Service, name: svc, apiVersion: v1}, fieldref: {fieldPath: 'spec.ports[0].port'}}
- {name: REPL, objref: {kind: Deployment, name: web, apiVersion: apps/v1}, fieldref: {fieldPath: spec.replicas}}
- {name: FLOAT, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: data.f}}
- {name: FLAG, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: data.t}}
- {name: LBL, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: metadata.labels}}
- {name: UNUSED, objref: {kind: ConfigMap, name: cm, apiVersion: v1}}
";

    #[test]
    fn substitutes_typed_values_after_prefixing() {
        let mut rm = resmap(V01);
        prefix(&mut rm, "p-");
        let warnings = build(&mut rm, V01_VARS).unwrap();
        let want = docs(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    mid: pre-p-svc-post
    svc: p-svc
  name: p-web
spec:
  replicas: 3
  template:
    metadata:
      annotations:
        x: 8080
    spec:
      containers:
      - args:
        - 3
        - 1.5
        - true
        - xtrue
        - $(LBL)
        - $()
        command:
        - run
        - p-svc
        - $(SVC)
        - $(NOPE)
        - $(SVC
        - $SVC
        - a$
        - 8080
        - p8080
        env:
        - name: A
          value: 8080
        - name: B
          value: 3x
        image: nginx
        name: app
        volumeMounts:
        - mountPath: /data/p-svc
          name: v
"#,
        );
        assert_eq!(obj(&rm, "Deployment"), &want[0]);
        let cm = obj(&rm, "ConfigMap");
        assert_eq!(cm["metadata"]["labels"]["l"], "p-svc");
        assert_eq!(
            cm["data"]["k"], "$(SVC)",
            "data is not a varReference field"
        );
        assert_eq!(
            warnings,
            [
                "MakePrimitiveReplacer: bad replacement type=map[string]interface {} val=map[l:$(SVC)]",
                "well-defined vars that were never replaced: LBL,UNUSED"
            ]
        );
    }

    #[test]
    fn value_is_read_after_later_renames() {
        let mut rm = resmap(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, image: nginx, env: [{name: A, value: $(CM)}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: gen}\ndata: {a: b}\n",
        );
        let mut set = Vec::new();
        declare(
            &mut set,
            &rm,
            &vars("vars:\n- {name: CM, objref: {kind: ConfigMap, name: gen, apiVersion: v1}}\n"),
        )
        .unwrap();
        // The top level adds the hash suffix after every kustomization has run.
        let cm = &mut rm.resources[1];
        cm.store_previous_id();
        cm.set_name("gen-4h2mbtbbt6");
        resolve_all(&mut rm, &set).unwrap();
        assert_eq!(
            obj(&rm, "Deployment").pointer("/spec/template/spec/containers/0/env/0/value"),
            Some(&json!("gen-4h2mbtbbt6"))
        );
    }

    #[test]
    fn objref_without_api_version_matches_nothing() {
        let mut rm = resmap(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, annotations: {a: $(CM)}}\n",
        );
        assert_eq!(
            build(
                &mut rm,
                "vars:\n- {name: CM, objref: {kind: ConfigMap, name: cm}}\n"
            )
            .unwrap_err(),
            "var '{CM ConfigMap.[noVer].[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"
        );
    }

    #[test]
    fn ambiguous_objref_is_an_error() {
        let mut rm = resmap(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: b}\n",
        );
        assert_eq!(
            build(
                &mut rm,
                "vars:\n- {name: CM, objref: {kind: ConfigMap, name: cm, apiVersion: v1}}\n"
            )
            .unwrap_err(),
            "merging vars [{CM ConfigMap.[noVer].[noGrp] {}}]: found 2 resId matches for var {CM ConfigMap.v1.[noGrp] {}} (unable to disambiguate)"
        );
        // A namespace narrows it down.
        let k = "vars:\n- {name: CM, objref: {kind: ConfigMap, name: cm, apiVersion: v1, namespace: b}, fieldref: {fieldPath: metadata.namespace}}\n";
        let mut set = Vec::new();
        declare(&mut set, &rm, &vars(k)).unwrap();
        assert_eq!(
            set[0].bound.as_ref().map(|b| b[0].namespace.as_str()),
            Some("b")
        );
    }

    #[test]
    fn duplicate_names_are_refused() {
        let mut rm =
            resmap("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: b}\n");
        let k = "vars:\n- {name: CM, objref: {kind: ConfigMap, name: cm, apiVersion: v1, namespace: b}, fieldref: {fieldPath: metadata.namespace}}\n- {name: CM, objref: {kind: ConfigMap, name: cm, apiVersion: v1, namespace: b}}\n";
        assert_eq!(
            build(&mut rm, k).unwrap_err(),
            "merging vars [{CM ConfigMap.[noVer].[noGrp] {metadata.namespace}} {CM ConfigMap.[noVer].[noGrp] {}}]: var 'CM' already encountered"
        );
    }

    #[test]
    fn sibling_bases_cannot_share_a_name() {
        let a = resmap("apiVersion: v1\nkind: Service\nmetadata: {name: svc}\n");
        let b = resmap("apiVersion: v1\nkind: Service\nmetadata: {name: svc2}\n");
        let (mut va, mut vb) = (Vec::new(), Vec::new());
        declare(
            &mut va,
            &a,
            &vars("vars:\n- {name: SVC, objref: {kind: Service, name: svc, apiVersion: v1}}\n"),
        )
        .unwrap();
        declare(
            &mut vb,
            &b,
            &vars("vars:\n- {name: SVC, objref: {kind: Service, name: svc2, apiVersion: v1}}\n"),
        )
        .unwrap();
        let mut top = Vec::new();
        merge_vars(&mut top, &va).unwrap();
        assert_eq!(
            merge_vars(&mut top, &vb).unwrap_err(),
            "var 'SVC' already encountered"
        );
    }

    #[test]
    fn missing_field_is_an_error() {
        let mut rm = resmap(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: a, annotations: {a: $(CM)}}\n",
        );
        assert_eq!(
            build(&mut rm, "vars:\n- {name: CM, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: data.nope}}\n").unwrap_err(),
            "field specified in var '{CM ConfigMap.v1.[noGrp] {data.nope}}' not found in corresponding resource"
        );
    }

    #[test]
    fn whole_string_references_keep_the_value_type() {
        let mut rm = resmap(
            r"
apiVersion: v1
kind: Service
metadata:
  name: svc
  annotations: {port: $(PORT), i: 5}
  labels: {port: $(PORT)}
spec:
  ports:
  - {name: http, port: $(PORT), targetPort: 80}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        env: [{name: A, value: 5}, {name: B, value: $(PORT)}]
",
        );
        build(&mut rm, "vars:\n- {name: PORT, objref: {kind: Service, name: svc, apiVersion: v1}, fieldref: {fieldPath: 'spec.ports.[name=http].targetPort'}}\n").unwrap();
        let svc = obj(&rm, "Service");
        assert_eq!(
            svc["metadata"]["annotations"],
            json!({"i": "5", "port": "80"})
        );
        assert_eq!(svc["metadata"]["labels"], json!({"port": 80}));
        assert_eq!(
            svc["spec"]["ports"],
            json!([{"name": "http", "port": 80, "targetPort": 80}])
        );
        assert_eq!(
            obj(&rm, "Deployment").pointer("/spec/template/spec/containers/0/env"),
            Some(&json!([{"name": "A", "value": 5}, {"name": "B", "value": 80}]))
        );
    }

    #[test]
    fn non_string_list_items_are_an_error() {
        let mut rm = resmap(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, args: [1, $(X)]}\n",
        );
        assert_eq!(
            build(
                &mut rm,
                "vars:\n- {name: X, objref: {kind: Deployment, name: web, apiVersion: apps/v1}}\n"
            )
            .unwrap_err(),
            "considering field 'spec/template/spec/containers/args' of object Deployment.v1.apps/web.[noNs]: visit traversal on path: [args]: invalid value type expect a string"
        );
    }

    #[test]
    fn scalar_in_the_middle_of_a_path_is_an_error() {
        let mut rm = resmap(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, command: $(A), volumeMounts: 5}\n",
        );
        assert_eq!(
            build(
                &mut rm,
                "vars:\n- {name: A, objref: {kind: ConfigMap, name: cm, apiVersion: v1}}\n"
            )
            .unwrap_err(),
            "considering field 'spec/template/spec/containers/volumeMounts/mountPath' of object Deployment.v1.apps/web.[noNs]: visit traversal on path: [volumeMounts mountPath]: expected sequence or mapping node"
        );
    }

    #[test]
    fn vars_bind_per_layer_by_any_earlier_name() {
        let mut rm = resmap(
            "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, args: [$(SVC), $(DEP), $(SVC2)]}\n",
        );
        // base: namePrefix b-, one var
        prefix(&mut rm, "b-");
        let mut base = Vec::new();
        declare(
            &mut base,
            &rm,
            &vars("vars:\n- {name: SVC, objref: {kind: Service, name: svc, apiVersion: v1}}\n"),
        )
        .unwrap();
        // overlay: resources [../base], namePrefix o-, two vars
        let mut overlay = Vec::new();
        merge_vars(&mut overlay, &base).unwrap();
        prefix(&mut rm, "o-");
        declare(
            &mut overlay,
            &rm,
            &vars("vars:\n- {name: DEP, objref: {kind: Deployment, name: web, apiVersion: apps/v1}}\n- {name: SVC2, objref: {kind: Service, name: b-svc, apiVersion: v1}}\n"),
        )
        .unwrap();
        resolve_all(&mut rm, &overlay).unwrap();
        assert_eq!(args(&rm), &json!(["o-b-svc", "o-b-web", "o-b-svc"]));
    }

    #[test]
    fn a_var_binds_only_to_resources_already_accumulated() {
        let mut rm = resmap(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, args: [$(SVC)]}\n",
        );
        let mut base = Vec::new();
        declare(
            &mut base,
            &rm,
            &vars("vars:\n- {name: SVC, objref: {kind: Service, name: svc, apiVersion: v1}}\n"),
        )
        .unwrap();
        // The overlay adds the Service after the base was built.
        rm.resources
            .extend(resmap("apiVersion: v1\nkind: Service\nmetadata: {name: svc}\n").resources);
        assert_eq!(
            resolve_all(&mut rm, &base).unwrap_err(),
            "var '{SVC Service.v1.[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"
        );
    }

    #[test]
    fn namespaces_and_group_version_fields() {
        let yaml = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns1}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ns1}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, args: [$(D), $(E)]}\n";
        let mut rm = resmap(yaml);
        build(
            &mut rm,
            "vars:\n- {name: D, objref: {kind: Deployment, name: web, apiVersion: apps/v1, namespace: ns1}, fieldref: {fieldPath: metadata.namespace}}\n- {name: E, objref: {kind: Deployment, name: web, group: apps, version: v1}}\n",
        )
        .unwrap();
        assert_eq!(args(&rm), &json!(["ns1", "web"]));
        // A namespace on a cluster-scoped objref never matches.
        let mut rm = resmap(yaml);
        assert_eq!(
            build(&mut rm, "vars:\n- {name: NS, objref: {kind: Namespace, name: ns1, apiVersion: v1, namespace: whatever}}\n").unwrap_err(),
            "var '{NS Namespace.v1.[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"
        );
    }

    #[test]
    fn go_formatting_of_values() {
        let mut rm = resmap(
            r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {n: null, big: 1234567.0, small: 0.00001, i: 007, s: "$(OTHER)", o: other, huge: 99999999999999999999}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        args: ["$(NN)", "x$(BIG)", "$(BIG)", "x$(SMALL)", "$(SMALL)", "$(I)", "x$(I)", "$(S)", "$é$(NN)", "a$(OTHER)", "$(NN)$é", "$(HUGE)"]
"#,
        );
        let field = |name: &str, path: &str| {
            format!(
                "- {{name: {name}, objref: {{kind: ConfigMap, name: cm, apiVersion: v1}}, fieldref: {{fieldPath: {path}}}}}\n"
            )
        };
        let k = [
            "vars:\n".to_string(),
            field("NN", "data.n"),
            field("BIG", "data.big"),
            field("SMALL", "data.small"),
            field("I", "data.i"),
            field("S", "data.s"),
            field("OTHER", "data.o"),
            field("HUGE", "data.huge"),
        ]
        .concat();
        build(&mut rm, &k).unwrap();
        assert_eq!(
            args(&rm),
            &json!([
                "null",
                "x1.234567e+06",
                1234567.0,
                "x1e-05",
                0.00001,
                7,
                "x7",
                "$(OTHER)",
                "JMODqW51bGw=",
                "aother",
                "bnVsbCTDg6k=",
                1e20
            ])
        );
    }

    #[test]
    fn list_positions_in_field_paths() {
        let mut rm = resmap(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {l: [1, 2]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, args: [$(A), $(B), $(C)], env: {name: x}}\n",
        );
        let k = "vars:\n- {name: A, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: 'data.l[1]'}}\n- {name: B, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: 'data.l.-'}}\n- {name: C, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: 'data.l.[=1]'}}\n";
        build(&mut rm, k).unwrap();
        assert_eq!(args(&rm), &json!([2, 2, 1]));
    }

    #[test]
    fn no_vars_touch_nothing() {
        let mut rm = resmap(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, annotations: {a: $é}}\n",
        );
        assert_eq!(resolve_all(&mut rm, &[]), Ok(Vec::new()));
        assert_eq!(rm.resources[0].obj["metadata"]["annotations"]["a"], "$é");
    }

    #[test]
    fn decoding_is_strict_and_case_insensitive() {
        let v = parse_stream("vars:\n- {Name: X, ObjRef: {Kind: Service, name: s, APIVERSION: v1}, FieldRef: {FieldPath: spec.x}}\n", Schema::Yaml11).unwrap()[0].value.clone();
        let got = from_value(&v["vars"]).unwrap();
        assert_eq!(got[0].name, "X");
        assert_eq!(got[0].objref.api_version, "v1");
        assert_eq!(got[0].fieldref.field_path, "spec.x");
        let v = parse_stream(
            "vars:\n- {name: X, objref: {kind: Service, name: s, uid: u}}\n",
            Schema::Yaml11,
        )
        .unwrap()[0]
            .value
            .clone();
        assert_eq!(
            from_value(&v["vars"]).unwrap_err(),
            "json: unknown field \"uid\""
        );
    }

    #[test]
    fn go_g_matches_fmt() {
        for (f, s) in [
            (1.5, "1.5"),
            (1234567.0, "1.234567e+06"),
            (123456.0, "123456"),
            (0.00001, "1e-05"),
            (0.0001, "0.0001"),
            (1e20, "1e+20"),
            (-2.5, "-2.5"),
            (0.0, "0"),
            (100.0, "100"),
        ] {
            assert_eq!(go_g(f), s, "{f}");
        }
    }
}
