//! Which release a request returns to and which release runs now: the target record (by
//! name, by revision, or `previous` — the newest record older than the current one whose
//! `Verified` condition is True) and the current record (the one whose revision the
//! Application is synced to).

use serde_json::Value;

use super::str_at;
use crate::release::{RollbackManifest, RollbackTarget, VERIFIED_CONDITION};

/// The revision the Application is synced to (`status.sync.revision`, else the last
/// sync's), or "".
pub fn synced_revision(app: &Value) -> &str {
    let r = str_at(app, "/status/sync/revision");
    if r.is_empty() {
        str_at(app, "/status/operationState/syncResult/revision")
    } else {
        r
    }
}

/// Whether a record's `Verified` condition is True.
pub fn is_verified(record: &RollbackManifest) -> bool {
    record.status.as_ref().is_some_and(|s| {
        s.conditions
            .iter()
            .any(|c| c.type_ == VERIFIED_CONDITION && c.status == "True")
    })
}

/// Records oldest first (creation time, then name).
pub fn by_age(records: &[RollbackManifest]) -> Vec<&RollbackManifest> {
    let mut out: Vec<&RollbackManifest> = records.iter().collect();
    out.sort_by(|a, b| {
        let t = |r: &RollbackManifest| r.metadata.creation_timestamp.as_ref().map(|t| t.0);
        t(a).cmp(&t(b)).then(a.metadata.name.cmp(&b.metadata.name))
    });
    out
}

fn name(r: &RollbackManifest) -> &str {
    r.metadata.name.as_deref().unwrap_or("")
}

/// The record of the release that runs now: the newest of the app's records whose
/// revision is the Application's synced revision.
pub fn current<'a>(
    app_name: &str,
    app: &Value,
    records: &'a [RollbackManifest],
) -> Result<&'a RollbackManifest, String> {
    let revision = synced_revision(app);
    if revision.is_empty() {
        return Err(format!(
            "Application {app_name} has no synced revision (status.sync.revision): nothing tells which release runs now"
        ));
    }
    by_age(records)
        .into_iter()
        .rev()
        .find(|r| r.spec.app == app_name && r.spec.source.revision == revision)
        .ok_or_else(|| {
            format!(
                "the release that runs now (revision {revision}) has no RollbackManifest: render it with release-record enabled; without it nothing tells what a rollback changes"
            )
        })
}

/// The record a request's target names.
pub fn resolve<'a>(
    app_name: &str,
    target: &RollbackTarget,
    current: Option<&RollbackManifest>,
    records: &'a [RollbackManifest],
) -> Result<&'a RollbackManifest, String> {
    if let Some(m) = target.manifest.as_deref().filter(|m| !m.is_empty()) {
        let r = records
            .iter()
            .find(|r| name(r) == m)
            .ok_or_else(|| format!("RollbackManifest {m} not found"))?;
        if r.spec.app != app_name {
            return Err(format!(
                "RollbackManifest {m} records app {}, not {app_name}",
                r.spec.app
            ));
        }
        return Ok(r);
    }
    if let Some(rev) = target.revision.as_deref().filter(|r| !r.is_empty()) {
        if rev.len() < 7 {
            return Err(format!(
                "target revision {rev} is too short: give 7 characters or more"
            ));
        }
        let matching: Vec<&RollbackManifest> = by_age(records)
            .into_iter()
            .filter(|r| r.spec.app == app_name && r.spec.source.revision.starts_with(rev))
            .collect();
        return match matching.as_slice() {
            [] => Err(format!(
                "no RollbackManifest of {app_name} records revision {rev}"
            )),
            [one] => Ok(one),
            many => {
                let revisions: std::collections::BTreeSet<&str> = many
                    .iter()
                    .map(|r| r.spec.source.revision.as_str())
                    .collect();
                if revisions.len() > 1 {
                    Err(format!(
                        "revision {rev} is ambiguous: it starts {}",
                        revisions.into_iter().collect::<Vec<_>>().join(", ")
                    ))
                } else {
                    Ok(many[many.len() - 1])
                }
            }
        };
    }
    if target.previous {
        let current = current.ok_or_else(|| {
            "target previous needs the record of the release that runs now".to_string()
        })?;
        let ordered = by_age(records);
        let pos = ordered
            .iter()
            .position(|r| std::ptr::eq(*r, current))
            .unwrap_or(0);
        return ordered[..pos]
            .iter()
            .rev()
            .find(|r| {
                r.spec.app == app_name
                    && r.spec.source.revision != current.spec.source.revision
                    && is_verified(r)
            })
            .copied()
            .ok_or_else(|| {
                format!(
                    "no release of {app_name} older than the current one ({}) has Verified=True: nothing known-good to return to",
                    name(current)
                )
            });
    }
    Err("spec.target names nothing: set manifest, revision or previous: true".into())
}
