//! Digests: `sha256:<hex>` of bytes, of a ConfigMap's or Secret's content, and the digest
//! part of an image reference (`repo[:tag]@algorithm:hex`).

use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// `sha256:<64 hex digits>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest.iter() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Fields that are not a config's content: identity, labels and annotations, status.
const NOT_CONTENT: [&str; 4] = ["apiVersion", "kind", "metadata", "status"];

/// `sha256:…` of a ConfigMap's or Secret's content: every top-level field but
/// apiVersion, kind, metadata and status (`data`, `binaryData`, `stringData`, `type`,
/// `immutable`), as JSON with sorted keys, so a relabelled config keeps its hash and the
/// same content always gives the same hash.
///
/// A Secret is hashed as the API server stores it, so a rendered Secret and the live one
/// agree: `stringData` entries are folded into `data` (base64, winning over `data`) and a
/// missing `type` is `Opaque`; base64 values (Secret `data`, ConfigMap `binaryData`) are
/// hashed without line breaks.
pub fn content_sha256(obj: &Value) -> String {
    let mut text = String::new();
    canonical_json(&config_content(obj), &mut text);
    sha256(text.as_bytes())
}

/// A config's content as [`content_sha256`] hashes it: the top-level fields but
/// apiVersion, kind, metadata and status, a Secret's `stringData` folded into `data`,
/// base64 values unwrapped.
pub fn config_content(obj: &Value) -> Value {
    let mut content: serde_json::Map<String, Value> = obj
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !NOT_CONTENT.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let kind = obj.get("kind").and_then(Value::as_str);
    if kind == Some("Secret") {
        fold_string_data(&mut content);
    }
    // kustomize wraps long base64 values at 70 characters; the API server stores them
    // unwrapped.
    let base64_field = if kind == Some("Secret") {
        "data"
    } else {
        "binaryData"
    };
    if let Some(Value::Object(m)) = content.get_mut(base64_field) {
        for v in m.values_mut() {
            if let Value::String(s) = v {
                s.retain(|c| !c.is_ascii_whitespace());
            }
        }
    }
    Value::Object(content)
}

/// `sha256:…` of a workload with its pod template removed (`spec.template`, or a
/// CronJob's `spec.jobTemplate.spec.template`; a Pod's `spec`), as JSON with sorted keys.
pub fn outside_template_sha256(obj: &Value) -> String {
    let mut rest = obj.clone();
    for pointer in ["/spec/template", "/spec/jobTemplate/spec/template"] {
        let Some((parent, key)) = pointer.rsplit_once('/') else {
            continue;
        };
        if let Some(Value::Object(m)) = rest.pointer_mut(parent) {
            m.remove(key);
        }
    }
    if obj.get("kind").and_then(Value::as_str) == Some("Pod")
        && let Value::Object(m) = &mut rest
    {
        m.remove("spec");
    }
    let mut text = String::new();
    canonical_json(&rest, &mut text);
    sha256(text.as_bytes())
}

/// The API server's view of a Secret: `stringData` moved into `data`, `type` defaulted.
fn fold_string_data(content: &mut serde_json::Map<String, Value>) {
    use base64::Engine as _;
    if let Some(Value::Object(string_data)) = content.remove("stringData") {
        let data = content
            .entry("data")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Value::Object(data) = data {
            for (k, v) in string_data {
                let text = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
                data.insert(k, Value::String(encoded));
            }
        }
    }
    if content
        .get("data")
        .is_some_and(|d| d.as_object().is_some_and(|m| m.is_empty()))
    {
        content.remove("data");
    }
    content
        .entry("type")
        .or_insert_with(|| Value::String("Opaque".into()));
}

