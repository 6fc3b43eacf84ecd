//! Dotted field paths as `replacements` and `vars` write them
//! (`spec.template.spec.containers.[name=app].image`, `metadata.annotations.[a.b/c]`), and
//! the three ways kustomize follows them: kyaml's `PathGetter` (one node, exact list-item
//! match; replacement sources and var values), kyaml's `PathMatcher` (every matching node,
//! unanchored-regex list-item match, `*`, optional creation; replacement targets), and the
//! typing rule kustomize applies when it writes text into an existing scalar (the node keeps
//! its YAML tag, so the text must still fit it when the object is finally decoded).

use regex::Regex;
use serde_json::{Map, Value};

use crate::yaml::{Schema, parse_stream, write_document};

/// Splits a dotted path as kyaml's `SmarterPathSplitter` does: `\.` escapes a dot, a
/// bracketed part may hold dots (`[a.b/c]` becomes the key `a.b/c`; `[name=x.y]` stays a
/// list-item selector), and one leading empty part is dropped.
pub fn split(path: &str) -> Vec<String> {
    let raw: Vec<&str> = path.split('.').collect();
    let raw = if raw.len() > 1 && raw[0].is_empty() {
        &raw[1..]
    } else {
        &raw[..]
    };
    let mut parts: Vec<String> = Vec::new();
    for piece in raw {
        match parts.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(piece);
            }
            _ => parts.push((*piece).to_string()),
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let part = &parts[i];
        if part.starts_with('[') && !part.ends_with(']') {
            let mut joined = part.clone();
            while i + 1 < parts.len() {
                i += 1;
                joined.push('.');
                joined.push_str(&parts[i]);
                if parts[i].ends_with(']') {
                    break;
                }
            }
            if joined.contains('=') {
                out.push(joined);
            } else {
                out.push(joined.trim_matches(|c| c == '[' || c == ']').to_string());
            }
        } else {
            out.push(part.clone());
        }
        i += 1;
    }
    out
}

/// [`split`] plus the `ports[0]` → `ports`, `0` rewriting vars apply to their `fieldPath`.
pub fn split_var_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in split(path) {
        let indexed = part.strip_suffix(']').and_then(|p| {
            let open = p.rfind('[')?;
            let digits = &p[open + 1..];
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| (p[..open].to_string(), digits.to_string()))
        });
        match indexed {
            Some((name, index)) => {
                if !name.is_empty() {
                    out.push(name);
                }
                out.push(index);
            }
            None => out.push(part),
        }
    }
    out
}

/// One step from a node to a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A mapping key.
    Key(String),
    /// A sequence position.
    Index(usize),
}

/// The node at `path` below `node`, if every step exists.
pub fn at_mut<'a>(node: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut cur = node;
    for step in path {
        cur = match (step, cur) {
            (Step::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The YAML node kind kyaml would report for a value.
pub fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "MappingNode",
        Value::Array(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

/// True for mappings and sequences (kyaml's non-scalar node kinds).
pub fn is_collection(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Array(_))
}

/// kyaml's "wrong node kind" error, with the node printed as YAML.
pub fn wrong_kind(expected: &str, node: &Value) -> String {
    let mut contents = String::new();
    write_document(node, &mut contents);
    format!(
        "wrong node kind: expected {expected} but got {}: node contents:\n{contents}",
        kind_name(node)
    )
}

/// The text a node holds (the `Value` of a yaml.v3 node: empty for collections). A null
/// reads `null`: its original spelling (`~`, nothing at all) is not kept.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (None, None, Some(f)) => format!("{f:?}"),
            _ => n.to_string(),
        },
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::Object(_) | Value::Array(_) => String::new(),
    }
}

/// The YAML tag a scalar value carries (`!!str`, `!!int`, …); empty for collections.
pub fn tag_of(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "!!str",
        Value::Number(n) if n.is_f64() => "!!float",
        Value::Number(_) => "!!int",
        Value::Bool(_) => "!!bool",
        Value::Null => "!!null",
        Value::Object(_) | Value::Array(_) => "",
    }
}

/// What a node tagged `tag` (`""`: untagged, as kustomize's freshly created nodes are)
/// holding `text` decodes to, exactly as kustomize decodes it on output, including its
/// error (`cannot decode !!str value as a !!int`; unlike go-yaml, without the text, which
/// may be a Secret's value).
pub fn resolve_tagged(tag: &str, text: &str) -> Result<Value, String> {
    if tag == "!!str" {
        return Ok(Value::String(text.to_string()));
    }
    if tag.is_empty() {
        // An untagged scalar resolves to the first core tag whose rules accept its text.
        for probe in ["!!null", "!!bool", "!!int", "!!float", "!!timestamp"] {
            if let Ok(v) = decode_tagged(probe, text) {
                return Ok(v);
            }
        }
        return Ok(Value::String(text.to_string()));
    }
    decode_tagged(tag, text).map_err(|e| format!("map[string]interface {{}}(nil): yaml: {e}"))
}

