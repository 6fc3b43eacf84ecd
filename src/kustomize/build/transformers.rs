//! The transformer configuration of a kustomization (`configurations:` files, `crds:`
//! definitions, the built-in field specs) and kustomize's built-in transformers, run in
//! kustomize's fixed order.

use std::path::Path;

use serde_json::Value;

use super::metadata::{note_transformation, transformation_entry};
use crate::kustomize::error::{Error, Result};
use crate::kustomize::field_spec::{self, FieldSpec, TransformerConfig, merge_specs};
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::loader::{Loader, yaml_message};
use crate::kustomize::openapi::Schema;
use crate::kustomize::{
    builtin_plugins, configurations, images, labels, namespace, patches, prefix_suffix,
    replacements, replicas,
};
use crate::resource::ResMap;
use crate::yaml::{Schema as YamlSchema, parse_stream_with_limits};

/// The field specs the `crds:` files declare (kustomize's `LoadConfigFromCRDs`).
pub(super) fn crds_config(
    ldr: &Loader,
    kpath: &Path,
    files: &[String],
) -> Result<TransformerConfig> {
    let referrer = kpath.display().to_string();
    let mut tc = TransformerConfig::default();
    for file in files {
        let fail = |e: String| {
            Error::Build(format!(
                "{}: loading CRDs {files:?}: unable to parse open API definition from '{file}': {e}",
                kpath.display()
            ))
        };
        let bytes = ldr.read_file(file, &referrer)?;
        let text = String::from_utf8(bytes).map_err(|_| fail("not valid UTF-8".into()))?;
        let doc = parse_stream_with_limits(&text, YamlSchema::Yaml11, ldr.limits.yaml())
            .map_err(|e| fail(yaml_message(e.to_string())))?
            .into_iter()
            .next()
            .map(|d| d.value)
            .unwrap_or(Value::Null);
        let extra = crate::kustomize::crds::config_from_definitions(&doc).map_err(fail)?;
        tc.merge(&extra).map_err(fail)?;
    }
    Ok(tc)
}

/// This kustomization's `configurations:` files merged with the built-in configuration.
/// The files come first: kubectl shows that a file's `metadata/name` spec for one kind
/// absorbs the built-in spec for every kind (`namePrefix` then applies to that kind only).
pub(super) fn own_config(
    ldr: &Loader,
    kpath: &Path,
    k: &Kustomization,
) -> Result<TransformerConfig> {
    let Some(files) = k.configurations.as_ref().filter(|f| !f.is_empty()) else {
        return Ok(field_spec::builtin().clone());
    };
    let referrer = kpath.display().to_string();
    let fail = |file: &str, e: String| {
        Error::Build(format!(
            "{}: configurations file '{file}': {e}",
            kpath.display()
        ))
    };
    let mut tc = TransformerConfig::default();
    for file in files {
        let bytes = ldr.read_file(file, &referrer)?;
        let text = String::from_utf8(bytes).map_err(|_| Error::Read {
            path: ldr.root.join(file),
            message: "not valid UTF-8".into(),
        })?;
        let extra = configurations::parse_with_limits(&text, ldr.limits.yaml())
            .map_err(|e| fail(file, yaml_message(e)))?;
        tc.merge(&extra).map_err(|e| fail(file, e))?;
    }
    tc.merge(field_spec::builtin())
        .map_err(|e| fail("(built-in)", e))?;
    Ok(tc)
}

/// Where transformers are recorded from (`transformerAnnotations`; both None otherwise).
#[derive(Clone, Copy)]
pub(super) struct Tracking<'a> {
    /// The kustomization file, relative to the top-level one.
    pub(super) configured_in: Option<&'a str>,
    /// Its directory, for plugin configuration files.
    pub(super) dir: Option<&'a str>,
}

/// A failing `patches` entry is named: by its file (the path as written, relative to the
/// kustomization) when it has one, so that a line number in the message is the patch
/// file's, else by its index.
fn patch_error(kpath: &Path, index: usize, path: &str, message: String) -> Error {
    let entry = format!("patches[{index}] of {}", kpath.display());
    if path.is_empty() {
        return Error::Build(format!(
            "{}: patches[{index}] (inline): {message}",
            kpath.display()
        ));
    }
    let file = kpath.parent().unwrap_or(Path::new("")).join(path);
    // A YAML error's "line N" belongs to the patch file: put it first.
    let message = match message.split_once("]: line ") {
        Some((what, rest)) if what.starts_with("unable to parse SM or JSON patch") => {
            format!("line {rest} (unable to parse SM or JSON patch; {entry})")
        }
        _ => format!("{message} ({entry})"),
    };
    Error::Build(format!("{}: {message}", file.display()))
}

