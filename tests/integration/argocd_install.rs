//! `argocd-cm-patch/`: its checked-in copies of plugin.yaml and of the generated argocd-cm
//! health customizations are current, and building its component over a stand-in of
//! Argo CD's stock install adds the sidecar, its mounts, the plugin configuration, the
//! CRDs and the controller, and changes nothing else of Argo CD (the byte-for-byte
//! comparison with kubectl is the fixture `fixtures/kustomize/argocd-cm-patch-over-stock`).

use rollpin::kustomize::fs::DiskFs;
use rollpin::yaml::{Schema, parse_stream};
use serde_json::Value;

use crate::util::{manifest_dir, render};

#[test]
fn plugin_yaml_copy_is_current() {
    let root = manifest_dir();
    let original = std::fs::read_to_string(root.join("plugin.yaml")).expect("plugin.yaml");
    let copy = std::fs::read_to_string(root.join("argocd-cm-patch/rollpin/plugin.yaml"))
        .expect("argocd-cm-patch/rollpin/plugin.yaml");
    assert!(
        original == copy,
        "argocd-cm-patch/rollpin/plugin.yaml is stale: cp plugin.yaml argocd-cm-patch/rollpin/"
    );
}

/// The objects of argocd-cm-patch's component rendered over the stand-in stock install.
fn rendered_install() -> Vec<Value> {
    let dir = manifest_dir().join("fixtures/kustomize/argocd-cm-patch-over-stock/app");
    let (yaml, _) = render(&DiskFs, &dir, false).expect("renders");
    parse_stream(&yaml, Schema::Kyaml)
        .expect("parses")
        .into_iter()
        .map(|d| d.value)
        .collect()
}

#[test]
fn install_adds_sidecar_mounts_and_plugin_config() {
    let root = manifest_dir();
    let objs = rendered_install();
    let deploy = objs
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "argocd-repo-server")
        .expect("repo-server");
    let spec = &deploy["spec"]["template"]["spec"];
    let containers = spec["containers"].as_array().expect("containers");
    assert!(
        containers.iter().any(|c| c["name"] == "argocd-repo-server"),
        "stock container kept"
    );
    let sidecar = containers
        .iter()
        .find(|c| c["name"] == "rollpin")
        .expect("sidecar");
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(sidecar["securityContext"]["runAsNonRoot"], true);
    let mounts: Vec<(&str, &str)> = sidecar["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap_or(""),
                m["mountPath"].as_str().unwrap_or(""),
            )
        })
        .collect();
    for want in [
        ("var-files", "/var/run/argocd"),
        ("plugins", "/home/argocd/cmp-server/plugins"),
        (
            "rollpin-plugin-config",
            "/home/argocd/cmp-server/config/plugin.yaml",
        ),
        ("rollpin-tmp", "/tmp"),
    ] {
        assert!(
            mounts.contains(&want),
            "missing mount {want:?} in {mounts:?}"
        );
    }
    let volumes = spec["volumes"].as_array().expect("volumes");
    let config_volume = volumes
        .iter()
        .find(|v| v["name"] == "rollpin-plugin-config")
        .expect("plugin config volume");
    let cm_name = config_volume["configMap"]["name"]
        .as_str()
        .expect("configMap name");
    let cm = objs
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == cm_name)
        .expect("the volume names the generated ConfigMap (hash suffix followed)");
    let plugin = std::fs::read_to_string(root.join("plugin.yaml")).expect("plugin.yaml");
    assert_eq!(cm["data"]["plugin.yaml"], Value::String(plugin));
    assert!(
        volumes.iter().any(|v| v["name"] == "var-files"),
        "stock volumes kept"
    );
}

#[test]
fn argocd_cm_health_patch_is_current() {
    let root = manifest_dir();
    let path = root.join("argocd-cm-patch/rollpin/argocd-cm-health.yaml");
    let checked_in = std::fs::read_to_string(&path).expect("argocd-cm-health.yaml");
    let fresh =
        rollpin::argocd::cm::run(&rollpin::argocd::cm::CmConfig::default()).expect("generates");
    assert!(
        checked_in == fresh,
        "argocd-cm-patch/rollpin/argocd-cm-health.yaml is stale: \
         cargo run -- argocd-cm > argocd-cm-patch/rollpin/argocd-cm-health.yaml"
    );
}

