//! Tests of the controller's `release_check` step: fixtures through the pure planning core.
use serde_json::json;

use super::*;
use crate::controller::fixtures::*;

fn live_b() -> Vec<Value> {
    let b = objects('b');
    vec![
        live_web(&b[2], "300", 2),
        pod("web-1", &digest('b')),
        pod("web-2", &digest('b')),
        b[0].clone(),
    ]
}

fn finished() -> Timestamp {
    after_sync(0)
}

const TIMEOUT: Duration = Duration::from_secs(600);

#[test]
fn a_synced_release_that_runs_exactly_is_verified() {
    let app = synced_app();
    let (revision, at) = last_sync(&app).unwrap();
    assert_eq!((revision.as_str(), at), (REV_B, finished()));
    let records = vec![
        record_a(),
        record("shop-bbbbbbb", REV_B, &objects('b'), 100, None),
    ];
    let record = synced_record("shop", &revision, &records).unwrap();
    assert!(!already_verified(record, at));
    let now = finished()
        .checked_add(SignedDuration::from_secs(30))
        .unwrap();
    match verify(record, &live_b(), at, now, TIMEOUT) {
        Verdict::Write {
            verified, status, ..
        } => {
            assert!(verified);
            assert_eq!(status["conditions"][0]["status"], "True");
            assert_eq!(status["verifiedSync"], "2027-01-15T08:00:00Z");
            assert_eq!(status["drift"], json!([]));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_rollout_in_progress_is_waited_for_then_reported() {
    let record = record("shop-bbbbbbb", REV_B, &objects('b'), 100, None);
    let mut live = live_b();
    live[0]["status"]["updatedReplicas"] = json!(1);
    let soon = finished()
        .checked_add(SignedDuration::from_secs(30))
        .unwrap();
    assert_eq!(
        verify(&record, &live, finished(), soon, TIMEOUT),
        Verdict::Wait("Deployment shop/web: 1 of 2 new replicas have been updated".into())
    );
    let late = finished()
        .checked_add(SignedDuration::from_secs(601))
        .unwrap();
    match verify(&record, &live, finished(), late, TIMEOUT) {
        Verdict::Write {
            verified,
            status,
            summary,
        } => {
            assert!(!verified);
            assert_eq!(status["drift"][0]["field"], "rollout");
            assert_eq!(
                summary,
                "1 differences between release shop-bbbbbbb and the live state 10m after the sync finished"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_pod_on_another_digest_is_drift() {
    let record = record("shop-bbbbbbb", REV_B, &objects('b'), 100, None);
    let mut live = live_b();
    live[2] = pod("web-2", &digest('c'));
    let late = finished()
        .checked_add(SignedDuration::from_secs(601))
        .unwrap();
    let Verdict::Write {
        verified, status, ..
    } = verify(&record, &live, finished(), late, TIMEOUT)
    else {
        panic!()
    };
    assert!(!verified);
    assert_eq!(status["drift"][0]["field"], "running");
    assert_eq!(status["drift"][0]["name"], "web-2");
}

#[test]
fn tag_only_images_get_the_digest_every_pod_runs() {
    let mut b = objects('b');
    b[2] = web("ghcr.io/acme/web:1.1", "web-config-b");
    let record = record("shop-bbbbbbb", REV_B, &b, 100, None);
    let mut live = live_b();
    live[0] = live_web(&b[2], "300", 2);
    let now = finished()
        .checked_add(SignedDuration::from_secs(5))
        .unwrap();
    let Verdict::Write {
        verified, status, ..
    } = verify(&record, &live, finished(), now, TIMEOUT)
    else {
        panic!()
    };
    assert!(verified);
    assert_eq!(status["observedImages"][0]["image"], "ghcr.io/acme/web:1.1");
    assert_eq!(status["observedImages"][0]["digest"], json!(digest('b')));
    assert_eq!(status["observedImages"][0]["container"], "app");
    // Two digests under one tag: not an observation, a difference.
    live[2] = pod("web-2", &digest('c'));
    let late = finished()
        .checked_add(SignedDuration::from_secs(601))
        .unwrap();
    let Verdict::Write {
        verified, status, ..
    } = verify(&record, &live, finished(), late, TIMEOUT)
    else {
        panic!()
    };
    assert!(!verified);
    assert_eq!(status["observedImages"], json!([]));
    assert_eq!(status["drift"][0]["field"], "running");
}

#[test]
fn a_missing_workload_is_never_verified() {
    let record = record("shop-bbbbbbb", REV_B, &objects('b'), 100, None);
    let live = vec![objects('b')[0].clone()];
    let late = finished()
        .checked_add(SignedDuration::from_secs(601))
        .unwrap();
    let Verdict::Write { verified, .. } = verify(&record, &live, finished(), late, TIMEOUT) else {
        panic!()
    };
    assert!(!verified);
}

#[test]
fn a_verdict_is_written_once_per_sync() {
    let mut r = record("shop-bbbbbbb", REV_B, &objects('b'), 100, None);
    r.status = Some(crate::release::RollbackManifestStatus {
        verified_sync: Some("2027-01-15T08:00:00Z".into()),
        ..Default::default()
    });
    assert!(already_verified(&r, finished()));
    assert!(!already_verified(
        &r,
        finished()
            .checked_add(SignedDuration::from_secs(1))
            .unwrap()
    ));
}

#[test]
fn old_records_are_collected_but_never_those_argo_cd_still_lists() {
    let mut records = Vec::new();
    for i in 0..25 {
        let rev = format!("{i:07}{}", "0".repeat(33));
        records.push(record(
            &format!("shop-{i:07}"),
            &rev,
            &objects('b'),
            i,
            None,
        ));
    }
    let mut app = application(&records[24].spec.source.revision.clone());
    app["status"]["history"] = json!([{"id": 1, "revision": records[2].spec.source.revision}]);
    let gone = expired("shop", &app, &records, 20);
    assert_eq!(
        gone,
        [
            "shop-0000000",
            "shop-0000001",
            "shop-0000003",
            "shop-0000004"
        ]
    );
    assert!(expired("shop", &app, &records, 30).is_empty());
}