/// kustomize's built-in transformers in its order; with `transformerAnnotations`, each
/// configured instance is noted on every resource after it runs.
pub(super) fn run_transformers(
    ldr: &Loader,
    kpath: &Path,
    k: &Kustomization,
    tc: &TransformerConfig,
    schema: Option<&Schema>,
    track: Tracking<'_>,
    rm: &mut ResMap,
) -> Result<()> {
    let referrer = kpath.display().to_string();
    let entry = |kind: &str| {
        track
            .configured_in
            .map(|c| transformation_entry(c, kind, "", ""))
    };
    let psm = entry("PatchStrategicMergeTransformer");
    let patch = entry("PatchTransformer");
    let label = entry("LabelTransformer");
    let json6902 = entry("PatchJson6902Transformer");
    let replica = entry("ReplicaCountTransformer");
    let image = entry("ImageTagTransformer");
    let fail = |transformer: &'static str| {
        move |message: String| Error::Transform {
            path: kpath.to_path_buf(),
            transformer,
            message,
        }
    };
    if let Some(entries) = &k.patches_strategic_merge {
        patches::apply_strategic_merge_list(rm, ldr, &referrer, entries, schema)
            .map_err(fail("patchesStrategicMerge"))?;
        if !entries.is_empty() {
            note_transformation(rm, psm.as_deref());
        }
    }
    for (i, p) in k.patches.iter().flatten().enumerate() {
        patches::apply_patch(rm, ldr, &referrer, p, schema)
            .map_err(|e| patch_error(kpath, i, &p.path, e))?;
        note_transformation(rm, patch.as_deref());
    }
    if let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) {
        namespace::apply(rm, ns, &tc.namespace, namespace::Options::default())
            .map_err(fail("namespace"))?;
        note_transformation(rm, entry("NamespaceTransformer").as_deref());
    }
    if let Some(p) = k.name_prefix.as_deref().filter(|n| !n.is_empty()) {
        prefix_suffix::apply(rm, p, prefix_suffix::End::Prefix, &tc.name_prefix)
            .map_err(fail("namePrefix"))?;
        note_transformation(rm, entry("PrefixTransformer").as_deref());
    }
    if let Some(s) = k.name_suffix.as_deref().filter(|n| !n.is_empty()) {
        prefix_suffix::apply(rm, s, prefix_suffix::End::Suffix, &tc.name_suffix)
            .map_err(fail("nameSuffix"))?;
        note_transformation(rm, entry("SuffixTransformer").as_deref());
    }
    for l in k.labels.iter().flatten() {
        let mut specs: Vec<FieldSpec> = l.fields.clone();
        let merged = (|| {
            merge_specs(&mut specs, &tc.labels)?;
            if l.include_selectors {
                merge_specs(&mut specs, &tc.common_labels)
            } else {
                if l.include_templates {
                    merge_specs(&mut specs, &tc.template_labels)?;
                }
                merge_specs(
                    &mut specs,
                    &[FieldSpec {
                        path: "metadata/labels".into(),
                        create: true,
                        ..FieldSpec::default()
                    }],
                )
            }
        })();
        merged
            .map_err(|e| format!("failed to merge labels: {e}"))
            .map_err(fail("labels"))?;
        labels::apply(rm, &l.pairs, &specs).map_err(fail("labels"))?;
        note_transformation(rm, label.as_deref());
    }
    if let Some(cl) = &k.common_labels {
        labels::apply(rm, cl, &tc.common_labels).map_err(fail("commonLabels"))?;
    }
    // kustomize configures one LabelTransformer per `labels` entry and one for
    // `commonLabels` (even an empty one) whenever either is set.
    if k.labels.iter().flatten().next().is_some()
        || k.common_labels.as_ref().is_some_and(|c| !c.is_empty())
    {
        note_transformation(rm, label.as_deref());
    }
    if let Some(ca) = &k.common_annotations {
        labels::apply(rm, ca, &tc.common_annotations).map_err(fail("commonAnnotations"))?;
        if !ca.is_empty() {
            note_transformation(rm, entry("AnnotationsTransformer").as_deref());
        }
    }
    for p in k.patches_json6902.iter().flatten() {
        patches::apply_json6902_entry(rm, ldr, &referrer, p).map_err(fail("patchesJson6902"))?;
        note_transformation(rm, json6902.as_deref());
    }
    for r in k.replicas.iter().flatten() {
        replicas::apply(rm, r, &tc.replicas).map_err(fail("replicas"))?;
        note_transformation(rm, replica.as_deref());
    }
    for img in k.all_images() {
        images::apply(rm, &img, &tc.images).map_err(fail("images"))?;
        note_transformation(rm, image.as_deref());
    }
    if let Some(v) = &k.replacements {
        let entries =
            replacements::entries_from_value(v).map_err(|e| Error::InvalidKustomization {
                path: kpath.to_path_buf(),
                line: None,
                message: format!("replacements: {e}"),
            })?;
        let all = replacements::configure(&entries, |p| {
            let bytes = ldr.read_file(p, &referrer).map_err(|e| e.to_string())?;
            let text = String::from_utf8(bytes).map_err(|_| format!("{p}: not valid UTF-8"))?;
            let docs = parse_stream_with_limits(&text, YamlSchema::Yaml11, ldr.limits.yaml())
                .map_err(|e| format!("{p}: {}", yaml_message(e.to_string())))?;
            Ok(docs
                .into_iter()
                .next()
                .map(|d| d.value)
                .unwrap_or(Value::Null))
        })
        .map_err(fail("replacements"))?;
        replacements::apply(rm, &all).map_err(fail("replacements"))?;
        if !entries.is_empty() {
            note_transformation(rm, entry("ReplacementTransformer").as_deref());
        }
    }
    if let Some(entries) = &k.transformers {
        let configs = builtin_plugins::load(ldr, kpath, entries)?;
        builtin_plugins::run_transformers(ldr, kpath, &configs, schema, track.dir, rm)?;
    }
    Ok(())
}
