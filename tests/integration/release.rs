//! `rollpin render --release-record|--require-digests`, `rollpin verify` and `rollpin crds`
//! through the binary: the record pins what was rendered, the policy lists every unpinned
//! image, and verify reports each kind of drift with exit 3 (errors: exit 1, empty stdout).

use std::process::{Command, Output};

use crate::util::{App, assert_fails, assert_succeeds as stdout, drift_report, sha256_hex};
use serde_json::Value;

const REV: &str = "0123456789abcdef0123456789abcdef01234567";

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

/// An app: a Deployment (pinned main container, tag-only or pinned sidecar) reading a
/// generated ConfigMap and an external Secret, and a Service.
fn app(sidecar_image: &str, log_level: &str) -> App {
    let app = App::new();
    std::fs::create_dir_all(app.path(".git")).expect("mkdir .git");
    app.write(
        "app/kustomization.yaml",
        &format!(
            "namespace: shop\nresources:\n- deploy.yaml\n- svc.yaml\nconfigMapGenerator:\n- name: web-config\n  literals:\n  - LOG_LEVEL={log_level}\n"
        ),
    )
    .write(
        "app/deploy.yaml",
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/acme/web:1.0@{}\n        envFrom:\n        - configMapRef:\n            name: web-config\n        - secretRef:\n            name: external-creds\n      - name: proxy\n        image: {sidecar_image}\n",
            digest('a')
        ),
    )
    .write(
        "app/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n",
    );
    app
}

fn pinned_app() -> App {
    app(&format!("envoy:1.29@{}", digest('b')), "info")
}

fn rollpin(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .args(args)
        .env_remove("ARGOCD_APP_PARAMETERS")
        .envs(envs.iter().copied())
        .output()
        .expect("run rollpin")
}

fn render_record(app: &App, extra: &[&str]) -> Output {
    let dir = app.path("app");
    let mut args = vec![
        "render",
        dir.to_str().expect("utf-8 path"),
        "--release-record",
        "--app",
        "shop",
        "--revision",
        REV,
    ];
    args.extend_from_slice(extra);
    rollpin(&args, &[])
}

fn docs(yaml: &str) -> Vec<Value> {
    rollpin::yaml::parse_stream(yaml, rollpin::yaml::Schema::Kyaml)
        .expect("output parses")
        .into_iter()
        .map(|d| d.value)
        .collect()
}

