//! kustomize's built-in plugins configured by hand: `generators:` and `transformers:`
//! entries whose configuration says `apiVersion: builtin` (inline YAML or a file). They
//! run the same code as the kustomization fields; any other plugin is refused, since
//! rollpin runs no programs.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::kustomize::configurations::specs;
use crate::kustomize::error::{Error, Result};
use crate::kustomize::generators::{self, Origin};
use crate::kustomize::kustomization::{
    GeneratorArgs, GeneratorOptions, Image, Json6902Args, PatchArgs, Replica,
};
use crate::kustomize::loader::Loader;
use crate::kustomize::openapi::Schema as OpenApi;
use crate::kustomize::prefix_suffix::End;
use crate::kustomize::selector::Selector;
use crate::kustomize::{images, labels, namespace, patches, prefix_suffix, replacements, replicas};
use crate::resource::ResMap;
use crate::yaml::{Schema, parse_stream};

/// One plugin configuration and the file it came from.
pub struct PluginConfig {
    /// The configuration object.
    pub value: Value,
    /// The file holding it, relative to the kustomization (the kustomization file itself
    /// for inline entries).
    pub file: String,
}

fn inline_configs(text: &str) -> Option<Vec<Value>> {
    let docs = parse_stream(text, Schema::Kyaml).ok()?;
    let values: Vec<Value> = docs.into_iter().map(|d| d.value).collect();
    let valid = !values.is_empty()
        && values.iter().all(|v| {
            v.get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| !k.is_empty())
                && v.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.is_empty())
        });
    valid.then_some(values)
}

/// Reads the configurations a `generators:`/`transformers:` list names.
pub fn load(ldr: &Loader, kpath: &Path, entries: &[String]) -> Result<Vec<PluginConfig>> {
    let referrer = kpath.display().to_string();
    let kfile = kpath
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = Vec::new();
    for entry in entries {
        if let Some(values) = inline_configs(entry) {
            out.extend(values.into_iter().map(|value| PluginConfig {
                value,
                file: kfile.clone(),
            }));
            continue;
        }
        let bytes = ldr.read_file(entry, &referrer)?;
        let path = ldr.root.join(entry);
        let text = String::from_utf8(bytes).map_err(|_| Error::Read {
            path: path.clone(),
            message: "not valid UTF-8".into(),
        })?;
        let docs = crate::yaml::parse_stream_with_limits(&text, Schema::Kyaml, ldr.limits.yaml())
            .map_err(|e| Error::Yaml {
            path: path.clone(),
            line: e.line,
            message: crate::kustomize::loader::yaml_message(e.message),
        })?;
        out.extend(docs.into_iter().map(|d| PluginConfig {
            value: d.value,
            file: entry.clone(),
        }));
    }
    Ok(out)
}

fn kind_of(config: &Value) -> &str {
    config.get("kind").and_then(Value::as_str).unwrap_or("")
}

/// Refuses anything but `apiVersion: builtin`.
fn check_builtin(kpath: &Path, config: &Value) -> Result<()> {
    if config.get("apiVersion").and_then(Value::as_str) == Some("builtin") {
        return Ok(());
    }
    Err(Error::Unsupported {
        path: kpath.to_path_buf(),
        field: format!("plugin '{}'", kind_of(config)),
        hint: "external plugins are disabled: rollpin runs no programs; only `apiVersion: builtin` configurations are supported".into(),
    })
}

