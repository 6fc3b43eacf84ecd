//! Tests of the controller's `plan` step: fixtures through the pure planning core.
use serde_json::json;

use super::*;
use crate::controller::fixtures::*;
use crate::controller::sim::{Cluster, finish_rollouts, pinned_digest};
use crate::release::RollbackTarget;

fn phase(snap: &Snapshot) -> RollbackPhase {
    snap.request
        .status
        .as_ref()
        .and_then(|s| s.phase)
        .unwrap_or_default()
}

fn kinds(writes: &[Write]) -> Vec<String> {
    writes
        .iter()
        .map(|w| match w {
            Write::RequestStatus(s) => format!("status:{:?}", s.phase.unwrap_or_default()),
            Write::Event(e) => format!("event:{}", e.reason),
            other => other.target(),
        })
        .collect()
}

#[test]
fn happy_path_deployment_switches_in_one_pass_then_verifies() {
    let mut snap = world();
    let mut cluster = Cluster::default();
    let step = cluster.step(&mut snap, 210);
    assert_eq!(
        kinds(&step.writes),
        [
            "status:Switching",
            "event:Switching",
            "Application shop",
            "event:SyncPaused",
            "Deployment shop/web",
            "status:Verifying"
        ]
    );
    assert_eq!(step.requeue, Some(VERIFY_REQUEUE));
    let app = snap.app.as_ref().unwrap();
    assert_eq!(
        app["spec"]["syncPolicy"]["automated"],
        json!({"prune": true, "selfHeal": true, "enabled": false})
    );
    let status = snap.request.status.clone().unwrap();
    assert_eq!(
        status.saved_sync_policy.unwrap().automated,
        Some(json!({"prune": true, "selfHeal": true}))
    );
    assert_eq!(status.active_revision.as_deref(), Some(REV_A));
    assert_eq!(status.shadow_revision.as_deref(), Some(REV_B));
    assert_eq!(status.workloads[0].from.as_deref(), Some("web-bbb"));
    assert_eq!(status.workloads[0].to.as_deref(), Some("web-aaa"));
    assert_eq!(
        snap.workloads[0]["spec"]["template"],
        objects('a')[2]["spec"]["template"]
    );

    // The rollout has not happened yet: still Verifying, saying what it waits for.
    let step = cluster.step(&mut snap, 212);
    assert_eq!(phase(&snap), RollbackPhase::Verifying);
    assert_eq!(step.requeue, Some(VERIFY_REQUEUE));
    let message = snap
        .request
        .status
        .as_ref()
        .unwrap()
        .message
        .clone()
        .unwrap();
    assert!(
        message.contains("waiting for deployment spec update to be observed"),
        "{message}"
    );

    finish_rollouts(&mut snap, pinned_digest);
    let step = cluster.step(&mut snap, 220);
    assert_eq!(phase(&snap), RollbackPhase::Succeeded);
    assert_eq!(step.requeue, None);
    assert!(kinds(&step.writes).contains(&"RollbackManifest shop/shop-aaaaaaa status".to_string()));
    let record = snap.record("shop-aaaaaaa").unwrap();
    assert_eq!(record.status.as_ref().unwrap().conditions[0].status, "True");
    let status = snap.request.status.clone().unwrap();
    let history: Vec<&str> = status.history.iter().map(|h| h.phase.as_str()).collect();
    assert_eq!(
        history,
        ["PreChecking", "Switching", "Verifying", "Succeeded"]
    );
    assert!(
        status
            .message
            .unwrap()
            .contains("automated sync stays paused until `rollpin resume shop`")
    );
    assert_eq!(status.workloads[0].state, "RolledOut");
    assert_eq!(
        (status.workloads[0].pods_on_target, status.workloads[0].pods),
        (2, 2)
    );
    // One log line per transition.
    assert_eq!(cluster.events.last().unwrap().reason, "Succeeded");
}

#[test]
fn a_refused_pre_check_writes_nothing_but_the_request_status() {
    let mut snap = world();
    snap.configs.clear();
    let mut cluster = Cluster::default();
    let step = cluster.step(&mut snap, 210);
    assert!(cluster.changes().is_empty(), "{:?}", cluster.changes());
    assert_eq!(
        kinds(&step.writes),
        ["status:Failed", "event:PreCheckRefused"]
    );
    let status = snap.request.status.clone().unwrap();
    assert!(
        status
            .message
            .unwrap()
            .starts_with("refused, nothing was changed: ConfigMap shop/web-config-a")
    );
    let pre = status
        .conditions
        .iter()
        .find(|c| c.type_ == "PreChecked")
        .unwrap();
    assert_eq!(
        (pre.status.as_str(), pre.reason.as_str()),
        ("False", "Refused")
    );
    // A failed request is final.
    let again = cluster.step(&mut snap, 230);
    assert!(again.writes.is_empty());
}

