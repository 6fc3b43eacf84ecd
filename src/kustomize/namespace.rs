//! The `namespace:` transformer: sets `metadata.namespace` on every namespaced object,
//! renames `v1` Namespace objects, updates RoleBinding/ClusterRoleBinding subjects named
//! `default`, and the other namespace field specs (APIService, CRD conversion webhook).

use std::collections::HashMap;

use serde_json::Value;

use crate::kustomize::field_spec::{CreateKind, FieldSpec, walk};
use crate::resource::ResMap;

/// Applies `namespace` to every resource; fails on an id conflict.
pub fn apply(rm: &mut ResMap, namespace: &str, specs: &[FieldSpec]) -> Result<(), String> {
    for res in &mut rm.resources {
        res.store_previous_id();
        let gvk = res.gvk();
        let api_version = res.api_version().to_string();
        if !gvk.is_cluster_scoped() {
            res.set_namespace(namespace);
        }
        let is_binding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
        if is_binding && let Some(Value::Array(subjects)) = res.obj.get_mut("subjects") {
            for s in subjects.iter_mut() {
                if let Value::Object(m) = s
                    && m.get("name").and_then(Value::as_str) == Some("default")
                {
                    m.insert("namespace".into(), Value::String(namespace.into()));
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
                *node = Value::String(namespace.into());
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
