//! Health assessment throughput: objects assessed per second on a stream of 100,000
//! objects, YAML parsing measured separately.
//!
//! The objects are the well-formed fixtures under `fixtures/health/` (objects as `kubectl
//! get -o yaml` prints them, full status), cycled with unique names. Two streams: the
//! built-in kinds only (Argo CD's Go checks and Lua kinds), and a mix that adds custom
//! resources (generic conditions, the built-in declarative rules, rollpin's own kinds).
//! Assessment runs on one thread; each figure is the best of five runs.
//!
//! With the `lua` feature (default), also custom resources assessed by Argo CD Lua in the
//! embedded Lua 5.1 (`rollpin health --argocd-cm/--lua-dir`), next to the Rust rules that
//! give the same results: cert-manager and external-secrets objects through the Lua `rollpin
//! argocd-cm --group …` generates vs rollpin's built-in rules, and a conditions-reading
//! library script (`fixtures/health-lua/`) vs the generic conditions.
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

/// `HEALTH_BENCH_PER_KIND=1`: the cost of each template, to find slow rules.
fn per_template(all: &[Value], assessor: &Assessor) {
    let only = std::env::var("HEALTH_BENCH_KIND").ok();
    let mut rows: Vec<(f64, String)> = all
        .iter()
        .filter(|v| only.as_deref().is_none_or(|k| v["kind"] == k))
        .map(|v| {
            let (d, _) = best(3, || {
                (0..20000).filter(|_| assessor.assess(v).is_some()).count()
            });
            let name = format!(
                "{}/{}",
                v["kind"].as_str().unwrap_or(""),
                v["metadata"]["name"].as_str().unwrap_or("")
            );
            (d.as_secs_f64() * 1e9 / 20000.0, name)
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ns, name) in &rows {
        println!("{ns:>10.0} ns  {name}");
    }
    let mean = rows.iter().map(|r| r.0).sum::<f64>() / rows.len().max(1) as f64;
    println!(
        "mean over {} templates, each assessed repeatedly (cache-hot): {mean:.0} ns",
        rows.len()
    );
}

fn main() {
    let all = templates();
    let builtin: Vec<&Value> = all.iter().filter(|v| is_builtin_kind(v)).collect();
    let mixed: Vec<&Value> = all.iter().collect();
    let now: Timestamp = "2026-11-20T12:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let assessor = Assessor::new(RuleSet::default(), now);
    if std::env::var_os("HEALTH_BENCH_PER_KIND").is_some() {
        per_template(&all, &assessor);
        return;
    }
    println!(
        "templates: {} built-in kinds, {} in all; {OBJECTS} objects per stream; best of {RUNS}",
        builtin.len(),
        all.len()
    );
    println!(
        "{:<52} {:>11} {:>11} {:>10}",
        "stream", "time", "objects/s", "µs/object"
    );
    for (name, templates) in [
        ("built-in kinds", &builtin),
        ("mixed (custom resources too)", &mixed),
    ] {
        let objects = stream(templates, OBJECTS);
        let mut text = String::new();
        write_stream(objects.iter(), &mut text);
        drop(objects);

        // 1. Parsing, for reference.
        let (d, n) = best(RUNS, || {
            parse_stream(&text, Schema::Kyaml).map_or(0, |d| d.len())
        });
        let mb = text.len() as f64 / 1e6;
        row(
            &format!("{name}: parse YAML"),
            d,
            n,
            &format!("{mb:.1} MB, {:.0} MB/s", mb / d.as_secs_f64()),
        );

        // 2. Assessing the parsed stream, all of it held in memory (as `rollpin health`
        //    does): every object is cold in the cache by the time it is assessed.
        let docs: Vec<Value> = parse_stream(&text, Schema::Kyaml)
            .map(|d| d.into_iter().map(|d| d.value).collect())
            .unwrap_or_default();
        let (d, with_health) = best(RUNS, || {
            docs.iter().filter(|o| assessor.assess(o).is_some()).count()
        });
        row(
            &format!("{name}: assess (100k parsed, cold)"),
            d,
            docs.len(),
            &format!("{with_health} with a health"),
        );

        // 3. Assessing each batch of 32 objects right after parsing it (a streaming reader):
        //    only the assessment is timed.
        let batches: Vec<String> = docs
            .chunks(32)
            .map(|c| {
                let mut t = String::new();
                write_stream(c.iter(), &mut t);
                t
            })
            .collect();
        let mut spent_best = Duration::MAX;
        for _ in 0..3 {
            let mut spent = Duration::ZERO;
            for b in &batches {
                let parsed = parse_stream(b, Schema::Kyaml).unwrap_or_default();
                let t = Instant::now();
                let n = parsed
                    .iter()
                    .filter(|o| assessor.assess(&o.value).is_some())
                    .count();
                spent += t.elapsed();
                std::hint::black_box(n);
            }
            spent_best = spent_best.min(spent);
        }
        let spent = spent_best;
        row(
            &format!("{name}: assess (each batch of 32 just parsed)"),
            spent,
            docs.len(),
            "",
        );

        // 4. The whole report: assessment, hooks and roll-up.
        let inputs: Vec<rollpin::health::input::InputObject> = docs
            .into_iter()
            .map(|value| rollpin::health::input::InputObject {
                value,
                origin: rollpin::health::input::Origin {
                    file: "-".into(),
                    line: 1,
                    item: String::new(),
                },
            })
            .collect();
        let (d, _) = best(RUNS, || report::assess_all(&assessor, &inputs).rows.len());
        row(
            &format!("{name}: report (assess + roll-up, cold)"),
            d,
            inputs.len(),
            "",
        );
    }
    #[cfg(feature = "lua")]
    lua_rows(&all, now);
}

/// Lua-assessed custom resources next to the Rust rules that give the same results.
#[cfg(feature = "lua")]
fn lua_rows(all: &[Value], now: Timestamp) {
    use rollpin::argocd::cm::{CmConfig, run};
    use rollpin::health::lua::LuaScripts;
    use rollpin::health::lua::runtime::{Bounds, Runtime};
    const LUA_OBJECTS: usize = 20_000;
    let groups = ["cert-manager.io", "external-secrets.io"];
    let in_groups = |v: &&Value| {
        let api = v["apiVersion"].as_str().unwrap_or("");
        groups.iter().any(|g| api.starts_with(&format!("{g}/")))
    };
    let config = CmConfig {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..CmConfig::default()
    };
    let Ok(cm) = run(&config) else {
        println!("argocd-cm generation failed; no Lua rows");
        return;
    };
    let cm_path =
        std::env::temp_dir().join(format!("rollpin-bench-cm-{}.yaml", std::process::id()));
    if std::fs::write(&cm_path, cm).is_err() {
        return;
    }
    let library =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/health-lua/resource_customizations");
    let widgets: Vec<Value> = ["ready.yaml", "null-items.yaml"]
        .iter()
        .filter_map(|f| {
            let text =
                std::fs::read_to_string(library.join("env.example.com/Widget/testdata").join(f))
                    .ok()?;
            parse_stream(&text, Schema::Kyaml)
                .ok()?
                .into_iter()
                .next()
                .map(|d| d.value)
        })
        .collect();
    let rust = Assessor::new(RuleSet::default(), now);
    let lua_assessor = |cm: Option<&PathBuf>, dir: Option<&PathBuf>| {
        let scripts = LuaScripts::load(cm, dir).unwrap_or_default();
        Assessor::new(RuleSet::default(), now).with_lua(Runtime::new(
            scripts,
            Bounds::DEFAULT,
            now.as_second(),
        ))
    };
    let by_cm = lua_assessor(Some(&cm_path), None);
    let by_library = lua_assessor(None, Some(&library));
    let _ = std::fs::remove_file(&cm_path);
    let cert_templates: Vec<&Value> = all.iter().filter(in_groups).collect();
    let widget_templates: Vec<&Value> = widgets.iter().collect();
    println!();
    println!(
        "Lua (embedded Lua 5.1, one state per library set, scripts compiled once), {LUA_OBJECTS} objects"
    );
    for (name, templates, lua, rust_name) in [
        (
            "cert-manager + external-secrets",
            &cert_templates,
            &by_cm,
            "built-in rules (Rust)",
        ),
        (
            "conditions CR (Widget)",
            &widget_templates,
            &by_library,
            "generic conditions (Rust)",
        ),
    ] {
        let docs = stream(templates, LUA_OBJECTS);
        let count = |a: &Assessor| docs.iter().filter(|o| a.assess(o).is_some()).count();
        let (d, n) = best(RUNS, || count(&rust));
        row(
            &format!("{name}: {rust_name}"),
            d,
            docs.len(),
            &format!("{n} with a health"),
        );
        let (d, n) = best(RUNS, || count(lua));
        let source = if std::ptr::eq(lua, &by_cm) {
            "argocd-cm Lua"
        } else {
            "library Lua"
        };
        row(
            &format!("{name}: {source}"),
            d,
            docs.len(),
            &format!("{n} with a health"),
        );
    }
}

fn row(what: &str, d: Duration, n: usize, note: &str) {
    println!(
        "{what:<52} {:>9.1}ms {:>11} {:>10.3}   {note}",
        d.as_secs_f64() * 1e3,
        per_second(n, d),
        d.as_secs_f64() * 1e6 / n.max(1) as f64
    );
}
