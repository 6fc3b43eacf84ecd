//! Test fixtures for the controller: a small app (`shop`) with two releases — A (older,
//! verified) and B (running) — that differ only in the web Deployment's image and its
//! generated ConfigMap, and the live objects of a cluster running B: Application,
//! Deployment with both ReplicaSets, Pods, configs.
// Some fixtures serve only the shell's tests (feature `controller`).
#![cfg_attr(not(feature = "controller"), allow(dead_code))]

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::snapshot::Snapshot;
use crate::release::digest::{canonical_json, sha256};
use crate::release::{
    ResourcePin, RollbackManifest, RollbackManifestSpec, RollbackManifestStatus, RollbackRequest,
    RollbackRequestSpec, RollbackTarget, SourcePin,
};

pub const REV_A: &str = "aaaaaaa1111111111111111111111111111111111";
pub const REV_B: &str = "bbbbbbb2222222222222222222222222222222222";
pub const NS: &str = "shop";

pub fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

pub fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + secs).unwrap()
}

/// The web Deployment as a release renders it.
pub fn web(image: &str, config: &str) -> Value {
    web_of("Deployment", image, config)
}

/// The web workload of `kind` (Deployment, StatefulSet, DaemonSet) as a release renders it.
pub fn web_of(kind: &str, image: &str, config: &str) -> Value {
    let mut w = json!({"apiVersion": "apps/v1", "kind": kind,
        "metadata": {"name": "web", "namespace": NS, "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": image,
                    "envFrom": [{"configMapRef": {"name": config}}]}]}}}});
    if kind == "DaemonSet" {
        w["spec"].as_object_mut().unwrap().remove("replicas");
    }
    w
}

pub fn config(name: &str, value: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": NS},
        "data": {"MODE": value}})
}

pub fn service() -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": NS},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
}

pub fn image_a() -> String {
    format!("ghcr.io/acme/web:1.0@{}", digest('a'))
}

pub fn image_b() -> String {
    format!("ghcr.io/acme/web:1.1@{}", digest('b'))
}

/// Release A's and B's rendered objects.
pub fn objects(release: char) -> Vec<Value> {
    objects_of("Deployment", release)
}

/// Release A's and B's rendered objects, the web workload of `kind`.
pub fn objects_of(kind: &str, release: char) -> Vec<Value> {
    match release {
        'a' => vec![
            config("web-config-a", "old"),
            service(),
            web_of(kind, &image_a(), "web-config-a"),
        ],
        _ => vec![
            config("web-config-b", "new"),
            service(),
            web_of(kind, &image_b(), "web-config-b"),
        ],
    }
}

/// A record of `objects` (object digests over canonical JSON: consistent within tests).
pub fn record(
    name: &str,
    revision: &str,
    objects: &[Value],
    created: i64,
    verified: Option<bool>,
) -> RollbackManifest {
    let resources = objects
        .iter()
        .map(|o| {
            let mut text = String::new();
            canonical_json(o, &mut text);
            let s = |p: &str| {
                o.pointer(p)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            ResourcePin {
                api_version: s("/apiVersion"),
                kind: s("/kind"),
                namespace: s("/metadata/namespace"),
                name: s("/metadata/name"),
                sha256: sha256(text.as_bytes()),
            }
        })
        .collect();
    let mut r = RollbackManifest::new(
        name,
        RollbackManifestSpec {
            app: "shop".into(),
            source: SourcePin {
                revision: revision.into(),
                ..Default::default()
            },
            render_digest: digest('f'),
            resources,
            workloads: crate::release::pins::recorded_workloads(objects.iter()),
            ..Default::default()
        },
    );
    r.metadata.namespace = Some(NS.into());
    r.metadata.creation_timestamp = Some(Time(ts(created)));
    r.status = verified.map(|v| RollbackManifestStatus {
        conditions: vec![Condition {
            type_: "Verified".into(),
            status: if v { "True" } else { "False" }.into(),
            reason: "Matches".into(),
            message: String::new(),
            last_transition_time: Time(ts(created)),
            observed_generation: None,
        }],
        ..Default::default()
    });
    r
}

pub fn record_a() -> RollbackManifest {
    record("shop-aaaaaaa", REV_A, &objects('a'), 0, Some(true))
}

pub fn record_b() -> RollbackManifest {
    record("shop-bbbbbbb", REV_B, &objects('b'), 100, Some(true))
}

/// A ControllerRevision of the web StatefulSet or DaemonSet holding `rendered`'s template.
pub fn controller_revision(rendered: &Value, name: &str, revision: i64) -> Value {
    let mut template = rendered["spec"]["template"].clone();
    template["$patch"] = json!("replace");
    json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
        "metadata": {"name": name, "namespace": NS, "labels": {"app": "web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": rendered["kind"], "name": "web",
                "uid": "uid-web", "controller": true}]},
        "revision": revision, "data": {"spec": {"template": template}}})
}

