//! Resource files: read with the build's limits, `*List` kinds flattened as kustomize
//! does, each object checked (a mapping with a kind and a name).

use std::path::Path;

use serde_json::Value;

use crate::kustomize::error::{Error, Result};
use crate::kustomize::loader::{Loader, yaml_message};
use crate::resource::Resource;
use crate::yaml::{Schema as YamlSchema, parse_stream_with_limits};

/// The items of a `*List` reach kustomize through JSON, so their annotation values become
/// JSON text (`1.0` → `"1"`, `true` → `"true"`).
fn json_text_annotations(item: &mut Value) {
    if let Some(Value::Object(a)) = item.pointer_mut("/metadata/annotations") {
        for v in a.values_mut() {
            let text = match &*v {
                Value::String(_) => continue,
                Value::Null => "null".to_string(),
                Value::Number(n) => match n.as_f64() {
                    Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e21 => {
                        format!("{}", f as i128)
                    }
                    _ => n.to_string(),
                },
                other => other.to_string(),
            };
            *v = Value::String(text);
        }
    }
}

/// Reads the objects of a resource file, flattening `*List` kinds as kustomize does, and
/// the number of YAML nodes the file produced.
pub(crate) fn read_resources(
    ldr: &Loader,
    path: &Path,
    referrer: &str,
) -> Result<(Vec<Resource>, usize)> {
    read_resources_within(ldr, path, referrer, ldr.limits.max_yaml_nodes)
}

/// [`read_resources`] with at most `max_nodes` YAML nodes.
pub(super) fn read_resources_within(
    ldr: &Loader,
    path: &Path,
    referrer: &str,
    max_nodes: usize,
) -> Result<(Vec<Resource>, usize)> {
    let text = ldr.read_text_at(path, referrer)?;
    let limits = crate::yaml::Limits {
        max_nodes,
        ..ldr.limits.yaml()
    };
    let docs =
        parse_stream_with_limits(&text, YamlSchema::Kyaml, limits).map_err(|e| Error::Yaml {
            path: path.to_path_buf(),
            line: e.line,
            message: yaml_message(e.message),
        })?;
    if docs.len() > ldr.limits.max_documents_per_file {
        return Err(Error::Limit {
            path: path.to_path_buf(),
            what: format!("the file holds {} documents", docs.len()),
            limit: ldr.limits.max_documents_per_file as u64,
            flag: "--max-documents-per-file",
        });
    }
    let invalid = |line: usize, message: String| Error::InvalidResource {
        path: path.to_path_buf(),
        line,
        message,
    };
    let nodes = docs.iter().map(|d| d.nodes).sum();
    let mut queue: std::collections::VecDeque<(Value, usize, Vec<Vec<String>>)> = docs
        .into_iter()
        .map(|d| (d.value, d.line, d.empty_fields))
        .collect();
    let mut out = Vec::new();
    let origin = path.display().to_string();
    while let Some((v, line, empty_fields)) = queue.pop_front() {
        let Value::Object(m) = &v else {
            return Err(invalid(
                line,
                "expected a YAML mapping (a Kubernetes object)".into(),
            ));
        };
        let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.is_empty() {
            return Err(invalid(line, "missing kind in object".into()));
        }
        if kind.ends_with("List") {
            match m.get("items") {
                None => {}
                Some(Value::Null) => continue,
                Some(Value::Array(items)) => {
                    queue.extend(items.iter().cloned().map(|mut i| {
                        json_text_annotations(&mut i);
                        (i, line, Vec::new())
                    }));
                    continue;
                }
                Some(_) => {
                    return Err(invalid(line, format!("expected array in {kind}/items")));
                }
            }
        } else if v
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            return Err(invalid(
                line,
                format!("missing metadata.name in object of kind {kind}"),
            ));
        }
        let mut res = Resource::new(v, origin.clone());
        res.meta.empty_fields = empty_fields;
        out.push(res);
    }
    Ok((out, nodes))
}
