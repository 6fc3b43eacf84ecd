//! Conditions over `result`: bindings, helpers, errors.

use super::*;
use MeasurementPhase::{Error, Failed, Inconclusive, Successful};

fn metric(success: Option<&str>, failure: Option<&str>) -> Metric {
    Metric {
        name: "m".to_string(),
        success_condition: success.map(str::to_string),
        failure_condition: failure.map(str::to_string),
        ..Metric::default()
    }
}

fn list(v: &[f64]) -> MetricValue {
    MetricValue::List(v.to_vec())
}

#[test]
fn conditions_over_scalars_and_lists() {
    let rows: &[(&str, MetricValue, bool)] = &[
        ("result < 0.05", MetricValue::Scalar(0.01), true),
        ("result < 0.05", MetricValue::Scalar(0.5), false),
        ("result[0] >= 0.95", list(&[0.99]), true),
        ("result[0] >= 0.95", list(&[0.5, 0.99]), false),
        ("result[1] >= 0.95", list(&[0.5, 0.99]), true),
        ("size(result) == 0 || result[0] < 0.05", list(&[]), true),
        ("size(result) > 0 && result[0] < 0.05", list(&[]), false),
        ("result.all(x, x < 1.0)", list(&[0.1, 0.9, 0.5]), true),
        ("result.all(x, x < 1.0)", list(&[0.1, 1.5]), false),
        ("result.exists(x, x > 1.0)", list(&[0.1, 1.5]), true),
        ("isNaN(result)", MetricValue::Scalar(f64::NAN), true),
        (
            "isNaN(result[0]) || result[0] < 0.1",
            list(&[f64::NAN]),
            true,
        ),
        (
            "isInf(result)",
            MetricValue::Scalar(f64::NEG_INFINITY),
            true,
        ),
        ("isInf(result[0])", list(&[1.0]), false),
        ("default(result, [0.0])[0] < 0.05", list(&[]), true),
        ("default(result, [0.0])[0] < 0.05", list(&[0.5]), false),
        ("result < 1", MetricValue::Scalar(0.5), true),
        ("result[0] < 1", list(&[2.0]), false),
    ];
    for (expr, value, want) in rows {
        assert_eq!(
            eval_condition(expr, value),
            Ok(*want),
            "{expr} over {value:?}"
        );
    }
}

#[test]
fn expression_errors() {
    let rows: &[(&str, MetricValue, &str)] = &[
        (
            "result",
            MetricValue::Scalar(1.0),
            "expected bool, but got double",
        ),
        ("result +", MetricValue::Scalar(1.0), ""),
        ("nosuch < 1.0", MetricValue::Scalar(1.0), "nosuch"),
        ("isNaN(result)", list(&[1.0]), "expected a number, got list"),
    ];
    for (expr, value, want) in rows {
        match eval_condition(expr, value) {
            Ok(b) => panic!("{expr}: evaluated to {b}"),
            Err(e) => assert!(e.contains(want), "{expr}: {e}"),
        }
    }
    assert!(check_syntax("result[0] < 0.05").is_ok());
    assert!(check_syntax("result[0] <").is_err());
}

#[test]
fn judge_follows_evaluate_result() {
    let ok = MetricValue::Scalar(0.01);
    let bad = MetricValue::Scalar(0.5);
    let rows: &[(Metric, &MetricValue, MeasurementPhase)] = &[
        (metric(None, None), &bad, Successful),
        (metric(Some("result < 0.05"), None), &ok, Successful),
        (metric(Some("result < 0.05"), None), &bad, Failed),
        (metric(None, Some("result > 0.1")), &ok, Successful),
        (metric(None, Some("result > 0.1")), &bad, Failed),
        (
            metric(Some("result < 0.05"), Some("result > 0.1")),
            &ok,
            Successful,
        ),
        (
            metric(Some("result < 0.05"), Some("result > 0.1")),
            &bad,
            Failed,
        ),
        (
            metric(Some("result < 0.05"), Some("result > 0.1")),
            &MetricValue::Scalar(0.07),
            Inconclusive,
        ),
        (metric(Some("true"), Some("true")), &ok, Failed),
        (metric(Some("  "), None), &bad, Successful),
    ];
    for (m, value, want) in rows {
        assert_eq!(judge(m, value).0, *want, "{m:?} over {value:?}");
    }
}

#[test]
fn an_empty_result_says_no_data() {
    let m = metric(Some("result[0] < 0.05"), None);
    let (phase, message) = judge(&m, &list(&[]));
    assert_eq!(phase, Error);
    assert_eq!(
        message.as_deref(),
        Some(
            "could not evaluate successCondition \"result[0] < 0.05\": metric result is nil or \
             empty: no data returned from the metric provider"
        )
    );
    let m = metric(None, Some("result"));
    let (phase, message) = judge(&m, &MetricValue::Scalar(1.0));
    assert_eq!(phase, Error);
    assert_eq!(
        message.as_deref(),
        Some("could not evaluate failureCondition \"result\": expected bool, but got double")
    );
}

#[test]
fn values_print_as_argo_rollouts_records_them() {
    assert_eq!(list(&[0.012, 0.5]).display(), "[0.012,0.5]");
    assert_eq!(list(&[]).display(), "[]");
    assert_eq!(MetricValue::Scalar(1e-7).display(), "0.0000001");
    assert_eq!(MetricValue::Scalar(3.0).display(), "3");
    assert_eq!(
        list(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]).display(),
        "[NaN,+Inf,-Inf]"
    );
}
