//! Helpers shared by the health test binaries: where the health fixtures live, how they
//! are found and read.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The time fixtures are assessed at unless a case says otherwise.
pub const FIXTURE_NOW: &str = "2026-11-20T12:00:00Z";

/// `fixtures/health`.
#[allow(dead_code)]
pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/health")
}

/// Every document of a YAML file.
pub fn read_yaml(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    rollpin::yaml::parse_stream(&text, rollpin::yaml::Schema::Kyaml)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .map(|d| d.value)
        .collect()
}

/// Every `health_test.yaml` below `dir`, sorted.
pub fn test_files(dir: &Path, out: &mut Vec<PathBuf>) {
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

/// Runs `check(suite_dir, case)` for every case of every `health_test.yaml` below `root`, in
/// path order (one suite's cases in a row). Returns the number of suites and of cases, and
/// the failures, each prefixed with its suite's directory relative to `root`.
#[allow(dead_code)]
pub fn run_suites(
    root: &Path,
    mut check: impl FnMut(&Path, &Value) -> Result<(), String>,
) -> (usize, usize, Vec<String>) {
    let mut files = Vec::new();
    test_files(root, &mut files);
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
            if let Err(e) = check(dir, case) {
                let rel = dir.strip_prefix(root).unwrap_or(dir);
                failures.push(format!("{}/{e}", rel.display()));
            }
        }
    }
    (files.len(), total, failures)
}
