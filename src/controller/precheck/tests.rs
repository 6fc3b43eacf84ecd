//! Tests of the controller's `precheck` step: fixtures through the pure planning core.
use serde_json::json;

use super::*;
use crate::controller::fixtures::*;
use crate::release::{ObservedImage, RollbackManifestStatus, RollbackTarget};

fn refusals(snap: &Snapshot) -> String {
    match check(snap, &Config::default()) {
        Ok(p) => panic!("pre-check passed: {p:?}"),
        Err(r) => r.join("\n"),
    }
}

#[test]
fn passes_and_plans_the_undo_patch_as_kubectl_does() {
    let snap = world();
    let prep = check(&snap, &Config::default()).unwrap();
    assert_eq!(prep.target.metadata.name.as_deref(), Some("shop-aaaaaaa"));
    assert_eq!(prep.shadow.metadata.name.as_deref(), Some("shop-bbbbbbb"));
    let w = &prep.workloads[0];
    assert_eq!(
        (w.from.as_deref(), w.to.as_str(), w.unchanged),
        (Some("web-bbb"), "web-aaa", false)
    );
    let (kind, patch) = &w.patch;
    assert_eq!(*kind, PatchKind::Json);
    let a = &objects('a')[2];
    assert_eq!(
        patch[0],
        json!({"op": "replace", "path": "/metadata/resourceVersion", "value": "300"})
    );
    assert_eq!(
        patch[1],
        json!({"op": "replace", "path": "/spec/template", "value": a["spec"]["template"]})
    );
    // The Deployment keeps its own revision annotation; everything else comes from the
    // ReplicaSet.
    assert_eq!(
        patch[2]["value"],
        json!({"deployment.kubernetes.io/revision": "2", "argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop/web"})
    );
    assert!(prep.pinned.is_empty());
}

#[test]
fn a_request_outside_the_destination_namespace_is_refused() {
    let mut snap = world();
    snap.request.metadata.namespace = Some("other".into());
    let r = refusals(&snap);
    assert!(
        r.contains("the request is in namespace other, but Application shop deploys to \"shop\""),
        "{r}"
    );
    let cfg = Config {
        extra_request_namespaces: vec!["other".into()],
        ..Default::default()
    };
    // Allowed by configuration: that rule passes (the record lookup is by the request's
    // namespace, which holds none here, so other rules still refuse).
    let other = check(&snap, &cfg).unwrap_err().join("\n");
    assert!(!other.contains("deploys to"), "{other}");
}

#[test]
fn a_record_the_application_did_not_sync_is_refused() {
    let mut snap = world();
    let app = snap.app.as_mut().unwrap();
    let resources = app["status"]["resources"].as_array_mut().unwrap();
    resources.retain(|r| r["name"] != "shop-aaaaaaa");
    assert!(
        refusals(&snap)
            .contains("RollbackManifest shop-aaaaaaa is not one of Application shop's resources")
    );
}

#[test]
fn a_tag_only_image_is_refused_unless_a_digest_was_observed_running() {
    let mut snap = world();
    let mut a = objects('a');
    a[2] = web("ghcr.io/acme/web:1.0", "web-config-a");
    snap.records[0] = record("shop-aaaaaaa", REV_A, &a, 0, Some(true));
    snap.history[0] = replica_set(&a[2], "web-aaa", 1);
    let r = refusals(&snap);
    assert!(r.contains("Deployment web container app: image ghcr.io/acme/web:1.0 has no digest and no digest was observed running it"), "{r}");
    let mut status = snap.records[0].status.clone().unwrap_or_default();
    status.observed_images = vec![ObservedImage {
        kind: "Deployment".into(),
        namespace: NS.into(),
        name: "web".into(),
        container: "app".into(),
        image: "ghcr.io/acme/web:1.0".into(),
        digest: digest('c'),
        observed_at: "2026-11-30T10:00:00Z".into(),
    }];
    // The observed pin is matched on the recorded namespace (empty in records rendered
    // without one), so record it as the record has it.
    status.observed_images[0].namespace = snap.records[0].spec.workloads[0].namespace.clone();
    snap.records[0].status = Some(RollbackManifestStatus { ..status });
    let prep = check(&snap, &Config::default()).unwrap();
    assert_eq!(prep.pinned.len(), 1);
    assert_eq!(
        prep.workloads[0].template["spec"]["containers"][0]["image"],
        json!(format!("ghcr.io/acme/web:1.0@{}", digest('c')))
    );
}

