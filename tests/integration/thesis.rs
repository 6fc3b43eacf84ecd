//! The rollback thesis experiment (`experiments/rollback_thesis.py`) run against the
//! built binary, with rollpin as the naive renderer so kubectl is not needed: every past
//! release must come out exact or refused, never wrongly "exact" — also with an image
//! outside any pod template (`--crd-image`). Skipped, saying so, without python3 and git.

use std::process::Command;

use crate::util::manifest_dir;

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_experiment(extra: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(manifest_dir().join("experiments/rollback_thesis.py"))
        .args(["--naive", "rollpin", "--check", "--rollpin"])
        .arg(env!("CARGO_BIN_EXE_rollpin"))
        .args(extra)
        .output()
        .expect("run the experiment");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "experiment failed ({:?}):\n{stdout}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn every_past_release_is_exact_or_refused() {
    if !available("python3") || !available("git") {
        eprintln!("thesis: python3 or git not found; experiment skipped");
        return;
    }
    for extra in [&[][..], &["--crd-image"][..]] {
        let out = run_experiment(extra);
        let summary = out
            .lines()
            .find(|l| l.contains("exact-or-refused"))
            .unwrap_or_else(|| panic!("no summary line in:\n{out}"));
        assert!(summary.contains("wrong 0"), "{extra:?}: {summary}");
        assert!(
            summary.contains("exact-or-refused 20/20"),
            "{extra:?}: {summary}"
        );
        if extra.is_empty() {
            assert!(
                summary.contains("rollpin exact 8, refused 12"),
                "the pinned releases must verify exactly: {summary}"
            );
        }
    }
}
