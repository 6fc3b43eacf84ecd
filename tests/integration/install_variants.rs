//! The Helm and Argo CD Operator installs are generated from the same sources as the
//! kustomize component (`argocd-cm-patch/rollpin/`: the sidecar, plugin.yaml, the CRDs,
//! the controller) and from what `rollpin argocd-cm` prints (the health keys), so they
//! cannot drift: each test regenerates a file and compares it with the checked-in one.
//! `ROLLPIN_REGENERATE=1` writes them instead (`scripts/regen-install.sh` does that and
//! the other generated install files in one command).
//!
//! Helm is not installed here, so the chart's templates that use these values are
//! emulated (argo-cd chart 10.x: `argocd-cmp-cm.yaml` writes each `configs.cmp.plugins`
//! entry as `<name>.yaml`; `extraContainers` and `extraObjects` go through `tpl`; the
//! repo-server's volumes are `repoServer.volumes` plus its own), and the repo-server pod
//! they give is checked: every sidecar mount names a volume, the plugin config is
//! plugin.yaml.

use std::collections::BTreeMap;
use std::path::Path;

use rollpin::yaml::{Schema, parse_stream, write_document};
use serde_json::{Value, json};

use crate::util::manifest_dir;

/// The Argo CD version the installs pin: the one whose health rollpin reproduces.
const ARGOCD_VERSION: &str = "v3.5.1";

fn read(rel: &str) -> String {
    std::fs::read_to_string(manifest_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn docs(text: &str) -> Vec<Value> {
    parse_stream(text, Schema::Kyaml)
        .expect("YAML")
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect()
}

/// The component's pieces, read from their files.
struct Sources {
    sidecar: Value,
    sidecar_volumes: Vec<Value>,
    plugin: Value,
    crds: Vec<Value>,
    controller: Vec<Value>,
    health: BTreeMap<String, Value>,
}

fn sources() -> Sources {
    let patch = &docs(&read("argocd-cm-patch/rollpin/repo-server-sidecar.yaml"))[0];
    let pod = &patch["spec"]["template"]["spec"];
    let cm = rollpin::argocd::cm::run(&rollpin::argocd::cm::CmConfig::default())
        .expect("rollpin argocd-cm");
    let health = docs(&cm)[0]["data"]
        .as_object()
        .expect("argocd-cm data")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Sources {
        sidecar: pod["containers"][0].clone(),
        sidecar_volumes: pod["volumes"].as_array().expect("volumes").clone(),
        plugin: docs(&read("plugin.yaml"))[0].clone(),
        crds: docs(&read("argocd-cm-patch/rollpin/crds.yaml")),
        controller: docs(&read("argocd-cm-patch/rollpin/controller.yaml")),
        health,
    }
}

/// The sidecar reading its plugin config from the chart's `argocd-cmp-cm`.
fn helm_sidecar(s: &Sources) -> Value {
    let mut c = s.sidecar.clone();
    for m in c["volumeMounts"].as_array_mut().expect("mounts") {
        if m["name"] == "rollpin-plugin-config" {
            *m = json!({
                "name": "argocd-cmp-cm",
                "mountPath": "/home/argocd/cmp-server/config/plugin.yaml",
                "subPath": "rollpin.yaml",
            });
        }
    }
    c
}

fn helm_values(s: &Sources) -> Value {
    let mut volumes: Vec<Value> = vec![json!({
        "name": "argocd-cmp-cm",
        "configMap": {"name": "argocd-cmp-cm"},
    })];
    volumes.extend(
        s.sidecar_volumes
            .iter()
            .filter(|v| v["name"] != "rollpin-plugin-config")
            .cloned(),
    );
    let objects: Vec<Value> = s.crds.iter().chain(&s.controller).cloned().collect();
    json!({
        "global": {"image": {"tag": ARGOCD_VERSION}},
        "configs": {
            "cm": s.health,
            "cmp": {
                "create": true,
                "plugins": {
                    s.plugin["metadata"]["name"].as_str().expect("plugin name"):
                        s.plugin["spec"],
                },
            },
        },
        "repoServer": {
            "extraContainers": [helm_sidecar(s)],
            "volumes": volumes,
        },
        "extraObjects": objects,
    })
}

fn operator_cr(s: &Sources) -> Value {
    json!({
        "apiVersion": "argoproj.io/v1beta1",
        "kind": "ArgoCD",
        "metadata": {"name": "argocd", "namespace": "argocd"},
        "spec": {
            "version": ARGOCD_VERSION,
            "extraConfig": s.health,
            "repo": {
                "sidecarContainers": [s.sidecar],
                "volumes": s.sidecar_volumes,
            },
        },
    })
}

/// What the Operator does not manage: the CRDs, the controller and the plugin config.
fn operator_objects(s: &Sources) -> Vec<Value> {
    let mut objs: Vec<Value> = s.crds.iter().chain(&s.controller).cloned().collect();
    for o in &mut objs {
        let cluster_scoped = matches!(
            o["kind"].as_str(),
            Some("CustomResourceDefinition" | "ClusterRole" | "ClusterRoleBinding")
        );
        if !cluster_scoped {
            o["metadata"]["namespace"] = json!("argocd");
        }
    }
    objs.push(json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "rollpin-plugin-config", "namespace": "argocd"},
        "data": {"plugin.yaml": read("plugin.yaml")},
    }));
    objs
}

