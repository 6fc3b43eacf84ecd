//! Rollback scenarios against the scripted API server.

use serde_json::{Value, json};

use super::harness::*;
use crate::controller::fixtures::*;
use crate::controller::plan::plan;
use crate::controller::sim::{apply, finish_rollouts, pinned_digest};
use crate::controller::{Config, Snapshot};
use crate::release::{OnFailure, RollbackPhase, RollbackRequestStatus};

const STATUS: &str = "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackrequests/back/status";
const APP: &str = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop";

fn plural(kind: &str) -> String {
    format!("{}s", kind.to_lowercase())
}

fn phase_written(phase: &'static str) -> impl FnOnce(&Value) -> (u16, Value) + Send + 'static {
    move |b| {
        assert_eq!(b[0]["op"], "add");
        assert_eq!(b[0]["path"], "/status");
        assert_eq!(b[0]["value"]["phase"], phase, "status phase");
        (200, json!({}))
    }
}

/// The app as the API server answers a pause: automated with `enabled: false`.
fn paused_app(snap: &Snapshot) -> Value {
    let mut app = snap.app.clone().unwrap();
    app["spec"]["syncPolicy"]["automated"]["enabled"] = json!(false);
    app
}

/// The writes of a first reconcile that passes the pre-check and switches `kind`.
fn switch_script(snap: &Snapshot, kind: &str) -> Vec<Expect> {
    let mut s = reads(snap, false);
    s.push(expect("PATCH", STATUS, phase_written("Switching")));
    s.extend(events("Switching", true));
    let paused = paused_app(snap);
    s.push(expect("PATCH", APP, move |b| {
        assert_eq!(
            b[1],
            json!({"op": "add", "path": "/spec/syncPolicy/automated/enabled", "value": false})
        );
        (200, paused)
    }));
    s.extend(events("SyncPaused", true));
    let want = objects_of(kind, 'a')[2]["spec"]["template"].clone();
    let deployment = kind == "Deployment";
    s.push(expect(
        "PATCH",
        format!("/apis/apps/v1/namespaces/shop/{}/web", plural(kind)),
        move |b| {
            if deployment {
                assert_eq!(
                    b[1],
                    json!({"op": "replace", "path": "/spec/template", "value": want})
                );
            } else {
                let mut t = want.clone();
                t["$patch"] = json!("replace");
                assert_eq!(
                    b,
                    &json!({"metadata": {"resourceVersion": "300"}, "spec": {"template": t}})
                );
            }
            (200, b.clone())
        },
    ));
    s.push(expect("PATCH", STATUS, phase_written("Verifying")));
    s
}

/// `snap` after the planner's first step was applied.
fn switched(mut snap: Snapshot) -> Snapshot {
    let step = plan(&snap, &Config::default(), ts(210));
    for w in &step.writes {
        apply(&mut snap, w).unwrap();
    }
    snap
}

/// Both reconciles of a rollback of `kind`; returns every call the server saw.
pub(super) async fn happy_path(kind: &str) -> Vec<Call> {
    let snap = world_of(kind);
    let (result, first, logs) = run(&snap, ts(210), switch_script(&snap, kind)).await;
    result.expect("reconcile");
    let patch = first
        .iter()
        .find(|c| c.uri.contains("/web") && c.method == "PATCH")
        .unwrap();
    let ct = if kind == "Deployment" {
        "application/json-patch+json"
    } else {
        "application/strategic-merge-patch+json"
    };
    assert_eq!(patch.content_type, ct);
    let phases: Vec<&str> = logs.iter().filter_map(|l| l["phase"].as_str()).collect();
    assert_eq!(phases, ["PreChecking", "Switching", "Verifying"]);

    // Rollout done: the next reconcile verifies and succeeds.
    let mut after = switched(snap);
    finish_rollouts(&mut after, pinned_digest);
    let mut s = reads(&after, true);
    s.push(expect(
        "PATCH",
        "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests/shop-aaaaaaa/status",
        |b| {
            assert_eq!(b["status"]["conditions"][0]["type"], "Verified");
            assert_eq!(b["status"]["conditions"][0]["status"], "True");
            (200, b.clone())
        },
    ));
    s.push(expect("PATCH", STATUS, phase_written("Succeeded")));
    s.extend(events("Succeeded", true));
    let (result, calls, logs) = run(&after, ts(220), s).await;
    result.expect("reconcile");
    let record_patch = calls
        .iter()
        .find(|c| c.uri.contains("rollbackmanifests/shop-aaaaaaa"))
        .unwrap();
    assert_eq!(record_patch.content_type, "application/merge-patch+json");
    let line = logs.iter().find(|l| l["phase"] == "Succeeded").unwrap();
    assert_eq!(line["app"], "shop");
    assert_eq!(line["toRevision"], REV_A);
    assert_eq!(line["fromRevision"], REV_B);
    assert_eq!(line["rollback"], "uid-back");
    first.into_iter().chain(calls).collect()
}

#[tokio::test]
async fn happy_path_deployment() {
    happy_path("Deployment").await;
}

#[tokio::test]
async fn happy_path_statefulset() {
    happy_path("StatefulSet").await;
}

#[tokio::test]
async fn happy_path_daemonset() {
    happy_path("DaemonSet").await;
}

/// A refused pre-check: reads, one status write, Events — no other write.
async fn refused(snap: Snapshot, reads_script: Vec<Expect>, why: &'static str) {
    let mut s = reads_script;
    s.push(expect("PATCH", STATUS, move |b| {
        assert_eq!(b[0]["value"]["phase"], "Failed");
        let msg = b[0]["value"]["message"].as_str().unwrap();
        assert!(msg.contains(why), "{msg}");
        (200, json!({}))
    }));
    s.extend(events("PreCheckRefused", true));
    let (result, calls, _) = run(&snap, ts(210), s).await;
    result.expect("reconcile");
    let writes: Vec<&Call> = calls.iter().filter(|c| c.is_write()).collect();
    assert_eq!(writes.len(), 1, "only the request's status: {writes:?}");
    assert_eq!(writes[0].uri, STATUS);
}

#[tokio::test]
async fn refusals_write_nothing_but_the_request_status() {
    // A changed config.
    let mut snap = world();
    snap.configs[0]["data"]["MODE"] = json!("edited");
    let r = reads(&snap, false);
    refused(
        snap,
        r,
        "has other content than release shop-aaaaaaa recorded",
    )
    .await;
    // A garbage-collected revision.
    let mut snap = world();
    snap.history.remove(0);
    let r = reads(&snap, false);
    refused(snap, r, "no revision in its history").await;
    // A record Argo CD did not sync for the app.
    let mut snap = world();
    snap.app.as_mut().unwrap()["status"]["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["name"] != "shop-aaaaaaa");
    let r = reads(&snap, false);
    refused(snap, r, "is not one of Application shop's resources").await;
    // A request in another namespace: nothing of the app's is read beyond the lists.
    let mut snap = world();
    snap.app.as_mut().unwrap()["spec"]["destination"]["namespace"] = json!("elsewhere");
    let r = reads(&snap, false);
    refused(
        snap,
        r,
        "requests must sit in the Application's destination namespace",
    )
    .await;
}

#[tokio::test]
async fn a_conflict_on_the_switch_is_retried_from_a_fresh_read() {
    let snap = world();
    let mut s = reads(&snap, false);
    s.push(expect("PATCH", STATUS, phase_written("Switching")));
    s.extend(events("Switching", true));
    let paused = paused_app(&snap);
    s.push(expect("PATCH", APP, move |_| (200, paused)));
    s.extend(events("SyncPaused", true));
    s.push(expect(
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/web",
        status(409, "Conflict"),
    ));
    let (result, _, _) = run(&snap, ts(210), s).await;
    let err = result.unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(
        err.to_string(),
        "Pending: writing Deployment shop/web: the server answered 409 Conflict (409)"
    );
    // The next reconcile reads the request in Switching, the app paused, the Deployment
    // changed by someone else (new resourceVersion): it patches with the new version and
    // does not pause again.
    let mut again = snap.clone();
    let step = plan(&snap, &Config::default(), ts(210));
    apply(&mut again, &step.writes[0]).unwrap();
    again.app = Some(paused_app(&snap));
    again.workloads[0]["metadata"]["resourceVersion"] = json!("301");
    let mut s = reads(&again, false);
    s.push(expect(
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/web",
        |b| {
            assert_eq!(
                b[0],
                json!({"op": "replace", "path": "/metadata/resourceVersion", "value": "301"})
            );
            (200, b.clone())
        },
    ));
    s.push(expect("PATCH", STATUS, phase_written("Verifying")));
    let (result, calls, _) = run(&again, ts(211), s).await;
    result.expect("reconcile");
    assert!(
        !calls.iter().any(|c| c.uri == APP && c.method == "PATCH"),
        "paused twice"
    );
}

#[tokio::test]
async fn server_errors_back_off_and_name_the_object_and_phase() {
    let snap = world();
    let s = vec![expect("GET", APP, status(500, "InternalError"))];
    let (result, _, _) = run(&snap, ts(210), s).await;
    let err = result.unwrap_err();
    assert!(!err.is_conflict());
    assert_eq!(
        err.to_string(),
        "Pending: reading Application argocd/shop: the server answered 500 InternalError (500)"
    );
    // A 503 on a write mid-switch: stops there, nothing after it is sent.
    let mut s = reads(&snap, false);
    s.push(expect("PATCH", STATUS, phase_written("Switching")));
    s.extend(events("Switching", true));
    s.push(expect("PATCH", APP, status(503, "ServiceUnavailable")));
    let (result, calls, logs) = run(&snap, ts(210), s).await;
    assert!(
        result
            .unwrap_err()
            .to_string()
            .contains("writing Application shop")
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.uri.contains("deployments") && c.method == "PATCH")
    );
    // Only the transitions the written status holds were logged.
    let phases: Vec<&str> = logs.iter().filter_map(|l| l["phase"].as_str()).collect();
    assert_eq!(phases, ["PreChecking", "Switching"]);
}

#[tokio::test]
async fn an_argo_cd_without_enabled_gets_automated_removed() {
    let snap = world();
    let mut s = reads(&snap, false);
    s.push(expect("PATCH", STATUS, phase_written("Switching")));
    s.extend(events("Switching", true));
    // The API server dropped the unknown field: still automated (the annotation the
    // pause adds is there).
    let mut still = snap.app.clone().unwrap();
    still["metadata"]["resourceVersion"] = json!("51");
    let saved = r#"{"prune":true,"selfHeal":true}"#;
    still["metadata"]["annotations"] = json!({"rollpin.dev/paused-sync-policy": saved});
    s.push(expect("PATCH", APP, move |_| (200, still)));
    s.push(expect("PATCH", APP, move |b| {
        assert_eq!(
            b,
            &json!([{"op": "replace", "path": "/metadata/resourceVersion", "value": "51"},
            {"op": "remove", "path": "/spec/syncPolicy/automated"},
            {"op": "add", "path": "/metadata/annotations/rollpin.dev~1paused-sync-policy", "value": saved}])
        );
        (200, json!({}))
    }));
    s.push(expect("PATCH", STATUS, |b| {
        assert_eq!(b[0]["path"], "/status/savedSyncPolicy/method");
        assert_eq!(b[0]["value"], "Removed");
        (200, json!({}))
    }));
    s.extend(events("SyncPaused", true));
    s.push(expect(
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/web",
        echo(),
    ));
    s.push(expect("PATCH", STATUS, |b| {
        assert_eq!(b[0]["value"]["savedSyncPolicy"]["method"], "Removed");
        (200, json!({}))
    }));
    let (result, _, _) = run(&snap, ts(210), s).await;
    result.expect("reconcile");
}

#[tokio::test]
async fn deadline_exceeded_with_a_lagging_pod_fails_naming_it() {
    let mut snap = world();
    snap.request.spec.deadline = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(ts(
        300,
    )));
    let mut after = switched(snap);
    finish_rollouts(&mut after, pinned_digest);
    after.pods[0]["status"]["containerStatuses"][0]["imageID"] =
        json!(format!("ghcr.io/acme/web@{}", digest('b')));
    let mut s = reads(&after, true);
    s.push(expect("PATCH", STATUS, |b| {
        let v = &b[0]["value"];
        assert_eq!(v["phase"], "Failed");
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("Pod shop/web-new-0 container app: runs sha256:bbbb"),
            "{}",
            v["message"]
        );
        (200, json!({}))
    }));
    s.extend(events("DeadlineExceeded", true));
    let (result, calls, _) = run(&after, ts(301), s).await;
    result.expect("reconcile");
    assert!(!calls.iter().any(|c| c.is_write() && c.uri != STATUS));
}

