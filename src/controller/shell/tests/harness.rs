//! The scripted API server: an ordered list of expected requests and their replies.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Request, Response};
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::client::Body;
use kube::runtime::controller::Action;
use serde_json::{Value, json};

use crate::controller::Snapshot;
use crate::controller::fixtures::NS;
use crate::controller::shell::context::{Context, LogFormat};
use crate::controller::shell::reconcile::{ReconcileError, reconcile};
use crate::controller::{Config, str_at};

type Handle = tower_test::mock::Handle<Request<Body>, Response<Body>>;
pub type ReplyFn = Box<dyn FnOnce(&Value) -> (u16, Value) + Send>;

/// One expected request.
pub struct Expect {
    method: &'static str,
    uri: String,
    reply: ReplyFn,
}

/// A request the server received.
#[derive(Debug, Clone)]
#[allow(dead_code)] // `body` is read by the Debug output of failed assertions.
pub struct Call {
    pub method: String,
    pub uri: String,
    pub content_type: String,
    pub body: Value,
}

impl Call {
    /// Writes are everything but GETs and Event POSTs.
    pub fn is_write(&self) -> bool {
        self.method != "GET" && !self.uri.contains("/events")
    }
}

pub fn expect(
    method: &'static str,
    uri: impl Into<String>,
    reply: impl FnOnce(&Value) -> (u16, Value) + Send + 'static,
) -> Expect {
    Expect {
        method,
        uri: uri.into(),
        reply: Box::new(reply),
    }
}

pub fn ok(v: Value) -> impl FnOnce(&Value) -> (u16, Value) + Send + 'static {
    move |_| (200, v)
}

pub fn list(items: Vec<Value>) -> impl FnOnce(&Value) -> (u16, Value) + Send + 'static {
    // A list response leaves out each item's apiVersion and kind, as the API server does.
    let items: Vec<Value> = items
        .into_iter()
        .map(|mut i| {
            if let Value::Object(m) = &mut i {
                m.remove("apiVersion");
                m.remove("kind");
            }
            i
        })
        .collect();
    move |_| {
        (
            200,
            json!({"kind": "List", "apiVersion": "v1", "metadata": {}, "items": items}),
        )
    }
}

pub fn status(code: u16, reason: &str) -> impl FnOnce(&Value) -> (u16, Value) + Send + 'static {
    let body = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason,
        "message": format!("the server answered {code} {reason}")});
    move |_| (code, body)
}

/// Echoes the body back (what a PATCH or POST answers is the object; good enough for
/// writes whose answer the controller does not read).
pub fn echo() -> impl FnOnce(&Value) -> (u16, Value) + Send + 'static {
    |b| (200, b.clone())
}

/// Expected event POSTs: one on the request, and one on the Application when `on_app`.
pub fn events(reason: &'static str, on_app: bool) -> Vec<Expect> {
    let mut out = vec![expect(
        "POST",
        format!("/apis/events.k8s.io/v1/namespaces/{NS}/events?"),
        move |b| {
            assert_eq!(b["reason"], reason, "event reason");
            assert_eq!(b["regarding"]["kind"], "RollbackRequest");
            (201, b.clone())
        },
    )];
    if on_app {
        out.push(expect(
            "POST",
            "/apis/events.k8s.io/v1/namespaces/argocd/events?",
            move |b| {
                assert_eq!(b["reason"], reason, "event reason");
                assert_eq!(b["regarding"]["kind"], "Application");
                (201, b.clone())
            },
        ));
    }
    out
}

/// The reads a reconcile of a request in `snap` makes, answered from `snap`.
pub fn reads(snap: &Snapshot, verifying: bool) -> Vec<Expect> {
    let mut out = vec![expect(
        "GET",
        "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop",
        ok(snap.app.clone().unwrap()),
    )];
    let records: Vec<Value> = snap
        .records
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    out.push(expect("GET", format!("/apis/rollpin.dev/v1alpha1/namespaces/{NS}/rollbackmanifests?labelSelector=rollpin.dev%2Fapp%3Dshop"), list(records)));
    let requests: Vec<Value> = snap
        .requests
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    out.push(expect(
        "GET",
        format!("/apis/rollpin.dev/v1alpha1/namespaces/{NS}/rollbackrequests"),
        list(requests),
    ));
    // Per workload, as observe reads them: the workload, its history (by its selector),
    // its Pods while verifying, then the release's config of it (`<name>-config-a`).
    for w in &snap.workloads {
        let kind = str_at(w, "/kind");
        let name = str_at(w, "/metadata/name").to_string();
        let plural = format!("{}s", kind.to_lowercase());
        out.push(expect(
            "GET",
            format!("/apis/apps/v1/namespaces/{NS}/{plural}/{name}"),
            ok(w.clone()),
        ));
        let history_kind = if kind == "Deployment" {
            "replicasets"
        } else {
            "controllerrevisions"
        };
        let history: Vec<Value> = snap
            .history
            .iter()
            .filter(|h| str_at(h, "/metadata/ownerReferences/0/name") == name)
            .cloned()
            .collect();
        out.push(expect(
            "GET",
            format!("/apis/apps/v1/namespaces/{NS}/{history_kind}?labelSelector=app%3D{name}"),
            list(history),
        ));
        if verifying {
            let pods: Vec<Value> = snap
                .pods
                .iter()
                .filter(|p| str_at(p, "/metadata/labels/app") == name)
                .cloned()
                .collect();
            out.push(expect(
                "GET",
                format!("/api/v1/namespaces/{NS}/pods?labelSelector=app%3D{name}"),
                list(pods),
            ));
        }
        let config = format!("{name}-config-a");
        let reply = match snap
            .configs
            .iter()
            .find(|c| str_at(c, "/metadata/name") == config)
        {
            Some(c) => Box::new(ok(c.clone())) as ReplyFn,
            None => Box::new(status(404, "NotFound")),
        };
        out.push(Expect {
            method: "GET",
            uri: format!("/api/v1/namespaces/{NS}/configmaps/{config}"),
            reply,
        });
    }
    out
}

