//! configMapGenerator and secretGenerator: build ConfigMaps and Secrets from literals, env
//! files and files, with generatorOptions, and absorb them into the resources with
//! kustomize's create / merge / replace behaviour.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::kustomize::error::{Error, Result};
use crate::kustomize::kustomization::{GeneratorArgs, GeneratorOptions, Kustomization};
use crate::kustomize::kv::{key_problem, load_pairs};
use crate::kustomize::loader::Loader;
use crate::resource::{Behavior, ResMap, Resource};

/// Runs every configMapGenerator, then every secretGenerator, into `rm`.
/// `configured_in` (with origin annotations) is the kustomization file's path relative to
/// the top-level one.
pub fn run(
    ldr: &Loader,
    k: &Kustomization,
    kpath: &Path,
    configured_in: Option<&str>,
    rm: &mut ResMap,
) -> Result<()> {
    let global = k.generator_options.clone().unwrap_or_default();
    for (field, list) in [
        ("configMapGenerator", &k.config_map_generator),
        ("secretGenerator", &k.secret_generator),
    ] {
        for args in list.iter().flatten() {
            let origin = configured_in.map(|file| Origin {
                file: file.to_string(),
                plugin_name: None,
            });
            run_one(ldr, kpath, field, args, &global, origin, rm)?;
        }
    }
    Ok(())
}

/// Where a generated object was configured, for its origin annotation.
pub struct Origin {
    /// The file holding the configuration, relative to the top-level kustomization.
    pub file: String,
    /// `metadata.name` of a generator plugin configuration.
    pub plugin_name: Option<String>,
}

/// Runs one generator (`field` is `configMapGenerator` or `secretGenerator`) into `rm`.
pub fn run_one(
    ldr: &Loader,
    kpath: &Path,
    field: &'static str,
    args: &GeneratorArgs,
    global: &GeneratorOptions,
    origin: Option<Origin>,
    rm: &mut ResMap,
) -> Result<()> {
    let referrer = kpath.display().to_string();
    let gen_err = |message: String| Error::Generator {
        path: kpath.to_path_buf(),
        kind: field,
        name: args.name.clone(),
        message,
    };
    let mut res = generate(ldr, field, args, global, &referrer)?.map_err(gen_err)?;
    if let Some(origin) = origin {
        let kind = if field == "secretGenerator" {
            "SecretGenerator"
        } else {
            "ConfigMapGenerator"
        };
        let name = origin
            .plugin_name
            .map(|n| format!("  name: {n}\n"))
            .unwrap_or_default();
        let text = format!(
            "configuredIn: {}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {kind}\n{name}",
            origin.file
        );
        let mut annotations = res.string_map("annotations");
        annotations.push((ORIGIN.into(), text));
        res.set_string_map("annotations", annotations);
    }
    absorb(rm, res).map_err(gen_err)
}

