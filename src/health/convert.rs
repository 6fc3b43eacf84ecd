//! Typed conversion for the built-in rules: deserialize the parts of an object a rule reads
//! into `k8s-openapi` types, and when that fails, say so as Argo CD does — Unknown,
//! `failed to convert unstructured <Kind> to typed: <reason>` — with the reason in the words
//! of apimachinery's `DefaultUnstructuredConverter` (`runtime/converter.go`) where rollpin
//! can tell them apart.
//!
//! Scope, deliberately: Argo CD converts the whole object; rollpin converts the fields the
//! rule reads ([`super::prune`]; each rule lists them in its `KEEP` tree). Converting whole
//! objects costs 2–3 µs each (a pod template is large, and every condition carries
//! timestamps), the read fields a fraction of that; and objects read from a cluster always
//! convert (the API server made them from typed objects). A type error in a field the rule
//! does not read — a container port written as a string, say — is therefore not reported
//! by rollpin, where Argo CD would say Unknown.
//!
//! Go's reasons, by case (`fromUnstructured` and friends):
//! - a string, bool, list or map where a number or bool belongs: `unrecognized type: int32`;
//! - an integer where a string belongs: `cannot convert int64 to v1.PodPhase` (Go's type
//!   name, so each rule lists its named string types in a [`GoTypes`] table);
//! - a fraction where an integer belongs: `cannot convert float64 to int32`;
//! - a scalar or list where an object belongs: `cannot restore struct from: string`;
//! - a non-list where a list belongs: `cannot restore slice from map`;
//! - a non-string time: `json: cannot unmarshal number into Go value of type string`.
//!
//! Where Go would accept what serde rejects (an integral float such as `3.0` for an int32,
//! an int32 overflow, which Go wraps silently) or the reason is a time string Go cannot
//! parse, the message keeps Argo CD's prefix and ends in rollpin's own description with the
//! field's path.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::object::Object;
use super::prune::{Keep, Pruned};
use super::status::HealthStatus;

/// Go type names of the named string types among the fields a rule converts, keyed by the
/// field's path with list indices written `[]` (`status.conditions[].type`). Fields not
/// listed are plain `string`.
pub type GoTypes = &'static [(&'static str, &'static str)];

/// Deserializes the fields of `obj.value` that `keep` lists into `T` (a view of the object
/// made of k8s-openapi types), or returns Argo CD's Unknown status for an object that does
/// not convert. `what` is the word Argo CD uses in the message (`Deployment`, `HPA`).
pub fn convert<T: DeserializeOwned>(
    obj: &Object<'_>,
    what: &str,
    go_types: GoTypes,
    keep: &'static Keep,
) -> Result<T, HealthStatus> {
    // The fast path: plain serde. Only a failure is deserialized again with path tracking
    // (which costs several times more) to find the field Go's message is about.
    let view = Pruned::new(obj.value, keep);
    if let Ok(t) = T::deserialize(view) {
        return Ok(t);
    }
    serde_path_to_error::deserialize::<_, T>(view).map_err(|e| {
        let reason = go_reason(obj.value, &e, go_types);
        HealthStatus::unknown(format!(
            "failed to convert unstructured {what} to typed: {reason}"
        ))
    })
}

/// The reason Go's converter would give for the failure `e`.
fn go_reason(
    root: &Value,
    e: &serde_path_to_error::Error<serde_json::Error>,
    go_types: GoTypes,
) -> String {
    let (found, field) = locate(root, e.path());
    let inner = e.inner().to_string();
    let expected = inner
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.rsplit_once(", expected "))
        .map(|(_, exp)| exp);
    let go = expected.zip(found).and_then(|(exp, found)| {
        // Go converts an integral float to an integer field; serde does not.
        if found.as_f64().is_some_and(|f| f.fract() == 0.0) && exp.starts_with('i') {
            return None;
        }
        Dest::from_serde(exp, &field, go_types).go_reason(go_kind(found))
    });
    go.unwrap_or_else(|| format!("{}: {inner}", e.path()))
}

/// The node the failing path points at and its path in `[]` form.
fn locate<'a>(root: &'a Value, path: &serde_path_to_error::Path) -> (Option<&'a Value>, String) {
    use serde_path_to_error::Segment;
    let mut node = Some(root);
    let mut field = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => {
                node = node.and_then(|n| n.get(*index));
                field.push_str("[]");
            }
            Segment::Map { key } => {
                node = node.and_then(|n| n.get(key.as_str()));
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(key);
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    (node, field)
}

/// The `reflect.Kind` name of an unstructured value (JSON numbers arrive as int64 or
/// float64).
fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "invalid",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    }
}

