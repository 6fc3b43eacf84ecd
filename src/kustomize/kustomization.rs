//! The kustomization file: its fields (kustomize 5.5's `types.Kustomization`), how it is
//! decoded (YAML 1.1, unknown fields refused), the deprecation warnings kustomize prints,
//! and the normalisation kustomize applies before building (`bases` into `resources`, …).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::kustomize::error::{Error, Result};
use crate::kustomize::field_spec::FieldSpec;
use crate::kustomize::selector::Selector;
use crate::yaml::Schema;

/// File names kustomize recognises, in its order.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A string-to-string map with sorted keys.
pub type StringMap = BTreeMap<String, String>;

/// A kustomization file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Kustomization {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: Option<Value>,
    pub openapi: Option<StringMap>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    pub namespace: Option<String>,
    pub common_labels: Option<StringMap>,
    pub labels: Option<Vec<Label>>,
    pub common_annotations: Option<StringMap>,
    pub patches_strategic_merge: Option<Vec<String>>,
    #[serde(rename = "patchesJson6902")]
    pub patches_json6902: Option<Vec<Json6902Args>>,
    pub patches: Option<Vec<PatchArgs>>,
    pub images: Option<Vec<Image>>,
    pub image_tags: Option<Vec<Image>>,
    pub replacements: Option<Value>,
    pub replicas: Option<Vec<Replica>>,
    pub vars: Option<Value>,
    pub sort_options: Option<SortOptions>,
    pub resources: Option<Vec<String>>,
    pub components: Option<Vec<String>>,
    pub crds: Option<Vec<String>>,
    pub bases: Option<Vec<String>>,
    pub config_map_generator: Option<Vec<GeneratorArgs>>,
    pub secret_generator: Option<Vec<GeneratorArgs>>,
    pub helm_globals: Option<HelmGlobals>,
    pub helm_charts: Option<Vec<serde_json::Map<String, Value>>>,
    pub helm_chart_inflation_generator: Option<Vec<serde_json::Map<String, Value>>>,
    pub generator_options: Option<GeneratorOptions>,
    pub configurations: Option<Vec<String>>,
    pub generators: Option<Vec<String>>,
    pub transformers: Option<Vec<String>>,
    pub validators: Option<Vec<String>>,
    pub build_metadata: Option<Vec<String>>,
}

/// `helmGlobals`: where charts and helm's configuration live. Read (and type-checked) only:
/// rollpin runs no helm; without `helmCharts` kustomize renders without it too.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
pub struct HelmGlobals {
    chart_home: Option<String>,
    config_home: Option<String>,
}

/// One `labels:` entry.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Label {
    /// The labels to add.
    #[serde(default)]
    pub pairs: StringMap,
    /// Also add them to selectors (like `commonLabels`).
    #[serde(default)]
    pub include_selectors: bool,
    /// Also add them to pod templates.
    #[serde(default)]
    pub include_templates: bool,
    /// Extra fields to add them to.
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
}

/// One `patches:` entry.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchArgs {
    /// A file holding the patch.
    #[serde(default)]
    pub path: String,
    /// The patch inline.
    #[serde(default)]
    pub patch: String,
    /// Which resources to patch.
    pub target: Option<Selector>,
    /// `allowNameChange` / `allowKindChange`.
    #[serde(default)]
    pub options: BTreeMap<String, bool>,
}

/// One `patchesJson6902:` entry (deprecated).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Json6902Args {
    /// Which resources to patch.
    pub target: Option<Selector>,
    /// A file holding the operations.
    #[serde(default)]
    pub path: String,
    /// The operations inline.
    #[serde(default)]
    pub patch: String,
}

/// One `images:` entry.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Image {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub new_name: String,
    #[serde(default)]
    pub new_tag: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub tag_suffix: String,
}

/// One `replicas:` entry.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replica {
    /// Name of the workload.
    #[serde(default)]
    pub name: String,
    /// Replica count.
    #[serde(default)]
    pub count: i64,
}

/// `sortOptions`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SortOptions {
    /// `legacy` or `fifo`.
    #[serde(default)]
    pub order: String,
    /// Kind lists for legacy order.
    pub legacy_sort_options: Option<LegacySortOptions>,
}

/// `sortOptions.legacySortOptions`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LegacySortOptions {
    /// Kinds placed first, in order.
    #[serde(default)]
    pub order_first: Vec<String>,
    /// Kinds placed last, in order.
    #[serde(default)]
    pub order_last: Vec<String>,
}

/// `generatorOptions`, global or per generator.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorOptions {
    /// Labels for generated objects.
    pub labels: Option<StringMap>,
    /// Annotations for generated objects.
    pub annotations: Option<StringMap>,
    /// No content-hash suffix.
    #[serde(default)]
    pub disable_name_suffix_hash: bool,
    /// Mark generated objects immutable.
    #[serde(default)]
    pub immutable: bool,
}

