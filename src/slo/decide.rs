//! The decision function: pure, synchronous, no I/O. Given what the controller observed
//! for one policy ([`Observed`]) and "now", it says which release is watched, where its
//! bake is, which measurements are due, the verdict, the status to write, the
//! RollbackRequest to create (if any), and the Events and JSON log lines that explain it
//! ([`Decision`]). The steps, in order:
//!
//! 1. validate the policy ([`super::validate`]), addresses against the allow-list: a
//!    problem → condition `Valid=False` (`InvalidPolicy` / `AddressNotAllowed`), nothing
//!    measured, no request;
//! 2. the watched release is the Application's last successful sync; a new revision
//!    starts a new analysis (results reset, bake from the sync's finish);
//! 3. a release this policy already rolled back is not watched again (loop guard);
//! 4. measurements due: each unfinished metric's next grid point `start + initialDelay +
//!    k × interval` at or before now, within the bake window (beyond it only with
//!    `continuous`); while any is due inside the window, the bake is not over;
//! 5. verdict: [`super::analysis::run_phase`], terminated when the bake is over;
//! 6. Failed or Error → `rollback`: the request to the newest older verified record
//!    ([`super::request`]), or a refusal when there is none, or when the release is
//!    itself where this policy rolled back to (no cascading rollbacks); `dryRun`: status
//!    and an Event only. Inconclusive → status and an Event, no rollback.
//!
//! Events and log lines are produced on transitions only (new release, verdict change,
//! request, refusal, validity change), so a reconcile that changes nothing says nothing.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::allow::AllowList;
use super::analysis::{limits_reached, record, run_phase, terminates_run};
use super::audit::{self, Event, set_condition};
use super::observed::{AppSync, PolicyRequest, Record};
use super::request::{choose_target, request_object};
use super::types::{
    ActionType, AnalysisPhase, Measurement, MetricResult, RollbackPolicy, RollbackPolicyStatus,
};
use super::validate::{Problem, Timings, validate};

/// What the controller observed for one policy.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The policy, with its metadata (name, namespace, uid, generation) and status.
    pub policy: &'a RollbackPolicy,
    /// The Application's sync state ([`AppSync::from_application`]).
    pub app: &'a AppSync,
    /// The app's RollbackManifests ([`Record::from_manifest`]).
    pub records: &'a [Record],
    /// RollbackRequests labelled `rollpin.dev/policy=<this policy>`.
    pub requests: &'a [PolicyRequest],
    /// The controller's allow-list; `None` only for `rollpin slo check`.
    pub allow: Option<&'a AllowList>,
}

/// Where the watched release's bake is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bake {
    /// No successful sync to watch (or the policy is invalid).
    NoRelease,
    /// Baking until `ends_at`.
    Running {
        /// When it ends.
        ends_at: Timestamp,
    },
    /// Over (every measurement of the window taken, or the verdict came early).
    Over,
}

/// A measurement to take now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Index in `spec.metrics`.
    pub metric: usize,
    /// The metric's name.
    pub name: String,
    /// The evaluation time to query at (`time=`).
    pub at: Timestamp,
}

/// Everything the controller has to do for one policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Its bake.
    pub bake: Bake,
    /// Measurements due now, earliest first.
    pub due: Vec<Due>,
    /// The verdict (`status.phase`).
    pub verdict: Option<AnalysisPhase>,
    /// Why a bad verdict: `Metric "<m>" assessed <Phase> due to <reason>`.
    pub reason: Option<String>,
    /// The status to write (status subresource).
    pub status: RollbackPolicyStatus,
    /// A RollbackRequest to create (create it before writing the status; AlreadyExists
    /// means it was created before).
    pub create: Option<Value>,
    /// Events to publish on the policy.
    pub events: Vec<Event>,
    /// JSON log lines to print, one per decision.
    pub log: Vec<Value>,
    /// When to look again (the next measurement or the bake's end), if ever.
    pub requeue_after: Option<Duration>,
}

/// Adds a measurement to the result of the metric `name` in `status`.
pub fn record_measurement(status: &mut RollbackPolicyStatus, name: &str, m: Measurement) {
    let i = match status.metric_results.iter().position(|r| r.name == name) {
        Some(i) => i,
        None => {
            status.metric_results.push(MetricResult {
                name: name.to_string(),
                ..MetricResult::default()
            });
            status.metric_results.len() - 1
        }
    };
    record(&mut status.metric_results[i], m);
}

