//! The build: accumulate a kustomization tree into resources (resources and bases, then
//! generators, then components, then the built-in transformers in kustomize's fixed
//! order), and at the top level add hash suffixes, fix name references, drop local-config
//! objects and order the result.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::kustomize::error::{Error, Result};
use crate::kustomize::field_spec::TransformerConfig;
use crate::kustomize::fs::FileSystem;
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::loader::{Entry, Limits, Loader};
use crate::kustomize::openapi::Schema;
use crate::kustomize::order::{self, Order};
use crate::kustomize::{builtin_plugins, generators, hash, name_reference, prefetch, vars};
use crate::resource::{ResMap, Resource};
use crate::yaml::{Schema as YamlSchema, parse_stream};

mod metadata;
mod resource_files;
mod transformers;

use metadata::{BuildMetadata, ORIGIN_ANNOTATION, set_annotation};
pub(crate) use metadata::{note_transformation, transformation_entry};
pub(crate) use resource_files::read_resources;
use resource_files::read_resources_within;
use transformers::{Tracking, crds_config, own_config, run_transformers};

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
    /// With any `buildMetadata`: the directory of the kustomization being
    /// accumulated, relative to the top-level one.
    origin: Option<String>,
    /// Kustomizations and components visited so far.
    visited: usize,
    /// Documents read from resource files so far.
    documents: usize,
    /// YAML nodes of the resources read from files so far.
    nodes: usize,
}

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
    let metadata: BuildMetadata = metadata::build_metadata(&kpath, &k)?;
    let mut ctx = Ctx {
        warnings: Vec::new(),
        prefetched: prefetch::parse_tree_files(&ldr, &kpath, &k),
        schema: None,
        schema_set: false,
        // kustomize tracks origins (and transformers) whenever buildMetadata is not empty,
        // and drops what was not asked for at the end.
        origin: (metadata.origins || metadata.transformations || metadata.managed_by)
            .then(String::new),
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
        metadata::finish(r, &metadata);
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

fn unsupported(kpath: &Path, k: &Kustomization) -> Result<()> {
    let err = |field: &str, hint: &str| {
        Err(Error::Unsupported {
            path: kpath.to_path_buf(),
            field: field.into(),
            hint: hint.into(),
        })
    };
    // kustomize runs helm only for charts: `helmGlobals` alone, or an empty chart list,
    // renders without it.
    let has_items = |v: &Option<Vec<_>>| v.as_ref().is_some_and(|a| !a.is_empty());
    if has_items(&k.helm_charts) || has_items(&k.helm_chart_inflation_generator) {
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

/// Adds what one file brought to a build-wide total, refused past `limit`.
fn add_to_total(
    total: &mut usize,
    added: usize,
    limit: usize,
    path: &Path,
    what: &str,
    flag: &'static str,
) -> Result<()> {
    *total += added;
    if *total > limit {
        return Err(Error::Limit {
            path: path.to_path_buf(),
            what: format!("reading this file brings the build to {total} {what}"),
            limit: limit as u64,
            flag,
        });
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
    // kustomize's words, then the file they are about (kustomize does not say which).
    ctx.warnings.extend(
        k.deprecation_warnings()
            .into_iter()
            .map(|w| format!("{w} (in {})", kpath.display())),
    );
    unsupported(kpath, k)?;
    let referrer = kpath.display().to_string();
    let mut seen: HashSet<IdKey> = acc.rm.resources.iter().map(id_key).collect();
    let entries = k.all_resources();
    for entry in &entries {
        match ldr.resolve_entry(entry, &referrer)? {
            Entry::File(path) => {
                let (mut resources, nodes) = match ctx.prefetched.remove(&path) {
                    Some(r) => r,
                    None => {
                        let left = ldr.limits.max_yaml_nodes.saturating_sub(ctx.nodes);
                        read_resources_within(ldr, &path, &referrer, left)
                    }
                }
                .map_err(|e| e.written_as(&path, &ldr.root.join(entry)))?;
                add_to_total(
                    &mut ctx.nodes,
                    nodes,
                    ldr.limits.max_yaml_nodes,
                    &path,
                    "YAML nodes",
                    "--max-yaml-nodes",
                )?;
                add_to_total(
                    &mut ctx.documents,
                    resources.len(),
                    ldr.limits.max_documents,
                    &path,
                    "documents",
                    "--max-documents",
                )?;
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
        // kustomize records each transformer whenever it tracks origins (also for
        // `originAnnotations` alone: an object whose origin a patch removed takes the
        // transformer as its origin).
        configured_in: configured_in.as_deref().filter(|_| ctx.origin.is_some()),
        dir: ctx.origin.as_deref(),
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