const HEADER: &str = "# Generated from argocd-cm-patch/rollpin/ (sidecar, CRDs, controller), plugin.yaml and\n\
                      # `rollpin argocd-cm` by scripts/regen-install.sh; do not edit (a test fails when stale).\n";

fn render(docs: &[Value], note: &str) -> String {
    let mut out = format!("{HEADER}{note}");
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_document(d, &mut out);
    }
    out
}

/// Compares `rel` with `fresh`, or writes it under `ROLLPIN_REGENERATE=1`.
fn check_generated(rel: &str, fresh: &str) {
    let path = manifest_dir().join(rel);
    if std::env::var_os("ROLLPIN_REGENERATE").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, fresh).expect("write");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "{rel} is stale: scripts/regen-install.sh ({})",
        crate::util::first_difference(fresh, &checked_in)
    );
}

fn no_templates(v: &Value, what: &str) {
    let text = v.to_string();
    assert!(
        !text.contains("{{"),
        "{what} goes through Helm's tpl and must hold no {{{{"
    );
}

#[test]
fn helm_values_are_current() {
    let s = sources();
    let note = "# Values for the argo-cd Helm chart (10.x): helm upgrade --install argocd argo/argo-cd \\\n\
                #   -n argocd -f argocd-cm-patch/helm/values.yaml (merge with your own values).\n";
    check_generated(
        "argocd-cm-patch/helm/values.yaml",
        &render(&[helm_values(&s)], note),
    );
}

#[test]
fn operator_cr_and_objects_are_current() {
    let s = sources();
    let note = "# Argo CD Operator: merge spec.version, spec.extraConfig and spec.repo into your ArgoCD CR.\n";
    check_generated(
        "argocd-cm-patch/operator/argocd.yaml",
        &render(&[operator_cr(&s)], note),
    );
    let note = "# What the Operator does not manage: kubectl apply --server-side -f argocd-cm-patch/operator/rollpin.yaml\n";
    check_generated(
        "argocd-cm-patch/operator/rollpin.yaml",
        &render(&operator_objects(&s), note),
    );
}

/// The chart's `argocd-cmp-cm.yaml` for `configs.cmp.plugins`: one `<name>.yaml` key per
/// plugin, a ConfigManagementPlugin with that name and the entry as its spec.
fn chart_cmp_cm(values: &Value) -> BTreeMap<String, Value> {
    values["configs"]["cmp"]["plugins"]
        .as_object()
        .expect("plugins")
        .iter()
        .map(|(name, spec)| {
            let mut text = format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: ConfigManagementPlugin\nmetadata:\n  name: {name}\nspec:\n"
            );
            let mut body = String::new();
            write_document(spec, &mut body);
            for line in body.lines() {
                text.push_str(&format!("  {line}\n"));
            }
            (format!("{name}.yaml"), docs(&text)[0].clone())
        })
        .collect()
}

