//! Tests of the parent module, from cases recorded with kubectl kustomize.
//! Cases recorded with `kubectl kustomize` (kustomize v5.5.0).
use super::*;
use crate::kustomize::field_spec;
use crate::yaml::{Schema, parse_stream};
use serde_json::json;

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

/// The `vars:` of a kustomization (YAML 1.1, as kustomize reads it).
fn vars(kustomization: &str) -> Vec<Var> {
    let v = parse_stream(kustomization, Schema::Yaml11).unwrap()[0]
        .value
        .clone();
    from_value(&v["vars"]).unwrap()
}

/// What namePrefix does to names and id history.
fn prefix(rm: &mut ResMap, p: &str) {
    for r in &mut rm.resources {
        r.store_previous_id();
        let name = format!("{p}{}", r.name());
        r.set_name(&name);
    }
}

fn resolve_all(rm: &mut ResMap, set: &[Var]) -> Result<Vec<String>, String> {
    resolve(rm, set, &field_spec::builtin().var_reference)
}

/// One kustomization: declare its vars on `rm`, then resolve at the top.
fn build(rm: &mut ResMap, kustomization: &str) -> Result<Vec<String>, String> {
    let mut set = Vec::new();
    declare(&mut set, rm, &vars(kustomization))?;
    resolve_all(rm, &set)
}

fn obj<'a>(rm: &'a ResMap, kind: &str) -> &'a Value {
    &rm.resources.iter().find(|r| r.kind() == kind).unwrap().obj
}

fn args(rm: &ResMap) -> &Value {
    obj(rm, "Deployment")
        .pointer("/spec/template/spec/containers/0/args")
        .unwrap()
}

const V01: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  ports:
  - name: http
    port: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    svc: $(SVC)
    mid: "pre-$(SVC)-post"
spec:
  replicas: 3
  template:
    metadata:
      annotations:
        x: $(PORT)
    spec:
      containers:
      - name: app
        image: nginx
        command: ["run", "$(SVC)", "$$(SVC)", "$(NOPE)", "$(SVC", "$SVC", "a$", "$(PORT)", "p$(PORT)"]
        args: ["$(REPL)", "$(FLOAT)", "$(FLAG)", "x$(FLAG)", "$(LBL)", "$()"]
        env:
        - name: A
          value: $(PORT)
        - name: B
          value: "$(REPL)x"
        volumeMounts:
        - name: v
          mountPath: /data/$(SVC)
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  labels:
    l: $(SVC)
data:
  k: $(SVC)
  f: 1.50
  t: true
"#;

const V01_VARS: &str = r"
vars:
- {name: SVC, objref: {kind: Service, name: svc, apiVersion: v1}}
- {name: PORT, objref: {kind: Service, name: svc, apiVersion: v1}, fieldref: {fieldPath: 'spec.ports[0].port'}}
- {name: REPL, objref: {kind: Deployment, name: web, apiVersion: apps/v1}, fieldref: {fieldPath: spec.replicas}}
- {name: FLOAT, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: data.f}}
- {name: FLAG, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: data.t}}
- {name: LBL, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: metadata.labels}}
- {name: UNUSED, objref: {kind: ConfigMap, name: cm, apiVersion: v1}}
";

