//! The `rollpin` binary as Argo CD runs it: success writes the stream to stdout; every
//! error exits non-zero, names the file (and line or resource), and writes nothing to
//! stdout.

use std::process::Command;

use crate::util::{App, assert_fails, assert_succeeds};

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n";

#[test]
fn renders_to_stdout() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\nnamePrefix: p-\n",
    )
    .write("cm.yaml", CM);
    let out = app.render(".", &[]);
    assert_succeeds(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  name: p-a\n"
    );
}

#[test]
fn missing_resource_file() {
    let app = App::new();
    app.write("kustomization.yaml", "resources:\n- nope.yaml\n");
    assert_fails(
        &app.render(".", &[]),
        &["kustomization.yaml", "'nope.yaml'", "no such file"],
    );
}

#[test]
fn invalid_yaml_names_file_and_line() {
    let app = App::new();
    app.write("kustomization.yaml", "resources:\n- bad.yaml\n")
        .write(
            "bad.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n  x: y\n",
        );
    assert_fails(&app.render(".", &[]), &["bad.yaml", "line "]);
}

#[test]
fn unknown_kustomization_field() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\nresourcez:\n- x\n",
    )
    .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &[
            "kustomization.yaml",
            "line 3",
            "unknown field \"resourcez\"",
        ],
    );
}

#[test]
fn wrong_field_type() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\nnamePrefix:\n  a: b\n",
    )
    .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &["kustomization.yaml", "namePrefix", "invalid type"],
    );
}

#[test]
fn yaml11_boolean_in_string_map_is_a_type_error() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\ncommonLabels:\n  x: y\n",
    )
    .write("cm.yaml", CM);
    assert_fails(&app.render(".", &[]), &["commonLabels.x", "boolean"]);
}

#[test]
fn duplicate_resource_id() {
    let app = App::new();
    app.write("kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n")
        .write("a.yaml", CM)
        .write("b.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &[
            "b.yaml",
            "may not add resource with an already registered id: ConfigMap.v1.[noGrp]/a.[noNs]",
        ],
    );
}

#[test]
fn cycle_between_kustomizations() {
    let app = App::new();
    app.write("a/kustomization.yaml", "resources:\n- ../b\n")
        .write("b/kustomization.yaml", "resources:\n- ../a\n");
    assert_fails(
        &app.render("a", &[]),
        &["b/kustomization.yaml", "cycle detected"],
    );
}

#[test]
fn file_outside_kustomization_root() {
    let app = App::new();
    app.write("app/kustomization.yaml", "resources:\n- ../cm.yaml\n")
        .write("cm.yaml", CM);
    assert_fails(
        &app.render("app", &[]),
        &["app/kustomization.yaml", "security", "is not in or below"],
    );
}

#[test]
fn symlink_leaving_the_root_is_refused() {
    let app = App::new();
    app.write("app/kustomization.yaml", "resources:\n- link.yaml\n")
        .write("secret.yaml", CM);
    std::os::unix::fs::symlink(app.path("secret.yaml"), app.path("app/link.yaml"))
        .expect("symlink");
    assert_fails(&app.render("app", &[]), &["security", "secret.yaml"]);
}

#[test]
fn base_outside_repository_root() {
    let app = App::new();
    app.write("repo/app/kustomization.yaml", "resources:\n- ../../base\n")
        .write("base/kustomization.yaml", "resources:\n- cm.yaml\n")
        .write("base/cm.yaml", CM);
    std::fs::create_dir_all(app.path("repo/.git")).expect("mkdir .git");
    assert_fails(
        &app.render("repo/app", &[]),
        &["outside the repository root"],
    );
    let ok = app.render(
        "repo/app",
        &["--root", app.path(".").to_str().expect("utf8")],
    );
    assert_succeeds(&ok);
}

#[test]
fn remote_resource_is_refused() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- https://github.com/argoproj/argo-cd//manifests/cluster-install?ref=v2.9.0\n",
    );
    assert_fails(
        &app.render(".", &[]),
        &["kustomization.yaml", "remote resource", "Vendor it"],
    );
}

#[test]
fn generator_clash_without_behavior() {
    let app = App::new();
    app.write(
        "base/kustomization.yaml",
        "configMapGenerator:\n- name: cfg\n  literals: [a=1]\n",
    )
    .write(
        "overlay/kustomization.yaml",
        "resources:\n- ../base\nconfigMapGenerator:\n- name: cfg\n  literals: [b=2]\n",
    );
    assert_fails(
        &app.render("overlay", &[]),
        &[
            "overlay/kustomization.yaml",
            "configMapGenerator 'cfg'",
            "behavior must be merge or replace",
        ],
    );
}

