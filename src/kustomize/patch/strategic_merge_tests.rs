//! Tests of the strategic merge: kyaml's own merge2 table cases, and cases whose expected
//! output was taken from `kubectl kustomize` (kustomize v5.5.0). Both tables are data in
//! `testdata/`; the tests never run kubectl.

use super::*;

struct Case {
    name: String,
    target: Value,
    patch: Value,
    expected: Expected,
    prepend: bool,
}

enum Expected {
    Merged(Value),
    Deleted,
    Error(String),
}

fn cases(json: &str, kubectl: bool) -> Vec<Case> {
    let doc: Value = serde_json::from_str(json).unwrap();
    let list = doc["cases"].as_array().unwrap();
    list.iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap().to_string();
            if kubectl {
                let expected = if let Some(e) = c.get("error") {
                    Expected::Error(e.as_str().unwrap().to_string())
                } else if c.get("deleted").is_some() {
                    Expected::Deleted
                } else {
                    Expected::Merged(c["expected"].clone())
                };
                Case {
                    name,
                    target: c["target"].clone(),
                    patch: c["patch"].clone(),
                    expected,
                    prepend: true,
                }
            } else {
                let expected = match &c["expected"] {
                    Value::Null => Expected::Deleted,
                    v => Expected::Merged(v.clone()),
                };
                Case {
                    name,
                    target: c["dest"].clone(),
                    patch: c["patch"].clone(),
                    expected,
                    prepend: c["prepend"].as_bool().unwrap(),
                }
            }
        })
        .collect()
}

/// kyaml's own tests compare after `filters.FormatInput`, which sorts
/// `spec.template.spec.containers` by name in apps/v1 (and a few other) workloads; their
/// expectations say nothing about that order, so it is normalised the same way here.
fn format_like_kyaml(v: &mut Value) {
    let kinds = [
        "CronJob",
        "DaemonSet",
        "Deployment",
        "Job",
        "ReplicaSet",
        "StatefulSet",
    ];
    let apis = [
        "apps/v1",
        "apps/v1beta1",
        "apps/v1beta2",
        "batch/v1",
        "batch/v1beta1",
    ];
    let kind_ok = v["kind"].as_str().is_some_and(|k| kinds.contains(&k));
    let api_ok = v["apiVersion"]
        .as_str()
        .is_some_and(|a| apis.contains(&a) || a == "v1");
    if !(kind_ok && api_ok) {
        return;
    }
    if let Some(list) = v
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)
    {
        list.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    }
}

/// Runs every case and reports all failures at once.
fn check(cases: Vec<Case>, normalise: bool) -> usize {
    let mut failures = Vec::new();
    let count = cases.len();
    for case in cases {
        let mut target = case.target.clone();
        let got = merge_inner(
            &mut target,
            &case.patch,
            None,
            openapi::builtin(),
            case.prepend,
        );
        let ok = match (&case.expected, &got) {
            (Expected::Merged(want), Ok(MergeOutcome::Merged)) => {
                let mut want = want.clone();
                let mut got = target.clone();
                if normalise {
                    format_like_kyaml(&mut want);
                    format_like_kyaml(&mut got);
                }
                want == got
            }
            (Expected::Deleted, Ok(MergeOutcome::DeleteResource)) => true,
            (Expected::Error(want), Err(err)) => match want.split_once("node contents:\n") {
                // the node is printed in its source style, which values do not keep
                Some((head, _)) => err.starts_with(head),
                None => err == want,
            },
            _ => false,
        };
        if !ok {
            let want = match &case.expected {
                Expected::Merged(v) => serde_json::to_string_pretty(v).unwrap(),
                Expected::Deleted => "deleted".to_string(),
                Expected::Error(e) => format!("error {e:?}"),
            };
            let got = match got {
                Ok(MergeOutcome::Merged) => serde_json::to_string_pretty(&target).unwrap(),
                Ok(MergeOutcome::DeleteResource) => "deleted".to_string(),
                Err(e) => format!("error {e:?}"),
            };
            failures.push(format!("--- {}\nwant: {want}\ngot:  {got}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    count
}

#[test]
fn kyaml_merge2_cases() {
    let n = check(
        cases(include_str!("testdata/merge2_cases.json"), false),
        true,
    );
    assert_eq!(n, 58);
}

#[test]
fn kubectl_verified_cases() {
    let n = check(
        cases(include_str!("testdata/smp_kubectl.json"), true),
        false,
    );
    assert!(n >= 40, "{n}");
}

#[test]
fn explicit_schema_is_used_for_the_root() {
    // A Widget has no schema; given the Deployment schema, its containers merge by name.
    let mut target = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "1"}]}}}});
    let patch =
        serde_json::json!({"spec": {"template": {"spec": {"containers": [{"name": "b"}]}}}});
    let schema = openapi::schema_for("apps/v1", "Deployment");
    assert_eq!(merge(&mut target, &patch, schema), Ok(MergeOutcome::Merged));
    let names: Vec<&str> = target["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b", "a"]);
}

#[test]
fn custom_schema_set_is_used_for_lookups() {
    let doc = serde_json::json!({"definitions": {"W": {
        "properties": {"items": {"type": "array", "items": {"type": "object"},
            "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "id"}},
        "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Widget"}]}}});
    let schemas = Schema::from_custom_openapi(&doc).unwrap();
    let mut target = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "items": [{"id": "x", "v": 1}]});
    let patch = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "items": [{"id": "y", "v": 2}]});
    assert_eq!(
        merge_with_schema(&mut target, &patch, &schemas),
        Ok(MergeOutcome::Merged)
    );
    assert_eq!(
        target["items"],
        serde_json::json!([{"id": "y", "v": 2}, {"id": "x", "v": 1}])
    );
}

#[test]
fn delete_leaves_target_untouched() {
    let mut target =
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}});
    let before = target.clone();
    let patch = serde_json::json!({"$patch": "delete"});
    assert_eq!(
        merge(&mut target, &patch, None),
        Ok(MergeOutcome::DeleteResource)
    );
    assert_eq!(target, before);
}
