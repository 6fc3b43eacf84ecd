//! The pre-check: everything a `Workloads` switch needs, gathered from one snapshot, or
//! the full list of reasons it cannot be exact. Nothing is written unless this passes,
//! and the switch re-runs it before every write (a restart never re-applies blindly).
//!
//! Rules (each refusal names the object): the Application exists and synced the target
//! record (its `status.resources` lists it, and its `status.history` lists the record's
//! revision); the request sits in the Application's
//! destination namespace or one the configuration allows; every image of the target is
//! pinned by digest, or by the digest its Pods were observed running; every recorded
//! Deployment, StatefulSet and DaemonSet is one of the Application's resources in the
//! request's namespace, exists,
//! is not paused, and its own revision history holds a template with the record's images
//! and config references; every pinned ConfigMap and Secret is live with the recorded
//! content; and no object outside the pod templates differs between the current release's
//! record and the target's — only an Argo CD re-render can restore those.
//!
//! Strategy `ArgoCD` (Argo CD re-renders the recorded revision, guarded by its digest)
//! needs the rules up to the image pins, and an Application that renders with the rollpin
//! plugin from a single source.

use std::collections::BTreeMap;

use serde_json::Value;

use super::history::{self, PatchKind, RESTORABLE};
use super::snapshot::Snapshot;
use super::{Config, str_at, target};
use crate::release::digest::content_sha256;
use crate::release::{
    ObservedImage, OnFailure, ResourcePin, RollbackManifest, RollbackManifestSpec,
    RollbackStrategy, WorkloadPin,
};

/// What a switch does, per workload.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedWorkload {
    /// apiVersion.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The history entry that holds the live template (None: none does).
    pub from: Option<String>,
    /// The history entry that holds the target's template.
    pub to: String,
    /// The template the workload gets (observed digests pinned).
    pub template: Value,
    /// True when the live template already is the target's.
    pub unchanged: bool,
    /// The patch to send when it is not.
    pub patch: (PatchKind, Value),
    /// The patch that restores the live template (for `onFailure: Revert`).
    pub revert: Option<(PatchKind, Value)>,
}

/// A passed pre-check.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The target record.
    pub target: RollbackManifest,
    /// The record of the release that runs now.
    pub shadow: RollbackManifest,
    /// The restorable workloads, in record order.
    pub workloads: Vec<PlannedWorkload>,
    /// Tag-only images pinned from what ran.
    pub pinned: Vec<ObservedImage>,
}

/// The group of an apiVersion (`apps/v1` → `apps`, `v1` → "").
fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// Whether the Application's `status.resources` lists that object.
fn app_lists(app: &Value, group: &str, kind: &str, namespace: &str, name: &str) -> bool {
    app.pointer("/status/resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|r| {
            str_at(r, "/group") == group
                && str_at(r, "/kind") == kind
                && str_at(r, "/name") == name
                && str_at(r, "/namespace") == namespace
        })
}

fn record_name(r: &RollbackManifest) -> &str {
    r.metadata.name.as_deref().unwrap_or("")
}

/// The namespace a recorded object lives in.
fn ns_of<'a>(recorded: &'a str, destination: &'a str) -> &'a str {
    if recorded.is_empty() {
        destination
    } else {
        recorded
    }
}

