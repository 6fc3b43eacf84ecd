//! RollbackPolicy analysis against a real Prometheus (Debian's `prometheus` and
//! `promtool`): each test starts its own server on a free 127.0.0.1 port with a temporary
//! TSDB, loaded before start with deterministic series (`promtool tsdb
//! create-blocks-from openmetrics`), and evaluates policies at fixed `time=` instants —
//! verdicts and every measurement value asserted. One test scrapes a tiny exporter served
//! by the test itself. Without the binaries the tests print `skipped: prometheus not
//! installed` (to the terminal, past the test harness' capture) and pass.
//!
//! The series, every 15s from T0−5m to T0+15m (T0 = 2026-01-01T00:00:00Z), per release:
//! `app_requests_total{code="ok"|"error"}` with 100 requests/s in all, of which 1/s errors
//! (ratio 0.01) or 20/s (ratio 0.2) — `good` always 0.01, `jump` 0.2 after T0+3m, `flap`
//! 0.2 in odd minutes — and a gauge `app_latency_p99_seconds` (0.25). Windows of `[1m]`
//! are aligned to the samples, so `rate` needs no extrapolation and the ratios are exact.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use rollpin::health::Timestamp;
use rollpin::slo::check::evaluate;
use rollpin::slo::prometheus::Prometheus;
use serde_json::Value;

mod prometheus_env;
use prometheus_env::{Exporter, Server, at, policy_file, tools};

/// Error ratio of a release over the last minute.
fn ratio(release: &str) -> String {
    format!(
        "sum(rate(app_requests_total{{release=\"{release}\",code=\"error\"}}[1m])) / \
         sum(rate(app_requests_total{{release=\"{release}\"}}[1m]))"
    )
}

/// A policy with one metric (YAML).
fn policy(name: &str, metric: &str) -> String {
    format!(
        "apiVersion: rollpin.dev/v1alpha1\nkind: RollbackPolicy\nmetadata:\n  name: {name}\n  namespace: shop\n\
         spec:\n  app: shop\n  bakeTime: 10m\n  metrics:\n{metric}"
    )
}

fn error_ratio(release: &str, extra: &str) -> String {
    format!(
        "  - name: error-ratio\n    interval: 1m\n    successCondition: result[0] < 0.05\n{extra}\
         \x20   provider:\n      prometheus:\n        address: http://prometheus.invalid:9090\n\
         \x20       query: '{}'\n",
        ratio(release)
    )
}

/// Each metric's measurement values and phases, and the verdict.
fn summary(report: &Value) -> (String, Vec<(String, Vec<String>)>) {
    let metrics = report["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let values = m["measurements"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| {
                    format!(
                        "{} {} {}",
                        x["at"].as_str().unwrap_or(""),
                        x["phase"].as_str().unwrap_or(""),
                        x["value"].as_str().unwrap_or("-")
                    )
                })
                .collect();
            (m["name"].as_str().unwrap_or("").to_string(), values)
        })
        .collect();
    (
        report["verdict"].as_str().unwrap_or("").to_string(),
        metrics,
    )
}

/// `n` measurements from T0, one a minute, all with `phase value`.
fn minutes(from: i64, to: i64, phase_value: &str) -> Vec<String> {
    (from..=to)
        .map(|k| format!("{} {phase_value}", at(k * 60)))
        .collect()
}