/// JSON with object keys sorted at every level (whatever map type serde_json was built
/// with), no whitespace.
pub(crate) fn canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical_json(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// How an image reference is pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImagePin<'a> {
    /// `…@algorithm:hex` with a well-formed digest: the digest.
    Digest(&'a str),
    /// No `@`: a tag (or nothing, which means `latest`).
    Tag,
    /// An `@` with something that is not an OCI digest after it.
    Malformed(&'a str),
}

/// The pin of an image reference. A digest is `algorithm:encoded` as the OCI image spec
/// defines it; `sha256` needs 64 lowercase hex digits and `sha512` 128.
pub fn image_pin(image: &str) -> ImagePin<'_> {
    let Some((_, digest)) = image.rsplit_once('@') else {
        return ImagePin::Tag;
    };
    if is_digest(digest) {
        ImagePin::Digest(digest)
    } else {
        ImagePin::Malformed(digest)
    }
}

/// Whether `d` is an OCI digest, `algorithm:encoded`: `sha256` with 64 lowercase hex
/// digits, `sha512` with 128, any other algorithm (lowercase letters and digits, parts
/// joined by `+._-`) with a non-empty `[A-Za-z0-9=_-]` encoding.
pub fn is_digest(d: &str) -> bool {
    digest_problem(d).is_none()
}

/// Why `d` is not an OCI digest (length, alphabet, missing algorithm), or None when it is
/// one.
pub fn digest_problem(d: &str) -> Option<String> {
    let Some((algorithm, encoded)) = d.split_once(':') else {
        return Some("no ':' between the algorithm and the hex digits (sha256:<64 hex>)".into());
    };
    let lower_hex = |n: usize| {
        if let Some(c) = encoded
            .chars()
            .find(|c| !(c.is_ascii_digit() || ('a'..='f').contains(c)))
        {
            return Some(format!(
                "{c:?} is not a lowercase hexadecimal digit ({algorithm} takes 0-9 and a-f)"
            ));
        }
        (encoded.len() != n).then(|| {
            format!(
                "{algorithm} takes {n} hexadecimal digits, this has {}",
                encoded.len()
            )
        })
    };
    match algorithm {
        "sha256" => lower_hex(64),
        "sha512" => lower_hex(128),
        _ => {
            let alg_ok = !algorithm.is_empty()
                && algorithm.split(['+', '.', '_', '-']).all(|part| {
                    !part.is_empty()
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                });
            if !alg_ok {
                return Some(format!(
                    "the algorithm {algorithm:?} is not lowercase letters and digits \
                     (sha256, sha512)"
                ));
            }
            if encoded.is_empty() {
                return Some("nothing after the algorithm".into());
            }
            encoded
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '=' | '_' | '-')))
                .map(|c| format!("{c:?} is not allowed in a digest"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HEX64: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn image_pins() {
        let pinned = format!("ghcr.io/acme/web:1.2@sha256:{HEX64}");
        assert_eq!(
            image_pin(&pinned),
            ImagePin::Digest(&pinned[pinned.len() - 71..])
        );
        assert_eq!(image_pin("nginx"), ImagePin::Tag);
        assert_eq!(image_pin("registry:5000/nginx:1.25"), ImagePin::Tag);
        assert_eq!(
            image_pin("nginx@sha256:abc"),
            ImagePin::Malformed("sha256:abc")
        );
        let upper = format!("nginx@sha256:{}", HEX64.to_uppercase());
        assert!(matches!(image_pin(&upper), ImagePin::Malformed(_)));
        assert!(matches!(image_pin("nginx@latest"), ImagePin::Malformed(_)));
        assert_eq!(
            digest_problem("sha256:abc").as_deref(),
            Some("sha256 takes 64 hexadecimal digits, this has 3")
        );
        assert_eq!(
            digest_problem(&format!("sha256:{}", HEX64.to_uppercase())).as_deref(),
            Some("'A' is not a lowercase hexadecimal digit (sha256 takes 0-9 and a-f)")
        );
        assert!(digest_problem("latest").unwrap().starts_with("no ':'"));
        assert!(digest_problem("SHA256:x").unwrap().contains("\"SHA256\""));
        assert_eq!(digest_problem(&format!("sha256:{HEX64}")), None);
        assert!(matches!(
            image_pin("nginx@multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"),
            ImagePin::Digest(_)
        ));
    }

    #[test]
    fn content_hash_ignores_metadata_and_key_order() {
        let a = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "labels": {"x": "1"}}, "data": {"k": "v", "j": "w"}});
        let b = json!({"kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": "b"}, "data": {"j": "w", "k": "v"}});
        let c = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a"}, "data": {"k": "v2", "j": "w"}});
        assert_eq!(content_sha256(&a), content_sha256(&b));
        assert_ne!(content_sha256(&a), content_sha256(&c));
        let secret = json!({"kind": "Secret", "type": "Opaque", "data": {"k": "dg=="}});
        let retyped = json!({"kind": "Secret", "type": "kubernetes.io/tls", "data": {"k": "dg=="}});
        assert_ne!(content_sha256(&secret), content_sha256(&retyped));
        // What the API server stores for a rendered Secret hashes the same.
        let rendered = json!({"kind": "Secret", "stringData": {"k": "v"}, "data": {"j": "dw=="}});
        let live = json!({"kind": "Secret", "type": "Opaque", "data": {"j": "dw==", "k": "dg=="}});
        assert_eq!(content_sha256(&rendered), content_sha256(&live));
        let wrapped = json!({"kind": "ConfigMap", "binaryData": {"b": "AAAA\nAAAA"}});
        let unwrapped = json!({"kind": "ConfigMap", "binaryData": {"b": "AAAAAAAA"}});
        assert_eq!(content_sha256(&wrapped), content_sha256(&unwrapped));
    }
}
