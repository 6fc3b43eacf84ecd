//! The rollback state machine, pure: from a [`Snapshot`] and "now" to the next phase and
//! the writes that reach it.
//!
//! Pending → PreChecking → Switching → Verifying → Succeeded | Failed. One reconcile goes
//! as far as it can: a request whose pre-check passes is switched in the same pass (status
//! first, so a restart knows the saved sync policy before the Application is touched;
//! then the pause, then one patch per workload whose live template is not the target's,
//! then Verifying). Verifying polls until every workload has rolled out on the pinned
//! digests (Succeeded: the target record's `Verified` becomes True) or the deadline
//! passes (Failed, naming what lags; `onFailure: Revert` switches back to the shadow).
//! A refused pre-check makes no write but the request's status.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::Config;
use super::argocd_sync::{self, OperationProgress};
use super::audit::{actor, set_condition, transition};
use super::history;
use super::precheck::{self, Prepared};
use super::rollout::{self, Rollout};
use super::snapshot::Snapshot;
use super::sync_policy;
use super::write::{Event, Write};
use crate::release::{
    OnFailure, RollbackPhase, RollbackRequest, RollbackRequestStatus, RollbackStrategy,
    VERIFIED_CONDITION, WorkloadProgress,
};

/// How often a waiting request is looked at again.
pub const WAIT_REQUEUE: Duration = Duration::from_secs(5);
/// How often a verifying request is looked at again.
pub const VERIFY_REQUEUE: Duration = Duration::from_secs(2);

/// What one reconcile does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    /// The writes, in order.
    pub writes: Vec<Write>,
    /// When to look again (None: on the next change).
    pub requeue: Option<Duration>,
    /// One structured log line per transition.
    pub logs: Vec<Value>,
}

struct Ctx<'a> {
    snap: &'a Snapshot,
    req: &'a RollbackRequest,
    now: Timestamp,
    status: RollbackRequestStatus,
    step: Step,
}

impl Ctx<'_> {
    fn go(&mut self, phase: RollbackPhase, message: &str) {
        let line = transition(self.req, &mut self.status, phase, message, self.now);
        self.step.logs.push(line);
    }
    fn event(&mut self, warning: bool, reason: &str, action: &str, note: String, on_app: bool) {
        self.step.writes.push(Write::Event(Event {
            warning,
            reason: reason.into(),
            note,
            action: action.into(),
            on_app,
        }));
    }
    fn write_status(&mut self) {
        self.step
            .writes
            .push(Write::RequestStatus(Box::new(self.status.clone())));
    }
    fn app(&self) -> &str {
        &self.req.spec.app
    }
}

/// The deadline in force: the spec's, else creation + the default.
fn deadline(req: &RollbackRequest, cfg: &Config, now: Timestamp) -> Timestamp {
    if let Some(d) = &req.spec.deadline {
        return d.0;
    }
    let created = req
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| t.0)
        .unwrap_or(now);
    let default =
        SignedDuration::try_from(cfg.default_deadline).unwrap_or(SignedDuration::from_secs(600));
    created.checked_add(default).unwrap_or(created)
}

fn is_active(r: &RollbackRequest) -> bool {
    !matches!(
        r.status.as_ref().and_then(|s| s.phase),
        Some(RollbackPhase::Succeeded | RollbackPhase::Failed)
    )
}

/// An earlier active request for the same Application, which this one waits for.
fn blocking(snap: &Snapshot) -> Option<&RollbackRequest> {
    let me = &snap.request;
    let key = |r: &RollbackRequest| {
        (
            r.metadata.creation_timestamp.as_ref().map(|t| t.0),
            r.metadata.name.clone(),
        )
    };
    snap.requests
        .iter()
        .filter(|r| r.spec.app == me.spec.app && r.metadata.uid != me.metadata.uid)
        .filter(|r| is_active(r))
        .filter(|r| {
            // An earlier one, or one already past Pending.
            key(r) < key(me)
                || r.status
                    .as_ref()
                    .and_then(|s| s.phase)
                    .is_some_and(|p| p != RollbackPhase::Pending)
        })
        .min_by_key(|r| key(r))
}