#[test]
fn substitutes_typed_values_after_prefixing() {
    let mut rm = resmap(V01);
    prefix(&mut rm, "p-");
    let warnings = build(&mut rm, V01_VARS).unwrap();
    let want = docs(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    mid: pre-p-svc-post
    svc: p-svc
  name: p-web
spec:
  replicas: 3
  template:
    metadata:
      annotations:
        x: 8080
    spec:
      containers:
      - args:
        - 3
        - 1.5
        - true
        - xtrue
        - $(LBL)
        - $()
        command:
        - run
        - p-svc
        - $(SVC)
        - $(NOPE)
        - $(SVC
        - $SVC
        - a$
        - 8080
        - p8080
        env:
        - name: A
          value: 8080
        - name: B
          value: 3x
        image: nginx
        name: app
        volumeMounts:
        - mountPath: /data/p-svc
          name: v
"#,
    );
    assert_eq!(obj(&rm, "Deployment"), &want[0]);
    let cm = obj(&rm, "ConfigMap");
    assert_eq!(cm["metadata"]["labels"]["l"], "p-svc");
    assert_eq!(
        cm["data"]["k"], "$(SVC)",
        "data is not a varReference field"
    );
    assert_eq!(
        warnings,
        [
            "MakePrimitiveReplacer: bad replacement type=map[string]interface {} val=(not shown: it may be a Secret's data)",
            "well-defined vars that were never replaced: LBL,UNUSED"
        ]
    );
}

#[test]
fn value_is_read_after_later_renames() {
    let mut rm = resmap(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, image: nginx, env: [{name: A, value: $(CM)}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: gen}\ndata: {a: b}\n",
    );
    let mut set = Vec::new();
    declare(
        &mut set,
        &rm,
        &vars("vars:\n- {name: CM, objref: {kind: ConfigMap, name: gen, apiVersion: v1}}\n"),
    )
    .unwrap();
    // The top level adds the hash suffix after every kustomization has run.
    let cm = &mut rm.resources[1];
    cm.store_previous_id();
    cm.set_name("gen-4h2mbtbbt6");
    resolve_all(&mut rm, &set).unwrap();
    assert_eq!(
        obj(&rm, "Deployment").pointer("/spec/template/spec/containers/0/env/0/value"),
        Some(&json!("gen-4h2mbtbbt6"))
    );
}

#[test]
fn objref_without_api_version_matches_nothing() {
    let mut rm =
        resmap("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, annotations: {a: $(CM)}}\n");
    assert_eq!(
        build(
            &mut rm,
            "vars:\n- {name: CM, objref: {kind: ConfigMap, name: cm}}\n"
        )
        .unwrap_err(),
        "var '{CM ConfigMap.[noVer].[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"
    );
}

#[test]
fn ambiguous_objref_is_an_error() {
    let mut rm = resmap(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: b}\n",
    );
    assert_eq!(
        build(
            &mut rm,
            "vars:\n- {name: CM, objref: {kind: ConfigMap, name: cm, apiVersion: v1}}\n"
        )
        .unwrap_err(),
        "merging vars [{CM ConfigMap.[noVer].[noGrp] {}}]: found 2 resId matches for var {CM ConfigMap.v1.[noGrp] {}} (unable to disambiguate)"
    );
    // A namespace narrows it down.
    let k = "vars:\n- {name: CM, objref: {kind: ConfigMap, name: cm, apiVersion: v1, namespace: b}, fieldref: {fieldPath: metadata.namespace}}\n";
    let mut set = Vec::new();
    declare(&mut set, &rm, &vars(k)).unwrap();
    assert_eq!(
        set[0].bound.as_ref().map(|b| b[0].namespace.as_str()),
        Some("b")
    );
}

#[test]
fn duplicate_names_are_refused() {
    let mut rm = resmap("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: b}\n");
    let k = "vars:\n- {name: CM, objref: {kind: ConfigMap, name: cm, apiVersion: v1, namespace: b}, fieldref: {fieldPath: metadata.namespace}}\n- {name: CM, objref: {kind: ConfigMap, name: cm, apiVersion: v1, namespace: b}}\n";
    assert_eq!(
        build(&mut rm, k).unwrap_err(),
        "merging vars [{CM ConfigMap.[noVer].[noGrp] {metadata.namespace}} {CM ConfigMap.[noVer].[noGrp] {}}]: var 'CM' already encountered"
    );
}

#[test]
fn sibling_bases_cannot_share_a_name() {
    let a = resmap("apiVersion: v1\nkind: Service\nmetadata: {name: svc}\n");
    let b = resmap("apiVersion: v1\nkind: Service\nmetadata: {name: svc2}\n");
    let (mut va, mut vb) = (Vec::new(), Vec::new());
    declare(
        &mut va,
        &a,
        &vars("vars:\n- {name: SVC, objref: {kind: Service, name: svc, apiVersion: v1}}\n"),
    )
    .unwrap();
    declare(
        &mut vb,
        &b,
        &vars("vars:\n- {name: SVC, objref: {kind: Service, name: svc2, apiVersion: v1}}\n"),
    )
    .unwrap();
    let mut top = Vec::new();
    merge_vars(&mut top, &va).unwrap();
    assert_eq!(
        merge_vars(&mut top, &vb).unwrap_err(),
        "var 'SVC' already encountered"
    );
}

#[test]
fn missing_field_is_an_error() {
    let mut rm = resmap(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: a, annotations: {a: $(CM)}}\n",
    );
    assert_eq!(
            build(&mut rm, "vars:\n- {name: CM, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: data.nope}}\n").unwrap_err(),
            "field specified in var '{CM ConfigMap.v1.[noGrp] {data.nope}}' not found in corresponding resource"
        );
}

