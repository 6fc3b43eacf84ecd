//! The node graph strategic merge works on: a copy of the target and the patch in one arena,
//! with kyaml's identity semantics. kyaml's merge mutates shared YAML nodes in place (a merged
//! list element *is* the target's element; an element may appear twice; a field can be
//! overwritten by a copy of the patch's node), and several of kustomize's observable quirks
//! follow from that. Nodes are addressed by index so those effects can be reproduced.
//!
//! The list primitives here (`element_setter`, `element_list`, `field_matcher`) follow
//! kyaml's `ElementSetter`, `ElementMatcher` and `FieldMatcher`, which compare values by
//! their YAML scalar text (so `80` matches `"80"`).

use serde_json::Value;

/// Index of a node in the [`Tree`].
pub(super) type Id = usize;

#[derive(Debug, Clone)]
pub(super) enum Node {
    /// A mapping, in insertion order (the final order does not matter: values are sorted).
    Map(Vec<(String, Id)>),
    Seq(Vec<Id>),
    /// A non-null scalar.
    Scalar(Value),
    /// A null. `keep` marks kyaml's "persistent null" (a target's explicit null that a merge
    /// must not drop); it is only meaningful on a freshly returned value.
    Null {
        keep: bool,
    },
}

#[derive(Debug, Default)]
pub(super) struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    pub(super) fn push(&mut self, node: Node) -> Id {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Adds a value (recursively) and returns its root.
    pub(super) fn add(&mut self, v: &Value) -> Id {
        let node = match v {
            Value::Null => Node::Null { keep: false },
            Value::Object(map) => {
                let mut fields = Vec::with_capacity(map.len());
                for (k, sub) in map {
                    let id = self.add(sub);
                    fields.push((k.clone(), id));
                }
                Node::Map(fields)
            }
            Value::Array(items) => Node::Seq(items.iter().map(|sub| self.add(sub)).collect()),
            scalar => Node::Scalar(scalar.clone()),
        };
        self.push(node)
    }

    pub(super) fn to_value(&self, id: Id) -> Value {
        match &self.nodes[id] {
            Node::Null { .. } => Value::Null,
            Node::Scalar(v) => v.clone(),
            Node::Seq(items) => Value::Array(items.iter().map(|&i| self.to_value(i)).collect()),
            Node::Map(fields) => {
                let mut map = serde_json::Map::new();
                for (k, i) in fields {
                    map.entry(k.clone()).or_insert_with(|| self.to_value(*i));
                }
                Value::Object(map)
            }
        }
    }

    pub(super) fn node(&self, id: Id) -> &Node {
        &self.nodes[id]
    }

    /// Overwrites a node with a copy of another (children shared), as Go's `*a = *b`.
    pub(super) fn copy_into(&mut self, to: Id, from: Id) {
        if to != from {
            let node = self.nodes[from].clone();
            self.nodes[to] = node;
        }
        self.forget_keep(to);
    }

    pub(super) fn forget_keep(&mut self, id: Id) {
        if let Node::Null { keep } = &mut self.nodes[id] {
            *keep = false;
        }
    }

    pub(super) fn is_null(&self, id: Id) -> bool {
        matches!(self.nodes[id], Node::Null { .. })
    }

    pub(super) fn is_map(&self, id: Id) -> bool {
        matches!(self.nodes[id], Node::Map(_))
    }

    pub(super) fn is_seq(&self, id: Id) -> bool {
        matches!(self.nodes[id], Node::Seq(_))
    }

    /// kyaml `IsMissingOrNull || IsEmptyMap`.
    pub(super) fn is_null_or_empty_map(&self, id: Id) -> bool {
        match &self.nodes[id] {
            Node::Null { .. } => true,
            Node::Map(fields) => fields.is_empty(),
            _ => false,
        }
    }

    /// kyaml `IsNilOrEmpty` of a field value: null, `{}` or `[]`.
    pub(super) fn is_nil_or_empty(&self, id: Id) -> bool {
        match &self.nodes[id] {
            Node::Null { .. } => true,
            Node::Map(fields) => fields.is_empty(),
            Node::Seq(items) => items.is_empty(),
            Node::Scalar(_) => false,
        }
    }

    /// The YAML node's `Value`: a scalar's text, `""` for collections. A null is taken to be
    /// written `null` (rollpin's values do not keep whether it was `null`, `~` or empty).
    pub(super) fn text(&self, id: Id) -> String {
        match &self.nodes[id] {
            Node::Scalar(Value::String(s)) => s.clone(),
            Node::Scalar(v) => v.to_string(),
            Node::Null { .. } => "null".to_string(),
            Node::Map(_) | Node::Seq(_) => String::new(),
        }
    }

    /// The first field of a mapping with this name (`None` for other nodes).
    pub(super) fn field(&self, map: Id, key: &str) -> Option<Id> {
        match &self.nodes[map] {
            Node::Map(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, id)| *id),
            _ => None,
        }
    }

    pub(super) fn field_names(&self, map: Id) -> Vec<String> {
        match &self.nodes[map] {
            Node::Map(fields) => fields.iter().map(|(k, _)| k.clone()).collect(),
            _ => Vec::new(),
        }
    }

    pub(super) fn items(&self, seq: Id) -> Vec<Id> {
        match &self.nodes[seq] {
            Node::Seq(items) => items.clone(),
            _ => Vec::new(),
        }
    }

    fn set_items(&mut self, seq: Id, items: Vec<Id>) {
        if let Node::Seq(old) = &mut self.nodes[seq] {
            *old = items;
        }
    }

    pub(super) fn append(&mut self, seq: Id, elem: Id) -> Result<(), String> {
        self.expect_kind(seq, Kind::Seq)?;
        if let Node::Seq(items) = &mut self.nodes[seq] {
            items.push(elem);
        }
        Ok(())
    }

    /// Removes the first field with this name.
    pub(super) fn remove_field(&mut self, map: Id, key: &str) {
        if let Node::Map(fields) = &mut self.nodes[map]
            && let Some(pos) = fields.iter().position(|(k, _)| k == key)
        {
            fields.remove(pos);
        }
    }

    /// Sets a field, as kyaml's `FieldSetter`: no value or a plain null clears it; an existing
    /// field's node is overwritten with a copy of the value; otherwise the field is appended.
    pub(super) fn set_field(&mut self, map: Id, key: &str, val: Option<Id>) {
        let clear = match val {
            None => true,
            Some(v) => matches!(self.nodes[v], Node::Null { keep: false }),
        };
        match (val, self.field(map, key)) {
            _ if clear => self.remove_field(map, key),
            (Some(v), Some(existing)) => {
                // kyaml keeps the existing field's quoting style, so a number or boolean that
                // replaces a quoted string comes out as a string. Quoting is not kept in
                // values; a string that could not have been written plain was quoted.
                let quoted = matches!(&self.nodes[existing], Node::Scalar(Value::String(s)) if !plain_stays_string(s));
                match &self.nodes[v] {
                    Node::Scalar(new) if quoted && !new.is_string() => {
                        let text = new.to_string();
                        self.nodes[existing] = Node::Scalar(Value::String(text));
                    }
                    _ => self.copy_into(existing, v),
                }
            }
            (Some(v), None) => {
                if let Node::Map(fields) = &mut self.nodes[map] {
                    fields.push((key.to_string(), v));
                }
                self.forget_keep(v);
            }
            (None, _) => {}
        }
    }

    pub(super) fn kind(&self, id: Id) -> Kind {
        match self.nodes[id] {
            Node::Map(_) => Kind::Map,
            Node::Seq(_) => Kind::Seq,
            Node::Scalar(_) | Node::Null { .. } => Kind::Scalar,
        }
    }

    /// kyaml `ErrorIfInvalid`: nulls pass; any other node must be of the expected kind.
    pub(super) fn expect_kind(&self, id: Id, kind: Kind) -> Result<(), String> {
        if self.is_null(id) || self.kind(id) == kind {
            return Ok(());
        }
        Err(format!(
            "wrong node kind: expected {} but got {}: node contents:\n{}",
            kind.name(),
            self.kind(id).name(),
            self.yaml(id)
        ))
    }

    /// kyaml `FieldMatcher{Name, StringValue}`: with a name, the first field of that name
    /// (whose text must equal `value` unless `value` is empty); without a name, the scalar
    /// itself when its text equals `value`. Nulls never match; a node of the wrong kind is
    /// an error.
    pub(super) fn field_matcher(
        &self,
        id: Id,
        name: &str,
        value: &str,
    ) -> Result<Option<Id>, String> {
        if self.is_null(id) {
            return Ok(None);
        }
        if name.is_empty() {
            self.expect_kind(id, Kind::Scalar)?;
            return Ok((self.text(id) == value).then_some(id));
        }
        self.expect_kind(id, Kind::Map)?;
        Ok(self
            .field(id, name)
            .filter(|&f| value.is_empty() || self.text(f) == value))
    }

    /// kyaml `ElementMatcher` (`RNode.ElementList`): the first element whose fields `keys`
    /// have the texts `values` (for a primitive list, `keys == [""]`: the first element whose
    /// text is `values[0]`). `None` when `list` is not a sequence.
    pub(super) fn element_list(
        &self,
        list: Option<Id>,
        keys: &[String],
        values: &[String],
    ) -> Option<Id> {
        let list = list.filter(|&l| self.is_seq(l))?;
        let empty = [String::new()];
        let keys = if keys.is_empty() { &empty[..] } else { keys };
        let values = if values.is_empty() {
            &empty[..]
        } else {
            values
        };
        let items = self.items(list);
        if keys[0].is_empty() {
            return items.into_iter().find(|&e| self.text(e) == values[0]);
        }
        if keys.len() != values.len() {
            return None;
        }
        items.into_iter().find(|&elem| {
            self.is_map(elem)
                && keys
                    .iter()
                    .zip(values)
                    .all(|(k, v)| self.field(elem, k).is_some_and(|f| self.text(f) == *v))
        })
    }

    /// kyaml `ElementSetter`: rebuilds a sequence, dropping null and `{}` elements; every
    /// element matching all `keys`/`values` is removed (`element == None`) or replaced by
    /// `element`, which is appended when nothing matched. Elements that are not mappings are
    /// kept when matching a mapping key. With fewer values than keys, the last lookup's
    /// result stands for the remaining keys; with no values, unmatched elements are dropped.
    pub(super) fn element_setter(
        &mut self,
        list: Id,
        element: Option<Id>,
        keys: &[String],
        values: &[String],
    ) -> Result<Option<Id>, String> {
        let empty = [String::new()];
        let keys = if keys.is_empty() { &empty[..] } else { keys };
        self.expect_kind(list, Kind::Seq)?;
        let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
        let mut kept = Vec::new();
        let mut matched = false;
        for elem in self.items(list) {
            if self.is_null_or_empty_map(elem) {
                continue;
            }
            if !self.is_map(elem) && mapping_setter {
                kept.push(elem);
                continue;
            }
            let mut found = None;
            let mut all = true;
            for (j, key) in keys.iter().enumerate() {
                if let Some(value) = values.get(j) {
                    found = self.field_matcher(elem, key, value)?;
                }
                if found.is_none() {
                    all = false;
                    break;
                }
            }
            if !all {
                if !values.is_empty() {
                    kept.push(elem);
                }
                continue;
            }
            matched = true;
            if let Some(e) = element {
                kept.push(e);
            }
        }
        self.set_items(list, kept);
        match element {
            Some(e) if !self.is_null(e) => {
                if !matched {
                    self.append(list, e)?;
                }
                Ok(Some(e))
            }
            _ => Ok(None),
        }
    }

    /// A best-effort YAML rendering of a node, for error messages.
    pub(super) fn yaml(&self, id: Id) -> String {
        let mut out = String::new();
        self.write_yaml(id, 0, &mut out);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }

    fn write_yaml(&self, id: Id, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match &self.nodes[id] {
            Node::Map(fields) if fields.is_empty() => out.push_str("{}"),
            Node::Seq(items) if items.is_empty() => out.push_str("[]"),
            Node::Map(fields) => {
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&pad);
                    }
                    out.push_str(&scalar_text(k));
                    out.push(':');
                    self.write_child(*v, indent, out);
                }
            }
            Node::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&pad);
                    }
                    out.push_str("- ");
                    self.write_yaml(*v, indent + 2, out);
                    if !out.ends_with('\n') {
                        out.push('\n');
                    }
                }
            }
            Node::Scalar(Value::String(s)) => out.push_str(&scalar_text(s)),
            Node::Scalar(v) => out.push_str(&v.to_string()),
            Node::Null { .. } => out.push_str("null"),
        }
    }

    fn write_child(&self, id: Id, indent: usize, out: &mut String) {
        match &self.nodes[id] {
            Node::Map(f) if !f.is_empty() => {
                out.push('\n');
                out.push_str(&" ".repeat(indent + 2));
                self.write_yaml(id, indent + 2, out);
            }
            Node::Seq(s) if !s.is_empty() => {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                self.write_yaml(id, indent, out);
            }
            _ => {
                out.push(' ');
                self.write_yaml(id, indent, out);
                out.push('\n');
            }
        }
    }
}

