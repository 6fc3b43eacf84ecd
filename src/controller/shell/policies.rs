//! RollbackPolicies in the controller (the shell of [`crate::slo`]): per policy, read its
//! Application, the app's records, the requests it filed and the Secrets its metrics take
//! headers from; run the SLO analysis (blocking HTTP to Prometheus, on a blocking thread,
//! only to addresses on `--prometheus-allow`); then create the RollbackRequest it decided
//! on (AlreadyExists is success: one request per bad release), write its status, publish
//! its Events and log its decisions.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::ObjectReference;
use kube::runtime::controller::Action;
use kube::runtime::events::{Event as KubeEvent, EventType};
use serde_json::{Value, json};

use super::api::{self, ApiError};
use super::context::Context;
use crate::slo::RollbackPolicy;
use crate::slo::decide::Observed;
use crate::slo::observed::{AppSync, PolicyRequest, Record};
use crate::slo::prometheus::{Prometheus, SecretHeaders};

/// How often a policy with nothing scheduled is looked at again (a new sync starts a bake).
pub const IDLE_REQUEUE: Duration = Duration::from_secs(30);

/// A failed read or write for a policy.
#[derive(Debug, thiserror::Error)]
#[error("RollbackPolicy {policy}: {object}: {} ({})", .error.message, .error.code)]
pub struct PolicyError {
    /// namespace/name.
    pub policy: String,
    /// The object read or written.
    pub object: String,
    /// The API's answer.
    pub error: ApiError,
}

/// Decodes a Secret's `data` into headers (key → value); values that are not UTF-8 are
/// left out.
fn secret_headers(secret: &Value) -> Vec<(String, String)> {
    use base64::Engine as _;
    secret
        .get("data")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(v.as_str()?)
                .ok()?;
            Some((
                k.clone(),
                String::from_utf8(bytes)
                    .ok()?
                    .trim_end_matches('\n')
                    .to_string(),
            ))
        })
        .collect()
}