/// Decides for one policy at `now` (see the module doc).
pub fn decide(obs: &Observed<'_>, now: Timestamp) -> Decision {
    let policy = obs.policy;
    let spec = &policy.spec;
    let old = policy.status.clone().unwrap_or_default();
    let mut status = old.clone();
    status.observed_generation = policy.metadata.generation;
    let ctx = audit::Context::new(policy, now);
    let mut d = Decision {
        bake: Bake::NoRelease,
        due: Vec::new(),
        verdict: status.phase,
        reason: None,
        status: RollbackPolicyStatus::default(),
        create: None,
        events: Vec::new(),
        log: Vec::new(),
        requeue_after: None,
    };
    let timings = match validate(spec, obs.allow) {
        Ok(t) => t,
        Err(problems) => {
            refuse_policy(&ctx, &old, &mut status, &problems, &mut d);
            d.status = status;
            return d;
        }
    };
    set_condition(
        &mut status,
        &ctx,
        audit::VALID,
        true,
        "Valid",
        "The policy is valid",
    );
    let Some(synced) = obs.app.last_sync() else {
        status.message = Some(format!("Waiting for a successful sync of {}", spec.app));
        d.status = status;
        return d;
    };
    let rev = synced.revision.clone();
    if status.observed_revision.as_deref() != Some(rev.as_str()) {
        status = RollbackPolicyStatus {
            observed_revision: Some(rev.clone()),
            bake_started_at: Some(Time(synced.finished_at)),
            phase: Some(AnalysisPhase::Pending),
            conditions: status
                .conditions
                .into_iter()
                .filter(|c| c.type_ == audit::VALID)
                .collect(),
            observed_generation: status.observed_generation,
            ..RollbackPolicyStatus::default()
        };
        ctx.bake_started(&rev, &timings, synced.finished_at, &mut d);
    }
    let start = status
        .bake_started_at
        .as_ref()
        .map_or(synced.finished_at, |t| t.0);
    let end = timings.bake_end(start);
    status.bake_ends_at = Some(Time(end));
    // By the release it rolled back, not by name: names keep 7 characters of the
    // revision, so two releases can share one.
    if let Some(req) = obs
        .requests
        .iter()
        .find(|r| r.from_revision.as_deref() == Some(rev.as_str()))
    {
        status.rollback_request = Some(req.name.clone());
        status.message = Some(format!(
            "Release {rev} of {} was rolled back by RollbackRequest {}; it is not watched again",
            spec.app, req.name
        ));
        d.bake = Bake::Over;
        d.verdict = status.phase;
        d.status = status;
        return d;
    }
    analyse(
        obs,
        &ctx,
        &timings,
        &rev,
        start,
        end,
        &old,
        &mut status,
        &mut d,
    );
    d.verdict = status.phase;
    d.status = status;
    d
}

/// Steps 4–6 of [`decide`].
#[allow(clippy::too_many_arguments)]
fn analyse(
    obs: &Observed<'_>,
    ctx: &audit::Context<'_>,
    timings: &Timings,
    rev: &str,
    start: Timestamp,
    end: Timestamp,
    old: &RollbackPolicyStatus,
    status: &mut RollbackPolicyStatus,
    d: &mut Decision,
) {
    let spec = &obs.policy.spec;
    let now = ctx.now;
    let continuous = spec.continuous.unwrap_or(false);
    let mut results: Vec<MetricResult> = spec
        .metrics
        .iter()
        .map(|m| {
            let found = status.metric_results.iter().find(|r| r.name == m.name);
            found.cloned().unwrap_or_else(|| MetricResult {
                name: m.name.clone(),
                ..MetricResult::default()
            })
        })
        .collect();
    let live = run_phase(&spec.metrics, &results, false);
    let next_time = |i: usize, r: &MetricResult| {
        let k = u32::try_from(r.count.saturating_add(r.error).max(0)).unwrap_or(u32::MAX);
        timings.measurement_time(start, i, k)
    };
    let open: Vec<(usize, Timestamp)> = results
        .iter()
        .enumerate()
        .filter(|(i, _)| !live.metric_phases[*i].completed())
        .map(|(i, r)| (i, next_time(i, r)))
        .collect();
    let catching_up = open.iter().any(|(_, t)| *t <= now && *t <= end);
    let bake_over = now >= end && !catching_up;
    let verdict = run_phase(&spec.metrics, &results, bake_over);
    for (i, r) in results.iter_mut().enumerate() {
        let terminated = verdict.metric_phases[i];
        r.phase = if continuous && !terminates_run(terminated) {
            live.metric_phases[i]
        } else {
            terminated
        };
        r.message = limits_reached(&spec.metrics[i], r).map(|(_, why)| why);
    }
    status.metric_results = results;
    status.phase = Some(verdict.phase);
    let bad = terminates_run(verdict.phase);
    let measuring = !bad && (!bake_over || continuous);
    if measuring {
        let horizon = if bake_over { now } else { now.min(end) };
        d.due = open
            .iter()
            .filter(|(_, t)| *t <= horizon)
            .map(|(i, t)| Due {
                metric: *i,
                name: spec.metrics[*i].name.clone(),
                at: *t,
            })
            .collect();
        d.due.sort_by_key(|due| (due.at, due.metric));
        let next = open
            .iter()
            .map(|(_, t)| *t)
            .filter(|t| *t > now && (continuous || *t <= end))
            .chain((!bake_over).then_some(end))
            .min();
        d.requeue_after = next.and_then(|t| Duration::try_from(t.duration_since(now)).ok());
    }
    d.bake = if bake_over || bad {
        Bake::Over
    } else {
        Bake::Running { ends_at: end }
    };
    let changed = old.phase != status.phase || old.observed_revision != status.observed_revision;
    let why = verdict.message.clone().unwrap_or_default();
    d.reason = verdict.message.clone();
    match verdict.phase {
        AnalysisPhase::Failed | AnalysisPhase::Error => {
            act(obs, ctx, rev, start, &why, status, d);
        }
        AnalysisPhase::Inconclusive => {
            status.message = Some(format!(
                "Release {rev} of {} is inconclusive: {why}; no rollback: a person must decide",
                spec.app
            ));
            if changed {
                ctx.emit(d, status, audit::Kind::Warning, "Inconclusive");
            }
        }
        AnalysisPhase::Successful => {
            status.message = Some(if continuous {
                format!(
                    "Release {rev} of {} passed its bake; still watching (continuous)",
                    spec.app
                )
            } else {
                format!("Release {rev} of {} passed its SLOs", spec.app)
            });
            if changed {
                ctx.emit(d, status, audit::Kind::Normal, "ReleasePassed");
            }
        }
        AnalysisPhase::Running | AnalysisPhase::Pending => {
            status.message = Some(format!(
                "Watching release {rev} of {} until {end}",
                spec.app
            ));
        }
    }
}

