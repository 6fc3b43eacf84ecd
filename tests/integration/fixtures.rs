//! Fixture cases: `fixtures/kustomize/<case>/` (an app tree, an optional build dir and
//! args, and kustomize's recorded output) and the bundled example app, compared byte for
//! byte.

use std::path::Path;

use rollpin::kustomize::fs::DiskFs;

use crate::util::{first_difference, manifest_dir, render};

fn run_case(case: &Path) -> Result<(), String> {
    let read = |name: &str| std::fs::read_to_string(case.join(name)).ok();
    let build = read("build")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| ".".into());
    let fifo = read("args").is_some_and(|a| a.contains("--reorder none"));
    let expected = read("expected.yaml").ok_or("no expected.yaml")?;
    let (actual, warnings) = render(&DiskFs, &case.join("app").join(build), fifo)?;
    if actual != expected {
        return Err(first_difference(&expected, &actual));
    }
    let expected_stderr = read("expected-stderr.txt").unwrap_or_default();
    let want: Vec<&str> = expected_stderr.lines().filter(|l| !l.is_empty()).collect();
    // rollpin adds the kustomization file to kustomize's deprecation warnings.
    let mut warnings = warnings;
    for w in &mut warnings {
        if let Some((text, file)) = w.rsplit_once(" (in ") {
            if !file.ends_with(".yaml)")
                && !file.ends_with(".yml)")
                && !file.ends_with("Kustomization)")
            {
                return Err(format!("warning names no kustomization file: {w}"));
            }
            *w = text.to_string();
        }
    }
    if warnings != want {
        return Err(format!(
            "warnings differ: expected {want:?}, got {warnings:?}"
        ));
    }
    Ok(())
}

#[test]
fn kustomize_fixtures_render_byte_identical() {
    let root = manifest_dir().join("fixtures/kustomize");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures/kustomize exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.yaml").is_file())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 40,
        "expected at least 40 fixture cases, found {}",
        cases.len()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_case(c).err().map(|e| format!("{}: {e}", c.display())))
        .collect();
    println!(
        "fixtures: {}/{} byte-identical",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `fixtures/divergences/<case>/`: inputs kustomize fails on (its recorded stderr) and
/// rollpin renders on purpose (DIVERGENCES.md), compared with the reviewed output.
#[test]
fn divergence_fixtures_render_as_recorded() {
    let root = manifest_dir().join("fixtures/divergences");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures/divergences exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("app").is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no divergence cases");
    for case in cases {
        let kustomize = std::fs::read_to_string(case.join("kustomize-stderr.txt"))
            .unwrap_or_else(|e| panic!("{}: kustomize-stderr.txt: {e}", case.display()));
        assert!(
            kustomize.contains("command failed"),
            "{}: the recorded kustomize run did not fail",
            case.display()
        );
        let want = std::fs::read_to_string(case.join("expected.yaml")).expect("expected.yaml");
        let (got, _) = render(&DiskFs, &case.join("app"), false)
            .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        assert!(
            got == want,
            "{}: {}",
            case.display(),
            first_difference(&want, &got)
        );
    }
}

#[test]
fn example_app_renders_as_recorded() {
    let root = manifest_dir();
    for (dir, expected) in [
        ("examples/base", "fixtures/examples/base.yaml"),
        (
            "examples/overlays/staging",
            "fixtures/examples/staging.yaml",
        ),
        (
            "examples/overlays/production",
            "fixtures/examples/production.yaml",
        ),
    ] {
        let want = std::fs::read_to_string(root.join(expected)).expect("recorded example output");
        let (got, _) =
            render(&DiskFs, &root.join(dir), false).unwrap_or_else(|e| panic!("{dir}: {e}"));
        assert!(got == want, "{dir}: {}", first_difference(&want, &got));
    }
}
