//! Resource identity as kustomize sees it: group/version/kind plus name and namespace.

use std::fmt;

use crate::kustomize::cluster_scope;

/// Group, version and kind of an object (`apps/v1` → group `apps`, version `v1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Gvk {
    /// API group; empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` into group and version (`v1` has no group).
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = split_api_version(api_version);
        Gvk {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        }
    }

    /// The `apiVersion` string for this group and version.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// kustomize's selector match: empty fields of `selector` match anything.
    pub fn is_selected_by(&self, selector: &GvkSelector) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    /// True when the built-in Kubernetes v1.21.2 schema says this kind is cluster-scoped.
    pub fn is_cluster_scoped(&self) -> bool {
        cluster_scope::is_cluster_scoped(&self.group, &self.version, &self.kind)
    }
}

/// A group/version/kind pattern; empty fields match anything.
pub type GvkSelector = Gvk;

/// Splits `group/version`; a value without `/` is a core-group version.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rfind('/') {
        Some(i) => (&api_version[..i], &api_version[i + 1..]),
        None => ("", api_version),
    }
}

impl fmt::Display for Gvk {
    /// kustomize's `Kind.version.group` form, `[noGrp]` for the core group.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = if self.group.is_empty() {
            "[noGrp]"
        } else {
            &self.group
        };
        let version = if self.version.is_empty() {
            "[noVer]"
        } else {
            &self.version
        };
        let kind = if self.kind.is_empty() {
            "[noKind]"
        } else {
            &self.kind
        };
        write!(f, "{kind}.{version}.{group}")
    }
}

/// The namespace kustomize gives cluster-scoped objects when it compares namespaces.
pub const NOT_NAMESPACEABLE: &str = "_non_namespaceable_";

/// A resource id: GVK, name and namespace (as written in the object).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ResId {
    /// Group, version, kind.
    pub gvk: Gvk,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` as written (may be empty).
    pub namespace: String,
}

impl ResId {
    /// The namespace used for comparisons: `default` for an empty namespace of a namespaced
    /// kind, a marker for cluster-scoped kinds.
    pub fn effective_namespace(&self) -> &str {
        if self.gvk.is_cluster_scoped() {
            NOT_NAMESPACEABLE
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    /// kustomize's `ResId.Equals`: same GVK and name, same effective namespace.
    pub fn equals(&self, other: &ResId) -> bool {
        self.gvk == other.gvk
            && self.name == other.name
            && self.effective_namespace() == other.effective_namespace()
    }

    /// kustomize's `IsNsEquals`.
    pub fn ns_equals(&self, other: &ResId) -> bool {
        self.effective_namespace() == other.effective_namespace()
    }
}

impl fmt::Display for ResId {
    /// kustomize's `Kind.version.group/name.namespace` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        let name = if self.name.is_empty() {
            "[noName]"
        } else {
            &self.name
        };
        write!(f, "{}/{}.{}", self.gvk, name, ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_kustomize() {
        let id = ResId {
            gvk: Gvk::from_api_version("v1", "ConfigMap"),
            name: "a".into(),
            namespace: String::new(),
        };
        assert_eq!(id.to_string(), "ConfigMap.v1.[noGrp]/a.[noNs]");
        let id = ResId {
            gvk: Gvk::from_api_version("apps/v1", "Deployment"),
            name: "web".into(),
            namespace: "prod".into(),
        };
        assert_eq!(id.to_string(), "Deployment.v1.apps/web.prod");
    }

    #[test]
    fn empty_namespace_equals_default() {
        let a = ResId {
            gvk: Gvk::from_api_version("v1", "Service"),
            name: "s".into(),
            namespace: String::new(),
        };
        let mut b = a.clone();
        b.namespace = "default".into();
        assert!(a.equals(&b));
    }
}
