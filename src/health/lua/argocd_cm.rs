//! The health scripts of a user's argocd-cm (`kubectl get cm argocd-cm -n argocd -o yaml`),
//! read as Argo CD 3.5.1's `GetResourceOverrides` reads them (`util/settings/settings.go`):
//! first the combined `resource.customizations` block (YAML keyed by `group/Kind` or a
//! glob, fields `health.lua` and `health.lua.useOpenLibs`), then the split keys
//! `resource.customizations.<type>.<group>_<kind>`, which override it (`health`,
//! `useOpenLibs`; the suffix `all` means `*/*`). An unknown `<type>` or a malformed
//! `<group>_<kind>` is an error in Argo CD and here.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{LoadError, Script};

/// The data key of the combined block.
pub const COMBINED_KEY: &str = "resource.customizations";

/// Split-key types Argo CD knows (`appendResourceOverridesFromSplitKeys`).
const SPLIT_TYPES: &[&str] = &[
    "health",
    "useOpenLibs",
    "actions",
    "ignoreDifferences",
    "ignoreResourceUpdates",
    "knownTypeFields",
];

#[derive(Debug, Default)]
struct Override {
    health: String,
    open_libs: bool,
    origin: String,
}

/// The health overrides of the argocd-cm in `text` (read from `file`), by key in key order.
pub fn health_overrides(file: &str, text: &str) -> Result<Vec<(String, Script)>, LoadError> {
    let bad = |message: String| LoadError::ArgocdCm {
        file: file.to_string(),
        message,
    };
    let docs = crate::yaml::parse_stream(text, crate::yaml::Schema::Kyaml)
        .map_err(|e| bad(format!("line {}: {}", e.line, e.message)))?;
    let Some(doc) = docs.first() else {
        return Err(bad("empty: expected the argocd-cm ConfigMap".into()));
    };
    let kind = doc.value.get("kind").and_then(Value::as_str);
    if kind.is_some_and(|k| k != "ConfigMap") || !doc.value.is_object() {
        return Err(bad(format!(
            "expected the argocd-cm ConfigMap (kubectl get cm argocd-cm -n argocd -o yaml), found {}",
            kind.unwrap_or("something else")
        )));
    }
    let data = match doc.value.get("data") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(d)) => d,
        Some(_) => return Err(bad("`data` must be a mapping".into())),
    };
    let mut overrides: BTreeMap<String, Override> = BTreeMap::new();
    if let Some(block) = data.get(COMBINED_KEY) {
        combined(file, block, &mut overrides)
            .map_err(|m| bad(format!("data.{COMBINED_KEY}: {m}")))?;
    }
    for (key, value) in data {
        if !key.starts_with(COMBINED_KEY) {
            continue;
        }
        let parts: Vec<&str> = key.splitn(4, '.').collect();
        if parts.len() < 4 {
            continue;
        }
        let value = value
            .as_str()
            .ok_or_else(|| bad(format!("data.{key}: must be a string")))?;
        let mut gk = override_key(parts[3]).map_err(|m| bad(format!("data.{key}: {m}")))?;
        if gk == "all" {
            gk = "*/*".into();
        }
        let entry = overrides.entry(gk).or_default();
        match parts[2] {
            "health" => {
                entry.health = value.to_string();
                entry.origin = format!("{file}: data.{key}");
            }
            "useOpenLibs" => {
                entry.open_libs = parse_bool(value).ok_or_else(|| {
                    bad(format!(
                        "data.{key}: strconv.ParseBool: parsing {value:?}: invalid syntax"
                    ))
                })?
            }
            t if SPLIT_TYPES.contains(&t) => {}
            t => {
                return Err(bad(format!(
                    "data.{key}: resource customization type {t} not supported"
                )));
            }
        }
    }
    Ok(overrides
        .into_iter()
        .filter(|(_, o)| !o.health.is_empty())
        .map(|(key, o)| {
            let script = Script {
                origin: o.origin,
                code: o.health,
                open_libs: o.open_libs,
            };
            (key, script)
        })
        .collect())
}

