//! HorizontalPodAutoscaler (`autoscaling/v1` and `autoscaling/v2`): Argo CD's
//! `getHPAHealth` (gitops-engine `pkg/health/health_hpa.go`, Argo CD v3.5.1).
//!
//! `v1` keeps its conditions as JSON in the `autoscaling.alpha.kubernetes.io/conditions`
//! annotation (no annotation, `null` or `[]` → Progressing "Waiting to Autoscale"); `v2`
//! has them in `status.conditions`. Then: the first condition whose (type, reason) is one
//! of the failures below → Degraded with its message; else the first `AbleToScale` or
//! `ScalingLimited` condition with status True → Healthy with its message; else
//! Progressing "Waiting to Autoscale".
//!
//! Failures: AbleToScale/FailedGetScale, AbleToScale/FailedUpdateScale,
//! ScalingActive/FailedGetResourceMetric, ScalingActive/FailedGetObjectMetric,
//! ScalingActive/FailedGetPodsMetric, ScalingActive/FailedGetExternalMetric,
//! ScalingActive/FailedComputeMetricsReplicas, ScalingActive/InvalidSelector (the four
//! middle ones since v3.5.0).
//!
//! An annotation that is not a JSON list of conditions is Unknown with Go's
//! `encoding/json` message ([`go_json_error`] reproduces the cases Argo CD's users meet).

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2;
use serde::Deserialize;
use serde_json::Value;

use super::check_version;
use crate::health::Context;
use crate::health::convert::{GoTypes, convert};
use crate::health::object::Object;
use crate::health::prune::Keep;
use crate::health::status::HealthStatus;

/// The annotation `autoscaling/v1` HPAs keep their conditions in.
const CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";

const FAILURES: [(&str, &str); 8] = [
    ("AbleToScale", "FailedGetScale"),
    ("AbleToScale", "FailedUpdateScale"),
    ("ScalingActive", "FailedGetResourceMetric"),
    ("ScalingActive", "FailedGetObjectMetric"),
    ("ScalingActive", "FailedGetPodsMetric"),
    ("ScalingActive", "FailedGetExternalMetric"),
    ("ScalingActive", "FailedComputeMetricsReplicas"),
    ("ScalingActive", "InvalidSelector"),
];

#[derive(Deserialize)]
struct ViewV1 {
    metadata: Option<MetaV1>,
}

#[derive(Default, Deserialize)]
struct MetaV1 {
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct ViewV2 {
    status: Option<v2::HorizontalPodAutoscalerStatus>,
}

/// What the v1 check reads: the conditions annotation (and none of the others).
static KEEP_V1: Keep = Keep::Fields(&[(
    "metadata",
    Keep::Fields(&[(
        "annotations",
        Keep::Fields(&[(CONDITIONS_ANNOTATION, Keep::All)]),
    )]),
)]);

/// What the v2 check reads.
static KEEP_V2: Keep = Keep::Fields(&[(
    "status",
    Keep::Fields(&[(
        "conditions",
        Keep::Fields(&[
            ("type", Keep::All),
            ("reason", Keep::All),
            ("message", Keep::All),
            ("status", Keep::All),
        ]),
    )]),
)]);

const GO_TYPES_V2: GoTypes = &[
    (
        "status.conditions[].type",
        "v2.HorizontalPodAutoscalerConditionType",
    ),
    ("status.conditions[].status", "v1.ConditionStatus"),
    ("status.currentMetrics[].type", "v2.MetricSourceType"),
];

/// Argo CD's `hpaCondition`: the four fields it reads, as strings.
#[derive(Debug, Default)]
struct Condition {
    type_: String,
    reason: String,
    message: String,
    status: String,
}

/// Assesses a HorizontalPodAutoscaler.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match typed(obj) {
        Ok(h) | Err(h) => h,
    }
}

fn waiting() -> HealthStatus {
    HealthStatus::progressing("Waiting to Autoscale")
}

