//! Argo CD's built-in kustomize options (an Application's `spec.source.kustomize`) as
//! plugin parameters: validated once into [`KustomizeOptions`], then applied to the app's
//! kustomization *in memory*, in Argo CD's order, exactly as the `kustomize edit` commands
//! Argo CD runs before `kustomize build` would change the file (Argo CD's
//! `util/kustomize/kustomize.go`, kustomize v5.8's `edit set|add`). The build then reads
//! the edited text in place of the file ([`crate::kustomize::fs::OverlayFs`]); the user's
//! directory is never written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::argocd::EnvError;
use crate::argocd::envsubst::envsubst;
use crate::argocd::parameters::{Parameter, ParameterValue, bool_param, string_param};
use crate::kustomize::fs::FileSystem;
use crate::kustomize::loader::Loader;
// The fields of an Argo CD `KustomizePatch` (and of its `target`) are kustomize's own.
use crate::kustomize::field_names::{PATCH as PATCH_FIELDS, SELECTOR as TARGET_FIELDS};

/// The parameter names, Argo CD's `spec.source.kustomize` field names, in announcement
/// order.
pub const PARAMETERS: [&str; 15] = [
    "namePrefix",
    "nameSuffix",
    "images",
    "replicas",
    "commonLabels",
    "forceCommonLabels",
    "labelWithoutSelector",
    "labelIncludeTemplates",
    "commonAnnotations",
    "forceCommonAnnotations",
    "commonAnnotationsEnvsubst",
    "namespace",
    "patches",
    "components",
    "ignoreMissingComponents",
];

/// The parameters that are arrays (`images`, `components`) or maps (`replicas`,
/// `commonLabels`, `commonAnnotations`): Argo CD passes them in `ARGOCD_APP_PARAMETERS`.
pub const COLLECTION_PARAMETERS: [&str; 5] = [
    "images",
    "components",
    "replicas",
    "commonLabels",
    "commonAnnotations",
];

/// The options, validated; the defaults change nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KustomizeOptions {
    /// `kustomize edit set nameprefix`.
    pub name_prefix: String,
    /// `kustomize edit set namesuffix`.
    pub name_suffix: String,
    /// `kustomize edit set image`, each `[NAME=]NEWNAME[:TAG][@DIGEST]` after envsubst.
    pub images: Vec<String>,
    /// `kustomize edit set replicas NAME=COUNT`.
    pub replicas: BTreeMap<String, i64>,
    /// `kustomize edit add label` (values after envsubst).
    pub common_labels: BTreeMap<String, String>,
    /// `--force`.
    pub force_common_labels: bool,
    /// `--without-selector`: the labels go to `labels` without selectors.
    pub label_without_selector: bool,
    /// `--include-templates` (with `--without-selector` only).
    pub label_include_templates: bool,
    /// `kustomize edit add annotation`.
    pub common_annotations: BTreeMap<String, String>,
    /// `--force`.
    pub force_common_annotations: bool,
    /// `kustomize edit set namespace`.
    pub namespace: String,
    /// Appended to the kustomization's `patches`.
    pub patches: Vec<Value>,
    /// `kustomize edit add component`.
    pub components: Vec<String>,
    /// Skip components whose directory does not exist in the repository.
    pub ignore_missing_components: bool,
}

fn err(name: &str, message: impl std::fmt::Display) -> EnvError {
    EnvError(format!("parameter '{name}': {message}"))
}

fn find<'a>(params: &'a [Parameter], name: &str) -> Option<&'a ParameterValue> {
    params.iter().find(|p| p.name == name).map(|p| &p.value)
}

fn string(params: &[Parameter], name: &str) -> Result<String, EnvError> {
    Ok(string_param(params, name)?.unwrap_or_default().to_string())
}

fn array(params: &[Parameter], name: &str) -> Result<Vec<String>, EnvError> {
    match find(params, name) {
        None => Ok(Vec::new()),
        Some(ParameterValue::Array(a)) => Ok(a.clone()),
        Some(_) => Err(err(name, "must be an array (set it with `array:`)")),
    }
}

