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

#[test]
fn bracketed_and_escaped_keys() {
    let rm = run(
        BASE,
        r"
replacements:
- source: {kind: ConfigMap, fieldPath: 'metadata.annotations.[a.b/c]'}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ['metadata.annotations.[x.y/z]', 'metadata.labels.a\.b']
    options: {create: true}
",
    )
    .unwrap();
    let md = &obj(&rm, "Deployment", "web")["metadata"];
    assert_eq!(md["annotations"], serde_json::json!({"x.y/z": "dotted"}));
    assert_eq!(
        md["labels"],
        serde_json::json!({"a.b": "dotted", "app": "web"})
    );
}

#[test]
fn reject_by_id_or_by_label() {
    let more = format!(
        "{BASE}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: other, labels: {{skip: 'yes'}}}}\nspec: {{replicas: 2}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: third, namespace: ns1}}\nspec: {{replicas: 3}}\n"
    );
    let rm = run(
        &more,
        r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.num}
  targets:
  - select: {kind: Deployment}
    reject: [{name: web}, {labelSelector: skip=yes}]
    fieldPaths: [spec.replicas]
",
    )
    .unwrap();
    assert_eq!(at(&rm, "Deployment", "web", "/spec/replicas"), 1);
    assert_eq!(at(&rm, "Deployment", "other", "/spec/replicas"), 2);
    assert_eq!(at(&rm, "Deployment", "third", "/spec/replicas"), 42);
}

#[test]
fn reject_entries_reject_by_id_even_when_their_label_selector_fails() {
    let rm = run(
            BASE,
            r#"
replacements:
- source: {namespace: default, version: v1, group: apps, fieldPath: "spec.template.spec.containers.[name=app].env.[name=HOST].value"}
  targets:
  - select: {namespace: default, version: v1, group: ""}
    reject: [{kind: Deployment, labelSelector: nomatch=1}]
    fieldPaths: [data.host]
  - select: {kind: Deployment}
    fieldPaths: []
"#,
        )
        .unwrap();
    assert_eq!(at(&rm, "ConfigMap", "cm", "/data/host"), "x");
    assert_eq!(
        rm.resources[1].name(),
        "x",
        "default target field is metadata.name"
    );
}

#[test]
fn selects_by_current_or_earlier_ids() {
    // namePrefix p- and namespace team, as the earlier transformers leave them.
    let mut rm = resmap(BASE);
    for r in &mut rm.resources {
        r.store_previous_id();
        r.set_namespace("team");
        r.store_previous_id();
        let name = format!("p-{}", r.name());
        r.set_name(&name);
    }
    run_on(
        &mut rm,
        r"
replacements:
- source: {kind: ConfigMap, name: cm}
  targets:
  - select: {name: web, namespace: team}
    fieldPaths: [metadata.annotations.cmname]
    options: {create: true}
- source: {kind: Deployment, name: p-web, namespace: team}
  targets:
  - select: {name: cm, namespace: default}
    fieldPaths: [data.host]
",
    )
    .unwrap();
    assert_eq!(
        at(&rm, "Deployment", "p-web", "/metadata/annotations/cmname"),
        "p-cm"
    );
    assert_eq!(at(&rm, "ConfigMap", "p-cm", "/data/host"), "p-web");
}

#[test]
fn replacements_file_holds_a_list_or_one_and_ignores_unknown_fields() {
    let list = parse_stream(
            "- source: {kind: ConfigMap, fieldPath: data.port}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [metadata.labels.app]\n    bogus: 1\n",
            Schema::Yaml11,
        )
        .unwrap()[0]
            .value
            .clone();
    let single = parse_stream(
            "source: {kind: ConfigMap, fieldPath: data.host}\ntargets:\n- select: {kind: Deployment}\n  fieldPaths: [metadata.labels.app2]\n  options: {create: true}\n",
            Schema::Yaml11,
        )
        .unwrap()[0]
            .value
            .clone();
    let mut all = from_value(&list).unwrap();
    all.extend(from_value(&single).unwrap());
    let mut rm = resmap(BASE);
    apply(&mut rm, &all).unwrap();
    assert_eq!(
        at(&rm, "Deployment", "web", "/metadata/labels"),
        &serde_json::json!({"app": "5432", "app2": "db.example.com"})
    );
    assert_eq!(
        from_value(&Value::String("hello".into())).unwrap_err(),
        "unsupported replacement type encountered within replacement path: string"
    );
}

