//! Tests of the OpenAPI table: the built-in schema's merge keys and scopes, and agreement
//! between the generator script and [`Schema::from_openapi_json`].

use super::*;
use serde_json::Value;

/// A canonical text form of a schema: definitions by name (references printed as `@name`,
/// inline schemas expanded) and kinds. Two schemas built different ways compare equal
/// exactly when kyaml would navigate them the same way.
fn describe(schema: &Schema) -> String {
    let d = Describer {
        schema,
        names: schema
            .definitions
            .iter()
            .map(|(name, i)| (*i, name.as_str()))
            .collect(),
    };
    let mut out = String::new();
    for (name, i) in &schema.definitions {
        out.push_str(name);
        out.push(' ');
        d.node(*i, &mut out);
        out.push('\n');
    }
    let mut kinds: Vec<_> = schema.kinds.iter().collect();
    kinds.sort_by(|a, b| a.0.cmp(b.0));
    for ((av, kind), info) in kinds {
        let root = info.root.and_then(|r| d.names.get(&r).copied());
        out.push_str(&format!("{av} {kind} {root:?} {:?}\n", info.namespaced));
    }
    out
}

struct Describer<'a> {
    schema: &'a Schema,
    names: HashMap<usize, &'a str>,
}

impl Describer<'_> {
    fn link(&self, link: &Link, out: &mut String) {
        match link {
            Link::Missing => out.push('!'),
            Link::Node(n) => match self.names.get(n) {
                Some(name) => out.push_str(&format!("@{name}")),
                None => self.node(*n, out),
            },
        }
    }

    fn node(&self, n: usize, out: &mut String) {
        let node = &self.schema.nodes[n];
        out.push('{');
        if let Some(p) = &node.patch {
            out.push_str(&format!("patch={p:?};"));
        }
        for (name, l) in &node.properties {
            out.push_str(name);
            out.push('=');
            self.link(l, out);
            out.push(';');
        }
        for (tag, l) in [("%", &node.additional), ("*", &node.items)] {
            if let Some(l) = l {
                out.push_str(tag);
                out.push('=');
                self.link(l, out);
                out.push(';');
            }
        }
        out.push('}');
    }
}

fn sample() -> Value {
    serde_json::from_str(include_str!("testdata/sample_openapi.json")).unwrap()
}

#[test]
fn builtin_table_parses() {
    let schema = builtin();
    assert!(schema.definitions.len() > 600);
    assert!(schema.kinds.len() > 270);
}

#[test]
fn pod_spec_lists() {
    let spec = schema_for("apps/v1", "Deployment")
        .and_then(|s| s.field("spec"))
        .and_then(|s| s.field("template"))
        .and_then(|s| s.field("spec"))
        .unwrap();
    let keys = |f: &str| spec.field(f).unwrap().list_merge();
    let assoc = |k: &[&str]| ListMerge::Associative(k.iter().map(|s| s.to_string()).collect());
    assert_eq!(keys("containers"), assoc(&["name"]));
    assert_eq!(keys("initContainers"), assoc(&["name"]));
    assert_eq!(keys("volumes"), assoc(&["name"])); // merge,retainKeys
    assert_eq!(keys("imagePullSecrets"), assoc(&["name"]));
    assert_eq!(
        keys("topologySpreadConstraints"),
        assoc(&["topologyKey", "whenUnsatisfiable"])
    );
    assert_eq!(keys("tolerations"), ListMerge::Replace);
    assert_eq!(keys("nodeSelector"), ListMerge::Replace);
    let container = spec.field("containers").unwrap().items().unwrap();
    assert_eq!(
        container.field("ports").unwrap().list_merge(),
        assoc(&["containerPort", "protocol"])
    );
    assert_eq!(
        container.field("env").unwrap().list_merge(),
        assoc(&["name"])
    );
    assert_eq!(
        container.field("volumeMounts").unwrap().list_merge(),
        assoc(&["mountPath"])
    );
    assert_eq!(
        container.field("envFrom").unwrap().list_merge(),
        ListMerge::Replace
    );
    assert_eq!(
        container.field("args").unwrap().list_merge(),
        ListMerge::Replace
    );
    assert!(container.field("args").unwrap().items().is_some());
    assert!(container.field("nope").is_none());
    // a field's schema exists even for scalars
    assert!(container.field("image").is_some());
    assert!(container.field("image").unwrap().items().is_none());
}

