//! Scenarios for the decision function: a release synced at T0, an error-ratio metric
//! measured every minute over a 10-minute bake, values from a table by evaluation time.

use std::cell::Cell;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::*;
use crate::slo::audit::ROLLBACK;
use crate::slo::expr::MetricValue;
use crate::slo::observed::Synced;
use crate::slo::provider::{FnProvider, ProviderError, QueryResult};
use crate::slo::reconcile::reconcile;
use crate::slo::types::{Action, Metric, PrometheusSpec, ProviderSpec, RollbackPolicySpec};
use AnalysisPhase::{Error, Failed, Inconclusive, Running, Successful};

const BAD: &str = "bbbbbbb1";

fn t0() -> Timestamp {
    "2026-11-20T10:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// T0 plus `s` seconds.
fn at(s: i64) -> Timestamp {
    t0().checked_add(SignedDurationSecs(s)).unwrap_or(t0())
}

#[allow(non_snake_case)]
fn SignedDurationSecs(s: i64) -> k8s_openapi::jiff::SignedDuration {
    k8s_openapi::jiff::SignedDuration::from_secs(s)
}

fn metric() -> Metric {
    Metric {
        name: "error-ratio".to_string(),
        interval: Some("1m".to_string()),
        success_condition: Some("result[0] < 0.05".to_string()),
        provider: ProviderSpec {
            prometheus: Some(PrometheusSpec {
                address: "http://prometheus.monitoring:9090".to_string(),
                query: "errors".to_string(),
                ..PrometheusSpec::default()
            }),
        },
        ..Metric::default()
    }
}

fn policy(metrics: Vec<Metric>) -> RollbackPolicy {
    RollbackPolicy {
        metadata: ObjectMeta {
            name: Some("guard".to_string()),
            namespace: Some("shop".to_string()),
            uid: Some("uid-1".to_string()),
            generation: Some(1),
            ..ObjectMeta::default()
        },
        spec: RollbackPolicySpec {
            app: "shop".to_string(),
            bake_time: "10m".to_string(),
            continuous: None,
            metrics,
            action: Action::default(),
        },
        status: None,
    }
}

fn synced(rev: &str) -> AppSync {
    AppSync {
        operation: Some(Synced {
            revision: rev.to_string(),
            finished_at: t0(),
        }),
        history: Vec::new(),
    }
}

fn records() -> Vec<Record> {
    let rec = |name: &str, rev: &str, verified, s| Record {
        name: name.to_string(),
        app: "shop".to_string(),
        revision: rev.to_string(),
        verified,
        created: Some(at(s)),
    };
    vec![
        rec("shop-aaaaaaa", "aaaaaaa1", Some(true), -3600),
        rec("shop-bbbbbbb", BAD, None, -60),
    ]
}

fn allow() -> AllowList {
    AllowList::from_urls(&["http://prometheus.monitoring:9090"]).unwrap_or_default()
}

/// A provider answering `[value(t)]` for an evaluation at T0 + t seconds.
fn values(f: fn(i64) -> Option<f64>) -> impl MetricProvider {
    FnProvider(move |_: &Metric, when: Timestamp| {
        let secs = when.as_second() - t0().as_second();
        match f(secs) {
            Some(v) => Ok(QueryResult {
                value: MetricValue::List(vec![v]),
                warnings: Vec::new(),
            }),
            None => Err(ProviderError::Query {
                error_type: "execution".to_string(),
                error: "boom".to_string(),
            }),
        }
    })
}

use crate::slo::provider::MetricProvider;

struct World {
    policy: RollbackPolicy,
    app: AppSync,
    records: Vec<Record>,
    requests: Vec<PolicyRequest>,
    allow: AllowList,
}

impl World {
    fn new(metrics: Vec<Metric>) -> World {
        World {
            policy: policy(metrics),
            app: synced(BAD),
            records: records(),
            requests: Vec::new(),
            allow: allow(),
        }
    }

    fn obs(&self) -> Observed<'_> {
        Observed {
            policy: &self.policy,
            app: &self.app,
            records: &self.records,
            requests: &self.requests,
            allow: Some(&self.allow),
        }
    }

    /// Reconciles at T0 + `s` seconds and keeps the status, as the controller would.
    fn step(&mut self, s: i64, provider: &dyn MetricProvider) -> Decision {
        let now = at(s);
        let d = reconcile(&self.obs(), provider, &|| now);
        self.policy.status = Some(d.status.clone());
        if let Some(obj) = &d.create {
            self.requests
                .extend(PolicyRequest::from_value(obj, "guard"));
        }
        d
    }
}

fn reasons(d: &Decision) -> Vec<&str> {
    d.events.iter().map(|e| e.reason.as_str()).collect()
}

fn values_of(d: &Decision, metric: usize) -> Vec<String> {
    d.status.metric_results[metric]
        .measurements
        .iter()
        .map(|m| m.value.clone().unwrap_or_else(|| "-".to_string()))
        .collect()
}