#[test]
fn kustomization_entries_are_strict() {
    let k = "replacements:\n- source: {kind: ConfigMap}\n  targets:\n  - select: {kind: Deployment}\n    bogus: x\n";
    assert_eq!(parse(k).unwrap_err(), "json: unknown field \"bogus\"");
    let k = "replacements:\n- path: r.yaml\n  source: {kind: ConfigMap}\n";
    assert_eq!(
        parse(k).unwrap_err(),
        "cannot specify both path and inline replacement"
    );
    let k = "replacements:\n- path: r.yaml\n- Source: {Kind: ConfigMap, FIELDPATH: data.host}\n  targets: []\n";
    let v = parse_stream(k, Schema::Yaml11).unwrap()[0].value.clone();
    let entries = entries_from_value(&v["replacements"]).unwrap();
    assert_eq!(entries[0].path, "r.yaml");
    assert_eq!(
        entries[1]
            .inline
            .source
            .as_ref()
            .map(|s| s.field_path.as_str()),
        Some("data.host")
    );
    let mut asked = Vec::new();
    let all = configure(&entries, |p| {
        asked.push(p.to_string());
        Ok(Value::Array(Vec::new()))
    })
    .unwrap();
    assert_eq!((asked, all.len()), (vec!["r.yaml".to_string()], 1));
}

#[test]
fn source_and_select_are_required() {
    let k = "replacements:\n- targets:\n  - select: {kind: Deployment}\n";
    assert_eq!(
        err(BASE, k),
        "replacements must specify a source and at least one target"
    );
    let k =
        "replacements:\n- source: {kind: ConfigMap}\n  targets:\n  - fieldPaths: [metadata.name]\n";
    assert_eq!(err(BASE, k), "target must specify resources to select");
}

#[test]
fn source_paths_match_exactly_and_refuse_wildcards() {
    let k = "replacements:\n- source: {kind: Deployment, fieldPath: 'spec.template.spec.containers.[name=ap].image'}\n  targets:\n  - select: {kind: ConfigMap}\n    fieldPaths: [data.host]\n";
    assert_eq!(
        err(BASE, k),
        "fieldPath `spec.template.spec.containers.[name=ap].image` is missing for replacement source Deployment.[noVer].[noGrp]/[noName].[noNs]"
    );
    let k = k.replace("[name=ap]", "*");
    assert_eq!(
        err(BASE, &k),
        "error looking up replacement source: wildcard is not supported in PathGetter"
    );
    let k = k.replace(".*.", ".");
    assert!(err(BASE, &k).starts_with(
            "error looking up replacement source: wrong node kind: expected MappingNode but got SequenceNode: node contents:\n- "
        ));
}

#[test]
fn source_index_and_last_item() {
    let pod = format!("{BASE}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\n");
    let rm = run(
            &pod,
            r"
replacements:
- source: {kind: Deployment, fieldPath: spec.template.spec.containers.-.image}
  targets:
  - select: {kind: Pod}
    fieldPaths: [metadata.labels.last]
    options: {create: true}
- source: {kind: Deployment, fieldPath: spec.template.spec.containers.0.name}
  targets:
  - select: {kind: Pod}
    fieldPaths: [metadata.labels.first]
    options: {create: true}
- source: {kind: Deployment, fieldPath: 'spec.template.spec.containers.[name=sidecar].image', options: {encoding: base64}}
  targets:
  - select: {kind: Pod}
    fieldPaths: [metadata.labels.sc]
    options: {create: true}
",
        )
        .unwrap();
    assert_eq!(
        at(&rm, "Pod", "p", "/metadata/labels"),
        &serde_json::json!({"first": "app", "last": "foo", "sc": "busybox"})
    );
}

#[test]
fn typed_pod_fields() {
    let pod = format!(
        "{BASE}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{n: null, e: null, f: 1.5, b: false, i: 3, s: str, list: [x, y, z]}}\n"
    );
    let rm = run(
        &pod,
        r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Pod}
    fieldPaths: [spec.f, spec.i, spec.s, spec.list.1, 'spec.list.[=z]']
- source: {kind: ConfigMap, fieldPath: data.flag}
  targets:
  - select: {kind: Pod}
    fieldPaths: [spec.b]
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Pod}
    fieldPaths: [metadata.labels.num, spec.created.0, 'spec.created2.[=a]']
    options: {create: true}
",
    )
    .unwrap();
    let want = docs(
        r#"
apiVersion: v1
kind: Pod
metadata:
  labels:
    num: 5432
  name: p
spec:
  b: true
  created:
  - 5432
  created2:
  - 5432
  e: null
  f: 5432.0
  i: 5432
  list:
  - x
  - "5432"
  - "5432"
  "n": null
  s: "5432"
"#,
    );
    assert_eq!(obj(&rm, "Pod", "p"), &want[0]);
}