#[test]
fn helm_charts_are_not_supported() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "helmCharts:\n- name: redis\n  repo: https://charts.example.com\n",
    );
    assert_fails(
        &app.render(".", &[]),
        &["kustomization.yaml", "'helmCharts' is not supported"],
    );
}

#[test]
fn no_kustomization_file() {
    let app = App::new();
    app.write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &["unable to find one of 'kustomization.yaml'"],
    );
}

#[test]
fn two_kustomization_files() {
    let app = App::new();
    app.write("kustomization.yaml", "resources: []\n")
        .write("kustomization.yml", "resources: []\n");
    assert_fails(
        &app.render(".", &[]),
        &["found multiple kustomization files", "kustomization.yml"],
    );
}

#[test]
fn empty_kustomization() {
    let app = App::new();
    app.write("kustomization.yaml", "");
    assert_fails(&app.render(".", &[]), &["kustomization.yaml is empty"]);
}

#[test]
fn directory_that_does_not_exist() {
    let app = App::new();
    assert_fails(
        &app.render("nowhere", &[]),
        &["not a valid directory", "nowhere"],
    );
}

#[test]
fn resource_without_name() {
    let app = App::new();
    app.write("kustomization.yaml", "resources:\n- cm.yaml\n")
        .write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n");
    assert_fails(&app.render(".", &[]), &["cm.yaml", "missing metadata.name"]);
}

#[test]
fn duplicate_key_in_resource() {
    let app = App::new();
    app.write("kustomization.yaml", "resources:\n- cm.yaml\n")
        .write(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: 1\n  k: 2\n",
        );
    assert_fails(
        &app.render(".", &[]),
        &["cm.yaml", "line 7", "already defined"],
    );
}

#[test]
fn replicas_without_match() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\nreplicas:\n- name: web\n  count: 2\n",
    )
    .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &["replicas", "resource with name web does not match"],
    );
}

#[test]
fn patch_without_match_names_the_patch() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\npatches:\n- path: p.yaml\n",
    )
    .write("cm.yaml", CM)
    .write(
        "p.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: zzz\ndata:\n  k: x\n",
    );
    assert_fails(
        &app.render(".", &[]),
        &[
            "kustomization.yaml",
            "no resource matches strategic merge patch \"ConfigMap.v1.[noGrp]/zzz.[noNs]\"",
        ],
    );
}

#[test]
fn json_patch_without_target() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\npatches:\n- patch: '[{\"op\": \"add\", \"path\": \"/data/x\", \"value\": \"1\"}]'\n",
    )
    .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &["must specify a target for JSON patch"],
    );
}

#[test]
fn missing_patch_file() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\npatches:\n- path: nothere.yaml\n",
    )
    .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &["failed to get the patch file from path(nothere.yaml)"],
    );
}

#[test]
fn deprecation_warning_on_stderr() {
    let app = App::new();
    app.write("kustomization.yaml", "bases:\n- base\n")
        .write("base/kustomization.yaml", "resources:\n- cm.yaml\n")
        .write("base/cm.yaml", CM);
    let out = app.render(".", &[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("# Warning: 'bases' is deprecated."));
}

#[test]
fn fifo_is_refused() {
    let app = App::new();
    app.write("kustomization.yaml", "resources:\n- pipe.yaml\n");
    let status = Command::new("mkfifo")
        .arg(app.path("pipe.yaml"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    assert_fails(&app.render(".", &[]), &["pipe.yaml", "not a regular file"]);
}

#[test]
fn symlink_loop_is_an_error_not_a_hang() {
    let app = App::new();
    app.write("kustomization.yaml", "resources:\n- a.yaml\n");
    std::os::unix::fs::symlink(app.path("b.yaml"), app.path("a.yaml")).expect("symlink");
    std::os::unix::fs::symlink(app.path("a.yaml"), app.path("b.yaml")).expect("symlink");
    assert_fails(&app.render(".", &[]), &["kustomization.yaml", "a.yaml"]);
}

#[test]
fn oversized_file_is_refused() {
    let app = App::new();
    app.write("kustomization.yaml", "resources:\n- cm.yaml\n")
        .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &["--max-file-bytes", "40"]),
        &["cm.yaml", "more than the limit of 40"],
    );
}

#[test]
fn sort_options_fifo_keeps_input_order() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- svc.yaml\n- cm.yaml\nsortOptions:\n  order: fifo\n",
    )
    .write("cm.yaml", CM)
    .write(
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n",
    );
    let out = app.render(".", &[]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.find("kind: Service") < text.find("kind: ConfigMap"),
        "{text}"
    );
}

#[test]
fn patch_with_both_path_and_patch() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\npatches:\n- path: p.yaml\n  patch: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n",
    )
    .write("cm.yaml", CM)
    .write("p.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &["patch and path can't be set at the same time"],
    );
}

