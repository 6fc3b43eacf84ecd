//! Every release verified: after each successful Argo CD sync whose render carried a
//! record, the live state is compared with the record — each workload rolled out, its
//! Pods on the pinned digests, its configs with the recorded content — and the record's
//! `Verified` condition says so (True, or False with the drift list), so records show
//! real verification in the Argo CD UI and `previous` has known-good targets.
//!
//! For each container recorded by tag only, the digest its Pods actually run is written
//! into the record's `status.observedImages` when every Pod runs the same one: a later
//! rollback pins it. Records beyond the newest N of an app are garbage-collected, never
//! one Argo CD's `status.history` still lists.

use std::collections::BTreeSet;
use std::time::Duration;

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::rollout::{self, Rollout};
use super::{history, str_at, target};
use crate::release::verify::compare_live;
use crate::release::verify::running::{image_id_digest, pods_of};
use crate::release::{Drift, ObservedImage, RollbackManifest, VERIFIED_CONDITION};

/// The last sync Argo CD finished successfully: its revision and `finishedAt`.
pub fn last_sync(app: &Value) -> Option<(String, Timestamp)> {
    let op = app.pointer("/status/operationState")?;
    if str_at(op, "/phase") != "Succeeded" {
        return None;
    }
    let revision = str_at(op, "/syncResult/revision");
    let finished: Timestamp = str_at(op, "/finishedAt").parse().ok()?;
    (!revision.is_empty()).then(|| (revision.to_string(), finished))
}

/// The record of the synced revision, when the app renders records.
pub fn synced_record<'a>(
    app_name: &str,
    revision: &str,
    records: &'a [RollbackManifest],
) -> Option<&'a RollbackManifest> {
    target::by_age(records)
        .into_iter()
        .rev()
        .find(|r| r.spec.app == app_name && r.spec.source.revision == revision)
}

/// Whether the record already holds the verdict for the sync that finished at `finished`.
pub fn already_verified(record: &RollbackManifest, finished: Timestamp) -> bool {
    record
        .status
        .as_ref()
        .and_then(|s| s.verified_sync.as_deref())
        .is_some_and(|v| v == finished.to_string())
}

/// What to do about a synced release.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Not settled yet (a rollout in progress): look again later.
    Wait(String),
    /// Write this status (merge patch) on the record.
    Write {
        /// Verified True?
        verified: bool,
        /// One line for Events and logs.
        summary: String,
        /// The status.
        status: Value,
    },
}

