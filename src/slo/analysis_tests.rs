//! Rule-by-rule tables for [`super`]: each row is one Argo Rollouts rule.

use super::*;
use crate::slo::types::{MEASUREMENTS_KEPT, ProviderSpec};
use AnalysisPhase::{Error, Failed, Inconclusive, Pending, Running, Successful};

fn metric(count: Option<i32>, interval: Option<&str>) -> Metric {
    Metric {
        name: "m".to_string(),
        count,
        interval: interval.map(str::to_string),
        provider: ProviderSpec::default(),
        ..Metric::default()
    }
}

/// A result after these measurement outcomes, in order.
fn after(phases: &[MeasurementPhase]) -> MetricResult {
    let mut r = MetricResult {
        name: "m".to_string(),
        ..MetricResult::default()
    };
    for &phase in phases {
        record(
            &mut r,
            Measurement {
                phase,
                ..Measurement::default()
            },
        );
    }
    r
}

use MeasurementPhase as M;

#[test]
fn measurement_outcome_from_conditions() {
    let rows: &[(Option<bool>, Option<bool>, MeasurementPhase, &str)] = &[
        (None, None, M::Successful, "no condition: Successful"),
        (Some(true), None, M::Successful, "only success, true"),
        (Some(false), None, M::Failed, "only success, false: Failed"),
        (
            None,
            Some(false),
            M::Successful,
            "only failure, false: Successful",
        ),
        (None, Some(true), M::Failed, "only failure, true"),
        (Some(true), Some(true), M::Failed, "both true: failure wins"),
        (Some(false), Some(true), M::Failed, "failure true"),
        (Some(true), Some(false), M::Successful, "success true"),
        (
            Some(false),
            Some(false),
            M::Inconclusive,
            "neither: Inconclusive",
        ),
    ];
    for (s, f, want, why) in rows {
        assert_eq!(measurement_phase(*s, *f), *want, "{why}");
    }
}

#[test]
fn counters_follow_run_measurements() {
    // (outcomes, count, successful, failed, inconclusive, error, consecutiveError)
    let rows: &[(&[MeasurementPhase], [i32; 6])] = &[
        (&[M::Successful], [1, 1, 0, 0, 0, 0]),
        (&[M::Error], [0, 0, 0, 0, 1, 1]),
        (&[M::Error, M::Error, M::Error], [0, 0, 0, 0, 3, 3]),
        (&[M::Error, M::Error, M::Successful], [1, 1, 0, 0, 2, 0]),
        (&[M::Error, M::Failed, M::Error], [1, 0, 1, 0, 2, 1]),
        (&[M::Inconclusive, M::Error], [1, 0, 0, 1, 1, 1]),
        (&[M::Failed, M::Failed, M::Successful], [3, 1, 2, 0, 0, 0]),
    ];
    for (outcomes, want) in rows {
        let r = after(outcomes);
        let got = [
            r.count,
            r.successful,
            r.failed,
            r.inconclusive,
            r.error,
            r.consecutive_error,
        ];
        assert_eq!(&got, want, "{outcomes:?}");
        assert_eq!(r.measurements.len(), outcomes.len());
    }
}

#[test]
fn keeps_the_last_ten_measurements() {
    let many = vec![M::Successful; MEASUREMENTS_KEPT + 5];
    let r = after(&many);
    assert_eq!(r.measurements.len(), MEASUREMENTS_KEPT);
    assert_eq!(r.count, (MEASUREMENTS_KEPT + 5) as i32);
}

#[test]
fn effective_count() {
    let rows: &[(Option<i32>, Option<&str>, Option<i32>)] = &[
        (None, None, Some(1)),
        (Some(0), None, Some(1)),
        (None, Some("1m"), None),
        (Some(0), Some("1m"), None),
        (Some(5), Some("1m"), Some(5)),
        (Some(3), None, Some(3)),
    ];
    for (count, interval, want) in rows {
        assert_eq!(
            super::effective_count(&metric(*count, *interval)),
            *want,
            "count {count:?} interval {interval:?}"
        );
    }
}