/// Runs one reconcile of `snap.request` at `now` against `script`; returns its result,
/// every call the server saw and the log lines. Fails when the script is not used up.
pub async fn run(
    snap: &Snapshot,
    now: Timestamp,
    script: Vec<Expect>,
) -> (Result<Action, ReconcileError>, Vec<Call>, Vec<Value>) {
    let (client, server) = mock_client(script);
    let logs = Arc::new(Mutex::new(Vec::new()));
    let mut ctx = Context::new(client, Config::default(), LogFormat::Json, "test".into());
    ctx.clock = Box::new(move || now);
    ctx.captured = Some(logs.clone());
    let result = reconcile(Arc::new(snap.request.clone()), Arc::new(ctx)).await;
    let calls = finished(server).await;
    let lines = logs.lock().unwrap().clone();
    (result, calls, lines)
}

/// Runs one release-verification reconcile of `app` at `now` against `script`.
pub async fn run_app(
    app: &Value,
    now: Timestamp,
    keep: usize,
    script: Vec<Expect>,
) -> (Result<Action, String>, Vec<Call>, Vec<Value>) {
    let (client, server) = mock_client(script);
    let logs = Arc::new(Mutex::new(Vec::new()));
    let cfg = Config {
        keep_records: keep,
        ..Config::default()
    };
    let mut ctx = Context::new(client, cfg, LogFormat::Json, "test".into());
    ctx.clock = Box::new(move || now);
    ctx.captured = Some(logs.clone());
    let obj: kube::api::DynamicObject = serde_json::from_value(app.clone()).unwrap();
    let result = crate::controller::shell::releases::reconcile_app(Arc::new(obj), Arc::new(ctx))
        .await
        .map_err(|e| e.to_string());
    let calls = finished(server).await;
    let lines = logs.lock().unwrap().clone();
    (result, calls, lines)
}

/// A kube client whose API server answers `script`, and the server's task (see
/// [`finished`]).
pub fn mock_client(script: Vec<Expect>) -> (Client, tokio::task::JoinHandle<Vec<Call>>) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    (
        Client::new(service, "default"),
        tokio::spawn(serve(handle, script)),
    )
}

/// Every call the server saw; fails when the script was not used up (the client made
/// fewer requests than expected) or a request did not match.
pub async fn finished(server: tokio::task::JoinHandle<Vec<Call>>) -> Vec<Call> {
    tokio::time::timeout(Duration::from_secs(2), server)
        .await
        .expect("the script was not used up: the client made fewer requests than expected")
        .expect("server task")
}

async fn serve(mut handle: Handle, script: Vec<Expect>) -> Vec<Call> {
    let mut calls = Vec::new();
    for (i, e) in script.into_iter().enumerate() {
        let (req, send) = handle
            .next_request()
            .await
            .expect("the client stopped early");
        let method = req.method().to_string();
        let uri = req.uri().to_string();
        let content_type = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = req.into_body().collect_bytes().await.expect("body");
        let body: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON body")
        };
        assert_eq!(
            (method.as_str(), uri.as_str()),
            (e.method, e.uri.as_str()),
            "request #{i}"
        );
        let (code, reply) = (e.reply)(&body);
        calls.push(Call {
            method,
            uri,
            content_type,
            body,
        });
        let response = Response::builder()
            .status(code)
            .body(Body::from(serde_json::to_vec(&reply).unwrap()))
            .unwrap();
        send.send_response(response);
    }
    calls
}

/// Runs one reconcile of `policy` at `now` against `script`, with `allow` as the
/// controller's `--prometheus-allow`.
pub async fn run_policy(
    policy: &crate::slo::RollbackPolicy,
    now: Timestamp,
    allow: Vec<String>,
    script: Vec<Expect>,
) -> (Result<Action, String>, Vec<Call>, Vec<Value>) {
    let (client, server) = mock_client(script);
    let logs = Arc::new(Mutex::new(Vec::new()));
    let cfg = Config {
        prometheus_allow: allow,
        ..Config::default()
    };
    let mut ctx = Context::new(client, cfg, LogFormat::Json, "test".into());
    ctx.clock = Box::new(move || now);
    ctx.captured = Some(logs.clone());
    let result = crate::controller::shell::policies::reconcile_policy(
        Arc::new(policy.clone()),
        Arc::new(ctx),
    )
    .await
    .map_err(|e| e.to_string());
    let calls = finished(server).await;
    let lines = logs.lock().unwrap().clone();
    (result, calls, lines)
}