/// Runs every check; all refusals are collected, not just the first.
pub fn check(snap: &Snapshot, cfg: &Config) -> Result<Prepared, Vec<String>> {
    let req = &snap.request;
    let app_name = req.spec.app.as_str();
    let req_ns = req.metadata.namespace.as_deref().unwrap_or("");
    let Some(app) = snap.app.as_ref() else {
        return Err(vec![format!(
            "Application {}/{app_name} not found",
            cfg.argocd_namespace
        )]);
    };
    let mut refusals = Vec::new();
    let destination = snap.destination_namespace();
    if req_ns != destination && !cfg.extra_request_namespaces.iter().any(|n| n == req_ns) {
        refusals.push(format!(
            "the request is in namespace {req_ns}, but Application {app_name} deploys to {destination:?}: requests must sit in the Application's destination namespace (or one the controller's --request-namespace allows)"
        ));
    }
    let current = target::current(app_name, app, &snap.records);
    let target = target::resolve(
        app_name,
        &req.spec.target,
        current.as_ref().ok().copied(),
        &snap.records,
    );
    let (current, target) = match (current, target) {
        (Ok(c), Ok(t)) => (c, t),
        (c, t) => {
            refusals.extend(c.err());
            refusals.extend(t.err());
            return Err(refusals);
        }
    };
    if !app_lists(
        app,
        crate::release::GROUP,
        "RollbackManifest",
        req_ns,
        record_name(target),
    ) {
        refusals.push(format!(
            "RollbackManifest {} is not one of Application {app_name}'s resources (status.resources): only a record Argo CD synced for this app is trusted",
            record_name(target)
        ));
    }
    let synced: Vec<&str> = app
        .pointer("/status/history")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|h| str_at(h, "/revision"))
        .collect();
    if !synced.contains(&target.spec.source.revision.as_str()) {
        refusals.push(format!(
            "revision {} of {} is not in Application {app_name}'s sync history (status.history): Argo CD never synced it for this app, or it is older than the app's revisionHistoryLimit",
            target.spec.source.revision,
            record_name(target)
        ));
    }
    if target.spec.source.revision == current.spec.source.revision {
        refusals.push(format!(
            "{} is the release that runs now (revision {}): nothing to roll back",
            record_name(target),
            target.spec.source.revision
        ));
    }
    let pinned = pins(target, &mut refusals);
    let mut workloads = Vec::new();
    if req.spec.strategy() == RollbackStrategy::ArgoCd {
        // Argo CD re-renders and applies everything; the render guard makes it exact.
        refusals.extend(super::argocd_sync::unsupported(app));
        refusals.dedup();
        return if refusals.is_empty() {
            Ok(Prepared {
                target: target.clone(),
                shadow: current.clone(),
                workloads,
                pinned,
            })
        } else {
            Err(refusals)
        };
    }
    compare_records(&current.spec, &target.spec, destination, &mut refusals);
    for w in target
        .spec
        .workloads
        .iter()
        .filter(|w| RESTORABLE.contains(&w.kind.as_str()))
    {
        let ns = ns_of(&w.namespace, destination);
        if let Some(p) = plan_workload(snap, app, w, ns, &pinned, &mut refusals) {
            workloads.push(p);
        }
        for c in w.configs.iter().filter(|c| c.sha256.is_some()) {
            match snap.config(&c.kind, ns, &c.name) {
                None => refusals.push(format!(
                    "{} {ns}/{} (referenced by {} {ns}/{}) does not exist: the release's config is gone",
                    c.kind, c.name, w.kind, w.name
                )),
                Some(live) if Some(content_sha256(live)) != c.sha256 => refusals.push(format!(
                    "{} {ns}/{} has other content than release {} recorded ({} -> {}): it was changed in place; only an Argo CD re-render can restore it",
                    c.kind,
                    c.name,
                    record_name(target),
                    c.sha256.as_deref().unwrap_or(""),
                    content_sha256(live)
                )),
                Some(_) => {}
            }
        }
    }
    refusals.dedup();
    if refusals.is_empty() {
        Ok(Prepared {
            target: target.clone(),
            shadow: current.clone(),
            workloads,
            pinned,
        })
    } else {
        Err(refusals)
    }
}

/// Every image of the target pinned by digest, or by an observed digest.
fn pins(target: &RollbackManifest, refusals: &mut Vec<String>) -> Vec<ObservedImage> {
    let observed = target
        .status
        .as_ref()
        .map(|s| s.observed_images.as_slice())
        .unwrap_or(&[]);
    let mut pinned = Vec::new();
    for w in &target.spec.workloads {
        let all = w.containers.iter().map(|c| (c.name.clone(), c)).chain(
            w.init_containers
                .iter()
                .map(|c| (format!("init:{}", c.name), c)),
        );
        for (container, c) in all {
            if c.digest.is_some() {
                continue;
            }
            match observed.iter().find(|o| {
                o.kind == w.kind && o.name == w.name && o.namespace == w.namespace
                    && o.container == container && o.image == c.image
            }) {
                Some(o) => pinned.push(o.clone()),
                None => refusals.push(format!(
                    "{} {} container {container}: image {} has no digest and no digest was observed running it: a rollback would run whatever the registry serves for it",
                    w.kind,
                    w.name,
                    c.image
                )),
            }
        }
    }
    for i in target.spec.images.iter().filter(|i| i.digest.is_none()) {
        refusals.push(format!(
            "{} {} field {}: image {} has no digest",
            i.kind, i.name, i.path, i.image
        ));
    }
    pinned
}

type Id<'a> = (&'a str, &'a str, &'a str, &'a str);

fn id(r: &ResourcePin) -> Id<'_> {
    (&r.api_version, &r.kind, &r.namespace, &r.name)
}

fn referenced(spec: &RollbackManifestSpec, kind: &str, name: &str) -> bool {
    spec.workloads
        .iter()
        .any(|w| w.configs.iter().any(|c| c.kind == kind && c.name == name))
}

