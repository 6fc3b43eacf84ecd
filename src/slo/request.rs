//! The RollbackRequest a policy files for a bad release: which record it returns to and
//! the object itself.
//!
//! Target: the newest release record of the app that is older than the bad release
//! (created before it; the bake start when the bad release has no record), has
//! `Verified=True`, and was not itself rolled back by this policy. None → no request (the
//! policy never rolls back past the last verified record). When that record is also the
//! immediately previous one of the app, the target is written `{previous: true}`;
//! otherwise (unverified or bad records in between) it names the manifest, so that
//! "previous" cannot land on an unverified release.
//!
//! Name: `<policy>-<first 7 characters of the revision>`, deterministic, so that a
//! second attempt for the same release is an AlreadyExists, never a second rollback.

use std::collections::BTreeSet;

use k8s_openapi::jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::observed::{
    APP_LABEL, FROM_REVISION_ANNOTATION, POLICY_LABEL, PolicyRequest, Record,
    TARGET_MANIFEST_ANNOTATION, TARGET_REVISION_ANNOTATION,
};
use super::types::{RollbackPolicy, Strategy};

/// The record a rollback returns to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The RollbackManifest.
    pub manifest: String,
    /// Its revision.
    pub revision: String,
    /// Whether it is the app's immediately previous record (`target: {previous: true}`).
    pub previous: bool,
}

/// The newest verified record older than the bad release (see the module doc).
pub fn choose_target(
    records: &[Record],
    app: &str,
    bad_revision: &str,
    bake_started: Timestamp,
    requests: &[PolicyRequest],
) -> Option<Target> {
    let rolled_back: BTreeSet<&str> = requests
        .iter()
        .filter_map(|r| r.from_revision.as_deref())
        .collect();
    let cutoff = records
        .iter()
        .filter(|r| r.app == app && r.revision == bad_revision)
        .filter_map(|r| r.created)
        .min()
        .unwrap_or(bake_started);
    let mut older: Vec<&Record> = records
        .iter()
        .filter(|r| r.app == app && r.revision != bad_revision)
        .filter(|r| r.created.is_some_and(|c| c < cutoff))
        .collect();
    older.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
    let newest = older.last()?;
    let target = older
        .iter()
        .rev()
        .find(|r| r.verified == Some(true) && !rolled_back.contains(r.revision.as_str()))?;
    Some(Target {
        manifest: target.name.clone(),
        revision: target.revision.clone(),
        previous: target.name == newest.name,
    })
}

/// The most characters of a Kubernetes object name.
const MAX_NAME: usize = 253;

/// `<policy>-<short revision>`, a valid object name.
pub fn request_name(policy: &str, revision: &str) -> String {
    let short: String = revision
        .chars()
        .take(7)
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() { c } else { '-' }
        })
        .collect();
    let short = short.trim_matches('-');
    let short = if short.is_empty() { "release" } else { short };
    let keep = MAX_NAME.saturating_sub(short.len() + 1);
    let base: String = policy.chars().take(keep).collect();
    format!("{}-{short}", base.trim_end_matches(['-', '.']))
}

/// The RollbackRequest to create (JSON, for the controller's dynamic client).
pub fn request_object(
    policy: &RollbackPolicy,
    bad_revision: &str,
    target: &Target,
    strategy: Strategy,
) -> Value {
    let name = policy.metadata.name.clone().unwrap_or_default();
    let app = &policy.spec.app;
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(request_name(&name, bad_revision)));
    if let Some(ns) = &policy.metadata.namespace {
        metadata.insert("namespace".into(), json!(ns));
    }
    metadata.insert("labels".into(), json!({POLICY_LABEL: name, APP_LABEL: app}));
    metadata.insert(
        "annotations".into(),
        json!({
            FROM_REVISION_ANNOTATION: bad_revision,
            TARGET_REVISION_ANNOTATION: target.revision,
            TARGET_MANIFEST_ANNOTATION: target.manifest,
            // Who asked, for the rollback's audit trail. No owner reference: deleting the
            // policy must not delete a rollback in flight (and with it the sync policy it
            // saved for resume).
            crate::controller::audit::REQUESTED_BY: format!("RollbackPolicy/{name}"),
        }),
    );
    let target_spec = if target.previous {
        json!({"previous": true})
    } else {
        json!({"manifest": target.manifest})
    };
    json!({
        "apiVersion": crate::release::API_VERSION,
        "kind": "RollbackRequest",
        "metadata": metadata,
        "spec": {"app": app, "target": target_spec, "strategy": strategy.as_str()},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(minute: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minute * 60).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn rec(name: &str, rev: &str, verified: Option<bool>, minute: i64) -> Record {
        Record {
            name: name.to_string(),
            app: "shop".to_string(),
            revision: rev.to_string(),
            verified,
            created: Some(ts(minute)),
        }
    }

    #[test]
    fn picks_the_newest_older_verified_record() {
        let records = [
            rec("shop-a", "a", Some(true), 0),
            rec("shop-b", "b", Some(true), 10),
            rec("shop-c", "c", None, 20),
            rec("shop-d", "d", None, 30),
            Record {
                app: "other".to_string(),
                ..rec("other-z", "z", Some(true), 25)
            },
        ];
        let t = choose_target(&records, "shop", "d", ts(31), &[]);
        assert_eq!(
            t,
            Some(Target {
                manifest: "shop-b".into(),
                revision: "b".into(),
                previous: false
            })
        );
        let t = choose_target(&records, "shop", "c", ts(21), &[]);
        assert_eq!(
            t.map(|t| (t.manifest, t.previous)),
            Some(("shop-b".into(), true))
        );
        // Nothing verified before a: refused.
        assert_eq!(choose_target(&records, "shop", "a", ts(1), &[]), None);
        // A release this policy rolled back is never a target.
        let bad_b = PolicyRequest {
            name: "guard-b".into(),
            from_revision: Some("b".into()),
            target_revision: Some("a".into()),
        };
        let t = choose_target(&records, "shop", "d", ts(31), &[bad_b]);
        assert_eq!(t.map(|t| t.manifest), Some("shop-a".into()));
        // Without a record for the bad release, the bake start is the cutoff.
        let t = choose_target(&records[..2], "shop", "new", ts(5), &[]);
        assert_eq!(t.map(|t| t.manifest), Some("shop-a".into()));
    }

    #[test]
    fn names_are_deterministic_and_valid() {
        assert_eq!(request_name("guard", "3f2a9c1d00e"), "guard-3f2a9c1");
        assert_eq!(request_name("guard", "v1.2/x"), "guard-v1-2-x");
        assert_eq!(request_name("guard", "___"), "guard-release");
        let long = "p".repeat(300);
        assert_eq!(request_name(&long, "abcdef0123").len(), MAX_NAME);
    }
}
