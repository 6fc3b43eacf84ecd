//! `crds:`: OpenAPI definition files (`{"<pkg>.<Kind>": {"Schema": …, "Dependencies": …}}`)
//! whose `x-kubernetes-*` extensions tell the build which fields of a custom kind hold
//! annotations, label selectors, the object's own name, or the name of another object —
//! kustomize's `LoadConfigFromCRDs`, turned into transformer field specs.

use serde_json::Value;

use crate::kustomize::field_spec::{FieldSpec, NameBackReference, TransformerConfig};
use crate::resource::Gvk;

/// The field specs that the definitions in `doc` (one `crds:` file) declare.
pub fn config_from_definitions(doc: &Value) -> Result<TransformerConfig, String> {
    let Some(defs) = doc.as_object() else {
        return Err("expected a map of OpenAPI definitions".into());
    };
    let mut tc = TransformerConfig::default();
    let mut names: Vec<&String> = defs.keys().collect();
    names.sort();
    let mut visits = 0;
    for name in names {
        let Some(schema) = definition_schema(&defs[name.as_str()]) else {
            continue;
        };
        let props = properties(schema);
        if !["kind", "apiVersion", "metadata"]
            .iter()
            .all(|p| props.iter().any(|(k, _)| k == p))
        {
            continue;
        }
        // The kind is the type name's last dot-separated part; group and version stay open.
        let kind = name.rsplit('.').next().unwrap_or(name).to_string();
        let gvk = Gvk {
            kind,
            ..Gvk::default()
        };
        walk(&mut tc, &gvk, defs, name, &mut Vec::new(), 0, &mut visits)?;
    }
    Ok(tc)
}

/// A definition's `Schema` (Go's JSON decoding matches the field name case-insensitively).
fn definition_schema(def: &Value) -> Option<&Value> {
    def.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("schema"))
        .map(|(_, v)| v)
}

/// A schema's properties, by name, sorted.
fn properties(schema: &Value) -> Vec<(&String, &Value)> {
    let mut props: Vec<(&String, &Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    props.sort_by(|a, b| a.0.cmp(b.0));
    props
}

/// A string-valued vendor extension (names match case-insensitively, as go-openapi
/// lower-cases them).
fn extension<'a>(property: &'a Value, key: &str) -> Option<&'a str> {
    property
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
}

/// Deepest `$ref` chain followed: definitions may refer to each other in a cycle.
const MAX_REF_DEPTH: usize = 64;

/// Most properties visited for one file: `$ref`s can fan out exponentially.
const MAX_VISITS: usize = 1_000_000;

