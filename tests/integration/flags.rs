//! Flags that mean the same in every command: `-o` is a format (kubectl's habit) and
//! `--output-file` the file `render` writes; `--reorder` and the plugin parameter `reorder`
//! take what `kubectl kustomize --reorder` takes.

use std::process::Command;

use crate::util::{App, assert_fails, assert_succeeds};

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n";

fn app() -> App {
    let app = App::new();
    app.write("kustomization.yaml", "resources:\n- cm.yaml\n")
        .write("cm.yaml", CM);
    app
}

#[test]
fn render_o_yaml_is_the_default_stream() {
    let app = app();
    let plain = assert_succeeds(&app.render(".", &[]));
    assert_eq!(assert_succeeds(&app.render(".", &["-o", "yaml"])), plain);
    assert_eq!(
        assert_succeeds(&app.render(".", &["--output", "yaml"])),
        plain
    );
    assert!(app.render(".", &["-o", "yaml"]).stderr.is_empty());
}

#[test]
fn render_o_json_prints_a_list_and_writes_no_file() {
    let app = app();
    let out = app.render(".", &["-o", "json"]);
    let json: serde_json::Value =
        serde_json::from_str(&assert_succeeds(&out)).expect("stdout is JSON");
    assert_eq!(json["kind"], "List");
    assert_eq!(json["apiVersion"], "v1");
    assert_eq!(json["items"][0]["metadata"]["name"], "a");
    assert_eq!(json["items"][0]["data"]["k"], "v");
    assert!(!app.path("json").exists(), "-o json must not write a file");
    // From inside the directory too (the file would land in the working directory).
    let out = Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .args(["render", "-o", "json"])
        .current_dir(app.path("."))
        .output()
        .expect("run rollpin");
    assert_succeeds(&out);
    assert!(!app.path("json").exists());
}

#[test]
fn render_o_json_carries_the_release_record_last() {
    let app = app();
    let out = app.render(
        ".",
        &[
            "-o",
            "json",
            "--release-record",
            "--app",
            "shop",
            "--revision",
            "0123456789abcdef0123456789abcdef01234567",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_str(&assert_succeeds(&out)).expect("stdout is JSON");
    let items = json["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["kind"], "RollbackManifest");
    assert_eq!(items[1]["metadata"]["name"], "shop-0123456");
    // The record pins the YAML stream, as without -o json.
    let yaml = assert_succeeds(&app.render(".", &[]));
    assert_eq!(
        items[1]["spec"]["renderDigest"],
        crate::util::sha256_hex(yaml.as_bytes())
    );
}

#[test]
fn output_file_writes_the_stream() {
    let app = app();
    let target = app.path("out.yaml");
    let out = app.render(".", &["--output-file", target.to_str().expect("utf8")]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let plain = assert_succeeds(&app.render(".", &[]));
    assert_eq!(std::fs::read_to_string(&target).expect("written"), plain);
    let json_file = app.path("out.json");
    let out = app.render(
        ".",
        &[
            "-o",
            "json",
            "--output-file",
            json_file.to_str().expect("utf8"),
        ],
    );
    assert!(out.status.success());
    let text = std::fs::read_to_string(&json_file).expect("written");
    assert!(text.starts_with("{\n  \"apiVersion\": \"v1\""), "{text}");
}

#[test]
fn o_file_still_works_with_a_deprecation_warning() {
    let app = app();
    let target = app.path("out.yaml");
    let t = target.to_str().expect("utf8");
    let out = app.render(".", &["-o", t]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Warning: Flag -o FILE (--output FILE) is deprecated")
            && stderr.contains(&format!("use --output-file {t}")),
        "{stderr}"
    );
    assert!(
        std::fs::read_to_string(&target)
            .expect("written")
            .contains("name: a")
    );
    let other = app.path("other.yaml");
    assert_fails(
        &app.render(
            ".",
            &["-o", t, "--output-file", other.to_str().expect("utf8")],
        ),
        &["is not an output format (yaml, json) and --output-file"],
    );
}

#[test]
fn reorder_fifo_is_refused_on_the_command_line_and_as_a_parameter() {
    let app = app();
    assert_fails(
        &app.render(".", &["--reorder", "fifo"]),
        &[
            "--reorder",
            "illegal value 'fifo'; legal values: legacy, none",
            "sortOptions.order",
        ],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .args(["render", app.path(".").to_str().expect("utf8")])
        .env(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"reorder","string":"fifo"}]"#,
        )
        .output()
        .expect("run rollpin");
    assert_fails(
        &out,
        &["parameter 'reorder': illegal value 'fifo'; legal values: legacy, none"],
    );
    for ok in ["legacy", "none"] {
        assert_succeeds(&app.render(".", &["--reorder", ok]));
    }
}

#[test]
fn size_limits_take_kubernetes_quantities() {
    let app = app();
    app.write("big.yaml", &format!("{CM}# {}\n", "x".repeat(2048)))
        .write("kustomization.yaml", "resources:\n- big.yaml\n");
    assert_fails(
        &app.render(".", &["--max-file-bytes", "1Ki"]),
        &["big.yaml"],
    );
    assert_succeeds(&app.render(".", &["--max-file-bytes", "3Ki"]));
    assert_succeeds(&app.render(".", &["--max-total-bytes", "1M"]));
    assert_succeeds(&app.render(".", &["--max-file-bytes", "4096"]));
    assert_fails(
        &app.render(".", &["--max-file-bytes", "64MB"]),
        &["--max-file-bytes", "unknown suffix \"MB\"", "64Mi"],
    );
    assert_fails(
        &app.render(".", &["--max-total-bytes", "0"]),
        &["at least 1 byte"],
    );
}
