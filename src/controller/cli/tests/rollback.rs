//! `rollpin rollback` against the mock API server: it reads the Application and the
//! records, creates the request, then follows the controller's status (scripted here as
//! the GETs the controller's progress would answer) to Succeeded (exit 0) or Failed
//! (exit 3); usage errors and RBAC refusals create nothing.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Captured, session};
use crate::controller::cli::rollback::{PREVIOUS, RollbackOptions, run};
use crate::controller::cli::{Format, Streams};
use crate::controller::fixtures::{REV_A, REV_B, application, record_a, record_b};
use crate::controller::shell::tests::harness::{
    Expect, expect, finished, list, mock_client, ok, status,
};
use crate::release::{OnFailure, RollbackPhase, RollbackStrategy, WorkloadProgress};

const REQUESTS: &str = "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackrequests";
const NAME: &str = "shop-rollback-x7k2p";

/// One writer shared by the result and the live view, as stdout is for a person.
#[derive(Clone, Default)]
struct Screen(Rc<RefCell<Vec<u8>>>);

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Screen {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

fn opts(format: Format, wait: bool) -> RollbackOptions {
    RollbackOptions {
        app: "shop".into(),
        to: PREVIOUS.into(),
        strategy: RollbackStrategy::Workloads,
        deadline: Some(Duration::from_secs(600)),
        on_failure: Some(OnFailure::Stop),
        wait,
        format,
    }
}

/// The reads before the create: the Application, then the app's records.
fn reads() -> Vec<Expect> {
    let records = [record_a(), record_b()].map(|r| serde_json::to_value(r).unwrap());
    vec![
        expect(
            "GET",
            "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop",
            ok(application(REV_B)),
        ),
        expect(
            "GET",
            "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests?labelSelector=rollpin.dev%2Fapp%3Dshop",
            list(records.to_vec()),
        ),
    ]
}

/// The POST: asserts the object and answers with it named.
fn create() -> Expect {
    expect("POST", REQUESTS, |body: &Value| {
        assert_eq!(body["metadata"]["generateName"], "shop-rollback-");
        assert_eq!(
            body["metadata"]["annotations"]["rollpin.dev/requested-by"],
            "alice@example.com"
        );
        assert_eq!(body["spec"]["target"], json!({"previous": true}));
        // The scripted clock read 2027-01-15T08:03:20Z; the deadline is ten minutes on.
        assert_eq!(body["spec"]["deadline"], "2027-01-15T08:13:20Z");
        let mut created = body.clone();
        created["metadata"]["name"] = json!(NAME);
        created["metadata"]["uid"] = json!("uid-1");
        (201, created)
    })
}

fn web(state: &str, updated: i64, ready: i64, pinned: i64) -> WorkloadProgress {
    WorkloadProgress {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: "shop".into(),
        name: "web".into(),
        state: state.into(),
        replicas: 2,
        updated,
        ready,
        pods_on_target: pinned,
        pods: 2,
        ..Default::default()
    }
}

/// A GET of the request answering it in `phase`.
fn read(phase: Option<RollbackPhase>, message: &str, workloads: Vec<WorkloadProgress>) -> Expect {
    let mut v = json!({"apiVersion": "rollpin.dev/v1alpha1", "kind": "RollbackRequest",
        "metadata": {"name": NAME, "namespace": "shop", "uid": "uid-1"},
        "spec": {"app": "shop", "target": {"previous": true}}});
    if let Some(phase) = phase {
        v["status"] = json!({"phase": phase, "message": message, "workloads": workloads});
    }
    expect("GET", format!("{REQUESTS}/{NAME}"), ok(v))
}

const SWITCHING: &str = "pre-check passed: 1 workloads to switch from shop-bbbbbbb to shop-aaaaaaa; pausing automated sync";

fn progress_to(end: Expect) -> Vec<Expect> {
    let mut script = reads();
    script.push(create());
    script.push(read(None, "", vec![]));
    script.push(read(
        Some(RollbackPhase::Switching),
        SWITCHING,
        vec![web("Pending", 0, 2, 0)],
    ));
    script.push(read(
        Some(RollbackPhase::Verifying),
        "Deployment shop/web: 1 of 2 new replicas have been updated",
        vec![web("Patched", 1, 1, 1)],
    ));
    // Nothing changed since the last read: nothing is printed.
    script.push(read(
        Some(RollbackPhase::Verifying),
        "Deployment shop/web: 1 of 2 new replicas have been updated",
        vec![web("Patched", 1, 1, 1)],
    ));
    script.push(end);
    script
}

async fn rollback(
    script: Vec<Expect>,
    opts: &RollbackOptions,
    terminal: bool,
) -> (
    Result<u8, crate::controller::cli::CliError>,
    String,
    Vec<crate::controller::shell::tests::harness::Call>,
) {
    let (client, server) = mock_client(script);
    let s = session(client, 200);
    let screen = Screen::default();
    let (mut out, mut progress) = (screen.clone(), screen.clone());
    let mut streams = Streams {
        out: &mut out,
        progress: &mut progress,
        terminal,
    };
    let result = run(&s, opts, &mut streams).await;
    drop(s);
    (result, screen.text(), finished(server).await)
}

const SUCCEEDED: &str = "every workload runs shop-aaaaaaa (revision aaaaaaa1111111111111111111111111111111111) on the pinned digests; automated sync stays paused until `rollpin resume shop` or spec.resume: true";

/// What a person reading a pipe sees (the README shows it).
const FOLLOWED: &str = "rollback shop/shop-rollback-x7k2p: shop to release shop-aaaaaaa (revision aaaaaaa), strategy Workloads, requested by alice@example.com
    1s  Pending: not picked up by the controller yet
    2s  Switching: pre-check passed: 1 workloads to switch from shop-bbbbbbb to shop-aaaaaaa; pausing automated sync
    2s    Deployment web  [######--------------]  updated 0/2  ready 2/2  pinned 0/2  Pending
    3s  Verifying: Deployment shop/web: 1 of 2 new replicas have been updated
    3s    Deployment web  [##########----------]  updated 1/2  ready 1/2  pinned 1/2  Patched
    5s  Succeeded: every workload runs shop-aaaaaaa (revision aaaaaaa1111111111111111111111111111111111) on the pinned digests; automated sync stays paused until `rollpin resume shop` or spec.resume: true
    5s    Deployment web  [####################]  updated 2/2  ready 2/2  pinned 2/2  RolledOut
rolled shop back to release shop-aaaaaaa in 5s
";

#[tokio::test]
async fn wait_follows_the_phases_to_succeeded() {
    let end = read(
        Some(RollbackPhase::Succeeded),
        SUCCEEDED,
        vec![web("RolledOut", 2, 2, 2)],
    );
    let (result, text, calls) = rollback(progress_to(end), &opts(Format::Text, true), false).await;
    assert_eq!(result.unwrap(), 0);
    assert_eq!(
        calls.iter().filter(|c| c.method != "GET").count(),
        1,
        "one write: the create"
    );
    assert_eq!(text, FOLLOWED);
    assert!(!text.contains('\x1b'), "no ANSI codes off a terminal");
    assert!(REV_A.starts_with("aaaaaaa"));
}

#[tokio::test]
async fn wait_follows_the_phases_to_failed_with_exit_code_3() {
    let reason = "deadline 2027-01-15T08:13:20Z passed: Deployment shop/web: 1 of 2 new replicas have been updated; stopped (onFailure: Stop)";
    let end = read(
        Some(RollbackPhase::Failed),
        reason,
        vec![web("Patched", 1, 1, 1)],
    );
    let (result, text, _) = rollback(progress_to(end), &opts(Format::Text, true), false).await;
    assert_eq!(result.unwrap(), 3);
    assert!(
        text.ends_with(&format!("    5s  Failed: {reason}\nrollback of shop to release shop-aaaaaaa failed after 5s: {reason}\n")),
        "{text}"
    );
}

#[tokio::test]
async fn a_terminal_gets_the_view_redrawn_in_place() {
    let end = read(
        Some(RollbackPhase::Succeeded),
        SUCCEEDED,
        vec![web("RolledOut", 2, 2, 2)],
    );
    let (result, text, _) = rollback(progress_to(end), &opts(Format::Text, true), true).await;
    assert_eq!(result.unwrap(), 0);
    // Five frames: the first drawn, four redrawn over the one before (1, 2, 2, 2 lines).
    assert_eq!(text.matches("\x1b[").count(), 8, "{text:?}");
    assert!(text.contains("\x1b[1A\r\x1b[J2s  Switching"), "{text:?}");
    // Lines are cut while they are redrawn; the last frame stays whole.
    assert!(text.contains("2s  Switching: pre-check passed: 1 workloads to switch from shop-bbbbbbb to shop-aaaaaaa; pausing automated s…\n"), "{text:?}");
    assert!(text.ends_with("\x1b[2A\r\x1b[J5s  Succeeded: every workload runs shop-aaaaaaa (revision aaaaaaa1111111111111111111111111111111111) on the pinned digests; automated sync stays paused until `rollpin resume shop` or spec.resume: true\n  Deployment web  [####################]  updated 2/2  ready 2/2  pinned 2/2  RolledOut\nrolled shop back to release shop-aaaaaaa in 5s\n"), "{text:?}");
}

#[tokio::test]
async fn json_prints_only_the_final_status_on_the_result_stream() {
    let end = read(
        Some(RollbackPhase::Succeeded),
        SUCCEEDED,
        vec![web("RolledOut", 2, 2, 2)],
    );
    let (client, server) = mock_client(progress_to(end));
    let s = session(client, 200);
    let mut c = Captured::default();
    let mut streams = Streams {
        out: &mut c.out,
        progress: &mut c.progress,
        terminal: false,
    };
    assert_eq!(
        run(&s, &opts(Format::Json, true), &mut streams)
            .await
            .unwrap(),
        0
    );
    drop(s);
    finished(server).await;
    let v: Value = serde_json::from_str(&c.out()).unwrap();
    assert_eq!(v["name"], NAME);
    assert_eq!(v["namespace"], "shop");
    assert_eq!(v["status"]["phase"], "Succeeded");
    assert_eq!(v["status"]["workloads"][0]["podsOnTarget"], 2);
    assert!(
        c.progress().contains("Verifying"),
        "the live view goes to the other stream"
    );
}

#[tokio::test]
async fn no_wait_creates_and_returns() {
    let mut script = reads();
    script.push(create());
    let (result, text, _) = rollback(script, &opts(Format::Text, false), false).await;
    assert_eq!(result.unwrap(), 0);
    assert!(
        text.ends_with("not waiting; follow it with: kubectl get rollbackrequest -n shop shop-rollback-x7k2p -w\n"),
        "{text}"
    );
}

#[tokio::test]
async fn a_to_that_names_nothing_is_a_usage_error_and_creates_nothing() {
    let mut o = opts(Format::Text, true);
    o.to = "yesterday".into();
    let (result, text, calls) = rollback(reads(), &o, false).await;
    let err = result.unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string()
            .contains("shop-bbbbbbb (revision bbbbbbb, live), shop-aaaaaaa (revision aaaaaaa)"),
        "{err}"
    );
    assert!(calls.iter().all(|c| c.method == "GET"), "no writes");
    assert_eq!(text, "");
}

#[tokio::test]
async fn an_rbac_refusal_names_the_object_and_exits_1() {
    let mut script = reads();
    script.push(expect("POST", REQUESTS, status(403, "Forbidden")));
    let (result, _, _) = rollback(script, &opts(Format::Text, true), false).await;
    let err = result.unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert_eq!(
        err.to_string(),
        "creating RollbackRequests in namespace shop: 403 Forbidden: the server answered 403 Forbidden (your user lacks the RBAC permission)"
    );
}

#[tokio::test]
async fn a_missing_application_exits_1() {
    let script = vec![expect(
        "GET",
        "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop",
        status(404, "NotFound"),
    )];
    let (result, _, _) = rollback(script, &opts(Format::Text, true), false).await;
    let err = result.unwrap_err();
    assert_eq!(
        (err.exit_code(), err.to_string()),
        (1, "Application argocd/shop not found".to_string())
    );
    assert!(REV_B.starts_with('b'));
}

#[tokio::test]
async fn a_passing_read_failure_is_retried_and_a_lasting_one_ends_it() {
    let get = || format!("{REQUESTS}/{NAME}");
    let mut script = reads();
    script.push(create());
    script.push(expect("GET", get(), status(503, "ServiceUnavailable")));
    script.push(read(
        Some(RollbackPhase::Succeeded),
        SUCCEEDED,
        vec![web("RolledOut", 2, 2, 2)],
    ));
    let (result, text, _) = rollback(script, &opts(Format::Text, true), false).await;
    assert_eq!(result.unwrap(), 0);
    assert!(
        text.ends_with("rolled shop back to release shop-aaaaaaa in 1s\n"),
        "{text}"
    );

    let mut script = reads();
    script.push(create());
    for _ in 0..3 {
        script.push(expect("GET", get(), status(503, "ServiceUnavailable")));
    }
    let (result, _, _) = rollback(script, &opts(Format::Text, true), false).await;
    assert_eq!(
        result.unwrap_err().to_string(),
        "reading RollbackRequest shop/shop-rollback-x7k2p: the API server answered 503: the server answered 503 ServiceUnavailable"
    );

    let mut script = reads();
    script.push(create());
    script.push(expect("GET", get(), status(404, "NotFound")));
    let (result, _, _) = rollback(script, &opts(Format::Text, true), false).await;
    assert_eq!(
        result.unwrap_err().to_string(),
        "RollbackRequest shop/shop-rollback-x7k2p was deleted while it was being followed"
    );
}

#[test]
fn the_readme_shows_this_output() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&format!(
            "$ rollpin rollback shop --deadline 10m --wait | cat\n{FOLLOWED}```"
        )),
        "README.md must show the followed rollback verbatim:\n{FOLLOWED}"
    );
}
