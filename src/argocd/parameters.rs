//! Plugin parameters: what Argo CD sends (`ARGOCD_APP_PARAMETERS`, `PARAM_*`), rollpin's
//! parameters and their validation, and their announcement (plugin.yaml's static list).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A parameter value as Argo CD sends it: a string, an array or a map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    /// `{"name": …, "string": "…"}`.
    String(String),
    /// `{"name": …, "array": […]}`.
    Array(Vec<String>),
    /// `{"name": …, "map": {…}}`.
    Map(BTreeMap<String, String>),
}

/// One parameter set on the Application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: ParameterValue,
}

/// `ARGOCD_APP_PARAMETERS` element as Argo CD marshals it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    name: String,
    string: Option<String>,
    array: Option<Vec<String>>,
    map: Option<BTreeMap<String, String>>,
}

/// A string parameter: `None` when unset, an error naming it when it is a map or array.
pub fn string_param<'a>(
    params: &'a [Parameter],
    name: &str,
) -> Result<Option<&'a str>, super::EnvError> {
    match params.iter().find(|p| p.name == name).map(|p| &p.value) {
        None => Ok(None),
        Some(ParameterValue::String(s)) => Ok(Some(s)),
        Some(_) => Err(super::EnvError(format!(
            "parameter '{name}' must be a string (set it with `string:` in the Application)"
        ))),
    }
}

/// A boolean parameter: `true` or `false` (empty or unset: `false`).
pub fn bool_param(params: &[Parameter], name: &str) -> Result<bool, super::EnvError> {
    match string_param(params, name)? {
        None | Some("" | "false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(super::EnvError(format!(
            "parameter '{name}': must be 'true' or 'false', got '{other}'"
        ))),
    }
}

/// Parses `ARGOCD_APP_PARAMETERS` (a JSON array; `null` or empty means none).
pub fn parse_parameters_json(text: &str) -> Result<Vec<Parameter>, String> {
    let text = text.trim();
    if text.is_empty() || text == "null" {
        return Ok(Vec::new());
    }
    let raw: Vec<RawParameter> = serde_json::from_str(text)
        .map_err(|e| format!("ARGOCD_APP_PARAMETERS is not a JSON array of parameters: {e}"))?;
    raw.into_iter()
        .map(|r| {
            let value = match (r.string, r.array, r.map) {
                (Some(s), None, None) => ParameterValue::String(s),
                (None, Some(a), None) => ParameterValue::Array(a),
                (None, None, Some(m)) => ParameterValue::Map(m),
                (None, None, None) => ParameterValue::String(String::new()),
                _ => {
                    return Err(format!(
                        "parameter '{}': more than one of string, array and map is set",
                        r.name
                    ));
                }
            };
            Ok(Parameter {
                name: r.name,
                value,
            })
        })
        .collect()
}