#[tokio::test]
async fn a_half_finished_rollout_is_reported_and_requeued() {
    let snap = world();
    let mut after = switched(snap);
    after.workloads[0]["status"] = json!({"observedGeneration": 3, "replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2});
    let mut s = reads(&after, true);
    s.push(expect("PATCH", STATUS, |b| {
        let v = &b[0]["value"];
        assert_eq!(v["phase"], "Verifying");
        assert_eq!(
            v["message"],
            "Deployment shop/web: 1 of 2 new replicas have been updated"
        );
        assert_eq!(v["workloads"][0]["updated"], 1);
        (200, json!({}))
    }));
    let (result, _, _) = run(&after, ts(215), s).await;
    let action = result.expect("reconcile");
    assert_eq!(
        action,
        kube::runtime::controller::Action::requeue(crate::controller::plan::VERIFY_REQUEUE)
    );
}

#[tokio::test]
async fn a_second_request_for_the_app_waits_without_writes() {
    let mut snap = world();
    let mut first = request("first", to_a(), 100);
    first.status = Some(RollbackRequestStatus {
        phase: Some(RollbackPhase::Switching),
        ..Default::default()
    });
    snap.requests.push(first);
    let mut s = reads(&snap, false);
    s.push(expect("PATCH", STATUS, |b| {
        assert_eq!(b[0]["value"]["phase"], "Pending");
        assert_eq!(b[0]["value"]["message"], "waiting: RollbackRequest first for Application shop is Switching; one rollback per app at a time");
        (200, json!({}))
    }));
    s.extend(events("Waiting", false));
    let (result, calls, _) = run(&snap, ts(210), s).await;
    result.expect("reconcile");
    assert_eq!(calls.iter().filter(|c| c.is_write()).count(), 1);
}

#[tokio::test]
async fn restart_mid_switch_compares_before_writing() {
    let snap = world();
    let mut after = switched(snap);
    // Status still says Switching (the controller died before writing Verifying).
    after.request.status.as_mut().unwrap().phase = Some(RollbackPhase::Switching);
    let mut s = reads(&after, false);
    s.push(expect("PATCH", STATUS, phase_written("Verifying")));
    let (result, calls, _) = run(&after, ts(212), s).await;
    result.expect("reconcile");
    let writes: Vec<&Call> = calls.iter().filter(|c| c.is_write()).collect();
    assert_eq!(writes.len(), 1, "nothing re-applied: {writes:?}");
}

#[tokio::test]
async fn revert_patches_back_to_the_shadow() {
    let mut snap = world();
    snap.request.spec.on_failure = Some(OnFailure::Revert);
    snap.request.spec.deadline = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(ts(
        300,
    )));
    let after = switched(snap);
    let mut s = reads(&after, true);
    let shadow = objects('b')[2]["spec"]["template"].clone();
    s.push(expect(
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/web",
        move |b| {
            assert_eq!(
                b[1],
                json!({"op": "replace", "path": "/spec/template", "value": shadow})
            );
            (200, b.clone())
        },
    ));
    s.extend(events("Reverted", true));
    s.push(expect("PATCH", STATUS, |b| {
        let v = &b[0]["value"];
        assert_eq!(v["phase"], "Failed");
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("reverted 1 workloads to shop-bbbbbbb")
        );
        (200, json!({}))
    }));
    s.extend(events("DeadlineExceeded", true));
    let (result, _, _) = run(&after, ts(301), s).await;
    result.expect("reconcile");
}