fn decode_tagged(tag: &str, text: &str) -> Result<Value, String> {
    let quoted = serde_json::to_string(text).map_err(|e| e.to_string())?;
    let doc = format!("v: {tag} {quoted}\n");
    let mut docs = parse_stream(&doc, Schema::Kyaml).map_err(|e| e.message)?;
    match docs.pop().map(|d| d.value) {
        Some(Value::Object(mut m)) => Ok(m.remove("v").unwrap_or(Value::Null)),
        _ => Err(format!("cannot decode value as a {tag}")),
    }
}

/// The text kyaml's `String()` gives a node, trimmed (what `[key=regex]` is matched against).
fn node_string(v: &Value) -> String {
    if is_collection(v) {
        let mut s = String::new();
        write_document(v, &mut s);
        s.trim().to_string()
    } else {
        scalar_text(v).trim().to_string()
    }
}

/// Go's `strconv.Atoi`: optional sign and decimal digits.
fn atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

fn is_list_index(p: &str) -> bool {
    p.starts_with('[') && p.ends_with(']')
}

fn split_index(p: &str) -> Result<(String, String), String> {
    let inner = p.strip_suffix(']').unwrap_or(p);
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    match inner.split_once('=') {
        Some((k, v)) => Ok((k.to_string(), v.to_string())),
        None => {
            Err("list path element must contain fieldName=fieldValue for element to match".into())
        }
    }
}

