//! Tests of JSON 6902: cases whose expected output or error was taken from
//! `kubectl kustomize` (kustomize v5.5.0), kept as data in `testdata/`.

use super::*;

#[test]
fn kubectl_verified_cases() {
    let doc: Value = serde_json::from_str(include_str!("testdata/json6902_kubectl.json")).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut target = case["doc"].clone();
        let got = apply(&mut target, &case["ops"]);
        let ok = match (case.get("error"), &got) {
            (Some(want), Err(err)) => want.as_str() == Some(err.as_str()),
            // numbers by value: the writer prints 1000.0 as 1000, as kustomize does
            (None, Ok(())) => same(&target, &case["expected"]),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "--- {name}\nwant: {}\ngot:  {:?} {}",
                case.get("error").unwrap_or(&case["expected"]),
                got,
                target
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn failed_patch_leaves_document_unchanged() {
    let mut doc = serde_json::json!({"a": {"b": 1}});
    let ops = serde_json::json!([
        {"op": "add", "path": "/a/c", "value": 2},
        {"op": "remove", "path": "/a/zz"}
    ]);
    assert!(apply(&mut doc, &ops).is_err());
    assert_eq!(doc, serde_json::json!({"a": {"b": 1}}));
}

#[test]
fn malformed_operations() {
    let mut doc = serde_json::json!({"a": 1});
    assert!(apply(&mut doc, &serde_json::json!({"op": "add"})).is_err());
    assert!(apply(&mut doc, &serde_json::json!(["add"])).is_err());
    assert_eq!(
        apply(&mut doc, &serde_json::json!([null])),
        Err("Unexpected kind: unknown".to_string())
    );
    assert_eq!(
        apply(&mut doc, &serde_json::json!([{"op": 5, "path": "/a"}])),
        Err("Unexpected kind: unknown".to_string())
    );
    assert_eq!(
        apply(&mut doc, &serde_json::json!([{"op": "replace", "path": 5, "value": 1}])),
        Err("replace operation failed to decode path: json: cannot unmarshal number into Go value of type string".to_string())
    );
    assert_eq!(
        apply(&mut doc, &serde_json::json!([{"op": "copy", "from": "/a"}])),
        Err("copy operation failed to decode path: missing value".to_string())
    );
    assert_eq!(
        apply(&mut doc, &serde_json::json!([{"op": "add", "path": "/x/99999999999999999999", "value": 1}])),
        Err("add operation does not apply: doc is missing path: \"/x/99999999999999999999\": missing value".to_string())
    );
}

#[test]
fn index_parsing_follows_go_atoi() {
    assert_eq!(atoi("+7"), Ok(7));
    assert_eq!(atoi("-0"), Ok(0));
    assert_eq!(atoi("007"), Ok(7));
    assert!(atoi("").is_err());
    assert!(atoi("1e3").is_err());
    assert!(atoi(" 1").is_err());
    assert_eq!(
        atoi("99999999999999999999"),
        Err("strconv.Atoi: parsing \"99999999999999999999\": value out of range".to_string())
    );
    let mut doc = serde_json::json!({"l": [1, 2]});
    assert_eq!(
        apply(&mut doc, &serde_json::json!([{"op": "add", "path": "/l/99999999999999999999", "value": 0}])),
        Err("error in add for path: '/l/99999999999999999999': value was not a proper array index: '99999999999999999999': strconv.Atoi: parsing \"99999999999999999999\": value out of range".to_string())
    );
}

#[test]
fn test_compares_numbers_by_value() {
    let mut doc = serde_json::json!({"n": 1, "f": 1.5, "o": {"a": [1, {"b": null}]}});
    let ops = serde_json::json!([
        {"op": "test", "path": "/n", "value": 1.0},
        {"op": "test", "path": "/f", "value": 1.5},
        {"op": "test", "path": "/o", "value": {"a": [1, {"b": null}]}}
    ]);
    assert_eq!(apply(&mut doc, &ops), Ok(()));
    let ops = serde_json::json!([{"op": "test", "path": "/o", "value": {"a": [1, {}]}}]);
    assert!(apply(&mut doc, &ops).is_err());
}
