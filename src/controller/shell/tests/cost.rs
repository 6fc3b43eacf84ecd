//! What a rollback costs: API requests per workload (exact, asserted) and the time one
//! rollback of an app with 50 Deployments takes in the mock (printed, never asserted:
//! run `cargo test --release --lib rollback_cost -- --nocapture` for the figures).

use std::time::Instant;

use serde_json::json;

use super::harness::*;
use crate::controller::Snapshot;
use crate::controller::fixtures::*;
use crate::controller::plan::plan;
use crate::controller::sim::{apply, finish_rollouts, pinned_digest};
use crate::controller::{Config, str_at};

fn writes_switch(snap: &Snapshot) -> Vec<Expect> {
    let mut s = vec![expect(
        "PATCH",
        "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackrequests/back/status",
        echo(),
    )];
    s.extend(events("Switching", true));
    let mut paused = snap.app.clone().unwrap();
    paused["spec"]["syncPolicy"]["automated"]["enabled"] = json!(false);
    s.push(expect(
        "PATCH",
        "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop",
        ok(paused),
    ));
    s.extend(events("SyncPaused", true));
    for w in &snap.workloads {
        s.push(expect(
            "PATCH",
            format!(
                "/apis/apps/v1/namespaces/shop/deployments/{}",
                str_at(w, "/metadata/name")
            ),
            echo(),
        ));
    }
    s.push(expect(
        "PATCH",
        "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackrequests/back/status",
        echo(),
    ));
    s
}

fn writes_verify() -> Vec<Expect> {
    let mut s = vec![
        expect(
            "PATCH",
            "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests/shop-aaaaaaa/status",
            echo(),
        ),
        expect(
            "PATCH",
            "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackrequests/back/status",
            |b| {
                assert_eq!(b[0]["value"]["phase"], "Succeeded");
                (200, json!({}))
            },
        ),
    ];
    s.extend(events("Succeeded", true));
    s
}

#[tokio::test]
async fn rollback_cost_per_workload() {
    for n in [1usize, 10, 50] {
        let snap = world_n(n);
        let started = Instant::now();
        let (result, first, _) = run(
            &snap,
            ts(210),
            reads(&snap, false)
                .into_iter()
                .chain(writes_switch(&snap))
                .collect(),
        )
        .await;
        result.expect("switch");
        let switch_time = started.elapsed();
        let mut after = snap.clone();
        for w in plan(&snap, &Config::default(), ts(210)).writes {
            apply(&mut after, &w).unwrap();
        }
        finish_rollouts(&mut after, pinned_digest);
        let started = Instant::now();
        let (result, second, _) = run(
            &after,
            ts(220),
            reads(&after, true)
                .into_iter()
                .chain(writes_verify())
                .collect(),
        )
        .await;
        result.expect("verify");
        let verify_time = started.elapsed();
        // Pre-check and switch: 3 reads + 3 per workload (Deployment, ReplicaSets,
        // ConfigMap), 1 patch per workload, 1 pause, 2 status writes, 4 Events.
        assert_eq!(first.len(), 10 + 4 * n, "switch requests for {n} workloads");
        // Verification: 3 reads + 4 per workload (the Pods too), record status, request
        // status, 2 Events.
        assert_eq!(second.len(), 7 + 4 * n, "verify requests for {n} workloads");
        let writes = first
            .iter()
            .chain(&second)
            .filter(|c| c.is_write() && c.uri.contains("/deployments/"))
            .count();
        assert_eq!(writes, n, "one patch per workload");
        println!(
            "rollback of {n:>2} Deployments: {} API requests ({} + {} per workload), pre-check+switch {:.2} ms, verify {:.2} ms (mock, one reconcile each)",
            first.len() + second.len(),
            17,
            8,
            switch_time.as_secs_f64() * 1e3,
            verify_time.as_secs_f64() * 1e3
        );
    }
}