#[test]
fn whole_string_references_keep_the_value_type() {
    let mut rm = resmap(
        r"
apiVersion: v1
kind: Service
metadata:
  name: svc
  annotations: {port: $(PORT), i: 5}
  labels: {port: $(PORT)}
spec:
  ports:
  - {name: http, port: $(PORT), targetPort: 80}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        env: [{name: A, value: 5}, {name: B, value: $(PORT)}]
",
    );
    build(&mut rm, "vars:\n- {name: PORT, objref: {kind: Service, name: svc, apiVersion: v1}, fieldref: {fieldPath: 'spec.ports.[name=http].targetPort'}}\n").unwrap();
    let svc = obj(&rm, "Service");
    assert_eq!(
        svc["metadata"]["annotations"],
        json!({"i": "5", "port": "80"})
    );
    assert_eq!(svc["metadata"]["labels"], json!({"port": 80}));
    assert_eq!(
        svc["spec"]["ports"],
        json!([{"name": "http", "port": 80, "targetPort": 80}])
    );
    assert_eq!(
        obj(&rm, "Deployment").pointer("/spec/template/spec/containers/0/env"),
        Some(&json!([{"name": "A", "value": 5}, {"name": "B", "value": 80}]))
    );
}

#[test]
fn non_string_list_items_are_an_error() {
    let mut rm = resmap(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, args: [1, $(X)]}\n",
    );
    assert_eq!(
        build(
            &mut rm,
            "vars:\n- {name: X, objref: {kind: Deployment, name: web, apiVersion: apps/v1}}\n"
        )
        .unwrap_err(),
        "considering field 'spec/template/spec/containers/args' of object Deployment.v1.apps/web.[noNs]: visit traversal on path: [args]: invalid value type expect a string"
    );
}

#[test]
fn scalar_in_the_middle_of_a_path_is_an_error() {
    let mut rm = resmap(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, command: $(A), volumeMounts: 5}\n",
    );
    assert_eq!(
        build(
            &mut rm,
            "vars:\n- {name: A, objref: {kind: ConfigMap, name: cm, apiVersion: v1}}\n"
        )
        .unwrap_err(),
        "considering field 'spec/template/spec/containers/volumeMounts/mountPath' of object Deployment.v1.apps/web.[noNs]: visit traversal on path: [volumeMounts mountPath]: expected sequence or mapping node"
    );
}

#[test]
fn vars_bind_per_layer_by_any_earlier_name() {
    let mut rm = resmap(
        "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, args: [$(SVC), $(DEP), $(SVC2)]}\n",
    );
    // base: namePrefix b-, one var
    prefix(&mut rm, "b-");
    let mut base = Vec::new();
    declare(
        &mut base,
        &rm,
        &vars("vars:\n- {name: SVC, objref: {kind: Service, name: svc, apiVersion: v1}}\n"),
    )
    .unwrap();
    // overlay: resources [../base], namePrefix o-, two vars
    let mut overlay = Vec::new();
    merge_vars(&mut overlay, &base).unwrap();
    prefix(&mut rm, "o-");
    declare(
            &mut overlay,
            &rm,
            &vars("vars:\n- {name: DEP, objref: {kind: Deployment, name: web, apiVersion: apps/v1}}\n- {name: SVC2, objref: {kind: Service, name: b-svc, apiVersion: v1}}\n"),
        )
        .unwrap();
    resolve_all(&mut rm, &overlay).unwrap();
    assert_eq!(args(&rm), &json!(["o-b-svc", "o-b-web", "o-b-svc"]));
}

#[test]
fn a_var_binds_only_to_resources_already_accumulated() {
    let mut rm = resmap(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, args: [$(SVC)]}\n",
    );
    let mut base = Vec::new();
    declare(
        &mut base,
        &rm,
        &vars("vars:\n- {name: SVC, objref: {kind: Service, name: svc, apiVersion: v1}}\n"),
    )
    .unwrap();
    // The overlay adds the Service after the base was built.
    rm.resources
        .extend(resmap("apiVersion: v1\nkind: Service\nmetadata: {name: svc}\n").resources);
    assert_eq!(
        resolve_all(&mut rm, &base).unwrap_err(),
        "var '{SVC Service.v1.[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"
    );
}

