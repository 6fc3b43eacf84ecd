//! Which kinds are cluster-scoped, as kustomize 5.5 decides it: the built-in Kubernetes
//! v1.21.2 schema, matched on exact group, version and kind. Kinds the schema does not know
//! (custom resources, newer versions) count as namespaced.

/// `(group, versions, kind)` of every cluster-scoped kind in the v1.21.2 schema.
const CLUSTER_SCOPED: &[(&str, &[&str], &str)] = &[
    ("", &["v1"], "ComponentStatus"),
    ("", &["v1"], "Namespace"),
    ("", &["v1"], "Node"),
    ("", &["v1"], "NodeProxyOptions"),
    ("", &["v1"], "PersistentVolume"),
    (
        "admissionregistration.k8s.io",
        &["v1", "v1beta1"],
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        &["v1", "v1beta1"],
        "ValidatingWebhookConfiguration",
    ),
    (
        "apiextensions.k8s.io",
        &["v1", "v1beta1"],
        "CustomResourceDefinition",
    ),
    ("apiregistration.k8s.io", &["v1", "v1beta1"], "APIService"),
    (
        "certificates.k8s.io",
        &["v1", "v1beta1"],
        "CertificateSigningRequest",
    ),
    ("flowcontrol.apiserver.k8s.io", &["v1beta1"], "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io",
        &["v1beta1"],
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io", &["v1", "v1beta1"], "IngressClass"),
    ("node.k8s.io", &["v1", "v1beta1"], "RuntimeClass"),
    ("policy", &["v1beta1"], "PodSecurityPolicy"),
    (
        "rbac.authorization.k8s.io",
        &["v1", "v1beta1"],
        "ClusterRole",
    ),
    (
        "rbac.authorization.k8s.io",
        &["v1", "v1beta1"],
        "ClusterRoleBinding",
    ),
    ("scheduling.k8s.io", &["v1", "v1beta1"], "PriorityClass"),
    ("storage.k8s.io", &["v1", "v1beta1"], "CSIDriver"),
    ("storage.k8s.io", &["v1", "v1beta1"], "CSINode"),
    ("storage.k8s.io", &["v1", "v1beta1"], "StorageClass"),
    ("storage.k8s.io", &["v1", "v1beta1"], "VolumeAttachment"),
];

/// True when `group/version kind` is cluster-scoped in kustomize's built-in schema.
pub fn is_cluster_scoped(group: &str, version: &str, kind: &str) -> bool {
    CLUSTER_SCOPED
        .iter()
        .any(|(g, vs, k)| *k == kind && *g == group && vs.contains(&version))
}
