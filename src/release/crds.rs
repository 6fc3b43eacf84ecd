//! `rollpin crds`: the CustomResourceDefinitions of rollpin's resources, printed as a YAML
//! stream with the same writer as `rollpin render`.

use kube::CustomResourceExt;

use super::{RollbackManifest, RollbackRequest};
use crate::slo::RollbackPolicy;

/// The CRDs as JSON values: RollbackManifest, RollbackRequest, RollbackPolicy.
pub fn crd_values() -> Vec<serde_json::Value> {
    [
        RollbackManifest::crd(),
        RollbackRequest::crd(),
        RollbackPolicy::crd(),
    ]
    .into_iter()
    .map(|crd| serde_json::to_value(crd).unwrap_or_default())
    .collect()
}

/// The CRDs as a `---`-joined YAML stream.
pub fn crds_yaml() -> String {
    let values = crd_values();
    let mut out = String::new();
    crate::yaml::write_stream(values.iter(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every schema node says its type or preserves unknown fields: the API server refuses
    /// non-structural schemas.
    fn assert_structural(path: &str, schema: &serde_json::Value) {
        let obj = schema.as_object().expect("schema is an object");
        assert!(
            obj.contains_key("type") || obj.contains_key("x-kubernetes-preserve-unknown-fields"),
            "{path}: no type in {schema}"
        );
        for banned in ["$ref", "anyOf", "oneOf", "allOf", "nullable_without_type"] {
            assert!(!obj.contains_key(banned), "{path}: {banned} in {schema}");
        }
        if let Some(props) = obj.get("properties").and_then(|p| p.as_object()) {
            for (k, v) in props {
                assert_structural(&format!("{path}.{k}"), v);
            }
        }
        if let Some(items) = obj.get("items") {
            assert_structural(&format!("{path}[]"), items);
        }
        if let Some(ap) = obj.get("additionalProperties").filter(|v| v.is_object()) {
            assert_structural(&format!("{path}{{}}"), ap);
        }
    }

    #[test]
    fn crds_are_structural_and_name_rollpin_dev() {
        let crds = crd_values();
        let names: Vec<&str> = crds
            .iter()
            .map(|c| c["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "rollbackmanifests.rollpin.dev",
                "rollbackrequests.rollpin.dev",
                "rollbackpolicies.rollpin.dev"
            ]
        );
        for crd in &crds {
            assert_eq!(crd["spec"]["scope"], "Namespaced");
            let version = &crd["spec"]["versions"][0];
            assert_eq!(version["name"], "v1alpha1");
            assert_eq!(version["subresources"]["status"], serde_json::json!({}));
            let schema = &version["schema"]["openAPIV3Schema"];
            assert_structural("openAPIV3Schema", schema);
        }
        let spec =
            &crds[0]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
        for field in [
            "app",
            "source",
            "renderer",
            "renderDigest",
            "resources",
            "workloads",
        ] {
            assert!(spec["properties"].get(field).is_some(), "spec.{field}");
        }
        let policy = &crds[2]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"];
        for field in ["app", "bakeTime", "continuous", "metrics", "action"] {
            assert!(
                policy["spec"]["properties"].get(field).is_some(),
                "spec.{field}"
            );
        }
        let metric = &policy["spec"]["properties"]["metrics"]["items"]["properties"];
        for field in [
            "name",
            "interval",
            "initialDelay",
            "count",
            "successCondition",
            "failureCondition",
            "failureLimit",
            "inconclusiveLimit",
            "consecutiveErrorLimit",
            "provider",
        ] {
            assert!(metric.get(field).is_some(), "metrics[].{field}");
        }
        let prometheus = &metric["provider"]["properties"]["prometheus"]["properties"];
        for field in ["address", "query", "timeout", "headersFrom"] {
            assert!(prometheus.get(field).is_some(), "prometheus.{field}");
        }
        for field in [
            "phase",
            "observedRevision",
            "metricResults",
            "rollbackRequest",
            "conditions",
            "message",
        ] {
            assert!(
                policy["status"]["properties"].get(field).is_some(),
                "status.{field}"
            );
        }
    }

    #[test]
    fn crds_yaml_reads_back() {
        let yaml = crds_yaml();
        let docs = crate::yaml::parse_stream(&yaml, crate::yaml::Schema::Kyaml).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].value, crd_values()[0]);
    }
}
