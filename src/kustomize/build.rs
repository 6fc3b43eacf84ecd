//! The build: accumulate a kustomization tree into resources (resources and bases, then
//! generators, then components, then the built-in transformers in kustomize's fixed
//! order), and at the top level add hash suffixes, fix name references, drop local-config
//! objects and order the result.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::kustomize::error::{Error, Result};
use crate::kustomize::field_spec::{self, FieldSpec, TransformerConfig, merge_specs};
use crate::kustomize::fs::FileSystem;
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::loader::{Entry, Limits, Loader, yaml_message};
use crate::kustomize::openapi::Schema;
use crate::kustomize::order::{self, Order};
use crate::kustomize::{
    builtin_plugins, patches, prefetch, prefix_suffix, replacements, replicas, vars,
};
use crate::kustomize::{
    configurations, generators, hash, images, labels, name_reference, namespace,
};
use crate::resource::{ResMap, Resource};
use crate::yaml::{Schema as YamlSchema, parse_stream, parse_stream_with_limits};

/// Build options (validated flags).
#[derive(Debug, Clone)]
pub struct Options {
    /// `--reorder`: `None` means kustomize's default (legacy unless `sortOptions`).
    pub reorder: Option<Order>,
    /// Repository root bounding every directory the build may read.
    pub repo_root: Option<PathBuf>,
    /// Bounds on what the build may load (`--max-…` flags).
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            reorder: None,
            repo_root: None,
            limits: Limits::DEFAULT,
        }
    }
}

/// What a build produced.
#[derive(Debug)]
pub struct Output {
    /// The resources, in output order, build bookkeeping stripped.
    pub resources: Vec<Resource>,
    /// Warnings for stderr (kustomize's deprecation warnings).
    pub warnings: Vec<String>,
}

struct Ctx {
    warnings: Vec<String>,
    /// The custom `openapi:` schema; like kustomize's global schema, the first
    /// kustomization that sets one (the top level first) decides it for the whole build.
    schema: Option<std::sync::Arc<Schema>>,
    /// Whether a kustomization has set the schema (even to the built-in version).
    schema_set: bool,
    /// Resource files parsed ahead of the build, by real path.
    prefetched: std::collections::HashMap<PathBuf, Result<prefetch::Parsed>>,
    /// With `buildMetadata: [originAnnotations]`: the directory of the kustomization being
    /// accumulated, relative to the top-level one.
    origin: Option<String>,
    /// With `buildMetadata: [transformerAnnotations]`: transformers are recorded.
    transformations: bool,
    /// Kustomizations and components visited so far.
    visited: usize,
    /// Documents read from resource files so far.
    documents: usize,
    /// YAML nodes of the resources read from files so far.
    nodes: usize,
}

const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// The annotation listing the transformers that ran over an object.
const TRANSFORMATIONS_ANNOTATION: &str = "alpha.config.kubernetes.io/transformations";

/// kustomize's `managedByLabel` label, with the version rollpin reproduces.
const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kustomize-v5.5.0");

