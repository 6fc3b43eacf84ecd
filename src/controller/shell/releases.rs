//! Verifying every release Argo CD syncs (the shell of [`crate::controller::release_check`]):
//! on each Application change, if its last successful sync rendered a record not yet
//! verified for that sync, read the recorded workloads (any kind; unknown ones through
//! API discovery), their Pods and configs, and write the record's `Verified` condition —
//! or look again in a few seconds while rollouts are still going. Then delete the app's
//! records beyond the newest N.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::ObjectReference;
use kube::api::DynamicObject;
use kube::runtime::controller::Action;
use kube::runtime::events::{Event as KubeEvent, EventType};
use serde_json::{Value, json};

use super::api::{self, ApiError};
use super::context::Context;
use crate::controller::release_check::{self, Verdict};
use crate::controller::str_at;
use crate::release::RollbackManifest;

/// How often an unsettled release is looked at again.
pub const SETTLE_REQUEUE: Duration = Duration::from_secs(5);

/// A failed read or write while verifying a release.
#[derive(Debug, thiserror::Error)]
#[error("verifying the release of Application {app}: {object}: {} ({})", .error.message, .error.code)]
pub struct ReleaseError {
    /// The Application.
    pub app: String,
    /// The object read or written.
    pub object: String,
    /// The API's answer.
    pub error: ApiError,
}

/// One reconcile of an Application.
pub async fn reconcile_app(
    obj: Arc<DynamicObject>,
    ctx: Arc<Context>,
) -> Result<Action, ReleaseError> {
    let app = serde_json::to_value(obj.as_ref()).unwrap_or(Value::Null);
    let app_name = str_at(&app, "/metadata/name").to_string();
    let err = |object: String| {
        let app = app_name.clone();
        move |error: ApiError| ReleaseError { app, object, error }
    };
    let client = &ctx.client;
    let Some((revision, finished)) = release_check::last_sync(&app) else {
        return Ok(Action::await_change());
    };
    let ns = str_at(&app, "/spec/destination/namespace").to_string();
    if ns.is_empty() {
        return Ok(Action::await_change());
    }
    let items = api::list(
        client,
        api::RECORD,
        &ns,
        Some(&format!("rollpin.dev/app={app_name}")),
    )
    .await
    .map_err(err(format!("RollbackManifests in {ns}")))?;
    let records: Vec<RollbackManifest> = items
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect();
    let mut requeue = None;
    if let Some(record) = release_check::synced_record(&app_name, &revision, &records)
        && !release_check::already_verified(record, finished)
    {
        let live = read_live(&ctx, record, &ns)
            .await
            .map_err(|(object, error)| ReleaseError {
                app: app_name.clone(),
                object,
                error,
            })?;
        let name = record.metadata.name.clone().unwrap_or_default();
        match release_check::verify(
            record,
            &live,
            finished,
            (ctx.clock)(),
            ctx.cfg.verify_timeout,
        ) {
            Verdict::Wait(why) => {
                ctx.log(&json!({"time": (ctx.clock)().to_string(), "level": "info", "msg": "waiting to verify release",
                    "app": app_name, "record": name, "revision": revision, "waitingFor": why}));
                requeue = Some(SETTLE_REQUEUE);
            }
            Verdict::Write {
                verified,
                summary,
                status,
            } => {
                api::merge_status(client, api::RECORD, &ns, &name, &status)
                    .await
                    .map_err(err(format!("RollbackManifest {ns}/{name} status")))?;
                ctx.log(&json!({"time": (ctx.clock)().to_string(), "level": if verified { "info" } else { "warn" },
                    "msg": "release verified", "app": app_name, "record": name, "revision": revision,
                    "verified": verified, "detail": summary}));
                let ev = KubeEvent {
                    type_: if verified {
                        EventType::Normal
                    } else {
                        EventType::Warning
                    },
                    reason: if verified { "Verified" } else { "Drift" }.into(),
                    note: Some(summary.chars().take(1000).collect()),
                    action: "VerifyRelease".into(),
                    secondary: None,
                };
                let reference = ObjectReference {
                    api_version: Some(api::RECORD.api_version()),
                    kind: Some("RollbackManifest".into()),
                    name: Some(name.clone()),
                    namespace: Some(ns.clone()),
                    uid: record.metadata.uid.clone(),
                    ..Default::default()
                };
                ctx.publish(&ev, &reference).await;
            }
        }
    }
    for gone in release_check::expired(&app_name, &app, &records, ctx.cfg.keep_records) {
        api::delete(client, api::RECORD, &ns, &gone)
            .await
            .map_err(err(format!("RollbackManifest {ns}/{gone}")))?;
        ctx.log(&json!({"time": (ctx.clock)().to_string(), "level": "info", "msg": "record garbage-collected",
            "app": app_name, "record": gone, "keep": ctx.cfg.keep_records}));
    }
    Ok(requeue
        .map(Action::requeue)
        .unwrap_or_else(Action::await_change))
}