/// kyaml's `PathGetter` without creation: follows `parts` (blank parts skipped) and returns
/// the node there, `None` when something on the way is missing or null. Numbers index a
/// sequence, `-` is its last item, `[k=v]` is the first mapping item whose `k` is exactly
/// `v` (`[=v]`: the first scalar item `v`); `*` is an error.
pub fn get<'a>(node: &'a Value, parts: &[String]) -> Result<Option<&'a Value>, String> {
    let mut cur = node;
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let next = if let Some(idx) = atoi(part) {
            if idx < 0 {
                return Err(format!("array index {idx} cannot be negative"));
            }
            match cur {
                Value::Null => None,
                Value::Array(items) => usize::try_from(idx).ok().and_then(|i| items.get(i)),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else if part == "-" {
            match cur {
                Value::Null => None,
                Value::Array(items) => items.last(),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else if part == "*" {
            return Err("wildcard is not supported in PathGetter".into());
        } else if is_list_index(part) {
            let (key, want) = split_index(part)?;
            match cur {
                Value::Null => None,
                Value::Array(items) if key.is_empty() => {
                    items.iter().find(|i| scalar_text(i) == want)
                }
                Value::Array(items) => items
                    .iter()
                    .find(|i| i.get(&key).is_some_and(|f| scalar_text(f) == want)),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else {
            match cur {
                Value::Null => None,
                Value::Object(m) => m.get(part),
                other => return Err(wrong_kind("MappingNode", other)),
            }
        };
        match next {
            Some(v) => cur = v,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// The kind of node to create at the end of a missing target path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaf {
    /// A scalar (untagged: its text resolves as plain YAML once set).
    Scalar,
    /// A mapping.
    Map,
    /// A sequence.
    Seq,
}

impl Leaf {
    /// The kind of `v`.
    pub fn of(v: &Value) -> Leaf {
        match v {
            Value::Object(_) => Leaf::Map,
            Value::Array(_) => Leaf::Seq,
            _ => Leaf::Scalar,
        }
    }

    fn empty(self) -> Value {
        match self {
            Leaf::Scalar => Value::Null,
            Leaf::Map => Value::Object(Map::new()),
            Leaf::Seq => Value::Array(Vec::new()),
        }
    }
}

/// A node a [`find`] matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where it is.
    pub path: Vec<Step>,
    /// `Some(text)` when the node is an untagged scalar kustomize just created.
    pub fresh: Option<String>,
    /// The node hangs off a null (kustomize "creates" it where the output never shows it).
    pub phantom: bool,
}

struct Finder {
    create: Option<Leaf>,
    fresh: Vec<(Vec<Step>, String)>,
    out: Vec<Found>,
}

/// The kind kyaml gives a node created before `next` (a list step needs a sequence).
fn part_kind(next: Option<&String>, create: Leaf) -> Leaf {
    match next {
        None => create,
        Some(n) if is_list_index(n) || atoi(n).is_some_and(|i| i >= 0) => Leaf::Seq,
        Some(_) => Leaf::Map,
    }
}

fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("error parsing regexp: {e}"))
}

impl Finder {
    fn push(&mut self, path: &[Step], phantom: bool) {
        let fresh = self
            .fresh
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.clone());
        self.out.push(Found {
            path: path.to_vec(),
            fresh,
            phantom,
        });
    }

    /// Returns whether anything was matched below `node`.
    fn filter(
        &mut self,
        node: &mut Value,
        parts: &[String],
        at: &mut Vec<Step>,
    ) -> Result<bool, String> {
        let Some((head, rest)) = parts.split_first() else {
            self.push(at, false);
            return Ok(true);
        };
        if let Some(idx) = atoi(head).filter(|i| *i >= 0) {
            return self.index(node, idx, parts, at);
        }
        if is_list_index(head) {
            return self.select(node, head, rest, at, true);
        }
        if head == "*" {
            let Value::Array(items) = node else {
                return match node {
                    Value::Null => Ok(false),
                    other => Err(wrong_kind("SequenceNode", other)),
                };
            };
            let mut any = false;
            for (i, item) in items.iter_mut().enumerate() {
                at.push(Step::Index(i));
                any |= self.filter(item, rest, at)?;
                at.pop();
            }
            return Ok(any);
        }
        self.field(node, head, rest, at)
    }

    fn index(
        &mut self,
        node: &mut Value,
        idx: i64,
        parts: &[String],
        at: &mut Vec<Step>,
    ) -> Result<bool, String> {
        let rest = &parts[1..];
        let items = match node {
            Value::Array(items) => items,
            Value::Null if self.create.is_some() && idx == 0 => {
                self.push(at, true);
                return Ok(true);
            }
            Value::Null => {
                return Err(format!("index {idx} specified but only 0 elements found"));
            }
            other => return Err(wrong_kind("SequenceNode", other)),
        };
        let idx = usize::try_from(idx).unwrap_or(usize::MAX);
        if let Some(create) = self.create
            && items.len() == idx
        {
            let kind = part_kind(rest.first(), create);
            items.push(kind.empty());
            if rest.is_empty() && kind == Leaf::Scalar {
                let mut p = at.clone();
                p.push(Step::Index(idx));
                self.fresh.push((p, String::new()));
            }
        }
        let len = items.len();
        let Some(item) = items.get_mut(idx) else {
            return Err(format!(
                "index {idx} specified but only {len} elements found"
            ));
        };
        at.push(Step::Index(idx));
        let r = self.filter(item, rest, at);
        at.pop();
        r
    }

    fn select(
        &mut self,
        node: &mut Value,
        head: &str,
        rest: &[String],
        at: &mut Vec<Step>,
        may_create: bool,
    ) -> Result<bool, String> {
        let (key, pattern) = split_index(head)?;
        let items = match node {
            Value::Array(items) => items,
            Value::Null if self.create.is_some() => {
                self.push(at, true);
                return Ok(true);
            }
            Value::Null => return Ok(false),
            other => return Err(wrong_kind("SequenceNode", other)),
        };
        let mut any = false;
        for (i, item) in items.iter_mut().enumerate() {
            let re = compile(&pattern)?;
            at.push(Step::Index(i));
            if key.is_empty() {
                if re.is_match(&node_string(item)) {
                    self.push(at, false);
                    any = true;
                }
            } else if item.get(&key).is_some_and(|f| re.is_match(&node_string(f))) {
                any |= self.filter(item, rest, at)?;
            }
            at.pop();
        }
        if any || !may_create || self.create.is_none() {
            return Ok(any);
        }
        let value = resolve_tagged("", &pattern)?;
        let mut p = at.clone();
        p.push(Step::Index(items.len()));
        if key.is_empty() {
            self.fresh.push((p, pattern.clone()));
            items.push(value);
        } else {
            let mut m = Map::new();
            m.insert(key, value);
            items.push(Value::Object(m));
        }
        // kustomize searches again (and loops forever when the new item does not match its
        // own pattern); a second miss is reported as "unable to find or create".
        self.select(node, head, rest, at, false)
    }

    fn field(
        &mut self,
        node: &mut Value,
        head: &str,
        rest: &[String],
        at: &mut Vec<Step>,
    ) -> Result<bool, String> {
        let map = match node {
            Value::Object(m) => m,
            Value::Null if self.create.is_some() => {
                self.push(at, true);
                return Ok(true);
            }
            Value::Null => return Ok(false),
            other => return Err(wrong_kind("MappingNode", other)),
        };
        if !map.contains_key(head) {
            let Some(create) = self.create else {
                return Ok(false);
            };
            let kind = part_kind(rest.first(), create);
            map.insert(head.to_string(), kind.empty());
            if rest.is_empty() && kind == Leaf::Scalar {
                let mut p = at.clone();
                p.push(Step::Key(head.to_string()));
                self.fresh.push((p, String::new()));
            }
        }
        let Some(child) = map.get_mut(head) else {
            return Ok(false);
        };
        at.push(Step::Key(head.to_string()));
        let r = self.filter(child, rest, at);
        at.pop();
        r
    }
}

/// kyaml's `PathMatcher`: every node below `node` that `parts` reaches. Numbers index a
/// sequence, `*` is every item, `[k=re]` every mapping item whose `k` matches the
/// (unanchored) regular expression `re` (`[=re]`: every matching item itself). With
/// `create`, missing fields, an item at index `len` and a first `[k=v]` item are created on
/// the way, the last one as a node of kind `create`.
pub fn find(
    node: &mut Value,
    parts: &[String],
    create: Option<Leaf>,
) -> Result<Vec<Found>, String> {
    let mut f = Finder {
        create,
        fresh: Vec::new(),
        out: Vec::new(),
    };
    f.filter(node, parts, &mut Vec::new())?;
    Ok(f.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn splits_like_kyaml() {
        assert_eq!(
            split("spec.template.spec.containers.[name=app].image"),
            s(&[
                "spec",
                "template",
                "spec",
                "containers",
                "[name=app]",
                "image"
            ])
        );
        assert_eq!(
            split("metadata.annotations.[a.b/c]"),
            s(&["metadata", "annotations", "a.b/c"])
        );
        assert_eq!(split("a.[name=x.y].b"), s(&["a", "[name=x.y]", "b"]));
        assert_eq!(
            split("metadata.labels.a\\.b"),
            s(&["metadata", "labels", "a.b"])
        );
        assert_eq!(split(".a.b"), s(&["a", "b"]));
        assert_eq!(split("a.[foo]"), s(&["a", "[foo]"]));
        assert_eq!(
            split_var_path("spec.ports[0].port"),
            s(&["spec", "ports", "0", "port"])
        );
        assert_eq!(split_var_path("data.[1]"), s(&["data", "1"]));
    }

    #[test]
    fn getter_matches_exactly() {
        let v = json!({"l": [{"name": "app", "v": 1}, {"name": "myapp", "v": 2}], "p": ["a", "b"]});
        let g = |p: &str| get(&v, &split(p)).map(|o| o.cloned());
        assert_eq!(g("l.[name=app].v"), Ok(Some(json!(1))));
        assert_eq!(g("l.[name=ap].v"), Ok(None));
        assert_eq!(g("l.1.v"), Ok(Some(json!(2))));
        assert_eq!(g("l.-.name"), Ok(Some(json!("myapp"))));
        assert_eq!(g("p.[=b]"), Ok(Some(json!("b"))));
        assert_eq!(g("l.7"), Ok(None));
        assert_eq!(
            g("l.*.v"),
            Err("wildcard is not supported in PathGetter".into())
        );
        assert_eq!(g("l.-1"), Err("array index -1 cannot be negative".into()));
        assert!(g("l.name").unwrap_err().starts_with(
            "wrong node kind: expected MappingNode but got SequenceNode: node contents:\n"
        ));
    }

    #[test]
    fn matcher_uses_unanchored_regex_and_creates() {
        let mut v = json!({"l": [{"name": "app"}, {"name": "myapp2"}, {"name": "side"}]});
        let found = find(&mut v, &split("l.[name=app].image"), Some(Leaf::Scalar)).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].fresh.as_deref(), Some(""));
        assert_eq!(v["l"][1]["image"], Value::Null);
        let found = find(&mut v, &split("l.[name=zz].image"), Some(Leaf::Scalar)).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(v["l"][3]["name"], json!("zz"));
        let mut v = json!({"n": null});
        let found = find(&mut v, &split("n.x"), Some(Leaf::Scalar)).unwrap();
        assert!(found[0].phantom);
        assert!(find(&mut v, &split("n.x"), None).unwrap().is_empty());
    }

    #[test]
    fn tags_decide_what_text_becomes() {
        assert_eq!(resolve_tagged("!!int", "5"), Ok(json!(5)));
        assert_eq!(resolve_tagged("", "5"), Ok(json!(5)));
        assert_eq!(resolve_tagged("", ""), Ok(Value::Null));
        assert_eq!(resolve_tagged("", "yes"), Ok(json!("yes")));
        assert_eq!(resolve_tagged("!!float", "5"), Ok(json!(5.0)));
        assert_eq!(resolve_tagged("!!str", "5"), Ok(json!("5")));
        assert_eq!(
            resolve_tagged("!!int", "db"),
            Err("map[string]interface {}(nil): yaml: cannot decode !!str value as a !!int".into())
        );
    }
}
