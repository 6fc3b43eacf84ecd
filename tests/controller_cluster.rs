//! End-to-end rollback in a real cluster (`#[ignore = "needs a cluster"]`: no API server
//! exists where rollpin is developed; every step below is also covered by the mock tests
//! in `src/controller/shell/tests/`).
//!
//! Steps to run it (k3d and an Argo CD ≥ 3.1):
//!
//! 1. `k3d cluster create rollpin --k3s-arg --disable=traefik@server:*`
//! 2. `kubectl create namespace argocd && kubectl apply -n argocd --server-side
//!    --force-conflicts -k argocd-cm-patch` (with the image built from `Dockerfile` and
//!    imported: `k3d image import ghcr.io/rollpin/rollpin:0.1.0 -c rollpin`).
//! 3. Create an Application `shop` (destination namespace `shop`) from a repository that
//!    renders `examples/overlays/production` with `release-record: "true"`, automated sync
//!    on; sync two revisions whose image digests differ, and wait until the controller has
//!    marked both records `Verified=True` (`kubectl get rbm -n shop`).
//! 4. `cargo test --test controller_cluster -- --ignored`
//!
//! The test creates a RollbackRequest to `previous`, waits for it to finish, and checks
//! that it Succeeded (which the controller reports only once every Pod of the target's
//! workloads runs the record's digests) and that the target record is `Verified`; then it
//! sets `spec.resume: true` to restore the app's automated sync.
#![cfg(feature = "controller")]

use std::time::{Duration, Instant};

use kube::api::{Api, PostParams};
use kube::{Client, ResourceExt};
use rollpin::release::{
    RollbackManifest, RollbackPhase, RollbackRequest, RollbackRequestSpec, RollbackTarget,
};

#[tokio::test]
#[ignore = "needs a cluster"]
async fn rollback_to_previous_in_a_cluster() {
    let client = Client::try_default()
        .await
        .expect("a kubeconfig for the test cluster");
    let requests: Api<RollbackRequest> = Api::namespaced(client.clone(), "shop");
    let mut req = RollbackRequest::new(
        "",
        RollbackRequestSpec {
            app: "shop".into(),
            target: RollbackTarget {
                previous: true,
                ..Default::default()
            },
            ..Default::default()
        },
    );
    req.metadata.name = None;
    req.metadata.generate_name = Some("e2e-".into());
    let created = requests
        .create(&PostParams::default(), &req)
        .await
        .expect("create");
    let name = created.name_any();
    let started = Instant::now();
    let done = loop {
        let r = requests.get(&name).await.expect("get");
        let phase = r.status.as_ref().and_then(|s| s.phase);
        if matches!(
            phase,
            Some(RollbackPhase::Succeeded | RollbackPhase::Failed)
        ) {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "not finished after 10 minutes: {:?}",
            r.status
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    let status = done.status.clone().unwrap_or_default();
    assert_eq!(
        status.phase,
        Some(RollbackPhase::Succeeded),
        "{:?}",
        status.message
    );
    let records: Api<RollbackManifest> = Api::namespaced(client.clone(), "shop");
    let target = records
        .get(status.target_record.as_deref().unwrap())
        .await
        .expect("target record");
    let verified = target
        .status
        .unwrap_or_default()
        .conditions
        .iter()
        .any(|c| c.type_ == "Verified" && c.status == "True");
    assert!(verified, "the target record is not Verified");
    let mut resume = done.clone();
    resume.spec.resume = true;
    resume.status = None;
    requests
        .replace(&name, &PostParams::default(), &resume)
        .await
        .expect("resume");
}
