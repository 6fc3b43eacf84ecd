//! What changed inside an object, field by field: the paths whose values differ between
//! the recorded and the found version (`spec.ports[0].port: 80 -> 8081`), with a Secret's
//! values never shown, only their lengths.

use serde_json::Value;

use crate::release::FieldChange;

/// At most this many changes are listed per object; the rest are counted.
pub const MAX_CHANGES: usize = 20;

/// Fields the API server fills in: not part of what was rendered.
const SERVER_FIELDS: [&str; 7] = [
    "metadata.managedFields",
    "metadata.uid",
    "metadata.resourceVersion",
    "metadata.creationTimestamp",
    "metadata.generation",
    "metadata.selfLink",
    "status",
];

/// The fields of a Secret whose values may be shown; every other value is secret.
const SECRET_VISIBLE: [&str; 5] = [
    "apiVersion",
    "kind",
    "metadata.name",
    "metadata.namespace",
    "metadata.labels",
];

/// The changes from `old` to `new` (objects of kind `kind`), in path order, and how
/// many more there were beyond [`MAX_CHANGES`].
pub fn field_changes(kind: &str, old: &Value, new: &Value) -> (Vec<FieldChange>, usize) {
    let mut out = Vec::new();
    walk(String::new(), Some(old), Some(new), &mut out);
    out.retain(|c| {
        !SERVER_FIELDS
            .iter()
            .any(|f| c.path == *f || c.path.starts_with(&format!("{f}.")))
    });
    if kind == "Secret" {
        for c in &mut out {
            let visible = SECRET_VISIBLE
                .iter()
                .any(|f| c.path == *f || c.path.starts_with(&format!("{f}.")));
            if !visible {
                redact(c);
            }
        }
    }
    let more = out.len().saturating_sub(MAX_CHANGES);
    out.truncate(MAX_CHANGES);
    (out, more)
}

/// Replaces a Secret value by its length in bytes (a `data` value decoded from base64).
fn redact(c: &mut FieldChange) {
    let in_data = c.path.starts_with("data.");
    let length = |v: &Option<String>| -> Option<i64> {
        let v: Value = serde_json::from_str(v.as_deref()?).ok()?;
        let text = match &v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if in_data {
            use base64::Engine as _;
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) {
                return Some(bytes.len() as i64);
            }
        }
        Some(text.len() as i64)
    };
    c.secret = true;
    c.old_length = length(&c.old);
    c.new_length = length(&c.new);
    c.old = None;
    c.new = None;
}

fn join(path: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/'));
    match (path.is_empty(), simple) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

/// The `name` of every item when all items are maps with distinct string names
/// (containers, ports, volumes, env): such lists are matched by name, not position.
fn names(items: &[Value]) -> Option<Vec<&str>> {
    let names: Option<Vec<&str>> = items
        .iter()
        .map(|i| i.get("name").and_then(Value::as_str))
        .collect();
    let names = names?;
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    (sorted.len() == names.len()).then_some(names)
}

fn walk(path: String, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (old, new) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                walk(join(&path, k), a.get(k), b.get(k), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => match (names(a), names(b)) {
            (Some(na), Some(nb)) => {
                let mut all: Vec<&str> = na.clone();
                all.extend(nb.iter().filter(|n| !na.contains(n)));
                for n in all {
                    let old = na.iter().position(|x| *x == n).map(|i| &a[i]);
                    let new = nb.iter().position(|x| *x == n).map(|i| &b[i]);
                    walk(format!("{path}[name={n}]"), old, new, out);
                }
            }
            _ => {
                for i in 0..a.len().max(b.len()) {
                    walk(format!("{path}[{i}]"), a.get(i), b.get(i), out);
                }
            }
        },
        (a, b) if a == b => {}
        (a, b) => out.push(FieldChange {
            path,
            old: a.map(Value::to_string),
            new: b.map(Value::to_string),
            ..FieldChange::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn show(c: &FieldChange) -> String {
        let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        if c.secret {
            format!(
                "{}: secret {:?} -> {:?}",
                c.path, c.old_length, c.new_length
            )
        } else {
            format!("{}: {} -> {}", c.path, side(&c.old), side(&c.new))
        }
    }

    #[test]
    fn changes_are_listed_by_path_with_named_items_matched_by_name() {
        let old = json!({"kind": "Service", "metadata": {"name": "web", "uid": "1"},
            "spec": {"ports": [{"port": 80}], "selector": {"app": "web"}}});
        let new = json!({"kind": "Service", "metadata": {"name": "web", "uid": "2"},
            "spec": {"ports": [{"port": 8081}], "type": "NodePort"}, "status": {}});
        let (changes, more) = field_changes("Service", &old, &new);
        let lines: Vec<String> = changes.iter().map(show).collect();
        assert_eq!(
            lines,
            [
                "spec.ports[0].port: 80 -> 8081",
                "spec.selector: {\"app\":\"web\"} -> (none)",
                "spec.type: (none) -> \"NodePort\"",
            ]
        );
        assert_eq!(more, 0);
        let old = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        let new = json!({"spec": {"containers": [{"name": "b", "image": "z"}, {"name": "a", "image": "x"}]}});
        let lines: Vec<String> = field_changes("Pod", &old, &new)
            .0
            .iter()
            .map(show)
            .collect();
        assert_eq!(lines, ["spec.containers[name=b].image: \"y\" -> \"z\""]);
        let odd = json!({"data": {"a.b": "1", "k": [1, 2]}});
        let odd2 = json!({"data": {"a.b": "2", "k": [1]}});
        let lines: Vec<String> = field_changes("ConfigMap", &odd, &odd2)
            .0
            .iter()
            .map(show)
            .collect();
        assert_eq!(
            lines,
            ["data[\"a.b\"]: \"1\" -> \"2\"", "data.k[1]: 2 -> (none)"]
        );
    }

    #[test]
    fn secret_values_are_never_shown() {
        let old = json!({"kind": "Secret", "metadata": {"name": "s", "labels": {"v": "1"},
            "annotations": {"a": "hunter2"}}, "data": {"pw": "aHVudGVyMg=="}, "stringData": {"t": "abc"}});
        let new = json!({"kind": "Secret", "metadata": {"name": "s", "labels": {"v": "2"},
            "annotations": {"a": "hunter3"}}, "data": {"pw": "c3dvcmRmaXNo"}});
        let (changes, _) = field_changes("Secret", &old, &new);
        let text = serde_json::to_string(&changes).unwrap();
        for secret in ["hunter", "aHVudGVyMg", "c3dvcmRmaXNo", "abc"] {
            assert!(!text.contains(secret), "{text}");
        }
        let lines: Vec<String> = changes.iter().map(show).collect();
        assert_eq!(
            lines,
            [
                "data.pw: secret Some(7) -> Some(9)",
                "metadata.annotations.a: secret Some(7) -> Some(7)",
                "metadata.labels.v: \"1\" -> \"2\"",
                "stringData: secret Some(11) -> None",
            ]
        );
    }

    #[test]
    fn long_lists_are_cut_and_counted() {
        let old = json!({"data": (0..30).map(|i| (format!("k{i:02}"), json!("a"))).collect::<serde_json::Map<_, _>>()});
        let new = json!({"data": (0..30).map(|i| (format!("k{i:02}"), json!("b"))).collect::<serde_json::Map<_, _>>()});
        let (changes, more) = field_changes("ConfigMap", &old, &new);
        assert_eq!(changes.len(), MAX_CHANGES);
        assert_eq!(more, 10);
    }
}
