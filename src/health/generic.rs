//! Generic conditions for custom resources without a specific rule: kstatus's algorithm
//! (`sigs.k8s.io/cli-utils/pkg/kstatus/status`, `Compute` and `checkGenericProperties`)
//! with its results mapped to Argo CD's codes — Current → Healthy, InProgress →
//! Progressing, Failed → Degraded, Terminating → Progressing, an error → Unknown.
//!
//! In order:
//! 1. `metadata.deletionTimestamp` is a non-empty string → Progressing "Resource scheduled
//!    for deletion" (reached only when the global "Pending deletion" check did not answer:
//!    a hook being deleted, or a timestamp Go cannot parse);
//! 2. `metadata.generation` and `status.observedGeneration` both present and different →
//!    Progressing "KIND generation is G, but latest observed generation is O";
//! 3. the first condition `Reconciling` True → Progressing, or `Stalled` True → Degraded,
//!    with the condition's message;
//! 4. the first `Ready` condition whose status is True → Healthy "Resource is Ready", False
//!    or Unknown → Progressing with its message;
//! 5. otherwise Healthy "Resource is current".
//!
//! **Objects with no status at all** end in step 5: Healthy "Resource is current", as in
//! kstatus. Many custom resources never get a status (configuration objects such as
//! Prometheus' ServiceMonitor or Crossplane's ProviderConfig); calling them Progressing
//! would hold every app that contains one at Progressing forever. Where an absent status
//! means "not reconciled yet", say so with a rule (`default: {status: Progressing}`) —
//! user rules take precedence over this algorithm.
//!
//! kstatus reads fields with apimachinery's `unstructured.Nested*` helpers and converts
//! conditions with `DefaultUnstructuredConverter`; a field of the wrong type is an error
//! there, and Unknown here, with the same message.

use serde_json::Value;

use super::object::Object;
use super::status::HealthStatus;

/// Assesses a custom resource by its generic properties and conditions.
pub fn assess(obj: &Object<'_>) -> HealthStatus {
    compute(obj).unwrap_or_else(HealthStatus::unknown)
}

/// A condition as kstatus's `BasicCondition` reads it.
#[derive(Debug, Default)]
struct Condition<'a> {
    type_: &'a str,
    status: &'a str,
    message: &'a str,
}

fn compute(obj: &Object<'_>) -> Result<HealthStatus, String> {
    let v = obj.value;
    let deletion = nested(v, &["metadata", "deletionTimestamp"])
        .and_then(|d| {
            d.map(|d| expect_string(d, &["metadata", "deletionTimestamp"]))
                .transpose()
        })
        .map_err(|e| format!("looking up metadata.deletionTimestamp from resource: {e}"))?;
    if deletion.is_some_and(|d| !d.is_empty()) {
        return Ok(HealthStatus::progressing("Resource scheduled for deletion"));
    }
    if let Some(message) = check_generation(obj)? {
        return Ok(HealthStatus::progressing(message));
    }
    let conditions = conditions(v)?;
    for c in &conditions {
        if c.type_ == "Reconciling" && c.status == "True" {
            return Ok(HealthStatus::progressing(c.message));
        }
        if c.type_ == "Stalled" && c.status == "True" {
            return Ok(HealthStatus::degraded(c.message));
        }
    }
    for c in conditions.iter().filter(|c| c.type_ == "Ready") {
        match c.status {
            "True" => return Ok(HealthStatus::healthy("Resource is Ready")),
            "False" | "Unknown" => return Ok(HealthStatus::progressing(c.message)),
            _ => {}
        }
    }
    Ok(HealthStatus::healthy("Resource is current"))
}

/// kstatus's `checkGeneration`: the InProgress message when both generations exist and
/// differ.
fn check_generation(obj: &Object<'_>) -> Result<Option<String>, String> {
    let int = |path: &[&str], what: &str| -> Result<Option<i64>, String> {
        let found =
            nested(obj.value, path).map_err(|e| format!("looking up {what} from resource: {e}"))?;
        match found {
            None => Ok(None),
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
            Some(other) => Err(format!(
                "looking up {what} from resource: {} accessor error: {} is of the type {}, expected int64",
                json_path(path),
                go_value(other),
                go_type(other)
            )),
        }
    };
    let Some(generation) = int(&["metadata", "generation"], "metadata.generation")? else {
        return Ok(None);
    };
    let Some(observed) = int(
        &["status", "observedGeneration"],
        "status.observedGeneration",
    )?
    else {
        return Ok(None);
    };
    Ok((observed != generation).then(|| {
        format!(
            "{} generation is {generation}, but latest observed generation is {observed}",
            obj.kind
        )
    }))
}

