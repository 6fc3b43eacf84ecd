//! More replacement tests (targets, options and errors), sharing the helpers above.

use super::*;

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