#[test]
fn install_adds_argocd_cm_health_keys() {
    let objs = rendered_install();
    let cm = objs
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "argocd-cm")
        .expect("argocd-cm");
    let data = cm["data"].as_object().expect("data");
    for key in [
        "resource.customizations.health.rollpin.dev_RollbackRequest",
        "resource.customizations.useOpenLibs.rollpin.dev_RollbackRequest",
        "resource.customizations.health.rollpin.dev_RollbackManifest",
        "resource.customizations.health.rollpin.dev_RollbackPolicy",
    ] {
        assert!(data.contains_key(key), "argocd-cm lacks {key}");
    }
    // Installing rollpin shadows none of Argo CD's own checks: only rollpin's kinds.
    let shadowing: Vec<&String> = data
        .keys()
        .filter(|k| k.starts_with("resource.customizations"))
        .filter(|k| !k.ends_with(".rollpin.dev_RollbackRequest"))
        .filter(|k| !k.ends_with(".rollpin.dev_RollbackManifest"))
        .filter(|k| !k.ends_with(".rollpin.dev_RollbackPolicy"))
        .collect();
    assert!(
        shadowing.is_empty(),
        "keys beyond rollpin's kinds: {shadowing:?}"
    );
    assert!(
        !data.contains_key("resource.customizations"),
        "no wildcard entry in the default configuration"
    );
    let lua = data["resource.customizations.health.rollpin.dev_RollbackManifest"]
        .as_str()
        .unwrap_or("");
    assert!(lua.contains("return hs"), "a health script");
}

#[test]
fn crds_copy_is_current() {
    let path = manifest_dir().join("argocd-cm-patch/rollpin/crds.yaml");
    let checked_in = std::fs::read_to_string(&path).expect("crds.yaml");
    assert!(
        checked_in == rollpin::release::crds::crds_yaml(),
        "argocd-cm-patch/rollpin/crds.yaml is stale: \
         cargo run -- crds > argocd-cm-patch/rollpin/crds.yaml"
    );
}

#[test]
fn install_adds_rollpin_crds_and_release_parameters() {
    let objs = rendered_install();
    let crds: Vec<&str> = objs
        .iter()
        .filter(|o| o["kind"] == "CustomResourceDefinition")
        .map(|o| o["metadata"]["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        crds,
        [
            "rollbackmanifests.rollpin.dev",
            "rollbackpolicies.rollpin.dev",
            "rollbackrequests.rollpin.dev"
        ]
    );
    assert!(
        objs.iter()
            .filter(|o| o["kind"] == "CustomResourceDefinition")
            .all(|o| o["metadata"].get("namespace").is_none()),
        "CRDs are cluster-scoped: no namespace"
    );
    let plugin = std::fs::read_to_string(manifest_dir().join("plugin.yaml")).expect("plugin.yaml");
    let doc = parse_stream(&plugin, Schema::Kyaml).expect("plugin.yaml parses");
    let names: Vec<&str> = doc[0].value["spec"]["parameters"]["static"]
        .as_array()
        .expect("static parameters")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        rollpin::argocd::env::all_parameters().collect::<Vec<_>>()
    );
    // plugin.yaml's announcement is the library's, parameter by parameter.
    let dynamic = rollpin::argocd::parameters::announcements("legacy");
    assert_eq!(names.len(), dynamic.len());
    for (p, a) in doc[0].value["spec"]["parameters"]["static"]
        .as_array()
        .expect("static")
        .iter()
        .zip(&dynamic)
    {
        assert_eq!(p["name"], a.name.as_str());
        assert_eq!(p["title"], a.title.as_str());
        assert_eq!(p["tooltip"], a.tooltip.as_str());
        assert_eq!(p["collectionType"], a.collection_type.as_str());
        assert_eq!(p["string"].as_str(), a.string.as_deref());
    }
}