fn walk(
    tc: &mut TransformerConfig,
    gvk: &Gvk,
    defs: &serde_json::Map<String, Value>,
    type_name: &str,
    path: &mut Vec<String>,
    depth: usize,
    visits: &mut usize,
) -> Result<(), String> {
    let Some(schema) = defs.get(type_name).and_then(definition_schema) else {
        return Ok(());
    };
    if depth > MAX_REF_DEPTH {
        return Err(format!(
            "definition '{type_name}': $ref chain deeper than {MAX_REF_DEPTH} (a cycle?)"
        ));
    }
    for (prop, property) in properties(schema) {
        *visits += 1;
        if *visits > MAX_VISITS {
            return Err(format!(
                "definitions refer to each other more than {MAX_VISITS} times"
            ));
        }
        path.push(prop.clone());
        let spec = |p: &[String]| FieldSpec {
            group: gvk.group.clone(),
            version: gvk.version.clone(),
            kind: gvk.kind.clone(),
            path: p.join("/"),
            create: false,
        };
        if extension(property, "x-kubernetes-annotation").is_some() {
            crate::kustomize::field_spec::merge_specs(&mut tc.common_annotations, &[spec(path)])?;
        }
        if extension(property, "x-kubernetes-label-selector").is_some() {
            crate::kustomize::field_spec::merge_specs(&mut tc.common_labels, &[spec(path)])?;
        }
        if extension(property, "x-kubernetes-identity").is_some() {
            crate::kustomize::field_spec::merge_specs(&mut tc.name_prefix, &[spec(path)])?;
        }
        if let (Some(version), Some(kind)) = (
            extension(property, "x-kubernetes-object-ref-api-version"),
            extension(property, "x-kubernetes-object-ref-kind"),
        ) {
            let name_key =
                extension(property, "x-kubernetes-object-ref-name-key").unwrap_or("name");
            let mut referrer = path.clone();
            referrer.push(name_key.to_string());
            let nbr = NameBackReference {
                referral: Gvk {
                    version: version.to_string(),
                    kind: kind.to_string(),
                    ..Gvk::default()
                },
                referrers: vec![spec(&referrer)],
            };
            tc.merge(&TransformerConfig {
                name_reference: vec![nbr],
                ..TransformerConfig::default()
            })?;
        }
        if let Some(r) = property
            .get("$ref")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
        {
            walk(tc, gvk, defs, r, path, depth + 1, visits)?;
        }
        path.pop();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_extensions_through_refs() {
        let doc = json!({
            "example.com/v1.MyKind": {"Schema": {"properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"},
                "metadata": {"$ref": "meta.ObjectMeta"},
                "spec": {"$ref": "example.com/v1.MyKindSpec"}}}},
            "example.com/v1.MyKindSpec": {"schema": {"properties": {
                "secretRef": {"$ref": "example.com/v1.Ref",
                    "x-kubernetes-object-ref-api-version": "v1",
                    "x-kubernetes-object-ref-kind": "Secret"},
                "selector": {"X-Kubernetes-Label-Selector": ""},
                "notes": {"x-kubernetes-annotation": true}}}},
            "example.com/v1.Ref": {"Schema": {"properties": {"name": {"type": "string"}}}},
            "example.com/v1.NotAKind": {"Schema": {"properties": {"x": {
                "x-kubernetes-identity": ""}}}}
        });
        let tc = config_from_definitions(&doc).unwrap();
        let secret = tc
            .name_reference
            .iter()
            .find(|n| n.referral.kind == "Secret")
            .expect("Secret reference");
        assert_eq!(secret.referral.version, "v1");
        assert_eq!(secret.referrers[0].path, "spec/secretRef/name");
        assert_eq!(secret.referrers[0].kind, "MyKind");
        assert_eq!(tc.common_labels[0].path, "spec/selector");
        // A non-string extension value does not count; a definition without kind,
        // apiVersion and metadata is not a kind.
        assert!(tc.common_annotations.is_empty());
        assert!(tc.name_prefix.is_empty());
        assert!(config_from_definitions(&json!([1])).is_err());
    }

    #[test]
    fn ref_fan_out_is_bounded() {
        // Each level refers to the next ten times: 10^20 paths without a bound.
        let mut defs = serde_json::Map::new();
        for level in 0..20 {
            let props: serde_json::Map<String, Value> = (0..10)
                .map(|i| (format!("p{i}"), json!({"$ref": format!("L{}", level + 1)})))
                .collect();
            defs.insert(
                format!("L{level}"),
                json!({"Schema": {"properties": props}}),
            );
        }
        defs.insert(
            "x.K".into(),
            json!({"Schema": {"properties": {"apiVersion": {}, "kind": {}, "metadata": {},
                "spec": {"$ref": "L0"}}}}),
        );
        let e = config_from_definitions(&Value::Object(defs)).unwrap_err();
        assert!(e.contains("more than 1000000 times"), "{e}");
    }

    #[test]
    fn ref_cycles_end() {
        let doc = json!({
            "a.K": {"Schema": {"properties": {"apiVersion": {}, "kind": {}, "metadata": {},
                "spec": {"$ref": "a.K"}}}}
        });
        assert!(config_from_definitions(&doc).unwrap_err().contains("cycle"));
    }
}