#[test]
fn target_path_errors() {
    let k = |fp: &str| {
        format!(
            "replacements:\n- source: {{kind: ConfigMap, fieldPath: data.host}}\n  targets:\n  - select: {{kind: Deployment}}\n    fieldPaths: ['{fp}']\n"
        )
    };
    assert_eq!(
        err(BASE, &k("spec.template.spec.containers.5.image")),
        "unable to find field \"spec.template.spec.containers.5.image\" in replacement target: index 5 specified but only 3 elements found"
    );
    assert_eq!(
        err(BASE, &k("metadata.name.foo")),
        "unable to find field \"metadata.name.foo\" in replacement target: wrong node kind: expected MappingNode but got ScalarNode: node contents:\nweb\n"
    );
    assert_eq!(
        err(BASE, &k("metadata.labels.*")),
        "unable to find field \"metadata.labels.*\" in replacement target: wrong node kind: expected SequenceNode but got MappingNode: node contents:\napp: web\n"
    );
    assert_eq!(
        err(BASE, &k("spec.template.spec.containers.[name].image")),
        "unable to find field \"spec.template.spec.containers.[name].image\" in replacement target: list path element must contain fieldName=fieldValue for element to match"
    );
    assert!(err(BASE, &k("spec.template.spec.containers.[name=(].image")).starts_with(
            "unable to find field \"spec.template.spec.containers.[name=(].image\" in replacement target: error parsing regexp: "
        ));
}

#[test]
fn delimiter_needs_scalars() {
    let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: metadata.labels, options: {delimiter: ','}}\n  targets:\n  - select: {kind: Deployment}\n";
    assert_eq!(
        err(BASE, k),
        "delimiter option can only be used with scalar nodes"
    );
    let k = "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.selector]\n    options: {delimiter: ','}\n";
    assert_eq!(
        err(BASE, k),
        "delimiter option can only be used with scalar nodes"
    );
}

#[test]
fn create_below_null_is_a_silent_no_op() {
    let pod = format!(
        "{BASE}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{n: null, m: {{}}, l: [a, {{name: b}}]}}\n"
    );
    let rm = run(
        &pod,
        r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.host}
  targets:
  - select: {kind: Pod}
    fieldPaths: [spec.n.x, spec.m.y.z, 'spec.l.[name=b].v']
    options: {create: true}
",
    )
    .unwrap();
    assert_eq!(
        at(&rm, "Pod", "p", "/spec"),
        &serde_json::json!({"l": ["a", {"name": "b", "v": "db.example.com"}], "m": {"y": {"z": "db.example.com"}}, "n": null})
    );
}

#[test]
fn create_appends_list_items_keyed_as_written() {
    let rm = run(
        BASE,
        r"
replacements:
- source: {kind: ConfigMap, fieldPath: data.host}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.template.spec.containers.[name=zzz].image
    - spec.template.spec.containers.[name=5].image
    - spec.template.spec.containers.[image=^busy].name
    options: {create: true}
",
    )
    .unwrap();
    assert_eq!(
        at(&rm, "Deployment", "web", "/spec/template/spec/containers"),
        &serde_json::json!([
            {"name": "app", "image": "nginx:1.0", "env": [{"name": "HOST", "value": "x"}, {"name": "PORT", "value": "1"}]},
            {"name": "db.example.com", "image": "busybox"},
            {"name": "myapp2", "image": "foo"},
            {"name": "zzz", "image": "db.example.com"},
            {"name": 5, "image": "db.example.com"}
        ])
    );
}

#[test]
fn several_field_paths_and_a_delimiter_into_each() {
    let rm = run(
        BASE,
        r#"
replacements:
- source: {kind: ConfigMap, fieldPath: data.host}
  targets:
  - select: {kind: Deployment}
    fieldPaths: ["spec.template.spec.containers.[name=app].env.*.value"]
- source: {kind: ConfigMap, fieldPath: data.num}
  targets:
  - select: {kind: ConfigMap}
    fieldPaths: [data.host, data.list]
    options: {delimiter: ",", index: 1}
"#,
    )
    .unwrap();
    assert_eq!(
        at(
            &rm,
            "Deployment",
            "web",
            "/spec/template/spec/containers/0/env"
        ),
        &serde_json::json!([{"name": "HOST", "value": "db.example.com"}, {"name": "PORT", "value": "db.example.com"}])
    );
    assert_eq!(
        at(&rm, "ConfigMap", "cm", "/data/host"),
        "db.example.com,42"
    );
    assert_eq!(at(&rm, "ConfigMap", "cm", "/data/list"), "a,42,c");
}

#[test]
fn a_scalar_replaces_a_whole_list_item() {
    let rm = run(
            BASE,
            "replacements:\n- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: ['spec.template.spec.containers.[name=app].env.[name=PORT]']\n",
        )
        .unwrap();
    assert_eq!(
        at(
            &rm,
            "Deployment",
            "web",
            "/spec/template/spec/containers/0/env/1"
        ),
        "db.example.com"
    );
}