#[tokio::test]
async fn a_finished_request_reads_nothing() {
    let mut snap = world();
    snap.request.status = Some(RollbackRequestStatus {
        phase: Some(RollbackPhase::Succeeded),
        ..Default::default()
    });
    let (result, calls, _) = run(&snap, ts(500), Vec::new()).await;
    assert_eq!(
        result.expect("reconcile"),
        kube::runtime::controller::Action::await_change()
    );
    assert!(calls.is_empty());
}

fn argocd_world() -> Snapshot {
    let mut snap = world();
    snap.app.as_mut().unwrap()["spec"]["source"]["plugin"] =
        json!({"name": "rollpin", "parameters": [{"name": "release-record", "string": "true"}]});
    snap.request.spec.strategy = Some(crate::release::RollbackStrategy::ArgoCd);
    snap.requests[0].spec.strategy = Some(crate::release::RollbackStrategy::ArgoCd);
    snap
}

/// The first reconcile of an ArgoCD-strategy request up to the operation write.
fn argocd_script(snap: &Snapshot, operation_reply: ReplyFn) -> Vec<Expect> {
    let mut s = reads(snap, false);
    s.push(expect("PATCH", STATUS, phase_written("Switching")));
    s.extend(events("Switching", true));
    let mut paused = paused_app(snap);
    paused["metadata"]["resourceVersion"] = json!("51");
    s.push(expect("PATCH", APP, move |_| (200, paused)));
    s.extend(events("SyncPaused", true));
    s.push(expect("PATCH", APP, operation_reply));
    s
}

