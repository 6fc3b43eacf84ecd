//! A policy checked once into typed timings, before anything is measured: durations
//! parse, metric names are unique, `count > 1` has an `interval` (Argo Rollouts' rule),
//! each metric has a Prometheus query, conditions compile, and — for the controller —
//! every address is on the allow-list. Every problem is reported, not just the first.
//!
//! [`Timings::measurement_time`] is the measurement schedule both the controller and
//! `rollpin slo check` follow: the k-th measurement of a metric (errors included) is
//! evaluated at `bake start + initialDelay + k × interval`; a metric without an interval
//! retries an Error after Argo Rollouts' `DefaultErrorRetryInterval` (10s).

use std::time::Duration;

use k8s_openapi::jiff::{SignedDuration, Timestamp};

use super::allow::{AllowError, AllowList};
use super::duration::parse_duration;
use super::expr::check_syntax;
use super::types::{DEFAULT_PROMETHEUS_TIMEOUT, RollbackPolicySpec};

/// Argo Rollouts' retry interval after an Error measurement of a metric without an
/// interval.
pub const ERROR_RETRY_INTERVAL: Duration = Duration::from_secs(10);

/// One metric's timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricTiming {
    /// `interval` (None: a single measurement).
    pub interval: Option<Duration>,
    /// `initialDelay` (0 when absent).
    pub initial_delay: Duration,
}

/// The policy's timings, in `spec.metrics` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timings {
    /// `bakeTime`.
    pub bake: Duration,
    /// Per metric.
    pub metrics: Vec<MetricTiming>,
}

/// What is wrong with a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A field is invalid.
    Invalid(String),
    /// An address is not on the allow-list (no request is made).
    NotAllowed(String),
}

impl Problem {
    /// The text.
    pub fn message(&self) -> &str {
        match self {
            Problem::Invalid(m) | Problem::NotAllowed(m) => m,
        }
    }
}

/// Adds a duration to a time, saturating at jiff's range.
pub fn add(t: Timestamp, d: Duration) -> Timestamp {
    SignedDuration::try_from(d)
        .ok()
        .and_then(|d| t.checked_add(d).ok())
        .unwrap_or(Timestamp::MAX)
}

impl Timings {
    /// When metric `i`'s k-th measurement (errors included) is evaluated.
    pub fn measurement_time(&self, start: Timestamp, i: usize, k: u32) -> Timestamp {
        let Some(t) = self.metrics.get(i) else {
            return Timestamp::MAX;
        };
        let step = t.interval.unwrap_or(ERROR_RETRY_INTERVAL);
        add(add(start, t.initial_delay), step.saturating_mul(k))
    }

    /// When a bake that started at `start` ends.
    pub fn bake_end(&self, start: Timestamp) -> Timestamp {
        add(start, self.bake)
    }
}

