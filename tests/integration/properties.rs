//! Properties (proptest): a render is deterministic — the same bytes twice, from any
//! working directory and with the directory given relatively or absolutely — and the YAML
//! writer's output reads back (as kyaml reads resources) to the value it wrote.

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;
use serde_json::{Map, Value};

/// A small app: resources with random names, data and labels, a generator, and random
/// transformer fields.
#[derive(Debug, Clone)]
struct App {
    prefix: String,
    namespace: String,
    labels: Vec<(String, String)>,
    configmaps: Vec<(String, Vec<(String, String)>)>,
    literals: Vec<(String, String)>,
    replicas: u32,
}

fn ident() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,8}"
}

fn text() -> impl Strategy<Value = String> {
    // Printable text with YAML-significant characters, quotes, unicode and line breaks.
    proptest::collection::vec(
        prop_oneof![
            Just("yes".to_string()),
            Just("1.0".to_string()),
            Just(": ".to_string()),
            Just(" #".to_string()),
            Just("\n".to_string()),
            Just("'\"".to_string()),
            Just("é€😀".to_string()),
            "[ -~]{0,6}",
        ],
        0..5,
    )
    .prop_map(|parts| parts.concat())
}

fn app() -> impl Strategy<Value = App> {
    (
        ident(),
        ident(),
        proptest::collection::vec((ident(), ident()), 0..3),
        proptest::collection::btree_map(
            ident(),
            proptest::collection::btree_map(ident(), text(), 0..4),
            1..4,
        ),
        proptest::collection::btree_map(ident(), "[a-zA-Z0-9 ]{0,10}", 0..3),
        0u32..5,
    )
        .prop_map(|(prefix, namespace, labels, cms, lits, replicas)| App {
            prefix: format!("{prefix}-"),
            namespace,
            labels,
            configmaps: cms
                .into_iter()
                .map(|(n, d)| (n, d.into_iter().collect()))
                .collect(),
            literals: lits.into_iter().collect(),
            replicas,
        })
}

fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn write_app(dir: &Path, app: &App) {
    let mut k = String::from("resources:\n- resources.yaml\n- deploy.yaml\n");
    k.push_str(&format!(
        "namePrefix: {}\nnamespace: {}\n",
        yaml_string(&app.prefix),
        yaml_string(&app.namespace)
    ));
    if !app.labels.is_empty() {
        k.push_str("commonLabels:\n");
        for (key, v) in &app.labels {
            k.push_str(&format!("  l{key}: {}\n", yaml_string(v)));
        }
    }
    k.push_str("configMapGenerator:\n- name: gen\n  literals:\n");
    if app.literals.is_empty() {
        k.push_str("  - empty=\n");
    }
    for (key, v) in &app.literals {
        k.push_str(&format!("  - {}\n", yaml_string(&format!("{key}={v}"))));
    }
    k.push_str(&format!(
        "replicas:\n- name: web\n  count: {}\n",
        app.replicas
    ));
    let mut res = String::new();
    for (name, data) in &app.configmaps {
        res.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n"
        ));
        if data.is_empty() {
            res.push_str("  {}\n");
        }
        for (key, v) in data {
            res.push_str(&format!("  {key}: {}\n", yaml_string(v)));
        }
    }
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n        envFrom:\n        - configMapRef:\n            name: gen\n";
    std::fs::write(dir.join("kustomization.yaml"), k).expect("write");
    std::fs::write(dir.join("resources.yaml"), res).expect("write");
    std::fs::write(dir.join("deploy.yaml"), deploy).expect("write");
}

fn render(cwd: &Path, dir: &Path) -> (bool, Vec<u8>, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .arg("render")
        .arg(dir)
        .current_dir(cwd)
        .env_remove("ARGOCD_APP_SOURCE_PATH")
        .output()
        .expect("run rollpin");
    (out.status.success(), out.stdout, out.stderr)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn render_is_deterministic(app in app()) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("app");
        std::fs::create_dir_all(&dir).expect("mkdir");
        write_app(&dir, &app);
        let first = render(tmp.path(), Path::new("app"));
        prop_assert!(first.0, "render failed: {}", String::from_utf8_lossy(&first.2));
        let second = render(Path::new("/"), &dir);
        prop_assert_eq!(&first, &second);
        let other = tempfile::tempdir().expect("tempdir");
        let third = render(other.path(), &dir);
        prop_assert_eq!(&first, &third);
    }
}

