//! The `ArgoCD` strategy's Argo CD side: the sync operation the controller writes on the
//! Application — shaped as Argo CD's own rollback builds it (a sync of the recorded
//! revision and source, the app's sync options, `syncStrategy: apply`, `initiatedBy`),
//! plus an `info` entry naming the request and, in the source's plugin parameters,
//! `expect-render-digest` (so `rollpin render` refuses any other stream), `expect-objects`
//! (so the refusal names the first object that differs) and `pin-images`
//! (tag-only images pinned to the digest that ran) — and reading its progress back from
//! `status.operationState`.

use serde_json::{Map, Value, json};

use super::str_at;
use crate::release::{ObservedImage, RollbackManifest};

/// The `info` name that marks an operation as a rollback request's.
pub const INFO_NAME: &str = "rollpin.dev/request";
/// The username the controller's operations are initiated by.
pub const INITIATED_BY: &str = "rollpin-controller";

/// Why an Application cannot be rolled back by an Argo CD sync.
pub fn unsupported(app: &Value) -> Option<String> {
    if app
        .pointer("/spec/sources")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty())
    {
        return Some("strategy ArgoCD supports single-source Applications (spec.source); this one has spec.sources".into());
    }
    if app.pointer("/spec/source/plugin").is_none() {
        return Some(
            "strategy ArgoCD needs the Application to render with the rollpin plugin (spec.source.plugin): only rollpin render can refuse a stream that is not the record's".into(),
        );
    }
    None
}

/// The source to sync: the one Argo CD's history recorded for that revision (else the
/// Application's), with the plugin parameters `expect-render-digest` and `pin-images` set.
fn source(app: &Value, record: &RollbackManifest, pinned: &[ObservedImage]) -> Value {
    let revision = &record.spec.source.revision;
    let from_history = app
        .pointer("/status/history")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .rev()
        .find(|h| str_at(h, "/revision") == revision)
        .and_then(|h| h.get("source"))
        .filter(|s| s.is_object());
    let mut src = from_history
        .or_else(|| app.pointer("/spec/source"))
        .cloned()
        .unwrap_or(json!({}));
    if !src.get("plugin").is_some_and(Value::is_object) {
        src["plugin"] = app
            .pointer("/spec/source/plugin")
            .cloned()
            .unwrap_or(json!({}));
    }
    let params = src["plugin"]
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut params: Vec<Value> = params
        .into_iter()
        .filter(|p| {
            !matches!(
                str_at(p, "/name"),
                "expect-render-digest" | "expect-objects" | "pin-images"
            )
        })
        .collect();
    params.push(json!({"name": "expect-render-digest", "string": record.spec.render_digest}));
    // The objects' digests name the first that differs when the render is refused. A
    // record of a pinned render holds the pinned documents' digests, not the render's.
    if record.spec.renderer.pin_images.is_empty() {
        let prefixes = crate::release::guard::ExpectedObjects::from_digests(
            record.spec.resources.iter().map(|r| r.sha256.as_str()),
        );
        params.push(json!({"name": "expect-objects", "string": prefixes}));
    }
    // The pins the release was rendered with, and tag-only images pinned to what ran.
    let mut map: Map<String, Value> = record
        .spec
        .renderer
        .pin_images
        .iter()
        .map(|(image, digest)| (image.clone(), Value::String(digest.clone())))
        .collect();
    for p in pinned {
        map.entry(p.image.clone())
            .or_insert_with(|| Value::String(p.digest.clone()));
    }
    if !map.is_empty() {
        params.push(json!({"name": "pin-images", "map": map}));
    }
    src["plugin"]["parameters"] = Value::Array(params);
    src
}

/// The operation to write for syncing `record`'s revision.
pub fn operation(
    app: &Value,
    record: &RollbackManifest,
    pinned: &[ObservedImage],
    request_uid: &str,
) -> Value {
    let mut sync = json!({
        "revision": record.spec.source.revision,
        "source": source(app, record, pinned),
        "syncStrategy": {"apply": {}},
    });
    if let Some(options) = app
        .pointer("/spec/syncPolicy/syncOptions")
        .filter(|o| o.is_array())
    {
        sync["syncOptions"] = options.clone();
    }
    json!({
        "sync": sync,
        "initiatedBy": {"username": INITIATED_BY},
        "info": [{"name": INFO_NAME, "value": request_uid}],
    })
}

/// The JSON patch writing `op`, guarded by the resourceVersion it was computed from and
/// by `operation` being unset (Argo CD drops an operation written over a running one).
pub fn operation_patch(app: &Value, op: &Value) -> Value {
    json!([
        {"op": "replace", "path": "/metadata/resourceVersion", "value": str_at(app, "/metadata/resourceVersion")},
        {"op": "add", "path": "/operation", "value": op},
    ])
}

/// Where the request's operation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationProgress {
    /// Another operation is pending or running: wait.
    Busy(String),
    /// Ours is not written yet, and nothing runs.
    NotStarted,
    /// Ours is pending or running.
    Running(String),
    /// Ours finished with Failed or Error: Argo CD's message.
    Failed(String),
    /// Ours succeeded: the resolved revision.
    Succeeded(String),
}

fn is_ours(op: &Value, uid: &str) -> bool {
    op.get("info")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|i| str_at(i, "/name") == INFO_NAME && str_at(i, "/value") == uid)
}

/// The progress of the request `uid`'s operation on the Application.
pub fn progress(app: &Value, uid: &str) -> OperationProgress {
    let pending = app.get("operation").filter(|o| !o.is_null());
    let state = app.pointer("/status/operationState");
    let state_is_ours = state
        .and_then(|s| s.get("operation"))
        .is_some_and(|o| is_ours(o, uid));
    if let Some(op) = pending {
        return if is_ours(op, uid) {
            OperationProgress::Running("Argo CD has not started the sync yet".into())
        } else {
            OperationProgress::Busy(format!(
                "another operation is in progress on the Application (initiated by {})",
                op.pointer("/initiatedBy/username")
                    .and_then(Value::as_str)
                    .unwrap_or("Argo CD")
            ))
        };
    }
    let phase = state.map(|s| str_at(s, "/phase")).unwrap_or("");
    let message = state
        .map(|s| str_at(s, "/message"))
        .unwrap_or("")
        .to_string();
    if !state_is_ours {
        return if matches!(phase, "Running" | "Terminating") {
            OperationProgress::Busy(format!(
                "another operation is {phase} on the Application: {message}"
            ))
        } else {
            OperationProgress::NotStarted
        };
    }
    match phase {
        "Succeeded" => OperationProgress::Succeeded(
            state
                .map(|s| str_at(s, "/syncResult/revision").to_string())
                .unwrap_or_default(),
        ),
        "Failed" | "Error" => OperationProgress::Failed(format!(
            "Argo CD's sync {}: {message}",
            phase.to_lowercase()
        )),
        _ => OperationProgress::Running(if message.is_empty() {
            format!("Argo CD's sync is {phase}")
        } else {
            message
        }),
    }
}

#[cfg(test)]
mod tests;
