//! `rollpin health` running Argo CD Lua: every case under `fixtures/health-lua/` (Argo CD's
//! `health_test.yaml` layout; scripts and cases written for rollpin, not copied from Argo
//! CD), each naming the environment rule it covers; and the CLI flags `--argocd-cm` and
//! `--lua-dir` with their errors.
#![cfg(feature = "lua")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rollpin::health::lua::LuaScripts;
use rollpin::health::lua::runtime::{Bounds, Runtime};
use rollpin::health::object::Object;
use rollpin::health::{Assessor, Decider, HealthStatus, RuleSet, Timestamp};
use serde_json::Value;

mod common;
use common::{FIXTURE_NOW, read_yaml, run_suites};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/health-lua")
}

fn library() -> PathBuf {
    root().join("resource_customizations")
}

/// The assessor for a suite: the library, plus the suite's `argocd-cm.yaml` if it has one.
fn assessor(suite_dir: &Path) -> Assessor {
    let cm = suite_dir.join("argocd-cm.yaml");
    let cm = cm.is_file().then_some(cm);
    let scripts = LuaScripts::load(cm.as_ref(), Some(&library()))
        .unwrap_or_else(|e| panic!("{}: {e}", suite_dir.display()));
    let now: Timestamp = FIXTURE_NOW.parse().unwrap_or(Timestamp::UNIX_EPOCH);
    Assessor::new(RuleSet::default(), now).with_lua(Runtime::new(
        scripts,
        Bounds::DEFAULT,
        now.as_second(),
    ))
}

fn expected(h: &Value) -> Result<Option<HealthStatus>, String> {
    Ok(match h {
        Value::Null => None,
        h => Some(HealthStatus {
            status: h["status"]
                .as_str()
                .ok_or("healthStatus without status")?
                .parse()
                .map_err(|e| format!("{e}"))?,
            message: h["message"].as_str().unwrap_or("").to_string(),
        }),
    })
}

fn describe(by: Option<&Decider>) -> String {
    match by {
        None => "nothing".into(),
        Some(Decider::Lua(origin)) => origin.clone(),
        Some(Decider::Generic) => "generic".into(),
        Some(Decider::PendingDeletion) => "deletion".into(),
        Some(other) => format!("{other:?}"),
    }
}

/// One case: `Err` describes a mismatch.
fn run_case(a: &Assessor, dir: &Path, case: &Value) -> Result<(), String> {
    let input = case["inputPath"].as_str().ok_or("case without inputPath")?;
    let docs = read_yaml(&dir.join(input));
    let [obj] = docs.as_slice() else {
        return Err(format!("{input}: expected one document"));
    };
    let got = a.assess_object(&Object::new(obj));
    let (health, by) = match &got {
        Some((h, by)) => (Some(h.clone()), Some(by)),
        None => (None, None),
    };
    let want = match case.get("rollpin") {
        Some(r) if case.get("divergence").and_then(Value::as_str).is_some() => r,
        Some(_) => return Err(format!("{input}: `rollpin` needs a `divergence` note")),
        None => &case["healthStatus"],
    };
    let want = expected(want)?;
    if health != want {
        return Err(format!("{input}:\n    want {want:?}\n    got  {health:?}"));
    }
    if let Some(origin) = case.get("assessedBy").and_then(Value::as_str) {
        let by = describe(by);
        if !by.ends_with(origin) {
            return Err(format!("{input}: assessed by {by}, want …{origin}"));
        }
    }
    Ok(())
}

