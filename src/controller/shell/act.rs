//! Making the planner's writes, in order, stopping at the first that fails. A 409
//! Conflict (the object changed since it was read) is reported as such, so the request
//! is re-read and re-planned at once; anything else backs off.

use k8s_openapi::api::core::v1::ObjectReference;
use kube::runtime::events::{Event as KubeEvent, EventType};
use serde_json::{Value, json};

use super::api::{self, ApiError, Kind};
use super::context::Context;
use crate::controller::history::PatchKind;
use crate::controller::sync_policy;
use crate::controller::write::Write;
use crate::release::RollbackRequest;

/// A write that failed: which object, and the API's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    /// The object written.
    pub object: String,
    /// The API's answer.
    pub error: ApiError,
}

fn request_ref(req: &RollbackRequest) -> ObjectReference {
    ObjectReference {
        api_version: Some(api::REQUEST.api_version()),
        kind: Some("RollbackRequest".into()),
        name: req.metadata.name.clone(),
        namespace: req.metadata.namespace.clone(),
        uid: req.metadata.uid.clone(),
        ..Default::default()
    }
}

fn app_ref(ctx: &Context, req: &RollbackRequest) -> ObjectReference {
    ObjectReference {
        api_version: Some(api::APPLICATION.api_version()),
        kind: Some("Application".into()),
        name: Some(req.spec.app.clone()),
        namespace: Some(ctx.cfg.argocd_namespace.clone()),
        ..Default::default()
    }
}

fn version(obj: &Value) -> Option<String> {
    obj.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Makes `writes` in order. Returns how many succeeded, and the failure if one did.
pub async fn act(
    ctx: &Context,
    req: &RollbackRequest,
    writes: &[Write],
) -> (usize, Option<WriteError>) {
    let ns = req.metadata.namespace.clone().unwrap_or_default();
    let name = req.metadata.name.clone().unwrap_or_default();
    let client = &ctx.client;
    let mut removed = false;
    // The Application's resourceVersion after this batch's own pause.
    let mut app_version: Option<String> = None;
    for (i, w) in writes.iter().enumerate() {
        let fail = |error: ApiError| WriteError {
            object: w.target(),
            error,
        };
        let result: Result<(), ApiError> = match w {
            Write::RequestStatus(status) => {
                let mut value = serde_json::to_value(status).unwrap_or(Value::Null);
                if removed {
                    value["savedSyncPolicy"]["method"] = json!(sync_policy::REMOVED);
                }
                let body = json!([{"op": "add", "path": "/status", "value": value}]);
                api::json_patch_status(client, api::REQUEST, &ns, &name, &body)
                    .await
                    .map(|_| ())
            }
            Write::PauseAutoSync { app, patch, .. } => {
                let argocd = &ctx.cfg.argocd_namespace;
                match api::patch(
                    client,
                    api::APPLICATION,
                    argocd,
                    app,
                    None,
                    PatchKind::Json,
                    patch,
                )
                .await
                {
                    Ok(after) if sync_policy::paused(&after) => {
                        app_version = version(&after);
                        Ok(())
                    }
                    // The API server dropped `enabled` (Argo CD before 3.1): remove `automated`.
                    Ok(after) => {
                        let fallback = sync_policy::remove_patch(&after);
                        let r = api::patch(
                            client,
                            api::APPLICATION,
                            argocd,
                            app,
                            None,
                            PatchKind::Json,
                            &fallback,
                        )
                        .await;
                        match r {
                            Ok(after) => {
                                app_version = version(&after);
                                removed = true;
                                // Saved at once, so resume knows how the policy was paused
                                // even if nothing else of this batch gets written.
                                let body = json!([{"op": "replace", "path": "/status/savedSyncPolicy/method", "value": sync_policy::REMOVED}]);
                                api::json_patch_status(client, api::REQUEST, &ns, &name, &body)
                                    .await
                                    .map(|_| ())
                            }
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                }
            }
            Write::SyncOperation { app, patch } => {
                let mut patch = patch.clone();
                if let Some(v) = &app_version {
                    patch[0]["value"] = Value::String(v.clone());
                }
                api::patch(
                    client,
                    api::APPLICATION,
                    &ctx.cfg.argocd_namespace,
                    app,
                    None,
                    PatchKind::Json,
                    &patch,
                )
                .await
                .map(|_| ())
            }
            Write::RestoreAutoSync { app, patch } => api::patch(
                client,
                api::APPLICATION,
                &ctx.cfg.argocd_namespace,
                app,
                None,
                PatchKind::Json,
                patch,
            )
            .await
            .map(|_| ()),
            Write::Workload {
                kind,
                namespace,
                name: wname,
                patch_kind,
                patch,
                ..
            } => match Kind::by_name(kind) {
                Some(k) => api::patch(client, k, namespace, wname, None, *patch_kind, patch)
                    .await
                    .map(|_| ()),
                None => Err(ApiError {
                    code: 0,
                    message: format!("unsupported kind {kind}"),
                }),
            },
            Write::RecordStatus {
                namespace,
                name: rname,
                status,
            } => api::merge_status(client, api::RECORD, namespace, rname, status)
                .await
                .map(|_| ()),
            Write::Event(e) => {
                let ev = KubeEvent {
                    type_: if e.warning {
                        EventType::Warning
                    } else {
                        EventType::Normal
                    },
                    reason: e.reason.clone(),
                    note: Some(e.note.chars().take(1000).collect()),
                    action: e.action.clone(),
                    secondary: None,
                };
                // An Event that cannot be published is logged, never a reason to stop.
                ctx.publish(&ev, &request_ref(req)).await;
                if e.on_app {
                    ctx.publish(&ev, &app_ref(ctx, req)).await;
                }
                Ok(())
            }
        };
        if let Err(e) = result {
            return (i, Some(fail(e)));
        }
    }
    (writes.len(), None)
}