/// Whether `s`, written as a plain YAML scalar, would read back as the same string (go-yaml
/// v3 resolution and emitter rules, approximately): no null/bool/number/timestamp look-alike,
/// no indicator at the start, no `: ` or ` #`, no line breaks, tabs or edge spaces.
pub(super) fn plain_stays_string(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let lookalike = matches!(
        s,
        "~" | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
    ) || ("+-.0123456789".contains(first) && looks_numeric(s));
    let indicator = "#,[]{}&*!|>'\"%@`".contains(first)
        || (matches!(first, '-' | '?' | ':') && s[1..].starts_with([' ', '\t'])
            || s.len() == 1 && "-?:".contains(first))
        || s.starts_with("---")
        || s.starts_with("...");
    !(lookalike
        || indicator
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.chars().any(|c| c.is_control()))
}

/// Integers (decimal, `0x`, `0o`, `0b`, leading-zero octal, `_` separators), floats and
/// dates, as go-yaml v3 resolves plain scalars that start with a digit, sign or dot.
fn looks_numeric(s: &str) -> bool {
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    let digits = plain.trim_start_matches(['+', '-']);
    let int = |body: &str, radix: u32| !body.is_empty() && body.chars().all(|c| c.is_digit(radix));
    let is_int = int(digits, 10)
        || digits.strip_prefix("0x").is_some_and(|b| int(b, 16))
        || digits.strip_prefix("0o").is_some_and(|b| int(b, 8))
        || digits.strip_prefix("0b").is_some_and(|b| int(b, 2));
    let mantissa_exp = digits.split_once(['e', 'E']);
    let (mantissa, exp_ok) = match mantissa_exp {
        Some((m, e)) => (m, int(e.trim_start_matches(['+', '-']), 10)),
        None => (digits, true),
    };
    let is_float = exp_ok
        && match mantissa.split_once('.') {
            Some((a, b)) => {
                (a.is_empty() || int(a, 10))
                    && (b.is_empty() || int(b, 10))
                    && !(a.is_empty() && b.is_empty())
            }
            None => int(mantissa, 10),
        };
    let bytes = s.as_bytes();
    let is_date = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit);
    is_int || is_float || is_date
}