/// The repo-server pod with the values applied, over the stand-in stock install.
fn check_pod(containers: &[Value], volumes: &[Value], configmaps: &BTreeMap<&str, Vec<String>>) {
    let stock = docs(&read(
        "fixtures/kustomize/argocd-cm-patch-over-stock/app/argocd-stock.yaml",
    ));
    let repo = stock
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "argocd-repo-server")
        .expect("stock repo-server");
    let mut pod_volumes: Vec<Value> = repo["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .expect("stock volumes")
        .clone();
    pod_volumes.extend(volumes.iter().cloned());
    let sidecar = containers
        .iter()
        .find(|c| c["name"] == "rollpin")
        .expect("sidecar");
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert!(sidecar["resources"]["limits"]["memory"].is_string());
    assert!(sidecar["resources"]["requests"]["cpu"].is_string());
    for m in sidecar["volumeMounts"].as_array().expect("mounts") {
        let v = pod_volumes
            .iter()
            .find(|v| v["name"] == m["name"])
            .unwrap_or_else(|| panic!("mount {m} names no pod volume"));
        if let (Some(cm), Some(key)) = (v["configMap"]["name"].as_str(), m["subPath"].as_str()) {
            assert!(
                configmaps
                    .get(cm)
                    .is_some_and(|keys| keys.iter().any(|k| k == key)),
                "ConfigMap {cm} has no key {key}"
            );
        }
    }
}

#[test]
fn helm_values_give_the_component_s_pod_and_config() {
    let s = sources();
    let values = helm_values(&s);
    no_templates(
        &values["repoServer"]["extraContainers"],
        "repoServer.extraContainers",
    );
    no_templates(&values["extraObjects"], "extraObjects");
    let cmp = chart_cmp_cm(&values);
    assert_eq!(
        cmp["rollpin.yaml"], s.plugin,
        "argocd-cmp-cm's rollpin.yaml is plugin.yaml"
    );
    let keys: Vec<String> = cmp.keys().cloned().collect();
    check_pod(
        values["repoServer"]["extraContainers"]
            .as_array()
            .expect("containers"),
        values["repoServer"]["volumes"].as_array().expect("volumes"),
        &BTreeMap::from([("argocd-cmp-cm", keys)]),
    );
    assert_eq!(values["configs"]["cm"], json!(s.health));
    let kinds: Vec<&str> = values["extraObjects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter_map(|o| o["kind"].as_str())
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "CustomResourceDefinition")
            .count(),
        3
    );
    assert!(kinds.contains(&"Deployment") && kinds.contains(&"ClusterRole"));
}

#[test]
fn operator_cr_gives_the_component_s_pod_and_config() {
    let s = sources();
    let cr = operator_cr(&s);
    let objs = operator_objects(&s);
    let cm = objs
        .iter()
        .find(|o| o["kind"] == "ConfigMap")
        .expect("plugin ConfigMap");
    let plugin_text = cm["data"]["plugin.yaml"].as_str().expect("plugin.yaml");
    assert_eq!(docs(plugin_text)[0], s.plugin);
    check_pod(
        cr["spec"]["repo"]["sidecarContainers"]
            .as_array()
            .expect("sidecars"),
        cr["spec"]["repo"]["volumes"].as_array().expect("volumes"),
        &BTreeMap::from([("rollpin-plugin-config", vec!["plugin.yaml".to_string()])]),
    );
    assert_eq!(cr["spec"]["extraConfig"], json!(s.health));
    assert_eq!(cr["spec"]["version"], ARGOCD_VERSION);
}

#[test]
fn kustomize_install_pins_the_argocd_version_rollpin_reproduces() {
    let k = read("argocd-cm-patch/kustomization.yaml");
    let resources = docs(&k)[0]["resources"].clone();
    assert_eq!(
        resources,
        json!([format!(
            "https://raw.githubusercontent.com/argoproj/argo-cd/{ARGOCD_VERSION}/manifests/install.yaml"
        )])
    );
    assert!(
        k.contains("--server-side --force-conflicts"),
        "the apply command is server-side"
    );
    assert!(
        Path::new(&manifest_dir().join("argocd-cm-patch/rollpin/kustomization.yaml")).is_file()
    );
}
