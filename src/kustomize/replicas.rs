//! The `replicas:` transformer: sets `spec.replicas` of the Deployment, ReplicaSet,
//! ReplicationController or StatefulSet with the given current or previous name.

use serde_json::Value;

use crate::kustomize::field_spec::{CreateKind, FieldSpec, walk};
use crate::kustomize::kustomization::Replica;
use crate::resource::ResMap;

/// Applies one `replicas:` entry; fails when no workload has that name.
pub fn apply(rm: &mut ResMap, replica: &Replica, specs: &[FieldSpec]) -> Result<(), String> {
    let mut found = false;
    for fs in specs {
        for res in &mut rm.resources {
            let matches = std::iter::once(res.cur_id())
                .chain(res.prev_ids())
                .any(|id| id.name == replica.name && fs.selects(&id.gvk));
            if !matches {
                continue;
            }
            found = true;
            if !fs.selects(&res.gvk()) {
                continue;
            }
            let create = fs.create.then_some(CreateKind::Scalar);
            walk(&mut res.obj, &fs.segments(), create, &mut |node| {
                *node = Value::from(replica.count);
                Ok(())
            })?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs.iter().map(|fs| fs.gvk().to_string()).collect();
        return Err(format!(
            "resource with name {} does not match a config with the following GVK [{}]",
            replica.name,
            gvks.join(" ")
        ));
    }
    Ok(())
}