/// A `configMapGenerator` or `secretGenerator` entry.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorArgs {
    /// Namespace of the generated object.
    #[serde(default)]
    pub namespace: String,
    /// Name (before prefix, suffix and hash).
    #[serde(default)]
    pub name: String,
    /// `create` (default), `merge` or `replace`.
    #[serde(default)]
    pub behavior: String,
    /// `KEY=value` pairs.
    #[serde(default)]
    pub literals: Vec<String>,
    /// `[key=]path` files.
    #[serde(default)]
    pub files: Vec<String>,
    /// env files.
    #[serde(default)]
    pub envs: Vec<String>,
    /// A single env file (deprecated).
    #[serde(default)]
    pub env: String,
    /// Per-generator options.
    pub options: Option<GeneratorOptions>,
    /// Secret type (secretGenerator only).
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

impl Kustomization {
    /// Reads and validates a kustomization file's text.
    pub fn parse(path: &Path, text: &str) -> Result<Kustomization> {
        Self::parse_with_limits(path, text, crate::yaml::Limits::DEFAULT)
    }

    /// [`Kustomization::parse`] with the YAML reader's bounds.
    pub fn parse_with_limits(
        path: &Path,
        text: &str,
        limits: crate::yaml::Limits,
    ) -> Result<Kustomization> {
        let docs =
            crate::yaml::parse_stream_with_limits(text, Schema::Yaml11, limits).map_err(|e| {
                Error::InvalidKustomization {
                    path: path.to_path_buf(),
                    line: Some(e.line),
                    message: crate::kustomize::loader::yaml_message(e.message),
                }
            })?;
        let invalid = |line: Option<usize>, message: String| Error::InvalidKustomization {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut value = match docs.into_iter().next() {
            None => return Err(invalid(None, "kustomization.yaml is empty".into())),
            Some(d) => d.value,
        };
        crate::kustomize::field_names::canonicalize(&mut value);
        if !value.is_object() {
            return Err(invalid(None, "the file must hold a YAML mapping".into()));
        }
        let k: Kustomization = serde_path_to_error::deserialize(&value).map_err(|e| {
            let field = e.path().to_string();
            let top = field.split(['.', '[']).next().unwrap_or("").to_string();
            let mut inner = e.into_inner().to_string();
            if top.eq_ignore_ascii_case("secretGenerator") {
                inner = hide_value(&inner);
            }
            let message = if let Some(name) = unknown_field_name(&inner) {
                // serde's path ends with the unknown field itself.
                let parent = field
                    .strip_suffix(name.as_str())
                    .map(|p| p.trim_end_matches('.'))
                    .unwrap_or(&field);
                let at = if parent.is_empty() || parent == "." {
                    String::new()
                } else {
                    format!(" in {parent}")
                };
                let hint =
                    crate::kustomize::field_names::did_you_mean(&name, &expected_fields(&inner))
                        .map(|f| format!(" (did you mean \"{f}\"?)"))
                        .unwrap_or_default();
                format!("unknown field \"{name}\"{at}{hint}")
            } else {
                format!("field {field}: {inner}")
            };
            let key = unknown_field_name(&inner)
                .filter(|_| field == ".")
                .unwrap_or(top);
            invalid(top_level_key_line(text, &key), message)
        })?;
        for (field, gens) in [
            ("configMapGenerator", &k.config_map_generator),
            ("secretGenerator", &k.secret_generator),
        ] {
            for g in gens.iter().flatten() {
                if field == "configMapGenerator" && g.type_.is_some() {
                    return Err(invalid(
                        top_level_key_line(text, field),
                        format!("unknown field \"type\" in {field} '{}'", g.name),
                    ));
                }
            }
        }
        let kind = k.kind.as_deref().unwrap_or("");
        let api = k.api_version.as_deref().unwrap_or("");
        let ok = match kind {
            "" | "Kustomization" => api.is_empty() || api == "kustomize.config.k8s.io/v1beta1",
            "Component" => api.is_empty() || api == "kustomize.config.k8s.io/v1alpha1",
            _ => false,
        };
        if !ok {
            return Err(invalid(
                top_level_key_line(text, "kind"),
                format!(
                    "kind should be Kustomization or Component (with apiVersion kustomize.config.k8s.io/v1beta1 or v1alpha1), got kind '{kind}', apiVersion '{api}'"
                ),
            ));
        }
        if k.is_empty() {
            // kustomize says "kustomization.yaml is empty" here too, which misleads when
            // the file does hold apiVersion/kind.
            let what = if k.api_version.is_some() || k.kind.is_some() {
                "sets only apiVersion and kind"
            } else {
                "sets no field"
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Err(invalid(
                None,
                format!(
                    "{name} {what}: nothing to build (kustomize: \"kustomization.yaml is empty\"); list resources, components or generators in it"
                ),
            ));
        }
        Ok(k)
    }

    /// True when the file sets nothing but apiVersion/kind (kustomize's `CheckEmpty`).
    fn is_empty(&self) -> bool {
        let Kustomization {
            api_version: _,
            kind: _,
            metadata,
            openapi,
            name_prefix,
            name_suffix,
            namespace,
            common_labels,
            labels,
            common_annotations,
            patches_strategic_merge,
            patches_json6902,
            patches,
            images,
            image_tags,
            replacements,
            replicas,
            vars,
            sort_options,
            resources,
            components,
            crds,
            bases,
            config_map_generator,
            secret_generator,
            helm_globals,
            helm_charts,
            helm_chart_inflation_generator,
            generator_options,
            configurations,
            generators,
            transformers,
            validators,
            build_metadata,
        } = self;
        metadata.is_none()
            && openapi.is_none()
            && name_prefix.as_deref().unwrap_or("").is_empty()
            && name_suffix.as_deref().unwrap_or("").is_empty()
            && namespace.as_deref().unwrap_or("").is_empty()
            && common_labels.is_none()
            && labels.is_none()
            && common_annotations.is_none()
            && patches_strategic_merge.is_none()
            && patches_json6902.is_none()
            && patches.is_none()
            && images.is_none()
            && image_tags.is_none()
            && replacements.is_none()
            && replicas.is_none()
            && vars.is_none()
            && sort_options.is_none()
            && resources.is_none()
            && components.is_none()
            && crds.is_none()
            && bases.is_none()
            && config_map_generator.is_none()
            && secret_generator.is_none()
            && helm_globals.is_none()
            && helm_charts.is_none()
            && helm_chart_inflation_generator.is_none()
            && generator_options.is_none()
            && configurations.is_none()
            && generators.is_none()
            && transformers.is_none()
            && validators.is_none()
            && build_metadata.is_none()
    }

    /// kustomize's warnings for deprecated fields, in its order.
    pub fn deprecation_warnings(&self) -> Vec<String> {
        const FIX: &str = "Run 'kustomize edit fix' to update your Kustomization automatically.";
        let mut out = Vec::new();
        let mut warn = |set: bool, old: &str, new: &str, fix: &str| {
            if set {
                out.push(format!(
                    "# Warning: '{old}' is deprecated. Please use '{new}' instead. {fix}"
                ));
            }
        };
        warn(self.bases.is_some(), "bases", "resources", FIX);
        warn(self.common_labels.is_some(), "commonLabels", "labels", FIX);
        warn(self.image_tags.is_some(), "imageTags", "images", FIX);
        warn(
            self.patches_json6902.is_some(),
            "patchesJson6902",
            "patches",
            FIX,
        );
        warn(
            self.patches_strategic_merge.is_some(),
            "patchesStrategicMerge",
            "patches",
            FIX,
        );
        warn(
            self.vars.is_some(),
            "vars",
            "replacements",
            &format!("[EXPERIMENTAL] {FIX}"),
        );
        out
    }

    /// True for `kind: Component`.
    pub fn is_component(&self) -> bool {
        self.kind.as_deref() == Some("Component")
    }

    /// `resources` followed by the deprecated `bases`.
    pub fn all_resources(&self) -> Vec<String> {
        let mut v = self.resources.clone().unwrap_or_default();
        v.extend(self.bases.iter().flatten().cloned());
        v
    }

    /// `images` followed by the deprecated `imageTags`.
    pub fn all_images(&self) -> Vec<Image> {
        let mut v = self.images.clone().unwrap_or_default();
        v.extend(self.image_tags.iter().flatten().cloned());
        v
    }
}

/// The field name in serde's "unknown field `x`, expected …" message.
fn unknown_field_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest[..rest.find('`')?].to_string())
}

