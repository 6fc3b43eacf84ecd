//! Field specs: "this path in objects of this kind", the unit every kustomize transformer
//! is configured with, and the walker that visits (and creates) those fields the way
//! kustomize's `fieldspec` filter does. The built-in tables live in
//! `builtin_field_specs.txt`.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::resource::Gvk;

/// A field path in objects selected by group/version/kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Group selector (empty: any).
    #[serde(default)]
    pub group: String,
    /// Version selector (empty: any).
    #[serde(default)]
    pub version: String,
    /// Kind selector (empty: any).
    #[serde(default)]
    pub kind: String,
    /// `/`-separated path; `\/` escapes a slash; `name[]` marks a list.
    #[serde(default)]
    pub path: String,
    /// Create the field when it is missing.
    #[serde(default)]
    pub create: bool,
}

impl FieldSpec {
    /// The group/version/kind selector.
    pub fn gvk(&self) -> Gvk {
        Gvk {
            group: self.group.clone(),
            version: self.version.clone(),
            kind: self.kind.clone(),
        }
    }

    /// True when an object of `gvk` is selected.
    pub fn selects(&self, gvk: &Gvk) -> bool {
        (self.kind.is_empty() || self.kind == gvk.kind)
            && (self.group.is_empty() || self.group == gvk.group)
            && (self.version.is_empty() || self.version == gvk.version)
    }

    /// The path split into segments.
    pub fn segments(&self) -> Vec<String> {
        split_path(&self.path)
    }
}

/// Splits a field-spec path on `/`, honouring `\/` escapes.
pub fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                cur.push('/');
                chars.next();
            }
            '/' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// What to create at the end of a missing path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    /// A mapping (labels, annotations).
    Map,
    /// A scalar (namespace, replicas).
    Scalar,
}

/// Visits every node at `path` in `node`, creating missing fields when `create` is given,
/// and calls `set` on each. Lists are stepped through implicitly.
pub fn walk(
    node: &mut Value,
    path: &[String],
    create: Option<CreateKind>,
    set: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let Some((head, rest)) = path.split_first() else {
        return set(node);
    };
    match node {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items {
                walk(item, path, create, set)?;
            }
            Ok(())
        }
        Value::Object(map) => {
            let (name, is_seq) = match head.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (head.as_str(), false),
            };
            if name.is_empty() {
                return Err("cannot set or create an empty field name".into());
            }
            let field = match create {
                Some(kind) if !is_seq => map.entry(name.to_string()).or_insert_with(|| {
                    if rest.is_empty() && kind == CreateKind::Scalar {
                        Value::String(String::new())
                    } else {
                        Value::Object(Map::new())
                    }
                }),
                _ => match map.get_mut(name) {
                    Some(f) => f,
                    None => return Ok(()),
                },
            };
            if field.is_null() {
                if is_seq {
                    *field = Value::Array(Vec::new());
                } else if let Some(kind) = create {
                    *field = if rest.is_empty() && kind == CreateKind::Scalar {
                        Value::String(String::new())
                    } else {
                        Value::Object(Map::new())
                    };
                }
            }
            walk(field, rest, create, set)
        }
        _ => Err(format!(
            "expected sequence or mapping node at '{}'",
            path.join("/")
        )),
    }
}

/// The field specs each transformer uses (kustomize's `TransformerConfig`).
#[derive(Debug, Clone, Default)]
pub struct TransformerConfig {
    /// namePrefix.
    pub name_prefix: Vec<FieldSpec>,
    /// nameSuffix.
    pub name_suffix: Vec<FieldSpec>,
    /// commonLabels (selectors, templates and metadata).
    pub common_labels: Vec<FieldSpec>,
    /// templateLabels (metadata and templates).
    pub template_labels: Vec<FieldSpec>,
    /// labels from `configurations`.
    pub labels: Vec<FieldSpec>,
    /// commonAnnotations.
    pub common_annotations: Vec<FieldSpec>,
    /// namespace.
    pub namespace: Vec<FieldSpec>,
    /// images.
    pub images: Vec<FieldSpec>,
    /// replicas.
    pub replicas: Vec<FieldSpec>,
    /// varReference: fields where `$(VAR)` is substituted.
    pub var_reference: Vec<FieldSpec>,
    /// nameReference: referral kind → referrer fields.
    pub name_reference: Vec<NameBackReference>,
}

/// Fields that refer to objects of one kind by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameBackReference {
    /// The referred-to kind.
    pub referral: Gvk,
    /// Fields in other objects that hold its name.
    pub referrers: Vec<FieldSpec>,
}

fn parse_selector(s: &str) -> Gvk {
    if s == "*" {
        return Gvk::default();
    }
    let (kg, version) = match s.rfind('/') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let (kind, group) = match kg.find('.') {
        Some(i) => (&kg[..i], &kg[i + 1..]),
        None => (kg, ""),
    };
    Gvk {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
    }
}

