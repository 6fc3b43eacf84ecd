//! The cluster commands' user errors through the binary (`controller` start-up, `rollback`,
//! `history`, `resume` without a cluster): each names the flag or what is missing, exits 1
//! (2 for a malformed flag, as clap does), prints nothing on stdout.
#![cfg(feature = "controller")]

use std::process::Command;

/// Runs rollpin with `kubeconfig` and without the in-cluster service account variables.
fn cli(args: &[&str], kubeconfig: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", "/nonexistent")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .output()
        .expect("run rollpin")
}

/// `rollpin controller ARGS` with no cluster to reach.
fn controller(args: &[&str]) -> std::process::Output {
    let mut all = vec!["controller"];
    all.extend_from_slice(args);
    cli(&all, "/nonexistent/kubeconfig")
}

#[test]
fn a_prometheus_allow_entry_that_is_not_http_is_refused() {
    let out = controller(&[
        "--prometheus-allow",
        "https://prometheus:9090",
        "--health-addr",
        "",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("Error: --prometheus-allow: invalid address \"https://prometheus:9090\": https is not supported"),
        "{stderr}"
    );
}

#[test]
fn no_cluster_to_talk_to_is_an_error() {
    let out = controller(&["--leader-election", "false", "--health-addr", ""]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("Error: cannot reach the Kubernetes API: "),
        "{stderr}"
    );
}

#[test]
fn malformed_durations_are_usage_errors() {
    for flag in ["--default-deadline", "--verify-timeout"] {
        let out = controller(&[flag, "10x"]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("invalid duration \"10x\": write it like 30s, 10m or 1h30m"),
            "{stderr}"
        );
    }
}

#[test]
fn a_health_address_that_cannot_listen_is_an_error() {
    let out = controller(&["--health-addr", "256.0.0.1:1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("Error: health endpoint 256.0.0.1:1: "),
        "{stderr}"
    );
}

#[test]
fn rollback_history_and_resume_without_a_cluster_say_so() {
    for args in [
        &["rollback", "shop", "--no-wait"][..],
        &["history", "shop"][..],
        &["resume", "shop"][..],
    ] {
        let out = cli(args, "/nonexistent/kubeconfig");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("Error: cannot reach the Kubernetes API: no kubeconfig ($KUBECONFIG or ~/.kube/config) and not in a cluster"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_context_the_kubeconfig_lacks_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\ncurrent-context: dev\nclusters:\n- name: dev\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: dev\n  context:\n    cluster: dev\n    user: dev\nusers:\n- name: dev\n  user:\n    token: x\n",
    )
    .expect("write kubeconfig");
    let out = cli(
        &["history", "shop", "--context", "prod"],
        path.to_str().expect("utf-8"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("Error: ") && stderr.contains("prod"),
        "{stderr}"
    );
}