#[test]
fn record_pins_the_render_it_follows() {
    let app = pinned_app();
    let plain = stdout(&app.render("app", &[]));
    let with_record = stdout(&render_record(
        &app,
        &["--repo-url", "https://git.example.com/shop.git"],
    ));
    // The record is appended after the unchanged stream.
    let rest = with_record
        .strip_prefix(plain.as_str())
        .and_then(|r| r.strip_prefix("---\n"))
        .expect("the record follows the plain render");
    let record = &docs(rest)[0];
    assert_eq!(record["kind"], "RollbackManifest");
    assert_eq!(record["metadata"]["name"], "shop-0123456");
    let spec = &record["spec"];
    assert_eq!(spec["renderDigest"], sha256_hex(plain.as_bytes()).as_str());
    assert_eq!(spec["source"]["revision"], REV);
    assert_eq!(
        spec["source"]["repoURL"],
        "https://git.example.com/shop.git"
    );
    let kinds: Vec<&str> = spec["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["ConfigMap", "Service", "Deployment"]);
    let workload = &spec["workloads"][0];
    assert_eq!(workload["namespace"], "shop");
    assert_eq!(workload["containers"][0]["digest"], digest('a').as_str());
    assert_eq!(workload["containers"][1]["digest"], digest('b').as_str());
    let configs = workload["configs"].as_array().expect("configs");
    assert_eq!(configs.len(), 2);
    assert!(
        configs[0]["sha256"]
            .as_str()
            .is_some_and(|s| s.starts_with("sha256:"))
    );
    // The external Secret is named but not hashed: the release does not render it.
    assert_eq!(configs[1]["name"], "external-creds");
    assert!(configs[1].get("sha256").is_none());
    // Same input, same bytes.
    assert_eq!(
        with_record,
        stdout(&render_record(
            &app,
            &["--repo-url", "https://git.example.com/shop.git"]
        ))
    );
}

#[test]
fn record_takes_argocd_variables_and_parameters() {
    let app = pinned_app();
    let dir = app.path("app");
    let out = rollpin(
        &["render", dir.to_str().expect("utf-8")],
        &[
            ("ARGOCD_APP_NAME", "shop-prod"),
            ("ARGOCD_APP_NAMESPACE", "argocd-apps"),
            ("ARGOCD_APP_REVISION", REV),
            ("ARGOCD_APP_REVISION_SHORT", "0123456"),
            (
                "ARGOCD_APP_SOURCE_REPO_URL",
                "https://git.example.com/shop.git",
            ),
            ("ARGOCD_APP_SOURCE_PATH", "app"),
            ("ARGOCD_APP_SOURCE_TARGET_REVISION", "main"),
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[{"name":"release-record","string":"true"},{"name":"require-digests","string":"true"}]"#,
            ),
        ],
    );
    let all = docs(&stdout(&out));
    let record = all.last().expect("documents");
    assert_eq!(record["metadata"]["name"], "shop-prod-0123456");
    assert_eq!(record["metadata"]["namespace"], "argocd-apps");
    assert_eq!(record["spec"]["source"]["targetRevision"], "main");
    assert_eq!(record["spec"]["source"]["path"], "app");
    let annotations = &record["metadata"]["annotations"];
    assert_eq!(
        annotations["argocd.argoproj.io/sync-options"],
        "Prune=false"
    );
    assert_eq!(
        annotations["argocd.argoproj.io/compare-options"],
        "IgnoreExtraneous"
    );
    assert_eq!(annotations["argocd.argoproj.io/sync-wave"], "1000");

    let bad = rollpin(
        &["render", dir.to_str().expect("utf-8")],
        &[(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"release-record","string":"on"}]"#,
        )],
    );
    assert_fails(
        &bad,
        &["parameter 'release-record': must be 'true' or 'false', got 'on'"],
    );
}

#[test]
fn record_needs_an_app_and_a_revision() {
    let app = pinned_app();
    let dir = app.path("app");
    let d = dir.to_str().expect("utf-8");
    assert_fails(
        &rollpin(&["render", d, "--release-record", "--app", "shop"], &[]),
        &["release record: no revision to pin: set --revision or ARGOCD_APP_REVISION"],
    );
    assert_fails(
        &rollpin(&["render", d, "--release-record", "--revision", REV], &[]),
        &["release record: no app name: set --app or ARGOCD_APP_NAME"],
    );
    // Both missing: both named at once.
    assert_fails(
        &rollpin(&["render", d, "--release-record"], &[]),
        &[
            "release record: no app name: set --app or ARGOCD_APP_NAME; \
           no revision to pin: set --revision or ARGOCD_APP_REVISION",
        ],
    );
}

#[test]
fn require_digests_lists_every_unpinned_image() {
    let app = app("envoy:1.29", "info");
    let dir = app.path("app");
    let out = rollpin(
        &["render", dir.to_str().expect("utf-8"), "--require-digests"],
        &[],
    );
    assert_fails(
        &out,
        &[
            "--require-digests: 1 image is not pinned by digest:\n  apps/v1 Deployment shop/web container proxy: envoy:1.29\n",
        ],
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("container app"));
    let pinned = pinned_app();
    stdout(&rollpin(
        &[
            "render",
            pinned.path("app").to_str().expect("utf-8"),
            "--require-digests",
        ],
        &[],
    ));
}

/// Renders `app` with a record into `app/../record.yaml` and returns its path.
fn record_file(app: &App) -> String {
    let out = stdout(&render_record(app, &[]));
    app.write("record.yaml", &out);
    app.path("record.yaml").to_str().expect("utf-8").to_string()
}

fn verify(app: &App, record: &str, extra: &[&str]) -> Output {
    let dir = app.path("app");
    let mut args = vec!["verify", dir.to_str().expect("utf-8"), "--record", record];
    args.extend_from_slice(extra);
    rollpin(&args, &[])
}

