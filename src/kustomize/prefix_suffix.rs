//! namePrefix and nameSuffix: prepend/append to `metadata.name` (and any custom name field
//! specs), recording the old name for the name-reference fix-up. CustomResourceDefinition,
//! APIService and Namespace objects keep their names.

use serde_json::Value;

use crate::kustomize::field_spec::{FieldSpec, walk};
use crate::resource::{Gvk, ResMap};

/// Which end of the name to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// namePrefix.
    Prefix,
    /// nameSuffix.
    Suffix,
}

fn skipped(gvk: &Gvk) -> bool {
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
}

/// Applies a prefix or suffix to every resource.
pub fn apply(rm: &mut ResMap, affix: &str, end: End, specs: &[FieldSpec]) -> Result<(), String> {
    for res in &mut rm.resources {
        let org = res.org_id();
        if skipped(&org.gvk) {
            continue;
        }
        for fs in specs {
            if !fs.selects(&org.gvk) {
                continue;
            }
            if fs.path == "metadata/name" {
                match end {
                    End::Prefix => res.meta.prefixes.push(affix.into()),
                    End::Suffix => res.meta.suffixes.push(affix.into()),
                }
                res.store_previous_id();
            }
            if !fs.selects(&res.gvk()) {
                continue;
            }
            let id = res.cur_id();
            walk(&mut res.obj, &fs.segments(), None, &mut |node| {
                if let Value::String(s) = node {
                    *s = match end {
                        End::Prefix => format!("{affix}{s}"),
                        End::Suffix => format!("{s}{affix}"),
                    };
                    Ok(())
                } else if node.is_null() {
                    Ok(())
                } else {
                    Err("name field is not a string".into())
                }
            })
            .map_err(|e| format!("considering field '{}' of object {id}: {e}", fs.path))?;
        }
    }
    Ok(())
}
