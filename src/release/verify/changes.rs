//! Puts field-by-field changes on the drifts whose two versions can be read: the
//! recorded version from the record file when it is the render's output (each document
//! trusted only when it hashes to the digest the record pins), the version found from the
//! re-render or the live objects.

use std::collections::HashMap;

use serde_json::Value;

use super::field_changes;
use crate::release::Drift;
use crate::release::digest::{config_content, content_sha256, sha256};

/// The recorded versions of objects: the documents of the record file, by digest, and its
/// objects.
pub struct Recorded<'a> {
    by_digest: HashMap<String, &'a str>,
    objects: &'a [Value],
}

impl<'a> Recorded<'a> {
    /// The record file's text and its objects (the record among them).
    pub fn new(text: &'a str, objects: &'a [Value]) -> Recorded<'a> {
        let by_digest = crate::yaml::split_stream(text)
            .into_iter()
            .map(|doc| (sha256(doc.as_bytes()), doc))
            .collect();
        Recorded { by_digest, objects }
    }

    /// The object whose document has the digest `sha`.
    fn object(&self, sha: &str) -> Option<Value> {
        let doc = self.by_digest.get(sha)?;
        let mut docs = crate::yaml::parse_stream(doc, crate::yaml::Schema::Kyaml).ok()?;
        (docs.len() == 1).then(|| docs.remove(0).value)
    }

    /// The config `kind namespace/name` whose content has the digest `sha`.
    fn config(&self, kind: &str, namespace: &str, name: &str, sha: &str) -> Option<&'a Value> {
        self.objects
            .iter()
            .find(|o| is(o, kind, namespace, name) && content_sha256(o) == sha)
    }
}

fn is(o: &Value, kind: &str, namespace: &str, name: &str) -> bool {
    let s = |p: &str| o.pointer(p).and_then(Value::as_str).unwrap_or("");
    s("/kind") == kind
        && s("/metadata/name") == name
        && (namespace.is_empty() || s("/metadata/namespace") == namespace)
}

/// Fills in `changes` for every object and config drift whose recorded and found versions
/// are both at hand; returns how many such drifts had only digests to show.
pub fn attach_changes(drift: &mut [Drift], recorded: &Recorded<'_>, found: &[&Value]) -> usize {
    let mut digests_only = 0;
    for d in drift.iter_mut() {
        let (Some(expected), Some(_)) = (&d.expected, &d.actual) else {
            continue;
        };
        let name = d.renamed_to.as_deref().unwrap_or(&d.name);
        let now = found
            .iter()
            .copied()
            .find(|o| is(o, &d.kind, &d.namespace, name));
        let changes = match d.field.as_str() {
            "object" => recorded
                .object(expected)
                .zip(now)
                .map(|(old, now)| field_changes(&d.kind, &old, now)),
            "config" => recorded
                .config(&d.kind, &d.namespace, &d.name, expected)
                .zip(now)
                .map(|(old, now)| {
                    field_changes(&d.kind, &config_content(old), &config_content(now))
                }),
            _ => continue,
        };
        match changes {
            Some((changes, more)) => {
                d.changes = changes;
                d.changes_omitted = (more > 0).then_some(more as i64);
            }
            None => digests_only += 1,
        }
    }
    digests_only
}