/// Printable text without U+0085, U+2028 and U+2029: go-yaml v2 (and so kustomize, whose
/// bytes rollpin reproduces exactly) writes them raw inside quoted scalars as YAML 1.1
/// line breaks, which a YAML 1.2 reader then keeps as characters — found by this test;
/// kubectl kustomize prints the same bytes, so it is not a rollpin difference. Nor is the
/// key `<<`: go-yaml v2 writes it plain, and kyaml reads it back as a merge key (kustomize
/// behaves the same).
fn printable() -> impl Strategy<Value = String> {
    "\\PC{0,12}".prop_map(|s| {
        let s = s.replace(['\u{85}', '\u{2028}', '\u{2029}'], "_");
        if s == "<<" { "_".into() } else { s }
    })
}

/// Any JSON-like value a resource can hold (no nulls: kyaml turns some into text).
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e15f64..1.0e15).prop_map(Value::from),
        text().prop_map(Value::String),
        printable().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map(printable(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Numbers compare as float64, as they pass through Go's JSON (`1.0` is written `1`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn written_yaml_reads_back(fields in proptest::collection::btree_map("[a-z]{1,6}", value(), 1..5)) {
        let mut obj: Map<String, Value> = fields.into_iter().collect();
        obj.insert("kind".into(), Value::String("ConfigMap".into()));
        let doc = Value::Object(obj);
        let mut text = String::new();
        rollpin::yaml::write_document(&doc, &mut text);
        let docs = rollpin::yaml::parse_stream(&text, rollpin::yaml::Schema::Kyaml)
            .map_err(|e| TestCaseError::fail(format!("{e} in:\n{text}")))?;
        prop_assert_eq!(docs.len(), 1, "{}", text);
        prop_assert!(same(&doc, &docs[0].value), "wrote {:?}\nas:\n{}\nread {:?}", doc, text, docs[0].value);
    }
}

/// Kinds the assessor has specific rules for, and custom ones it assesses generically.
fn kind() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        Just(("apps/v1".to_string(), "Deployment".to_string())),
        Just(("apps/v1".to_string(), "StatefulSet".to_string())),
        Just(("apps/v1".to_string(), "DaemonSet".to_string())),
        Just(("v1".to_string(), "Pod".to_string())),
        Just(("v1".to_string(), "Service".to_string())),
        Just(("batch/v1".to_string(), "Job".to_string())),
        Just((
            "autoscaling/v2".to_string(),
            "HorizontalPodAutoscaler".to_string()
        )),
        Just(("cert-manager.io/v1".to_string(), "Certificate".to_string())),
        Just((
            "rollpin.dev/v1alpha1".to_string(),
            "RollbackRequest".to_string()
        )),
        Just(("example.com/v1".to_string(), "Widget".to_string())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any object — whatever its spec and status hold — gets a verdict without a panic, and
    /// a custom resource always gets one (generic conditions at least).
    #[test]
    fn assessor_gives_a_status_for_any_object(
        (api_version, kind) in kind(),
        spec in value(),
        status in value(),
        generation in proptest::option::of(any::<i64>()),
    ) {
        let mut metadata = Map::new();
        metadata.insert("name".into(), Value::String("x".into()));
        if let Some(g) = generation {
            metadata.insert("generation".into(), Value::from(g));
        }
        let obj = serde_json::json!({
            "apiVersion": api_version,
            "kind": kind,
            "metadata": Value::Object(metadata),
            "spec": spec,
            "status": status,
        });
        let assessor = rollpin::health::Assessor::new(
            Default::default(),
            rollpin::health::Timestamp::UNIX_EPOCH,
        );
        let verdict = assessor.assess(&obj);
        if kind == "Widget" {
            prop_assert!(verdict.is_some(), "a custom resource always gets a status");
        }
    }
}