/// The live form of a rendered StatefulSet or DaemonSet with a complete rollout.
pub fn live_set(rendered: &Value, rv: &str, generation: i64) -> Value {
    let mut d = rendered.clone();
    d["metadata"]["uid"] = json!("uid-web");
    d["metadata"]["resourceVersion"] = json!(rv);
    d["metadata"]["generation"] = json!(generation);
    d["status"] = if d["kind"] == "DaemonSet" {
        json!({"observedGeneration": generation, "desiredNumberScheduled": 2, "updatedNumberScheduled": 2,
            "numberAvailable": 2, "numberReady": 2})
    } else {
        json!({"observedGeneration": generation, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2,
            "currentRevision": "web-bbb", "updateRevision": "web-bbb"})
    };
    d
}

/// The live form of a rendered Deployment: uid, resourceVersion, generation, a complete
/// rollout of `replicas`.
pub fn live_web(rendered: &Value, rv: &str, generation: i64) -> Value {
    let mut d = rendered.clone();
    d["metadata"]["uid"] = json!("uid-web");
    d["metadata"]["resourceVersion"] = json!(rv);
    d["metadata"]["generation"] = json!(generation);
    d["metadata"]["annotations"] = json!({"deployment.kubernetes.io/revision": "2", "argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop/web"});
    d["status"] = json!({"observedGeneration": generation, "replicas": 2, "updatedReplicas": 2,
        "readyReplicas": 2, "availableReplicas": 2});
    d
}

/// A ReplicaSet of the web Deployment holding `rendered`'s template.
pub fn replica_set(rendered: &Value, name: &str, revision: i64) -> Value {
    let mut template = rendered["spec"]["template"].clone();
    let hash = name.rsplit('-').next().unwrap_or("x");
    template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": NS, "labels": {"app": "web", "pod-template-hash": hash},
            "annotations": {"deployment.kubernetes.io/revision": revision.to_string(),
                "argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop/web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                "uid": "uid-web", "controller": true}]},
        "spec": {"replicas": 0, "template": template}})
}

/// A running Pod of the web Deployment whose container runs `digest`.
pub fn pod(name: &str, digest: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "labels": {"app": "web"}},
        "status": {"containerStatuses": [{"name": "app",
            "imageID": format!("ghcr.io/acme/web@{digest}")}]}})
}

/// The Application: destination `shop`, synced to `revision`, automated sync on, its
/// resources listing every object of both releases and both records.
pub fn application(revision: &str) -> Value {
    let res = |group: &str, kind: &str, name: &str| json!({"group": group, "version": "v1", "kind": kind, "namespace": NS, "name": name});
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "shop", "namespace": "argocd", "resourceVersion": "50"},
        "spec": {"destination": {"namespace": NS, "server": "https://kubernetes.default.svc"},
            "source": {"repoURL": "https://git.example.com/shop.git", "path": "overlays/prod", "targetRevision": "main"},
            "syncPolicy": {"automated": {"prune": true, "selfHeal": true}, "syncOptions": ["CreateNamespace=true"]}},
        "status": {"sync": {"status": "Synced", "revision": revision},
            "history": [{"id": 0, "revision": REV_A, "deployedAt": "2027-01-14T08:00:00Z"},
                {"id": 1, "revision": REV_B, "deployedAt": "2027-01-15T08:00:00Z"}],
            "resources": [res("", "ConfigMap", "web-config-b"), res("", "Service", "web"),
                res("apps", "Deployment", "web"),
                res("rollpin.dev", "RollbackManifest", "shop-aaaaaaa"),
                res("rollpin.dev", "RollbackManifest", "shop-bbbbbbb")]}})
}

pub fn request(name: &str, target: RollbackTarget, created: i64) -> RollbackRequest {
    let mut r = RollbackRequest::new(
        name,
        RollbackRequestSpec {
            app: "shop".into(),
            target,
            strategy: Some(crate::release::RollbackStrategy::Workloads),
            ..Default::default()
        },
    );
    r.metadata = ObjectMeta {
        name: Some(name.into()),
        namespace: Some(NS.into()),
        uid: Some(format!("uid-{name}")),
        creation_timestamp: Some(Time(ts(created))),
        ..Default::default()
    };
    r
}

pub fn to_a() -> RollbackTarget {
    RollbackTarget {
        manifest: Some("shop-aaaaaaa".into()),
        ..Default::default()
    }
}