/// The digests the Pods of each tag-only container run: observed when all agree.
fn observe_tags(
    record: &RollbackManifest,
    live: &[Value],
    now: Timestamp,
    drift: &mut Vec<Drift>,
) -> Vec<ObservedImage> {
    let mut out = Vec::new();
    for w in &record.spec.workloads {
        let Some(obj) = live.iter().find(|o| {
            str_at(o, "/kind") == w.kind
                && str_at(o, "/metadata/name") == w.name
                && (w.namespace.is_empty() || str_at(o, "/metadata/namespace") == w.namespace)
        }) else {
            continue;
        };
        let pods: Vec<&Value> = pods_of(obj, live)
            .into_iter()
            .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
            .collect();
        let all = w
            .containers
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c,
                    "/status/containerStatuses",
                    c.name.as_str(),
                )
            })
            .chain(w.init_containers.iter().map(|c| {
                (
                    format!("init:{}", c.name),
                    c,
                    "/status/initContainerStatuses",
                    c.name.as_str(),
                )
            }));
        for (label, c, statuses, name) in all.filter(|(_, c, _, _)| c.digest.is_none()) {
            let digests: BTreeSet<Option<&str>> = pods
                .iter()
                .map(|p| {
                    p.pointer(statuses)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .find(|s| str_at(s, "/name") == name)
                        .and_then(|s| image_id_digest(str_at(s, "/imageID")))
                })
                .collect();
            match (digests.len(), digests.iter().next()) {
                (1, Some(Some(d))) => out.push(ObservedImage {
                    kind: w.kind.clone(),
                    namespace: w.namespace.clone(),
                    name: w.name.clone(),
                    container: label,
                    image: c.image.clone(),
                    digest: d.to_string(),
                    observed_at: now.to_string(),
                }),
                (0, _) => {}
                _ => drift.push(Drift {
                    api_version: w.api_version.clone(),
                    kind: w.kind.clone(),
                    namespace: str_at(obj, "/metadata/namespace").into(),
                    name: w.name.clone(),
                    container: Some(label),
                    path: None,
                    field: "running".into(),
                    expected: Some(format!("{} (one digest on every Pod)", c.image)),
                    actual: Some(
                        digests
                            .iter()
                            .map(|d| d.unwrap_or("no digest reported"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    ..Drift::default()
                }),
            }
        }
    }
    out
}

/// Compares the live state with the record of the sync that finished at `finished`.
/// `live` holds the recorded workloads, their Pods, and the recorded configs.
pub fn verify(
    record: &RollbackManifest,
    live: &[Value],
    finished: Timestamp,
    now: Timestamp,
    timeout: Duration,
) -> Verdict {
    let mut drift = compare_live(&record.spec, live, true);
    let observed = observe_tags(record, live, now, &mut drift);
    let mut incomplete = Vec::new();
    for w in live
        .iter()
        .filter(|o| history::RESTORABLE.contains(&str_at(o, "/kind")))
    {
        if let Rollout::Waiting(m) | Rollout::Failed(m) = rollout::status(w) {
            incomplete.push((w, m));
        }
    }
    let settled = drift.is_empty() && incomplete.is_empty();
    let deadline = finished
        .checked_add(SignedDuration::try_from(timeout).unwrap_or(SignedDuration::from_secs(600)))
        .unwrap_or(finished);
    if !settled && now <= deadline {
        let why = incomplete
            .first()
            .map(|(w, m)| {
                format!(
                    "{} {}/{}: {m}",
                    str_at(w, "/kind"),
                    str_at(w, "/metadata/namespace"),
                    str_at(w, "/metadata/name")
                )
            })
            .or_else(|| drift.first().map(crate::release::verify::describe))
            .unwrap_or_default();
        return Verdict::Wait(why);
    }
    for (w, m) in &incomplete {
        drift.push(Drift {
            api_version: str_at(w, "/apiVersion").into(),
            kind: str_at(w, "/kind").into(),
            namespace: str_at(w, "/metadata/namespace").into(),
            name: str_at(w, "/metadata/name").into(),
            container: None,
            path: None,
            field: "rollout".into(),
            expected: Some("complete".into()),
            actual: Some(m.clone()),
            ..Drift::default()
        });
    }
    let name = record.metadata.name.clone().unwrap_or_default();
    let (verified, reason, message) = if drift.is_empty() {
        (
            true,
            "Matches",
            format!("the live state matches release {name} (sync finished {finished})"),
        )
    } else {
        (
            false,
            "Drift",
            format!(
                "{} differences between release {name} and the live state {} after the sync finished",
                drift.len(),
                humantime(timeout)
            ),
        )
    };
    let status = json!({
        "conditions": [{"type": VERIFIED_CONDITION, "status": if verified { "True" } else { "False" },
            "reason": reason, "message": message, "lastTransitionTime": now.to_string()}],
        "drift": drift,
        "observedImages": observed,
        "verifiedSync": finished.to_string(),
    });
    Verdict::Write {
        verified,
        summary: message,
        status,
    }
}

fn humantime(d: Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// The records of `app_name` to delete: all but the newest `keep`, never the one that
/// runs now and never one whose revision Argo CD's `status.history` still lists.
pub fn expired(
    app_name: &str,
    app: &Value,
    records: &[RollbackManifest],
    keep: usize,
) -> Vec<String> {
    let listed: BTreeSet<&str> = app
        .pointer("/status/history")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|h| str_at(h, "/revision"))
        .collect();
    let current = target::synced_revision(app);
    let mine: Vec<&RollbackManifest> = target::by_age(records)
        .into_iter()
        .filter(|r| r.spec.app == app_name)
        .collect();
    let excess = mine.len().saturating_sub(keep);
    mine.into_iter()
        .take(excess)
        .filter(|r| {
            !listed.contains(r.spec.source.revision.as_str()) && r.spec.source.revision != current
        })
        .filter_map(|r| r.metadata.name.clone())
        .collect()
}

#[cfg(test)]
mod tests;
