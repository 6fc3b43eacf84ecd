//! The verdict rules, exactly as Argo Rollouts' analysis controller applies them
//! (`utils/evaluate/evaluate.go` `EvaluateResult`, `analysis/analysis.go`
//! `runMeasurements`, `assessMetricStatus`, `assessMetricFailureInconclusiveOrError`,
//! `assessRunStatus`; reference: execution.md §D). Pure and synchronous: measurement
//! outcome from the conditions → counters → metric phase → run phase (the verdict).
//!
//! | step | rule |
//! |---|---|
//! | measurement | no condition set → Successful; only success set: false → Failed; only failure set: false → Successful; both: failure true → Failed (failure wins), neither true → Inconclusive |
//! | counters | Successful/Failed/Inconclusive count (`count`) and reset `consecutiveError`; Error increments `error` and `consecutiveError`, not `count` |
//! | metric | `failed > failureLimit` (unless -1) → Failed; `inconclusive > inconclusiveLimit` → Inconclusive; `consecutiveError > consecutiveErrorLimit` → Error (later checks win); `count` reached → Successful; else Running (Successful when terminated) |
//! | run | Running until every metric completes; then the worst phase (Successful < Running < Pending < Inconclusive < Error < Failed); a Failed, Error or Inconclusive metric terminates the run |

use super::types::{AnalysisPhase, Measurement, MeasurementPhase, Metric, MetricResult};

/// How a measurement's value is judged: each condition's outcome, `None` when the
/// condition is not set. (An expression error is an Error measurement before this.)
pub fn measurement_phase(success: Option<bool>, failure: Option<bool>) -> MeasurementPhase {
    let (success, failure) = match (success, failure) {
        (None, None) => return MeasurementPhase::Successful,
        (Some(s), None) => (s, !s),
        (None, Some(f)) => (!f, f),
        (Some(s), Some(f)) => (s, f),
    };
    if failure {
        MeasurementPhase::Failed
    } else if !success {
        MeasurementPhase::Inconclusive
    } else {
        MeasurementPhase::Successful
    }
}

/// Adds a measurement to a metric's result: the counters as `runMeasurements` keeps them,
/// and the last [`super::types::MEASUREMENTS_KEPT`] measurements.
pub fn record(result: &mut MetricResult, m: Measurement) {
    match m.phase {
        MeasurementPhase::Successful => {
            result.successful += 1;
            result.count += 1;
            result.consecutive_error = 0;
        }
        MeasurementPhase::Failed => {
            result.failed += 1;
            result.count += 1;
            result.consecutive_error = 0;
        }
        MeasurementPhase::Inconclusive => {
            result.inconclusive += 1;
            result.count += 1;
            result.consecutive_error = 0;
        }
        MeasurementPhase::Error => {
            result.error += 1;
            result.consecutive_error += 1;
        }
    }
    result.measurements.push(m);
    let excess = result
        .measurements
        .len()
        .saturating_sub(super::types::MEASUREMENTS_KEPT);
    result.measurements.drain(..excess);
}

/// Argo Rollouts' `EffectiveCount`: `Some(n)` measurements, or `None` for indefinitely
/// (an interval without a count). Unset or 0 without an interval is one measurement.
pub fn effective_count(metric: &Metric) -> Option<i32> {
    match metric.count {
        Some(n) if n != 0 => Some(n),
        _ if metric.interval.is_none() => Some(1),
        _ => None,
    }
}

/// `assessMetricFailureInconclusiveOrError`: a terminal bad phase and why, if the
/// counters reached a limit. Later checks override earlier ones (Error > Inconclusive >
/// Failed).
pub fn limits_reached(metric: &Metric, r: &MetricResult) -> Option<(AnalysisPhase, String)> {
    let mut out = None;
    let failure_limit = metric.failure_limit();
    if failure_limit >= 0 && r.failed > failure_limit {
        out = Some((
            AnalysisPhase::Failed,
            format!("failed ({}) > failureLimit ({failure_limit})", r.failed),
        ));
    }
    let inconclusive_limit = metric.inconclusive_limit();
    if r.inconclusive > inconclusive_limit {
        out = Some((
            AnalysisPhase::Inconclusive,
            format!(
                "inconclusive ({}) > inconclusiveLimit ({inconclusive_limit})",
                r.inconclusive
            ),
        ));
    }
    let error_limit = metric.consecutive_error_limit();
    if r.consecutive_error > error_limit {
        out = Some((
            AnalysisPhase::Error,
            format!(
                "consecutiveErrors ({}) > consecutiveErrorLimit ({error_limit})",
                r.consecutive_error
            ),
        ));
    }
    out
}