#[test]
fn patch_with_neither_path_nor_patch() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\npatches:\n- target:\n    kind: ConfigMap\n",
    )
    .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &["must specify one of patch and path"],
    );
}

#[test]
fn failed_json_patch_test_op() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\npatches:\n- target:\n    kind: ConfigMap\n  patch: |\n    - op: test\n      path: /data/k\n      value: other\n",
    )
    .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &[
            "kustomization.yaml",
            "ConfigMap.v1.[noGrp]/a.[noNs]",
            "test",
        ],
    );
}

#[test]
fn unknown_patch_directive() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\npatches:\n- patch: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n    data:\n      $patch: sideways\n",
    )
    .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &["unknown patch strategy 'sideways'"],
    );
}

#[test]
fn replacement_source_not_found() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\nreplacements:\n- source:\n    kind: Secret\n    name: nope\n  targets:\n  - select:\n      kind: ConfigMap\n    fieldPaths: [data.k]\n",
    )
    .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &["kustomization.yaml", "replacements", "nothing selected"],
    );
}

#[test]
fn replacement_source_ambiguous() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\n- cm2.yaml\nreplacements:\n- source:\n    kind: ConfigMap\n  targets:\n  - select:\n      kind: ConfigMap\n    fieldPaths: [data.k]\n",
    )
    .write("cm.yaml", CM)
    .write("cm2.yaml", &CM.replace("name: a", "name: b"));
    assert_fails(
        &app.render(".", &[]),
        &["replacements", "multiple matches for selector"],
    );
}

#[test]
fn var_that_names_nothing() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\nvars:\n- name: X\n  objref:\n    apiVersion: v1\n    kind: Service\n    name: missing\n",
    )
    .write("cm.yaml", CM);
    let out = app.render(".", &[]);
    assert_fails(&out, &["kustomization.yaml", "cannot be mapped to a field"]);
}

#[test]
fn external_plugin_is_refused() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "resources:\n- cm.yaml\ntransformers:\n- |-\n  apiVersion: example.com/v1\n  kind: SopsDecrypt\n  metadata:\n    name: x\n",
    )
    .write("cm.yaml", CM);
    assert_fails(
        &app.render(".", &[]),
        &[
            "kustomization.yaml",
            "SopsDecrypt",
            "external plugins are disabled",
        ],
    );
}

#[cfg(unix)]
#[test]
fn non_utf8_environment_is_not_a_crash() {
    use std::os::unix::ffi::OsStringExt;
    let junk = std::ffi::OsString::from_vec(vec![0xff, 0xfe]);
    let app = App::new();
    app.write("kustomization.yaml", "resources:\n- cm.yaml\n")
        .write("cm.yaml", CM);
    let run = |name: &str| {
        Command::new(env!("CARGO_BIN_EXE_rollpin"))
            .arg("render")
            .arg(app.path(""))
            .env(name, &junk)
            .output()
            .expect("run rollpin")
    };
    let unrelated = run("JUNK");
    assert_succeeds(&unrelated);
    assert!(!unrelated.stdout.is_empty());
    assert_fails(
        &run("ARGOCD_APP_NAME"),
        &["environment variable ARGOCD_APP_NAME is not valid UTF-8"],
    );
}

#[test]
fn managed_by_label_names_the_kustomize_version_rollpin_reproduces() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "buildMetadata: [managedByLabel]\nresources:\n- cm.yaml\n",
    )
    .write("cm.yaml", CM);
    let out = app.render("", &[]);
    assert_succeeds(&out);
    // kubectl's embedded kustomize prints `kustomize-(devel)` here (DIVERGENCES.md).
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: kustomize-v5.5.0\n  name: a\n"
    );
}

#[test]
fn crds_file_errors_name_the_file() {
    let app = App::new();
    app.write(
        "kustomization.yaml",
        "crds:\n- crd.json\nresources:\n- cm.yaml\n",
    )
    .write("cm.yaml", CM)
    .write("crd.json", "[1, 2]\n");
    assert_fails(
        &app.render("", &[]),
        &[
            "unable to parse open API definition from 'crd.json'",
            "expected a map of OpenAPI definitions",
        ],
    );
    app.write(
        "crd.json",
        r#"{"a.K": {"Schema": {"properties": {"apiVersion": {}, "kind": {}, "metadata": {}, "spec": {"$ref": "a.K"}}}}}"#,
    );
    assert_fails(&app.render("", &[]), &["crd.json", "a cycle?"]);
    app.write(
        "kustomization.yaml",
        "crds:\n- missing.json\nresources:\n- cm.yaml\n",
    );
    assert_fails(&app.render("", &[]), &["missing.json"]);
}
