//! Comparing a record with the record of a fresh render: images, configs (a generated
//! one followed through its new hash suffix), objects, then the stream.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Key, drift, field_image_drifts, image_drifts, unpinned, workload_key};
use crate::release::{Drift, RollbackManifestSpec, WorkloadPin};

/// The name without kustomize's 10-character content-hash suffix (`web-config` for
/// `web-config-8k4b2295kg`), when it has one.
fn hash_base(name: &str) -> Option<&str> {
    let (base, suffix) = name.rsplit_once('-')?;
    let hash_alphabet = |c: char| "2456789bcdfghkmt".contains(c);
    (suffix.len() == 10 && suffix.chars().all(hash_alphabet)).then_some(base)
}

/// Every difference between a recorded release and a fresh record of the re-render:
/// images (by workload and container), config hashes, then objects that appeared,
/// vanished or changed for another reason, then the stream itself (order). Unless
/// `allow_unpinned`, every image without a digest is reported too.
pub fn compare_render(
    recorded: &RollbackManifestSpec,
    fresh: &RollbackManifestSpec,
    allow_unpinned: bool,
) -> Vec<Drift> {
    let mut out = Vec::new();
    // Objects that a more precise drift already explains.
    let mut explained: HashSet<(String, String, String)> = Default::default();
    // Generated configs renamed by a new hash suffix, old and new names: the config line
    // says it all.
    let mut renamed_objects: HashSet<(String, String, String)> = Default::default();
    let fresh_workloads: HashMap<Key<'_>, &WorkloadPin> = fresh
        .workloads
        .iter()
        .map(|w| (workload_key(w), w))
        .collect();
    let mut config_seen = HashSet::new();
    for w in &recorded.workloads {
        let Some(now) = fresh_workloads.get(&workload_key(w)) else {
            continue;
        };
        let before = out.len();
        image_drifts(
            workload_key(w),
            "",
            &w.containers,
            &now.containers,
            &mut out,
        );
        image_drifts(
            workload_key(w),
            "init:",
            &w.init_containers,
            &now.init_containers,
            &mut out,
        );
        if out.len() > before {
            explained.insert((w.kind.clone(), w.namespace.clone(), w.name.clone()));
        }
        let now_configs: HashMap<(&str, &str), &Option<String>> = now
            .configs
            .iter()
            .map(|c| ((c.kind.as_str(), c.name.as_str()), &c.sha256))
            .collect();
        let was_names: HashSet<(&str, &str)> = w
            .configs
            .iter()
            .map(|c| (c.kind.as_str(), c.name.as_str()))
            .collect();
        for c in &w.configs {
            let actual = now_configs.get(&(c.kind.as_str(), c.name.as_str()));
            let changed = match actual {
                Some(sha) => *sha != &c.sha256,
                None => c.sha256.is_some(),
            };
            if !changed
                || !config_seen.insert((c.kind.clone(), w.namespace.clone(), c.name.clone()))
            {
                continue;
            }
            let key = ("v1", c.kind.as_str(), w.namespace.as_str(), c.name.as_str());
            // A generated config whose content changed has a new hash suffix: name the
            // config it became rather than reporting it absent.
            let renamed = actual.is_none().then(|| {
                now.configs.iter().find(|n| {
                    n.kind == c.kind
                        && !was_names.contains(&(n.kind.as_str(), n.name.as_str()))
                        && hash_base(&n.name).is_some()
                        && hash_base(&n.name) == hash_base(&c.name)
                })
            });
            let (actual, renamed_to) = match renamed.flatten() {
                Some(n) => {
                    for name in [&c.name, &n.name] {
                        renamed_objects.insert((c.kind.clone(), w.namespace.clone(), name.clone()));
                    }
                    explained.insert((w.kind.clone(), w.namespace.clone(), w.name.clone()));
                    (n.sha256.clone(), Some(n.name.clone()))
                }
                None => (actual.and_then(|s| (*s).clone()), None),
            };
            out.push(Drift {
                renamed_to,
                ..drift(key, "config", None, c.sha256.clone(), actual)
            });
            explained.insert((c.kind.clone(), w.namespace.clone(), c.name.clone()));
        }
    }
    field_image_drifts(&recorded.images, &fresh.images, &mut out, &mut explained);
    let key = |r: &crate::release::ResourcePin| {
        (
            r.api_version.clone(),
            r.kind.clone(),
            r.namespace.clone(),
            r.name.clone(),
        )
    };
    let was: BTreeMap<_, &str> = recorded
        .resources
        .iter()
        .map(|r| (key(r), r.sha256.as_str()))
        .collect();
    let now: BTreeMap<_, &str> = fresh
        .resources
        .iter()
        .map(|r| (key(r), r.sha256.as_str()))
        .collect();
    for r in &recorded.resources {
        let k = key(r);
        let actual = now.get(&k).map(|s| s.to_string());
        if actual.as_deref() == Some(r.sha256.as_str()) {
            continue;
        }
        let id = (r.kind.clone(), r.namespace.clone(), r.name.clone());
        let covered =
            (actual.is_some() && explained.contains(&id)) || renamed_objects.contains(&id);
        if !covered {
            let k = (
                r.api_version.as_str(),
                r.kind.as_str(),
                r.namespace.as_str(),
                r.name.as_str(),
            );
            out.push(drift(k, "object", None, Some(r.sha256.clone()), actual));
        }
    }
    for r in fresh.resources.iter().filter(|r| {
        !was.contains_key(&key(r))
            && !renamed_objects.contains(&(r.kind.clone(), r.namespace.clone(), r.name.clone()))
    }) {
        let k = (
            r.api_version.as_str(),
            r.kind.as_str(),
            r.namespace.as_str(),
            r.name.as_str(),
        );
        out.push(drift(k, "object", None, None, Some(r.sha256.clone())));
    }
    if out.is_empty() && recorded.render_digest != fresh.render_digest {
        out.push(Drift {
            field: "stream".into(),
            expected: Some(recorded.render_digest.clone()),
            actual: Some(fresh.render_digest.clone()),
            ..Drift::default()
        });
    }
    if !allow_unpinned {
        unpinned(recorded, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::hash_base;

    #[test]
    fn hash_base_strips_only_kustomize_suffixes() {
        assert_eq!(hash_base("web-config-8k4b2295kg"), Some("web-config"));
        assert_eq!(hash_base("web-config"), None);
        assert_eq!(hash_base("web-config-abcdefghij"), None);
        assert_eq!(hash_base("8k4b2295kg"), None);
    }
}