#[test]
fn scenarios_at_fixed_instants() {
    let Some(tools) = tools() else { return };
    let server = Server::start(&tools, Some(&prometheus_env::dataset()), None);
    let provider = Prometheus::unrestricted(Some(server.address()));
    let p99 = "  - name: latency-p99\n    interval: 2m\n    initialDelay: 1m\n    count: 4\n\
               \x20   successCondition: result[0] < 0.5\n    provider:\n      prometheus:\n\
               \x20       address: http://prometheus.invalid:9090\n\
               \x20       query: app_latency_p99_seconds{release=\"good\"}\n";
    let good_both = format!("{}{p99}", error_ratio("good", ""));
    let with_limit = |l: i32| format!("    count: 6\n    failureLimit: {l}\n");
    let inconclusive = "    failureCondition: result[0] > 0.5\n";
    let broken = "  - name: error-ratio\n    interval: 1m\n    successCondition: result[0] < 0.05\n\
                  \x20   provider:\n      prometheus:\n        address: http://x:1\n\
                  \x20       query: sum(rate(app_requests_total[1m])\n";
    let shapes = "  - name: scalar\n    successCondition: result == 100.0\n    provider:\n\
                  \x20     prometheus:\n        address: http://x:1\n\
                  \x20       query: scalar(sum(rate(app_requests_total{release=\"good\"}[1m])))\n\
                  \x20 - name: matrix\n    successCondition: size(result) == 5 && result.all(x, x < 0.5)\n\
                  \x20   provider:\n      prometheus:\n        address: http://x:1\n\
                  \x20       query: app_latency_p99_seconds{release=\"good\"}[1m]\n";
    let empty = error_ratio("none", "");
    let guarded = error_ratio("none", "").replace(
        "result[0] < 0.05",
        "'size(result) == 0 || result[0] < 0.05'",
    );
    let no_data = |k: i64| format!("{} Error []", at(k * 60));
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, String, &str, Vec<Vec<String>>, Option<&str>)> = vec![
        (
            "good release: error ratio and p99 pass",
            good_both,
            "Successful",
            vec![
                minutes(0, 10, "Successful [0.01]"),
                [1, 3, 5, 7]
                    .iter()
                    .map(|k| format!("{} Successful [0.25]", at(k * 60)))
                    .collect(),
            ],
            None,
        ),
        (
            "error ratio jumps after 3 minutes",
            error_ratio("jump", ""),
            "Failed",
            vec![
                [
                    minutes(0, 3, "Successful [0.01]"),
                    minutes(4, 4, "Failed [0.2]"),
                ]
                .concat(),
            ],
            Some("Metric \"error-ratio\" assessed Failed due to failed (1) > failureLimit (0)"),
        ),
        (
            "jump between the two conditions",
            error_ratio("jump", inconclusive),
            "Inconclusive",
            vec![
                [
                    minutes(0, 3, "Successful [0.01]"),
                    minutes(4, 4, "Inconclusive [0.2]"),
                ]
                .concat(),
            ],
            Some(
                "Metric \"error-ratio\" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)",
            ),
        ),
        (
            "flapping, three failures tolerated",
            error_ratio("flap", &with_limit(3)),
            "Successful",
            vec![flapping(5)],
            None,
        ),
        (
            "flapping, two failures tolerated",
            error_ratio("flap", &with_limit(2)),
            "Failed",
            vec![flapping(5)],
            Some("Metric \"error-ratio\" assessed Failed due to failed (3) > failureLimit (2)"),
        ),
        (
            "a query that returns nothing",
            empty,
            "Error",
            vec![(0..5).map(no_data).collect()],
            Some(
                "Metric \"error-ratio\" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4)",
            ),
        ),
        (
            "a query that returns nothing, guarded",
            guarded,
            "Successful",
            vec![minutes(0, 10, "Successful []")],
            None,
        ),
        (
            "bad PromQL",
            broken.to_string(),
            "Error",
            vec![(0..5).map(|k| format!("{} Error -", at(k * 60))).collect()],
            Some(
                "Metric \"error-ratio\" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4)",
            ),
        ),
        (
            "scalar and matrix results",
            shapes.to_string(),
            "Successful",
            vec![
                vec![format!("{} Successful 100", at(0))],
                vec![format!("{} Successful [0.25,0.25,0.25,0.25,0.25]", at(0))],
            ],
            None,
        ),
    ];
    let mut table = String::from("scenario | verdict | measurements\n");
    for (what, metrics, verdict, expected, message) in &cases {
        let path = policy_file(&server, "policy.yaml", &policy("guard", metrics));
        let p = rollpin::slo::check::read_policy(&path).unwrap_or_else(|e| panic!("{what}: {e}"));
        let report = evaluate(&p, &provider, at(600)).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        let (got_verdict, got) = summary(&report);
        assert_eq!(got_verdict, *verdict, "{what}: {report:#}");
        let got_values: Vec<&Vec<String>> = got.iter().map(|(_, v)| v).collect();
        let expected_refs: Vec<&Vec<String>> = expected.iter().collect();
        assert_eq!(got_values, expected_refs, "{what}");
        assert_eq!(report["message"].as_str(), *message, "{what}");
        let n: usize = got.iter().map(|(_, v)| v.len()).sum();
        table.push_str(&format!("{what} | {got_verdict} | {n}\n"));
    }
    // The query errors carry Prometheus' message.
    let path = policy_file(&server, "broken.yaml", &policy("guard", broken));
    let p = rollpin::slo::check::read_policy(&path).unwrap_or_else(|e| panic!("{e}"));
    let report = evaluate(&p, &provider, at(600)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        report["metrics"][0]["measurements"][0]["message"],
        "Prometheus query failed (bad_data): invalid parameter \"query\": 1:33: parse error: \
         unclosed left parenthesis"
    );
    let path = policy_file(
        &server,
        "empty.yaml",
        &policy("guard", &error_ratio("none", "")),
    );
    let p = rollpin::slo::check::read_policy(&path).unwrap_or_else(|e| panic!("{e}"));
    let report = evaluate(&p, &provider, at(600)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        report["metrics"][0]["measurements"][0]["message"],
        "could not evaluate successCondition \"result[0] < 0.05\": metric result is nil or empty: \
         no data returned from the metric provider"
    );
    let _ = writeln!(std::io::stderr(), "{table}");
}

