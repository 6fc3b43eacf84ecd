//! Tests of the parent module, from cases recorded with kubectl kustomize.
//! Cases recorded with `kubectl kustomize` (kustomize v5.5.0).
use super::*;
use crate::yaml::{Schema, parse_stream};

const BASE: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  labels: {app: web}
  annotations: {a.b/c: dotted}
data: {host: db.example.com, port: "5432", num: 42, flag: true, list: "a,b,c", empty: "", nul: null}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {x: y}}
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.0
        env: [{name: HOST, value: x}, {name: PORT, value: "1"}]
      - {name: sidecar, image: busybox}
      - {name: myapp2, image: foo}
"#;

fn docs(yaml: &str) -> Vec<Value> {
    parse_stream(yaml, Schema::Kyaml)
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect()
}

fn resmap(yaml: &str) -> ResMap {
    ResMap {
        resources: docs(yaml)
            .into_iter()
            .map(|v| Resource::new(v, "test"))
            .collect(),
    }
}

/// Parses the `replacements:` list of a kustomization (YAML 1.1, strict).
fn parse(kustomization: &str) -> Result<Vec<Replacement>, String> {
    let v = parse_stream(kustomization, Schema::Yaml11).unwrap()[0]
        .value
        .clone();
    let entries = entries_from_value(&v["replacements"])?;
    configure(&entries, |p| Err(format!("no file {p}")))
}

fn run_on(rm: &mut ResMap, kustomization: &str) -> Result<(), String> {
    apply(rm, &parse(kustomization)?)
}

fn run(resources: &str, kustomization: &str) -> Result<ResMap, String> {
    let mut rm = resmap(resources);
    run_on(&mut rm, kustomization)?;
    Ok(rm)
}

fn obj<'a>(rm: &'a ResMap, kind: &str, name: &str) -> &'a Value {
    &rm.resources
        .iter()
        .find(|r| r.kind() == kind && r.name() == name)
        .unwrap()
        .obj
}

fn at<'a>(rm: &'a ResMap, kind: &str, name: &str, pointer: &str) -> &'a Value {
    obj(rm, kind, name).pointer(pointer).unwrap()
}

fn err(resources: &str, kustomization: &str) -> String {
    run(resources, kustomization).unwrap_err()
}

const IMAGES: [&str; 3] = [
    "/spec/template/spec/containers/0/image",
    "/spec/template/spec/containers/1/image",
    "/spec/template/spec/containers/2/image",
];

fn images(rm: &ResMap) -> Vec<&str> {
    IMAGES
        .iter()
        .map(|p| at(rm, "Deployment", "web", p).as_str().unwrap())
        .collect()
}

#[test]
fn copies_into_a_selected_list_item() {
    let rm = run(
        BASE,
        r"
replacements:
- source: {kind: ConfigMap, name: cm, fieldPath: data.host}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=app].env.[name=HOST].value']
",
    )
    .unwrap();
    let want = docs(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      x: "y"
  template:
    spec:
      containers:
      - env:
        - name: HOST
          value: db.example.com
        - name: PORT
          value: "1"
        image: nginx:1.0
        name: app
      - image: busybox
        name: sidecar
      - image: foo
        name: myapp2
"#,
    );
    assert_eq!(obj(&rm, "Deployment", "web"), &want[0]);
    assert_eq!(obj(&rm, "ConfigMap", "cm"), &docs(BASE)[0]);
}

#[test]
fn target_list_selector_is_an_unanchored_regex() {
    let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths:\n    - spec.template.spec.containers.[name=app].image\n";
    let rm = run(BASE, k).unwrap();
    assert_eq!(images(&rm), ["db.example.com", "busybox", "db.example.com"]);
    let k = k.replace("[name=app]", "[name=.*car]");
    assert_eq!(
        images(&run(BASE, &k).unwrap()),
        ["nginx:1.0", "db.example.com", "foo"]
    );
    let k = k.replace("[name=.*car]", "[name=^app$]");
    assert_eq!(
        images(&run(BASE, &k).unwrap()),
        ["db.example.com", "busybox", "foo"]
    );
}

#[test]
fn numeric_index_and_wildcard_targets() {
    let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.template.spec.containers.1.image]\n";
    assert_eq!(
        images(&run(BASE, k).unwrap()),
        ["nginx:1.0", "db.example.com", "foo"]
    );
    let k = k.replace(".1.", ".*.");
    assert_eq!(images(&run(BASE, &k).unwrap()), ["db.example.com"; 3]);
}

#[test]
fn create_adds_fields_list_items_and_indices() {
    let rm = run(
        BASE,
        r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.host}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - metadata.annotations.foo
    - spec.template.metadata.labels.x
    - spec.newlist.[name=a].val
    - spec.idx.0.b
    options: {create: true}
",
    )
    .unwrap();
    let d = obj(&rm, "Deployment", "web");
    assert_eq!(
        d["metadata"]["annotations"],
        serde_json::json!({"foo": "db.example.com"})
    );
    assert_eq!(
        d["spec"]["template"]["metadata"],
        serde_json::json!({"labels": {"x": "db.example.com"}})
    );
    assert_eq!(
        d["spec"]["newlist"],
        serde_json::json!([{"name": "a", "val": "db.example.com"}])
    );
    assert_eq!(
        d["spec"]["idx"],
        serde_json::json!([{"b": "db.example.com"}])
    );
}

