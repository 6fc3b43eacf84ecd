//! Health assessment throughput: objects assessed per second on a stream of 100,000
//! objects, YAML parsing measured separately.
//!
//! The objects are the well-formed fixtures under `fixtures/health/` (objects as `kubectl
//! get -o yaml` prints them, full status), cycled with unique names. Two streams: the
//! built-in kinds only (Argo CD's Go checks and Lua kinds), and a mix that adds custom
//! resources (generic conditions, the built-in declarative rules, rollpin's own kinds).
//! Assessment runs on one thread; each figure is the best of five runs.
//!
//! Run: `cargo bench --bench health` (prints a table; not a test, never fails on speed).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rollpin::health::{Assessor, RuleSet, Timestamp, report};
use rollpin::yaml::{Schema, parse_stream, write_stream};
use serde_json::Value;

const OBJECTS: usize = 100_000;
const RUNS: usize = 5;

/// Groups whose kinds rollpin assesses with a kind-specific Rust rule.
fn is_builtin_kind(v: &Value) -> bool {
    let api = v["apiVersion"].as_str().unwrap_or("");
    let group = api.split_once('/').map_or("", |(g, _)| g);
    matches!(
        group,
        "" | "apps"
            | "batch"
            | "autoscaling"
            | "policy"
            | "networking.k8s.io"
            | "apiextensions.k8s.io"
            | "apiregistration.k8s.io"
    ) || (group == "argoproj.io" && v["kind"] == "Workflow")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.parent().is_some_and(|d| d.ends_with("testdata")) {
            out.push(p);
        }
    }
}

/// Fixture objects that are neither malformed nor of unsupported versions.
fn templates() -> Vec<Value> {
    let mut files = Vec::new();
    yaml_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/health"),
        &mut files,
    );
    files
        .iter()
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !(name.starts_with("malformed") || name.starts_with("unsupported"))
        })
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| parse_stream(&t, Schema::Kyaml).ok())
        .flat_map(|docs| docs.into_iter().map(|d| d.value))
        .collect()
}

/// `n` objects cycling through `templates`, each with a unique name.
fn stream(templates: &[&Value], n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let mut v = templates[i % templates.len()].clone();
            if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert("name".into(), Value::String(format!("obj-{i:06}")));
            }
            v
        })
        .collect()
}

fn best(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut result = 0;
    for _ in 0..runs {
        let t = Instant::now();
        result = std::hint::black_box(f());
        best = best.min(t.elapsed());
    }
    (best, result)
}

fn per_second(n: usize, d: Duration) -> String {
    let rate = n as f64 / d.as_secs_f64();
    if rate >= 1e6 {
        format!("{:.2} M/s", rate / 1e6)
    } else {
        format!("{:.0} k/s", rate / 1e3)
    }
}

fn main() {
    let all = templates();
    let builtin: Vec<&Value> = all.iter().filter(|v| is_builtin_kind(v)).collect();
    let mixed: Vec<&Value> = all.iter().collect();
    let now: Timestamp = "2026-11-20T12:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let assessor = Assessor::new(RuleSet::default(), now);
    println!(
        "templates: {} built-in kinds, {} in all; {OBJECTS} objects per stream; best of {RUNS}",
        builtin.len(),
        all.len()
    );
    println!(
        "{:<44} {:>12} {:>14} {:>12}",
        "stream", "time", "objects/s", "µs/object"
    );
    for (name, templates) in [
        ("built-in kinds", &builtin),
        ("mixed (custom resources too)", &mixed),
    ] {
        let objects = stream(templates, OBJECTS);

        let mut text = String::new();
        write_stream(objects.iter(), &mut text);
        let (d, n) = best(RUNS, || {
            parse_stream(&text, Schema::Kyaml).map_or(0, |d| d.len())
        });
        let mb = text.len() as f64 / 1e6;
        println!(
            "{:<44} {:>10.1}ms {:>14} {:>12.3}   ({mb:.1} MB, {:.0} MB/s)",
            format!("{name}: parse YAML"),
            d.as_secs_f64() * 1e3,
            per_second(n, d),
            d.as_secs_f64() * 1e6 / n as f64,
            mb / d.as_secs_f64()
        );

        let (d, n) = best(RUNS, || {
            objects
                .iter()
                .filter(|o| assessor.assess(o).is_some())
                .count()
        });
        println!(
            "{:<44} {:>10.1}ms {:>14} {:>12.3}   ({n} with a health)",
            format!("{name}: assess"),
            d.as_secs_f64() * 1e3,
            per_second(OBJECTS, d),
            d.as_secs_f64() * 1e6 / OBJECTS as f64
        );

        let inputs: Vec<rollpin::health::input::InputObject> = objects
            .iter()
            .map(|v| rollpin::health::input::InputObject {
                value: v.clone(),
                origin: rollpin::health::input::Origin {
                    file: "-".into(),
                    line: 1,
                    item: String::new(),
                },
            })
            .collect();
        let (d, _) = best(RUNS, || report::assess_all(&assessor, &inputs).rows.len());
        println!(
            "{:<44} {:>10.1}ms {:>14} {:>12.3}",
            format!("{name}: assess + roll-up (report rows)"),
            d.as_secs_f64() * 1e3,
            per_second(OBJECTS, d),
            d.as_secs_f64() * 1e6 / OBJECTS as f64
        );
    }
}
