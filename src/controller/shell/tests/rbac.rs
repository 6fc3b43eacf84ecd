//! The install's RBAC is what the controller uses: every request the mock API server saw
//! in the rollback and release-verification scenarios must be granted by the ClusterRole
//! in `argocd-cm-patch/rollpin/controller.yaml`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::harness::Call;
use crate::controller::str_at;

/// `(group, resource or resource/subresource, verb)` of a request.
fn permission(call: &Call) -> (String, String, String) {
    let path = call.uri.split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match parts.as_slice() {
        ["api", _version, rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (*group, rest),
        _ => panic!("unexpected path {path}"),
    };
    let rest = match rest {
        ["namespaces", _ns, rest @ ..] => rest,
        other => other,
    };
    let (resource, named) = match rest {
        [resource] => (resource.to_string(), false),
        [resource, _name] => (resource.to_string(), true),
        [resource, _name, sub] => (format!("{resource}/{sub}"), true),
        _ => panic!("unexpected path {path}"),
    };
    let verb = match (call.method.as_str(), named) {
        ("GET", true) => "get",
        ("GET", false) => "list",
        ("PATCH", _) => "patch",
        ("POST", _) => "create",
        ("DELETE", _) => "delete",
        (m, _) => panic!("unexpected method {m}"),
    };
    (group.to_string(), resource, verb.to_string())
}

fn granted() -> BTreeSet<(String, String, String)> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("argocd-cm-patch/rollpin/controller.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let objects = crate::release::verify::read_objects(&text, &path, Default::default()).unwrap();
    let role = objects
        .iter()
        .find(|o| str_at(o, "/kind") == "ClusterRole")
        .expect("ClusterRole");
    let strings = |v: &Value, k: &str| -> Vec<String> {
        v[k].as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    let mut out = BTreeSet::new();
    for rule in role["rules"].as_array().unwrap() {
        for g in strings(rule, "apiGroups") {
            for r in strings(rule, "resources") {
                for v in strings(rule, "verbs") {
                    out.insert((g.clone(), r.clone(), v.clone()));
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn every_request_the_controller_makes_is_granted_by_the_install() {
    let mut calls = Vec::new();
    for kind in ["Deployment", "StatefulSet", "DaemonSet"] {
        calls.extend(super::scenarios::happy_path(kind).await);
    }
    calls.extend(super::releases::verified_and_collected().await);
    calls.extend(super::policies::broken_slo().await);
    let granted = granted();
    let used: BTreeSet<_> = calls.iter().map(permission).collect();
    let missing: Vec<_> = used.difference(&granted).collect();
    assert!(
        missing.is_empty(),
        "used but not granted by controller.yaml: {missing:?}"
    );
    // And the scenarios did exercise the rules that matter most.
    for p in [
        ("argoproj.io", "applications", "patch"),
        ("apps", "deployments", "patch"),
        ("apps", "statefulsets", "patch"),
        ("apps", "daemonsets", "patch"),
        ("rollpin.dev", "rollbackrequests/status", "patch"),
        ("rollpin.dev", "rollbackmanifests/status", "patch"),
        ("rollpin.dev", "rollbackmanifests", "delete"),
        ("rollpin.dev", "rollbackrequests", "create"),
        ("rollpin.dev", "rollbackpolicies/status", "patch"),
        ("events.k8s.io", "events", "create"),
    ] {
        let p = (p.0.to_string(), p.1.to_string(), p.2.to_string());
        assert!(used.contains(&p), "not exercised: {p:?}");
    }
}
