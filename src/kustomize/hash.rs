//! The content-hash name suffix kustomize gives generated ConfigMaps and Secrets
//! (`api/hasher`): sha256 of a Go-JSON encoding of the data, ten characters, re-alphabeted.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Go `encoding/json` output for a value: sorted keys, compact, HTML-escaped.
pub fn go_json(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The ten-character suffix for an already-built encoding.
fn encode(encoded: &str) -> String {
    let digest = Sha256::digest(encoded.as_bytes());
    let mut hex = String::with_capacity(10);
    for b in digest.iter().take(5) {
        hex.push_str(&format!("{b:02x}"));
    }
    hex.chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// The suffix for a ConfigMap or Secret object; `None` for other kinds.
///
/// kustomize looks the name up under a literal key `metadata/name`, finds nothing and
/// hashes `""`: the name never influences the suffix.
pub fn suffix(obj: &Value) -> Option<String> {
    let kind = obj.get("kind")?.as_str()?;
    let field = |k: &str| obj.get(k).cloned();
    let data = field("data").unwrap_or(Value::String(String::new()));
    let mut m = Map::new();
    m.insert("kind".into(), Value::String(kind.into()));
    m.insert("name".into(), Value::String(String::new()));
    m.insert("data".into(), data);
    match kind {
        "ConfigMap" => {
            if let Some(b @ Value::Object(_)) = field("binaryData") {
                m.insert("binaryData".into(), b);
            }
        }
        "Secret" => {
            let t = field("type").unwrap_or(Value::String(String::new()));
            m.insert("type".into(), t);
            if let Some(s @ Value::Object(_)) = field("stringData") {
                m.insert("stringData".into(), s);
            }
        }
        _ => return None,
    }
    Some(encode(&go_json(&Value::Object(m))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kustomize_hasher_vectors() {
        assert_eq!(suffix(&json!({"kind": "ConfigMap"})).unwrap(), "6ct58987ht");
        assert_eq!(
            suffix(&json!({"kind": "ConfigMap", "data": {"two": 2, "one": "", "three": 3}}))
                .unwrap(),
            "7757f9kkct"
        );
        assert_eq!(
            suffix(&json!({"kind": "ConfigMap", "data": {"one": ""}, "binaryData": {"two": ""}}))
                .unwrap(),
            "698h7c7t9m"
        );
        assert_eq!(
            suffix(
                &json!({"kind": "Secret", "type": "my-type", "data": {"one": ""},
                "stringData": {"two": 2}})
            )
            .unwrap(),
            "c4h4264gdb"
        );
    }

    #[test]
    fn html_characters_are_escaped_like_go() {
        assert_eq!(
            go_json(&json!({"a": "<&>"})),
            r#"{"a":"\u003c\u0026\u003e"}"#
        );
    }
}