#[test]
fn verify_accepts_an_identical_re_render() {
    let app = pinned_app();
    let record = record_file(&app);
    let out = verify(&app, &record, &[]);
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "release shop-0123456 (revision {REV}): re-render of "
        )),
        "{text}"
    );
    assert!(
        text.contains("matches the record (3 objects, sha256:"),
        "{text}"
    );
    let json: Value = serde_json::from_slice(&verify(&app, &record, &["-o", "json"]).stdout)
        .expect("json report");
    assert_eq!(json["verified"], true);
    assert_eq!(json["drift"], serde_json::json!([]));
}

#[test]
fn verify_reports_a_moved_image() {
    let app = pinned_app();
    let record = record_file(&app);
    app.edit("app/deploy.yaml", &digest('b'), &digest('c'));
    let text = drift_report(&verify(&app, &record, &[]));
    assert!(
        text.contains(&format!(
            "image    apps/v1 Deployment shop/web container proxy: envoy:1.29@{} -> envoy:1.29@{}",
            digest('b'),
            digest('c')
        )),
        "{text}"
    );
    assert!(
        text.starts_with("release shop-0123456 (revision "),
        "{text}"
    );
    assert!(text.contains("1 difference"), "{text}");
}

#[test]
fn verify_names_the_config_a_generated_one_became() {
    let app = pinned_app();
    let record = record_file(&app);
    app.edit(
        "app/kustomization.yaml",
        "LOG_LEVEL=info",
        "LOG_LEVEL=debug",
    );
    let text = drift_report(&verify(&app, &record, &[]));
    // The generated name changes with its content: one config line says so; the vanished
    // and appeared ConfigMaps and the Deployment's new reference are not repeated.
    assert!(
        text.contains("config   v1 ConfigMap shop/web-config-"),
        "{text}"
    );
    assert!(text.contains(" (now generated as web-config-"), "{text}");
    assert!(!text.contains("object "), "{text}");
    assert!(text.contains("1 difference"), "{text}");
}

#[test]
fn images_outside_pod_templates_are_pinned_too() {
    let app = pinned_app();
    app.edit("app/kustomization.yaml", "- svc.yaml\n", "- svc.yaml\n- prom.yaml\n")
        .write(
        "app/prom.yaml",
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: k8s\nspec:\n  image: quay.io/prometheus/prometheus:v2.54.1\n",
    );
    let dir = app.path("app");
    assert_fails(
        &rollpin(
            &["render", dir.to_str().expect("utf-8"), "--require-digests"],
            &[],
        ),
        &[
            "monitoring.coreos.com/v1 Prometheus shop/k8s field spec.image: quay.io/prometheus/prometheus:v2.54.1",
        ],
    );
    let record = record_file(&app);
    let text = drift_report(&verify(&app, &record, &[]));
    assert!(
        text.contains("unpinned monitoring.coreos.com/v1 Prometheus shop/k8s field spec.image: quay.io/prometheus/prometheus:v2.54.1 has no digest"),
        "{text}"
    );
    let pinned = format!("quay.io/prometheus/prometheus:v2.54.1@{}", digest('d'));
    app.edit(
        "app/prom.yaml",
        "quay.io/prometheus/prometheus:v2.54.1",
        &pinned,
    );
    let record = record_file(&app);
    stdout(&verify(&app, &record, &[]));
    app.edit("app/prom.yaml", &digest('d'), &digest('e'));
    let text = drift_report(&verify(&app, &record, &[]));
    assert!(
        text.contains(&format!(
            "image    monitoring.coreos.com/v1 Prometheus shop/k8s field spec.image: {pinned} -> quay.io/prometheus/prometheus:v2.54.1@{}",
            digest('e')
        )),
        "{text}"
    );
    assert!(text.contains("1 difference"), "{text}");
    // Live: the operator's object runs another image.
    let live = stdout(&app.render("app", &[]));
    app.write("live.yaml", &live);
    let live_path = app.path("live.yaml");
    let text = drift_report(&rollpin(
        &[
            "verify",
            "--record",
            &record,
            "--live",
            live_path.to_str().expect("utf-8"),
        ],
        &[],
    ));
    assert!(text.contains("field spec.image: "), "{text}");
}