#[test]
fn metric_phase_rules() {
    let lim = |f: Option<i32>, i: Option<i32>, e: Option<i32>| Metric {
        failure_limit: f,
        inconclusive_limit: i,
        consecutive_error_limit: e,
        ..metric(Some(3), Some("1m"))
    };
    let d = lim(None, None, None);
    #[allow(clippy::type_complexity)]
    let rows: &[(&Metric, &[MeasurementPhase], bool, AnalysisPhase, &str)] = &[
        (&d, &[], false, Pending, "no measurement yet"),
        (&d, &[], true, Successful, "terminated before measuring"),
        (&d, &[M::Successful], false, Running, "count not reached"),
        (
            &d,
            &[M::Successful],
            true,
            Successful,
            "terminated while running",
        ),
        (&d, &[M::Successful; 3], false, Successful, "count reached"),
        (&d, &[M::Failed], false, Failed, "failed 1 > failureLimit 0"),
        (
            &lim(Some(1), None, None),
            &[M::Failed],
            false,
            Running,
            "failed 1 = failureLimit 1",
        ),
        (
            &lim(Some(1), None, None),
            &[M::Failed, M::Failed],
            false,
            Failed,
            "failed 2 > failureLimit 1",
        ),
        (
            &lim(Some(-1), None, None),
            &[M::Failed, M::Failed, M::Failed],
            false,
            Successful,
            "failureLimit -1 disables, count reached",
        ),
        (
            &d,
            &[M::Inconclusive],
            false,
            Inconclusive,
            "inconclusive 1 > 0",
        ),
        (
            &d,
            &[M::Error; 4],
            false,
            Running,
            "4 errors in a row = limit 4",
        ),
        (
            &d,
            &[M::Error; 5],
            false,
            Error,
            "5 errors in a row > limit 4",
        ),
        (
            &d,
            &[
                M::Error,
                M::Error,
                M::Error,
                M::Error,
                M::Successful,
                M::Error,
            ],
            false,
            Running,
            "a success resets consecutive errors",
        ),
        (
            &lim(Some(5), None, Some(0)),
            &[M::Failed, M::Inconclusive, M::Error],
            false,
            Error,
            "Error overrides Inconclusive overrides Failed",
        ),
        (
            &lim(None, Some(5), None),
            &[M::Failed, M::Inconclusive],
            false,
            Failed,
            "Failed when Inconclusive is under its limit",
        ),
        (
            &lim(None, None, Some(0)),
            &[M::Failed, M::Error],
            false,
            Error,
            "Error overrides Failed",
        ),
        (
            &lim(Some(5), Some(0), None),
            &[M::Failed, M::Inconclusive],
            false,
            Inconclusive,
            "Inconclusive overrides Failed",
        ),
    ];
    for (m, outcomes, terminating, want, why) in rows {
        assert_eq!(
            metric_phase(m, &after(outcomes), *terminating),
            *want,
            "{why}"
        );
    }
    // Indefinite (interval only) metrics run until terminated.
    let indefinite = metric(None, Some("1m"));
    let r = after(&[M::Successful; 20]);
    assert_eq!(metric_phase(&indefinite, &r, false), Running);
    assert_eq!(metric_phase(&indefinite, &r, true), Successful);
    // A completed phase stays.
    let mut done = after(&[M::Failed]);
    done.phase = Failed;
    assert_eq!(metric_phase(&d, &done, true), Failed);
}

#[test]
fn run_phase_rules() {
    let three = || metric(Some(3), Some("1m"));
    let named = |n: &str| Metric {
        name: n.to_string(),
        ..three()
    };
    let (a, b) = (named("a"), named("b"));
    #[allow(clippy::type_complexity)]
    let rows: &[(
        &[MeasurementPhase],
        &[MeasurementPhase],
        bool,
        AnalysisPhase,
        &str,
    )] = &[
        (&[], &[], false, Running, "nothing measured"),
        (
            &[M::Successful; 3],
            &[M::Successful],
            false,
            Running,
            "b unfinished",
        ),
        (
            &[M::Successful; 3],
            &[M::Successful; 3],
            false,
            Successful,
            "all done",
        ),
        (
            &[M::Failed],
            &[M::Successful],
            false,
            Failed,
            "a failure terminates early",
        ),
        (
            &[M::Inconclusive],
            &[],
            false,
            Inconclusive,
            "inconclusive terminates",
        ),
        (
            &[M::Error; 5],
            &[M::Successful],
            false,
            Error,
            "error terminates",
        ),
        (
            &[M::Error; 5],
            &[M::Failed],
            false,
            Failed,
            "Failed is worse than Error",
        ),
        (
            &[M::Inconclusive],
            &[M::Error; 5],
            false,
            Error,
            "Error worse than Inconclusive",
        ),
        (
            &[M::Successful],
            &[],
            true,
            Successful,
            "bake over: terminated",
        ),
        (
            &[M::Successful],
            &[M::Failed],
            true,
            Failed,
            "bake over, b failed",
        ),
    ];
    for (ra, rb, terminate, want, why) in rows {
        let v = run_phase(&[a.clone(), b.clone()], &[after(ra), after(rb)], *terminate);
        assert_eq!(v.phase, *want, "{why}");
    }
    let v = run_phase(
        &[a.clone(), b.clone()],
        &[after(&[M::Failed]), after(&[])],
        false,
    );
    assert_eq!(
        v.message.as_deref(),
        Some("Metric \"a\" assessed Failed due to failed (1) > failureLimit (0)")
    );
    assert_eq!(v.metric_phases, [Failed, Successful]);
    // A missing result is a metric that has not started.
    assert_eq!(run_phase(&[a, b], &[], false).phase, Running);
}
