//! The rules file format and its validation into a [`RuleSet`].
//!
//! ```yaml
//! apiVersion: rollpin.dev/v1alpha1   # optional
//! kind: HealthRules                  # optional
//! rules:
//! - group: cert-manager.io           # glob; "" or absent is the core group
//!   kind: Certificate                # glob
//!   checks:                          # in order; the first that holds wins
//!   - when:                          # one condition, or a list that must all hold
//!       path: '{.status.conditions[?(@.type=="Ready")].status}'
//!       equals: "False"              # or exists, notEquals, in, notIn, lessThan, greaterThan
//!     status: Degraded
//!     message: '{.status.conditions[?(@.type=="Ready")].message}'
//!   default:                         # optional; without it, the next tier decides
//!     status: Progressing
//!     message: Waiting for certificate
//! ```
//!
//! Every mistake is reported with the file and the place in it (`rules[0].checks[1].when`).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::path::Path;
use super::template::Template;
use super::{Check, Condition, Op, Operand, Outcome, Rule, RuleSet};
use crate::health::status::HealthStatusCode;

/// A rules file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// Not YAML.
    #[error("{origin}: line {line}: {message}")]
    Yaml {
        /// The file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// Valid YAML but not a valid rules file.
    #[error("{origin}: {at}: {message}")]
    Invalid {
        /// The file.
        origin: String,
        /// Where in it (`rules[0].checks[1].when.path`).
        at: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileSpec {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    metadata: Option<Value>,
    rules: Vec<RuleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    #[serde(default)]
    group: String,
    kind: String,
    #[serde(default)]
    checks: Vec<CheckSpec>,
    #[serde(default)]
    default: Option<OutcomeSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckSpec {
    when: OneOrMany,
    status: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeSpec {
    status: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConditionSpec {
    path: String,
    #[serde(default)]
    exists: Option<bool>,
    #[serde(default)]
    equals: Option<Value>,
    #[serde(default)]
    not_equals: Option<Value>,
    #[serde(default, rename = "in")]
    in_: Option<Vec<Value>>,
    #[serde(default)]
    not_in: Option<Vec<Value>>,
    #[serde(default)]
    less_than: Option<Value>,
    #[serde(default)]
    greater_than: Option<Value>,
}

/// `when:` takes one condition or a list of them.
struct OneOrMany(Vec<ConditionSpec>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a condition ({path, equals|…}) or a list of conditions")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OneOrMany, A::Error> {
                let one = ConditionSpec::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<OneOrMany, A::Error> {
                let many =
                    Vec::<ConditionSpec>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(OneOrMany(many))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses and validates a rules file.
pub fn load(text: &str, origin: &str) -> Result<RuleSet, RulesError> {
    let docs = crate::yaml::parse_stream(text, crate::yaml::Schema::Kyaml).map_err(|e| {
        RulesError::Yaml {
            origin: origin.to_string(),
            line: e.line,
            message: e.message.clone(),
        }
    })?;
    let invalid = |at: &str, message: String| RulesError::Invalid {
        origin: origin.to_string(),
        at: at.to_string(),
        message,
    };
    let doc = match docs.as_slice() {
        [one] => &one.value,
        [] => return Err(invalid("(file)", "no rules: the file is empty".into())),
        [_, second, ..] => {
            return Err(invalid(
                "(file)",
                format!(
                    "one document expected, found another at line {}",
                    second.line
                ),
            ));
        }
    };
    let spec: FileSpec = serde_path_to_error::deserialize(doc).map_err(|e| {
        let at = e.path().to_string();
        invalid(
            if at == "." { "(file)" } else { &at },
            e.inner().to_string(),
        )
    })?;
    if let Some(v) = spec
        .api_version
        .as_deref()
        .filter(|v| *v != crate::release::API_VERSION)
    {
        return Err(invalid(
            "apiVersion",
            format!("{v:?}: expected {}", crate::release::API_VERSION),
        ));
    }
    if let Some(k) = spec.kind.as_deref().filter(|k| *k != "HealthRules") {
        return Err(invalid("kind", format!("{k:?}: expected HealthRules")));
    }
    let mut rules = Vec::with_capacity(spec.rules.len());
    for (i, r) in spec.rules.into_iter().enumerate() {
        let at = format!("rules[{i}]");
        rules.push(compile_rule(r, &at, origin).map_err(|(where_, m)| invalid(&where_, m))?);
    }
    Ok(RuleSet { rules })
}

type Failure = (String, String);

fn compile_rule(r: RuleSpec, at: &str, origin: &str) -> Result<Rule, Failure> {
    if r.kind.is_empty() {
        return Err((
            format!("{at}.kind"),
            "must not be empty (use * for every kind)".into(),
        ));
    }
    if r.checks.is_empty() && r.default.is_none() {
        return Err((
            at.to_string(),
            "a rule needs checks, a default, or both".into(),
        ));
    }
    let mut checks = Vec::with_capacity(r.checks.len());
    for (j, c) in r.checks.into_iter().enumerate() {
        let at = format!("{at}.checks[{j}]");
        if c.when.0.is_empty() {
            return Err((format!("{at}.when"), "needs at least one condition".into()));
        }
        let when = c
            .when
            .0
            .into_iter()
            .enumerate()
            .map(|(k, cond)| compile_condition(cond, &format!("{at}.when[{k}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let outcome = compile_outcome(&c.status, &c.message, &at)?;
        checks.push(Check { when, outcome });
    }
    let default = r
        .default
        .map(|d| compile_outcome(&d.status, &d.message, &format!("{at}.default")))
        .transpose()?;
    Ok(Rule {
        group: r.group,
        kind: r.kind,
        checks,
        default,
        origin: format!("{origin}: {at}"),
    })
}

fn compile_outcome(status: &str, message: &str, at: &str) -> Result<Outcome, Failure> {
    let status: HealthStatusCode =
        status
            .parse()
            .map_err(|e: crate::health::status::UnknownStatusCode| {
                (format!("{at}.status"), e.to_string())
            })?;
    let message = Template::parse(message).map_err(|e| (format!("{at}.message"), e))?;
    Ok(Outcome { status, message })
}

fn compile_condition(c: ConditionSpec, at: &str) -> Result<Condition, Failure> {
    let path = Path::compile(&c.path).map_err(|e| (format!("{at}.path"), e))?;
    let operand = |v: Value, key: &str, numeric: bool| -> Result<Operand, Failure> {
        let at = format!("{at}.{key}");
        match v {
            Value::Object(m) => match (m.len(), m.get("path")) {
                (1, Some(Value::String(p))) => Path::compile(p)
                    .map(Operand::Path)
                    .map_err(|e| (format!("{at}.path"), e)),
                _ => Err((at, "a mapping operand must be {path: <JSONPath>}".into())),
            },
            Value::Array(_) | Value::Null => Err((at, "expected a scalar or {path: …}".into())),
            v if numeric && !v.is_number() => Err((at, format!("{v} is not a number"))),
            v => Ok(Operand::Literal(v)),
        }
    };
    let list = |vs: Vec<Value>, key: &str| -> Result<Vec<Value>, Failure> {
        match vs
            .iter()
            .position(|v| v.is_object() || v.is_array() || v.is_null())
        {
            Some(i) => Err((format!("{at}.{key}[{i}]"), "expected a scalar".into())),
            None => Ok(vs),
        }
    };
    let mut ops = Vec::new();
    if let Some(b) = c.exists {
        ops.push(Op::Exists(b));
    }
    if let Some(v) = c.equals {
        ops.push(Op::Equals(operand(v, "equals", false)?));
    }
    if let Some(v) = c.not_equals {
        ops.push(Op::NotEquals(operand(v, "notEquals", false)?));
    }
    if let Some(vs) = c.in_ {
        ops.push(Op::In(list(vs, "in")?));
    }
    if let Some(vs) = c.not_in {
        ops.push(Op::NotIn(list(vs, "notIn")?));
    }
    if let Some(v) = c.less_than {
        ops.push(Op::LessThan(operand(v, "lessThan", true)?));
    }
    if let Some(v) = c.greater_than {
        ops.push(Op::GreaterThan(operand(v, "greaterThan", true)?));
    }
    if ops.len() != 1 {
        return Err((
            at.to_string(),
            format!(
                "needs exactly one of exists, equals, notEquals, in, notIn, lessThan, greaterThan (found {})",
                ops.len()
            ),
        ));
    }
    let op = ops.remove(0);
    Ok(Condition { path, op })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(text: &str) -> String {
        load(text, "r.yaml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn reports_where_a_rules_file_is_wrong() {
        let e = err("rules: [ {");
        assert!(e.starts_with("r.yaml: line "), "{e}");
        assert_eq!(err(""), "r.yaml: (file): no rules: the file is empty");
        assert!(err("rulez: []").starts_with("r.yaml: rulez: unknown field `rulez`"));
        assert_eq!(
            err("rules:\n- kind: X\n  default: {status: Fine}\n"),
            "r.yaml: rules[0].default.status: \"Fine\" is not a health status (Healthy, Suspended, Progressing, Missing, Degraded, Unknown)"
        );
        assert!(
            err("rules:\n- kind: X\n  checks:\n  - when: {path: .a, equal: 1}\n    status: Healthy\n")
                .starts_with("r.yaml: rules[0].checks[0].when.equal: unknown field `equal`")
        );
        assert!(
            err("rules:\n- kind: X\n  checks:\n  - when: {path: .a, equals: 1, exists: true}\n    status: Healthy\n")
                .contains("rules[0].checks[0].when[0]: needs exactly one of")
        );
        assert!(
            err("rules:\n- kind: X\n  checks:\n  - when: {path: '$..a', exists: true}\n    status: Healthy\n")
                .contains("rules[0].checks[0].when[0].path: JSONPath")
        );
        assert!(
            err("rules:\n- kind: X\n  checks:\n  - when: {path: .a, lessThan: x}\n    status: Healthy\n")
                .contains("lessThan: \"x\" is not a number")
        );
        assert_eq!(
            err("rules:\n- kind: X\n"),
            "r.yaml: rules[0]: a rule needs checks, a default, or both"
        );
        assert!(err("kind: Other\nrules: []\n").contains("expected HealthRules"));
    }

    #[test]
    fn evaluates_first_matching_check() {
        let set = load(
            r#"
rules:
- group: example.com
  kind: Widget
  checks:
  - when: {path: .status.phase, equals: Broken}
    status: Degraded
    message: 'broken: {.status.reason}'
  - when:
    - {path: .status.observedGeneration, lessThan: {path: .metadata.generation}}
    status: Progressing
    message: generation {.metadata.generation} not observed
  - when: {path: .status.replicas, greaterThan: 0}
    status: Healthy
  default: {status: Progressing, message: waiting}
"#,
            "r.yaml",
        );
        let set = set.unwrap_or_default();
        let rule = set.find("example.com", "Widget");
        let eval = |v: Value| {
            rule.and_then(|r| r.evaluate(&v))
                .map(|h| (h.status, h.message))
        };
        use HealthStatusCode::*;
        assert_eq!(
            eval(json!({"status": {"phase": "Broken", "reason": "disk"}})),
            Some((Degraded, "broken: disk".into()))
        );
        assert_eq!(
            eval(json!({"metadata": {"generation": 3}, "status": {"observedGeneration": 2}})),
            Some((Progressing, "generation 3 not observed".into()))
        );
        assert_eq!(
            eval(json!({"status": {"replicas": 2}})),
            Some((Healthy, String::new()))
        );
        assert_eq!(eval(json!({})), Some((Progressing, "waiting".into())));
        assert!(set.find("example.com", "Gadget").is_none());
    }
}
