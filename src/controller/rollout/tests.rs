//! Tests of the controller's `rollout` step: fixtures through the pure planning core.
use serde_json::json;

use super::*;
use crate::release::ContainerPin;

fn deploy(status: Value) -> Value {
    json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "generation": 3},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}}, "status": status})
}

#[test]
fn deployment_rollout_status_as_kubectl() {
    let cases = [
        (
            json!({"observedGeneration": 2}),
            "waiting for deployment spec update to be observed",
        ),
        (
            json!({"observedGeneration": 3, "updatedReplicas": 1, "replicas": 3}),
            "1 of 3 new replicas have been updated",
        ),
        (
            json!({"observedGeneration": 3, "updatedReplicas": 3, "replicas": 4}),
            "1 old replicas are pending termination",
        ),
        (
            json!({"observedGeneration": 3, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 2}),
            "2 of 3 updated replicas are available",
        ),
    ];
    for (st, want) in cases {
        assert_eq!(status(&deploy(st)), Rollout::Waiting(want.into()));
    }
    let done = deploy(
        json!({"observedGeneration": 3, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3}),
    );
    assert_eq!(status(&done), Rollout::Done);
    let stuck = deploy(
        json!({"observedGeneration": 3, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
    );
    assert_eq!(
        status(&stuck),
        Rollout::Failed("deployment web exceeded its progress deadline".into())
    );
}

#[test]
fn statefulset_and_daemonset_rollout_status() {
    let sts = |spec: Value, st: Value| json!({"kind": "StatefulSet", "metadata": {"generation": 2}, "spec": spec, "status": st});
    assert_eq!(
        status(&sts(
            json!({"replicas": 2}),
            json!({"observedGeneration": 0})
        )),
        Rollout::Waiting("waiting for statefulset spec update to be observed".into())
    );
    assert_eq!(
        status(&sts(
            json!({"replicas": 2}),
            json!({"observedGeneration": 2, "readyReplicas": 1})
        )),
        Rollout::Waiting("1 of 2 pods are ready".into())
    );
    let rolling = json!({"replicas": 4, "updateStrategy": {"rollingUpdate": {"partition": 2}}});
    assert_eq!(
        status(&sts(
            rolling.clone(),
            json!({"observedGeneration": 2, "readyReplicas": 4, "updatedReplicas": 2})
        )),
        Rollout::Done
    );
    assert!(matches!(
        status(&sts(
            rolling,
            json!({"observedGeneration": 2, "readyReplicas": 4, "updatedReplicas": 1})
        )),
        Rollout::Waiting(_)
    ));
    let on_delete = json!({"replicas": 1, "updateStrategy": {"type": "OnDelete"}});
    assert!(matches!(
        status(&sts(on_delete.clone(), json!({"observedGeneration": 2, "readyReplicas": 1, "updateRevision": "b", "currentRevision": "a"}))),
        Rollout::Waiting(m) if m.contains("rolling update to complete")
    ));
    assert_eq!(
        status(&sts(
            on_delete,
            json!({"observedGeneration": 2, "readyReplicas": 1, "updateRevision": "b", "currentRevision": "b"})
        )),
        Rollout::Done
    );
    let ds = |st: Value| json!({"kind": "DaemonSet", "metadata": {"generation": 1}, "status": st});
    assert_eq!(
        status(&ds(
            json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 2})
        )),
        Rollout::Waiting("2 out of 3 new pods have been updated".into())
    );
    assert_eq!(
        status(&ds(
            json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3})
        )),
        Rollout::Done
    );
}

fn pin() -> WorkloadPin {
    WorkloadPin {
        kind: "Deployment".into(),
        name: "web".into(),
        containers: vec![ContainerPin {
            name: "app".into(),
            image: "web@sha256:aa".into(),
            digest: Some("sha256:aa".into()),
        }],
        ..Default::default()
    }
}

fn pod(name: &str, image_id: &str) -> Value {
    json!({"kind": "Pod", "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web"}},
        "status": {"containerStatuses": [{"name": "app", "imageID": image_id}]}})
}

#[test]
fn pods_must_report_the_pinned_digest() {
    let done = deploy(
        json!({"observedGeneration": 3, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3}),
    );
    let mut p = WorkloadProgress::default();
    let pods = vec![
        pod("a", "docker-pullable://web@sha256:aa"),
        pod("b", "web@sha256:aa"),
        pod("c", "sha256:0123"),
    ];
    let r = progress(&done, &pin(), &[], &pods, &mut p);
    assert_eq!(
        r,
        Rollout::Waiting("Pod shop/c container app: imageID sha256:0123 names no repository digest; cannot tell what it runs".into())
    );
    assert_eq!((p.pods, p.pods_on_target), (3, 2));
    // A terminating Pod is not counted; too few Pods on target is still waiting.
    let mut terminating = pod("c", "web@sha256:bb");
    terminating["metadata"]["deletionTimestamp"] = json!("2026-12-04T00:00:00Z");
    let r = progress(
        &done,
        &pin(),
        &[],
        &[pods[0].clone(), pods[1].clone(), terminating],
        &mut p,
    );
    assert_eq!(r, Rollout::Waiting("2 of 3 Pods run the release".into()));
    let all = vec![pods[0].clone(), pods[1].clone(), pod("d", "web@sha256:aa")];
    assert_eq!(progress(&done, &pin(), &[], &all, &mut p), Rollout::Done);
    assert_eq!(p.state, "RolledOut");
}

#[test]
fn a_container_without_status_or_pull_is_waiting() {
    let done = deploy(
        json!({"observedGeneration": 3, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3}),
    );
    let mut p = WorkloadProgress::default();
    let mut no_status = pod("a", "");
    no_status["status"] = json!({});
    assert!(
        matches!(progress(&done, &pin(), &[], &[no_status], &mut p), Rollout::Waiting(m) if m.contains("no status reported yet"))
    );
    assert!(
        matches!(progress(&done, &pin(), &[], &[pod("a", "")], &mut p), Rollout::Waiting(m) if m.contains("image not pulled yet"))
    );
}