/// Checks a policy; `allow` is the controller's allow-list (`None`: the CLI, any
/// address).
pub fn validate(
    spec: &RollbackPolicySpec,
    allow: Option<&AllowList>,
) -> Result<Timings, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut duration = |field: String, text: Option<&str>| -> Option<Duration> {
        let text = text?;
        match parse_duration(text) {
            Ok(d) => Some(d),
            Err(e) => {
                problems.push(Problem::Invalid(format!("{field}: {e}")));
                None
            }
        }
    };
    let parsed_bake = duration("spec.bakeTime".into(), Some(&spec.bake_time));
    let bake = parsed_bake.unwrap_or_default();
    let mut metrics = Vec::new();
    for (i, m) in spec.metrics.iter().enumerate() {
        let field = |f: &str| format!("spec.metrics[{i}].{f}");
        let interval = duration(field("interval"), m.interval.as_deref());
        let initial_delay =
            duration(field("initialDelay"), m.initial_delay.as_deref()).unwrap_or_default();
        if let Some(p) = &m.provider.prometheus {
            duration(
                field("provider.prometheus.timeout"),
                Some(p.timeout.as_deref().unwrap_or(DEFAULT_PROMETHEUS_TIMEOUT)),
            );
        }
        metrics.push(MetricTiming {
            interval,
            initial_delay,
        });
    }
    for (i, m) in spec.metrics.iter().enumerate() {
        let field = |f: &str| format!("spec.metrics[{i}].{f}");
        let mut invalid = |text: String| problems.push(Problem::Invalid(text));
        if m.name.trim().is_empty() {
            invalid(format!("{}: a metric needs a name", field("name")));
        } else if spec.metrics[..i].iter().any(|o| o.name == m.name) {
            invalid(format!("{}: {:?} is used twice", field("name"), m.name));
        }
        // Measured only after the bake has ended: the metric would end Successful without
        // a single measurement.
        if parsed_bake.is_some_and(|b| metrics[i].initial_delay > b)
            && spec.continuous != Some(true)
        {
            invalid(format!(
                "{}: {} is after the bake time ({}): the metric would never be measured",
                field("initialDelay"),
                m.initial_delay.as_deref().unwrap_or_default(),
                spec.bake_time
            ));
        }
        if metrics[i].interval.is_some_and(|d| d.is_zero()) {
            invalid(format!("{}: must be more than 0", field("interval")));
        }
        match m.count {
            Some(n) if n < 0 => invalid(format!("{}: must not be negative", field("count"))),
            Some(n) if n > 1 && m.interval.is_none() => invalid(format!(
                "{}: a count above 1 needs an interval",
                field("count")
            )),
            _ => {}
        }
        for (name, cond) in [
            ("successCondition", &m.success_condition),
            ("failureCondition", &m.failure_condition),
        ] {
            if let Some(c) = cond.as_deref().filter(|c| !c.trim().is_empty())
                && let Err(e) = check_syntax(c)
            {
                invalid(format!("{}: {e}", field(name)));
            }
        }
        let Some(p) = &m.provider.prometheus else {
            invalid(format!(
                "{}: only provider.prometheus is supported",
                field("provider")
            ));
            continue;
        };
        if p.query.trim().is_empty() {
            invalid(format!("{}: empty", field("provider.prometheus.query")));
        }
        if let Some(list) = allow {
            match list.check(&p.address) {
                Ok(_) => {}
                Err(e @ AllowError::NotAllowed { .. }) => problems.push(Problem::NotAllowed(
                    format!("{}: {e}", field("provider.prometheus.address")),
                )),
                Err(e) => invalid(format!("{}: {e}", field("provider.prometheus.address"))),
            }
        }
    }
    if spec.metrics.is_empty() {
        problems.push(Problem::Invalid("spec.metrics: no metric".to_string()));
    }
    if spec.app.trim().is_empty() {
        problems.push(Problem::Invalid("spec.app: empty".to_string()));
    }
    if problems.is_empty() {
        Ok(Timings { bake, metrics })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::types::{Metric, PrometheusSpec, ProviderSpec};

    fn metric(name: &str, address: &str) -> Metric {
        Metric {
            name: name.to_string(),
            interval: Some("1m".to_string()),
            initial_delay: Some("30s".to_string()),
            count: Some(3),
            success_condition: Some("result[0] < 0.05".to_string()),
            provider: ProviderSpec {
                prometheus: Some(PrometheusSpec {
                    address: address.to_string(),
                    query: "up".to_string(),
                    ..PrometheusSpec::default()
                }),
            },
            ..Metric::default()
        }
    }

    fn spec(metrics: Vec<Metric>) -> RollbackPolicySpec {
        RollbackPolicySpec {
            app: "shop".to_string(),
            bake_time: "10m".to_string(),
            metrics,
            ..RollbackPolicySpec::default()
        }
    }

    #[test]
    fn a_valid_policy_gives_its_schedule() {
        let t = validate(&spec(vec![metric("a", "http://p:9090")]), None);
        let Ok(t) = t else { panic!("{t:?}") };
        let start: Timestamp = "2026-11-20T10:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(t.bake_end(start).to_string(), "2026-11-20T10:10:00Z");
        assert_eq!(
            t.measurement_time(start, 0, 0).to_string(),
            "2026-11-20T10:00:30Z"
        );
        assert_eq!(
            t.measurement_time(start, 0, 2).to_string(),
            "2026-11-20T10:02:30Z"
        );
    }

    #[test]
    fn a_metric_first_measured_after_the_bake_is_refused() {
        let mut late = metric("late", "http://p:9090");
        late.initial_delay = Some("11m".to_string());
        let problems = validate(&spec(vec![late.clone()]), None)
            .err()
            .unwrap_or_default();
        let text: Vec<&str> = problems.iter().map(Problem::message).collect();
        assert_eq!(
            text,
            [
                "spec.metrics[0].initialDelay: 11m is after the bake time (10m): the metric would never be measured"
            ]
        );
        // Continuous policies keep measuring after the bake.
        let mut s = spec(vec![late]);
        s.continuous = Some(true);
        assert!(validate(&s, None).is_ok());
    }

    #[test]
    fn reports_every_problem() {
        let mut bad = metric("a", "http://p:9090");
        bad.interval = Some("soon".to_string());
        bad.success_condition = Some("result[0] <".to_string());
        let mut no_interval = metric("b", "http://evil:9090");
        no_interval.interval = None;
        let mut s = spec(vec![bad, no_interval, metric("a", "http://p:9090@evil")]);
        s.bake_time = "1d".to_string();
        let allow = AllowList::from_urls(&["http://p:9090"]).unwrap_or_default();
        let problems = validate(&s, Some(&allow)).err().unwrap_or_default();
        let text: Vec<&str> = problems.iter().map(Problem::message).collect();
        let expect = [
            "spec.bakeTime: invalid duration \"1d\"",
            "spec.metrics[0].interval: invalid duration \"soon\"",
            "spec.metrics[0].successCondition:",
            "spec.metrics[1].count: a count above 1 needs an interval",
            "spec.metrics[1].provider.prometheus.address: Prometheus address http://evil:9090 is not on",
            "spec.metrics[2].name: \"a\" is used twice",
            "spec.metrics[2].provider.prometheus.address: invalid address",
        ];
        assert_eq!(text.len(), expect.len(), "{text:#?}");
        for (got, want) in text.iter().zip(expect) {
            assert!(got.starts_with(want), "{got} does not start with {want}");
        }
        assert!(matches!(problems[4], Problem::NotAllowed(_)));
    }
}