/// One reconcile of a policy.
pub async fn reconcile_policy(
    policy: Arc<RollbackPolicy>,
    ctx: Arc<Context>,
) -> Result<Action, PolicyError> {
    let ns = policy.metadata.namespace.clone().unwrap_or_default();
    let name = policy.metadata.name.clone().unwrap_or_default();
    let who = format!("{ns}/{name}");
    let err = |object: String| {
        let policy = who.clone();
        move |error: ApiError| PolicyError {
            policy,
            object,
            error,
        }
    };
    let client = &ctx.client;
    let app_name = policy.spec.app.clone();
    let argocd = ctx.cfg.argocd_namespace.clone();
    let app = api::get(client, api::APPLICATION, &argocd, &app_name)
        .await
        .map_err(err(format!("Application {argocd}/{app_name}")))?
        .unwrap_or(Value::Null);
    let records: Vec<Record> = api::list(
        client,
        api::RECORD,
        &ns,
        Some(&format!("rollpin.dev/app={app_name}")),
    )
    .await
    .map_err(err(format!("RollbackManifests of {app_name}")))?
    .iter()
    .filter_map(Record::from_value)
    .collect();
    let requests: Vec<PolicyRequest> = api::list(
        client,
        api::REQUEST,
        &ns,
        Some(&format!("rollpin.dev/policy={name}")),
    )
    .await
    .map_err(err(format!("RollbackRequests of policy {name}")))?
    .iter()
    .filter_map(|v| PolicyRequest::from_value(v, &name))
    .collect();
    let mut secrets = SecretHeaders::new();
    for m in &policy.spec.metrics {
        let Some(secret) = m
            .provider
            .prometheus
            .as_ref()
            .and_then(|p| p.headers_from.as_ref())
        else {
            continue;
        };
        let sname = &secret.secret_ref.name;
        if secrets.contains_key(sname) {
            continue;
        }
        if let Some(s) = api::get(client, api::SECRET, &ns, sname)
            .await
            .map_err(err(format!("Secret {ns}/{sname}")))?
        {
            secrets.insert(sname.clone(), secret_headers(&s));
        }
    }
    let allow = ctx.allow.clone();
    let task_ctx = ctx.clone();
    let task_policy = policy.clone();
    let decision = tokio::task::spawn_blocking(move || {
        let sync = AppSync::from_application(&app);
        let provider = Prometheus::restricted(allow.clone(), secrets);
        let obs = Observed {
            policy: &task_policy,
            app: &sync,
            records: &records,
            requests: &requests,
            allow: Some(&allow),
        };
        let clock = || (task_ctx.clock)();
        crate::slo::reconcile::reconcile(&obs, &provider, &clock)
    })
    .await
    .map_err(|e| PolicyError {
        policy: who.clone(),
        object: "the SLO analysis".into(),
        error: ApiError {
            code: 0,
            message: e.to_string(),
        },
    })?;
    if let Some(request) = &decision.create {
        match api::create(client, api::REQUEST, &ns, request).await {
            Ok(_) => {}
            // AlreadyExists counts only when it is this policy's request for this release
            // (a retry after a lost answer); a same-named request of a person, of another
            // release or policy, is not a rollback this policy made.
            Err(e) if e.code == 409 => {
                let theirs = crate::controller::str_at(request, "/metadata/name");
                let mine = PolicyRequest::from_value(request, &name);
                let existing = api::get(client, api::REQUEST, &ns, theirs)
                    .await
                    .map_err(err(format!("RollbackRequest {ns}/{theirs}")))?;
                let same = existing
                    .as_ref()
                    .and_then(|v| PolicyRequest::from_value(v, &name))
                    .is_some_and(|r| {
                        Some(&r.from_revision) == mine.as_ref().map(|m| &m.from_revision)
                    });
                if !same {
                    return Err(err(format!("RollbackRequest {ns}/{theirs} (create)"))(
                        ApiError {
                            code: 409,
                            message: "a RollbackRequest of that name exists and is not this policy's request for this release; not counting it as the rollback".into(),
                        },
                    ));
                }
            }
            Err(e) => return Err(err("RollbackRequest (create)".into())(e)),
        }
    }
    let status = serde_json::to_value(&decision.status).unwrap_or(Value::Null);
    api::merge_status(client, api::POLICY, &ns, &name, &status)
        .await
        .map_err(err(format!("RollbackPolicy {who} status")))?;
    let reference = ObjectReference {
        api_version: Some(api::POLICY.api_version()),
        kind: Some("RollbackPolicy".into()),
        name: Some(name.clone()),
        namespace: Some(ns.clone()),
        uid: policy.metadata.uid.clone(),
        ..Default::default()
    };
    for e in &decision.events {
        let ev = KubeEvent {
            type_: if e.type_ == crate::slo::audit::Kind::Warning {
                EventType::Warning
            } else {
                EventType::Normal
            },
            reason: e.reason.clone(),
            note: Some(e.note.chars().take(1000).collect()),
            action: "Analyze".into(),
            secondary: None,
        };
        ctx.publish(&ev, &reference).await;
    }
    for line in &decision.log {
        ctx.log(line);
    }
    ctx.succeeded(&format!("policy/{who}"));
    Ok(Action::requeue(
        decision
            .requeue_after
            .unwrap_or(IDLE_REQUEUE)
            .min(IDLE_REQUEUE),
    ))
}

/// What to do after a failed reconcile of a policy.
pub fn error_policy(policy: Arc<RollbackPolicy>, err: &PolicyError, ctx: Arc<Context>) -> Action {
    let key = format!(
        "policy/{}/{}",
        policy.metadata.namespace.clone().unwrap_or_default(),
        policy.metadata.name.clone().unwrap_or_default()
    );
    let wait = ctx.backoff(&key);
    ctx.log(&json!({"time": (ctx.clock)().to_string(), "level": "warn", "msg": "policy reconcile failed; retrying",
        "error": err.to_string(), "retryInSeconds": wait.as_secs_f64()}));
    Action::requeue(wait)
}