/// The next step for the request in `snap`.
pub fn plan(snap: &Snapshot, cfg: &Config, now: Timestamp) -> Step {
    let req = &snap.request;
    let mut cx = Ctx {
        snap,
        req,
        now,
        status: req.status.clone().unwrap_or_default(),
        step: Step::default(),
    };
    let phase = cx.status.phase.unwrap_or_default();
    if matches!(phase, RollbackPhase::Succeeded | RollbackPhase::Failed) {
        resume(&mut cx);
        return cx.step;
    }
    let due = deadline(req, cfg, now);
    if cx.status.deadline.is_none() {
        cx.status.deadline = Some(Time(due));
    }
    if cx.status.actor.is_none() {
        cx.status.actor = Some(actor(req));
    }
    match phase {
        RollbackPhase::Pending | RollbackPhase::PreChecking => start(&mut cx, cfg, due),
        RollbackPhase::Switching => switch(&mut cx, cfg, due),
        RollbackPhase::Verifying => verify::verify(&mut cx, due),
        RollbackPhase::Succeeded | RollbackPhase::Failed => {}
    }
    cx.step
}

fn fail(cx: &mut Ctx<'_>, reason: &str, message: String) {
    set_condition(
        &mut cx.status.conditions,
        "Failed",
        true,
        reason,
        &message,
        cx.now,
    );
    cx.go(RollbackPhase::Failed, &message);
    cx.write_status();
    let note = format!("Rollback of {} failed: {message}", cx.app());
    cx.event(true, reason, "Rollback", note, true);
    cx.step.requeue = None;
}

/// Pending and PreChecking: wait for an earlier request, then pre-check, then switch.
fn start(cx: &mut Ctx<'_>, cfg: &Config, due: Timestamp) {
    if cx.now > due {
        return fail(
            cx,
            "DeadlineExceeded",
            format!("the deadline {due} passed before the rollback started"),
        );
    }
    if let Some(other) = blocking(cx.snap) {
        let message = format!(
            "waiting: RollbackRequest {} for Application {} is {:?}; one rollback per app at a time",
            other.metadata.name.clone().unwrap_or_default(),
            cx.app(),
            other
                .status
                .as_ref()
                .and_then(|s| s.phase)
                .unwrap_or_default()
        );
        if cx.status.message.as_deref() != Some(message.as_str()) || cx.status.phase.is_none() {
            if cx.status.phase.is_none() {
                cx.go(RollbackPhase::Pending, &message);
            } else {
                cx.status.message = Some(message.clone());
            }
            cx.write_status();
            cx.event(false, "Waiting", "PreCheck", message, false);
        }
        cx.step.requeue = Some(WAIT_REQUEUE);
        return;
    }
    cx.go(
        RollbackPhase::PreChecking,
        &format!("pre-checking {}", cx.req.spec.target.describe()),
    );
    match precheck::check(cx.snap, cfg) {
        Err(refusals) => {
            let message = format!("refused, nothing was changed: {}", refusals.join("; "));
            set_condition(
                &mut cx.status.conditions,
                "PreChecked",
                false,
                "Refused",
                &message,
                cx.now,
            );
            fail(cx, "PreCheckRefused", message);
        }
        Ok(prep) => {
            let msg = format!(
                "pre-check passed: {} workloads to switch from {} to {}",
                prep.workloads.iter().filter(|w| !w.unchanged).count(),
                name(&prep.shadow),
                name(&prep.target)
            );
            set_condition(
                &mut cx.status.conditions,
                "PreChecked",
                true,
                "Passed",
                &msg,
                cx.now,
            );
            cx.status.target_record = Some(name(&prep.target));
            cx.status.shadow_record = Some(name(&prep.shadow));
            cx.status.active_revision = Some(prep.target.spec.source.revision.clone());
            cx.status.shadow_revision = Some(prep.shadow.spec.source.revision.clone());
            cx.status.pinned_at_rollback = prep.pinned.clone();
            if let Some(app) = &cx.snap.app {
                cx.status.saved_sync_policy = Some(sync_policy::save(app));
            }
            let argocd = cx.req.spec.strategy() == RollbackStrategy::ArgoCd;
            let destination = cx.snap.destination_namespace().to_string();
            let restorable = prep
                .target
                .spec
                .workloads
                .iter()
                .filter(|w| history::RESTORABLE.contains(&w.kind.as_str()))
                .map(|w| WorkloadProgress {
                    api_version: w.api_version.clone(),
                    kind: w.kind.clone(),
                    namespace: if w.namespace.is_empty() {
                        destination.clone()
                    } else {
                        w.namespace.clone()
                    },
                    name: w.name.clone(),
                    state: "Pending".into(),
                    ..Default::default()
                });
            cx.status.workloads = if argocd {
                restorable.collect()
            } else {
                prep.workloads
                    .iter()
                    .map(|w| WorkloadProgress {
                        api_version: w.api_version.clone(),
                        kind: w.kind.clone(),
                        namespace: w.namespace.clone(),
                        name: w.name.clone(),
                        from: w.from.clone(),
                        to: Some(w.to.clone()),
                        state: if w.unchanged { "Unchanged" } else { "Pending" }.into(),
                        ..Default::default()
                    })
                    .collect()
            };
            let note = format!("{msg}; pausing automated sync");
            cx.go(RollbackPhase::Switching, &note);
            cx.write_status();
            cx.event(
                false,
                "Switching",
                "Switch",
                format!("Rolling {} back to {}: {msg}", cx.app(), name(&prep.target)),
                true,
            );
            if argocd {
                argocd::switch(cx);
            } else {
                do_switch(cx, &prep);
            }
        }
    }
}