/// `assessMetricStatus`: a metric's phase from its counters. A completed phase stays;
/// `terminating` (the run is being stopped: another metric failed, or the bake ended)
/// turns an unfinished metric Successful.
pub fn metric_phase(metric: &Metric, r: &MetricResult, terminating: bool) -> AnalysisPhase {
    if r.phase.completed() {
        return r.phase;
    }
    if r.measurements.is_empty() && r.count == 0 && r.error == 0 {
        return if terminating {
            AnalysisPhase::Successful
        } else {
            AnalysisPhase::Pending
        };
    }
    if let Some((phase, _)) = limits_reached(metric, r) {
        return phase;
    }
    if effective_count(metric).is_some_and(|n| r.count >= n) {
        return AnalysisPhase::Successful;
    }
    if terminating {
        AnalysisPhase::Successful
    } else {
        AnalysisPhase::Running
    }
}

/// The order in which phases are worse (Argo Rollouts' `IsWorse`).
fn severity(p: AnalysisPhase) -> u8 {
    match p {
        AnalysisPhase::Successful => 0,
        AnalysisPhase::Running => 1,
        AnalysisPhase::Pending => 2,
        AnalysisPhase::Inconclusive => 3,
        AnalysisPhase::Error => 4,
        AnalysisPhase::Failed => 5,
    }
}

/// Whether a metric phase stops the whole run early (`IsTerminating`).
pub fn terminates_run(p: AnalysisPhase) -> bool {
    matches!(
        p,
        AnalysisPhase::Failed | AnalysisPhase::Error | AnalysisPhase::Inconclusive
    )
}

/// The verdict over every metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunVerdict {
    /// The run's phase.
    pub phase: AnalysisPhase,
    /// Each metric's phase, in the policy's order.
    pub metric_phases: Vec<AnalysisPhase>,
    /// `Metric "<m>" assessed <Phase> due to <reason>` for a bad verdict.
    pub message: Option<String>,
}

/// `assessRunStatus`: each metric's phase, then the run's. `terminate` stops metrics
/// that are still running (the bake time is over); a metric that went Failed, Error or
/// Inconclusive terminates the run too. `results[i]` belongs to `metrics[i]`; a missing
/// result is a metric that has not started.
pub fn run_phase(metrics: &[Metric], results: &[MetricResult], terminate: bool) -> RunVerdict {
    let empty = MetricResult::default();
    let result_of = |i: usize| results.get(i).unwrap_or(&empty);
    let terminating = terminate
        || metrics
            .iter()
            .enumerate()
            .any(|(i, m)| terminates_run(metric_phase(m, result_of(i), false)));
    let metric_phases: Vec<AnalysisPhase> = metrics
        .iter()
        .enumerate()
        .map(|(i, m)| metric_phase(m, result_of(i), terminating))
        .collect();
    if metric_phases.iter().any(|p| !p.completed()) {
        return RunVerdict {
            phase: AnalysisPhase::Running,
            metric_phases,
            message: None,
        };
    }
    let mut worst = AnalysisPhase::Successful;
    let mut message = None;
    for (i, (m, &p)) in metrics.iter().zip(&metric_phases).enumerate() {
        if severity(p) > severity(worst) {
            worst = p;
            let reason = limits_reached(m, result_of(i))
                .map(|(_, why)| why)
                .or_else(|| result_of(i).message.clone())
                .unwrap_or_else(|| "its measurements".to_string());
            message = Some(format!(
                "Metric \"{}\" assessed {} due to {reason}",
                m.name,
                p.as_str()
            ));
        }
    }
    RunVerdict {
        phase: worst,
        metric_phases,
        message,
    }
}

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