#[test]
fn a_template_gone_from_the_revision_history_is_refused() {
    let mut snap = world();
    snap.history.remove(0);
    let r = refusals(&snap);
    assert!(r.contains("Deployment shop/web: no revision in its history (1 ReplicaSets) has the release's template"), "{r}");
}

#[test]
fn a_replica_set_of_another_owner_does_not_count() {
    let mut snap = world();
    snap.history[0]["metadata"]["ownerReferences"][0]["uid"] = json!("uid-someone-else");
    assert!(refusals(&snap).contains("no revision in its history"));
}

#[test]
fn configs_must_be_live_with_the_recorded_content() {
    let mut snap = world();
    snap.configs.remove(0);
    assert!(refusals(&snap).contains(
        "ConfigMap shop/web-config-a (referenced by Deployment shop/web) does not exist"
    ));
    let mut snap = world();
    snap.configs[0]["data"]["MODE"] = json!("edited");
    let r = refusals(&snap);
    assert!(
        r.contains(
            "ConfigMap shop/web-config-a has other content than release shop-aaaaaaa recorded"
        ),
        "{r}"
    );
}

#[test]
fn an_object_outside_the_pod_templates_that_differs_is_refused_by_name() {
    let mut snap = world();
    let mut a = objects('a');
    a[1]["spec"]["ports"][0]["port"] = json!(8080);
    snap.records[0] = record("shop-aaaaaaa", REV_A, &a, 0, Some(true));
    let r = refusals(&snap);
    assert!(r.contains("v1 Service shop/web differs between the running release and the target: only an Argo CD re-render can restore it"), "{r}");
}

#[test]
fn a_workload_that_differs_outside_its_template_is_refused() {
    let mut snap = world();
    let mut a = objects('a');
    a[2]["spec"]["replicas"] = json!(5);
    snap.records[0] = record("shop-aaaaaaa", REV_A, &a, 0, Some(true));
    let r = refusals(&snap);
    assert!(
        r.contains("apps/v1 Deployment shop/web differs outside its pod template"),
        "{r}"
    );
}

#[test]
fn records_without_template_digests_are_refused() {
    let mut snap = world();
    for r in &mut snap.records {
        for w in &mut r.spec.workloads {
            w.outside_template_sha256 = None;
        }
    }
    assert!(refusals(&snap).contains("a record predates per-workload template digests"));
}

#[test]
fn objects_only_in_one_release_are_refused_unless_they_are_its_configs() {
    let mut snap = world();
    let mut b = objects('b');
    b.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": NS}}));
    snap.records[1] = record("shop-bbbbbbb", REV_B, &b, 100, Some(true));
    let r = refusals(&snap);
    assert!(
        r.contains(
            "networking.k8s.io/v1 Ingress shop/web is in the running release but not in the target"
        ),
        "{r}"
    );
    // The generated configs differ by name in the two releases; that alone is fine.
    assert!(!r.contains("web-config"), "{r}");
}

#[test]
fn previous_is_the_newest_older_verified_record() {
    let mut snap = world();
    snap.request.spec.target = RollbackTarget {
        previous: true,
        ..Default::default()
    };
    let prep = check(&snap, &Config::default()).unwrap();
    assert_eq!(prep.target.metadata.name.as_deref(), Some("shop-aaaaaaa"));
    snap.records[0].status = None;
    assert!(refusals(&snap).contains(
        "no release of shop older than the current one (shop-bbbbbbb) has Verified=True"
    ));
}

#[test]
fn a_target_by_revision_needs_seven_characters() {
    let mut snap = world();
    snap.request.spec.target = RollbackTarget {
        revision: Some("aaaaaaa".into()),
        ..Default::default()
    };
    assert!(check(&snap, &Config::default()).is_ok());
    snap.request.spec.target = RollbackTarget {
        revision: Some("aaaa".into()),
        ..Default::default()
    };
    assert!(refusals(&snap).contains("target revision aaaa is too short"));
}

#[test]
fn the_running_release_is_not_a_target() {
    let mut snap = world();
    snap.request.spec.target = RollbackTarget {
        manifest: Some("shop-bbbbbbb".into()),
        ..Default::default()
    };
    assert!(refusals(&snap).contains("shop-bbbbbbb is the release that runs now"));
}