fn scalar_text(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_./$".contains(c))
        && !matches!(s, "true" | "false" | "null" | "~")
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        Value::String(s.to_string()).to_string()
    }
}

/// A YAML node kind, named as go-yaml names them in kyaml's errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Map,
    Seq,
    Scalar,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Map => "MappingNode",
            Kind::Seq => "SequenceNode",
            Kind::Scalar => "ScalarNode",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_that_read_back_as_strings() {
        for s in [
            "nginx", "app:1", "a b", "x-y_z", "1.2.3", "v1", "yes", "on", "0x", "1e",
        ] {
            assert!(plain_stays_string(s), "{s}");
        }
        for s in [
            "",
            "true",
            "FALSE",
            "null",
            "~",
            "8080",
            "-1",
            "+3",
            "0x1F",
            "0o17",
            "0b101",
            "0755",
            "1_000",
            "1.5",
            ".5",
            "1e3",
            "-.inf",
            ".NaN",
            "2020-01-01",
            "*",
            "&a",
            "- x",
            "a: b",
            "a #c",
            "key:",
            " lead",
            "trail ",
            "two\nlines",
            "tab\there",
            "---",
            "...",
            "'q'",
        ] {
            assert!(!plain_stays_string(s), "{s:?}");
        }
    }

    #[test]
    fn element_setter_drops_empty_elements_and_replaces_matches() {
        let mut tree = Tree::default();
        let list = tree.add(&serde_json::json!([{"name": "a"}, {}, null, {"name": "b"}, "s"]));
        let new = tree.add(&serde_json::json!({"name": "b", "x": 1}));
        let keys = ["name".to_string()];
        let got = tree.element_setter(list, Some(new), &keys, &["b".to_string()]);
        assert_eq!(got, Ok(Some(new)));
        assert_eq!(
            tree.to_value(list),
            serde_json::json!([{"name": "a"}, {"name": "b", "x": 1}, "s"])
        );
        // no values: every element (mapping or not) is dropped, then the element is appended
        let got = tree.element_setter(list, Some(new), &keys, &[]);
        assert_eq!(got, Ok(Some(new)));
        assert_eq!(
            tree.to_value(list),
            serde_json::json!([{"name": "b", "x": 1}])
        );
    }

    #[test]
    fn element_list_matches_by_text() {
        let mut tree = Tree::default();
        let list = tree.add(&serde_json::json!([{"port": 80}, {"port": "443", "protocol": "TCP"}]));
        let keys = ["port".to_string(), "protocol".to_string()];
        let values = ["443".to_string(), "TCP".to_string()];
        let found = tree.element_list(Some(list), &keys, &values);
        assert_eq!(
            found.map(|id| tree.to_value(id)["port"].clone()),
            Some("443".into())
        );
        let port_80 = ["80".to_string()];
        assert!(
            tree.element_list(Some(list), &keys[..1], &port_80)
                .is_some()
        );
        assert!(tree.element_list(Some(list), &keys, &values[..1]).is_none());
    }
}