fn parse_builtin(text: &str) -> TransformerConfig {
    let mut tc = TransformerConfig::default();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(h) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = h.to_string();
            if let Some(referral) = h.strip_prefix("nameReference ") {
                tc.name_reference.push(NameBackReference {
                    referral: parse_selector(referral),
                    referrers: Vec::new(),
                });
            }
            continue;
        }
        let mut parts = line.split_whitespace();
        let path = parts.next().unwrap_or_default().to_string();
        let gvk = parse_selector(parts.next().unwrap_or("*"));
        let create = parts.next() == Some("create");
        let fs = FieldSpec {
            group: gvk.group,
            version: gvk.version,
            kind: gvk.kind,
            path,
            create,
        };
        let list = match section.as_str() {
            "namePrefix" => &mut tc.name_prefix,
            "nameSuffix" => &mut tc.name_suffix,
            "commonLabels" => &mut tc.common_labels,
            "templateLabels" => &mut tc.template_labels,
            "commonAnnotations" => &mut tc.common_annotations,
            "namespace" => &mut tc.namespace,
            "images" => &mut tc.images,
            "replicas" => &mut tc.replicas,
            "varReference" => &mut tc.var_reference,
            _ => match tc.name_reference.last_mut() {
                Some(nr) => &mut nr.referrers,
                None => continue,
            },
        };
        list.push(fs);
    }
    tc
}

/// kustomize 5.5's built-in transformer configuration.
pub fn builtin() -> &'static TransformerConfig {
    static CONFIG: OnceLock<TransformerConfig> = OnceLock::new();
    CONFIG.get_or_init(|| parse_builtin(include_str!("builtin_field_specs.txt")))
}

/// Appends the specs of `extra` not already in `base` (kustomize's `FsSlice.MergeAll`);
/// the same field with a different `create` is a conflict.
pub fn merge_specs(base: &mut Vec<FieldSpec>, extra: &[FieldSpec]) -> Result<(), String> {
    for fs in extra {
        // kustomize's `effectivelyEquals`: an existing spec for the same path whose kind is
        // selected by the incoming one's (a more specific spec absorbs a general one).
        if let Some(existing) = base
            .iter()
            .find(|b| b.path == fs.path && b.gvk().is_selected_by(&fs.gvk()))
        {
            if existing.create != fs.create {
                return Err(format!(
                    "conflicting fieldspecs for path '{}' of {}",
                    fs.path,
                    fs.gvk()
                ));
            }
        } else {
            base.push(fs.clone());
        }
    }
    Ok(())
}

impl TransformerConfig {
    /// Merges `other` into this configuration (kustomize's `TransformerConfig.Merge`).
    pub fn merge(&mut self, other: &TransformerConfig) -> Result<(), String> {
        merge_specs(&mut self.name_prefix, &other.name_prefix)?;
        merge_specs(&mut self.name_suffix, &other.name_suffix)?;
        merge_specs(&mut self.namespace, &other.namespace)?;
        merge_specs(&mut self.common_annotations, &other.common_annotations)?;
        merge_specs(&mut self.common_labels, &other.common_labels)?;
        merge_specs(&mut self.labels, &other.labels)?;
        merge_specs(&mut self.template_labels, &other.template_labels)?;
        merge_specs(&mut self.var_reference, &other.var_reference)?;
        merge_specs(&mut self.images, &other.images)?;
        merge_specs(&mut self.replicas, &other.replicas)?;
        for nbr in &other.name_reference {
            match self
                .name_reference
                .iter_mut()
                .find(|n| n.referral == nbr.referral)
            {
                Some(existing) => merge_specs(&mut existing.referrers, &nbr.referrers)?,
                None => self.name_reference.push(nbr.clone()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tables_load() {
        let tc = builtin();
        assert_eq!(tc.name_prefix.len(), 1);
        assert!(
            tc.common_labels
                .iter()
                .any(|f| f.kind == "Service" && f.create)
        );
        let ingress_class = tc
            .name_reference
            .iter()
            .find(|n| n.referral.kind == "IngressClass")
            .map(|n| n.referral.group.clone());
        assert_eq!(ingress_class.as_deref(), Some("networking.k8s.io/v1"));
        assert!(tc.name_reference.len() > 10);
    }

    #[test]
    fn escaped_slash_stays_in_segment() {
        assert_eq!(
            split_path("metadata/annotations/a.io\\/b"),
            vec!["metadata", "annotations", "a.io/b"]
        );
    }

    #[test]
    fn walk_creates_and_steps_through_lists() {
        let mut v = serde_json::json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        let path = split_path("spec/containers[]/image");
        let mut n = 0;
        walk(&mut v, &path, None, &mut |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 0, "image is missing and not created");
        let path = split_path("metadata/labels");
        walk(&mut v, &path, Some(CreateKind::Map), &mut |node| {
            node.as_object_mut().unwrap().insert("a".into(), "b".into());
            Ok(())
        })
        .unwrap();
        assert_eq!(v["metadata"]["labels"]["a"], "b");
    }
}