#[test]
fn waits_for_a_sync() {
    let mut w = World::new(vec![metric()]);
    w.app = AppSync::default();
    let d = decide(&w.obs(), at(0));
    assert_eq!(d.bake, Bake::NoRelease);
    assert!(d.due.is_empty());
    assert_eq!(
        d.status.message.as_deref(),
        Some("Waiting for a successful sync of shop")
    );
}

#[test]
fn a_good_release_bakes_then_passes() {
    let mut w = World::new(vec![metric()]);
    let good = values(|_| Some(0.01));
    let d = w.step(150, &good);
    assert_eq!(reasons(&d), ["BakeStarted"]);
    assert_eq!(d.verdict, Some(Running));
    assert_eq!(d.bake, Bake::Running { ends_at: at(600) });
    assert_eq!(values_of(&d, 0), ["[0.01]", "[0.01]", "[0.01]"]);
    assert_eq!(d.requeue_after, Some(Duration::from_secs(30)));
    let d = w.step(600, &good);
    assert_eq!(d.verdict, Some(Successful));
    assert_eq!(reasons(&d), ["ReleasePassed"]);
    assert_eq!(d.status.metric_results[0].count, 11, "T0, T0+1m … T0+10m");
    assert_eq!(d.create, None);
    assert_eq!(d.log.len(), 1);
    assert_eq!(d.log[0]["verdict"], "Successful");
    // Nothing changes afterwards: no events, no measurements.
    let d = w.step(900, &good);
    assert!(d.events.is_empty() && d.due.is_empty() && d.create.is_none());
}

#[test]
fn a_bad_release_is_rolled_back_once() {
    let mut w = World::new(vec![metric()]);
    let jumps = values(|s| Some(if s >= 180 { 0.2 } else { 0.01 }));
    let d = w.step(600, &jumps);
    assert_eq!(d.verdict, Some(Failed));
    assert_eq!(values_of(&d, 0), ["[0.01]", "[0.01]", "[0.01]", "[0.2]"]);
    assert_eq!(
        d.reason.as_deref(),
        Some("Metric \"error-ratio\" assessed Failed due to failed (1) > failureLimit (0)")
    );
    assert_eq!(reasons(&d), ["BakeStarted", "RollbackRequested"]);
    let Some(req) = &d.create else {
        panic!("no request")
    };
    assert_eq!(req["metadata"]["name"], "guard-bbbbbbb");
    assert_eq!(req["metadata"]["namespace"], "shop");
    assert_eq!(req["metadata"]["labels"]["rollpin.dev/policy"], "guard");
    assert_eq!(req["metadata"]["labels"]["rollpin.dev/app"], "shop");
    assert!(
        req["metadata"].get("ownerReferences").is_none(),
        "deleting the policy must not delete the rollback"
    );
    assert_eq!(
        req["metadata"]["annotations"]["rollpin.dev/requested-by"],
        "RollbackPolicy/guard"
    );
    assert_eq!(req["spec"]["target"], serde_json::json!({"previous": true}));
    assert_eq!(req["spec"]["strategy"], "ArgoCD");
    assert_eq!(d.status.rollback_request.as_deref(), Some("guard-bbbbbbb"));
    assert_eq!(d.log[1]["metrics"][0]["measurements"][3]["value"], "[0.2]");
    let cond = d.status.conditions.iter().find(|c| c.type_ == ROLLBACK);
    assert_eq!(cond.map(|c| c.reason.as_str()), Some("Requested"));
    // The same release again (auto-sync re-applied it): not watched, nothing created.
    let d = w.step(900, &jumps);
    assert_eq!((d.create, d.events.len(), d.due.len()), (None, 0, 0));
    assert!(
        d.status
            .message
            .as_deref()
            .is_some_and(|m| m.contains("it is not watched again"))
    );
}

#[test]
fn dry_run_and_refusals_create_nothing() {
    let bad = values(|_| Some(0.5));
    let mut w = World::new(vec![metric()]);
    w.policy.spec.action.type_ = ActionType::DryRun;
    let d = w.step(60, &bad);
    assert_eq!((d.verdict, d.create.is_none()), (Some(Failed), true));
    assert_eq!(reasons(&d), ["BakeStarted", "DryRunRollback"]);
    assert!(d.status.message.as_deref().is_some_and(|m| m.starts_with(
        "Dry run: would roll shop back from bbbbbbb1 to release shop-aaaaaaa: Metric"
    )));

    let mut w = World::new(vec![metric()]);
    w.records[0].verified = Some(false);
    let d = w.step(60, &bad);
    assert_eq!((d.verdict, d.create.is_none()), (Some(Failed), true));
    assert_eq!(reasons(&d), ["BakeStarted", "RollbackRefused"]);
    assert!(
        d.status
            .message
            .as_deref()
            .is_some_and(|m| m.contains("never rolls back past"))
    );

    // A release this policy rolled back to is judged, never rolled back from.
    let mut w = World::new(vec![metric()]);
    w.requests.push(PolicyRequest {
        name: "guard-ccccccc".into(),
        from_revision: Some("ccccccc1".into()),
        target_revision: Some(BAD.into()),
    });
    let d = w.step(60, &bad);
    assert_eq!((d.verdict, d.create.is_none()), (Some(Failed), true));
    assert!(
        d.status
            .message
            .as_deref()
            .is_some_and(|m| m.contains("no cascading rollbacks"))
    );
}