#[test]
fn metadata_and_maps() {
    let meta = schema_for("v1", "ConfigMap")
        .and_then(|s| s.field("metadata"))
        .unwrap();
    assert_eq!(
        meta.field("finalizers").unwrap().list_merge(),
        ListMerge::PrimitiveSet
    );
    assert_eq!(
        meta.field("ownerReferences").unwrap().list_merge(),
        ListMerge::Associative(vec!["uid".into()])
    );
    // labels: additionalProperties gives every key the same (string) schema
    assert!(meta.field("labels").unwrap().field("any-key").is_some());
    let data = schema_for("v1", "ConfigMap")
        .unwrap()
        .field("data")
        .unwrap();
    assert!(data.field("x").is_some());
    let svc = schema_for("v1", "Service").unwrap();
    let ports = svc.field("spec").unwrap().field("ports").unwrap();
    assert_eq!(
        ports.list_merge(),
        ListMerge::Associative(vec!["port".into(), "protocol".into()])
    );
    let node_spec = schema_for("v1", "Node").unwrap().field("spec").unwrap();
    assert_eq!(
        node_spec.field("podCIDRs").unwrap().list_merge(),
        ListMerge::PrimitiveSet
    );
}

#[test]
fn exact_type_match_only() {
    assert!(schema_for("apps/v1", "Deployment").is_some());
    assert!(schema_for("extensions/v1beta1", "Deployment").is_none());
    assert!(schema_for("autoscaling/v2", "HorizontalPodAutoscaler").is_none());
    assert!(schema_for("autoscaling/v2beta2", "HorizontalPodAutoscaler").is_some());
    assert!(schema_for("apps/v1", "deployment").is_none());
    assert!(schema_for("example.com/v1", "Widget").is_none());
    assert!(schema_for("kustomize.config.k8s.io/v1beta1", "Kustomization").is_some());
    // kinds with a scope but no schema
    assert!(schema_for("v1", "NodeProxyOptions").is_none());
}

#[test]
fn ref_extensions_are_dropped() {
    // DeploymentSpec.strategy is `$ref` + retainKeys; kyaml resolves the ref and loses it.
    let spec = schema_for("apps/v1", "Deployment")
        .unwrap()
        .field("spec")
        .unwrap();
    assert_eq!(
        spec.field("strategy").unwrap().list_merge(),
        ListMerge::Replace
    );
}