/// The recorded workloads (and objects with recorded images), their Pods and configs.
async fn read_live(
    ctx: &Context,
    record: &RollbackManifest,
    destination: &str,
) -> Result<Vec<Value>, (String, ApiError)> {
    let client = &ctx.client;
    let mut live = Vec::new();
    let ns_of = |n: &str| {
        if n.is_empty() {
            destination.to_string()
        } else {
            n.to_string()
        }
    };
    let objects = record
        .spec
        .workloads
        .iter()
        .map(|w| {
            (
                w.api_version.as_str(),
                w.kind.as_str(),
                ns_of(&w.namespace),
                w.name.as_str(),
            )
        })
        .chain(record.spec.images.iter().map(|i| {
            (
                i.api_version.as_str(),
                i.kind.as_str(),
                ns_of(&i.namespace),
                i.name.as_str(),
            )
        }));
    let mut seen = std::collections::BTreeSet::new();
    for (api_version, kind, ns, name) in objects {
        if !seen.insert((
            api_version.to_string(),
            kind.to_string(),
            ns.clone(),
            name.to_string(),
        )) {
            continue;
        }
        let what = format!("{api_version} {kind} {ns}/{name}");
        let path = api::collection_path(client, api_version, kind, &ns)
            .await
            .map_err(|e| (what.clone(), e))?;
        let Some(obj) = api::get_at(client, &path, name)
            .await
            .map_err(|e| (what.clone(), e))?
        else {
            continue;
        };
        if let Some(sel) = api::selector_string(obj.pointer("/spec/selector")) {
            let pods = api::list(client, api::POD, &ns, Some(&sel))
                .await
                .map_err(|e| (format!("Pods of {what}"), e))?;
            live.extend(pods);
        }
        live.push(obj);
    }
    for w in &record.spec.workloads {
        let ns = ns_of(&w.namespace);
        for c in w.configs.iter().filter(|c| c.sha256.is_some()) {
            let Some(kind) = api::Kind::by_name(&c.kind) else {
                continue;
            };
            if live.iter().any(|o| {
                str_at(o, "/kind") == c.kind
                    && str_at(o, "/metadata/name") == c.name
                    && str_at(o, "/metadata/namespace") == ns
            }) {
                continue;
            }
            if let Some(cfg) = api::get(client, kind, &ns, &c.name)
                .await
                .map_err(|e| (format!("{} {ns}/{}", c.kind, c.name), e))?
            {
                live.push(cfg);
            }
        }
    }
    Ok(live)
}

/// What to do after a failed reconcile of an Application.
pub fn error_policy(obj: Arc<DynamicObject>, err: &ReleaseError, ctx: Arc<Context>) -> Action {
    let key = format!("app/{}", obj.metadata.name.clone().unwrap_or_default());
    let wait = ctx.backoff(&key);
    ctx.log(&json!({"time": (ctx.clock)().to_string(), "level": "warn", "msg": "release verification failed; retrying",
        "error": err.to_string(), "retryInSeconds": wait.as_secs_f64()}));
    Action::requeue(wait)
}
