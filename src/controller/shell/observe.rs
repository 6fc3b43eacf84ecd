//! Observing what one RollbackRequest needs, in a fixed order (so the mock tests can
//! script it): the Application, the app's records and the namespace's requests, then
//! for each Deployment, StatefulSet and DaemonSet of the target record its live object and
//! revision history (and its Pods while verifying), then the configs the target pins.
//! A finished request without `spec.resume` needs no reads at all.

use kube::Client;
use serde_json::Value;

use super::api::{self, ApiError, Kind};
use crate::controller::history::RESTORABLE;
use crate::controller::{Config, Snapshot, target};
use crate::release::{RollbackManifest, RollbackPhase, RollbackRequest};

/// Which read failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObserveError {
    /// The object or collection read.
    pub object: String,
    /// The API's answer.
    pub error: ApiError,
}

fn ctx(object: String) -> impl FnOnce(ApiError) -> ObserveError {
    move |error| ObserveError { object, error }
}

fn typed<T: serde::de::DeserializeOwned>(
    items: Vec<Value>,
    what: &str,
) -> Result<Vec<T>, ObserveError> {
    items
        .into_iter()
        .map(|v| {
            serde_json::from_value(v).map_err(|e| ObserveError {
                object: what.to_string(),
                error: ApiError {
                    code: 0,
                    message: format!("cannot read {what}: {e}"),
                },
            })
        })
        .collect()
}

/// Reads the snapshot for `req`.
pub async fn observe(
    client: &Client,
    cfg: &Config,
    req: &RollbackRequest,
) -> Result<Snapshot, ObserveError> {
    let mut snap = Snapshot {
        request: req.clone(),
        ..Default::default()
    };
    let phase = req
        .status
        .as_ref()
        .and_then(|s| s.phase)
        .unwrap_or_default();
    let finished = matches!(phase, RollbackPhase::Succeeded | RollbackPhase::Failed);
    if finished && !req.spec.resume {
        return Ok(snap);
    }
    let app_name = req.spec.app.as_str();
    let argocd = cfg.argocd_namespace.as_str();
    snap.app = api::get(client, api::APPLICATION, argocd, app_name)
        .await
        .map_err(ctx(format!("Application {argocd}/{app_name}")))?;
    if finished {
        return Ok(snap);
    }
    let ns = req.metadata.namespace.as_deref().unwrap_or("");
    let records = api::list(
        client,
        api::RECORD,
        ns,
        Some(&format!("rollpin.dev/app={app_name}")),
    )
    .await
    .map_err(ctx(format!("RollbackManifests of {app_name} in {ns}")))?;
    snap.records = typed(records, "RollbackManifest")?;
    let requests = api::list(client, api::REQUEST, ns, None)
        .await
        .map_err(ctx(format!("RollbackRequests in {ns}")))?;
    snap.requests = typed(requests, "RollbackRequest")?;
    let Some(app) = snap.app.clone() else {
        return Ok(snap);
    };
    let Some(target) = target_record(&snap, &app) else {
        return Ok(snap);
    };
    let destination = snap.destination_namespace().to_string();
    let verifying = phase == RollbackPhase::Verifying;
    for w in target
        .spec
        .workloads
        .iter()
        .filter(|w| RESTORABLE.contains(&w.kind.as_str()))
    {
        let Some(kind) = Kind::by_name(&w.kind) else {
            continue;
        };
        let wns = if w.namespace.is_empty() {
            destination.as_str()
        } else {
            w.namespace.as_str()
        };
        let what = format!("{} {wns}/{}", w.kind, w.name);
        let Some(live) = api::get(client, kind, wns, &w.name)
            .await
            .map_err(ctx(what.clone()))?
        else {
            continue;
        };
        let selector = api::selector_string(live.pointer("/spec/selector"));
        if let Some(sel) = &selector {
            let history = if w.kind == "Deployment" {
                api::REPLICASET
            } else {
                api::CONTROLLER_REVISION
            };
            let entries = api::list(client, history, wns, Some(sel))
                .await
                .map_err(ctx(format!("{} of {what}", history.plural)))?;
            snap.history.extend(entries);
            if verifying {
                let pods = api::list(client, api::POD, wns, Some(sel))
                    .await
                    .map_err(ctx(format!("Pods of {what}")))?;
                snap.pods.extend(pods);
            }
        }
        snap.workloads.push(live);
        for c in w.configs.iter().filter(|c| c.sha256.is_some()) {
            let Some(kind) = Kind::by_name(&c.kind) else {
                continue;
            };
            if snap.config(&c.kind, wns, &c.name).is_some() {
                continue;
            }
            if let Some(cfg) = api::get(client, kind, wns, &c.name)
                .await
                .map_err(ctx(format!("{} {wns}/{}", c.kind, c.name)))?
            {
                snap.configs.push(cfg);
            }
        }
    }
    Ok(snap)
}

/// The target record: the one the status names once resolved, else the spec's.
fn target_record(snap: &Snapshot, app: &Value) -> Option<RollbackManifest> {
    let req = &snap.request;
    if let Some(name) = req.status.as_ref().and_then(|s| s.target_record.as_deref()) {
        return snap.record(name).cloned();
    }
    let current = target::current(&req.spec.app, app, &snap.records).ok();
    target::resolve(&req.spec.app, &req.spec.target, current, &snap.records)
        .ok()
        .cloned()
}
