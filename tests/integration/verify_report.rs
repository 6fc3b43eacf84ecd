//! What `rollpin verify` reports: a changed object or config field by field (Secret
//! values never), images without a digest apart from differences, another source path,
//! a `-o status` patch that keeps the condition's lastTransitionTime, standard input for
//! `--record -` / `--live -`, and commits (not branches) for `--revision`.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::util::{App, assert_fails, assert_succeeds, drift_report};

const REV: &str = "89abcdef0123456789abcdef0123456789abcdef";

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

/// A repository with an app: a Deployment (one pinned container, one `sidecar` image)
/// reading a ConfigMap and a generated Secret, and a Service on port 80.
fn app(sidecar: &str) -> App {
    let app = App::new();
    std::fs::create_dir_all(app.path(".git")).expect("mkdir .git");
    app.write(
        "apps/shop/kustomization.yaml",
        "namespace: shop\nresources:\n- deploy.yaml\n- svc.yaml\n- cm.yaml\nsecretGenerator:\n- name: creds\n  literals:\n  - password=hunter2\n",
    )
    .write(
        "apps/shop/deploy.yaml",
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/acme/web:1.0@{}\n        envFrom:\n        - configMapRef:\n            name: settings\n        - secretRef:\n            name: creds\n      - name: proxy\n        image: {sidecar}\n",
            digest('a')
        ),
    )
    .write(
        "apps/shop/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n",
    )
    .write(
        "apps/shop/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: info\n",
    );
    app
}

fn pinned() -> App {
    app(&format!("envoy:1.29@{}", digest('b')))
}

fn rollpin(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .args(args)
        .env_remove("ARGOCD_APP_PARAMETERS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rollpin");
    let mut input = child.stdin.take().expect("stdin");
    // rollpin may stop reading early (a size limit): a closed pipe is not an error here.
    let _ = input.write_all(stdin.unwrap_or("").as_bytes());
    drop(input);
    child.wait_with_output().expect("rollpin output")
}

fn dir(app: &App) -> String {
    app.path("apps/shop").to_str().expect("utf-8").to_string()
}

/// Renders the app with its record into `record.yaml`; returns the file's path.
fn record(app: &App) -> String {
    let d = dir(app);
    let args = [
        "render",
        &d,
        "--release-record",
        "--app",
        "shop",
        "--revision",
        REV,
        "--source-path",
        "apps/shop",
    ];
    let out = assert_succeeds(&rollpin(&args, None));
    app.write("record.yaml", &out);
    app.path("record.yaml").to_str().expect("utf-8").to_string()
}