/// Argo CD's `PARAM_` name escaping: upper case, anything outside `[A-Z0-9_]` becomes `_`.
pub fn escape_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One entry of the announcement Argo CD shows in the UI (`ParameterAnnouncement`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Announcement {
    /// Parameter name.
    pub name: String,
    /// Title shown in the UI.
    pub title: String,
    /// Tooltip shown in the UI.
    pub tooltip: String,
    /// Whether the UI requires a value.
    #[serde(default)]
    pub required: bool,
    /// `string`, `array` or `map`.
    pub collection_type: String,
    /// Default for string parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
}

/// The parameters rollpin understands and their announcement, as plugin.yaml lists them
/// (`spec.parameters.static`; a test keeps the two equal).
pub fn announcements(default_reorder: &str) -> Vec<Announcement> {
    let mut list = vec![Announcement {
        name: "reorder".into(),
        title: "Output order".into(),
        tooltip: "legacy: kustomize's default kind order; none: the order resources are listed in. A sortOptions field in the kustomization wins.".into(),
        required: false,
        collection_type: "string".into(),
        string: Some(default_reorder.into()),
    },
    Announcement {
        name: "release-record".into(),
        title: "Release record".into(),
        tooltip: "true: append a RollbackManifest that pins this revision's image digests, config hashes, source and render digest (needs rollpin's CRDs in the cluster).".into(),
        required: false,
        collection_type: "string".into(),
        string: Some("false".into()),
    },
    Announcement {
        name: "require-digests".into(),
        title: "Require image digests".into(),
        tooltip: "true: fail the render, listing each one, when a container image is not pinned by a digest (image@sha256:…).".into(),
        required: false,
        collection_type: "string".into(),
        string: Some("false".into()),
    },
    Announcement {
        name: "expect-render-digest".into(),
        title: "Expected render digest".into(),
        tooltip: "sha256:… of the render without its record (a release record's spec.renderDigest): the render fails, printing nothing, when it differs. A rollback controller sets it so that Argo CD applies only exactly the recorded release.".into(),
        required: false,
        collection_type: "string".into(),
        string: None,
    },
    Announcement {
        name: "expect-objects".into(),
        title: "Expected objects".into(),
        tooltip: "The first 12 hex digits of each object's digest, in order, space-separated (a release record's spec.resources[].sha256): with expect-render-digest, a refused render names the first object that differs.".into(),
        required: false,
        collection_type: "string".into(),
        string: None,
    },
    Announcement {
        name: "pin-images".into(),
        title: "Pin images".into(),
        tooltip: "image → digest (e.g. a tag-only image's digest observed running): every image field equal to a key is written as image@digest, after the render digest check; a key matching no image fails the render.".into(),
        required: false,
        collection_type: "map".into(),
        string: None,
    }];
    list.extend(
        KUSTOMIZE_ANNOUNCEMENTS
            .iter()
            .map(|(name, kind, tooltip)| Announcement {
                name: (*name).into(),
                title: format!("kustomize: {name}"),
                tooltip: (*tooltip).into(),
                required: false,
                collection_type: (*kind).into(),
                string: None,
            }),
    );
    list
}

/// Argo CD's kustomize options (`spec.source.kustomize`), announced with the same names:
/// (name, collection type, tooltip).
const KUSTOMIZE_ANNOUNCEMENTS: [(&str, &str, &str); 15] = [
    (
        "namePrefix",
        "string",
        "As spec.source.kustomize.namePrefix: kustomize edit set nameprefix.",
    ),
    (
        "nameSuffix",
        "string",
        "As spec.source.kustomize.nameSuffix: kustomize edit set namesuffix.",
    ),
    (
        "images",
        "array",
        "As spec.source.kustomize.images, each [NAME=]NEWNAME[:TAG][@DIGEST]: kustomize edit set image (${ARGOCD_APP_*} substituted).",
    ),
    (
        "replicas",
        "map",
        "As spec.source.kustomize.replicas, name → count: kustomize edit set replicas.",
    ),
    (
        "commonLabels",
        "map",
        "As spec.source.kustomize.commonLabels: kustomize edit add label (${ARGOCD_APP_*} substituted).",
    ),
    (
        "forceCommonLabels",
        "string",
        "true: commonLabels override labels the kustomization already sets (--force).",
    ),
    (
        "labelWithoutSelector",
        "string",
        "true: commonLabels are added to labels without selectors (--without-selector).",
    ),
    (
        "labelIncludeTemplates",
        "string",
        "true: with labelWithoutSelector, the labels also go into pod templates (--include-templates).",
    ),
    (
        "commonAnnotations",
        "map",
        "As spec.source.kustomize.commonAnnotations: kustomize edit add annotation.",
    ),
    (
        "forceCommonAnnotations",
        "string",
        "true: commonAnnotations override annotations the kustomization already sets (--force).",
    ),
    (
        "commonAnnotationsEnvsubst",
        "string",
        "true: ${ARGOCD_APP_*} is substituted in commonAnnotations' values.",
    ),
    (
        "namespace",
        "string",
        "As spec.source.kustomize.namespace: kustomize edit set namespace.",
    ),
    (
        "patches",
        "string",
        "As spec.source.kustomize.patches, a YAML list of patches (path or patch, target, options) appended to the kustomization's patches.",
    ),
    (
        "components",
        "array",
        "As spec.source.kustomize.components: kustomize edit add component.",
    ),
    (
        "ignoreMissingComponents",
        "string",
        "true: components whose directory does not exist are skipped.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_argocd_parameter_json() {
        let p = parse_parameters_json(
            r#"[{"name":"reorder","string":"none"},{"name":"a","array":["x"]},{"name":"m","map":{"k":"v"}}]"#,
        )
        .unwrap();
        assert_eq!(p[0].value, ParameterValue::String("none".into()));
        assert_eq!(p[1].value, ParameterValue::Array(vec!["x".into()]));
        assert!(matches!(p[2].value, ParameterValue::Map(_)));
        assert!(parse_parameters_json("null").unwrap().is_empty());
        assert!(parse_parameters_json("").unwrap().is_empty());
        assert!(parse_parameters_json("{").is_err());
    }

    #[test]
    fn escapes_like_argocd() {
        assert_eq!(escape_name("image.tag"), "IMAGE_TAG");
        assert_eq!(escape_name("re-order"), "RE_ORDER");
    }
}
