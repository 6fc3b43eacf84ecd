//! `configurations:` files: extra field specs for the built-in transformers (name
//! references of custom resources, `$(VAR)` fields, labels, images …), in kustomize's
//! transformer-config format. They merge into the build's configuration and flow up to
//! every kustomization that includes this one.

use serde_json::Value;

use crate::kustomize::field_spec::{FieldSpec, NameBackReference, TransformerConfig};
use crate::resource::Gvk;
use crate::yaml::Schema;

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or("").to_string()
}

fn field_spec(v: &Value) -> Result<FieldSpec, String> {
    if !v.is_object() {
        return Err("a field spec must be a mapping".into());
    }
    Ok(FieldSpec {
        group: text(v.get("group")),
        version: text(v.get("version")),
        kind: text(v.get("kind")),
        path: text(v.get("path")),
        create: v.get("create").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// A list of field specs under `key` (absent or null: none).
pub fn specs(v: Option<&Value>, key: &str) -> Result<Vec<FieldSpec>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(field_spec)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{key}: {e}")),
        Some(_) => Err(format!("{key}: expected a list of field specs")),
    }
}

/// Parses one configuration file's text (unknown keys are ignored, as kustomize does).
pub fn parse(text_in: &str) -> Result<TransformerConfig, String> {
    parse_with_limits(text_in, crate::yaml::Limits::DEFAULT)
}

/// [`parse`] with the YAML reader's bounds.
pub fn parse_with_limits(
    text_in: &str,
    limits: crate::yaml::Limits,
) -> Result<TransformerConfig, String> {
    let docs = crate::yaml::parse_stream_with_limits(text_in, Schema::Yaml11, limits)
        .map_err(|e| e.to_string())?;
    let Some(doc) = docs.into_iter().next() else {
        return Ok(TransformerConfig::default());
    };
    let v = doc.value;
    if !v.is_object() {
        return Err("a transformer configuration must be a mapping".into());
    }
    let mut tc = TransformerConfig {
        name_prefix: specs(v.get("namePrefix"), "namePrefix")?,
        name_suffix: specs(v.get("nameSuffix"), "nameSuffix")?,
        namespace: specs(v.get("namespace"), "namespace")?,
        common_labels: specs(v.get("commonLabels"), "commonLabels")?,
        template_labels: specs(v.get("templateLabels"), "templateLabels")?,
        labels: specs(v.get("labels"), "labels")?,
        common_annotations: specs(v.get("commonAnnotations"), "commonAnnotations")?,
        images: specs(v.get("images"), "images")?,
        replicas: specs(v.get("replicas"), "replicas")?,
        var_reference: specs(v.get("varReference"), "varReference")?,
        name_reference: Vec::new(),
    };
    match v.get("nameReference") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let referral = Gvk {
                    group: text(item.get("group")),
                    version: text(item.get("version")),
                    kind: text(item.get("kind")),
                };
                let referrers = specs(item.get("fieldSpecs"), "nameReference.fieldSpecs")?;
                let nbr = NameBackReference {
                    referral,
                    referrers,
                };
                let mut one = TransformerConfig::default();
                one.name_reference.push(nbr);
                tc.merge(&one)?;
            }
        }
        Some(_) => return Err("nameReference: expected a list".into()),
    }
    Ok(tc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_name_and_var_references() {
        let tc = parse(
            "nameReference:\n- kind: Issuer\n  group: cert-manager.io\n  fieldSpecs:\n  - kind: Certificate\n    group: cert-manager.io\n    path: spec/issuerRef/name\nvarReference:\n- path: spec/http/route/destination/host\n  kind: VirtualService\nunknownKey: 1\n",
        )
        .unwrap();
        assert_eq!(tc.name_reference.len(), 1);
        assert_eq!(tc.name_reference[0].referral.kind, "Issuer");
        assert_eq!(
            tc.name_reference[0].referrers[0].path,
            "spec/issuerRef/name"
        );
        assert_eq!(tc.var_reference[0].kind, "VirtualService");
    }

    #[test]
    fn conflicting_create_is_an_error() {
        let mut a = parse("images:\n- path: spec/image\n  create: true\n").unwrap();
        let b = parse("images:\n- path: spec/image\n").unwrap();
        assert!(a.merge(&b).is_err());
    }
}