fn verify(app: &App, record: &str, extra: &[&str]) -> Output {
    let d = dir(app);
    let mut args = vec!["verify", &d, "--record", record];
    args.extend_from_slice(extra);
    rollpin(&args, None)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

#[test]
fn a_changed_object_is_shown_field_by_field() {
    let app = pinned();
    let rec = record(&app);
    app.edit("apps/shop/svc.yaml", "port: 80", "port: 8081");
    let text = drift_report(&verify(&app, &rec, &[]));
    assert!(
        text.contains("object   v1 Service shop/web: sha256:")
            && text.contains("\n      spec.ports[0].port: 80 -> 8081\n"),
        "{text}"
    );
    assert!(
        text.contains("1 difference between the record and the re-render of "),
        "{text}"
    );
    let report = json(&verify(&app, &rec, &["-o", "json"]));
    let d = &report["drift"][0];
    assert_eq!(d["field"], "object");
    assert!(
        d["expected"]
            .as_str()
            .is_some_and(|s| s.starts_with("sha256:"))
    );
    assert!(
        d["actual"]
            .as_str()
            .is_some_and(|s| s.starts_with("sha256:"))
    );
    assert_eq!(
        d["changes"],
        serde_json::json!([{"path": "spec.ports[0].port", "old": "80", "new": "8081"}])
    );
}

#[test]
fn a_config_edited_in_place_is_shown_by_key() {
    let app = pinned();
    let rec = record(&app);
    app.edit("apps/shop/cm.yaml", "LOG_LEVEL: info", "LOG_LEVEL: debug");
    let text = drift_report(&verify(&app, &rec, &[]));
    assert!(
        text.contains("config   v1 ConfigMap shop/settings: sha256:")
            && text.contains("\n      data.LOG_LEVEL: \"info\" -> \"debug\"\n"),
        "{text}"
    );
}

#[test]
fn a_secret_change_never_shows_its_values() {
    let app = pinned();
    let rec = record(&app);
    app.edit(
        "apps/shop/kustomization.yaml",
        "password=hunter2",
        "password=swordfish42",
    );
    let out = verify(&app, &rec, &[]);
    let text = drift_report(&out);
    assert!(
        text.contains("config   v1 Secret shop/creds-")
            && text.contains(" (now generated as creds-")
            && text.contains(
                "data.password: secret value changed (7 bytes -> 11 bytes; values not shown)"
            ),
        "{text}"
    );
    let out_json = verify(&app, &rec, &["-o", "json"]);
    let raw = String::from_utf8_lossy(&out_json.stdout).to_string();
    for secret in ["hunter2", "swordfish42", "aHVudGVyMg", "c3dvcmRmaXNoNDI"] {
        assert!(
            !text.contains(secret) && !raw.contains(secret),
            "{secret} leaked"
        );
    }
    // `actual` is data (a digest), the new name its own field.
    let d = &json(&out_json)["drift"][0];
    assert!(
        d["actual"]
            .as_str()
            .is_some_and(|a| a.starts_with("sha256:") && !a.contains(' ')),
        "{d}"
    );
    assert!(
        d["renamedTo"]
            .as_str()
            .is_some_and(|n| n.starts_with("creds-")),
        "{d}"
    );
    assert_eq!(d["changes"][0]["secret"], true);
    assert_eq!(d["changes"][0]["oldLength"], 7);
    assert_eq!(d["changes"][0]["newLength"], 11);
}

#[test]
fn a_record_holding_only_digests_says_why_no_fields_are_shown() {
    let app = pinned();
    let rec = record(&app);
    let text = std::fs::read_to_string(&rec).expect("record");
    let only_record = text.rsplit("\n---\n").next().expect("record doc");
    assert!(only_record.starts_with("apiVersion: rollpin.dev/"));
    app.write("only-record.yaml", only_record);
    app.edit("apps/shop/svc.yaml", "port: 80", "port: 8081");
    let only = app.path("only-record.yaml");
    let text = drift_report(&verify(&app, only.to_str().expect("utf-8"), &[]));
    assert!(!text.contains("spec.ports"), "{text}");
    assert!(
        text.contains("note: 1 change shown by digest only: the record file holds no objects"),
        "{text}"
    );
}

#[test]
fn unpinned_images_are_reported_apart_from_differences() {
    let app = app("envoy:1.29");
    let rec = record(&app);
    let out = verify(&app, &rec, &[]);
    let text = drift_report(&out);
    assert!(
        text.contains(": re-render of ")
            && text.contains(" matches the record (4 objects, sha256:"),
        "{text}"
    );
    assert!(!text.contains("difference"), "{text}");
    assert!(
        text.contains("1 image without a digest in the record — a rollback would not be exact")
            && text.contains(
                "  unpinned apps/v1 Deployment shop/web container proxy: envoy:1.29 has no digest"
            ),
        "{text}"
    );
    let report = json(&verify(&app, &rec, &["-o", "json"]));
    assert_eq!(report["verified"], false);
    assert_eq!(report["drift"], serde_json::json!([]));
    assert_eq!(report["unpinned"][0]["container"], "proxy");
    assert_eq!(report["checked"][0]["objects"], 4);
    let status: Value =
        serde_json::from_slice(&verify(&app, &rec, &["-o", "status"]).stdout).expect("status JSON");
    assert_eq!(status["status"]["conditions"][0]["reason"], "Unpinned");
    assert_eq!(status["status"]["drift"][0]["field"], "unpinned");
    assert_succeeds(&verify(&app, &rec, &["--allow-unpinned"]));
}

#[test]
fn a_record_of_another_source_path_is_noted() {
    let app = pinned();
    let rec = record(&app);
    let text = assert_succeeds(&verify(&app, &rec, &[]));
    assert!(!text.contains("note:"), "{text}");
    std::fs::create_dir_all(app.path("apps/other")).expect("mkdir");
    for f in ["kustomization.yaml", "deploy.yaml", "svc.yaml", "cm.yaml"] {
        std::fs::copy(
            app.path(&format!("apps/shop/{f}")),
            app.path(&format!("apps/other/{f}")),
        )
        .expect("copy");
    }
    let other = app.path("apps/other");
    let out = rollpin(
        &["verify", other.to_str().expect("utf-8"), "--record", &rec],
        None,
    );
    let text = assert_succeeds(&out);
    assert!(
        text.contains("note: the record was made from source path \"apps/shop\"; ")
            && text.contains("apps/other is another directory"),
        "{text}"
    );
    let out = rollpin(
        &[
            "verify",
            other.to_str().expect("utf-8"),
            "--record",
            &rec,
            "-o",
            "json",
        ],
        None,
    );
    assert!(
        json(&out)["notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("apps/shop"))
    );
}

#[test]
fn status_patch_keeps_the_transition_time_while_the_status_holds() {
    let app = pinned();
    let rec = record(&app);
    let text = std::fs::read_to_string(&rec).expect("record");
    let with_status = |status: &str, time: &str| {
        format!(
            "{text}status:\n  conditions:\n  - type: Verified\n    status: \"{status}\"\n    reason: Matches\n    message: m\n    lastTransitionTime: \"{time}\"\n"
        )
    };
    let condition = |out: &Output| -> Value {
        let v: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
        v["status"]["conditions"][0].clone()
    };
    app.write("r1.yaml", &with_status("True", "2020-01-02T03:04:05Z"));
    let r1 = app.path("r1.yaml");
    let out = verify(&app, r1.to_str().expect("utf-8"), &["-o", "status"]);
    assert_eq!(
        condition(&out)["lastTransitionTime"],
        "2020-01-02T03:04:05Z"
    );
    // The status flips: a new transition time.
    app.write("r2.yaml", &with_status("False", "2020-01-02T03:04:05Z"));
    let r2 = app.path("r2.yaml");
    let out = verify(&app, r2.to_str().expect("utf-8"), &["-o", "status"]);
    let c = condition(&out);
    assert_eq!(c["status"], "True");
    assert_ne!(c["lastTransitionTime"], "2020-01-02T03:04:05Z");
}

#[test]
fn record_and_live_read_standard_input() {
    let app = pinned();
    let rec = record(&app);
    let text = std::fs::read_to_string(&rec).expect("record");
    let d = dir(&app);
    let out = rollpin(&["verify", &d, "--record", "-"], Some(&text));
    let report = assert_succeeds(&out);
    assert!(report.contains("matches the record (4 objects"), "{report}");
    let live = assert_succeeds(&app.render("apps/shop", &[]));
    let out = rollpin(
        &["verify", "--record", &rec, "--live", "-", "--no-pods"],
        Some(&live),
    );
    let report = assert_succeeds(&out);
    assert!(
        report.contains("live objects in standard input match the record"),
        "{report}"
    );
    assert_fails(
        &rollpin(&["verify", "--record", "-", "--live", "-"], Some(&text)),
        &["--record - and --live - both read standard input"],
    );
    assert_fails(
        &rollpin(&["verify", &d, "--record", "-"], Some("kind: ConfigMap\n")),
        &["standard input: no RollbackManifest (rollpin.dev) in the file"],
    );
    assert_fails(
        &rollpin(
            &["verify", &d, "--record", "-", "--max-file-bytes", "1Ki"],
            Some(&text),
        ),
        &["standard input: 1025 bytes, over the 1024-byte file limit (--max-file-bytes)"],
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .args(["verify", &d, "--record", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rollpin");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(b"kind: \xff\n").expect("write");
    drop(input);
    let out = child.wait_with_output().expect("output");
    assert_fails(&out, &["standard input: not UTF-8"]);
}

#[test]
fn revision_flags_take_a_commit_not_a_branch() {
    let app = pinned();
    let d = dir(&app);
    for args in [
        &[
            "render",
            &d,
            "--release-record",
            "--app",
            "shop",
            "--revision",
            "main",
        ][..],
        &["verify", &d, "--record", "r.yaml", "--revision", "main"][..],
    ] {
        assert_fails(
            &rollpin(args, None),
            &[
                "--revision",
                "\"main\" is not a commit SHA",
                "git rev-parse main",
            ],
        );
    }
    assert_fails(
        &rollpin(
            &["verify", &d, "--record", "r.yaml", "--revision", "0123"],
            None,
        ),
        &["\"0123\" is too short: give at least 7 hexadecimal digits"],
    );
}

#[test]
fn a_live_config_edited_in_place_is_shown_by_key() {
    let app = pinned();
    let rec = record(&app);
    let live = assert_succeeds(&app.render("apps/shop", &[]))
        .replace("LOG_LEVEL: info", "LOG_LEVEL: trace");
    app.write("live.yaml", &live);
    let live = app.path("live.yaml");
    let live = live.to_str().expect("utf-8");
    let text = drift_report(&rollpin(
        &["verify", "--record", &rec, "--live", live, "--no-pods"],
        None,
    ));
    assert!(
        text.contains("config   v1 ConfigMap shop/settings: sha256:")
            && text.contains("\n      data.LOG_LEVEL: \"info\" -> \"trace\"\n"),
        "{text}"
    );
    assert!(
        text.contains("1 difference between the record and the live objects in "),
        "{text}"
    );
    let status: Value = serde_json::from_slice(
        &rollpin(
            &[
                "verify",
                "--record",
                &rec,
                "--live",
                live,
                "--no-pods",
                "-o",
                "status",
            ],
            None,
        )
        .stdout,
    )
    .expect("status JSON");
    let message = status["status"]["conditions"][0]["message"]
        .as_str()
        .unwrap_or("");
    assert!(
        message.contains("(running images not checked: --no-pods)"),
        "{message}"
    );
    // --no-pods only means something with --live.
    let out = rollpin(&["verify", &dir(&app), "--record", &rec, "--no-pods"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--live"));
}