/// Joins and cleans `/`-separated relative paths lexically, as Go's `filepath.Join` does.
pub(crate) fn join_clean(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in base.split('/').chain(rel.split('/')) {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

fn remove_annotation(obj: &mut Value, key: &str) {
    if let Some(Value::Object(a)) = obj.pointer_mut("/metadata/annotations") {
        a.remove(key);
    }
}

fn set_annotation(obj: &mut Value, key: &str, value: String) {
    let o = crate::resource::ensure_object(obj);
    let md = crate::resource::ensure_object(o.entry("metadata").or_insert(Value::Null));
    let a = crate::resource::ensure_object(md.entry("annotations").or_insert(Value::Null));
    a.insert(key.to_string(), Value::String(value));
}

/// What one kustomization accumulates: its resources and the transformer configuration
/// (built-in field specs plus `configurations:` of it and everything it includes).
#[derive(Default)]
struct Acc {
    rm: ResMap,
    tc: TransformerConfig,
    /// `vars` declared here and below, bound to the resources they name.
    vars: Vec<vars::Var>,
}

/// Builds the kustomization in `dir`.
pub fn build(fs: &dyn FileSystem, dir: &Path, opts: &Options) -> Result<Output> {
    let ldr = Loader::new_root(fs, dir, opts.repo_root.clone(), opts.limits)?;
    let (kpath, text) = ldr.kustomization_file()?;
    let k = Kustomization::parse_with_limits(&kpath, &text, opts.limits.yaml())?;
    let metadata = build_metadata(&kpath, &k)?;
    let mut ctx = Ctx {
        warnings: Vec::new(),
        prefetched: prefetch::parse_tree_files(&ldr, &kpath, &k),
        schema: None,
        schema_set: false,
        // kustomize tracks origins whenever buildMetadata asks for origins or
        // transformations, and drops what was not asked for at the end.
        origin: (metadata.origins || metadata.transformations).then(String::new),
        transformations: metadata.transformations,
        visited: 0,
        documents: 0,
        nodes: 0,
    };
    set_schema(&mut ctx, &ldr, &kpath, &k)?;
    let mut acc = Acc::default();
    accumulate_target(&mut ctx, &ldr, &kpath, &k, &mut acc)?;
    let Acc {
        mut rm,
        tc,
        vars: declared,
    } = acc;
    for res in &mut rm.resources {
        if res.meta.needs_hash
            && let Some(h) = hash::suffix(&res.obj)
        {
            res.store_previous_id();
            let name = format!("{}-{h}", res.name());
            res.set_name(&name);
        }
    }
    name_reference::fix(&mut rm, &tc.name_reference).map_err(Error::Build)?;
    let notes = vars::resolve(&mut rm, &declared, &tc.var_reference)
        .map_err(|e| Error::Build(format!("{}: resolving vars: {e}", kpath.display())))?;
    ctx.warnings.extend(notes);
    rm.resources.retain(|r| !is_local_config(&r.obj));
    let order = match &k.sort_options {
        Some(so) => sort_options_order(&kpath, so)?,
        None => opts.reorder.clone().unwrap_or_else(Order::legacy),
    };
    order::sort(&mut rm.resources, &order);
    for r in &mut rm.resources {
        if metadata.managed_by {
            let o = crate::resource::ensure_object(&mut r.obj);
            let md = crate::resource::ensure_object(o.entry("metadata").or_insert(Value::Null));
            let labels = crate::resource::ensure_object(md.entry("labels").or_insert(Value::Null));
            labels.insert(MANAGED_BY.0.into(), Value::String(MANAGED_BY.1.into()));
        }
        if metadata.transformations && !r.meta.transformations.is_empty() {
            let list = r.meta.transformations.concat();
            set_annotation(&mut r.obj, TRANSFORMATIONS_ANNOTATION, list);
        }
        if !metadata.origins {
            remove_annotation(&mut r.obj, ORIGIN_ANNOTATION);
        }
        strip_empty_annotations(&mut r.obj);
    }
    Ok(Output {
        resources: rm.resources,
        warnings: ctx.warnings,
    })
}

/// kustomize's `openapi.SetSchema`: the first kustomization with an `openapi:` field
/// decides the schema of the whole build (`version:` names the built-in one, `path:` a
/// custom OpenAPI document in JSON or YAML).
fn set_schema(ctx: &mut Ctx, ldr: &Loader, kpath: &Path, k: &Kustomization) -> Result<()> {
    let Some(openapi) = k.openapi.as_ref().filter(|o| !o.is_empty()) else {
        return Ok(());
    };
    if ctx.schema_set {
        return Ok(());
    }
    let invalid = |message: String| Error::InvalidKustomization {
        path: kpath.to_path_buf(),
        line: None,
        message,
    };
    let version = openapi.get("version");
    match (openapi.get("path"), version) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "openapi: builtin version and custom schema provided, cannot use both".into(),
            ));
        }
        (Some(path), None) => {
            let referrer = kpath.display().to_string();
            let bytes = ldr.read_file(path, &referrer)?;
            let text = String::from_utf8(bytes).map_err(|_| Error::Read {
                path: ldr.root.join(path),
                message: "not valid UTF-8".into(),
            })?;
            let doc = parse_stream(&text, YamlSchema::Kyaml)
                .map_err(|e| Error::Yaml {
                    path: ldr.root.join(path),
                    line: e.line,
                    message: e.message,
                })?
                .into_iter()
                .next()
                .map(|d| d.value)
                .unwrap_or(Value::Null);
            let schema = Schema::from_custom_openapi(&doc)
                .map_err(|e| invalid(format!("openapi: {path}: {e}")))?;
            ctx.schema = Some(std::sync::Arc::new(schema));
        }
        (None, Some(v)) if v == "v1.21.2" => ctx.schema = None,
        (None, Some(v)) => {
            return Err(invalid(format!(
                "openapi: the specified OpenAPI version '{v}' is not built in (only v1.21.2 is)"
            )));
        }
        (None, None) => return Ok(()),
    }
    ctx.schema_set = true;
    Ok(())
}

