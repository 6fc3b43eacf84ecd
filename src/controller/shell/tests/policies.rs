//! RollbackPolicies in the controller, against the scripted API server and a stand-in
//! Prometheus (a thread answering `/api/v1/query` on 127.0.0.1).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::harness::*;
use crate::controller::fixtures::*;
use crate::slo::RollbackPolicy;

/// A Prometheus stand-in answering every query with `value`; returns its address and the
/// request lines it saw.
fn prometheus(value: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            log.lock().unwrap().push(line.trim_end().to_string());
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let body = format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1800000000,"{value}"]}}]}}}}"#
            );
            let mut s = stream;
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (addr, seen)
}

fn policy(address: &str) -> RollbackPolicy {
    serde_json::from_value(json!({
        "apiVersion": "rollpin.dev/v1alpha1", "kind": "RollbackPolicy",
        "metadata": {"name": "guard", "namespace": "shop", "uid": "uid-guard", "generation": 1},
        "spec": {"app": "shop", "bakeTime": "10m",
            "metrics": [{"name": "error-ratio", "successCondition": "result[0] < 0.05",
                "provider": {"prometheus": {"address": address, "query": "sum(rate(errors[1m]))"}}}],
            "action": {"type": "rollback", "strategy": "Workloads"}}
    }))
    .unwrap()
}

fn reads() -> Vec<Expect> {
    let records: Vec<Value> = [record_a(), record_b()]
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    vec![
        expect("GET", APP_PATH, ok(synced_app())),
        expect(
            "GET",
            "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests?labelSelector=rollpin.dev%2Fapp%3Dshop",
            list(records),
        ),
        expect(
            "GET",
            "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackrequests?labelSelector=rollpin.dev%2Fpolicy%3Dguard",
            list(vec![]),
        ),
    ]
}

const APP_PATH: &str = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop";
const STATUS: &str = "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackpolicies/guard/status";

fn policy_event() -> Expect {
    expect(
        "POST",
        "/apis/events.k8s.io/v1/namespaces/shop/events?",
        |b| {
            assert_eq!(b["regarding"]["kind"], "RollbackPolicy");
            (201, b.clone())
        },
    )
}

#[tokio::test]
async fn a_broken_slo_files_one_rollback_request() {
    broken_slo().await;
}

/// A policy whose metric fails files a RollbackRequest; returns every API call.
pub(super) async fn broken_slo() -> Vec<Call> {
    let (address, seen) = prometheus("0.2");
    let mut s = reads();
    s.push(expect(
        "POST",
        "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackrequests",
        |b| {
            assert_eq!(b["kind"], "RollbackRequest");
            assert_eq!(b["spec"]["app"], "shop");
            assert_eq!(b["spec"]["strategy"], "Workloads");
            assert_eq!(b["metadata"]["labels"]["rollpin.dev/policy"], "guard");
            (201, b.clone())
        },
    ));
    s.push(expect("PATCH", STATUS, |b| {
        assert_eq!(b["status"]["phase"], "Failed", "{b}");
        (200, b.clone())
    }));
    s.push(policy_event());
    let (result, calls, logs) =
        run_policy(&policy(&address), after_sync(60), vec![address.clone()], s).await;
    result.expect("reconcile");
    assert_eq!(seen.lock().unwrap().len(), 1, "one query");
    assert!(
        seen.lock().unwrap()[0]
            .starts_with("GET /api/v1/query?query=sum%28rate%28errors%5B1m%5D%29%29")
    );
    assert!(
        calls
            .iter()
            .any(|c| c.method == "POST" && c.uri.contains("rollbackrequests"))
    );
    assert!(
        logs.iter().any(|l| l.to_string().contains("0.2")),
        "{logs:?}"
    );
    calls
}

#[tokio::test]
async fn an_address_off_the_allow_list_is_never_queried() {
    let (address, seen) = prometheus("0.2");
    let mut s = reads();
    s.push(expect("PATCH", STATUS, |b| {
        assert!(b.to_string().contains("allow"), "{b}");
        (200, b.clone())
    }));
    s.push(policy_event());
    let (result, calls, _) = run_policy(
        &policy(&address),
        after_sync(60),
        vec!["http://prometheus.monitoring:9090".into()],
        s,
    )
    .await;
    result.expect("reconcile");
    assert!(
        seen.lock().unwrap().is_empty(),
        "the controller queried an address off the list"
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.method == "POST" && c.uri.contains("rollbackrequests"))
    );
}

/// The rollback a broken SLO files, answered 409 on create, then `existing` on reading it.
async fn create_conflict(existing: Value, then: Vec<Expect>) -> (Result<(), String>, Vec<Call>) {
    let (address, _) = prometheus("0.2");
    let name = crate::slo::request::request_name("guard", REV_B);
    let mut s = reads();
    s.push(expect(
        "POST",
        "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackrequests",
        status(409, "AlreadyExists"),
    ));
    s.push(expect(
        "GET",
        format!("/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackrequests/{name}"),
        ok(existing),
    ));
    s.extend(then);
    let (result, calls, _) = run_policy(&policy(&address), after_sync(60), vec![address], s).await;
    (result.map(|_| ()).map_err(|e| e.to_string()), calls)
}

fn existing_request(policy: &str, from_revision: &str) -> Value {
    json!({"apiVersion": "rollpin.dev/v1alpha1", "kind": "RollbackRequest",
        "metadata": {"name": crate::slo::request::request_name("guard", REV_B), "namespace": "shop",
            "labels": {"rollpin.dev/policy": policy},
            "annotations": {"rollpin.dev/from-revision": from_revision}},
        "spec": {"app": "shop"}})
}

#[tokio::test]
async fn an_existing_request_of_this_policy_for_this_release_counts() {
    let then = vec![
        expect("PATCH", STATUS, |b| {
            assert_eq!(b["status"]["phase"], "Failed", "{b}");
            (200, b.clone())
        }),
        policy_event(),
    ];
    let (result, _) = create_conflict(existing_request("guard", REV_B), then).await;
    result.expect("a retry of its own create");
}

#[tokio::test]
async fn a_same_named_request_that_is_not_this_policys_is_not_a_rollback() {
    for existing in [
        existing_request("someone-else", REV_B),
        existing_request("guard", "0000000older"),
    ] {
        let (result, calls) = create_conflict(existing, Vec::new()).await;
        let e = result.expect_err("no rollback was made");
        assert!(e.contains("not this policy's request"), "{e}");
        assert!(
            !calls.iter().any(|c| c.method == "PATCH"),
            "the status must not say a rollback was requested"
        );
    }
}