fn map(params: &[Parameter], name: &str) -> Result<BTreeMap<String, String>, EnvError> {
    match find(params, name) {
        None => Ok(BTreeMap::new()),
        Some(ParameterValue::Map(m)) => Ok(m.clone()),
        Some(_) => Err(err(name, "must be a map (set it with `map:`)")),
    }
}

/// A namespace name as Kubernetes accepts it (RFC 1123 label).
fn valid_namespace(ns: &str) -> bool {
    let b = ns.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Parses the `patches` parameter: a YAML (or JSON) list of Argo CD `KustomizePatch`
/// objects, written back as Argo CD marshals them (empty fields left out).
fn parse_patches(text: &str) -> Result<Vec<Value>, EnvError> {
    const NAME: &str = "patches";
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let docs = crate::yaml::parse_stream(text, crate::yaml::Schema::Kyaml)
        .map_err(|e| err(NAME, format!("not YAML: {e}")))?;
    let list = match docs.as_slice() {
        [one] => one.value.as_array().cloned(),
        _ => None,
    }
    .ok_or_else(|| {
        err(
            NAME,
            "must be a YAML list of patches (path/patch, target, options)",
        )
    })?;
    list.into_iter()
        .enumerate()
        .map(|(i, p)| {
            let Value::Object(fields) = p else {
                return Err(err(NAME, format!("patch {}: not a mapping", i + 1)));
            };
            let mut out = Map::new();
            for (k, v) in fields {
                if !PATCH_FIELDS.contains(&k.as_str()) {
                    return Err(err(
                        NAME,
                        format!(
                            "patch {}: unknown field '{k}' (known: {})",
                            i + 1,
                            PATCH_FIELDS.join(", ")
                        ),
                    ));
                }
                let v = match (k.as_str(), v) {
                    ("target", Value::Object(t)) if t.values().all(Value::is_string) => {
                        if let Some(bad) = t.keys().find(|f| !TARGET_FIELDS.contains(&f.as_str())) {
                            return Err(err(
                                NAME,
                                format!("patch {}: unknown target field '{bad}'", i + 1),
                            ));
                        }
                        Value::Object(
                            t.into_iter()
                                .filter(|(_, v)| v.as_str() != Some(""))
                                .collect(),
                        )
                    }
                    ("options", Value::Object(o)) if o.values().all(Value::is_boolean) => {
                        Value::Object(o)
                    }
                    ("path" | "patch", Value::String(s)) => Value::String(s),
                    (k, _) => {
                        return Err(err(
                            NAME,
                            format!("patch {}: '{k}' has the wrong type", i + 1),
                        ));
                    }
                };
                let empty = v.as_str() == Some("") || v.as_object().is_some_and(Map::is_empty);
                if !empty {
                    out.insert(k, v);
                }
            }
            if !out.contains_key("path") && !out.contains_key("patch") {
                return Err(err(NAME, format!("patch {}: needs path or patch", i + 1)));
            }
            Ok(Value::Object(out))
        })
        .collect()
}

impl KustomizeOptions {
    /// Reads and checks the options among `params`; `env` is the build environment
    /// `${…}` may name ([`crate::argocd::envsubst::BUILD_ENV_NAMES`]).
    pub fn from_parameters(
        params: &[Parameter],
        env: &BTreeMap<String, String>,
    ) -> Result<KustomizeOptions, EnvError> {
        let subst_annotations = bool_param(params, "commonAnnotationsEnvsubst")?;
        let namespace = string(params, "namespace")?;
        if !namespace.is_empty() && !valid_namespace(&namespace) {
            return Err(err(
                "namespace",
                format!(
                    "{namespace:?} is not a valid namespace name: lower case letters, digits \
                     and '-', at most 63, starting and ending with a letter or digit"
                ),
            ));
        }
        let mut replicas = BTreeMap::new();
        for (name, count) in map(params, "replicas")? {
            let n: i64 = count.parse().map_err(|_| {
                err(
                    "replicas",
                    format!("{name}: count must be an integer, got {count:?}"),
                )
            })?;
            if name.is_empty() || name.contains('=') {
                return Err(err(
                    "replicas",
                    format!("invalid name {name:?}: use the format <name>=<count>"),
                ));
            }
            replicas.insert(name, n);
        }
        let opts = KustomizeOptions {
            name_prefix: string(params, "namePrefix")?,
            name_suffix: string(params, "nameSuffix")?,
            images: array(params, "images")?
                .iter()
                .map(|i| envsubst(i, env))
                .collect(),
            replicas,
            common_labels: map(params, "commonLabels")?
                .into_iter()
                .map(|(k, v)| (k, envsubst(&v, env)))
                .collect(),
            force_common_labels: bool_param(params, "forceCommonLabels")?,
            label_without_selector: bool_param(params, "labelWithoutSelector")?,
            label_include_templates: bool_param(params, "labelIncludeTemplates")?,
            common_annotations: map(params, "commonAnnotations")?
                .into_iter()
                .map(|(k, v)| {
                    let v = if subst_annotations {
                        envsubst(&v, env)
                    } else {
                        v
                    };
                    (k, v)
                })
                .collect(),
            force_common_annotations: bool_param(params, "forceCommonAnnotations")?,
            namespace,
            patches: parse_patches(&string(params, "patches")?)?,
            components: array(params, "components")?,
            ignore_missing_components: bool_param(params, "ignoreMissingComponents")?,
        };
        if opts.label_include_templates
            && !opts.label_without_selector
            && !opts.common_labels.is_empty()
        {
            return Err(err(
                "labelIncludeTemplates",
                "needs labelWithoutSelector \"true\" (kustomize: --without-selector flag must \
                 be specified for --include-templates to work)",
            ));
        }
        for image in &opts.images {
            crate::argocd::kustomize_edit::parse_image(image).map_err(|e| err("images", e))?;
        }
        Ok(opts)
    }

    /// Whether any option is set (else the kustomization is read as it is).
    pub fn is_empty(&self) -> bool {
        *self
            == KustomizeOptions {
                force_common_labels: self.force_common_labels,
                label_without_selector: self.label_without_selector,
                label_include_templates: self.label_include_templates,
                force_common_annotations: self.force_common_annotations,
                ignore_missing_components: self.ignore_missing_components,
                ..KustomizeOptions::default()
            }
    }
}

/// The app's kustomization file with `opts` applied: its real path and the edited text,
/// for [`crate::kustomize::fs::OverlayFs`]; `None` when no option is set.
pub fn edited_kustomization(
    opts: &KustomizeOptions,
    fs: &dyn FileSystem,
    dir: &Path,
    build: &crate::kustomize::Options,
) -> Result<Option<(PathBuf, Vec<u8>)>, EnvError> {
    if opts.is_empty() {
        return Ok(None);
    }
    let loader = Loader::new_root(fs, dir, build.repo_root.clone(), build.limits)
        .map_err(|e| EnvError(e.to_string()))?;
    let (path, text) = loader
        .kustomization_file()
        .map_err(|e| EnvError(format!("Argo CD's kustomize options: {e}")))?;
    let real = fs
        .real_path(&path)
        .map_err(|e| EnvError(format!("{}: {e}", path.display())))?;
    let docs = crate::yaml::parse_stream(&text, crate::yaml::Schema::Kyaml)
        .map_err(|e| EnvError(format!("{}: {e}", path.display())))?;
    let mut k = match docs.into_iter().next().map(|d| d.value) {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => Map::new(),
        Some(_) => {
            return Err(EnvError(format!(
                "{}: not a mapping, cannot apply Argo CD's kustomize options",
                path.display()
            )));
        }
    };
    crate::argocd::kustomize_edit::edit(
        &mut k,
        opts,
        fs,
        &loader.root,
        loader.repo_root.as_deref(),
    )?;
    let mut out = String::new();
    crate::yaml::write_document(&Value::Object(k), &mut out);
    Ok(Some((real, out.into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::argocd::parameters::parse_parameters_json;

    fn opts(json: &str) -> Result<KustomizeOptions, EnvError> {
        let env = [(
            "ARGOCD_APP_REVISION_SHORT".to_string(),
            "5e2d1f0".to_string(),
        )]
        .into_iter()
        .collect();
        KustomizeOptions::from_parameters(&parse_parameters_json(json).unwrap(), &env)
    }

    #[test]
    fn reads_each_option() {
        let o = opts(
            r#"[{"name":"namePrefix","string":"p-"},
                {"name":"images","array":["web=ghcr.io/a/web:${ARGOCD_APP_REVISION_SHORT}"]},
                {"name":"replicas","map":{"web":"3"}},
                {"name":"commonLabels","map":{"rev":"$ARGOCD_APP_REVISION_SHORT"}},
                {"name":"commonAnnotations","map":{"rev":"$ARGOCD_APP_REVISION_SHORT"}},
                {"name":"patches","string":"- patch: |-\n    x\n  target:\n    kind: Deployment\n    name: \"\"\n"}]"#,
        )
        .unwrap();
        assert_eq!(o.name_prefix, "p-");
        assert_eq!(o.images, ["web=ghcr.io/a/web:5e2d1f0"]);
        assert_eq!(o.replicas["web"], 3);
        assert_eq!(o.common_labels["rev"], "5e2d1f0");
        assert_eq!(o.common_annotations["rev"], "$ARGOCD_APP_REVISION_SHORT");
        assert_eq!(
            o.patches,
            [serde_json::json!({"patch": "x", "target": {"kind": "Deployment"}})]
        );
        assert!(!o.is_empty());
        assert!(opts("[]").unwrap().is_empty());
        assert!(
            opts(r#"[{"name":"forceCommonLabels","string":"true"}]"#)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn bad_values_name_the_parameter() {
        for (json, want) in [
            (
                r#"[{"name":"namespace","string":"Shop"}]"#,
                "parameter 'namespace': \"Shop\" is not a valid namespace name",
            ),
            (
                r#"[{"name":"replicas","map":{"web":"three"}}]"#,
                "parameter 'replicas': web: count must be an integer, got \"three\"",
            ),
            (
                r#"[{"name":"images","array":["nginx"]}]"#,
                "parameter 'images': invalid format of image",
            ),
            (
                r#"[{"name":"images","string":"nginx:1"}]"#,
                "parameter 'images': must be an array",
            ),
            (
                r#"[{"name":"commonLabels","string":"a:b"}]"#,
                "parameter 'commonLabels': must be a map",
            ),
            (
                r#"[{"name":"forceCommonLabels","string":"yes"}]"#,
                "parameter 'forceCommonLabels': must be 'true' or 'false', got 'yes'",
            ),
            (
                r#"[{"name":"patches","string":"patch: x"}]"#,
                "parameter 'patches': must be a YAML list",
            ),
            (
                r#"[{"name":"patches","string":"- target: {kind: Deployment}"}]"#,
                "parameter 'patches': patch 1: needs path or patch",
            ),
            (
                r#"[{"name":"patches","string":"- patch: x\n  when: now"}]"#,
                "parameter 'patches': patch 1: unknown field 'when'",
            ),
            (
                r#"[{"name":"commonLabels","map":{"a":"b"}},{"name":"labelIncludeTemplates","string":"true"}]"#,
                "parameter 'labelIncludeTemplates': needs labelWithoutSelector",
            ),
        ] {
            let e = opts(json).unwrap_err().to_string();
            assert!(e.starts_with(want), "{json}: {e}");
        }
    }
}