fn name(r: &crate::release::RollbackManifest) -> String {
    r.metadata.name.clone().unwrap_or_default()
}

/// Pauses the Application's automated sync when it is on.
fn pause(cx: &mut Ctx<'_>) {
    if let Some(app) = cx
        .snap
        .app
        .as_ref()
        .filter(|a| sync_policy::is_automated(a))
    {
        cx.step.writes.push(Write::PauseAutoSync {
            app: cx.req.spec.app.clone(),
            patch: sync_policy::pause_patch(app),
            fallback: sync_policy::remove_patch(app),
        });
        let msg = format!(
            "automated sync of {} is paused so Argo CD does not undo the rollback; it stays paused until `rollpin resume {}` or spec.resume: true",
            cx.app(),
            cx.app()
        );
        set_condition(
            &mut cx.status.conditions,
            "SyncPaused",
            true,
            "RollbackInProgress",
            &msg,
            cx.now,
        );
        cx.event(false, "SyncPaused", "Switch", msg, true);
    }
}

/// The pause and the workload patches, then Verifying.
fn do_switch(cx: &mut Ctx<'_>, prep: &Prepared) {
    pause(cx);
    for w in &prep.workloads {
        if let Some(p) = cx
            .status
            .workloads
            .iter_mut()
            .find(|p| p.kind == w.kind && p.namespace == w.namespace && p.name == w.name)
        {
            if w.unchanged {
                if p.state == "Pending" {
                    p.state = "Unchanged".into();
                }
                continue;
            }
            p.state = "Patched".into();
        }
        if !w.unchanged {
            cx.step.writes.push(Write::Workload {
                api_version: w.api_version.clone(),
                kind: w.kind.clone(),
                namespace: w.namespace.clone(),
                name: w.name.clone(),
                patch_kind: w.patch.0,
                patch: w.patch.1.clone(),
            });
        }
    }
    let msg = format!(
        "switched {} workloads to {}; waiting for their rollouts",
        prep.workloads.len(),
        name(&prep.target)
    );
    switched(cx, "Patched", &msg);
}

/// The switch is done (`reason`: how): Verifying, looked at again soon.
fn switched(cx: &mut Ctx<'_>, reason: &str, msg: &str) {
    set_condition(
        &mut cx.status.conditions,
        "Switched",
        true,
        reason,
        msg,
        cx.now,
    );
    cx.go(RollbackPhase::Verifying, msg);
    cx.write_status();
    cx.step.requeue = Some(VERIFY_REQUEUE);
}

/// Switching after a restart or a failed write: re-check, then make the remaining writes
/// (a workload whose live template already is the target's is not patched again).
fn switch(cx: &mut Ctx<'_>, cfg: &Config, due: Timestamp) {
    if cx.now > due {
        return deadline_failure(cx, due, "the switch did not finish".into());
    }
    if cx.req.spec.strategy() == RollbackStrategy::ArgoCd {
        return argocd::switch(cx);
    }
    match precheck::check(cx.snap, cfg) {
        Ok(prep) => {
            cx.step.logs.push(json!({"time": cx.now.to_string(), "level": "info", "msg": "resuming an unfinished switch", "app": cx.app()}));
            do_switch(cx, &prep)
        }
        Err(refusals) => fail(
            cx,
            "SwitchRefused",
            format!("the switch cannot go on: {}", refusals.join("; ")),
        ),
    }
}

