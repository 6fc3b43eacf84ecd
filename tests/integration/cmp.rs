//! The binary run exactly as Argo CD's cmp-server runs a plugin: command and args from
//! `plugin.yaml`, no shell, the working directory set to the application's directory
//! inside a copy of the repository, and only Argo CD's environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rollpin::yaml::{Schema, parse_stream};
use serde_json::Value;

use crate::util::{assert_succeeds, manifest_dir};

const GENERATE: &str = "/spec/generate";

/// The `command` + `args` of the Command object at `pointer` in plugin.yaml (e.g.
/// `/spec/generate`), with `rollpin` mapped to the test binary.
fn plugin_command(pointer: &str) -> Vec<String> {
    let text = std::fs::read_to_string(manifest_dir().join("plugin.yaml")).expect("plugin.yaml");
    let doc = parse_stream(&text, Schema::Kyaml).expect("plugin.yaml parses");
    let v = &doc[0].value;
    assert_eq!(v["kind"], "ConfigManagementPlugin");
    assert!(!v["metadata"]["name"].as_str().unwrap_or("").is_empty());
    let spec = v.pointer(pointer).cloned().unwrap_or(Value::Null);
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    let mut cmd = strings(&spec["command"]);
    assert!(!cmd.is_empty(), "{pointer}/command must be non-empty");
    cmd.extend(strings(&spec["args"]));
    if cmd[0] == "rollpin" {
        cmd[0] = env!("CARGO_BIN_EXE_rollpin").to_string();
    }
    cmd
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A repository checkout as the sidecar receives it (a tarball without `.git`).
struct Checkout {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Checkout {
    fn of_examples() -> Checkout {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("_cmp_server/4f0c9a/repo");
        copy_tree(&manifest_dir().join("examples"), &root);
        Checkout { _tmp: tmp, root }
    }

    fn run(&self, pointer: &str, app: &str, extra_env: &[(&str, &str)]) -> Output {
        let cmd = plugin_command(pointer);
        let mut c = Command::new(&cmd[0]);
        c.args(&cmd[1..])
            .current_dir(self.root.join(app))
            .env_clear()
            .env("HOME", "/home/argocd")
            .env("ARGOCD_APP_NAME", "storefront-prod")
            .env("ARGOCD_APP_NAMESPACE", "storefront")
            .env("ARGOCD_APP_PROJECT_NAME", "default")
            .env(
                "ARGOCD_APP_REVISION",
                "5e2d1f0c9b8a7f6e5d4c3b2a19081726354a3b2c",
            )
            .env("ARGOCD_APP_REVISION_SHORT", "5e2d1f0")
            .env(
                "ARGOCD_APP_SOURCE_REPO_URL",
                "https://git.example.com/shop.git",
            )
            .env("ARGOCD_APP_SOURCE_PATH", app)
            .env("ARGOCD_APP_SOURCE_TARGET_REVISION", "main")
            .env("KUBE_VERSION", "1.31.2")
            .env("KUBE_API_VERSIONS", "apps/v1,apps/v1/Deployment,v1,v1/Pod");
        for (k, v) in extra_env {
            c.env(k, v);
        }
        c.output().expect("run plugin command")
    }
}

fn objects(stdout: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(stdout).expect("utf-8 stdout");
    let docs = parse_stream(text, Schema::Kyaml).expect("stdout is a YAML stream");
    docs.into_iter().map(|d| d.value).collect()
}

#[test]
fn generate_renders_the_app_as_argocd_runs_it() {
    let repo = Checkout::of_examples();
    let out = repo.run(GENERATE, "overlays/production", &[]);
    assert_succeeds(&out);
    let objs = objects(&out.stdout);
    assert!(!objs.is_empty());
    for o in &objs {
        assert!(o["apiVersion"].is_string() && o["kind"].is_string(), "{o}");
        assert!(o["metadata"]["name"].is_string(), "{o}");
    }
    let want = std::fs::read(manifest_dir().join("fixtures/examples/production.yaml"))
        .expect("recorded output");
    assert_eq!(out.stdout, want, "the plugin prints what kustomize prints");
}

#[test]
fn reorder_parameter_is_honoured() {
    let repo = Checkout::of_examples();
    let legacy = repo.run(GENERATE, "overlays/production", &[]);
    let fifo = repo.run(
        GENERATE,
        "overlays/production",
        &[(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"reorder","string":"none"}]"#,
        )],
    );
    assert_succeeds(&fifo);
    let kinds = |o: &Output| -> Vec<String> {
        objects(&o.stdout)
            .iter()
            .map(|v| v["kind"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let (mut a, mut b) = (kinds(&legacy), kinds(&fifo));
    assert_ne!(a, b, "none keeps input order, legacy sorts by kind");
    a.sort();
    b.sort();
    assert_eq!(a, b, "same objects either way");
}

#[test]
fn bad_parameter_fails_cleanly() {
    let repo = Checkout::of_examples();
    let out = repo.run(
        GENERATE,
        "overlays/production",
        &[("PARAM_REORDER", "sideways")],
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("parameter 'reorder'") && err.contains("sideways"),
        "{err}"
    );
}

#[test]
fn failure_leaves_stdout_empty() {
    let repo = Checkout::of_examples();
    std::fs::write(
        repo.root.join("overlays/production/kustomization.yaml"),
        "resources:\n- ../../base\n- missing.yaml\n",
    )
    .expect("write");
    let out = repo.run(GENERATE, "overlays/production", &[]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "Argo CD would apply partial output");
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.yaml"));
}

#[test]
fn base_outside_the_checkout_is_refused() {
    let repo = Checkout::of_examples();
    let outside = repo.root.parent().expect("parent").join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(
        outside.join("kustomization.yaml"),
        "resources: []\nnamePrefix: x-\n",
    )
    .expect("write");
    std::fs::write(
        repo.root.join("overlays/production/kustomization.yaml"),
        "resources:\n- ../../../outside\n",
    )
    .expect("write");
    let out = repo.run(GENERATE, "overlays/production", &[]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("outside the repository root"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn dynamic_parameters_announce_json() {
    let repo = Checkout::of_examples();
    let out = repo.run("/spec/parameters/dynamic", "overlays/staging", &[]);
    assert_succeeds(&out);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let list = v.as_array().expect("an array of announcements");
    assert!(
        list.iter()
            .any(|a| a["name"] == "reorder" && a["collectionType"] == "string")
    );
}

#[test]
fn release_record_parameter_pins_the_revision_argocd_renders() {
    let repo = Checkout::of_examples();
    let params =
        r#"[{"name":"release-record","string":"true"},{"name":"require-digests","string":"true"}]"#;
    let out = repo.run(
        GENERATE,
        "overlays/production",
        &[("ARGOCD_APP_PARAMETERS", params)],
    );
    assert_succeeds(&out);
    let plain = std::fs::read(manifest_dir().join("fixtures/examples/production.yaml"))
        .expect("recorded output");
    assert!(
        out.stdout.starts_with(&plain),
        "the record follows the unchanged render"
    );
    let objs = objects(&out.stdout);
    let record = objs.last().expect("objects");
    assert_eq!(record["kind"], "RollbackManifest");
    assert_eq!(record["metadata"]["name"], "storefront-prod-5e2d1f0");
    assert_eq!(record["metadata"]["namespace"], "storefront");
    let source = &record["spec"]["source"];
    assert_eq!(source["repoURL"], "https://git.example.com/shop.git");
    assert_eq!(source["path"], "overlays/production");
    assert_eq!(source["targetRevision"], "main");
    assert_eq!(
        source["revision"],
        "5e2d1f0c9b8a7f6e5d4c3b2a19081726354a3b2c"
    );
    // Staging's image is a tag: the digest policy refuses it before anything is applied.
    let staging = repo.run(
        GENERATE,
        "overlays/staging",
        &[("ARGOCD_APP_PARAMETERS", params)],
    );
    assert!(!staging.status.success());
    assert!(staging.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&staging.stderr);
    assert!(
        stderr.contains("container storefront: ghcr.io/example-shop/storefront:1.9.0-rc.2"),
        "{stderr}"
    );
}