#[test]
fn inconclusive_and_error_verdicts() {
    let mut m = metric();
    m.failure_condition = Some("result[0] > 0.1".to_string());
    let mut w = World::new(vec![m]);
    let middling = values(|_| Some(0.07));
    let d = w.step(0, &middling);
    assert_eq!((d.verdict, d.create.is_none()), (Some(Inconclusive), true));
    assert_eq!(reasons(&d), ["BakeStarted", "Inconclusive"]);

    let mut w = World::new(vec![metric()]);
    let broken = values(|_| None);
    let d = w.step(600, &broken);
    assert_eq!(d.verdict, Some(Error));
    assert_eq!(
        d.status.metric_results[0].error, 5,
        "errors 0..4 tolerated, the 5th decides"
    );
    assert!(d.create.is_some(), "Error rolls back as Failed does");
}

#[test]
fn a_refused_address_measures_nothing() {
    let mut w = World::new(vec![metric()]);
    w.allow = AllowList::from_urls(&["http://other:9090"]).unwrap_or_default();
    let calls = Cell::new(0);
    let counting = FnProvider(|_: &Metric, _| {
        calls.set(calls.get() + 1);
        Err(ProviderError::Unsupported("unreachable".into()))
    });
    let d = w.step(600, &counting);
    assert_eq!(calls.get(), 0);
    assert_eq!((d.due.len(), d.create.is_none()), (0, true));
    assert_eq!(reasons(&d), ["AddressNotAllowed"]);
    let valid = d.status.conditions.iter().find(|c| c.type_ == audit::VALID);
    assert_eq!(valid.map(|c| c.status.as_str()), Some("False"));
    let d = w.step(660, &counting);
    assert!(d.events.is_empty(), "the refusal is reported once");
}

#[test]
fn catches_up_inside_the_window_only() {
    let mut w = World::new(vec![metric()]);
    let good = values(|_| Some(0.01));
    let d = w.step(3600, &good);
    assert_eq!(d.verdict, Some(Successful));
    assert_eq!(d.status.metric_results[0].count, 11);
    let last = d.status.metric_results[0].measurements.last();
    assert_eq!(last.and_then(|m| m.started_at.clone()), Some(Time(at(600))));
}

#[test]
fn continuous_keeps_measuring_after_the_bake() {
    let mut w = World::new(vec![metric()]);
    w.policy.spec.continuous = Some(true);
    let later = values(|s| Some(if s >= 900 { 0.3 } else { 0.01 }));
    let d = w.step(600, &later);
    assert_eq!(d.verdict, Some(Successful));
    assert!(d.create.is_none());
    let d = w.step(840, &later);
    assert_eq!(
        (d.verdict, d.status.metric_results[0].count),
        (Some(Successful), 15)
    );
    let d = w.step(960, &later);
    assert_eq!(d.verdict, Some(Failed));
    assert!(d.create.is_some());
}

#[test]
fn metrics_run_in_time_order_and_a_failure_stops_the_others() {
    let mut slow = metric();
    slow.name = "latency".to_string();
    slow.interval = Some("5m".to_string());
    slow.initial_delay = Some("4m".to_string());
    let mut w = World::new(vec![metric(), slow]);
    let jumps = values(|s| Some(if s >= 180 { 0.2 } else { 0.01 }));
    let d = w.step(600, &jumps);
    assert_eq!(d.verdict, Some(Failed));
    assert_eq!(values_of(&d, 0).len(), 4);
    assert!(
        values_of(&d, 1).is_empty(),
        "latency's first point (T0+4m) came after the failure"
    );
}

#[test]
fn a_new_revision_starts_a_new_analysis() {
    let mut w = World::new(vec![metric()]);
    let good = values(|_| Some(0.01));
    w.step(600, &good);
    w.app = AppSync {
        operation: Some(Synced {
            revision: "ddddddd1".into(),
            finished_at: at(1200),
        }),
        history: Vec::new(),
    };
    let d = w.step(1200, &good);
    assert_eq!(reasons(&d), ["BakeStarted"]);
    assert_eq!(d.status.observed_revision.as_deref(), Some("ddddddd1"));
    assert_eq!(d.status.metric_results[0].count, 1);
    assert_eq!(d.status.bake_ends_at, Some(Time(at(1800))));
}
