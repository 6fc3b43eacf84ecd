//! The binary run exactly as Argo CD's cmp-server runs a plugin: command and args from
//! `plugin.yaml`, no shell, the working directory set to the application's directory
//! inside a copy of the repository, and only Argo CD's environment (parameters both as
//! `ARGOCD_APP_PARAMETERS` and `PARAM_*`); a failure is checked as the message Argo CD
//! shows for it (`ComparisonError`).

use std::path::PathBuf;
use std::process::{Command, Output};

use rollpin::yaml::{Schema, parse_stream};
use serde_json::Value;

use crate::util::{assert_succeeds, copy_dir, manifest_dir, sha256_hex};

const GENERATE: &str = "/spec/generate";

/// The Application the emulated sidecar renders (`ARGOCD_APP_NAME`).
const APP_NAME: &str = "storefront-prod";

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

/// A repository checkout as the sidecar receives it (a tarball without `.git`).
struct Checkout {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Checkout {
    fn of_examples() -> Checkout {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("_cmp_server/4f0c9a/repo");
        copy_dir(&manifest_dir().join("examples"), &root);
        Checkout { _tmp: tmp, root }
    }

    fn run(&self, pointer: &str, app: &str, extra_env: &[(&str, &str)]) -> Output {
        let cmd = plugin_command(pointer);
        let mut c = Command::new(&cmd[0]);
        c.args(&cmd[1..])
            .current_dir(self.root.join(app))
            .env_clear()
            .env("HOME", "/home/argocd")
            .env("ARGOCD_APP_NAME", APP_NAME)
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

/// Parameters are announced statically only: no command runs per announcement request
/// (Argo CD's cmp-server runs `parameters.dynamic` on every UI request), and the static
/// list names every parameter rollpin reads.
#[test]
fn parameters_are_announced_statically() {
    let text = std::fs::read_to_string(manifest_dir().join("plugin.yaml")).expect("plugin.yaml");
    let doc = parse_stream(&text, Schema::Kyaml).expect("plugin.yaml parses");
    let params = &doc[0].value["spec"]["parameters"];
    assert!(params.get("dynamic").is_none(), "no dynamic command");
    let names: Vec<&str> = params["static"]
        .as_array()
        .expect("static parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names,
        rollpin::argocd::env::all_parameters().collect::<Vec<_>>()
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

/// The variables Argo CD's `ApplicationSourcePluginParameters.Environ()` sets for
/// `params` (the Application's `plugin.parameters` as JSON): `ARGOCD_APP_PARAMETERS`,
/// then `PARAM_<NAME>` for a string, `PARAM_<NAME>_<KEY>` for each map entry and
/// `PARAM_<NAME>_<i>` for each array item, names and keys upper-cased with every
/// character outside `[A-Z0-9_]` replaced by `_` (reference/execution.md §A3).
fn argocd_parameter_env(params: &Value) -> Vec<(String, String)> {
    let escaped = |s: &str| -> String {
        s.to_ascii_uppercase()
            .chars()
            .map(|c| {
                if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let mut env = vec![("ARGOCD_APP_PARAMETERS".to_string(), params.to_string())];
    for p in params.as_array().expect("a parameter list") {
        let base = format!("PARAM_{}", escaped(p["name"].as_str().unwrap_or("")));
        if let Some(s) = p["string"].as_str() {
            env.push((base.clone(), s.to_string()));
        }
        for (k, v) in p["map"].as_object().into_iter().flatten() {
            env.push((
                format!("{base}_{}", escaped(k)),
                v.as_str().unwrap_or("").to_string(),
            ));
        }
        for (i, v) in p["array"].as_array().into_iter().flatten().enumerate() {
            env.push((format!("{base}_{i}"), v.as_str().unwrap_or("").to_string()));
        }
    }
    env
}

fn env_refs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The message Argo CD shows when the generate command fails during a sync: the
/// sidecar's ``"`<command args>` failed exit status N: <trimmed stderr>"``, wrapped by the
/// cmp-server, the repo-server and the controller, as the Application's
/// `ComparisonError` condition and the operation's message (reference/execution.md §A6,
/// Argo CD v3.3.14 and later).
fn comparison_error(out: &Output) -> String {
    let text = std::fs::read_to_string(manifest_dir().join("plugin.yaml")).expect("plugin.yaml");
    let doc = parse_stream(&text, Schema::Kyaml).expect("plugin.yaml parses");
    let generate = &doc[0].value["spec"]["generate"];
    let args: Vec<&str> = ["command", "args"]
        .iter()
        .flat_map(|k| generate[*k].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    let code = out.status.code().expect("exited, not killed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let cmd_error = format!(
        "`{}` failed exit status {code}: {}",
        args.join(" "),
        stderr.trim()
    );
    format!(
        "ComparisonError: Failed to load target state: failed to generate manifest for source \
         1 of 1: rpc error: code = Unknown desc = CMP processing failed for application \
         {APP_NAME:?}: error generating manifests in cmp: rpc error: code = Unknown desc = error \
         generating manifests: {cmd_error}"
    )
}

#[test]
fn expect_render_digest_parameter_guards_what_argocd_applies() {
    let repo = Checkout::of_examples();
    let production =
        std::fs::read(manifest_dir().join("fixtures/examples/production.yaml")).expect("recorded");
    let staging =
        std::fs::read(manifest_dir().join("fixtures/examples/staging.yaml")).expect("recorded");
    let params = |digest: &str| {
        argocd_parameter_env(&serde_json::json!([
            {"name": "release-record", "string": "true"},
            {"name": "expect-render-digest", "string": digest},
        ]))
    };
    // The recorded release: applied as rendered, with its record.
    let env = params(&sha256_hex(&production));
    let out = repo.run(GENERATE, "overlays/production", &env_refs(&env));
    assert_succeeds(&out);
    assert!(out.stdout.starts_with(&production));
    assert_eq!(
        objects(&out.stdout).last().expect("objects")["spec"]["renderDigest"],
        sha256_hex(&production).as_str()
    );
    // Another release's digest: nothing to apply, one line in Argo CD's message.
    let env = params(&sha256_hex(&staging));
    let out = repo.run(GENERATE, "overlays/production", &env_refs(&env));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "Argo CD would apply partial output");
    assert_eq!(
        comparison_error(&out),
        format!(
            "ComparisonError: Failed to load target state: failed to generate manifest for \
             source 1 of 1: rpc error: code = Unknown desc = CMP processing failed for \
             application \"storefront-prod\": error generating manifests in cmp: rpc error: \
             code = Unknown desc = error generating manifests: `rollpin render` failed exit \
             status 1: rollpin: E_RENDER_DIGEST_MISMATCH expected {} got {}: this render of 7 \
             objects is not the expected release (a stream digest cannot name the objects that \
             differ: pass expect-objects, or run rollpin verify --record with the release's \
             RollbackManifest)",
            sha256_hex(&staging),
            sha256_hex(&production)
        )
    );
    assert_eq!(objects(&production).len(), 7);
    // With the release's objects (as a rollback controller passes them from the record),
    // Argo CD's message names the first object that differs.
    let prefixes = |stream: &[u8]| -> Vec<String> {
        let text = String::from_utf8_lossy(stream).into_owned();
        let docs: Vec<&str> = text.split("\n---\n").collect();
        let n = docs.len();
        docs.iter()
            .enumerate()
            .map(|(i, d)| {
                let doc = if i + 1 == n {
                    d.to_string()
                } else {
                    format!("{d}\n")
                };
                sha256_hex(doc.as_bytes())["sha256:".len().."sha256:".len() + 12].to_string()
            })
            .collect()
    };
    let (want, got) = (prefixes(&staging), prefixes(&production));
    let first = want
        .iter()
        .zip(&got)
        .position(|(a, b)| a != b)
        .expect("the releases differ");
    let obj = &objects(&production)[first];
    let env = argocd_parameter_env(&serde_json::json!([
        {"name": "expect-render-digest", "string": sha256_hex(&staging)},
        {"name": "expect-objects", "string": want.join(" ")},
    ]));
    let out = repo.run(GENERATE, "overlays/production", &env_refs(&env));
    assert!(out.stdout.is_empty());
    let message = comparison_error(&out);
    let named = format!(
        ": object {} ({} {} {}/{}) differs",
        first + 1,
        obj["apiVersion"].as_str().unwrap_or(""),
        obj["kind"].as_str().unwrap_or(""),
        obj["metadata"]["namespace"].as_str().unwrap_or(""),
        obj["metadata"]["name"].as_str().unwrap_or("")
    );
    assert!(message.ends_with(&named), "{message}");
    // A malformed value names the parameter.
    let env = params("sha256:5e2d1f0");
    let out = repo.run(GENERATE, "overlays/production", &env_refs(&env));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        comparison_error(&out).ends_with(
            "`rollpin render` failed exit status 1: Error: parameter 'expect-render-digest': \
             must be sha256: and 64 lowercase hex digits (a release record's \
             spec.renderDigest), got \"sha256:5e2d1f0\""
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pin_images_parameter_pins_what_argocd_applies() {
    let repo = Checkout::of_examples();
    let digest = "sha256:7d3c1b2a5b0f8c6a0e2f4c1d9a7e3b6d8c2f1a0e9d7c5b3a1f2e4d6c8b0a9e7f";
    let image = "ghcr.io/example-shop/storefront:1.9.0-rc.2";
    let env = argocd_parameter_env(&serde_json::json!([
        {"name": "require-digests", "string": "true"},
        {"name": "pin-images", "map": {image: digest}},
    ]));
    assert!(
        env.iter()
            .any(|(k, _)| k == "PARAM_PIN_IMAGES_GHCR_IO_EXAMPLE_SHOP_STOREFRONT_1_9_0_RC_2"),
        "{env:?}"
    );
    // Staging's tag-only image, pinned to the digest observed running, passes the policy.
    let out = repo.run(GENERATE, "overlays/staging", &env_refs(&env));
    let stdout = assert_succeeds(&out);
    let plain = std::fs::read_to_string(manifest_dir().join("fixtures/examples/staging.yaml"))
        .expect("recorded");
    let line = format!("        image: {image}\n");
    assert_eq!(plain.matches(&line).count(), 1);
    assert_eq!(
        stdout,
        plain.replace(&line, &format!("        image: {image}@{digest}\n"))
    );
    // A pin for an image the app does not run.
    let env = argocd_parameter_env(&serde_json::json!([
        {"name": "pin-images", "map": {"ghcr.io/example-shop/storefront:1.8.2": digest}},
    ]));
    let out = repo.run(GENERATE, "overlays/staging", &env_refs(&env));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        comparison_error(&out).ends_with(
            "failed exit status 1: Error: no image in the render is \
             ghcr.io/example-shop/storefront:1.8.2 (from parameter 'pin-images'): a pin must \
             equal an image field exactly as rendered, registry and tag included"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