fn typed(obj: &Object<'_>) -> Result<HealthStatus, HealthStatus> {
    check_version(obj, "HPA", &["v1", "v2"])?;
    if obj.version == "v1" {
        let view: ViewV1 = convert(obj, "HPA", &[], &KEEP_V1)?;
        let annotations = view
            .metadata
            .unwrap_or_default()
            .annotations
            .unwrap_or_default();
        let Some(text) = annotations.get(CONDITIONS_ANNOTATION) else {
            return Ok(waiting());
        };
        let conditions = parse_annotation(text).map_err(|e| {
            HealthStatus::unknown(format!(
                "failed to convert conditions annotation to typed: {e}"
            ))
        })?;
        if conditions.is_empty() {
            return Ok(waiting());
        }
        return Ok(check(&conditions));
    }
    let view: ViewV2 = convert(obj, "HPA", GO_TYPES_V2, &KEEP_V2)?;
    let conditions: Vec<Condition> = view
        .status
        .and_then(|s| s.conditions)
        .unwrap_or_default()
        .into_iter()
        .map(|c| Condition {
            type_: c.type_,
            reason: c.reason.unwrap_or_default(),
            message: c.message.unwrap_or_default(),
            status: c.status,
        })
        .collect();
    Ok(check(&conditions))
}

fn check(conditions: &[Condition]) -> HealthStatus {
    let failure = conditions.iter().find(|c| {
        FAILURES
            .iter()
            .any(|(t, r)| c.type_ == *t && c.reason == *r)
    });
    if let Some(c) = failure {
        return HealthStatus::degraded(c.message.clone());
    }
    let able = conditions
        .iter()
        .find(|c| (c.type_ == "AbleToScale" || c.type_ == "ScalingLimited") && c.status == "True");
    match able {
        Some(c) => HealthStatus::healthy(c.message.clone()),
        None => waiting(),
    }
}

/// `json.Unmarshal(annotation, &[]hpaCondition)`: Go matches the untagged field names
/// `Type`, `Reason`, `Message`, `Status` case-insensitively and reports the first type
/// mismatch.
fn parse_annotation(text: &str) -> Result<Vec<Condition>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| go_json_error(text, &e))?;
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type []health.hpaCondition",
                json_kind(&other)
            ));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let fields = match item {
            Value::Null => {
                out.push(Condition::default());
                continue;
            }
            Value::Object(fields) => fields,
            other => {
                return Err(format!(
                    "json: cannot unmarshal {} into Go value of type health.hpaCondition",
                    json_kind(&other)
                ));
            }
        };
        let mut c = Condition::default();
        for (key, v) in &fields {
            let (slot, field) = match key.to_ascii_lowercase().as_str() {
                "type" => (&mut c.type_, "Type"),
                "reason" => (&mut c.reason, "Reason"),
                "message" => (&mut c.message, "Message"),
                "status" => (&mut c.status, "Status"),
                _ => continue,
            };
            match v {
                Value::String(s) => *slot = s.clone(),
                Value::Null => {}
                other => {
                    return Err(format!(
                        "json: cannot unmarshal {} into Go struct field hpaCondition.{field} of type string",
                        json_kind(other)
                    ));
                }
            }
        }
        out.push(c);
    }
    Ok(out)
}

/// `encoding/json`'s name for a JSON value's kind in type errors.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go's syntax error for the common cases (empty or truncated input, a stray first
/// character); other syntax errors keep serde_json's description.
fn go_json_error(text: &str, e: &serde_json::Error) -> String {
    let first = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .chars()
        .next();
    match first {
        None => "unexpected end of JSON input".to_string(),
        Some(c) if !"{[\"-0123456789tfn".contains(c) => {
            let shown = match c {
                '\'' => "'\\''".to_string(),
                c => format!("'{c}'"),
            };
            format!("invalid character {shown} looking for beginning of value")
        }
        _ if e.is_eof() => "unexpected end of JSON input".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_errors_in_go_words() {
        let err = |s: &str| parse_annotation(s).err().unwrap_or_default();
        assert_eq!(err(""), "unexpected end of JSON input");
        assert_eq!(err("[{\"type\":"), "unexpected end of JSON input");
        assert_eq!(
            err("oops"),
            "invalid character 'o' looking for beginning of value"
        );
        assert_eq!(
            err("{}"),
            "json: cannot unmarshal object into Go value of type []health.hpaCondition"
        );
        assert_eq!(
            err("[\"x\"]"),
            "json: cannot unmarshal string into Go value of type health.hpaCondition"
        );
        assert_eq!(
            err("[{\"Type\": 1}]"),
            "json: cannot unmarshal number into Go struct field hpaCondition.Type of type string"
        );
    }

    #[test]
    fn annotation_fields_match_case_insensitively() {
        let c = parse_annotation(r#"[{"TYPE":"AbleToScale","status":"True","Message":"ok"}]"#)
            .unwrap_or_default();
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].type_.as_str(), c[0].status.as_str()),
            ("AbleToScale", "True")
        );
        assert_eq!(c[0].message, "ok");
        assert!(parse_annotation("null").is_ok_and(|c| c.is_empty()));
    }
}