/// What `buildMetadata` asks for.
#[derive(Debug, Clone, Copy, Default)]
struct BuildMetadata {
    /// `originAnnotations`.
    origins: bool,
    /// `transformerAnnotations`.
    transformations: bool,
    /// `managedByLabel`.
    managed_by: bool,
}

/// Validates `buildMetadata` (kustomize reads the top-level kustomization's only).
fn build_metadata(kpath: &Path, k: &Kustomization) -> Result<BuildMetadata> {
    let mut m = BuildMetadata::default();
    for v in k.build_metadata.iter().flatten() {
        match v.as_str() {
            "originAnnotations" => m.origins = true,
            "transformerAnnotations" => m.transformations = true,
            "managedByLabel" => m.managed_by = true,
            other => {
                return Err(Error::InvalidKustomization {
                    path: kpath.to_path_buf(),
                    line: None,
                    message: format!(
                        "buildMetadata must have values [originAnnotations transformerAnnotations managedByLabel], got '{other}'"
                    ),
                });
            }
        }
    }
    Ok(m)
}

/// One entry of the transformations annotation: the kustomization (or plugin
/// configuration) that configured the transformer, and the transformer's id.
pub(crate) fn transformation_entry(
    configured_in: &str,
    kind: &str,
    name: &str,
    namespace: &str,
) -> String {
    let mut e = format!(
        "- configuredIn: {configured_in}\n  configuredBy:\n    apiVersion: builtin\n    kind: {kind}\n"
    );
    if !name.is_empty() {
        e.push_str(&format!("    name: {name}\n"));
    }
    if !namespace.is_empty() {
        e.push_str(&format!("    namespace: {namespace}\n"));
    }
    e
}

/// Records `entry` on every resource: kustomize notes each transformer on every object of
/// the kustomization it ran in, changed or not.
pub(crate) fn note_transformation(rm: &mut ResMap, entry: Option<&str>) {
    if let Some(entry) = entry {
        for r in &mut rm.resources {
            r.meta.transformations.push(entry.to_string());
        }
    }
}

fn sort_options_order(
    kpath: &Path,
    so: &crate::kustomize::kustomization::SortOptions,
) -> Result<Order> {
    let invalid = |message: String| Error::InvalidKustomization {
        path: kpath.to_path_buf(),
        line: None,
        message,
    };
    match so.order.as_str() {
        "fifo" => {
            if so.legacy_sort_options.is_some() {
                return Err(invalid(
                    "sortOptions: legacySortOptions may only be set with order: legacy".into(),
                ));
            }
            Ok(Order::Fifo)
        }
        "legacy" => Ok(match &so.legacy_sort_options {
            Some(l) => Order::Legacy {
                first: l.order_first.clone(),
                last: l.order_last.clone(),
            },
            None => Order::legacy(),
        }),
        other => Err(invalid(format!(
            "sortOptions.order must be 'legacy' or 'fifo', got '{other}'"
        ))),
    }
}

fn is_local_config(obj: &Value) -> bool {
    obj.pointer("/metadata/annotations/config.kubernetes.io~1local-config")
        .and_then(Value::as_str)
        == Some("true")
}

/// kustomize re-sets every resource's annotations before output: an empty, null or
/// scalar `metadata.annotations` disappears.
fn strip_empty_annotations(obj: &mut Value) {
    if let Some(Value::Object(md)) = obj.get_mut("metadata") {
        let empty = match md.get("annotations") {
            None | Some(Value::Array(_)) => false,
            Some(Value::Object(m)) => m.is_empty(),
            Some(_) => true,
        };
        if empty {
            md.remove("annotations");
        }
    }
}

fn unsupported(kpath: &Path, k: &Kustomization) -> Result<()> {
    let err = |field: &str, hint: &str| {
        Err(Error::Unsupported {
            path: kpath.to_path_buf(),
            field: field.into(),
            hint: hint.into(),
        })
    };
    if k.helm_charts.is_some()
        || k.helm_chart_inflation_generator.is_some()
        || k.helm_globals.is_some()
    {
        return err(
            "helmCharts",
            "rollpin never runs programs (helm); render the chart to plain manifests and commit them, or use Argo CD's Helm source",
        );
    }
    for (field, set) in [("validators", k.validators.is_some())] {
        if set {
            return err(
                field,
                "plugins are not supported (rollpin renders hermetically and runs no programs); use the built-in fields instead",
            );
        }
    }
    Ok(())
}

