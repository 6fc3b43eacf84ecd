//! Verifying in the state machine: every switched workload rolled out on the pinned
//! digests and every pinned config unchanged — then the target record is Verified and the
//! request Succeeded — or, past the deadline, a failure naming what lags.

use super::*;

/// Verifying: every workload rolled out on the pinned digests, every pinned config live.
pub(super) fn verify(cx: &mut Ctx<'_>, due: Timestamp) {
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
    let observed = cx.status.pinned_at_rollback.clone();
    let mut lag: Option<String> = None;
    let mut broken: Option<String> = None;
    let mut workloads = cx.status.workloads.clone();
    for p in workloads.iter_mut() {
        let what = format!("{} {}/{}", p.kind, p.namespace, p.name);
        let Some(pin) = target
            .spec
            .workloads
            .iter()
            .find(|w| w.kind == p.kind && w.name == p.name)
        else {
            broken.get_or_insert(format!("{what} is not in the target record"));
            continue;
        };
        let Some(live) = cx.snap.workload(&p.kind, &p.namespace, &p.name) else {
            broken.get_or_insert(format!("{what} was deleted during the rollback"));
            continue;
        };
        let revisions = history::revisions(live, &cx.snap.history);
        let mine: Vec<&crate::release::ObservedImage> = observed
            .iter()
            .filter(|o| o.kind == p.kind && o.name == p.name)
            .collect();
        let target_template = revisions
            .iter()
            .find(|r| Some(r.name) == p.to.as_deref())
            .map(|r| history::pin_observed(&r.template, &mine));
        if target_template.is_some_and(|t| history::live_template(live) != t)
            && !history::matches_pin(&history::live_template(live), pin)
        {
            broken.get_or_insert(format!("{what} was changed by someone else during the rollback: its template is no longer the release's"));
            continue;
        }
        match rollout::progress(live, pin, &observed, &cx.snap.pods, p) {
            Rollout::Done => {}
            Rollout::Waiting(m) => {
                lag.get_or_insert(format!("{what}: {m}"));
            }
            Rollout::Failed(m) => {
                broken.get_or_insert(format!("{what}: {m}"));
            }
        }
    }
    cx.status.workloads = workloads;
    for w in target
        .spec
        .workloads
        .iter()
        .filter(|w| history::RESTORABLE.contains(&w.kind.as_str()))
    {
        let ns = cx
            .status
            .workloads
            .iter()
            .find(|p| p.kind == w.kind && p.name == w.name)
            .map(|p| p.namespace.clone())
            .unwrap_or_default();
        for c in w.configs.iter().filter(|c| c.sha256.is_some()) {
            let live = cx
                .snap
                .config(&c.kind, &ns, &c.name)
                .map(crate::release::digest::content_sha256);
            if live != c.sha256 {
                broken.get_or_insert(format!(
                    "{} {ns}/{} changed during the rollback ({} -> {})",
                    c.kind,
                    c.name,
                    c.sha256.clone().unwrap_or_default(),
                    live.unwrap_or_else(|| "absent".into())
                ));
            }
        }
    }
    if let Some(b) = broken {
        return failure_after_switch(cx, "VerifyFailed", b);
    }
    if let Some(l) = lag {
        if cx.now > due {
            return deadline_failure(cx, due, l);
        }
        if cx.status.message.as_deref() != Some(l.as_str())
            || cx.req.status.as_ref().map(|s| &s.workloads) != Some(&cx.status.workloads)
        {
            cx.status.message = Some(l);
            cx.write_status();
        }
        cx.step.requeue = Some(VERIFY_REQUEUE);
        return;
    }
    let target_name = name(&target);
    let msg = format!(
        "every workload runs {} (revision {}) on the pinned digests",
        target_name, target.spec.source.revision
    );
    cx.step.writes.push(Write::RecordStatus {
        namespace: target.metadata.namespace.clone().unwrap_or_default(),
        name: target_name.clone(),
        status: json!({"conditions": [{
            "type": VERIFIED_CONDITION, "status": "True", "reason": "Matches",
            "message": format!("verified by RollbackRequest {}: {msg}", cx.req.metadata.name.clone().unwrap_or_default()),
            "lastTransitionTime": cx.now.to_string(),
        }], "drift": []}),
    });
    set_condition(
        &mut cx.status.conditions,
        "Verified",
        true,
        "Matches",
        &msg,
        cx.now,
    );
    let paused = cx
        .status
        .saved_sync_policy
        .as_ref()
        .is_some_and(|s| s.method != sync_policy::NOT_AUTOMATED);
    let done = if paused {
        format!(
            "{msg}; automated sync stays paused until `rollpin resume {}` or spec.resume: true",
            cx.app()
        )
    } else {
        msg.clone()
    };
    cx.go(RollbackPhase::Succeeded, &done);
    cx.write_status();
    let note = format!("Rolled {} back to {target_name}: {done}", cx.app());
    cx.event(false, "Succeeded", "Verify", note, true);
    cx.step.requeue = None;
}