#[test]
fn a_second_request_for_the_same_app_waits_saying_why() {
    let mut snap = world();
    let mut first = request("first", to_a(), 100);
    first.status = Some(RollbackRequestStatus {
        phase: Some(RollbackPhase::Verifying),
        ..Default::default()
    });
    snap.requests.push(first);
    let mut cluster = Cluster::default();
    let step = cluster.step(&mut snap, 210);
    assert!(cluster.changes().is_empty());
    assert_eq!(phase(&snap), RollbackPhase::Pending);
    assert_eq!(step.requeue, Some(WAIT_REQUEUE));
    let msg = snap
        .request
        .status
        .as_ref()
        .unwrap()
        .message
        .clone()
        .unwrap();
    assert_eq!(
        msg,
        "waiting: RollbackRequest first for Application shop is Verifying; one rollback per app at a time"
    );
    // Waiting again writes nothing new.
    let again = cluster.step(&mut snap, 215);
    assert!(again.writes.is_empty());
    // Once the first is done, this one goes.
    snap.requests[1].status.as_mut().unwrap().phase = Some(RollbackPhase::Succeeded);
    cluster.step(&mut snap, 220);
    assert_eq!(phase(&snap), RollbackPhase::Verifying);
}

#[test]
fn a_later_request_does_not_block_an_earlier_pending_one() {
    let mut snap = world();
    snap.requests.push(request("later", to_a(), 300));
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 310);
    assert_eq!(phase(&snap), RollbackPhase::Verifying);
}

#[test]
fn restart_mid_switch_does_not_re_apply() {
    let mut snap = world();
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    // The controller died after the pause and the patch but before the Verifying status.
    let mut status = snap.request.status.clone().unwrap();
    status.phase = Some(RollbackPhase::Switching);
    snap.request.status = Some(status);
    let mut again = Cluster::default();
    let step = again.step(&mut snap, 211);
    assert!(
        again.changes().is_empty(),
        "re-applied: {:?}",
        again.changes()
    );
    assert_eq!(kinds(&step.writes), ["status:Verifying"]);
}

#[test]
fn restart_mid_switch_patches_only_what_is_left() {
    let mut snap = world();
    // Died right after the Switching status: nothing was paused or patched yet.
    let mut cluster = Cluster::default();
    let step = plan(&snap, &Config::default(), ts(210));
    crate::controller::sim::apply(&mut snap, &step.writes[0]).unwrap();
    assert_eq!(phase(&snap), RollbackPhase::Switching);
    let step = cluster.step(&mut snap, 211);
    assert_eq!(
        kinds(&step.writes),
        [
            "Application shop",
            "event:SyncPaused",
            "Deployment shop/web",
            "status:Verifying"
        ]
    );
}

#[test]
fn deadline_exceeded_names_the_lagging_pod() {
    let mut snap = world();
    snap.request.spec.deadline = Some(Time(ts(400)));
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    finish_rollouts(&mut snap, pinned_digest);
    // One Pod still runs B's digest.
    snap.pods[1]["status"]["containerStatuses"][0]["imageID"] =
        json!(format!("ghcr.io/acme/web@{}", digest('b')));
    cluster.step(&mut snap, 300);
    assert_eq!(phase(&snap), RollbackPhase::Verifying);
    cluster.step(&mut snap, 401);
    assert_eq!(phase(&snap), RollbackPhase::Failed);
    let msg = snap
        .request
        .status
        .as_ref()
        .unwrap()
        .message
        .clone()
        .unwrap();
    assert!(msg.contains("the deadline"), "{msg}");
    assert!(
        msg.contains(&format!(
            "Pod shop/web-new-1 container app: runs {}, the release pins {}",
            digest('b'),
            digest('a')
        )),
        "{msg}"
    );
}

