//! The release record a render appends: a RollbackManifest named after the app and the
//! short revision, pinning the rendered stream (its digest and each object's), every
//! workload's images and configs, the source and the renderer. Same input, same bytes: it
//! holds no time, host or path.

use serde_json::Value;

use super::digest::sha256;
use super::{RendererPin, ResourcePin, RollbackManifest, RollbackManifestSpec, SourcePin};
use crate::kustomize::order::Order;

/// The sync wave Argo CD applies the record in: after the app's own resources.
pub const RECORD_SYNC_WAVE: &str = "1000";

/// Annotations on every record. Old records are neither pruned nor counted as out of sync
/// once a newer revision no longer renders them.
pub const RECORD_ANNOTATIONS: [(&str, &str); 3] = [
    ("argocd.argoproj.io/sync-options", "Prune=false"),
    ("argocd.argoproj.io/compare-options", "IgnoreExtraneous"),
    ("argocd.argoproj.io/sync-wave", RECORD_SYNC_WAVE),
];

/// The largest record rollpin writes: etcd's default request limit (1.5 MiB). A bigger
/// object would be refused by the API server when Argo CD applies it.
pub const MAX_RECORD_BYTES: usize = 1536 * 1024;

/// The label naming the app a record belongs to.
pub const APP_LABEL: &str = "rollpin.dev/app";

/// What the record says about where the render came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordInput {
    /// The app (Argo CD Application name).
    pub app: String,
    /// The namespace to put the record in (None: the Application's destination).
    pub namespace: Option<String>,
    /// The short revision for the record's name (None: derived from `source.revision`).
    pub revision_short: Option<String>,
    /// Repository, path, revision, target revision.
    pub source: SourcePin,
    /// The `--reorder` option as given (`legacy`, `none` or empty).
    pub reorder: String,
    /// Images pinned after the render, and the digest of the stream before them.
    pub pinned: Option<(String, std::collections::BTreeMap<String, String>)>,
}

/// How the record names a `--reorder` choice: `legacy`, `none`, or empty for the default.
pub fn reorder_name(order: &Option<Order>) -> &'static str {
    match order {
        None => "",
        Some(Order::Fifo) => "none",
        Some(Order::Legacy { .. }) => "legacy",
    }
}

/// The `--reorder` choice a record names; `None` for a name rollpin does not know.
pub fn reorder_from_name(name: &str) -> Option<Option<Order>> {
    match name {
        "" => Some(None),
        "legacy" => Some(Some(Order::legacy())),
        "none" => Some(Some(Order::Fifo)),
        _ => None,
    }
}

/// A record cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("release record: {0}")]
pub struct RecordError(pub String);