/// A cluster running release B with the web workload of `kind`, and a request to roll
/// back to A.
pub fn world_of(kind: &str) -> Snapshot {
    if kind == "Deployment" {
        return world();
    }
    let a = objects_of(kind, 'a');
    let b = objects_of(kind, 'b');
    let mut snap = world();
    snap.records = vec![
        record("shop-aaaaaaa", REV_A, &a, 0, Some(true)),
        record("shop-bbbbbbb", REV_B, &b, 100, Some(true)),
    ];
    snap.workloads = vec![live_set(&b[2], "300", 2)];
    snap.history = vec![
        controller_revision(&a[2], "web-aaa", 1),
        controller_revision(&b[2], "web-bbb", 2),
    ];
    let app = snap.app.as_mut().unwrap();
    for r in app["status"]["resources"].as_array_mut().unwrap() {
        if r["kind"] == "Deployment" {
            r["kind"] = json!(kind);
        }
    }
    snap
}

/// A cluster running release B, and a request to roll back to A.
pub fn world() -> Snapshot {
    let a = objects('a');
    let b = objects('b');
    let req = request("back", to_a(), 200);
    Snapshot {
        app: Some(application(REV_B)),
        records: vec![record_a(), record_b()],
        requests: vec![req.clone()],
        request: req,
        workloads: vec![live_web(&b[2], "300", 2)],
        history: vec![
            replica_set(&a[2], "web-aaa", 1),
            replica_set(&b[2], "web-bbb", 2),
        ],
        pods: vec![
            pod("web-bbb-1", &digest('b')),
            pod("web-bbb-2", &digest('b')),
        ],
        configs: vec![a[0].clone(), b[0].clone()],
    }
}

/// A cluster running release B of an app with `n` Deployments (`web0`…), each with its
/// generated ConfigMap, and a request to roll all of them back to A.
pub fn world_n(n: usize) -> Snapshot {
    let release = |c: char| -> Vec<Value> {
        let mut out = vec![service()];
        for i in 0..n {
            let image = if c == 'a' { image_a() } else { image_b() };
            let cfg = format!("web{i}-config-{c}");
            let mut w = web(&image, &cfg);
            w["metadata"]["name"] = json!(format!("web{i}"));
            w["spec"]["selector"]["matchLabels"]["app"] = json!(format!("web{i}"));
            w["spec"]["template"]["metadata"]["labels"]["app"] = json!(format!("web{i}"));
            out.push(config(&cfg, if c == 'a' { "old" } else { "new" }));
            out.push(w);
        }
        out
    };
    let (a, b) = (release('a'), release('b'));
    let mut snap = world();
    snap.records = vec![
        record("shop-aaaaaaa", REV_A, &a, 0, Some(true)),
        record("shop-bbbbbbb", REV_B, &b, 100, Some(true)),
    ];
    let mut resources = vec![];
    for o in b
        .iter()
        .chain(a.iter().filter(|o| o["kind"] == "ConfigMap"))
    {
        let api = o["apiVersion"].as_str().unwrap();
        let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        resources.push(json!({"group": group, "kind": o["kind"], "namespace": NS, "name": o["metadata"]["name"]}));
    }
    for r in ["shop-aaaaaaa", "shop-bbbbbbb"] {
        resources.push(
            json!({"group": "rollpin.dev", "kind": "RollbackManifest", "namespace": NS, "name": r}),
        );
    }
    snap.app.as_mut().unwrap()["status"]["resources"] = json!(resources);
    snap.workloads.clear();
    snap.history.clear();
    snap.configs.clear();
    snap.pods.clear();
    for (wa, wb) in a
        .iter()
        .zip(b.iter())
        .filter(|(o, _)| o["kind"] == "Deployment")
    {
        let name = wb["metadata"]["name"].as_str().unwrap();
        let mut live = live_web(wb, "300", 2);
        live["metadata"]["uid"] = json!(format!("uid-{name}"));
        snap.workloads.push(live);
        for (src, rs, rev) in [
            (wa, format!("{name}-aaa"), 1),
            (wb, format!("{name}-bbb"), 2),
        ] {
            let mut h = replica_set(src, &rs, rev);
            h["metadata"]["ownerReferences"][0]["uid"] = json!(format!("uid-{name}"));
            h["metadata"]["ownerReferences"][0]["name"] = json!(name);
            snap.history.push(h);
        }
    }
    snap.configs = a
        .iter()
        .filter(|o| o["kind"] == "ConfigMap")
        .cloned()
        .collect();
    snap
}

/// When the fixture app's last sync finished.
pub const SYNCED_AT: &str = "2027-01-15T08:00:00Z";

/// The Application right after Argo CD finished syncing release B ([`SYNCED_AT`]).
pub fn synced_app() -> Value {
    let mut app = application(REV_B);
    app["status"]["operationState"] = json!({"phase": "Succeeded", "finishedAt": SYNCED_AT,
        "syncResult": {"revision": REV_B}});
    app
}

/// `secs` seconds after the sync finished.
pub fn after_sync(secs: i64) -> Timestamp {
    let t: Timestamp = SYNCED_AT.parse().unwrap();
    t.checked_add(k8s_openapi::jiff::SignedDuration::from_secs(secs))
        .unwrap()
}