#[test]
fn a_half_finished_rollout_keeps_verifying_until_done() {
    let mut snap = world();
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    snap.workloads[0]["status"] = json!({"observedGeneration": 3, "replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2});
    cluster.step(&mut snap, 215);
    let s = snap.request.status.clone().unwrap();
    assert_eq!(s.phase, Some(RollbackPhase::Verifying));
    assert!(
        s.message
            .unwrap()
            .contains("1 of 2 new replicas have been updated")
    );
    assert_eq!((s.workloads[0].updated, s.workloads[0].ready), (1, 2));
}

#[test]
fn revert_switches_back_to_the_shadow_on_deadline() {
    let mut snap = world();
    snap.request.spec.on_failure = Some(OnFailure::Revert);
    snap.request.spec.deadline = Some(Time(ts(400)));
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    let step = cluster.step(&mut snap, 401);
    assert_eq!(phase(&snap), RollbackPhase::Failed);
    assert!(kinds(&step.writes).contains(&"Deployment shop/web".to_string()));
    assert_eq!(
        snap.workloads[0]["spec"]["template"],
        objects('b')[2]["spec"]["template"]
    );
    let s = snap.request.status.clone().unwrap();
    let reverted = s.conditions.iter().find(|c| c.type_ == "Reverted").unwrap();
    assert_eq!(reverted.status, "True");
    assert!(
        s.message
            .unwrap()
            .contains("reverted 1 workloads to shop-bbbbbbb")
    );
    assert_eq!(s.workloads[0].state, "Reverted");
}

#[test]
fn someone_else_changing_the_template_fails_the_rollback() {
    let mut snap = world();
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    snap.workloads[0]["spec"]["template"] = objects('b')[2]["spec"]["template"].clone();
    cluster.step(&mut snap, 215);
    let s = snap.request.status.clone().unwrap();
    assert_eq!(s.phase, Some(RollbackPhase::Failed));
    assert!(
        s.message
            .unwrap()
            .contains("was changed by someone else during the rollback")
    );
}

#[test]
fn resume_restores_the_saved_policy_exactly_once() {
    let mut snap = world();
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    finish_rollouts(&mut snap, pinned_digest);
    cluster.step(&mut snap, 220);
    assert_eq!(phase(&snap), RollbackPhase::Succeeded);
    snap.request.spec.resume = true;
    let step = cluster.step(&mut snap, 230);
    assert_eq!(
        kinds(&step.writes),
        ["Application shop", "status:Succeeded", "event:SyncResumed"]
    );
    assert_eq!(
        snap.app.as_ref().unwrap()["spec"]["syncPolicy"]["automated"],
        json!({"prune": true, "selfHeal": true})
    );
    let again = cluster.step(&mut snap, 240);
    assert!(again.writes.is_empty());
}

#[test]
fn the_deadline_can_pass_before_the_start() {
    let mut snap = world();
    snap.request.spec.deadline = Some(Time(ts(100)));
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    assert!(cluster.changes().is_empty());
    assert_eq!(phase(&snap), RollbackPhase::Failed);
}

#[test]
fn previous_rolls_back_to_the_last_verified_release() {
    let mut snap = world();
    snap.request.spec.target = RollbackTarget {
        previous: true,
        ..Default::default()
    };
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    assert_eq!(
        snap.request
            .status
            .as_ref()
            .unwrap()
            .target_record
            .as_deref(),
        Some("shop-aaaaaaa")
    );
}

#[test]
fn an_app_without_automated_sync_is_not_paused() {
    let mut snap = world();
    snap.app.as_mut().unwrap()["spec"]["syncPolicy"] = json!({});
    let mut cluster = Cluster::default();
    let step = cluster.step(&mut snap, 210);
    assert!(!kinds(&step.writes).contains(&"Application shop".to_string()));
}

fn argocd_world() -> Snapshot {
    let mut snap = world();
    snap.app.as_mut().unwrap()["spec"]["source"]["plugin"] =
        json!({"name": "rollpin", "parameters": [{"name": "release-record", "string": "true"}]});
    snap.request.spec.strategy = Some(RollbackStrategy::ArgoCd);
    snap
}

/// Argo CD finishes the operation written on the app with `phase`.
fn argo_cd_runs(snap: &mut Snapshot, phase: &str, message: &str) {
    let app = snap.app.as_mut().unwrap();
    let op = app["operation"].take();
    assert!(!op.is_null(), "no operation was written");
    let revision = op["sync"]["revision"].clone();
    app["status"]["operationState"] = json!({"operation": op, "phase": phase, "message": message,
        "syncResult": {"revision": revision}});
}

#[test]
fn argocd_strategy_writes_the_operation_follows_it_and_verifies() {
    let mut snap = argocd_world();
    let mut cluster = Cluster::default();
    let step = cluster.step(&mut snap, 210);
    assert_eq!(
        kinds(&step.writes),
        [
            "status:Switching",
            "event:Switching",
            "Application shop",
            "event:SyncPaused",
            "Application shop",
            "status:Switching",
            "event:SyncStarted"
        ]
    );
    assert!(!kinds(&step.writes).contains(&"Deployment shop/web".to_string()));
    let op = &snap.app.as_ref().unwrap()["operation"];
    assert_eq!(op["sync"]["revision"], REV_A);
    assert_eq!(
        op["sync"]["source"]["plugin"]["parameters"][1],
        json!({"name": "expect-render-digest", "string": digest('f')})
    );
    // Argo CD is syncing: no write.
    let app = snap.app.as_mut().unwrap();
    let op = app["operation"].clone();
    app["status"]["operationState"] =
        json!({"operation": op, "phase": "Running", "message": "one or more tasks are running"});
    let step = cluster.step(&mut snap, 212);
    assert!(
        step.writes
            .iter()
            .all(|w| matches!(w, Write::RequestStatus(_))),
        "{:?}",
        kinds(&step.writes)
    );
    argo_cd_runs(
        &mut snap,
        "Succeeded",
        "successfully synced (all tasks run)",
    );
    // What Argo CD applied: A's template.
    snap.workloads[0]["spec"]["template"] = objects('a')[2]["spec"]["template"].clone();
    snap.workloads[0]["metadata"]["generation"] = json!(3);
    cluster.step(&mut snap, 214);
    assert_eq!(phase(&snap), RollbackPhase::Verifying);
    finish_rollouts(&mut snap, pinned_digest);
    cluster.step(&mut snap, 220);
    assert_eq!(phase(&snap), RollbackPhase::Succeeded);
    let history: Vec<String> = snap
        .request
        .status
        .clone()
        .unwrap()
        .history
        .iter()
        .map(|h| h.phase.clone())
        .collect();
    assert_eq!(
        history,
        ["PreChecking", "Switching", "Verifying", "Succeeded"]
    );
}

#[test]
fn argocd_strategy_waits_for_a_running_operation_without_writing_one() {
    let mut snap = argocd_world();
    snap.app.as_mut().unwrap()["operation"] =
        json!({"initiatedBy": {"username": "alice"}, "sync": {"revision": "x"}});
    let mut cluster = Cluster::default();
    let step = cluster.step(&mut snap, 210);
    assert!(
        !step
            .writes
            .iter()
            .any(|w| matches!(w, Write::SyncOperation { .. }))
    );
    assert_eq!(step.requeue, Some(WAIT_REQUEUE));
    assert!(
        snap.request
            .status
            .as_ref()
            .unwrap()
            .message
            .clone()
            .unwrap()
            .contains("another operation is in progress on the Application (initiated by alice)")
    );
}

#[test]
fn argocd_strategy_fails_with_argo_cds_message() {
    let mut snap = argocd_world();
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    let msg = "ComparisonError: Failed to load target state: failed to generate manifest for source 1 of 1: rollpin: E_RENDER_DIGEST_MISMATCH expected sha256:ffff got sha256:0000";
    argo_cd_runs(&mut snap, "Error", msg);
    cluster.step(&mut snap, 215);
    let s = snap.request.status.clone().unwrap();
    assert_eq!(s.phase, Some(RollbackPhase::Failed));
    assert_eq!(s.message.unwrap(), format!("Argo CD's sync error: {msg}"));
}

#[test]
fn argocd_revert_re_syncs_the_shadow_revision() {
    let mut snap = argocd_world();
    snap.request.spec.on_failure = Some(OnFailure::Revert);
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    argo_cd_runs(&mut snap, "Failed", "one or more objects failed to apply");
    cluster.step(&mut snap, 215);
    let op = &snap.app.as_ref().unwrap()["operation"];
    assert_eq!(op["sync"]["revision"], REV_B);
    let s = snap.request.status.clone().unwrap();
    assert_eq!(s.phase, Some(RollbackPhase::Failed));
    assert!(
        s.message
            .unwrap()
            .contains(&format!("re-syncing the shadow revision {REV_B}"))
    );
}

#[test]
fn argocd_strategy_needs_the_plugin() {
    let mut snap = world();
    snap.request.spec.strategy = Some(RollbackStrategy::ArgoCd);
    let mut cluster = Cluster::default();
    cluster.step(&mut snap, 210);
    assert!(cluster.changes().is_empty());
    assert!(
        snap.request
            .status
            .unwrap()
            .message
            .unwrap()
            .contains("needs the Application to render with the rollpin plugin")
    );
}