#[tokio::test]
async fn argocd_strategy_writes_argo_cds_operation_after_the_pause() {
    let snap = argocd_world();
    let record_digest = digest('f');
    let mut s = argocd_script(
        &snap,
        Box::new(move |b| {
            // Guarded by the version the pause returned, not the stale one read before it.
            assert_eq!(
                b[0],
                json!({"op": "replace", "path": "/metadata/resourceVersion", "value": "51"})
            );
            assert_eq!(b[1]["path"], "/operation");
            let op = &b[1]["value"];
            assert_eq!(op["initiatedBy"], json!({"username": "rollpin-controller"}));
            assert_eq!(
                op["info"],
                json!([{"name": "rollpin.dev/request", "value": "uid-back"}])
            );
            assert_eq!(op["sync"]["revision"], REV_A);
            assert_eq!(op["sync"]["syncStrategy"], json!({"apply": {}}));
            assert_eq!(op["sync"]["syncOptions"], json!(["CreateNamespace=true"]));
            assert_eq!(
                op["sync"]["source"]["repoURL"],
                "https://git.example.com/shop.git"
            );
            let params = &op["sync"]["source"]["plugin"]["parameters"];
            assert_eq!(
                params[0],
                json!({"name": "release-record", "string": "true"})
            );
            assert_eq!(
                params[1],
                json!({"name": "expect-render-digest", "string": record_digest})
            );
            assert_eq!(params[2]["name"], "expect-objects");
            assert_eq!(params[2]["string"].as_str().unwrap().split(' ').count(), 3);
            (200, b.clone())
        }),
    );
    s.push(expect("PATCH", STATUS, |b| {
        assert_eq!(b[0]["value"]["phase"], "Switching");
        assert!(
            b[0]["value"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Argo CD is syncing revision")
        );
        (200, json!({}))
    }));
    s.extend(events("SyncStarted", true));
    let (result, calls, _) = run(&snap, ts(210), s).await;
    result.expect("reconcile");
    assert!(
        !calls
            .iter()
            .any(|c| c.uri.contains("/deployments/") && c.method == "PATCH")
    );
}

#[tokio::test]
async fn argocd_strategy_conflict_on_the_application_is_re_read() {
    let snap = argocd_world();
    let s = argocd_script(&snap, Box::new(status(409, "Conflict")));
    let (result, _, _) = run(&snap, ts(210), s).await;
    let err = result.unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(
        err.to_string(),
        "Pending: writing Application shop: the server answered 409 Conflict (409)"
    );
}