#[test]
fn fixtures_cover_every_environment_rule() {
    let mut rules = BTreeSet::new();
    // One assessor per suite: its cases also check that every run starts fresh.
    let mut current: Option<(PathBuf, Assessor)> = None;
    let (_, total, failures) = run_suites(&root(), |dir, case| {
        let rule = case["rule"].as_str().unwrap_or_default();
        rules.insert(rule.to_string());
        if rule.is_empty() {
            return Err("a case without `rule`".into());
        }
        if current.as_ref().is_none_or(|(d, _)| d != dir) {
            current = Some((dir.to_path_buf(), assessor(dir)));
        }
        let a = &current.as_ref().expect("just set").1;
        run_case(a, dir, case)
    });
    println!(
        "health-lua fixtures: {}/{total} pass, {} environment rules covered",
        total - failures.len(),
        rules.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(rules.len() >= 30, "only {} rules covered", rules.len());
}

#[test]
fn a_tight_time_bound_stops_an_infinite_loop() {
    let scripts = LuaScripts::load(None, Some(&library())).unwrap_or_default();
    let bounds = Bounds {
        time: std::time::Duration::from_millis(20),
        ..Bounds::DEFAULT
    };
    let runtime = Runtime::new(scripts, bounds, 0);
    let obj = serde_json::json!({"apiVersion": "errors.example.com/v1", "kind": "Outcome",
        "spec": {"mode": "loop"}});
    let got = runtime.assess("errors.example.com", "Outcome", &obj);
    let health = got.and_then(|(h, _)| h);
    assert_eq!(
        health.map(|h| (
            h.status.to_string(),
            h.message.contains("context deadline exceeded")
        )),
        Some(("Unknown".to_string(), true))
    );
    // The state is still usable after the bound hit.
    let ok = serde_json::json!({"apiVersion": "errors.example.com/v1", "kind": "Outcome",
        "spec": {"mode": "missing"}});
    let health = runtime
        .assess("errors.example.com", "Outcome", &ok)
        .and_then(|(h, _)| h);
    assert_eq!(
        health,
        Some(HealthStatus::new(
            "Missing"
                .parse()
                .unwrap_or(rollpin::health::HealthStatusCode::Unknown),
            "gone"
        ))
    );
}

// ---------------------------------------------------------------------------------------
// The CLI.

fn health(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .arg("health")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"))
}

const CM: &str = "fixtures/health-lua/argocd-cm/argocd-cm.yaml";
const LIB: &str = "fixtures/health-lua/resource_customizations";

#[test]
fn cli_runs_argocd_cm_and_library_and_names_the_script() {
    let objects = "apiVersion: both.example.com/v1\nkind: Both\nmetadata: {name: b}\n---\napiVersion: env.example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {replicas: 1}\n";
    let out = health(
        &["--argocd-cm", CM, "--lua-dir", LIB, "-o", "json"],
        objects,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let rows = report["resources"].as_array().cloned().unwrap_or_default();
    let by: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["assessedBy"].as_str())
        .collect();
    assert_eq!(
        by,
        [
            format!("lua {CM}: data.resource.customizations.health.both.example.com_Both"),
            format!("lua {LIB}/env.example.com/Widget/health.lua"),
        ]
    );
}

#[test]
fn cli_errors_name_the_file() {
    let out = health(&["--lua-dir", "fixtures/health-lua/argocd-cm/testdata"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "--lua-dir fixtures/health-lua/argocd-cm/testdata: no <group>/<Kind>/health.lua found"
        ),
        "{err}"
    );
    let out = health(
        &[
            "--argocd-cm",
            "fixtures/health-lua/argocd-cm/testdata/clock.yaml",
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("clock.yaml: expected the argocd-cm ConfigMap"),
        "{err}"
    );
    let out = health(&["--argocd-cm", "fixtures/health-lua/missing.yaml"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read fixtures/health-lua/missing.yaml"),
        "{err}"
    );
}

#[test]
fn cli_infinite_loop_ends_unknown_and_trips_the_gate() {
    let obj = "apiVersion: errors.example.com/v1\nkind: Outcome\nmetadata: {name: spin}\nspec: {mode: loop}\n";
    let out = health(&["--lua-dir", LIB, "--fail-on", "degraded"], obj);
    assert_eq!(out.status.code(), Some(3));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("Unknown"), "{table}");
    assert!(
        table.contains(
            "context deadline exceeded (rollpin: the health script ran past Argo CD's 1s limit)"
        ),
        "{table}"
    );
}