/// Deserializes the keys of `config` that `T` knows (kustomize's plugin configs are read
/// leniently).
fn lenient<T: serde::de::DeserializeOwned>(
    config: &Value,
    known: &[&str],
) -> std::result::Result<T, String> {
    let mut m = serde_json::Map::new();
    if let Value::Object(o) = config {
        for k in known {
            if let Some(v) = o.get(*k) {
                m.insert((*k).to_string(), v.clone());
            }
        }
    }
    serde_json::from_value(Value::Object(m)).map_err(|e| e.to_string())
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), crate::resource::scalar_text(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs generator plugins into `rm`; `origin_dir` is set with origin annotations.
pub fn run_generators(
    ldr: &Loader,
    kpath: &Path,
    configs: &[PluginConfig],
    origin_dir: Option<&str>,
    rm: &mut ResMap,
) -> Result<()> {
    for c in configs {
        check_builtin(kpath, &c.value)?;
        let field = match kind_of(&c.value) {
            "ConfigMapGenerator" => "configMapGenerator",
            "SecretGenerator" => "secretGenerator",
            other => {
                return Err(Error::Unsupported {
                    path: kpath.to_path_buf(),
                    field: format!("generator plugin '{other}'"),
                    hint: "supported built-in generators: ConfigMapGenerator, SecretGenerator"
                        .into(),
                });
            }
        };
        let known = [
            "namespace",
            "name",
            "behavior",
            "literals",
            "files",
            "envs",
            "env",
            "options",
            "type",
        ];
        let mut args: GeneratorArgs = lenient(&c.value, &known).map_err(|e| {
            Error::Build(format!(
                "{}: {} configuration in {}: {e}",
                kpath.display(),
                kind_of(&c.value),
                c.file
            ))
        })?;
        let meta = c.value.get("metadata");
        let meta_text = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        if args.name.is_empty() {
            args.name = meta_text("name");
        }
        if args.namespace.is_empty() {
            args.namespace = meta_text("namespace");
        }
        let origin = origin_dir.map(|d| Origin {
            file: crate::kustomize::build::join_clean(d, &c.file),
            plugin_name: Some(meta_text("name")),
        });
        generators::run_one(
            ldr,
            kpath,
            field,
            &args,
            &GeneratorOptions::default(),
            origin,
            rm,
        )?;
    }
    Ok(())
}

/// Runs transformer plugins over `rm`, in order; with `track_dir` (transformer
/// annotations), each is noted on every resource with its configuration's file and id.
pub fn run_transformers(
    ldr: &Loader,
    kpath: &Path,
    configs: &[PluginConfig],
    schema: Option<&OpenApi>,
    track_dir: Option<&str>,
    rm: &mut ResMap,
) -> Result<()> {
    let referrer = kpath.display().to_string();
    for c in configs {
        check_builtin(kpath, &c.value)?;
        let v = &c.value;
        let kind = kind_of(v).to_string();
        let fail = |message: String| {
            Error::Build(format!(
                "{}: {kind} configuration in {}: {message}",
                kpath.display(),
                c.file
            ))
        };
        let field_specs = || specs(v.get("fieldSpecs"), "fieldSpecs");
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let result: std::result::Result<(), String> = match kind.as_str() {
            "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => (|| {
                let fs = field_specs()?;
                let (prefix, suffix) = (text("prefix"), text("suffix"));
                if !prefix.is_empty() && kind != "SuffixTransformer" {
                    prefix_suffix::apply(rm, &prefix, End::Prefix, &fs)?;
                }
                if !suffix.is_empty() && kind != "PrefixTransformer" {
                    prefix_suffix::apply(rm, &suffix, End::Suffix, &fs)?;
                }
                Ok(())
            })(
            ),
            "LabelTransformer" => {
                field_specs().and_then(|fs| labels::apply(rm, &string_map(v.get("labels")), &fs))
            }
            "AnnotationsTransformer" => field_specs()
                .and_then(|fs| labels::apply(rm, &string_map(v.get("annotations")), &fs)),
            "NamespaceTransformer" => (|| {
                let fs = field_specs()?;
                let ns = v
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let opts = namespace::Options {
                    unset_only: v.get("unsetOnly").and_then(Value::as_bool).unwrap_or(false),
                    subjects: namespace::SubjectMode::parse(&text("setRoleBindingSubjects"))?,
                };
                if ns.is_empty() {
                    return Ok(());
                }
                namespace::apply(rm, ns, &fs, opts)
            })(),
            "ImageTagTransformer" => (|| {
                let fs = field_specs()?;
                let image: Image =
                    serde_json::from_value(v.get("imageTag").cloned().unwrap_or_default())
                        .map_err(|e| format!("imageTag: {e}"))?;
                images::apply(rm, &image, &fs)
            })(),
            "ReplicaCountTransformer" => (|| {
                let fs = field_specs()?;
                let replica: Replica =
                    serde_json::from_value(v.get("replica").cloned().unwrap_or_default())
                        .map_err(|e| format!("replica: {e}"))?;
                replicas::apply(rm, &replica, &fs)
            })(),
            "PatchTransformer" => (|| {
                let args: PatchArgs = lenient(v, &["path", "patch", "target", "options"])?;
                patches::apply_patch(rm, ldr, &referrer, &args, schema)
            })(),
            "PatchStrategicMergeTransformer" => {
                let mut entries: Vec<String> = v
                    .get("paths")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect();
                let inline = text("patches");
                if !inline.is_empty() {
                    entries.push(inline);
                }
                patches::apply_strategic_merge_list(rm, ldr, &referrer, &entries, schema)
            }
            "PatchJson6902Transformer" => (|| {
                let target: Option<Selector> = match v.get("target") {
                    Some(t) => Some(
                        serde_json::from_value(t.clone()).map_err(|e| format!("target: {e}"))?,
                    ),
                    None => None,
                };
                let args = Json6902Args {
                    target,
                    path: text("path"),
                    patch: text("jsonOp"),
                };
                patches::apply_json6902_entry(rm, ldr, &referrer, &args)
            })(),
            "ReplacementTransformer" => (|| {
                let entries = replacements::entries_from_value(
                    v.get("replacements").unwrap_or(&Value::Null),
                )?;
                let all = replacements::configure(&entries, |p| {
                    let bytes = ldr.read_file(p, &referrer).map_err(|e| e.to_string())?;
                    let t =
                        String::from_utf8(bytes).map_err(|_| format!("{p}: not valid UTF-8"))?;
                    let docs = crate::yaml::parse_stream_with_limits(
                        &t,
                        Schema::Yaml11,
                        ldr.limits.yaml(),
                    )
                    .map_err(|e| format!("{p}: {e}"))?;
                    Ok(docs
                        .into_iter()
                        .next()
                        .map(|d| d.value)
                        .unwrap_or(Value::Null))
                })?;
                replacements::apply(rm, &all)
            })(),
            other => {
                return Err(Error::Unsupported {
                    path: kpath.to_path_buf(),
                    field: format!("transformer plugin '{other}'"),
                    hint: "not a built-in transformer rollpin supports".into(),
                });
            }
        };
        result.map_err(fail)?;
        if let Some(dir) = track_dir {
            let meta = |k: &str| {
                v.pointer(&format!("/metadata/{k}"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
            };
            let entry = crate::kustomize::build::transformation_entry(
                &crate::kustomize::build::join_clean(dir, &c.file),
                &kind,
                meta("name"),
                meta("namespace"),
            );
            crate::kustomize::build::note_transformation(rm, Some(&entry));
        }
    }
    Ok(())
}