/// The flapping release's first `last + 1` minutes: odd minutes fail.
fn flapping(last: i64) -> Vec<String> {
    (0..=last)
        .map(|k| {
            let pv = if k % 2 == 1 {
                "Failed [0.2]"
            } else {
                "Successful [0.01]"
            };
            format!("{} {pv}", at(k * 60))
        })
        .collect()
}

/// `rollpin slo check` over the same data: output and exit codes.
#[test]
fn slo_check_command_exit_codes() {
    let Some(tools) = tools() else { return };
    let server = Server::start(&tools, Some(&prometheus_env::dataset()), None);
    let cases: [(&str, String, i32); 4] = [
        ("good", error_ratio("good", ""), 0),
        ("jump", error_ratio("jump", ""), 3),
        (
            "inconclusive",
            error_ratio("jump", "    failureCondition: result[0] > 0.5\n"),
            4,
        ),
        ("empty", error_ratio("none", ""), 1),
    ];
    for (name, metric, code) in &cases {
        let path = policy_file(&server, &format!("{name}.yaml"), &policy(name, metric));
        let out = run_check(&path, &server.address(), &["--at", &at(600).to_string()]);
        assert_eq!(out.0, Some(*code), "{name}: {}{}", out.1, out.2);
        assert!(out.1.contains(&format!("{} ", at(0))), "{name}: {}", out.1);
    }
    let path = policy_file(
        &server,
        "jump.yaml",
        &policy("jump", &error_ratio("jump", "")),
    );
    let out = run_check(
        &path,
        &server.address(),
        &["--at", &at(600).to_string(), "-o", "json"],
    );
    let report: Value = serde_json::from_str(&out.1).unwrap_or_else(|e| panic!("{e}: {}", out.1));
    assert_eq!(report["verdict"], "Failed");
    assert_eq!(report["window"]["start"], at(0).to_string());
    assert_eq!(report["metrics"][0]["measurements"][4]["value"], "[0.2]");
    let text = run_check(&path, &server.address(), &["--at", &at(600).to_string()]).1;
    assert!(text.ends_with(
        "verdict: Failed: Metric \"error-ratio\" assessed Failed due to failed (1) > failureLimit (0)\n"
    ), "{text}");
}

