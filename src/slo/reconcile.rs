//! One reconcile of a policy with its I/O: [`super::decide::decide`], then each due
//! measurement through a [`MetricProvider`] (earliest first, so that a metric failing
//! at 10:03 stops the run before a 10:05 measurement of another metric is taken, as in
//! Argo Rollouts), recorded with [`super::decide::record_measurement`], then decide
//! again — until nothing is due. Events and log lines of every step are kept, in order.

use k8s_openapi::jiff::Timestamp;

use super::decide::{Decision, Observed, decide, record_measurement};
use super::provider::{MetricProvider, measure};
use super::types::Measurement;

/// The most measurements one reconcile takes (a controller that was down for long
/// catches up over several reconciles).
pub const MAX_MEASUREMENTS: usize = 500;

/// Decides, measures what is due, and decides again, at the time `clock()` gives first;
/// `clock` also stamps each measurement's `finishedAt`.
pub fn reconcile(
    obs: &Observed<'_>,
    provider: &dyn MetricProvider,
    clock: &dyn Fn() -> Timestamp,
) -> Decision {
    reconcile_with(obs, provider, clock, &mut |_, _| {})
}

/// [`reconcile`], calling `on_measurement` with every measurement taken (the status
/// keeps only the last ten per metric; `rollpin slo check` prints them all).
pub fn reconcile_with(
    obs: &Observed<'_>,
    provider: &dyn MetricProvider,
    clock: &dyn Fn() -> Timestamp,
    on_measurement: &mut dyn FnMut(&str, &Measurement),
) -> Decision {
    let now = clock();
    let mut policy = obs.policy.clone();
    let (mut events, mut log) = (Vec::new(), Vec::new());
    let mut taken = 0;
    loop {
        let view = Observed {
            policy: &policy,
            ..*obs
        };
        let mut d = decide(&view, now);
        events.append(&mut d.events);
        log.append(&mut d.log);
        let first = d.due.first().map(|due| due.at);
        let (Some(first), true) = (first, taken < MAX_MEASUREMENTS) else {
            d.events = events;
            d.log = log;
            return d;
        };
        let mut status = d.status.clone();
        let before = taken;
        for due in d.due.iter().filter(|due| due.at == first) {
            if let Some(metric) = policy.spec.metrics.get(due.metric) {
                let m = measure(provider, metric, due.at, clock);
                on_measurement(&due.name, &m);
                record_measurement(&mut status, &due.name, m);
                taken += 1;
            }
        }
        if taken == before {
            d.events = events;
            d.log = log;
            return d;
        }
        policy.status = Some(status);
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use k8s_openapi::jiff::SignedDuration;

    use super::*;
    use crate::slo::expr::MetricValue;
    use crate::slo::observed::{AppSync, Synced};
    use crate::slo::provider::{FnProvider, QueryResult};
    use crate::slo::types::{
        Metric, PrometheusSpec, ProviderSpec, RollbackPolicy, RollbackPolicySpec,
    };

    #[test]
    fn a_long_backlog_is_taken_in_bounded_steps() {
        let policy = RollbackPolicy {
            metadata: ObjectMeta {
                name: Some("p".into()),
                ..ObjectMeta::default()
            },
            spec: RollbackPolicySpec {
                app: "shop".into(),
                bake_time: "1h".into(),
                metrics: vec![Metric {
                    name: "m".into(),
                    interval: Some("1s".into()),
                    provider: ProviderSpec {
                        prometheus: Some(PrometheusSpec {
                            address: "http://p:9090".into(),
                            query: "up".into(),
                            ..PrometheusSpec::default()
                        }),
                    },
                    ..Metric::default()
                }],
                ..RollbackPolicySpec::default()
            },
            status: None,
        };
        let start = Timestamp::UNIX_EPOCH;
        let app = AppSync {
            operation: Some(Synced {
                revision: "r".into(),
                finished_at: start,
            }),
            history: Vec::new(),
        };
        let obs = Observed {
            policy: &policy,
            app: &app,
            records: &[],
            requests: &[],
            allow: None,
        };
        let ok = FnProvider(|_: &Metric, _| {
            Ok(QueryResult {
                value: MetricValue::Scalar(1.0),
                warnings: Vec::new(),
            })
        });
        let now = start + SignedDuration::from_hours(1);
        let mut seen = 0;
        let d = reconcile_with(&obs, &ok, &|| now, &mut |name, m| {
            assert_eq!(
                (name, m.phase),
                ("m", crate::slo::MeasurementPhase::Successful)
            );
            seen += 1;
        });
        assert_eq!(seen, MAX_MEASUREMENTS);
        assert_eq!(d.status.metric_results[0].count, MAX_MEASUREMENTS as i32);
        assert_eq!(d.due.len(), 1, "the backlog goes on at the next reconcile");
        assert_eq!(d.events.len(), 1, "BakeStarted, kept from the first step");
    }
}