/// `GetObjectWithConditions`: `status.conditions` converted to `[]BasicCondition`.
fn conditions(v: &Value) -> Result<Vec<Condition<'_>>, String> {
    let status = match v.get("status") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(m)) => m,
        Some(other) => return Err(format!("cannot restore struct from: {}", go_kind(other))),
    };
    let list = match status.get("conditions") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(format!("cannot restore slice from {}", go_kind(other))),
    };
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        let fields = match item {
            Value::Null => {
                out.push(Condition::default());
                continue;
            }
            Value::Object(m) => m,
            other => return Err(format!("cannot restore struct from: {}", go_kind(other))),
        };
        let field = |key: &str, go_name: &str| -> Result<&str, String> {
            match fields.get(key) {
                None | Some(Value::Null) => Ok(""),
                Some(Value::String(s)) => Ok(s.as_str()),
                Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {
                    Err(format!("cannot convert int64 to {go_name}"))
                }
                Some(_) => Err("unrecognized type: string".to_string()),
            }
        };
        let type_ = field("type", "string")?;
        let status = field("status", "v1.ConditionStatus")?;
        field("reason", "string")?;
        let message = field("message", "string")?;
        out.push(Condition {
            type_,
            status,
            message,
        });
    }
    Ok(out)
}

/// `unstructured.NestedFieldNoCopy`: the value at `path` (`None` when a step is absent or
/// null), or Go's accessor error when a step is not an object.
fn nested<'a>(v: &'a Value, path: &[&str]) -> Result<Option<&'a Value>, String> {
    let mut cur = v;
    for (i, key) in path.iter().enumerate() {
        match cur {
            Value::Null => return Ok(None),
            Value::Object(m) => match m.get(*key) {
                Some(next) => cur = next,
                None => return Ok(None),
            },
            other => {
                return Err(format!(
                    "{} accessor error: {} is of the type {}, expected map[string]interface{{}}",
                    json_path(&path[..=i]),
                    go_value(other),
                    go_type(other)
                ));
            }
        }
    }
    Ok(Some(cur))
}

/// `NestedString`'s check of the value found.
fn expect_string<'a>(v: &'a Value, path: &[&str]) -> Result<&'a str, String> {
    v.as_str().ok_or_else(|| {
        format!(
            "{} accessor error: {} is of the type {}, expected string",
            json_path(path),
            go_value(v),
            go_type(v)
        )
    })
}

/// apimachinery's `jsonPath`: `.metadata.generation`.
fn json_path(path: &[&str]) -> String {
    path.iter().map(|p| format!(".{p}")).collect()
}

/// The `reflect.Kind` name of an unstructured value.
fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "invalid",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    }
}

/// Go's `%T` of an unstructured value.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
        other => go_kind(other),
    }
}

/// Go's `%v` of an unstructured value (maps print with sorted keys, as `fmt` does).
fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => super::go::format_float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(go_value).collect();
            format!("[{}]", inner.join(" "))
        }
        Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_value(v)))
                .collect();
            format!("map[{}]", inner.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(v: Value) -> HealthStatus {
        assess(&Object::new(&v))
    }

    #[test]
    fn follows_kstatus_order() {
        let base = |status: Value| {
            json!({"apiVersion": "example.com/v1", "kind": "Widget",
                   "metadata": {"name": "w", "generation": 2}, "status": status})
        };
        assert_eq!(
            run(base(json!({"observedGeneration": 1}))),
            HealthStatus::progressing(
                "Widget generation is 2, but latest observed generation is 1"
            )
        );
        assert_eq!(
            run(base(json!({"observedGeneration": 2, "conditions": [
                {"type": "Ready", "status": "True"},
                {"type": "Stalled", "status": "True", "message": "bad"}]}))),
            HealthStatus::degraded("bad")
        );
        assert_eq!(
            run(base(
                json!({"conditions": [{"type": "Ready", "status": "False", "message": "m"}]})
            )),
            HealthStatus::progressing("m")
        );
        assert_eq!(
            run(base(Value::Null)),
            HealthStatus::healthy("Resource is current")
        );
    }

    #[test]
    fn type_errors_in_apimachinery_words() {
        let v = json!({"kind": "W", "metadata": {"generation": "2"}});
        assert_eq!(
            run(v).message,
            "looking up metadata.generation from resource: .metadata.generation accessor error: 2 is of the type string, expected int64"
        );
        let v = json!({"kind": "W", "metadata": {"generation": 1}, "status": "x"});
        assert_eq!(
            run(v).message,
            "looking up status.observedGeneration from resource: .status.observedGeneration accessor error: x is of the type string, expected map[string]interface{}"
        );
        let v = json!({"kind": "W", "status": {"conditions": [{"type": "Ready", "status": 1}]}});
        assert_eq!(run(v).message, "cannot convert int64 to v1.ConditionStatus");
        let v = json!({"kind": "W", "metadata": {"deletionTimestamp": null}});
        assert_eq!(
            run(v).message,
            "looking up metadata.deletionTimestamp from resource: .metadata.deletionTimestamp accessor error: <nil> is of the type <nil>, expected string"
        );
        assert_eq!(
            go_value(&json!({"b": [1, 2.5], "a": true})),
            "map[a:true b:[1 2.5]]"
        );
    }
}