/// A Failed or Error verdict: the request, a dry run, or a refusal.
fn act(
    obs: &Observed<'_>,
    ctx: &audit::Context<'_>,
    rev: &str,
    start: Timestamp,
    why: &str,
    status: &mut RollbackPolicyStatus,
    d: &mut Decision,
) {
    let spec = &obs.policy.spec;
    let app = &spec.app;
    let cascade = obs
        .requests
        .iter()
        .find(|r| r.target_revision.as_deref() == Some(rev));
    let target = choose_target(obs.records, app, rev, start, obs.requests);
    let (condition, reason, message, kind, event) = match (cascade, target) {
        (Some(req), _) => (
            false,
            "CascadeRefused",
            format!(
                "{why}; no rollback: release {rev} is where RollbackRequest {} rolled {app} \
                 back to (no cascading rollbacks)",
                req.name
            ),
            audit::Kind::Warning,
            "RollbackRefused",
        ),
        (None, None) => (
            false,
            "NoVerifiedRelease",
            format!(
                "{why}; no rollback: no release of {app} older than {rev} is verified \
                 (Verified=True), and rollpin never rolls back past the last verified record"
            ),
            audit::Kind::Warning,
            "RollbackRefused",
        ),
        (None, Some(t)) if spec.action.type_ == ActionType::DryRun => (
            false,
            "DryRun",
            format!(
                "Dry run: would roll {app} back from {rev} to release {}: {why}",
                t.manifest
            ),
            audit::Kind::Warning,
            "DryRunRollback",
        ),
        (None, Some(t)) => {
            let obj = request_object(obs.policy, rev, &t, spec.action.strategy);
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            status.rollback_request = Some(name.clone());
            d.create = Some(obj);
            (
                true,
                "Requested",
                format!(
                    "Rolling {app} back from {rev} to release {} (RollbackRequest {name}): {why}",
                    t.manifest
                ),
                audit::Kind::Warning,
                "RollbackRequested",
            )
        }
    };
    let before = status
        .conditions
        .iter()
        .find(|c| c.type_ == audit::ROLLBACK)
        .map(|c| (c.status.clone(), c.reason.clone()));
    set_condition(status, ctx, audit::ROLLBACK, condition, reason, &message);
    status.message = Some(message);
    let now_state = Some((
        if condition { "True" } else { "False" }.to_string(),
        reason.to_string(),
    ));
    if before != now_state {
        ctx.emit(d, status, kind, event);
    }
}

/// Step 1 failed: condition, message, and an Event when it is news.
fn refuse_policy(
    ctx: &audit::Context<'_>,
    old: &RollbackPolicyStatus,
    status: &mut RollbackPolicyStatus,
    problems: &[Problem],
    d: &mut Decision,
) {
    let not_allowed = problems.iter().any(|p| matches!(p, Problem::NotAllowed(_)));
    let reason = if not_allowed {
        "AddressNotAllowed"
    } else {
        "InvalidPolicy"
    };
    let text: Vec<&str> = problems.iter().map(Problem::message).collect();
    let message = format!("Policy refused: {}", text.join("; "));
    set_condition(status, ctx, audit::VALID, false, reason, &message);
    status.message = Some(message.clone());
    let was = old
        .conditions
        .iter()
        .find(|c| c.type_ == audit::VALID)
        .map(|c| (c.status.as_str(), c.reason.as_str()));
    if was != Some(("False", reason)) || old.message.as_deref() != Some(message.as_str()) {
        ctx.emit(d, status, audit::Kind::Warning, reason);
    }
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
