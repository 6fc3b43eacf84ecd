//! Real-world conformance: every case of `../shared/corpus/kustomize/cases.tsv` (sha256 of
//! kustomize's output) and of `../shared/corpus/krusty/cases.json` (kustomize's own
//! scenario tests, FIFO order). Prints `corpus: N/M byte-identical`, lists the failures,
//! and fails on a crash or on falling below the recorded floor.

use rollpin::kustomize::fs::{DiskFs, MemFs};
use sha2::{Digest, Sha256};

use crate::util::{render, shared_dir};

/// Byte-identical cases of `cases.tsv` this version reaches; raise it as support grows.
const KUSTOMIZE_CORPUS_FLOOR: usize = 257;
/// Byte-identical cases of `krusty/cases.json` this version reaches.
const KRUSTY_CORPUS_FLOOR: usize = 93;

fn report(name: &str, total: usize, failures: &[String], floor: usize) {
    let ok = total - failures.len();
    println!("corpus {name}: {ok}/{total} byte-identical");
    for f in failures {
        println!("  FAIL {f}");
    }
    assert!(
        !failures.iter().any(|f| f.contains("PANIC")),
        "a corpus case crashed the renderer"
    );
    assert!(
        ok >= floor,
        "corpus {name}: {ok} identical, below the floor of {floor}"
    );
}

#[test]
fn kustomize_corpus() {
    let Some(shared) = shared_dir() else {
        println!("corpus kustomize: ../shared/corpus not present, skipped");
        return;
    };
    let base = shared.join("corpus/kustomize");
    let Ok(tsv) = std::fs::read_to_string(base.join("cases.tsv")) else {
        println!("corpus kustomize: cases.tsv not present, skipped");
        return;
    };
    let mut failures = Vec::new();
    let mut total = 0;
    for line in tsv.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (case, want) = (cols[0], cols.get(1).copied().unwrap_or(""));
        total += 1;
        match render(&DiskFs, &base.join(case), false) {
            Ok((yaml, _)) => {
                let got: String = Sha256::digest(yaml.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                if got != want {
                    failures.push(format!("{case}: output differs"));
                }
            }
            Err(e) => failures.push(format!("{case}: {}", e.lines().next().unwrap_or(""))),
        }
    }
    report("kustomize", total, &failures, KUSTOMIZE_CORPUS_FLOOR);
}

#[test]
fn krusty_corpus() {
    let Some(shared) = shared_dir() else {
        println!("corpus krusty: ../shared/corpus not present, skipped");
        return;
    };
    let Ok(text) = std::fs::read_to_string(shared.join("corpus/krusty/cases.json")) else {
        println!("corpus krusty: cases.json not present, skipped");
        return;
    };
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("cases.json parses");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("?");
        let mut fs = MemFs::new();
        let root = std::path::Path::new("/krusty");
        for (path, body) in case["files"].as_object().into_iter().flatten() {
            fs.write(
                root.join(path.trim_start_matches('/')),
                body.as_str().unwrap_or("").as_bytes().to_vec(),
            );
        }
        let dir = root.join(
            case["build"]
                .as_str()
                .unwrap_or(".")
                .trim_start_matches('/'),
        );
        let expected = case["expected"].as_str();
        match (render(&fs, &dir, true), expected) {
            (Ok((yaml, _)), Some(want)) if yaml == want => {}
            (Ok(_), Some(_)) => failures.push(format!("{name}: output differs")),
            (Ok(_), None) => failures.push(format!("{name}: expected an error, got output")),
            (Err(e), Some(_)) => {
                failures.push(format!("{name}: {}", e.lines().next().unwrap_or("")))
            }
            (Err(_), None) => {}
        }
    }
    report("krusty", cases.len(), &failures, KRUSTY_CORPUS_FLOOR);
}
