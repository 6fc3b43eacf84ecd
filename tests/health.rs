//! `rollpin health`: every case under `fixtures/health/` (objects as `kubectl get -o yaml`
//! shows them, each with the status and message Argo CD — or, for rollpin's own kinds and
//! rules, the README — gives), and the CLI's behaviour (table, JSON, exit codes, errors).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rollpin::health::{Assessor, HealthStatus, RuleSet, Timestamp};
use serde_json::Value;

/// The time fixtures are assessed at unless a case says otherwise.
const FIXTURE_NOW: &str = "2026-11-20T12:00:00Z";

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/health")
}

fn read_yaml(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    rollpin::yaml::parse_stream(&text, rollpin::yaml::Schema::Kyaml)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .map(|d| d.value)
        .collect()
}

fn test_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            test_files(&p, out);
        } else if p.file_name().is_some_and(|n| n == "health_test.yaml") {
            out.push(p);
        }
    }
}

fn timestamp(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("bad time {s}: {e}"))
}

/// One fixture case's outcome: `Err` describes a mismatch.
fn run_case(dir: &Path, case: &Value) -> Result<(), String> {
    let input = case["inputPath"].as_str().ok_or("case without inputPath")?;
    let docs = read_yaml(&dir.join(input));
    let [obj] = docs.as_slice() else {
        return Err(format!(
            "{input}: expected one document, found {}",
            docs.len()
        ));
    };
    let rules = match case.get("rules").and_then(Value::as_str) {
        None => RuleSet::default(),
        Some(rel) => {
            let path = dir.join(rel);
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{rel}: {e}"))?;
            RuleSet::from_yaml(&text, rel).map_err(|e| e.to_string())?
        }
    };
    let now = timestamp(
        case.get("now")
            .and_then(Value::as_str)
            .unwrap_or(FIXTURE_NOW),
    );
    let got = Assessor::new(rules, now).assess(obj);
    let want: Option<HealthStatus> = match &case["healthStatus"] {
        Value::Null => None,
        h => Some(HealthStatus {
            status: h["status"]
                .as_str()
                .ok_or("healthStatus without status")?
                .parse()
                .map_err(|e| format!("{e}"))?,
            message: h["message"].as_str().unwrap_or("").to_string(),
        }),
    };
    if got == want {
        Ok(())
    } else {
        Err(format!("{input}:\n    want {want:?}\n    got  {got:?}"))
    }
}

#[test]
fn fixtures() {
    let mut files = Vec::new();
    test_files(&fixtures_root(), &mut files);
    let (mut total, mut failures) = (0, Vec::new());
    for file in &files {
        let dir = file.parent().unwrap_or(Path::new("."));
        let suite = read_yaml(file);
        let cases = suite
            .first()
            .and_then(|s| s["tests"].as_array())
            .unwrap_or_else(|| panic!("{}: no tests list", file.display()));
        for case in cases {
            total += 1;
            if let Err(e) = run_case(dir, case) {
                let rel = dir.strip_prefix(fixtures_root()).unwrap_or(dir);
                failures.push(format!("{}/{e}", rel.display()));
            }
        }
    }
    println!(
        "health fixtures: {}/{total} pass in {} suites",
        total - failures.len(),
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} fixtures fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total >= 120, "only {total} fixture cases");
}