/// The record's name: `<app>-<short revision>`, lower-cased, anything outside
/// `[a-z0-9.-]` replaced by `-`, at most 253 characters (a DNS subdomain).
pub fn release_name(app: &str, revision_short: &str) -> Result<String, RecordError> {
    let clean = |s: &str| -> String {
        let mapped: String = s
            .chars()
            .map(|c| {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        mapped
            .trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_string()
    };
    let app_name = clean(app);
    let rev = clean(revision_short);
    if app_name.is_empty() {
        return Err(RecordError(if app.is_empty() {
            "the app name is empty: set --app or ARGOCD_APP_NAME".into()
        } else {
            format!("the app name {app:?} has no letter or digit to name the record with")
        }));
    }
    if rev.is_empty() {
        return Err(RecordError(
            "the revision is empty: set --revision or ARGOCD_APP_REVISION".into(),
        ));
    }
    let room = 253usize.saturating_sub(rev.len() + 1).max(1);
    let app: String = app_name.chars().take(room).collect();
    let app = app.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    Ok(format!("{app}-{rev}"))
}

/// A `--revision` flag's value: a commit SHA (at least 7 hexadecimal digits), never a
/// branch or tag, which names no fixed revision.
pub fn parse_commit(value: &str) -> Result<String, String> {
    let bad = value.chars().find(|c| !c.is_ascii_hexdigit());
    match bad {
        Some(c) => Err(format!(
            "{value:?} is not a commit SHA ({c:?} is not a hexadecimal digit); a branch or \
             tag names no fixed revision: give the commit (`git rev-parse {value}`)"
        )),
        None if value.len() < 7 => Err(format!(
            "{value:?} is too short: give at least 7 hexadecimal digits of the commit"
        )),
        None if value.len() > 64 => Err(format!(
            "{value:?} is {} digits long; a commit SHA has 40 (SHA-1) or 64 (SHA-256)",
            value.len()
        )),
        None => Ok(value.to_ascii_lowercase()),
    }
}

/// A short revision as Argo CD shows one: the first 7 characters of a commit SHA, any other
/// revision (a chart version) whole.
pub fn short_revision(revision: &str) -> &str {
    let is_sha = revision.len() >= 7 && revision.bytes().all(|b| b.is_ascii_hexdigit());
    if is_sha { &revision[..7] } else { revision }
}

fn is_label_value(v: &str) -> bool {
    v.len() <= 63
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && v.bytes().next().is_none_or(|b| b.is_ascii_alphanumeric())
        && v.bytes().last().is_none_or(|b| b.is_ascii_alphanumeric())
}

/// A render's digest as a record's `spec.renderDigest` holds it: `sha256:` of the stream
/// exactly as `rollpin render` prints it without the record. The render guard
/// ([`super::guard`]) compares with the same value.
pub fn render_digest(stream: &str) -> String {
    sha256(stream.as_bytes())
}

/// The spec of a record for `objects`, rendered as `stream` (without any record). Each
/// object's digest is taken over its document in `stream` when the stream holds one
/// document per object (as `rollpin render` writes it); otherwise each object is written
/// again.
pub fn spec_for(input: &RecordInput, objects: &[&Value], stream: &str) -> RollbackManifestSpec {
    let docs = crate::yaml::split_stream(stream);
    let docs = (docs.len() == objects.len()).then_some(docs);
    let resources = objects
        .iter()
        .enumerate()
        .map(|(i, obj)| {
            let s = |p: &str| {
                obj.pointer(p)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let digest = match &docs {
                Some(docs) => sha256(docs[i].as_bytes()),
                None => {
                    let mut doc = String::new();
                    crate::yaml::write_document(obj, &mut doc);
                    sha256(doc.as_bytes())
                }
            };
            ResourcePin {
                api_version: s("/apiVersion"),
                kind: s("/kind"),
                namespace: s("/metadata/namespace"),
                name: s("/metadata/name"),
                sha256: digest,
            }
        })
        .collect();
    RollbackManifestSpec {
        app: input.app.clone(),
        source: input.source.clone(),
        renderer: RendererPin {
            name: "rollpin".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            reorder: input.reorder.clone(),
            pin_images: input
                .pinned
                .as_ref()
                .map(|(_, p)| p.clone())
                .unwrap_or_default(),
        },
        render_digest: match &input.pinned {
            Some((unpinned, _)) => unpinned.clone(),
            None => render_digest(stream),
        },
        resources,
        workloads: super::pins::recorded_workloads(objects.iter().copied()),
        images: super::pins::images(objects.iter().copied()),
    }
}

/// The record for `objects`, rendered as `stream`, as an object ready to write.
pub fn record(input: &RecordInput, objects: &[&Value], stream: &str) -> Result<Value, RecordError> {
    let mut missing = Vec::new();
    if input.app.is_empty() {
        missing.push("no app name: set --app or ARGOCD_APP_NAME");
    }
    if input.source.revision.is_empty() {
        missing.push("no revision to pin: set --revision or ARGOCD_APP_REVISION");
    }
    if !missing.is_empty() {
        return Err(RecordError(missing.join("; ")));
    }
    let short = match input.revision_short.as_deref() {
        Some(s) if !s.is_empty() => s,
        _ => short_revision(&input.source.revision),
    };
    let name = release_name(&input.app, short)?;
    let mut rm = RollbackManifest::new(&name, spec_for(input, objects, stream));
    rm.metadata.namespace = input.namespace.clone().filter(|n| !n.is_empty());
    let mut labels = std::collections::BTreeMap::new();
    labels.insert(
        "app.kubernetes.io/managed-by".to_string(),
        "rollpin".to_string(),
    );
    if is_label_value(&input.app) {
        labels.insert(APP_LABEL.to_string(), input.app.clone());
    }
    rm.metadata.labels = Some(labels);
    rm.metadata.annotations = Some(
        RECORD_ANNOTATIONS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    serde_json::to_value(&rm).map_err(|e| RecordError(e.to_string()))
}

/// The record as a YAML document, refused when it is too big to store.
pub fn write_record(record: &Value) -> Result<String, RecordError> {
    let mut doc = String::new();
    crate::yaml::write_document(record, &mut doc);
    if doc.len() > MAX_RECORD_BYTES {
        let objects = record
            .pointer("/spec/resources")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        return Err(RecordError(format!(
            "the record for {objects} objects is {} bytes, over the {MAX_RECORD_BYTES}-byte limit \
             an object can have in etcd; split the app or render without --release-record",
            doc.len()
        )));
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_follow_app_and_short_revision() {
        assert_eq!(
            release_name("Shop_Front", "ABC1234").unwrap(),
            "shop-front-abc1234"
        );
        assert_eq!(
            short_revision("0123456789abcdef0123456789abcdef01234567"),
            "0123456"
        );
        assert_eq!(short_revision("1.4.2"), "1.4.2");
        let long = "a".repeat(300);
        let name = release_name(&long, "0123456").unwrap();
        assert_eq!(name.len(), 253);
        assert!(name.ends_with("-0123456"));
        assert!(release_name("", "0123456").unwrap_err().0.contains("--app"));
        assert_eq!(
            release_name("__", "0123456").unwrap_err().0,
            "the app name \"__\" has no letter or digit to name the record with"
        );
        assert!(
            release_name("shop", "")
                .unwrap_err()
                .0
                .contains("--revision")
        );
    }

    #[test]
    fn record_pins_stream_and_objects() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}});
        let objs = [&cm];
        let mut stream = String::new();
        crate::yaml::write_stream(objs.iter().copied(), &mut stream);
        let input = RecordInput {
            app: "shop".into(),
            source: SourcePin {
                revision: "0123456789abcdef0123456789abcdef01234567".into(),
                ..SourcePin::default()
            },
            ..RecordInput::default()
        };
        let rec = record(&input, &objs, &stream).unwrap();
        assert_eq!(rec["metadata"]["name"], "shop-0123456");
        assert_eq!(rec["kind"], "RollbackManifest");
        assert_eq!(rec["apiVersion"], "rollpin.dev/v1alpha1");
        assert_eq!(
            rec["spec"]["renderDigest"],
            sha256(stream.as_bytes()).as_str()
        );
        assert_eq!(
            rec["spec"]["resources"][0]["sha256"],
            sha256(stream.as_bytes()).as_str()
        );
        assert_eq!(
            rec["metadata"]["annotations"]["argocd.argoproj.io/sync-options"],
            "Prune=false"
        );
        assert!(rec.get("status").is_none());
        assert!(
            write_record(&rec)
                .unwrap()
                .starts_with("apiVersion: rollpin.dev/v1alpha1\n")
        );
        let many: Vec<Value> = (0..12000)
            .map(|i| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("c{i}")}}))
            .collect();
        let refs: Vec<&Value> = many.iter().collect();
        let big = record(&input, &refs, "").unwrap();
        let e = write_record(&big).err().map(|e| e.0).unwrap_or_default();
        assert!(e.contains("the record for 12000 objects is "), "{e}");
        let no_rev = RecordInput {
            app: "shop".into(),
            ..RecordInput::default()
        };
        assert!(
            record(&no_rev, &objs, &stream)
                .unwrap_err()
                .0
                .contains("--revision")
        );
    }
}