#[test]
fn missing_target_field_without_create_is_an_error() {
    let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [metadata.annotations.foo]\n";
    assert_eq!(
        err(BASE, k),
        "unable to find field \"metadata.annotations.foo\" in replacement target"
    );
}

#[test]
fn source_delimiter_picks_a_part() {
    let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.list, options: {delimiter: ',', index: 1}}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: ['spec.template.spec.containers.[name=sidecar].image']\n";
    assert_eq!(images(&run(BASE, k).unwrap()), ["nginx:1.0", "b", "foo"]);
    let k = k.replace("index: 1", "index: -1");
    assert_eq!(
        err(BASE, &k),
        "options.index -1 is out of bounds for the source value (3 parts; value not shown)"
    );
}

#[test]
fn target_delimiter_replaces_prepends_or_appends() {
    let rm = run(
        BASE,
        r#"
replacements:
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=app].image']
    options: {delimiter: ":", index: 1}
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=sidecar].image']
    options: {delimiter: "/", index: -1}
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=myapp2].image']
    options: {delimiter: "/", index: 7}
"#,
    )
    .unwrap();
    assert_eq!(images(&rm), ["nginx:5432", "5432/busybox", "foo:5432/5432"]);
}

#[test]
fn source_must_select_exactly_one_resource() {
    let k = "replacements:\n- source: {kind: ConfigMap, name: nope}\n  targets:\n  - select: {kind: Deployment}\n";
    assert_eq!(
        err(BASE, k),
        "nothing selected by ConfigMap.[noVer].[noGrp]/nope.[noNs]"
    );
    let two = format!("{BASE}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm2}}\n");
    let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host, options: {delimiter: .}}\n  targets:\n  - select: {kind: Deployment}\n";
    assert_eq!(
        err(&two, k),
        "multiple matches for selector ConfigMap.[noVer].[noGrp]/[noName].[noNs]:data.host:.(0), create=false"
    );
}

#[test]
fn missing_null_or_empty_source_field_is_an_error() {
    for field in ["data.missing", "data.nul"] {
        let k = format!(
            "replacements:\n- source: {{kind: ConfigMap, fieldPath: {field}}}\n  targets:\n  - select: {{kind: Deployment}}\n"
        );
        assert_eq!(
            err(BASE, &k),
            format!(
                "fieldPath `{field}` is missing for replacement source ConfigMap.[noVer].[noGrp]/[noName].[noNs]"
            )
        );
    }
}

#[test]
fn existing_scalars_keep_their_type() {
    let rm = run(
        BASE,
        r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.num}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.template.spec.containers.[name=app].env.[name=HOST].value
    - metadata.labels.app
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.replicas]
- source: {kind: ConfigMap, fieldPath: data.flag}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['spec.template.spec.containers.[name=app].env.[name=PORT].value']
",
    )
    .unwrap();
    let d = obj(&rm, "Deployment", "web");
    assert_eq!(d["metadata"]["labels"]["app"], "42");
    assert_eq!(d["spec"]["replicas"], 5432);
    let env = &d["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(
        env,
        &serde_json::json!([{"name": "HOST", "value": "42"}, {"name": "PORT", "value": "true"}])
    );
}

#[test]
fn text_that_does_not_fit_the_target_type_is_an_error() {
    let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.replicas]\n";
    assert_eq!(
        err(BASE, k),
        "map[string]interface {}(nil): yaml: cannot decode !!str value as a !!int"
    );
    let pod = format!(
        "{BASE}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{n: null, b: true}}\n"
    );
    let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Pod}\n    fieldPaths: [spec.n]\n";
    assert_eq!(
        err(&pod, k),
        "map[string]interface {}(nil): yaml: cannot decode !!str value as a !!null"
    );
    let k = k
        .replace("data.host", "data.port")
        .replace("spec.n", "spec.b");
    assert_eq!(
        err(&pod, &k),
        "map[string]interface {}(nil): yaml: cannot decode !!int value as a !!bool"
    );
}

#[test]
fn created_scalars_resolve_as_plain_yaml() {
    let rm = run(
        BASE,
        r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - metadata.annotations.port
    - spec.template.spec.containers.[name=app].env.[name=PORT].value
    options: {create: true}
- source: {kind: ConfigMap, fieldPath: data.empty}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.emptyval, 'spec.template.spec.containers.[name=sidecar].image']
    options: {create: true}
- source: {kind: ConfigMap, fieldPath: data.flag}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.flagval]
    options: {create: true}
- source: {kind: ConfigMap, fieldPath: metadata.labels}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.selector.matchLabels
    - spec.template.metadata.labels
    - spec.template.spec.containers.[name=myapp2].image
    options: {create: true}
",
    )
    .unwrap();
    let want = docs(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    port: "5432"
  labels:
    app: web
  name: web
spec:
  emptyval: null
  flagval: true
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - env:
        - name: HOST
          value: x
        - name: PORT
          value: "5432"
        image: nginx:1.0
        name: app
      - image: ""
        name: sidecar
      - env:
        - name: PORT
          value: 5432
        image: ""
        name: myapp2
"#,
    );
    assert_eq!(obj(&rm, "Deployment", "web"), &want[0]);
}

mod more;