#[test]
fn verify_reports_a_config_edited_in_place() {
    let app = pinned_app();
    app.write(
        "app/kustomization.yaml",
        "namespace: shop\nresources:\n- deploy.yaml\n- svc.yaml\nconfigMapGenerator:\n- name: web-config\n  options:\n    disableNameSuffixHash: true\n  literals:\n  - LOG_LEVEL=info\n",
    );
    let record = record_file(&app);
    app.edit(
        "app/kustomization.yaml",
        "LOG_LEVEL=info",
        "LOG_LEVEL=debug",
    );
    let text = drift_report(&verify(&app, &record, &[]));
    assert!(
        text.contains("config   v1 ConfigMap shop/web-config: sha256:"),
        "{text}"
    );
    // The ConfigMap's own object drift is explained by the config line.
    assert!(!text.contains("object   v1 ConfigMap"), "{text}");
    assert!(text.contains("1 difference"), "{text}");
}

#[test]
fn verify_reports_objects_that_appear_or_vanish() {
    let app = pinned_app();
    let record = record_file(&app);
    app.write(
        "app/kustomization.yaml",
        "namespace: shop\nresources:\n- deploy.yaml\n- extra.yaml\nconfigMapGenerator:\n- name: web-config\n  literals:\n  - LOG_LEVEL=info\n",
    )
    .write(
        "app/extra.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n",
    );
    let text = drift_report(&verify(&app, &record, &[]));
    assert!(
        text.contains("object   v1 Service shop/web: in the release, now absent"),
        "{text}"
    );
    assert!(
        text.contains("object   v1 ServiceAccount shop/web: not in the release, now sha256:"),
        "{text}"
    );
    assert!(text.contains("2 differences"), "{text}");
}

#[test]
fn verify_refuses_unpinned_images_unless_allowed() {
    let app = app("envoy:1.29", "info");
    let record = record_file(&app);
    let text = drift_report(&verify(&app, &record, &[]));
    assert!(
        text.contains(
            "unpinned apps/v1 Deployment shop/web container proxy: envoy:1.29 has no digest"
        ),
        "{text}"
    );
    stdout(&verify(&app, &record, &["--allow-unpinned"]));
}

