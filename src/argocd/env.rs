//! The environment Argo CD's cmp-server gives a plugin command (`ARGOCD_APP_*`,
//! `KUBE_VERSION`, `KUBE_API_VERSIONS`, `ARGOCD_ENV_*`, parameters), read from an explicit
//! list of variables so the library never touches the process environment itself.

use std::collections::BTreeMap;

use crate::argocd::parameters::{Parameter, ParameterValue, escape_name, parse_parameters_json};
use crate::kustomize::order::Order;
use crate::release::guard::{ExpectedObjects, RenderDigest, shown};
use crate::release::pin_images::{ImagePins, PinOrigin};

/// rollpin's own parameters, in announcement order: all strings but `pin-images` (a map,
/// [`MAP_PARAMETER`]). Argo CD's kustomize options follow them
/// ([`crate::argocd::kustomize_options::PARAMETERS`]).
pub const KNOWN_PARAMETERS: [&str; 6] = [
    "reorder",
    "release-record",
    "require-digests",
    "expect-render-digest",
    "expect-objects",
    "pin-images",
];

/// rollpin's map parameter. Argo CD also sets it as `PARAM_PIN_IMAGES_<KEY>`, but with
/// each key escaped (`ghcr.io/acme/web:1.4` → `GHCR_IO_ACME_WEB_1_4`), so rollpin reads it
/// from `ARGOCD_APP_PARAMETERS` only.
pub const MAP_PARAMETER: &str = "pin-images";

/// Every parameter rollpin takes, in announcement order: its own, then Argo CD's kustomize
/// options.
pub fn all_parameters() -> impl Iterator<Item = &'static str> {
    KNOWN_PARAMETERS
        .into_iter()
        .chain(crate::argocd::kustomize_options::PARAMETERS)
}

/// A parameter with a value rollpin cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EnvError(pub String);

/// What Argo CD tells a plugin about the application being rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CmpEnv {
    /// `ARGOCD_APP_NAME`.
    pub app_name: Option<String>,
    /// `ARGOCD_APP_NAMESPACE` (the destination namespace).
    pub app_namespace: Option<String>,
    /// `ARGOCD_APP_REVISION` (resolved commit).
    pub revision: Option<String>,
    /// `ARGOCD_APP_REVISION_SHORT`.
    pub revision_short: Option<String>,
    /// `ARGOCD_APP_SOURCE_REPO_URL`.
    pub source_repo_url: Option<String>,
    /// `ARGOCD_APP_SOURCE_PATH`.
    pub source_path: Option<String>,
    /// `ARGOCD_APP_SOURCE_TARGET_REVISION`.
    pub target_revision: Option<String>,
    /// `KUBE_VERSION`.
    pub kube_version: Option<String>,
    /// `KUBE_API_VERSIONS`, split on commas.
    pub kube_api_versions: Vec<String>,
    /// `ARGOCD_ENV_<name>` entries, by name.
    pub plugin_env: BTreeMap<String, String>,
    /// Parameters set on the Application.
    pub parameters: Vec<Parameter>,
    /// The variables `${…}` in Argo CD's kustomize options may name
    /// ([`crate::argocd::envsubst::BUILD_ENV_NAMES`]).
    pub build_env: BTreeMap<String, String>,
}

