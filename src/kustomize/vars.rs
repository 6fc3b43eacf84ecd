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
                    "MakePrimitiveReplacer: bad replacement type={ty} val=(not shown: it may be a Secret's data)"
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
mod tests;
