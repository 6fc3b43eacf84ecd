//! Strategy `ArgoCD` in the state machine: the switch is an Argo CD sync of the recorded
//! revision (written once nothing else runs, followed to a terminal phase), and a revert
//! is a sync of the shadow revision.

use super::*;

/// Strategy ArgoCD: pause, write the sync operation once nothing else runs, follow it to
/// a terminal phase; Succeeded → Verifying (Argo CD's Succeeded does not mean the rollout
/// finished), Failed or Error → the request fails with Argo CD's message.
pub(super) fn switch(cx: &mut Ctx<'_>) {
    let Some(app) = cx.snap.app.clone() else {
        return fail(cx, "AppGone", format!("Application {} is gone", cx.app()));
    };
    let Some(target) = cx
        .status
        .target_record
        .clone()
        .and_then(|t| cx.snap.record(&t).cloned())
    else {
        return fail(
            cx,
            "RecordGone",
            format!(
                "the target record {} is gone",
                cx.status.target_record.clone().unwrap_or_default()
            ),
        );
    };
    pause(cx);
    let uid = cx.req.metadata.uid.clone().unwrap_or_default();
    let revision = target.spec.source.revision.clone();
    let set_message = |cx: &mut Ctx<'_>, m: String| {
        if cx.status.message.as_deref() != Some(m.as_str())
            || cx.status.phase != cx.req.status.as_ref().and_then(|s| s.phase)
        {
            cx.status.message = Some(m);
            cx.write_status();
        }
    };
    match argocd_sync::progress(&app, &uid) {
        OperationProgress::Busy(m) => {
            set_message(cx, format!("waiting: {m}"));
            cx.step.requeue = Some(WAIT_REQUEUE);
        }
        OperationProgress::NotStarted => {
            let pinned = cx.status.pinned_at_rollback.clone();
            let op = argocd_sync::operation(&app, &target, &pinned, &uid);
            cx.step.writes.push(Write::SyncOperation {
                app: cx.req.spec.app.clone(),
                patch: argocd_sync::operation_patch(&app, &op),
            });
            let m = format!(
                "Argo CD is syncing revision {revision} ({}); the render must match the record's digest {}",
                name(&target),
                target.spec.render_digest
            );
            cx.status.message = Some(m.clone());
            cx.write_status();
            cx.event(
                false,
                "SyncStarted",
                "Switch",
                format!("{}: {m}", cx.app()),
                true,
            );
            cx.step.requeue = Some(VERIFY_REQUEUE);
        }
        OperationProgress::Running(m) => {
            set_message(cx, format!("Argo CD is syncing revision {revision}: {m}"));
            cx.step.requeue = Some(VERIFY_REQUEUE);
        }
        OperationProgress::Failed(m) => failure_after_switch(cx, "SyncFailed", m),
        OperationProgress::Succeeded(_) => {
            let msg = format!(
                "Argo CD synced revision {revision} ({}); waiting for the rollouts",
                name(&target)
            );
            switched(cx, "Synced", &msg);
        }
    }
}

/// Strategy ArgoCD's revert: a sync of the shadow revision, guarded by its record's digest
/// (not awaited); refused while another operation runs.
pub(super) fn revert(cx: &mut Ctx<'_>, reason: &str, message: String) {
    let shadow = cx
        .status
        .shadow_record
        .clone()
        .and_then(|n| cx.snap.record(&n).cloned());
    let detail = match (cx.snap.app.clone(), shadow) {
        (Some(app), Some(shadow)) => {
            let uid = cx.req.metadata.uid.clone().unwrap_or_default();
            match argocd_sync::progress(&app, &uid) {
                OperationProgress::Busy(m) | OperationProgress::Running(m) => {
                    format!("revert not started: {m}")
                }
                _ => {
                    let observed = shadow
                        .status
                        .as_ref()
                        .map(|s| s.observed_images.clone())
                        .unwrap_or_default();
                    let tag_only: Vec<crate::release::ObservedImage> = observed
                        .into_iter()
                        .filter(|o| {
                            shadow.spec.workloads.iter().any(|w| {
                                w.containers
                                    .iter()
                                    .chain(&w.init_containers)
                                    .any(|c| c.digest.is_none() && c.image == o.image)
                            })
                        })
                        .collect();
                    let op = argocd_sync::operation(&app, &shadow, &tag_only, &uid);
                    cx.step.writes.push(Write::SyncOperation {
                        app: cx.req.spec.app.clone(),
                        patch: argocd_sync::operation_patch(&app, &op),
                    });
                    format!(
                        "re-syncing the shadow revision {} ({}) (not awaited)",
                        shadow.spec.source.revision,
                        name(&shadow)
                    )
                }
            }
        }
        _ => "revert not started: the Application or the shadow record is gone".to_string(),
    };
    let started = detail.starts_with("re-syncing");
    record_revert(cx, reason, message, started, detail)
}