/// Reads the combined block into `out`.
fn combined(file: &str, block: &Value, out: &mut BTreeMap<String, Override>) -> Result<(), String> {
    let text = block.as_str().ok_or("must be a string (a YAML block)")?;
    let docs = crate::yaml::parse_stream(text, crate::yaml::Schema::Yaml11)
        .map_err(|e| format!("line {} of the block: {}", e.line, e.message))?;
    let Some(doc) = docs.first() else {
        return Ok(());
    };
    let map = doc
        .value
        .as_object()
        .ok_or("must be a mapping of group/Kind keys")?;
    for (key, entry) in map {
        let field = |name: &str| entry.get(name).filter(|v| !v.is_null());
        let health = match field("health.lua") {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(format!("{key}: health.lua must be a string")),
        };
        let open_libs = match field("health.lua.useOpenLibs") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(format!("{key}: health.lua.useOpenLibs must be a boolean")),
        };
        out.insert(
            key.clone(),
            Override {
                health,
                open_libs,
                origin: format!("{file}: data.{COMBINED_KEY} {key:?}"),
            },
        );
    }
    Ok(())
}

/// Argo CD's `convertToOverrideKey`: `group_kind` → `group/kind`, `kind` → `kind`.
fn override_key(group_kind: &str) -> Result<String, String> {
    let parts: Vec<&str> = group_kind.split('_').collect();
    match parts.as_slice() {
        [group, kind] => Ok(format!("{group}/{kind}")),
        [_] if !group_kind.is_empty() => Ok(group_kind.to_string()),
        _ => Err(format!(
            "group kind should be in format `resource.customizations.<type>.<group_kind>` or `resource.customizations.<type>.<kind>`, got group kind: '{group_kind}'"
        )),
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<(String, Script)>, String> {
        health_overrides("cm.yaml", text).map_err(|e| e.to_string())
    }

    #[test]
    fn split_keys_override_the_combined_block() {
        let cm = "apiVersion: v1\nkind: ConfigMap\ndata:\n  resource.customizations: |\n    a.io/K:\n      health.lua: return 1\n      health.lua.useOpenLibs: true\n    \"*.io/*\":\n      health.lua: return 2\n    b.io/K:\n      ignoreDifferences: x\n  resource.customizations.health.a.io_K: return 3\n  resource.customizations.useOpenLibs.c.io_K: 'true'\n  resource.customizations.health.Pod: return 4\n  resource.customizations.health.all: return 5\n";
        let got = read(cm).unwrap_or_default();
        let keys: Vec<(&str, &str, bool)> = got
            .iter()
            .map(|(k, s)| (k.as_str(), s.code.as_str(), s.open_libs))
            .collect();
        assert_eq!(
            keys,
            [
                ("*.io/*", "return 2", false),
                ("*/*", "return 5", false),
                ("Pod", "return 4", false),
                ("a.io/K", "return 3", true),
            ]
        );
        assert_eq!(
            got[3].1.origin,
            "cm.yaml: data.resource.customizations.health.a.io_K"
        );
        assert_eq!(
            got[0].1.origin,
            "cm.yaml: data.resource.customizations \"*.io/*\""
        );
    }

    #[test]
    fn errors_name_the_key() {
        let bad_type = "kind: ConfigMap\ndata:\n  resource.customizations.hea1th.a.io_K: x\n";
        assert_eq!(
            read(bad_type).err().as_deref(),
            Some(
                "cm.yaml: data.resource.customizations.hea1th.a.io_K: resource customization type hea1th not supported"
            )
        );
        let bad_gk = "kind: ConfigMap\ndata:\n  resource.customizations.health.a_b_c: x\n";
        assert!(read(bad_gk).is_err_and(|e| e.contains("got group kind: 'a_b_c'")));
        let bad_bool = "kind: ConfigMap\ndata:\n  resource.customizations.useOpenLibs.K: yes\n";
        assert!(read(bad_bool).is_err_and(|e| e.contains("ParseBool")));
        let not_cm = "kind: Secret\ndata: {}\n";
        assert!(read(not_cm).is_err_and(|e| e.contains("found Secret")));
        let bad_block = "kind: ConfigMap\ndata:\n  resource.customizations: |\n    a.io/K:\n      health.lua: [1]\n";
        assert!(read(bad_block).is_err_and(|e| e.contains("a.io/K: health.lua must be a string")));
        assert_eq!(read("kind: ConfigMap\n").ok().map(|v| v.len()), Some(0));
    }
}