/// What the typed field is, in Go's terms.
enum Dest {
    /// A number or bool: its Go kind (`int32`, `int64`, `float64`, `bool`).
    Scalar(&'static str),
    /// A string type: its Go type name (`string`, `v1.PodPhase`).
    Str(&'static str),
    /// A struct.
    Struct,
    /// A slice.
    Slice,
    /// A map.
    Map,
    /// A `metav1.Time` (converted through its `UnmarshalJSON`).
    Time,
}

impl Dest {
    fn from_serde(expected: &str, field: &str, go_types: GoTypes) -> Dest {
        match expected {
            "i32" => Dest::Scalar("int32"),
            "i64" => Dest::Scalar("int64"),
            "f64" => Dest::Scalar("float64"),
            "a boolean" => Dest::Scalar("bool"),
            "a string" => Dest::Str(
                go_types
                    .iter()
                    .find(|(path, _)| *path == field)
                    .map_or("string", |(_, t)| t),
            ),
            "a sequence" => Dest::Slice,
            "a map" => Dest::Map,
            "a timestamp string" => Dest::Time,
            _ => Dest::Struct,
        }
    }

    /// Go's message for a value of Go kind `found` in this field, or `None` where Go would
    /// not fail the same way.
    fn go_reason(&self, found: &str) -> Option<String> {
        let json_kind = match found {
            "int64" | "float64" => "number",
            "slice" => "array",
            "map" => "object",
            other => other,
        };
        Some(match (self, found) {
            (Dest::Struct, _) => format!("cannot restore struct from: {found}"),
            (Dest::Slice, _) => format!("cannot restore slice from {found}"),
            (Dest::Map, _) => format!("cannot restore map from {found}"),
            (Dest::Time, "string") => return None,
            (Dest::Time, _) => {
                format!("json: cannot unmarshal {json_kind} into Go value of type string")
            }
            (Dest::Str(name), "int64") => format!("cannot convert int64 to {name}"),
            (Dest::Str(_), _) => "unrecognized type: string".to_string(),
            (Dest::Scalar(kind), "float64") if kind.starts_with("int") => {
                format!("cannot convert float64 to {kind}")
            }
            (Dest::Scalar(_), "int64" | "float64") => return None,
            (Dest::Scalar(kind), _) => format!("unrecognized type: {kind}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::DeploymentStatus;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct View {
        spec: Option<Spec>,
        status: Option<DeploymentStatus>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Spec {
        replicas: Option<i32>,
        paused: Option<bool>,
        phase: Option<String>,
    }

    const TYPES: GoTypes = &[
        ("spec.phase", "v1.PodPhase"),
        ("status.conditions[].type", "v1.DeploymentConditionType"),
    ];

    fn reason(v: Value) -> String {
        let obj = Object::new(&v);
        match convert::<View>(&obj, "Deployment", TYPES, &Keep::All) {
            Ok(_) => "converted".into(),
            Err(h) => h.message,
        }
    }

    #[test]
    fn go_words_for_each_mismatch() {
        let p = "failed to convert unstructured Deployment to typed: ";
        let cases = [
            (
                json!({"spec": {"replicas": "3"}}),
                "unrecognized type: int32",
            ),
            (
                json!({"spec": {"replicas": 1.5}}),
                "cannot convert float64 to int32",
            ),
            (
                json!({"spec": {"paused": "yes"}}),
                "unrecognized type: bool",
            ),
            (
                json!({"spec": {"phase": 3}}),
                "cannot convert int64 to v1.PodPhase",
            ),
            (
                json!({"spec": {"phase": true}}),
                "unrecognized type: string",
            ),
            (json!({"spec": "x"}), "cannot restore struct from: string"),
            (json!({"status": []}), "cannot restore struct from: slice"),
            (
                json!({"status": {"conditions": {"a": 1}}}),
                "cannot restore slice from map",
            ),
            (
                json!({"status": {"conditions": [{"type": 7}]}}),
                "cannot convert int64 to v1.DeploymentConditionType",
            ),
            (
                json!({"status": {"conditions": [{"lastUpdateTime": 5}]}}),
                "json: cannot unmarshal number into Go value of type string",
            ),
        ];
        for (v, want) in cases {
            assert_eq!(reason(v.clone()), format!("{p}{want}"), "{v}");
        }
    }

    #[test]
    fn rollpin_words_where_go_differs() {
        let r = reason(json!({"spec": {"replicas": 3.0}}));
        assert!(r.contains("spec.replicas: invalid type"), "{r}");
        let r = reason(json!({"spec": {"replicas": 5_000_000_000i64}}));
        assert!(r.contains("spec.replicas: invalid value"), "{r}");
        let r = reason(json!({"status": {"conditions": [{"lastUpdateTime": "soon"}]}}));
        assert!(r.contains("status.conditions[0].lastUpdateTime"), "{r}");
    }

    #[test]
    fn nulls_and_absent_fields_convert() {
        assert_eq!(reason(json!({})), "converted");
        assert_eq!(
            reason(json!({"spec": null, "status": {"conditions": null, "replicas": null}})),
            "converted"
        );
    }
}