#[test]
fn a_running_release_without_a_record_is_refused() {
    let mut snap = world();
    snap.app.as_mut().unwrap()["status"]["sync"]["revision"] = json!("ccccccc");
    assert!(
        refusals(&snap)
            .contains("the release that runs now (revision ccccccc) has no RollbackManifest")
    );
}

#[test]
fn a_paused_or_missing_deployment_is_refused() {
    let mut snap = world();
    snap.workloads[0]["spec"]["paused"] = json!(true);
    assert!(refusals(&snap).contains("you cannot rollback a paused deployment; resume it first"));
    let mut snap = world();
    snap.workloads.clear();
    assert!(refusals(&snap).contains("Deployment shop/web does not exist"));
}

#[test]
fn a_missing_application_is_refused() {
    let mut snap = world();
    snap.app = None;
    assert_eq!(refusals(&snap), "Application argocd/shop not found");
}

#[test]
fn revert_needs_the_live_template_in_history() {
    let mut snap = world();
    snap.request.spec.on_failure = Some(crate::release::OnFailure::Revert);
    snap.history.remove(1);
    assert!(
        refusals(&snap)
            .contains("onFailure is Revert but no revision in its history holds the live template")
    );
}

#[test]
fn every_refusal_is_listed_not_just_the_first() {
    let mut snap = world();
    snap.configs.clear();
    snap.history.remove(0);
    let r = check(&snap, &Config::default()).unwrap_err();
    assert!(r.len() >= 2, "{r:?}");
}

#[test]
fn a_revision_argo_cd_never_synced_for_the_app_is_refused() {
    let mut snap = world();
    snap.app.as_mut().unwrap()["status"]["history"] = json!([{"id": 1, "revision": REV_B}]);
    let r = refusals(&snap);
    assert!(
        r.contains(&format!(
            "revision {REV_A} of shop-aaaaaaa is not in Application shop's sync history"
        )),
        "{r}"
    );
}

#[test]
fn a_workload_the_application_does_not_deploy_is_refused() {
    let mut snap = world();
    snap.app.as_mut().unwrap()["status"]["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["kind"] != "Deployment");
    assert!(
        refusals(&snap).contains("Deployment shop/web is not one of Application shop's resources")
    );
}

#[test]
fn a_workload_in_another_namespace_is_refused() {
    let mut snap = world();
    for r in &mut snap.records {
        for w in &mut r.spec.workloads {
            w.namespace = "kube-system".into();
        }
    }
    let r = refusals(&snap);
    assert!(
        r.contains("Deployment kube-system/web is outside the request's namespace shop"),
        "{r}"
    );
}

#[test]
fn a_forged_record_cannot_introduce_an_image_the_workload_never_ran() {
    // A record claiming release A with an image no ReplicaSet of the Deployment holds:
    // the switch only restores templates from the workload's own history.
    let mut snap = world();
    let mut a = objects('a');
    a[2] = web(
        &format!("evil.example/miner:1@{}", digest('e')),
        "web-config-a",
    );
    snap.records[0] = record("shop-aaaaaaa", REV_A, &a, 0, Some(true));
    let r = refusals(&snap);
    assert!(r.contains("no revision in its history"), "{r}");
}

#[test]
fn two_templates_with_the_release_images_are_ambiguous_unless_only_a_restart_differs() {
    let a = objects('a');
    // A restart of release A: same template but the restartedAt annotation. Not ambiguous.
    let mut restarted = a[2].clone();
    restarted["spec"]["template"]["metadata"]["annotations"] =
        json!({"kubectl.kubernetes.io/restartedAt": "2027-01-14T09:00:00Z"});
    let mut snap = world();
    snap.history.push(replica_set(&restarted, "web-aar", 3));
    assert!(check(&snap, &Config::default()).is_ok());
    // The same images and configs with another environment: which is the release's?
    let mut other_env = a[2].clone();
    other_env["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "MODE", "value": "debug"}]);
    let mut snap = world();
    snap.history.push(replica_set(&other_env, "web-aae", 3));
    let r = refusals(&snap);
    assert!(r.contains("Deployment shop/web: revisions web-aae and web-aaa both run the release's images and configs but hold different templates"), "{r}");
}