/// Accumulates one kustomization (or component) into `acc`.
fn accumulate_target(
    ctx: &mut Ctx,
    ldr: &Loader,
    kpath: &Path,
    k: &Kustomization,
    acc: &mut Acc,
) -> Result<()> {
    ctx.visited += 1;
    if ctx.visited > ldr.limits.max_kustomizations {
        return Err(Error::Limit {
            path: kpath.to_path_buf(),
            what: format!("visiting this kustomization makes {} visited", ctx.visited),
            limit: ldr.limits.max_kustomizations as u64,
            flag: "--max-kustomizations",
        });
    }
    ctx.warnings.extend(k.deprecation_warnings());
    unsupported(kpath, k)?;
    let referrer = kpath.display().to_string();
    let mut seen: HashSet<IdKey> = acc.rm.resources.iter().map(id_key).collect();
    let entries = k.all_resources();
    for entry in &entries {
        match ldr.resolve_entry(entry, &referrer)? {
            Entry::File(path) => {
                let (mut resources, nodes) = match ctx.prefetched.remove(&path) {
                    Some(r) => r?,
                    None => {
                        let left = ldr.limits.max_yaml_nodes.saturating_sub(ctx.nodes);
                        read_resources_within(ldr, &path, &referrer, left)?
                    }
                };
                ctx.nodes += nodes;
                if ctx.nodes > ldr.limits.max_yaml_nodes {
                    return Err(Error::Limit {
                        path: path.clone(),
                        what: format!(
                            "reading this file brings the build to {} YAML nodes",
                            ctx.nodes
                        ),
                        limit: ldr.limits.max_yaml_nodes as u64,
                        flag: "--max-yaml-nodes",
                    });
                }
                ctx.documents += resources.len();
                if ctx.documents > ldr.limits.max_documents {
                    return Err(Error::Limit {
                        path: path.clone(),
                        what: format!(
                            "reading this file brings the build to {} documents",
                            ctx.documents
                        ),
                        limit: ldr.limits.max_documents as u64,
                        flag: "--max-documents",
                    });
                }
                if let Some(dir) = &ctx.origin {
                    let origin = format!("path: {}\n", join_clean(dir, entry));
                    for r in &mut resources {
                        set_annotation(&mut r.obj, ORIGIN_ANNOTATION, origin.clone());
                    }
                }
                append_all(&mut acc.rm, &mut seen, resources)?;
            }
            Entry::Dir(dir) => {
                let child = ldr.child(dir);
                let (ckpath, ctext) = child.kustomization_file()?;
                let ck = Kustomization::parse_with_limits(&ckpath, &ctext, ldr.limits.yaml())?;
                if ck.is_component() {
                    return Err(Error::InvalidKustomization {
                        path: ckpath,
                        line: None,
                        message: format!(
                            "expected kind != 'Component' (listed in resources of {referrer}; list it under components)"
                        ),
                    });
                }
                set_schema(ctx, &child, &ckpath, &ck)?;
                let mut sub = Acc::default();
                let saved = ctx.origin.clone();
                ctx.origin = saved.as_deref().map(|d| join_clean(d, entry));
                let built = accumulate_target(ctx, &child, &ckpath, &ck, &mut sub);
                ctx.origin = saved;
                built?;
                append_all(&mut acc.rm, &mut seen, sub.rm.resources)?;
                vars::merge_vars(&mut acc.vars, &sub.vars).map_err(|e| {
                    Error::Build(format!(
                        "{}: recursed merging from path '{}': {e}",
                        kpath.display(),
                        ckpath.display()
                    ))
                })?;
                acc.tc.merge(&sub.tc).map_err(|e| {
                    Error::Build(format!(
                        "{}: merging transformer configuration of {}: {e}",
                        kpath.display(),
                        ckpath.display()
                    ))
                })?;
            }
        }
    }
    let own = own_config(ldr, kpath, k)?;
    acc.tc
        .merge(&own)
        .map_err(|e| Error::Build(format!("{}: merging configurations: {e}", kpath.display())))?;
    if let Some(files) = k.crds.as_ref().filter(|f| !f.is_empty()) {
        let from_crds = crds_config(ldr, kpath, files)?;
        acc.tc
            .merge(&from_crds)
            .map_err(|e| Error::Build(format!("{}: merging CRDs: {e}", kpath.display())))?;
    }
    let configured_in = ctx.origin.as_deref().map(|d| {
        let file = kpath.file_name().map(|f| f.to_string_lossy().into_owned());
        join_clean(d, &file.unwrap_or_default())
    });
    generators::run(ldr, k, kpath, configured_in.as_deref(), &mut acc.rm)?;
    if let Some(entries) = &k.generators {
        let configs = builtin_plugins::load(ldr, kpath, entries)?;
        builtin_plugins::run_generators(ldr, kpath, &configs, ctx.origin.as_deref(), &mut acc.rm)?;
    }
    check_resource_count(ldr, kpath, &acc.rm)?;
    for entry in k.components.iter().flatten() {
        let dir = match ldr.resolve_entry(entry, &referrer)? {
            Entry::Dir(d) => d,
            Entry::File(p) => {
                return Err(Error::InvalidKustomization {
                    path: kpath.to_path_buf(),
                    line: None,
                    message: format!(
                        "component '{entry}' must be a directory, got file '{}'",
                        p.display()
                    ),
                });
            }
        };
        let child = ldr.child(dir);
        let (ckpath, ctext) = child.kustomization_file()?;
        let ck = Kustomization::parse_with_limits(&ckpath, &ctext, ldr.limits.yaml())?;
        if !ck.is_component() {
            return Err(Error::InvalidKustomization {
                path: ckpath,
                line: None,
                message: format!(
                    "expected kind 'Component' (listed in components of {referrer}) but got '{}'",
                    ck.kind.as_deref().unwrap_or("Kustomization")
                ),
            });
        }
        set_schema(ctx, &child, &ckpath, &ck)?;
        let saved = ctx.origin.clone();
        ctx.origin = saved.as_deref().map(|d| join_clean(d, entry));
        let built = accumulate_target(ctx, &child, &ckpath, &ck, acc);
        ctx.origin = saved;
        built?;
    }
    let tc = acc.tc.clone();
    let schema = ctx.schema.clone();
    let track = Tracking {
        configured_in: configured_in.as_deref().filter(|_| ctx.transformations),
        dir: ctx.origin.as_deref().filter(|_| ctx.transformations),
    };
    run_transformers(ldr, kpath, k, &tc, schema.as_deref(), track, &mut acc.rm)?;
    if let Some(v) = &k.vars {
        let declared = vars::from_value(v).map_err(|e| Error::InvalidKustomization {
            path: kpath.to_path_buf(),
            line: None,
            message: format!("vars: {e}"),
        })?;
        vars::declare(&mut acc.vars, &acc.rm, &declared)
            .map_err(|e| Error::Build(format!("{}: {e}", kpath.display())))?;
    }
    Ok(())
}

