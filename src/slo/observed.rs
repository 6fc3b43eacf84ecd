//! What the decision function ([`super::decide`]) reads besides the policy, in the small
//! shapes it needs, each with a constructor from the object as the API server returns it:
//!
//! - [`AppSync`]: the Application's last successful sync — `status.operationState` when
//!   its phase is `Succeeded` (`syncResult.revision`, `finishedAt`), else the newest
//!   `status.history` entry (`revision`, `deployedAt`; Argo CD records only full,
//!   successful syncs there);
//! - [`Record`]: a RollbackManifest of the app (name, revision, `Verified`, creation time);
//! - [`PolicyRequest`]: a RollbackRequest this policy created (label
//!   `rollpin.dev/policy`), with the revision it rolled back from and the one it targets
//!   (annotations).

use k8s_openapi::jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use crate::release::{RollbackManifest, VERIFIED_CONDITION};

/// Label naming the policy that created a RollbackRequest.
pub const POLICY_LABEL: &str = "rollpin.dev/policy";
/// Label naming the app a RollbackRequest is for.
pub const APP_LABEL: &str = "rollpin.dev/app";
/// Annotation: the revision the request rolls back from (the bad release).
pub const FROM_REVISION_ANNOTATION: &str = "rollpin.dev/from-revision";
/// Annotation: the revision of the verified record the request returns to.
pub const TARGET_REVISION_ANNOTATION: &str = "rollpin.dev/target-revision";
/// Annotation: the name of that record.
pub const TARGET_MANIFEST_ANNOTATION: &str = "rollpin.dev/target-manifest";

/// A release the Application synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    /// The source revision (the first of `revisions` for a multi-source app).
    pub revision: String,
    /// When the sync finished.
    pub finished_at: Timestamp,
}

/// The Application's sync state as the policy needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppSync {
    /// `status.operationState` when it Succeeded.
    pub operation: Option<Synced>,
    /// `status.history`, oldest first.
    pub history: Vec<Synced>,
}

fn str_at<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    v.pointer(path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn time_at(v: &Value, path: &str) -> Option<Timestamp> {
    str_at(v, path).and_then(|s| s.parse().ok())
}

/// `revision`, else `revisions[0]`, under `base`.
fn revision_at(v: &Value, base: &str) -> Option<String> {
    str_at(v, &format!("{base}/revision"))
        .or_else(|| str_at(v, &format!("{base}/revisions/0")))
        .map(str::to_string)
}

impl AppSync {
    /// Reads an Application (`argoproj.io/v1alpha1`) as JSON.
    pub fn from_application(app: &Value) -> AppSync {
        let op = app
            .pointer("/status/operationState")
            .unwrap_or(&Value::Null);
        let operation = (str_at(op, "/phase") == Some("Succeeded"))
            .then(|| {
                Some(Synced {
                    revision: revision_at(op, "/syncResult")
                        .or_else(|| revision_at(op, "/operation/sync"))?,
                    finished_at: time_at(op, "/finishedAt")?,
                })
            })
            .flatten();
        let history = app
            .pointer("/status/history")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|h| {
                Some(Synced {
                    revision: revision_at(h, "")?,
                    finished_at: time_at(h, "/deployedAt")?,
                })
            })
            .collect();
        AppSync { operation, history }
    }

    /// The last successful sync: the operation when it succeeded, else the newest
    /// history entry.
    pub fn last_sync(&self) -> Option<&Synced> {
        self.operation.as_ref().or(self.history.last())
    }
}

/// A release record of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The RollbackManifest's name.
    pub name: String,
    /// The app it belongs to (`spec.app`).
    pub app: String,
    /// Its source revision.
    pub revision: String,
    /// The `Verified` condition: `Some(true)` True, `Some(false)` False, `None` absent or
    /// Unknown.
    pub verified: Option<bool>,
    /// `metadata.creationTimestamp`.
    pub created: Option<Timestamp>,
}

impl Record {
    /// From a typed RollbackManifest.
    pub fn from_manifest(m: &RollbackManifest) -> Record {
        let verified = m.status.as_ref().and_then(|s| {
            s.conditions
                .iter()
                .find(|c| c.type_ == VERIFIED_CONDITION)
                .and_then(|c| match c.status.as_str() {
                    "True" => Some(true),
                    "False" => Some(false),
                    _ => None,
                })
        });
        Record {
            name: m.metadata.name.clone().unwrap_or_default(),
            app: m.spec.app.clone(),
            revision: m.spec.source.revision.clone(),
            verified,
            created: m.metadata.creation_timestamp.as_ref().map(|t| t.0),
        }
    }

