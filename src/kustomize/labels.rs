//! labels, commonLabels and commonAnnotations: add key/value pairs to every map named by
//! the transformer's field specs, creating maps where the spec says so.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kustomize::field_spec::{CreateKind, FieldSpec, walk};
use crate::resource::ResMap;

/// Sets every pair at every field spec of every resource.
pub fn apply(
    rm: &mut ResMap,
    pairs: &BTreeMap<String, String>,
    specs: &[FieldSpec],
) -> Result<(), String> {
    if pairs.is_empty() {
        return Ok(());
    }
    if !rm.resources.is_empty() {
        check_keys(pairs.keys())?;
    }
    for res in &mut rm.resources {
        let gvk = res.gvk();
        for fs in specs {
            if !fs.selects(&gvk) {
                continue;
            }
            let create = fs.create.then_some(CreateKind::Map);
            let id = res.cur_id();
            walk(&mut res.obj, &fs.segments(), create, &mut |node| {
                if node.is_null() {
                    return Ok(());
                }
                let Value::Object(m) = node else {
                    return Err("expected a mapping".into());
                };
                for (k, v) in pairs {
                    m.insert(k.clone(), Value::String(v.clone()));
                }
                Ok(())
            })
            .map_err(|e| format!("considering field '{}' of object {id}: {e}", fs.path))?;
        }
    }
    Ok(())
}

/// kustomize writes label and annotation keys it adds unquoted and reads the object back:
/// a key that reads as a number, boolean, null or timestamp (`9000`, `true`) becomes a
/// non-string map key and the build fails. rollpin fails the same way, naming the key.
pub fn check_keys<'a>(keys: impl IntoIterator<Item = &'a String>) -> Result<(), String> {
    for k in keys {
        if let Some(e) =
            crate::kustomize::kv::key_reads_as_non_string(k, "label and annotation keys")
        {
            return Err(e);
        }
    }
    Ok(())
}