#[test]
fn namespaces_and_group_version_fields() {
    let yaml = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns1}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ns1}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, args: [$(D), $(E)]}\n";
    let mut rm = resmap(yaml);
    build(
            &mut rm,
            "vars:\n- {name: D, objref: {kind: Deployment, name: web, apiVersion: apps/v1, namespace: ns1}, fieldref: {fieldPath: metadata.namespace}}\n- {name: E, objref: {kind: Deployment, name: web, group: apps, version: v1}}\n",
        )
        .unwrap();
    assert_eq!(args(&rm), &json!(["ns1", "web"]));
    // A namespace on a cluster-scoped objref never matches.
    let mut rm = resmap(yaml);
    assert_eq!(
            build(&mut rm, "vars:\n- {name: NS, objref: {kind: Namespace, name: ns1, apiVersion: v1, namespace: whatever}}\n").unwrap_err(),
            "var '{NS Namespace.v1.[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"
        );
}

#[test]
fn go_formatting_of_values() {
    let mut rm = resmap(
        r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {n: null, big: 1234567.0, small: 0.00001, i: 007, s: "$(OTHER)", o: other, huge: 99999999999999999999}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        args: ["$(NN)", "x$(BIG)", "$(BIG)", "x$(SMALL)", "$(SMALL)", "$(I)", "x$(I)", "$(S)", "$é$(NN)", "a$(OTHER)", "$(NN)$é", "$(HUGE)"]
"#,
    );
    let field = |name: &str, path: &str| {
        format!(
            "- {{name: {name}, objref: {{kind: ConfigMap, name: cm, apiVersion: v1}}, fieldref: {{fieldPath: {path}}}}}\n"
        )
    };
    let k = [
        "vars:\n".to_string(),
        field("NN", "data.n"),
        field("BIG", "data.big"),
        field("SMALL", "data.small"),
        field("I", "data.i"),
        field("S", "data.s"),
        field("OTHER", "data.o"),
        field("HUGE", "data.huge"),
    ]
    .concat();
    build(&mut rm, &k).unwrap();
    assert_eq!(
        args(&rm),
        &json!([
            "null",
            "x1.234567e+06",
            1234567.0,
            "x1e-05",
            0.00001,
            7,
            "x7",
            "$(OTHER)",
            "JMODqW51bGw=",
            "aother",
            "bnVsbCTDg6k=",
            1e20
        ])
    );
}

#[test]
fn list_positions_in_field_paths() {
    let mut rm = resmap(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {l: [1, 2]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, args: [$(A), $(B), $(C)], env: {name: x}}\n",
    );
    let k = "vars:\n- {name: A, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: 'data.l[1]'}}\n- {name: B, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: 'data.l.-'}}\n- {name: C, objref: {kind: ConfigMap, name: cm, apiVersion: v1}, fieldref: {fieldPath: 'data.l.[=1]'}}\n";
    build(&mut rm, k).unwrap();
    assert_eq!(args(&rm), &json!([2, 2, 1]));
}

#[test]
fn no_vars_touch_nothing() {
    let mut rm = resmap(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, annotations: {a: $é}}\n",
    );
    assert_eq!(resolve_all(&mut rm, &[]), Ok(Vec::new()));
    assert_eq!(rm.resources[0].obj["metadata"]["annotations"]["a"], "$é");
}

#[test]
fn decoding_is_strict_and_case_insensitive() {
    let v = parse_stream("vars:\n- {Name: X, ObjRef: {Kind: Service, name: s, APIVERSION: v1}, FieldRef: {FieldPath: spec.x}}\n", Schema::Yaml11).unwrap()[0].value.clone();
    let got = from_value(&v["vars"]).unwrap();
    assert_eq!(got[0].name, "X");
    assert_eq!(got[0].objref.api_version, "v1");
    assert_eq!(got[0].fieldref.field_path, "spec.x");
    let v = parse_stream(
        "vars:\n- {name: X, objref: {kind: Service, name: s, uid: u}}\n",
        Schema::Yaml11,
    )
    .unwrap()[0]
        .value
        .clone();
    assert_eq!(
        from_value(&v["vars"]).unwrap_err(),
        "json: unknown field \"uid\""
    );
}

#[test]
fn go_g_matches_fmt() {
    for (f, s) in [
        (1.5, "1.5"),
        (1234567.0, "1.234567e+06"),
        (123456.0, "123456"),
        (0.00001, "1e-05"),
        (0.0001, "0.0001"),
        (1e20, "1e+20"),
        (-2.5, "-2.5"),
        (0.0, "0"),
        (100.0, "100"),
    ] {
        assert_eq!(go_g(f), s, "{f}");
    }
}