/// The field specs the `crds:` files declare (kustomize's `LoadConfigFromCRDs`).
fn crds_config(ldr: &Loader, kpath: &Path, files: &[String]) -> Result<TransformerConfig> {
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
fn own_config(ldr: &Loader, kpath: &Path, k: &Kustomization) -> Result<TransformerConfig> {
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
struct Tracking<'a> {
    /// The kustomization file, relative to the top-level one.
    configured_in: Option<&'a str>,
    /// Its directory, for plugin configuration files.
    dir: Option<&'a str>,
}

/// kustomize's built-in transformers in its order; with `transformerAnnotations`, each
/// configured instance is noted on every resource after it runs.
fn run_transformers(
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
    for p in k.patches.iter().flatten() {
        patches::apply_patch(rm, ldr, &referrer, p, schema).map_err(fail("patches"))?;
        note_transformation(rm, patch.as_deref());
    }
    if let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) {
        namespace::apply(rm, ns, &tc.namespace).map_err(fail("namespace"))?;
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

fn id_key(r: &Resource) -> IdKey {
    let id = r.cur_id();
    let ns = id.effective_namespace().to_string();
    (id.gvk.group, id.gvk.version, id.gvk.kind, id.name, ns)
}

type IdKey = (String, String, String, String, String);

/// Refuses more resources than `--max-resources`.
fn check_resource_count(ldr: &Loader, kpath: &Path, rm: &ResMap) -> Result<()> {
    let n = rm.resources.len();
    if n > ldr.limits.max_resources {
        return Err(Error::Limit {
            path: kpath.to_path_buf(),
            what: format!("this kustomization accumulates {n} resources"),
            limit: ldr.limits.max_resources as u64,
            flag: "--max-resources",
        });
    }
    Ok(())
}

/// Appends resources, refusing ids that are already present; `seen` holds the ids of
/// `rm` and is kept up to date.
fn append_all(rm: &mut ResMap, seen: &mut HashSet<IdKey>, resources: Vec<Resource>) -> Result<()> {
    for r in resources {
        if !seen.insert(id_key(&r)) {
            return Err(Error::DuplicateId {
                origin: r.meta.origin.clone(),
                id: r.cur_id().to_string(),
            });
        }
        rm.resources.push(r);
    }
    Ok(())
}

/// The items of a `*List` reach kustomize through JSON, so their annotation values become
/// JSON text (`1.0` → `"1"`, `true` → `"true"`).
fn json_text_annotations(item: &mut Value) {
    if let Some(Value::Object(a)) = item.pointer_mut("/metadata/annotations") {
        for v in a.values_mut() {
            let text = match &*v {
                Value::String(_) => continue,
                Value::Null => "null".to_string(),
                Value::Number(n) => match n.as_f64() {
                    Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e21 => {
                        format!("{}", f as i128)
                    }
                    _ => n.to_string(),
                },
                other => other.to_string(),
            };
            *v = Value::String(text);
        }
    }
}

fn has_null_in_list(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().any(|i| i.is_null() || has_null_in_list(i)),
        Value::Object(m) => m.values().any(has_null_in_list),
        _ => false,
    }
}

/// Reads the objects of a resource file, flattening `*List` kinds as kustomize does, and
/// the number of YAML nodes the file produced.
pub(crate) fn read_resources(
    ldr: &Loader,
    path: &Path,
    referrer: &str,
) -> Result<(Vec<Resource>, usize)> {
    read_resources_within(ldr, path, referrer, ldr.limits.max_yaml_nodes)
}

/// [`read_resources`] with at most `max_nodes` YAML nodes.
fn read_resources_within(
    ldr: &Loader,
    path: &Path,
    referrer: &str,
    max_nodes: usize,
) -> Result<(Vec<Resource>, usize)> {
    let text = ldr.read_text_at(path, referrer)?;
    let limits = crate::yaml::Limits {
        max_nodes,
        ..ldr.limits.yaml()
    };
    let docs =
        parse_stream_with_limits(&text, YamlSchema::Kyaml, limits).map_err(|e| Error::Yaml {
            path: path.to_path_buf(),
            line: e.line,
            message: yaml_message(e.message),
        })?;
    if docs.len() > ldr.limits.max_documents_per_file {
        return Err(Error::Limit {
            path: path.to_path_buf(),
            what: format!("the file holds {} documents", docs.len()),
            limit: ldr.limits.max_documents_per_file as u64,
            flag: "--max-documents-per-file",
        });
    }
    let invalid = |line: usize, message: String| Error::InvalidResource {
        path: path.to_path_buf(),
        line,
        message,
    };
    let nodes = docs.iter().map(|d| d.nodes).sum();
    let mut queue: std::collections::VecDeque<(Value, usize, Vec<Vec<String>>)> = docs
        .into_iter()
        .map(|d| (d.value, d.line, d.empty_fields))
        .collect();
    let mut out = Vec::new();
    let origin = path.display().to_string();
    while let Some((v, line, empty_fields)) = queue.pop_front() {
        let Value::Object(m) = &v else {
            return Err(invalid(
                line,
                "expected a YAML mapping (a Kubernetes object)".into(),
            ));
        };
        let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.is_empty() {
            return Err(invalid(line, "missing kind in object".into()));
        }
        if kind.ends_with("List") {
            match m.get("items") {
                None => {}
                Some(Value::Null) => continue,
                Some(Value::Array(items)) => {
                    queue.extend(items.iter().cloned().map(|mut i| {
                        json_text_annotations(&mut i);
                        (i, line, Vec::new())
                    }));
                    continue;
                }
                Some(_) => {
                    return Err(invalid(line, format!("expected array in {kind}/items")));
                }
            }
        } else if v
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            return Err(invalid(
                line,
                format!("missing metadata.name in object of kind {kind}"),
            ));
        }
        if has_null_in_list(&v) {
            return Err(invalid(line, "empty item (null) in a list".into()));
        }
        let mut res = Resource::new(v, origin.clone());
        res.meta.empty_fields = empty_fields;
        out.push(res);
    }
    Ok((out, nodes))
}