fn run_check(path: &Path, address: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .args(["slo", "check"])
        .arg(path)
        .args(["--prometheus", address])
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("running rollpin: {e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A Prometheus scraping an exporter served by this test: the verdict follows the live
/// value. Waits by polling Prometheus until the value it should see is there.
#[test]
fn live_scrape_of_a_test_exporter() {
    let Some(tools) = tools() else { return };
    let exporter = Exporter::start(0.01);
    let server = Server::start(&tools, None, Some(&exporter.target()));
    let provider = Prometheus::unrestricted(Some(server.address()));
    let metric = "  - name: live\n    successCondition: result[0] < 0.05\n    provider:\n\
                  \x20     prometheus:\n        address: http://prometheus.invalid:9090\n\
                  \x20       query: live_error_ratio\n";
    let yaml = policy("live", metric).replace("bakeTime: 10m", "bakeTime: 0s");
    let path = policy_file(&server, "live.yaml", &yaml);
    let p = rollpin::slo::check::read_policy(&path).unwrap_or_else(|e| panic!("{e}"));
    for (value, verdict, shown) in [(0.01, "Successful", "[0.01]"), (0.3, "Failed", "[0.3]")] {
        exporter.set(value);
        server.wait_for_value("live_error_ratio", shown);
        let now = Timestamp::now();
        let report = evaluate(&p, &provider, now).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(report["verdict"], verdict, "{report:#}");
        assert_eq!(report["metrics"][0]["measurements"][0]["value"], shown);
    }
}

/// Usage errors: exit 1, a message on stderr, nothing on stdout (no Prometheus needed).
#[test]
fn slo_check_usage_errors() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = dir.path().join("missing.yaml");
    let out = run_check(&missing, "http://127.0.0.1:1", &[]);
    assert_eq!((out.0, out.1.as_str()), (Some(1), ""));
    assert!(out.2.starts_with("Error: reading "), "{}", out.2);
    let invalid = dir.path().join("invalid.yaml");
    let _ = std::fs::write(
        &invalid,
        policy("p", &error_ratio("good", "")).replace("bakeTime: 10m", "bakeTime: soon"),
    );
    let out = run_check(&invalid, "http://127.0.0.1:1", &[]);
    assert_eq!((out.0, out.1.as_str()), (Some(1), ""));
    assert!(
        out.2
            .contains("invalid policy: spec.bakeTime: invalid duration \"soon\""),
        "{}",
        out.2
    );
    let out = run_check(&invalid, "http://127.0.0.1:1", &["--at", "yesterday"]);
    assert_eq!(out.0, Some(2), "clap's usage error: {}", out.2);
    let not_policy = dir.path().join("cm.yaml");
    let _ = std::fs::write(&not_policy, "apiVersion: v1\nkind: ConfigMap\n");
    let out = run_check(&not_policy, "http://127.0.0.1:1", &[]);
    assert!(
        out.2.contains("no document of kind RollbackPolicy"),
        "{}",
        out.2
    );
    // https is refused before any request: every measurement is an Error.
    let ok = dir.path().join("ok.yaml");
    let _ = std::fs::write(&ok, policy("p", &error_ratio("good", "")));
    let out = run_check(
        &ok,
        "https://prometheus:9090",
        &["--at", &at(600).to_string()],
    );
    assert_eq!(out.0, Some(1), "{}", out.1);
    assert!(out.1.contains("https is not supported"), "{}", out.1);
}

/// The README's example policy reads and validates (no Prometheus needed).
#[test]
fn readme_example_policy_is_valid() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .unwrap_or_else(|e| panic!("README.md: {e}"));
    let section = readme
        .split("## Automatic rollback on SLOs")
        .nth(1)
        .unwrap_or_else(|| panic!("no SLO section"));
    let yaml = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap_or_else(|| panic!("no yaml block"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("policy.yaml");
    std::fs::write(&path, yaml).unwrap_or_else(|e| panic!("{e}"));
    let p = rollpin::slo::check::read_policy(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.spec.metrics.len(), 2);
    let valid = rollpin::slo::validate::validate(&p.spec, None);
    assert!(valid.is_ok(), "{valid:?}");
}