impl CmpEnv {
    /// Reads the variables Argo CD sets from `vars` (e.g. `std::env::vars()`).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<CmpEnv, EnvError> {
        let mut env = CmpEnv::default();
        let mut params_json: Option<String> = None;
        let mut param_vars: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in vars {
            if crate::argocd::envsubst::BUILD_ENV_NAMES.contains(&k.as_str()) {
                env.build_env.insert(k.clone(), v.clone());
            }
            let slot = match k.as_str() {
                "ARGOCD_APP_NAME" => &mut env.app_name,
                "ARGOCD_APP_NAMESPACE" => &mut env.app_namespace,
                "ARGOCD_APP_REVISION" => &mut env.revision,
                "ARGOCD_APP_REVISION_SHORT" => &mut env.revision_short,
                "ARGOCD_APP_SOURCE_REPO_URL" => &mut env.source_repo_url,
                "ARGOCD_APP_SOURCE_PATH" => &mut env.source_path,
                "ARGOCD_APP_SOURCE_TARGET_REVISION" => &mut env.target_revision,
                "KUBE_VERSION" => &mut env.kube_version,
                "KUBE_API_VERSIONS" => {
                    env.kube_api_versions = v
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    continue;
                }
                "ARGOCD_APP_PARAMETERS" => {
                    params_json = Some(v);
                    continue;
                }
                _ => {
                    if let Some(name) = k.strip_prefix("ARGOCD_ENV_") {
                        env.plugin_env.insert(name.to_string(), v);
                    } else if let Some(name) = k.strip_prefix("PARAM_") {
                        param_vars.insert(name.to_string(), v);
                    }
                    continue;
                }
            };
            *slot = Some(v);
        }
        env.parameters = match params_json {
            Some(json) => parse_parameters_json(&json).map_err(EnvError)?,
            // Without the JSON form, only rollpin's own string parameters can be recovered
            // from `PARAM_<ESCAPED>` (Argo CD always sets both).
            None => {
                let collections = std::iter::once(MAP_PARAMETER)
                    .chain(crate::argocd::kustomize_options::COLLECTION_PARAMETERS);
                for name in collections.clone() {
                    let prefix = format!("{}_", escape_name(name));
                    if let Some(var) = param_vars.keys().find(|k| k.starts_with(&prefix)) {
                        return Err(EnvError(format!(
                            "parameter '{name}': PARAM_{var} is set but ARGOCD_APP_PARAMETERS \
                             is not; rollpin reads map and array parameters from \
                             ARGOCD_APP_PARAMETERS (the PARAM_ names lose their keys' characters)"
                        )));
                    }
                }
                all_parameters()
                    .filter(|name| !collections.clone().any(|c| c == *name))
                    .filter_map(|name| {
                        param_vars.get(&escape_name(name)).map(|v| Parameter {
                            name: name.to_string(),
                            value: ParameterValue::String(v.clone()),
                        })
                    })
                    .collect()
            }
        };
        Ok(env)
    }

    /// Reads the process environment's variables (`std::env::vars_os()`): variables Argo
    /// CD does not set for plugins are skipped whatever their bytes; one it does set that
    /// is not UTF-8 is an error naming it.
    pub fn from_os_vars(
        vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    ) -> Result<CmpEnv, EnvError> {
        let mut utf8 = Vec::new();
        for (k, v) in vars {
            let Ok(k) = k.into_string() else { continue };
            let read =
                k.starts_with("ARGOCD_") || k.starts_with("PARAM_") || k.starts_with("KUBE_");
            match v.into_string() {
                Ok(v) => utf8.push((k, v)),
                Err(_) if read => {
                    return Err(EnvError(format!(
                        "environment variable {k} is not valid UTF-8"
                    )));
                }
                Err(_) => {}
            }
        }
        CmpEnv::from_vars(utf8)
    }

    fn string_parameter(&self, name: &str) -> Result<Option<&str>, EnvError> {
        super::parameters::string_param(&self.parameters, name)
    }

    /// The `reorder` parameter, validated as `--reorder` is: `legacy`, `none`, or unset.
    pub fn reorder(&self) -> Result<Option<Order>, EnvError> {
        match self.string_parameter("reorder")? {
            None | Some("") => Ok(None),
            Some(value) => crate::kustomize::order::parse_reorder(value)
                .map(Some)
                .map_err(|e| EnvError(format!("parameter 'reorder': {e}"))),
        }
    }

    /// A boolean parameter: `true` or `false` (empty or unset: `false`).
    fn bool_parameter(&self, name: &str) -> Result<bool, EnvError> {
        super::parameters::bool_param(&self.parameters, name)
    }

    /// The `release-record` parameter: append a RollbackManifest to the render.
    pub fn release_record(&self) -> Result<bool, EnvError> {
        self.bool_parameter("release-record")
    }

    /// The `require-digests` parameter: fail when an image is not pinned by digest.
    pub fn require_digests(&self) -> Result<bool, EnvError> {
        self.bool_parameter("require-digests")
    }

    /// The `expect-render-digest` parameter: the render digest (a release record's
    /// `spec.renderDigest`) the render must have; empty or unset: no guard.
    pub fn expect_render_digest(&self) -> Result<Option<RenderDigest>, EnvError> {
        match self.string_parameter("expect-render-digest")? {
            None | Some("") => Ok(None),
            Some(text) => RenderDigest::parse(text).map(Some).map_err(|e| {
                EnvError(format!(
                    "parameter 'expect-render-digest': {e}, got {}",
                    shown(text)
                ))
            }),
        }
    }

    /// The `expect-objects` parameter: the expected objects' digest prefixes, so a refused
    /// render names the first that differs; empty or unset: none.
    pub fn expect_objects(&self) -> Result<Option<ExpectedObjects>, EnvError> {
        match self.string_parameter("expect-objects")? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => ExpectedObjects::parse(text)
                .map(Some)
                .map_err(|e| EnvError(format!("parameter 'expect-objects': {e}"))),
        }
    }

    /// The `pin-images` map parameter (image → digest), checked; unset: no pins.
    pub fn pin_images(&self) -> Result<ImagePins, EnvError> {
        let mut pins = ImagePins::default();
        match self.parameters.iter().find(|p| p.name == MAP_PARAMETER) {
            None => {}
            Some(Parameter {
                value: ParameterValue::Map(map),
                ..
            }) => {
                for (image, digest) in map {
                    pins.insert(image, digest, PinOrigin::Parameter)
                        .map_err(EnvError)?;
                }
            }
            Some(_) => {
                return Err(EnvError(format!(
                    "parameter '{MAP_PARAMETER}' must be a map of image to digest (set it with \
                     `map:` in the Application)"
                )));
            }
        }
        Ok(pins)
    }

    /// Argo CD's kustomize options among the parameters, checked.
    pub fn kustomize_options(
        &self,
    ) -> Result<crate::argocd::kustomize_options::KustomizeOptions, EnvError> {
        crate::argocd::kustomize_options::KustomizeOptions::from_parameters(
            &self.parameters,
            &self.build_env,
        )
    }

    /// Parameters rollpin does not know, which it refuses rather than ignores.
    pub fn check_known_parameters(&self) -> Result<(), EnvError> {
        match self
            .parameters
            .iter()
            .find(|p| !all_parameters().any(|k| k == p.name))
        {
            Some(p) => Err(EnvError(format!(
                "parameter '{}' is not a rollpin parameter (known: {})",
                p.name,
                all_parameters().collect::<Vec<_>>().join(", ")
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_argocd_variables() {
        let env = CmpEnv::from_vars(vars(&[
            ("ARGOCD_APP_NAME", "shop"),
            ("ARGOCD_APP_NAMESPACE", "prod"),
            ("ARGOCD_APP_REVISION", "0123456789abcdef"),
            ("ARGOCD_APP_SOURCE_PATH", "apps/shop"),
            ("KUBE_API_VERSIONS", "apps/v1,v1"),
            ("ARGOCD_ENV_TEAM", "web"),
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[{"name":"reorder","string":"none"}]"#,
            ),
            ("HOME", "/home/argocd"),
        ]))
        .unwrap();
        assert_eq!(env.app_name.as_deref(), Some("shop"));
        assert_eq!(env.kube_api_versions, vec!["apps/v1", "v1"]);
        assert_eq!(env.plugin_env["TEAM"], "web");
        assert_eq!(env.reorder().unwrap(), Some(Order::Fifo));
    }

    #[test]
    fn param_variables_without_json() {
        let env = CmpEnv::from_vars(vars(&[
            ("PARAM_REORDER", "legacy"),
            ("PARAM_RELEASE_RECORD", "true"),
        ]))
        .unwrap();
        assert_eq!(env.reorder().unwrap(), Some(Order::legacy()));
        assert!(env.release_record().unwrap());
        assert!(!env.require_digests().unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_variables() {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let junk = || OsString::from_vec(vec![0xff, 0xfe]);
        let env = CmpEnv::from_os_vars(vec![
            (OsString::from("JUNK"), junk()),
            (junk(), OsString::from("x")),
            (OsString::from("ARGOCD_APP_NAME"), OsString::from("shop")),
        ])
        .unwrap();
        assert_eq!(env.app_name.as_deref(), Some("shop"));
        let e = CmpEnv::from_os_vars(vec![(OsString::from("ARGOCD_APP_NAME"), junk())]);
        assert_eq!(
            e.unwrap_err().to_string(),
            "environment variable ARGOCD_APP_NAME is not valid UTF-8"
        );
    }

    #[test]
    fn boolean_parameters() {
        let env = CmpEnv::from_vars(vars(&[(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"release-record","string":"true"},{"name":"require-digests","string":"yes"}]"#,
        )]))
        .unwrap();
        env.check_known_parameters().unwrap();
        assert!(env.release_record().unwrap());
        let e = env.require_digests().unwrap_err().to_string();
        assert_eq!(
            e,
            "parameter 'require-digests': must be 'true' or 'false', got 'yes'"
        );
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let env = CmpEnv::from_vars(vars(&[("PARAM_REORDER", "random")])).unwrap();
        let e = env.reorder().unwrap_err().to_string();
        assert!(e.contains("parameter 'reorder'"), "{e}");
        let env = CmpEnv::from_vars(vars(&[(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"reorder","array":["x"]}]"#,
        )]))
        .unwrap();
        assert!(
            env.reorder()
                .unwrap_err()
                .to_string()
                .contains("must be a string")
        );
        let env = CmpEnv::from_vars(vars(&[(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"colour","string":"red"}]"#,
        )]))
        .unwrap();
        assert!(
            env.check_known_parameters()
                .unwrap_err()
                .to_string()
                .contains("'colour'")
        );
        assert!(CmpEnv::from_vars(vars(&[("ARGOCD_APP_PARAMETERS", "[{")])).is_err());
    }

    #[test]
    fn expect_render_digest_parameter() {
        let digest = format!("sha256:{}", "0a".repeat(32));
        let json = format!(r#"[{{"name":"expect-render-digest","string":"{digest}"}}]"#);
        let env = CmpEnv::from_vars(vars(&[("ARGOCD_APP_PARAMETERS", &json)])).unwrap();
        env.check_known_parameters().unwrap();
        assert_eq!(
            env.expect_render_digest()
                .unwrap()
                .map(|d| d.as_str().to_string()),
            Some(digest.clone())
        );
        // Without the JSON form, from PARAM_; empty means no guard.
        let env = CmpEnv::from_vars(vars(&[("PARAM_EXPECT_RENDER_DIGEST", &digest)])).unwrap();
        assert!(env.expect_render_digest().unwrap().is_some());
        let env = CmpEnv::from_vars(vars(&[("PARAM_EXPECT_RENDER_DIGEST", "")])).unwrap();
        assert_eq!(env.expect_render_digest().unwrap(), None);
        let env = CmpEnv::from_vars(vars(&[("PARAM_EXPECT_RENDER_DIGEST", "sha256:abc")])).unwrap();
        let e = env.expect_render_digest().unwrap_err().to_string();
        assert_eq!(
            e,
            "parameter 'expect-render-digest': must be sha256: and 64 lowercase hex digits \
             (a release record's spec.renderDigest), got \"sha256:abc\""
        );
    }

    #[test]
    fn pin_images_map_parameter() {
        let digest = format!("sha256:{}", "b".repeat(64));
        let json =
            format!(r#"[{{"name":"pin-images","map":{{"ghcr.io/acme/web:1.4":"{digest}"}}}}]"#);
        let env = CmpEnv::from_vars(vars(&[
            ("ARGOCD_APP_PARAMETERS", &json),
            ("PARAM_PIN_IMAGES_GHCR_IO_ACME_WEB_1_4", &digest),
        ]))
        .unwrap();
        env.check_known_parameters().unwrap();
        let mut want = ImagePins::default();
        want.insert("ghcr.io/acme/web:1.4", &digest, PinOrigin::Parameter)
            .unwrap();
        assert_eq!(env.pin_images().unwrap(), want);
        assert!(CmpEnv::default().pin_images().unwrap().is_empty());
        let bad = r#"[{"name":"pin-images","map":{"web:1":"sha256:abc"}}]"#;
        let env = CmpEnv::from_vars(vars(&[("ARGOCD_APP_PARAMETERS", bad)])).unwrap();
        let e = env.pin_images().unwrap_err().to_string();
        assert!(
            e.starts_with(
                "parameter 'pin-images': web:1: \"sha256:abc\" is not a well-formed digest"
            ),
            "{e}"
        );
        let string = r#"[{"name":"pin-images","string":"web:1"}]"#;
        let env = CmpEnv::from_vars(vars(&[("ARGOCD_APP_PARAMETERS", string)])).unwrap();
        let e = env.pin_images().unwrap_err().to_string();
        assert!(e.starts_with("parameter 'pin-images' must be a map"), "{e}");
        // The escaped PARAM_ form alone cannot be read back: refused, not ignored.
        let e = CmpEnv::from_vars(vars(&[("PARAM_PIN_IMAGES_WEB_1", &digest)])).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "parameter 'pin-images': PARAM_PIN_IMAGES_WEB_1 is set but ARGOCD_APP_PARAMETERS is not"
            ),
            "{e}"
        );
    }
}