    /// From a RollbackManifest as JSON (`None` when it does not read as one).
    pub fn from_value(v: &Value) -> Option<Record> {
        RollbackManifest::deserialize(v)
            .ok()
            .map(|m| Record::from_manifest(&m))
    }
}

/// A RollbackRequest this policy created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyRequest {
    /// Its name.
    pub name: String,
    /// The revision it rolled back from.
    pub from_revision: Option<String>,
    /// The revision it returns to.
    pub target_revision: Option<String>,
}

impl PolicyRequest {
    /// From a RollbackRequest as JSON; `None` when the policy label does not name
    /// `policy` (another policy's or a person's request).
    pub fn from_value(v: &Value, policy: &str) -> Option<PolicyRequest> {
        let label = v
            .pointer("/metadata/labels")
            .and_then(|l| l.get(POLICY_LABEL))
            .and_then(Value::as_str);
        if label != Some(policy) {
            return None;
        }
        let annotation = |k: &str| {
            v.pointer("/metadata/annotations")
                .and_then(|a| a.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Some(PolicyRequest {
            name: str_at(v, "/metadata/name")?.to_string(),
            from_revision: annotation(FROM_REVISION_ANNOTATION),
            target_revision: annotation(TARGET_REVISION_ANNOTATION),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn last_sync_prefers_a_succeeded_operation() {
        let app = json!({"status": {
            "operationState": {"phase": "Succeeded", "finishedAt": "2026-11-20T10:00:00Z",
                "syncResult": {"revision": "bbb"}},
            "history": [{"id": 0, "revision": "aaa", "deployedAt": "2026-11-19T10:00:00Z"}]}});
        let s = AppSync::from_application(&app);
        assert_eq!(
            s.last_sync(),
            Some(&Synced {
                revision: "bbb".into(),
                finished_at: ts("2026-11-20T10:00:00Z")
            })
        );
        assert_eq!(s.history.len(), 1);
    }

    #[test]
    fn falls_back_to_history_when_the_operation_did_not_succeed() {
        for phase in ["Running", "Failed", "Error"] {
            let app = json!({"status": {
                "operationState": {"phase": phase, "finishedAt": "2026-11-20T10:00:00Z",
                    "syncResult": {"revision": "ccc"}},
                "history": [
                    {"id": 0, "revision": "aaa", "deployedAt": "2026-11-19T10:00:00Z"},
                    {"id": 1, "revisions": ["bbb", "x"], "deployedAt": "2026-11-19T11:00:00Z"}]}});
            let s = AppSync::from_application(&app);
            assert_eq!(
                s.last_sync().map(|s| s.revision.as_str()),
                Some("bbb"),
                "{phase}"
            );
        }
        assert_eq!(AppSync::from_application(&json!({})).last_sync(), None);
    }

    #[test]
    fn reads_records_and_requests() {
        let m = json!({"apiVersion": "rollpin.dev/v1alpha1", "kind": "RollbackManifest",
            "metadata": {"name": "shop-aaa", "creationTimestamp": "2026-11-19T10:00:00Z"},
            "spec": {"app": "shop", "source": {"revision": "aaa"}},
            "status": {"conditions": [{"type": "Verified", "status": "True",
                "lastTransitionTime": "2026-11-19T10:01:00Z", "reason": "Matches", "message": ""}]}});
        let r = Record::from_value(&m);
        assert_eq!(r.as_ref().map(|r| r.verified), Some(Some(true)));
        assert_eq!(r.as_ref().map(|r| r.revision.as_str()), Some("aaa"));
        let req = json!({"metadata": {"name": "guard-bbb", "labels": {POLICY_LABEL: "guard"},
            "annotations": {FROM_REVISION_ANNOTATION: "bbb"}}});
        assert_eq!(
            PolicyRequest::from_value(&req, "guard").and_then(|r| r.from_revision),
            Some("bbb".to_string())
        );
        assert_eq!(PolicyRequest::from_value(&req, "other"), None);
    }
}