fn deadline_failure(cx: &mut Ctx<'_>, due: Timestamp, lag: String) {
    failure_after_switch(
        cx,
        "DeadlineExceeded",
        format!("the deadline {due} passed: {lag}"),
    )
}

/// A failure once workloads may have been patched: `onFailure: Revert` patches each back
/// to the history entry it ran before.
fn failure_after_switch(cx: &mut Ctx<'_>, reason: &str, message: String) {
    if cx.req.spec.on_failure.unwrap_or_default() != OnFailure::Revert {
        return fail(cx, reason, message);
    }
    if cx.req.spec.strategy() == RollbackStrategy::ArgoCd {
        return argocd::revert(cx, reason, message);
    }
    let mut reverted = Vec::new();
    let mut missing = Vec::new();
    let mut workloads = cx.status.workloads.clone();
    for p in workloads.iter_mut().filter(|p| p.state != "Unchanged") {
        let what = format!("{} {}/{}", p.kind, p.namespace, p.name);
        let Some(live) = cx.snap.workload(&p.kind, &p.namespace, &p.name) else {
            missing.push(format!("{what} is gone"));
            continue;
        };
        let revisions = history::revisions(live, &cx.snap.history);
        let Some(from) = revisions.iter().find(|r| Some(r.name) == p.from.as_deref()) else {
            missing.push(format!(
                "{what}: its previous revision {} is gone from its history",
                p.from.clone().unwrap_or_default()
            ));
            continue;
        };
        if history::live_template(live) != from.template {
            let (patch_kind, patch) = history::undo_patch(live, from, &from.template);
            cx.step.writes.push(Write::Workload {
                api_version: p.api_version.clone(),
                kind: p.kind.clone(),
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                patch_kind,
                patch,
            });
        }
        p.state = "Reverted".into();
        reverted.push(what);
    }
    cx.status.workloads = workloads;
    let detail = if missing.is_empty() {
        format!(
            "reverted {} workloads to {} (rollout not awaited)",
            reverted.len(),
            cx.status.shadow_record.clone().unwrap_or_default()
        )
    } else {
        format!("revert incomplete: {}", missing.join("; "))
    };
    record_revert(cx, reason, message, missing.is_empty(), detail)
}

/// Records a revert (done, or why not) and fails the request.
fn record_revert(cx: &mut Ctx<'_>, reason: &str, message: String, done: bool, detail: String) {
    let why = if done { "Reverted" } else { "RevertIncomplete" };
    set_condition(
        &mut cx.status.conditions,
        "Reverted",
        done,
        why,
        &detail,
        cx.now,
    );
    let note = format!("{}: {detail}", cx.app());
    cx.event(true, "Reverted", "Revert", note, true);
    fail(cx, reason, format!("{message}; {detail}"))
}

/// A finished request with `spec.resume: true` restores the saved sync policy once.
fn resume(cx: &mut Ctx<'_>) {
    if !cx.req.spec.resume {
        return;
    }
    let Some(saved) = cx.status.saved_sync_policy.clone().filter(|s| !s.restored) else {
        return;
    };
    let Some(app) = cx.snap.app.as_ref() else {
        cx.status.message = Some(format!("cannot resume: Application {} not found", cx.app()));
        cx.write_status();
        return;
    };
    match sync_policy::restore_patch(app, &saved) {
        Ok(patch) => {
            if let Some(patch) = patch {
                cx.step.writes.push(Write::RestoreAutoSync {
                    app: cx.req.spec.app.clone(),
                    patch,
                });
            }
            if let Some(s) = cx.status.saved_sync_policy.as_mut() {
                s.restored = true;
            }
            let msg = format!(
                "automated sync of {} restored to {}",
                cx.app(),
                saved
                    .automated
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "none".into())
            );
            set_condition(
                &mut cx.status.conditions,
                "SyncPaused",
                false,
                "Resumed",
                &msg,
                cx.now,
            );
            cx.write_status();
            cx.event(false, "SyncResumed", "Resume", msg.clone(), true);
            cx.step.logs.push(json!({"time": cx.now.to_string(), "level": "info", "msg": "sync resumed", "app": cx.app(), "detail": msg}));
        }
        Err(e) => {
            set_condition(
                &mut cx.status.conditions,
                "SyncPaused",
                true,
                "ResumeRefused",
                &e,
                cx.now,
            );
            cx.write_status();
            cx.event(true, "ResumeRefused", "Resume", e, true);
        }
    }
}

mod argocd;
mod verify;

#[cfg(test)]
mod tests;
