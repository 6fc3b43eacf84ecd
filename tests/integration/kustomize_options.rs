//! Argo CD's kustomize options as plugin parameters, case by case
//! (`fixtures/kustomize-options/<case>/`): the binary renders `app/` as Argo CD's sidecar
//! runs it, with `parameters.json` as `ARGOCD_APP_PARAMETERS`, and must print exactly
//! `expected.yaml` — `kubectl kustomize` of the app with its kustomization replaced by
//! `edited.yaml`, the file as Argo CD's `kustomize edit` commands leave it (recorded by
//! `fixtures/kustomize-options/record.sh`). The in-memory edit is also compared with
//! `edited.yaml`, and the app directory must be unchanged afterwards. A case without
//! `edited.yaml` is an error case: `expected-stderr.txt`, nothing on stdout.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rollpin::argocd::CmpEnv;
use rollpin::kustomize::fs::DiskFs;
use rollpin::yaml::{Schema, parse_stream};
use serde_json::Value;

use crate::util::{assert_fails, first_difference, manifest_dir};

/// `ARGOCD_APP_REVISION_SHORT` for every case (the images and labels cases substitute it).
const REVISION_SHORT: &str = "5e2d1f0";

fn cases() -> Vec<PathBuf> {
    let root = manifest_dir().join("fixtures/kustomize-options");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/kustomize-options")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("app").is_dir())
        .collect();
    cases.sort();
    cases
}

fn parameters(case: &Path) -> String {
    std::fs::read_to_string(case.join("parameters.json")).expect("parameters.json")
}

fn run(case: &Path) -> Output {
    let app = case.join("app");
    Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .arg("render")
        .current_dir(&app)
        .env_clear()
        .env("ARGOCD_APP_PARAMETERS", parameters(case))
        .env("ARGOCD_APP_REVISION_SHORT", REVISION_SHORT)
        .output()
        .expect("run rollpin")
}

/// Every file under `dir` with its bytes, to prove the render wrote nothing.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            let bytes = std::fs::read(&p).expect("read");
            out.push((p, bytes));
        }
    }
    out.sort();
    out
}

fn yaml_value(text: &str) -> Value {
    parse_stream(text, Schema::Kyaml).expect("YAML")[0]
        .value
        .clone()
}

#[test]
fn each_option_renders_as_kubectl_kustomize_of_the_edited_kustomization() {
    let cases = cases();
    assert!(cases.len() >= 13, "fixture cases missing: {cases:?}");
    let mut checked = 0;
    for case in &cases {
        let name = case.file_name().unwrap_or_default().to_string_lossy();
        let before = snapshot(&case.join("app"));
        let out = run(case);
        assert_eq!(
            before,
            snapshot(&case.join("app")),
            "{name}: the app was written"
        );
        if !case.join("edited.yaml").exists() {
            let want = std::fs::read_to_string(case.join("expected-stderr.txt"))
                .expect("expected-stderr.txt");
            assert_fails(&out, &[want.trim_end()]);
            checked += 1;
            continue;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        let want = std::fs::read_to_string(case.join("expected.yaml")).expect("expected.yaml");
        let got = String::from_utf8(out.stdout).expect("utf-8");
        assert!(want == got, "{name}: {}", first_difference(&want, &got));
        checked += 1;
    }
    assert_eq!(checked, cases.len());
}

#[test]
fn the_in_memory_edit_is_what_kustomize_edit_writes() {
    for case in cases() {
        let Ok(edited) = std::fs::read_to_string(case.join("edited.yaml")) else {
            continue;
        };
        let name = case
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let env = CmpEnv::from_vars([
            ("ARGOCD_APP_PARAMETERS".to_string(), parameters(&case)),
            (
                "ARGOCD_APP_REVISION_SHORT".to_string(),
                REVISION_SHORT.to_string(),
            ),
        ])
        .expect("environment");
        let opts = env.kustomize_options().expect("options");
        let (path, text) = rollpin::argocd::kustomize_options::edited_kustomization(
            &opts,
            &DiskFs,
            &case.join("app"),
            &rollpin::kustomize::Options::default(),
        )
        .expect("edits")
        .expect("options are set");
        assert!(
            path.ends_with("app/kustomization.yaml"),
            "{}",
            path.display()
        );
        let text = String::from_utf8(text).expect("utf-8");
        assert_eq!(yaml_value(&text), yaml_value(&edited), "{name}:\n{text}");
    }
}

#[test]
fn option_errors_name_the_parameter_and_print_nothing() {
    let app = crate::util::App::new();
    app.write("kustomization.yaml", "resources:\n- cm.yaml\n")
        .write(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        );
    let run = |params: &str| {
        Command::new(env!("CARGO_BIN_EXE_rollpin"))
            .arg("render")
            .current_dir(app.path(""))
            .env_clear()
            .env("ARGOCD_APP_PARAMETERS", params)
            .output()
            .expect("run rollpin")
    };
    for (params, want) in [
        (
            r#"[{"name":"components","array":["components/absent"]}]"#,
            "Error: parameter 'components': components/absent has no match",
        ),
        (
            r#"[{"name":"components","array":["components/*"]}]"#,
            "Error: parameter 'components': components/*: glob patterns are not supported",
        ),
        (
            r#"[{"name":"namespace","string":"-bad"}]"#,
            "Error: parameter 'namespace': \"-bad\" is not a valid namespace name",
        ),
        (
            r#"[{"name":"images","array":["web"]}]"#,
            "Error: parameter 'images': invalid format of image",
        ),
        (
            r#"[{"name":"commonLabels","map":{"":"x"}}]"#,
            "Error: parameter 'commonLabels': invalid label: ':x'",
        ),
        (
            r#"[{"name":"patches","string":"- path: p.yaml\n  target: {kind: [x]}"}]"#,
            "Error: parameter 'patches': patch 1: 'target' has the wrong type",
        ),
    ] {
        let out = run(params);
        assert_fails(&out, &[want]);
    }
    // A kustomization whose patches field is not a list.
    app.write("kustomization.yaml", "resources:\n- cm.yaml\npatches: {}\n");
    let out = run(r#"[{"name":"patches","string":"- path: p.yaml"}]"#);
    assert_fails(
        &out,
        &["parameter 'patches': the kustomization's patches field is not a list"],
    );
    // A directory without a kustomization.
    std::fs::remove_file(app.path("kustomization.yaml")).expect("rm");
    let out = run(r#"[{"name":"namePrefix","string":"p-"}]"#);
    assert_fails(&out, &["Argo CD's kustomize options:"]);
}

#[test]
fn components_outside_the_checkout_are_refused_or_skipped_unprobed() {
    let app = crate::util::App::new();
    app.write("repo/app/kustomization.yaml", "resources:\n- cm.yaml\n")
        .write(
            "repo/app/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        )
        .write(
            "outside/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: x-\n",
        );
    let run = |params: &str| {
        Command::new(env!("CARGO_BIN_EXE_rollpin"))
            .arg("render")
            .current_dir(app.path("repo/app"))
            .env_clear()
            .env("ARGOCD_APP_SOURCE_PATH", "app")
            .env("ARGOCD_APP_PARAMETERS", params)
            .output()
            .expect("run rollpin")
    };
    let out = run(r#"[{"name":"components","array":["../../outside"]}]"#);
    assert_fails(
        &out,
        &["Error: parameter 'components': ../../outside is outside the repository root"],
    );
    let out = run(
        r#"[{"name":"components","array":["../../outside"]},{"name":"ignoreMissingComponents","string":"true"}]"#,
    );
    let plain = run("[]");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, plain.stdout, "skipped, as Argo CD skips it");
}