/// The Dockerfile's build stage copies every file cargo needs to read the manifest:
/// `src/` and the files of targets declared in Cargo.toml (`[[bench]]`), else
/// `cargo build` refuses the manifest inside the image.
#[test]
fn dockerfile_build_stage_copies_every_declared_target() {
    let root = manifest_dir();
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).expect("Dockerfile");
    // The text between the first `FROM` (the build stage) and the second.
    let build_stage = dockerfile.split("\nFROM ").nth(1).unwrap_or("");
    let copied: Vec<&str> = build_stage
        .lines()
        .filter_map(|l| l.strip_prefix("COPY "))
        .flat_map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            parts[..parts.len().saturating_sub(1)].to_vec()
        })
        .collect();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let mut needed = vec![
        "Cargo.toml".to_string(),
        "Cargo.lock".to_string(),
        "src/main.rs".to_string(),
    ];
    let mut section = "";
    for line in manifest.lines() {
        if line.starts_with('[') {
            section = line;
        } else if let Some(name) = line
            .strip_prefix("name = ")
            .filter(|_| section == "[[bench]]")
        {
            needed.push(format!("benches/{}.rs", name.trim_matches('"')));
        } else if let Some(script) = line
            .strip_prefix("build = ")
            .filter(|_| section == "[package]")
        {
            needed.push(script.trim_matches('"').to_string());
        }
    }
    for path in &needed {
        assert!(root.join(path).exists(), "{path} does not exist");
        let covered = copied
            .iter()
            .any(|c| path == c || path.starts_with(&format!("{}/", c.trim_end_matches('/'))));
        assert!(
            covered,
            "the Dockerfile's build stage does not copy {path} (copies {copied:?})"
        );
    }
}

/// The component alone, for teams that manage Argo CD with kustomize: over their install it
/// adds only rollpin's objects and changes only argocd-repo-server and argocd-cm.
#[test]
fn component_adds_only_rollpin_objects_and_patches_two() {
    let id = |o: &Value| {
        format!(
            "{} {}",
            o["kind"].as_str().unwrap_or(""),
            o["metadata"]["name"].as_str().unwrap_or("")
        )
    };
    let stock_text = std::fs::read_to_string(
        manifest_dir().join("fixtures/kustomize/argocd-cm-patch-over-stock/app/argocd-stock.yaml"),
    )
    .expect("stand-in");
    let stock: Vec<Value> = parse_stream(&stock_text, Schema::Kyaml)
        .expect("parses")
        .into_iter()
        .map(|d| d.value)
        .collect();
    let rendered = rendered_install();
    let mut changed: Vec<String> = Vec::new();
    for o in &stock {
        let after = rendered
            .iter()
            .find(|r| id(r) == id(o))
            .unwrap_or_else(|| panic!("{} kept", id(o)));
        if after != o {
            changed.push(id(o));
        }
    }
    changed.sort();
    assert_eq!(
        changed,
        ["ConfigMap argocd-cm", "Deployment argocd-repo-server"]
    );
    let added: Vec<String> = rendered
        .iter()
        .filter(|r| !stock.iter().any(|o| id(o) == id(r)))
        .map(id)
        .collect();
    for a in &added {
        assert!(
            a.contains("rollpin"),
            "{a}: the component adds only rollpin's objects"
        );
    }
    assert_eq!(
        added.len(),
        3 + 6 + 1,
        "CRDs, controller objects, plugin config: {added:?}"
    );
}

/// Runs `rollpin argocd-cm ARGS` from the repository root.
fn argocd_cm(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .arg("argocd-cm")
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .expect("runs rollpin")
}

#[test]
fn argocd_cm_emits_other_groups_only_when_named() {
    let out = argocd_cm(&["--group", "cert-manager.io"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("resource.customizations.health.cert-manager.io_Certificate: |"));
    assert!(!text.contains("external-secrets.io"));
    assert!(text.contains("resource.customizations.health.rollpin.dev_RollbackRequest: |"));
    // A user rule in a group no --group names is refused, not dropped silently.
    let out = argocd_cm(&["--rules", "fixtures/health/user-rules/rules.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("which no --group names; add `--group "),
        "{err}"
    );
    let out = argocd_cm(&["--group", "nothing.example"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--group nothing.example: no rule is in this group"),
        "{err}"
    );
}