fn merged_options(local: &Option<GeneratorOptions>, global: &GeneratorOptions) -> GeneratorOptions {
    let mut o = local.clone().unwrap_or_default();
    for (mine, theirs) in [
        (&mut o.labels, &global.labels),
        (&mut o.annotations, &global.annotations),
    ] {
        if let Some(g) = theirs {
            let m = mine.get_or_insert_with(BTreeMap::new);
            for (k, v) in g {
                m.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    o.disable_name_suffix_hash |= global.disable_name_suffix_hash;
    o.immutable |= global.immutable;
    o
}

/// kyaml's base64 for Secret data and ConfigMap binaryData: wrapped every 70 characters once it reaches 70, each
/// chunk (the last one too) ending in a newline.
pub fn secret_base64(raw: &[u8]) -> String {
    let enc = base64::engine::general_purpose::STANDARD.encode(raw);
    if enc.len() < 70 {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / 70 + 1);
    for chunk in enc.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

type Generated = std::result::Result<Resource, String>;

const ORIGIN: &str = "config.kubernetes.io/origin";

fn generate(
    ldr: &Loader,
    field: &str,
    args: &GeneratorArgs,
    global: &GeneratorOptions,
    referrer: &str,
) -> Result<Generated> {
    let is_secret = field == "secretGenerator";
    // kustomize treats any other value (a typo such as `add`) as create.
    let behavior = match args.behavior.as_str() {
        "merge" => Behavior::Merge,
        "replace" => Behavior::Replace,
        _ => Behavior::Create,
    };
    let pairs = match load_pairs(ldr, args, referrer, is_secret)? {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let mut data = Map::new();
    let mut binary = Map::new();
    let mut seen = std::collections::HashSet::new();
    for p in pairs {
        if let Some(problem) = key_problem(&p.key) {
            return Ok(Err(format!("{}: {problem}", p.source)));
        }
        if !seen.insert(p.key.clone()) {
            return Ok(Err(format!(
                "configmap {} illegally repeats the key `{}`",
                args.name, p.key
            )));
        }
        if is_secret {
            data.insert(p.key, Value::String(secret_base64(&p.value)));
        } else {
            match String::from_utf8(p.value) {
                Ok(s) => {
                    data.insert(p.key, Value::String(s));
                }
                Err(e) => {
                    binary.insert(p.key, Value::String(secret_base64(e.as_bytes())));
                }
            }
        }
    }
    let opts = merged_options(&args.options, global);
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(args.name.clone()));
    if !args.namespace.is_empty() {
        metadata.insert("namespace".into(), Value::String(args.namespace.clone()));
    }
    for (key, m) in [("labels", &opts.labels), ("annotations", &opts.annotations)] {
        if let Some(m) = m.as_ref().filter(|m| !m.is_empty()) {
            if let Err(e) = crate::kustomize::labels::check_keys(m.keys()) {
                return Ok(Err(format!("options.{key}: {e}")));
            }
            let obj: Map<String, Value> = m
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            metadata.insert(key.into(), Value::Object(obj));
        }
    }
    let kind = if is_secret { "Secret" } else { "ConfigMap" };
    let mut obj = json!({"apiVersion": "v1", "kind": kind, "metadata": metadata});
    let o = crate::resource::ensure_object(&mut obj);
    // kyaml writes a Secret's (possibly empty) data map, but a ConfigMap's only when set.
    if is_secret || !data.is_empty() {
        o.insert("data".into(), Value::Object(data));
    }
    if !binary.is_empty() {
        o.insert("binaryData".into(), Value::Object(binary));
    }
    if is_secret {
        let t = args.type_.clone().filter(|t| !t.is_empty());
        o.insert(
            "type".into(),
            Value::String(t.unwrap_or_else(|| "Opaque".into())),
        );
    }
    if opts.immutable {
        o.insert("immutable".into(), Value::Bool(true));
    }
    let mut res = Resource::new(obj, referrer);
    res.meta.behavior = behavior;
    res.meta.needs_hash = !opts.disable_name_suffix_hash;
    Ok(Ok(res))
}

fn string_entries(v: Option<&Value>) -> Vec<(String, Value)> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Adds a generated resource, merging into or replacing an existing one per its behavior.
fn absorb(rm: &mut ResMap, mut res: Resource) -> std::result::Result<(), String> {
    let id = res.cur_id();
    let matches = rm.find_any(&id);
    match (matches.as_slice(), res.meta.behavior) {
        ([], Behavior::Create) => {
            rm.resources.push(res);
            Ok(())
        }
        ([], _) => Err(format!("id {id} does not exist; cannot merge or replace")),
        ([_], Behavior::Create) => {
            Err(format!("id {id} exists; behavior must be merge or replace"))
        }
        ([i], behavior) => {
            let old = &rm.resources[*i];
            let mut labels = old.string_map("labels");
            merge_into(&mut labels, res.string_map("labels"));
            let mut annotations = old.string_map("annotations");
            merge_into(&mut annotations, res.string_map("annotations"));
            // A merge keeps the original's origin annotation.
            if behavior == Behavior::Merge
                && let Some((_, o)) = old
                    .string_map("annotations")
                    .into_iter()
                    .find(|(k, _)| k == ORIGIN)
            {
                merge_into(&mut annotations, vec![(ORIGIN.into(), o)]);
            }
            res.set_string_map("labels", labels);
            res.set_string_map("annotations", annotations);
            res.set_name(old.name());
            res.set_namespace(old.namespace());
            if behavior == Behavior::Merge {
                for field in ["data", "binaryData"] {
                    let mut merged: Map<String, Value> =
                        string_entries(old.obj.get(field)).into_iter().collect();
                    merged.extend(string_entries(res.obj.get(field)));
                    let o = crate::resource::ensure_object(&mut res.obj);
                    if merged.is_empty() {
                        o.remove(field);
                    } else {
                        o.insert(field.into(), Value::Object(merged));
                    }
                }
            }
            let needs_hash = old.meta.needs_hash && res.meta.needs_hash;
            let behavior = res.meta.behavior;
            res.meta = old.meta.clone();
            res.meta.needs_hash = needs_hash;
            res.meta.behavior = behavior;
            rm.resources[*i] = res;
            Ok(())
        }
        (_, _) => Err(format!(
            "found multiple objects that could accept merge of {id}"
        )),
    }
}

fn merge_into(base: &mut Vec<(String, String)>, extra: Vec<(String, String)>) {
    for (k, v) in extra {
        match base.iter_mut().find(|(bk, _)| *bk == k) {
            Some(e) => e.1 = v,
            None => base.push((k, v)),
        }
    }
}