/// The field names serde lists after "expected one of" in an unknown-field message.
fn expected_fields(message: &str) -> Vec<String> {
    let Some((_, list)) = message.split_once("expected one of ") else {
        return message
            .split_once("expected `")
            .and_then(|(_, r)| r.split_once('`'))
            .map(|(f, _)| vec![f.to_string()])
            .unwrap_or_default();
    };
    list.split(", ")
        .map(|f| f.trim_matches(|c| c == '`' || c == ' ').to_string())
        .filter(|f| !f.is_empty())
        .collect()
}

/// 1-based line of a top-level `key:` in the file, when it can be found.
pub fn top_level_key_line(text: &str, key: &str) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    text.lines()
        .position(|l| {
            let l = l.trim_start_matches(['"', '\'']);
            l.strip_prefix(key).is_some_and(|r| {
                r.trim_start_matches(['"', '\''])
                    .trim_start()
                    .starts_with(':')
            })
        })
        .map(|i| i + 1)
}

/// serde's "invalid type: string \"…\", expected …" with the value replaced: under
/// `secretGenerator` the value may be a secret.
fn hide_value(message: &str) -> String {
    for lead in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(lead) {
            let expected = rest.find(", expected").map(|i| &rest[i..]).unwrap_or("");
            let what = rest.split([' ', ',']).next().unwrap_or("value");
            return format!("{lead}{what} (value not shown){expected}");
        }
    }
    message.to_string()
}
