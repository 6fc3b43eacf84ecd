//! Release verification against the scripted API server.

use serde_json::{Value, json};

use super::harness::*;
use crate::controller::fixtures::*;
use crate::release::RollbackManifest;

fn records_list(
    records: &[RollbackManifest],
) -> impl FnOnce(&Value) -> (u16, Value) + Send + 'static {
    list(
        records
            .iter()
            .map(|r| serde_json::to_value(r).unwrap())
            .collect(),
    )
}

fn reads(records: &[RollbackManifest], deploy: Value, pods: Vec<Value>) -> Vec<Expect> {
    vec![
        expect(
            "GET",
            "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests?labelSelector=rollpin.dev%2Fapp%3Dshop",
            records_list(records),
        ),
        expect(
            "GET",
            "/apis/apps/v1/namespaces/shop/deployments/web",
            ok(deploy),
        ),
        expect(
            "GET",
            "/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb",
            list(pods),
        ),
        expect(
            "GET",
            "/api/v1/namespaces/shop/configmaps/web-config-b",
            ok(objects('b')[0].clone()),
        ),
    ]
}

#[tokio::test]
async fn a_synced_release_gets_verified_true() {
    verified_and_collected().await;
}

/// A release verified and old records collected; returns every call the server saw.
pub(super) async fn verified_and_collected() -> Vec<Call> {
    let b = objects('b');
    let records = vec![record_a(), record("shop-bbbbbbb", REV_B, &b, 100, None)];
    let mut s = reads(
        &records,
        live_web(&b[2], "300", 2),
        vec![pod("web-1", &digest('b')), pod("web-2", &digest('b'))],
    );
    s.push(expect(
        "PATCH",
        "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests/shop-bbbbbbb/status",
        |body| {
            assert_eq!(body["status"]["conditions"][0]["status"], "True");
            assert_eq!(body["status"]["verifiedSync"], "2027-01-15T08:00:00Z");
            (200, body.clone())
        },
    ));
    s.push(expect(
        "POST",
        "/apis/events.k8s.io/v1/namespaces/shop/events?",
        |body| {
            assert_eq!(body["reason"], "Verified");
            assert_eq!(body["regarding"]["name"], "shop-bbbbbbb");
            (201, body.clone())
        },
    ));
    let (result, calls, logs) = run_app(&synced_app(), after_sync(30), 20, s).await;
    assert_eq!(
        result.unwrap(),
        kube::runtime::controller::Action::await_change()
    );
    assert_eq!(calls.iter().filter(|c| c.is_write()).count(), 1);
    assert_eq!(logs.last().unwrap()["msg"], "release verified");
    calls.into_iter().chain(collected().await).collect()
}

#[tokio::test]
async fn a_rollout_in_progress_is_looked_at_again_without_writes() {
    let b = objects('b');
    let records = vec![record("shop-bbbbbbb", REV_B, &b, 100, None)];
    let mut deploy = live_web(&b[2], "300", 2);
    deploy["status"]["availableReplicas"] = json!(1);
    let s = reads(&records, deploy, vec![pod("web-1", &digest('b'))]);
    let (result, calls, logs) = run_app(&synced_app(), after_sync(30), 20, s).await;
    assert_eq!(
        result.unwrap(),
        kube::runtime::controller::Action::requeue(
            crate::controller::shell::releases::SETTLE_REQUEUE
        )
    );
    assert!(!calls.iter().any(|c| c.is_write()));
    assert_eq!(
        logs[0]["waitingFor"],
        "Deployment shop/web: 1 of 2 updated replicas are available"
    );
}

#[tokio::test]
async fn drift_past_the_timeout_is_verified_false() {
    let b = objects('b');
    let records = vec![record("shop-bbbbbbb", REV_B, &b, 100, None)];
    let mut s = reads(
        &records,
        live_web(&b[2], "300", 2),
        vec![pod("web-1", &digest('b')), pod("web-2", &digest('e'))],
    );
    s.push(expect(
        "PATCH",
        "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests/shop-bbbbbbb/status",
        |body| {
            assert_eq!(body["status"]["conditions"][0]["status"], "False");
            assert_eq!(body["status"]["drift"][0]["field"], "running");
            (200, body.clone())
        },
    ));
    s.push(expect(
        "POST",
        "/apis/events.k8s.io/v1/namespaces/shop/events?",
        |body| {
            assert_eq!(body["reason"], "Drift");
            assert_eq!(body["type"], "Warning");
            (201, body.clone())
        },
    ));
    let (result, _, _) = run_app(&synced_app(), after_sync(601), 20, s).await;
    result.unwrap();
}

#[tokio::test]
async fn an_already_verified_sync_is_not_read_again_and_old_records_are_deleted() {
    collected().await;
}

async fn collected() -> Vec<Call> {
    let b = objects('b');
    let mut records: Vec<RollbackManifest> = (0..4)
        .map(|i| {
            record(
                &format!("shop-old{i}"),
                &format!("{i}{}", "0".repeat(39)),
                &b,
                i,
                None,
            )
        })
        .collect();
    let mut current = record("shop-bbbbbbb", REV_B, &b, 100, Some(true));
    current.status.as_mut().unwrap().verified_sync = Some("2027-01-15T08:00:00Z".into());
    records.push(current);
    let s = vec![
        expect(
            "GET",
            "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests?labelSelector=rollpin.dev%2Fapp%3Dshop",
            records_list(&records),
        ),
        expect(
            "DELETE",
            "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests/shop-old0",
            ok(json!({})),
        ),
        expect(
            "DELETE",
            "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests/shop-old1",
            status(404, "NotFound"),
        ),
    ];
    let (result, calls, logs) = run_app(&synced_app(), after_sync(30), 3, s).await;
    result.unwrap();
    assert_eq!(
        logs.iter()
            .filter(|l| l["msg"] == "record garbage-collected")
            .count(),
        2
    );
    calls
}

#[tokio::test]
async fn an_app_without_a_successful_sync_is_not_read() {
    let mut app = synced_app();
    app["status"]["operationState"]["phase"] = json!("Running");
    let (result, calls, _) = run_app(&app, after_sync(30), 20, Vec::new()).await;
    result.unwrap();
    assert!(calls.is_empty());
}