/// kustomize's `precomputedIsNamespaceScoped` (kyaml/openapi/openapi.go) agrees with the table.
#[test]
fn namespace_scope_matches_kustomize() {
    let cluster = [
        (
            "admissionregistration.k8s.io/v1",
            "MutatingWebhookConfiguration",
        ),
        (
            "admissionregistration.k8s.io/v1",
            "ValidatingWebhookConfiguration",
        ),
        (
            "admissionregistration.k8s.io/v1beta1",
            "MutatingWebhookConfiguration",
        ),
        (
            "admissionregistration.k8s.io/v1beta1",
            "ValidatingWebhookConfiguration",
        ),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
        ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
        ("apiregistration.k8s.io/v1", "APIService"),
        ("apiregistration.k8s.io/v1beta1", "APIService"),
        ("certificates.k8s.io/v1", "CertificateSigningRequest"),
        ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
        ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
        (
            "flowcontrol.apiserver.k8s.io/v1beta1",
            "PriorityLevelConfiguration",
        ),
        ("networking.k8s.io/v1", "IngressClass"),
        ("networking.k8s.io/v1beta1", "IngressClass"),
        ("node.k8s.io/v1", "RuntimeClass"),
        ("node.k8s.io/v1beta1", "RuntimeClass"),
        ("policy/v1beta1", "PodSecurityPolicy"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
        ("scheduling.k8s.io/v1", "PriorityClass"),
        ("scheduling.k8s.io/v1beta1", "PriorityClass"),
        ("storage.k8s.io/v1", "CSIDriver"),
        ("storage.k8s.io/v1", "CSINode"),
        ("storage.k8s.io/v1", "StorageClass"),
        ("storage.k8s.io/v1", "VolumeAttachment"),
        ("storage.k8s.io/v1beta1", "CSIDriver"),
        ("storage.k8s.io/v1beta1", "CSINode"),
        ("storage.k8s.io/v1beta1", "StorageClass"),
        ("storage.k8s.io/v1beta1", "VolumeAttachment"),
        ("v1", "ComponentStatus"),
        ("v1", "Namespace"),
        ("v1", "Node"),
        ("v1", "NodeProxyOptions"),
        ("v1", "PersistentVolume"),
    ];
    let mut found: Vec<(&str, &str)> = builtin()
        .kinds
        .iter()
        .filter(|(_, info)| info.namespaced == Some(false))
        .map(|((av, k), _)| (av.as_str(), k.as_str()))
        .collect();
    found.sort();
    assert_eq!(found, cluster);
    let namespaced = builtin()
        .kinds
        .values()
        .filter(|info| info.namespaced == Some(true))
        .count();
    assert_eq!(namespaced, 46);
    assert_eq!(is_namespaced("apps/v1", "Deployment"), Some(true));
    assert_eq!(is_namespaced("v1", "PodExecOptions"), Some(true));
    assert_eq!(
        is_namespaced(
            "admissionregistration.k8s.io/v1",
            "ValidatingAdmissionPolicy"
        ),
        None
    );
    assert_eq!(is_namespaced("v1", "WatchEvent"), None);
}

#[test]
fn generator_and_document_builder_agree() {
    let from_doc = Schema::from_openapi_json(&sample()).unwrap();
    let from_table = Schema::from_table(include_str!("testdata/sample_table.txt")).unwrap();
    assert_eq!(describe(&from_doc), describe(&from_table));
    assert!(describe(&from_doc).contains("example.com/v1 Gizmo None Some(false)"));
}

#[test]
fn sample_navigation() {
    let schema = Schema::from_openapi_json(&sample()).unwrap();
    let w = schema.schema_for("example.com/v1", "Widget").unwrap();
    assert!(schema.schema_for("example.com/v1beta1", "Widget").is_some());
    assert!(schema.schema_for("example.com/v1", "Gizmo").is_none());
    assert_eq!(schema.is_namespaced("example.com/v1", "Widget"), Some(true));
    assert_eq!(schema.is_namespaced("example.com/v1beta1", "Widget"), None);
    assert_eq!(schema.is_namespaced("v1", "Gadget"), Some(true));
    assert_eq!(schema.is_namespaced("example.com/v1", "Gizmo"), Some(false));
    // dangling reference: no schema below it
    assert!(w.field("metadata").is_none());
    let spec = w.field("spec").unwrap();
    let lm = |f: &str| spec.field(f).unwrap().list_merge();
    assert_eq!(lm("items"), ListMerge::Associative(vec!["id".into()]));
    assert_eq!(
        lm("ports"),
        ListMerge::Associative(vec!["port".into(), "protocol".into()])
    );
    assert_eq!(lm("retained"), ListMerge::Associative(vec!["id".into()]));
    assert_eq!(lm("tags"), ListMerge::PrimitiveSet);
    assert_eq!(lm("noItems"), ListMerge::PrimitiveSet);
    assert_eq!(lm("plain"), ListMerge::Replace);
    assert_eq!(lm("unmerged"), ListMerge::Replace);
    assert_eq!(lm("selector"), ListMerge::Replace);
    assert!(spec.field("noItems").unwrap().items().is_none());
    let matrix = spec.field("matrix").unwrap().items().unwrap();
    assert!(matrix.items().is_some());
    assert!(
        spec.field("byName")
            .unwrap()
            .field("k")
            .unwrap()
            .field("id")
            .is_some()
    );
    assert!(spec.field("opaque").unwrap().field("x").is_none());
}

#[test]
fn inline_objects_and_aliases() {
    let doc = serde_json::json!({
        "definitions": {
            "A": {"$ref": "#/definitions/B"},
            "B": {"properties": {"inner": {"type": "object", "properties": {
                "list": {"type": ["array"], "items": {"type": "string"},
                         "x-kubernetes-patch-strategy": "merge"}}}}},
            "Loop1": {"$ref": "#/definitions/Loop2"},
            "Loop2": {"$ref": "#/definitions/Loop1"},
            "R": {"properties": {"a": {"$ref": "#/definitions/A"},
                                  "loop": {"$ref": "#/definitions/Loop1"},
                                  "remote": {"$ref": "other.json"}},
                  "x-kubernetes-group-version-kind": [{"group": "g", "version": "v", "kind": "R"}]}
        }
    });
    let schema = Schema::from_openapi_json(&doc).unwrap();
    let r = schema.schema_for("g/v", "R").unwrap();
    let list = r
        .field("a")
        .unwrap()
        .field("inner")
        .unwrap()
        .field("list")
        .unwrap();
    assert_eq!(list.list_merge(), ListMerge::PrimitiveSet);
    assert!(list.items().is_some());
    assert!(r.field("loop").is_none());
    assert!(r.field("remote").is_none());
    assert!(Schema::from_openapi_json(&serde_json::json!([])).is_err());
    assert!(Schema::from_openapi_json(&serde_json::json!({"definitions": 1})).is_err());
}

#[test]
fn custom_schema_adds_kustomize_types_only() {
    let schema = Schema::from_custom_openapi(&sample()).unwrap();
    assert!(schema.schema_for("apps/v1", "Deployment").is_none());
    let k = schema
        .schema_for("kustomize.config.k8s.io/v1beta1", "Kustomization")
        .unwrap();
    assert_eq!(
        k.field("configMapGenerator").unwrap().list_merge(),
        ListMerge::Associative(vec!["name".into()])
    );
    assert!(schema.schema_for("example.com/v1", "Widget").is_some());
}

#[test]
fn table_errors_name_the_line() {
    let err = Schema::from_table("N a x\nQ nope\n").unwrap_err();
    assert!(err.starts_with("line 2:"), "{err}");
    let err = Schema::from_table("N a x\nD a:T p=?\n").unwrap_err();
    assert!(err.contains("bad expression"), "{err}");
    let err = Schema::from_table("D z:T\n").unwrap_err();
    assert!(err.contains("unknown alias"), "{err}");
}
