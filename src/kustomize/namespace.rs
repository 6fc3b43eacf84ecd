//! The `namespace:` transformer (and the `NamespaceTransformer` built-in with its
//! `unsetOnly` and `setRoleBindingSubjects` options): sets `metadata.namespace` on every
//! namespaced object, renames `v1` Namespace objects, updates RoleBinding/ClusterRoleBinding
//! subjects, and the other namespace field specs (APIService, CRD conversion webhook).

use std::collections::HashMap;

use serde_json::Value;

use crate::kustomize::field_spec::{CreateKind, FieldSpec, walk};
use crate::resource::ResMap;

/// Which RoleBinding/ClusterRoleBinding subjects get the namespace
/// (`setRoleBindingSubjects`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SubjectMode {
    /// `defaultOnly` (the default): subjects named `default`, whatever their kind.
    #[default]
    DefaultOnly,
    /// `allServiceAccounts`: every subject of kind `ServiceAccount`.
    AllServiceAccounts,
    /// `none`: no subject.
    None,
}

impl SubjectMode {
    /// Reads `setRoleBindingSubjects` (empty means the default), or says what is allowed.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "" | "defaultOnly" => Ok(SubjectMode::DefaultOnly),
            "allServiceAccounts" => Ok(SubjectMode::AllServiceAccounts),
            "none" => Ok(SubjectMode::None),
            other => Err(format!(
                "invalid value \"{other}\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
            )),
        }
    }

    fn selects(self, subject: &serde_json::Map<String, Value>) -> bool {
        match self {
            SubjectMode::DefaultOnly => {
                subject.get("name").and_then(Value::as_str) == Some("default")
            }
            SubjectMode::AllServiceAccounts => {
                subject.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
            }
            SubjectMode::None => false,
        }
    }
}

/// How the namespace is set.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `unsetOnly`: only fields that are missing, empty or null are set.
    pub unset_only: bool,
    /// `setRoleBindingSubjects`.
    pub subjects: SubjectMode,
}

impl Options {
    /// Sets `field` to `namespace` unless `unset_only` and it already holds a value: as in
    /// kustomize, only an empty text counts as unset (a field written as nothing or `""`, or
    /// created); `null` and `~` have a text and are kept.
    fn set(self, field: &mut Value, namespace: &str) {
        let has_value = !matches!(field, Value::String(s) if s.is_empty());
        if !(self.unset_only && has_value) {
            *field = Value::String(namespace.into());
        }
    }
}

/// Applies `namespace` to every resource; fails on an id conflict.
pub fn apply(
    rm: &mut ResMap,
    namespace: &str,
    specs: &[FieldSpec],
    opts: Options,
) -> Result<(), String> {
    for res in &mut rm.resources {
        res.store_previous_id();
        let gvk = res.gvk();
        let api_version = res.api_version().to_string();
        if !gvk.is_cluster_scoped() && !opts.unset_only {
            res.set_namespace(namespace);
        } else if !gvk.is_cluster_scoped() {
            // unsetOnly: only an empty text counts as unset (see `Options::set`).
            let written_empty = res
                .meta
                .empty_fields
                .iter()
                .any(|p| p.len() == 2 && p[0] == "metadata" && p[1] == "namespace");
            let unset = match res.obj.get("metadata").and_then(|m| m.get("namespace")) {
                None => true,
                Some(Value::Null) => written_empty,
                Some(Value::String(s)) => s.is_empty(),
                Some(_) => false,
            };
            if unset {
                res.set_namespace(namespace);
            }
        }
        let is_binding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
        if is_binding && let Some(Value::Array(subjects)) = res.obj.get_mut("subjects") {
            for s in subjects.iter_mut() {
                if let Value::Object(m) = s
                    && opts.subjects.selects(m)
                {
                    let field = m
                        .entry("namespace")
                        .or_insert_with(|| Value::String(String::new()));
                    opts.set(field, namespace);
                }
            }
        }
        for fs in specs {
            if fs.path == "metadata/namespace"
                || (fs.path == "metadata/name" && api_version != "v1")
                || (is_binding && fs.path == "subjects/namespace")
                || !fs.selects(&gvk)
            {
                continue;
            }
            let create = fs.create.then_some(CreateKind::Scalar);
            let id = res.cur_id();
            walk(&mut res.obj, &fs.segments(), create, &mut |node| {
                if node.is_object() || node.is_array() {
                    return Err("namespace field specs must target scalar nodes".into());
                }
                opts.set(node, namespace);
                Ok(())
            })
            .map_err(|e| format!("considering field '{}' of object {id}: {e}", fs.path))?;
        }
    }
    let mut seen: HashMap<(String, String, String, String, String), usize> = HashMap::new();
    for res in &rm.resources {
        let id = res.cur_id();
        let key = (
            id.gvk.group.clone(),
            id.gvk.version.clone(),
            id.gvk.kind.clone(),
            id.name.clone(),
            id.effective_namespace().to_string(),
        );
        if seen.insert(key, 0).is_some() {
            return Err(format!(
                "namespace transformation produces ID conflict: two resources become {id}"
            ));
        }
    }
    Ok(())
}