#[test]
fn verify_compares_live_objects() {
    let app = pinned_app();
    let record = record_file(&app);
    let rendered = stdout(&app.render("app", &[]));
    let mut objects = docs(&rendered);
    // What the API server returns: status, uid, and stringData folded into data.
    for o in &mut objects {
        o["metadata"]["uid"] = Value::from("1234");
        if o["kind"] == "Deployment" {
            o["status"] = serde_json::json!({"replicas": 1});
        }
    }
    let list = |objs: &[Value]| {
        serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objs}).to_string()
    };
    app.write("live.json", &list(&objects));
    let live = app.path("live.json");
    let live = live.to_str().expect("utf-8");
    // No Pods in the input: the Deployment is not running, unless that is on purpose.
    let text = drift_report(&rollpin(
        &["verify", "--record", &record, "--live", live],
        &[],
    ));
    assert!(
        text.contains("running  apps/v1 Deployment shop/web: not running: no Pod of it"),
        "{text}"
    );
    let out = rollpin(
        &["verify", "--record", &record, "--live", live, "--no-pods"],
        &[],
    );
    let text = stdout(&out);
    assert!(
        text.contains(": live objects in ")
            && text.contains(
                "match the record (1 workload, 1 config, running images not checked (--no-pods))"
            ),
        "{text}"
    );

    // Someone ran `kubectl set image` and edited the ConfigMap.
    for o in &mut objects {
        if o["kind"] == "Deployment" {
            o["spec"]["template"]["spec"]["containers"][1]["image"] = Value::from("envoy:1.30");
        }
        if o["kind"] == "ConfigMap" {
            o["data"]["LOG_LEVEL"] = Value::from("trace");
        }
    }
    app.write("live.json", &list(&objects));
    let text = drift_report(&rollpin(
        &["verify", "--record", &record, "--live", live],
        &[],
    ));
    assert!(
        text.contains(&format!(
            "container proxy: envoy:1.29@{} -> envoy:1.30",
            digest('b')
        )),
        "{text}"
    );
    assert!(
        text.contains("config   v1 ConfigMap shop/web-config-"),
        "{text}"
    );

    // What runs: a Pod of the Deployment reports the digests it pulled.
    let pod = |proxy: &str| {
        serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-7d4b9c-x2x", "namespace": "shop", "labels": {"app": "web"}},
            "status": {"containerStatuses": [
                {"name": "app", "imageID": format!("ghcr.io/acme/web@{}", digest('a'))},
                {"name": "proxy", "imageID": format!("docker-pullable://envoy@{proxy}")}]}})
    };
    let mut with_pod = objects.clone();
    for o in &mut with_pod {
        if o["kind"] == "Deployment" {
            o["spec"]["template"]["spec"]["containers"][1]["image"] =
                Value::from(format!("envoy:1.29@{}", digest('b')));
        }
        if o["kind"] == "ConfigMap" {
            o["data"]["LOG_LEVEL"] = Value::from("info");
        }
    }
    with_pod.push(pod(&digest('b')));
    app.write("live.json", &list(&with_pod));
    stdout(&rollpin(
        &["verify", "--record", &record, "--live", live],
        &[],
    ));
    with_pod.pop();
    with_pod.push(pod(&digest('f')));
    app.write("live.json", &list(&with_pod));
    let text = drift_report(&rollpin(
        &["verify", "--record", &record, "--live", live],
        &[],
    ));
    assert!(
        text.contains(&format!(
            "running  v1 Pod shop/web-7d4b9c-x2x container proxy: runs {}, the release pins {}",
            digest('f'),
            digest('b')
        )),
        "{text}"
    );
    assert!(text.contains("1 difference"), "{text}");

    objects.retain(|o| o["kind"] != "Deployment");
    app.write("live.json", &list(&objects));
    let text = drift_report(&rollpin(
        &["verify", "--record", &record, "--live", live],
        &[],
    ));
    assert!(
        text.contains("object   apps/v1 Deployment shop/web: in the release, now absent"),
        "{text}"
    );
}

#[test]
fn verify_errors_name_the_record_file() {
    let app = pinned_app();
    let missing = app.path("nope.yaml");
    let missing = missing.to_str().expect("utf-8");
    assert_fails(&verify(&app, missing, &[]), &["nope.yaml"]);
    app.write(
        "plain.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    let plain = app.path("plain.yaml");
    assert_fails(
        &verify(&app, plain.to_str().expect("utf-8"), &[]),
        &["plain.yaml: no RollbackManifest (rollpin.dev) in the file"],
    );
    let record = record_file(&app);
    let text = std::fs::read_to_string(&record).expect("read");
    let rec_doc = &text[text.rfind("apiVersion: rollpin.dev").expect("record")..];
    let second = rec_doc.replace("name: shop-0123456", "name: shop-7654321");
    app.write("two.yaml", &format!("{rec_doc}---\n{second}"));
    let two = app.path("two.yaml");
    let two = two.to_str().expect("utf-8");
    assert_fails(
        &verify(&app, two, &[]),
        &["two.yaml: 2 RollbackManifests (shop-0123456, shop-7654321); choose one with --name"],
    );
    stdout(&verify(&app, two, &["--name", "shop-0123456"]));
    assert_fails(
        &verify(&app, two, &["--name", "shop-x"]),
        &["no RollbackManifest named \"shop-x\""],
    );
    app.write(
        "broken.yaml",
        &rec_doc.replace(
            "  renderDigest: sha256:",
            "  renderDigest: [sha256:]\n  x: ",
        ),
    );
    let broken = app.path("broken.yaml");
    assert_fails(
        &verify(&app, broken.to_str().expect("utf-8"), &[]),
        &["broken.yaml: RollbackManifest \"shop-0123456\": spec.renderDigest: invalid type"],
    );
    assert_fails(
        &verify(&app, &record, &["--max-file-bytes", "100"]),
        &[
            "record.yaml: ",
            "over the 100-byte file limit (--max-file-bytes)",
        ],
    );
    stdout(&verify(&app, &record, &["--revision", &REV[..7]]));
    stdout(&verify(&app, &record, &["--revision", REV]));
    assert_fails(
        &verify(&app, &record, &["--revision", "fedcba9876"]),
        &[&format!(
            "record.yaml: release shop-0123456 was recorded from revision \"{REV}\", not fedcba9876"
        )],
    );
    // A re-render that fails is an error, not drift.
    app.write("app/kustomization.yaml", "resources:\n- missing.yaml\n");
    assert_fails(
        &verify(&app, &record, &[]),
        &["re-rendering ", "missing.yaml"],
    );
}

#[test]
fn crds_print_every_definition() {
    let out = rollpin(&["crds"], &[]);
    let all = docs(&stdout(&out));
    let names: Vec<&str> = all
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "rollbackmanifests.rollpin.dev",
            "rollbackrequests.rollpin.dev",
            "rollbackpolicies.rollpin.dev"
        ]
    );
    assert!(all.iter().all(|d| d["kind"] == "CustomResourceDefinition"));
}

