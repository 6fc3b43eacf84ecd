//! Success and failure conditions: CEL expressions (the `cel` crate, the language
//! Kubernetes uses for validation rules) over `result`, bound as Argo Rollouts' Prometheus
//! provider binds it — a scalar is a float, a vector a list of floats in the order
//! Prometheus returned them, a matrix every sample of every series flattened into one
//! list.
//!
//! Helpers Argo Rollouts users know, where CEL lacks them: `isNaN(x)`, `isInf(x)` (either
//! sign), `default(x, d)` (`d` when `x` is null or an empty list). CEL itself has `size`,
//! `all`, `exists`, `double`, `int`, `||`/`&&` that absorb an error on one side, and `?:`.
//! Differences from Argo Rollouts' expr-lang: `size(result)` instead of `len(result)`, and
//! `all(result, # < 1)` is written `result.all(x, x < 1)`.
//!
//! An expression that does not compile, fails (e.g. `result[0]` on an empty list) or
//! does not give a bool makes the measurement an Error, with Argo Rollouts' words:
//! `could not evaluate successCondition "…": metric result is nil or empty: no data
//! returned from the metric provider` for an empty result.

use std::sync::Arc;

use cel::extractors::Arguments;
use cel::{Context, ExecutionError, Program, Value};

use super::analysis::measurement_phase;
use super::types::{MeasurementPhase, Metric};

/// The value a query returned, as conditions see it.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    /// A scalar.
    Scalar(f64),
    /// A vector's values, or a matrix's samples flattened.
    List(Vec<f64>),
}

impl MetricValue {
    /// The value as Argo Rollouts records it (`0.5`, `[0.01,0.2]`, `NaN`, `+Inf`).
    pub fn display(&self) -> String {
        match self {
            MetricValue::Scalar(f) => go_float(*f),
            MetricValue::List(items) => {
                let parts: Vec<String> = items.iter().map(|f| go_float(*f)).collect();
                format!("[{}]", parts.join(","))
            }
        }
    }

    /// Whether the result holds no data (an empty list).
    pub fn is_empty(&self) -> bool {
        matches!(self, MetricValue::List(items) if items.is_empty())
    }

    fn to_cel(&self) -> Value {
        match self {
            MetricValue::Scalar(f) => Value::Float(*f),
            MetricValue::List(items) => {
                Value::List(Arc::new(items.iter().map(|f| Value::Float(*f)).collect()))
            }
        }
    }
}

/// A float as Go's `strconv.FormatFloat(f, 'f', -1, 64)` prints it (Prometheus'
/// `SampleValue.String()`).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{f}")
    }
}

/// Checks that an expression compiles (for validating a policy before measuring).
pub fn check_syntax(expression: &str) -> Result<(), String> {
    guarded(|| {
        Program::compile(expression)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
}

/// Runs `f`, turning a panic inside the expression library into an error: an
/// expression is user input and must never take the controller down.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err("the expression evaluator failed on this expression".into()))
}

/// Evaluates one condition over `result`.
pub fn eval_condition(expression: &str, result: &MetricValue) -> Result<bool, String> {
    guarded(|| {
        let program = Program::compile(expression).map_err(|e| e.to_string())?;
        let mut ctx = Context::default();
        ctx.add_variable_from_value("result", result.to_cel());
        for (name, f) in HELPERS {
            ctx.add_function(name, *f).map_err(|e| format!("{e:?}"))?;
        }
        match program.execute(&ctx) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("expected bool, but got {}", type_name(&other))),
            Err(e) => Err(e.to_string()),
        }
    })
}

type Helper = fn(Arguments) -> Result<Value, ExecutionError>;

const HELPERS: &[(&str, Helper)] = &[("isNaN", is_nan), ("isInf", is_inf), ("default", default)];

fn number(name: &str, args: &[Value]) -> Result<f64, ExecutionError> {
    match args {
        [Value::Float(f)] => Ok(*f),
        [Value::Int(i)] => Ok(*i as f64),
        [Value::UInt(u)] => Ok(*u as f64),
        [other] => Err(ExecutionError::function_error(
            name,
            format!("expected a number, got {}", type_name(other)),
        )),
        _ => Err(ExecutionError::function_error(
            name,
            "expected one argument",
        )),
    }
}

fn is_nan(Arguments(args): Arguments) -> Result<Value, ExecutionError> {
    Ok(Value::Bool(number("isNaN", &args)?.is_nan()))
}

fn is_inf(Arguments(args): Arguments) -> Result<Value, ExecutionError> {
    Ok(Value::Bool(number("isInf", &args)?.is_infinite()))
}

fn default(Arguments(args): Arguments) -> Result<Value, ExecutionError> {
    match args.as_slice() {
        [Value::Null, d] => Ok(d.clone()),
        [Value::List(items), d] if items.is_empty() => Ok(d.clone()),
        [v, _] => Ok(v.clone()),
        _ => Err(ExecutionError::function_error(
            "default",
            "expected two arguments",
        )),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Function(..) => "function",
        Value::Int(_) => "int",
        Value::UInt(_) => "uint",
        Value::Float(_) => "double",
        Value::String(_) => "string",
        Value::Bytes(_) => "bytes",
        Value::Bool(_) => "bool",
        Value::Null => "null",
        _ => "object",
    }
}

/// A measurement's outcome from a metric's conditions (Argo Rollouts' `EvaluateResult`):
/// the phase, or Error with a message.
pub fn judge(metric: &Metric, result: &MetricValue) -> (MeasurementPhase, Option<String>) {
    let outcome = |kind: &str, cond: &Option<String>| -> Result<Option<bool>, String> {
        let Some(expression) = cond.as_deref().filter(|c| !c.trim().is_empty()) else {
            return Ok(None);
        };
        eval_condition(expression, result).map(Some).map_err(|e| {
            if result.is_empty() {
                format!(
                    "could not evaluate {kind} \"{expression}\": metric result is nil or empty: \
                     no data returned from the metric provider"
                )
            } else {
                format!("could not evaluate {kind} \"{expression}\": {e}")
            }
        })
    };
    let evaluated = outcome("successCondition", &metric.success_condition)
        .and_then(|s| outcome("failureCondition", &metric.failure_condition).map(|f| (s, f)));
    match evaluated {
        Ok((s, f)) => (measurement_phase(s, f), None),
        Err(e) => (MeasurementPhase::Error, Some(e)),
    }
}

#[cfg(test)]
#[path = "expr_tests.rs"]
mod tests;
