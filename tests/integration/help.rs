//! The command line describes itself: every command's `--help` ends with examples and
//! exit codes, `rollpin version` names the commit and the kustomize and Argo CD versions
//! rollpin reproduces, `rollpin completion SHELL` prints a script, and the man pages in
//! `man/` are the ones clap_mangen makes from the current definitions.

use std::process::Command;

use clap::CommandFactory;

use crate::util::{assert_succeeds, manifest_dir};

fn rollpin(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .args(args)
        .output()
        .expect("run rollpin")
}

/// Every command path below the root (`["render"]`, `["slo", "check"]`, …).
fn command_paths(cmd: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    for sub in cmd.get_subcommands() {
        let mut path = prefix.clone();
        path.push(sub.get_name().to_string());
        out.push(path.clone());
        command_paths(sub, path, out);
    }
}

#[test]
fn every_command_help_has_examples_and_exit_codes() {
    let mut paths = Vec::new();
    command_paths(&rollpin::cli::Cli::command(), Vec::new(), &mut paths);
    assert!(paths.len() >= 10, "{paths:?}");
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = assert_succeeds(&rollpin(&args));
        for needle in ["\nExamples:\n  ", "\nExit codes:"] {
            assert!(
                help.contains(needle),
                "`rollpin {} --help` lacks {needle:?}:\n{help}",
                path.join(" ")
            );
        }
    }
}

#[test]
fn version_names_the_commit_and_the_versions_reproduced() {
    let line = assert_succeeds(&rollpin(&["version"]));
    assert_eq!(assert_succeeds(&rollpin(&["--version"])), line);
    assert!(
        line.starts_with(&format!("rollpin {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{line}"
    );
    assert!(
        line.ends_with("; reproduces kustomize v5.5.0 and Argo CD v3.5.1 health)\n"),
        "{line}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&assert_succeeds(&rollpin(&["version", "-o", "json"]))).expect("JSON");
    assert_eq!(json["kustomize"], "v5.5.0");
    assert_eq!(json["argocd"], "v3.5.1");
    let commit = json["commit"].as_str().expect("commit");
    // Built from this checkout: git's HEAD (when git and .git are at hand).
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(manifest_dir())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(head) if std::env::var_os("ROLLPIN_COMMIT").is_none() => assert_eq!(commit, head),
        _ => assert!(!commit.is_empty()),
    }
    // The kustomize version is the one the renderer's managed-by label names.
    let label = format!("kustomize-{}", json["kustomize"].as_str().expect("str"));
    assert_eq!(label, "kustomize-v5.5.0");
}

#[test]
fn completion_scripts_for_bash_zsh_and_fish() {
    for (shell, marker) in [
        ("bash", "complete -F _rollpin"),
        ("zsh", "#compdef rollpin"),
        ("fish", "complete -c rollpin"),
    ] {
        let script = assert_succeeds(&rollpin(&["completion", shell]));
        assert!(script.contains(marker), "{shell}: {script:.200}");
        assert!(script.contains("verify"), "{shell} completes subcommands");
    }
    let out = rollpin(&["completion", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// The man pages clap_mangen makes from the current definitions (feature `controller`,
/// the default build, with the cluster commands), dated by the package version alone (not
/// the commit, which changes with every commit).
#[cfg(feature = "controller")]
#[test]
fn man_pages_are_current() {
    let fresh = tempfile::tempdir().expect("tempdir");
    let cli = rollpin::cli::Cli::command().version(env!("CARGO_PKG_VERSION"));
    clap_mangen::generate_to(cli, fresh.path()).expect("generate");
    let dir = manifest_dir().join("man");
    if std::env::var_os("ROLLPIN_WRITE_MAN").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir man");
        for e in std::fs::read_dir(fresh.path()).expect("read") {
            let e = e.expect("entry");
            std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
        }
    }
    let names = |d: &std::path::Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map(|r| {
                r.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let regenerate =
        "regenerate: ROLLPIN_WRITE_MAN=1 cargo test --test integration man_pages_are_current";
    assert_eq!(
        names(&dir),
        names(fresh.path()),
        "man/ is stale; {regenerate}"
    );
    assert!(names(&dir).contains(&"rollpin.1".to_string()));
    for name in names(fresh.path()) {
        let want = std::fs::read(fresh.path().join(&name)).expect("fresh page");
        let have = std::fs::read(dir.join(&name)).unwrap_or_default();
        assert!(have == want, "man/{name} is stale; {regenerate}");
    }
}
