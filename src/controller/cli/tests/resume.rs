//! `rollpin resume` against the mock API server: it finds the request whose pause is not
//! restored, sets `spec.resume: true` with a merge patch, and reads the request until the
//! controller restored the policy or refused.

use std::time::Duration;

use serde_json::{Value, json};

use super::session;
use crate::controller::cli::CliError;
use crate::controller::cli::resume::run;
use crate::controller::fixtures::{REV_B, application, request, to_a, ts};
use crate::controller::shell::tests::harness::{
    Call, Expect, expect, finished, list, mock_client, ok,
};
use crate::controller::sync_policy::save;
use crate::release::{RollbackPhase, RollbackRequest, RollbackRequestStatus};

const REQUESTS: &str = "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackrequests";

/// The request `back`, Succeeded, with the policy it paused.
fn back(phase: RollbackPhase) -> RollbackRequest {
    let mut r = request("back", to_a(), 200);
    r.status = Some(RollbackRequestStatus {
        phase: Some(phase),
        saved_sync_policy: Some(save(&application(REV_B))),
        ..Default::default()
    });
    r
}

fn value(r: &RollbackRequest) -> Value {
    serde_json::to_value(r).unwrap()
}

/// `back` after the controller acted: restored, or refused with `why`.
fn answered(refused: Option<&str>) -> Value {
    let mut r = back(RollbackPhase::Succeeded);
    r.spec.resume = true;
    let status = r.status.as_mut().unwrap();
    let (paused, reason, message) = match refused {
        None => {
            status.saved_sync_policy.as_mut().unwrap().restored = true;
            (
                false,
                "Resumed",
                "automated sync of shop restored to {\"prune\":true,\"selfHeal\":true}".to_string(),
            )
        }
        Some(why) => (true, "ResumeRefused", why.to_string()),
    };
    crate::controller::audit::set_condition(
        &mut status.conditions,
        "SyncPaused",
        paused,
        reason,
        &message,
        ts(300),
    );
    value(&r)
}

fn script(requests: Vec<RollbackRequest>, after: Vec<Expect>) -> Vec<Expect> {
    let mut s = vec![
        expect(
            "GET",
            "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop",
            ok(application(REV_B)),
        ),
        expect("GET", REQUESTS, list(requests.iter().map(value).collect())),
    ];
    s.extend(after);
    s
}

fn patch() -> Expect {
    let mut patched = back(RollbackPhase::Succeeded);
    patched.spec.resume = true;
    let patched = value(&patched);
    expect("PATCH", format!("{REQUESTS}/back"), move |body: &Value| {
        assert_eq!(*body, json!({"spec": {"resume": true}}));
        (200, patched)
    })
}

async fn resume(script: Vec<Expect>) -> (Result<u8, CliError>, String, Vec<Call>) {
    let (client, server) = mock_client(script);
    let s = session(client, 400);
    let mut out = Vec::new();
    let result = run(&s, "shop", Duration::from_secs(3), &mut out).await;
    drop(s);
    (
        result,
        String::from_utf8(out).unwrap(),
        finished(server).await,
    )
}

#[tokio::test]
async fn restores_and_prints_what() {
    let get = expect("GET", format!("{REQUESTS}/back"), ok(answered(None)));
    let (result, out, calls) = resume(script(
        vec![back(RollbackPhase::Succeeded)],
        vec![patch(), get],
    ))
    .await;
    assert_eq!(result.unwrap(), 0);
    assert_eq!(
        out,
        "automated sync of shop restored to {\"prune\":true,\"selfHeal\":true} (RollbackRequest shop/back)\n"
    );
    assert_eq!(calls[2].content_type, "application/merge-patch+json");
}

#[tokio::test]
async fn a_refusal_is_printed_with_exit_code_1() {
    let why = "the Application's automated sync policy was changed since the rollback paused it (now {\"prune\":false}): not overwriting it; set it by hand";
    let get = expect("GET", format!("{REQUESTS}/back"), ok(answered(Some(why))));
    let (result, out, _) = resume(script(
        vec![back(RollbackPhase::Failed)],
        vec![patch(), get],
    ))
    .await;
    let err = result.unwrap_err();
    assert_eq!((err.exit_code(), err.to_string()), (1, why.to_string()));
    assert_eq!(out, "");
}

#[tokio::test]
async fn nothing_paused_is_not_a_failure() {
    let mut restored = back(RollbackPhase::Succeeded);
    restored
        .status
        .as_mut()
        .unwrap()
        .saved_sync_policy
        .as_mut()
        .unwrap()
        .restored = true;
    let (result, out, calls) = resume(script(vec![restored], vec![])).await;
    assert_eq!(result.unwrap(), 0);
    assert_eq!(
        out,
        "nothing to resume: no rollback of shop paused its automated sync\n"
    );
    assert!(calls.iter().all(|c| c.method == "GET"), "no writes");
}

#[tokio::test]
async fn a_running_rollback_is_not_resumed() {
    let (result, _, calls) = resume(script(
        vec![back(RollbackPhase::Succeeded), {
            let mut r = back(RollbackPhase::Verifying);
            r.metadata.name = Some("again".into());
            r.metadata.creation_timestamp = Some(
                k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(ts(300)),
            );
            r
        }],
        vec![],
    ))
    .await;
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        "a rollback of shop is still running (RollbackRequest shop/again, phase Verifying); resume once it has finished"
    );
    assert!(calls.iter().all(|c| c.method == "GET"), "no writes");
}

#[tokio::test]
async fn a_controller_that_does_not_answer_times_out() {
    let waiting = value(&{
        let mut r = back(RollbackPhase::Succeeded);
        r.spec.resume = true;
        r
    });
    let gets = (0..2).map(|_| expect("GET", format!("{REQUESTS}/back"), ok(waiting.clone())));
    let mut after = vec![patch()];
    after.extend(gets);
    let (result, _, _) = resume(script(vec![back(RollbackPhase::Succeeded)], after)).await;
    let err = result.unwrap_err();
    assert!(
        err.to_string().starts_with(
            "the controller did not act on the resume of RollbackRequest shop/back within 3s"
        ),
        "{err}"
    );
}