/// No object outside the pod templates may differ between the two releases.
fn compare_records(
    current: &RollbackManifestSpec,
    target: &RollbackManifestSpec,
    destination: &str,
    refusals: &mut Vec<String>,
) {
    let now: BTreeMap<Id<'_>, &ResourcePin> =
        current.resources.iter().map(|r| (id(r), r)).collect();
    let then: BTreeMap<Id<'_>, &ResourcePin> =
        target.resources.iter().map(|r| (id(r), r)).collect();
    let is_config =
        |r: &ResourcePin| r.api_version == "v1" && (r.kind == "ConfigMap" || r.kind == "Secret");
    let describe = |r: &ResourcePin| {
        crate::release::format_ref(
            &r.api_version,
            &r.kind,
            ns_of(&r.namespace, destination),
            &r.name,
        )
    };
    for (k, r) in &then {
        match now.get(k) {
            // A config of the target (e.g. an older generated name): checked live below.
            None if is_config(r) && referenced(target, &r.kind, &r.name) => {}
            None => refusals.push(format!(
                "{} is in the target release but not in the running one: only an Argo CD re-render can restore it",
                describe(r)
            )),
            Some(c) if c.sha256 == r.sha256 => {}
            Some(_) if RESTORABLE.contains(&r.kind.as_str()) => {
                let outside = |spec: &RollbackManifestSpec| {
                    spec.workloads
                        .iter()
                        .find(|w| w.kind == r.kind && w.name == r.name && w.namespace == r.namespace)
                        .and_then(|w: &WorkloadPin| w.outside_template_sha256.clone())
                };
                match (outside(current), outside(target)) {
                    (Some(a), Some(b)) if a == b => {}
                    (Some(_), Some(_)) => refusals.push(format!(
                        "{} differs outside its pod template between the two releases: only an Argo CD re-render can restore it",
                        describe(r)
                    )),
                    _ => refusals.push(format!(
                        "{} differs between the two releases and a record predates per-workload template digests (outsideTemplateSha256): cannot tell whether only the pod template changed",
                        describe(r)
                    )),
                }
            }
            Some(_) => refusals.push(format!(
                "{} differs between the running release and the target: only an Argo CD re-render can restore it",
                describe(r)
            )),
        }
    }
    for (k, r) in &now {
        let kept_config = is_config(r) && referenced(current, &r.kind, &r.name);
        if !then.contains_key(k) && !kept_config {
            refusals.push(format!(
                "{} is in the running release but not in the target: a pod-template rollback would leave it; only an Argo CD re-render prunes it",
                describe(r)
            ));
        }
    }
}

/// The switch of one recorded workload.
fn plan_workload(
    snap: &Snapshot,
    app: &Value,
    w: &WorkloadPin,
    ns: &str,
    pinned: &[ObservedImage],
    refusals: &mut Vec<String>,
) -> Option<PlannedWorkload> {
    let what = format!("{} {ns}/{}", w.kind, w.name);
    let req_ns = snap.request.metadata.namespace.as_deref().unwrap_or("");
    if ns != req_ns {
        refusals.push(format!(
            "{what} is outside the request's namespace {req_ns}: a request only switches workloads in its own namespace"
        ));
        return None;
    }
    if !app_lists(app, group_of(&w.api_version), &w.kind, ns, &w.name) {
        refusals.push(format!(
            "{what} is not one of Application {}'s resources (status.resources): the controller only touches what the app deploys",
            snap.request.spec.app
        ));
        return None;
    }
    let Some(live) = snap.workload(&w.kind, ns, &w.name) else {
        refusals.push(format!("{what} does not exist"));
        return None;
    };
    if live.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        refusals.push(format!(
            "{what} is paused: you cannot rollback a paused deployment; resume it first"
        ));
        return None;
    }
    let revisions = history::revisions(live, &snap.history);
    let Some(to) = history::find_target(&revisions, w) else {
        let images: Vec<String> = w
            .containers
            .iter()
            .map(|c| format!("{}={}", c.name, c.image))
            .collect();
        refusals.push(format!(
            "{what}: no revision in its history ({} {}) has the release's template ({}); it was garbage-collected (revisionHistoryLimit) — only an Argo CD re-render can restore it",
            revisions.len(),
            if w.kind == "Deployment" { "ReplicaSets" } else { "ControllerRevisions" },
            images.join(", ")
        ));
        return None;
    };
    let others = history::ambiguous(&revisions, w, to);
    if !others.is_empty() {
        refusals.push(format!(
            "{what}: revisions {} and {} both run the release's images and configs but hold different templates (other environment, resources, …): the record cannot tell which is the release's — roll back with strategy ArgoCD",
            to.name,
            others.join(", ")
        ));
        return None;
    }
    let mine: Vec<&ObservedImage> = pinned
        .iter()
        .filter(|p| p.kind == w.kind && p.name == w.name && p.namespace == w.namespace)
        .collect();
    let template = history::pin_observed(&to.template, &mine);
    let from = history::find_live(&revisions, live);
    let on_failure = snap.request.spec.on_failure.unwrap_or_default();
    if on_failure == OnFailure::Revert && from.is_none() {
        refusals.push(format!(
            "{what}: onFailure is Revert but no revision in its history holds the live template: there would be nothing exact to revert to"
        ));
    }
    let unchanged = history::live_template(live) == template;
    Some(PlannedWorkload {
        api_version: w.api_version.clone(),
        kind: w.kind.clone(),
        namespace: ns.to_string(),
        name: w.name.clone(),
        from: from.map(|f| f.name.to_string()),
        to: to.name.to_string(),
        patch: history::undo_patch(live, to, &template),
        revert: from.map(|f| history::undo_patch(live, f, &f.template)),
        template,
        unchanged,
    })
}

#[cfg(test)]
mod tests;