/// The record in `record_path` with the status `verify -o status` printed merged in.
fn record_with_status(record_path: &str, patch: &[u8]) -> Value {
    let text = std::fs::read_to_string(record_path).expect("read record");
    let mut record = docs(&text)
        .into_iter()
        .find(|d| d["kind"] == "RollbackManifest")
        .expect("record");
    let patch: Value = serde_json::from_slice(patch).expect("status patch is JSON");
    record["status"] = patch["status"].clone();
    record
}

fn health_of(app: &App, record: &Value) -> Value {
    app.write("assessed.json", &record.to_string());
    let file = app.path("assessed.json");
    let out = rollpin(
        &["health", "-o", "json", file.to_str().expect("utf-8")],
        &[],
    );
    serde_json::from_slice(&out.stdout).expect("health json")
}

#[test]
fn verify_status_patch_drives_the_records_health() {
    let app = pinned_app();
    let record = record_file(&app);
    // As rendered (no status): recorded, not verified, and not holding the app back.
    let fresh = record_with_status(&record, br#"{"status": null}"#);
    let health = health_of(&app, &fresh);
    assert_eq!(
        health["resources"][0]["health"]["status"], "Healthy",
        "{health}"
    );
    assert_eq!(
        health["resources"][0]["health"]["message"],
        "Release recorded; not verified against the live state"
    );
    let ok = verify(&app, &record, &["-o", "status"]);
    assert!(ok.status.success());
    let patched = record_with_status(&record, &ok.stdout);
    let cond = &patched["status"]["conditions"][0];
    assert_eq!(cond["type"], "Verified");
    assert_eq!(cond["status"], "True");
    assert_eq!(cond["reason"], "Matches");
    assert!(
        cond["lastTransitionTime"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    let health = health_of(&app, &patched);
    assert_eq!(
        health["resources"][0]["health"]["status"], "Healthy",
        "{health}"
    );
    assert_eq!(
        health["resources"][0]["health"]["message"], "Live state matches the release",
        "{health}"
    );

    app.edit("app/deploy.yaml", &digest('b'), &digest('c'));
    let drifted = verify(&app, &record, &["-o", "status"]);
    assert_eq!(drifted.status.code(), Some(3));
    let patched = record_with_status(&record, &drifted.stdout);
    assert_eq!(patched["status"]["conditions"][0]["status"], "False");
    assert_eq!(patched["status"]["drift"][0]["field"], "image");
    let health = health_of(&app, &patched);
    assert_eq!(
        health["resources"][0]["health"]["status"], "Degraded",
        "{health}"
    );
    let message = health["resources"][0]["health"]["message"]
        .as_str()
        .unwrap_or("");
    assert!(
        message.starts_with("Live state differs from the release: Deployment shop/web container proxy: image envoy:1.29@sha256:bbbb"),
        "{message}"
    );
}
