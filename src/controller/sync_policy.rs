//! Pausing and restoring an Application's automated sync, so Argo CD does not undo a
//! rollback (it re-syncs to `spec.source` as soon as the live state differs). Pausing sets
//! `spec.syncPolicy.automated.enabled: false` (Argo CD ≥ 3.1: prune and selfHeal are kept);
//! where the API server drops that field (older Argo CD), the shell removes `automated`
//! instead. Either way the previous `automated` object is saved in the request's status
//! first and restored exactly, and only while it is still the one the rollback left. The
//! pause also writes the saved policy into the Application's annotation
//! `rollpin.dev/paused-sync-policy`, so it is not lost if the request is deleted. Restoring
//! leaves the annotation in place (it then records the last pause).

use serde_json::{Value, json};

use super::str_at;
use crate::release::SavedSyncPolicy;

/// How the policy was paused.
pub const ENABLED_FALSE: &str = "EnabledFalse";
/// `automated` removed (Argo CD before 3.1).
pub const REMOVED: &str = "Removed";
/// Automated sync was off: nothing to pause or restore.
pub const NOT_AUTOMATED: &str = "NotAutomated";

/// The Application's `spec.syncPolicy.automated`.
pub fn automated(app: &Value) -> Option<&Value> {
    app.pointer("/spec/syncPolicy/automated")
        .filter(|a| !a.is_null())
}

/// Whether automated sync is on (`automated` set and `enabled` not false).
pub fn is_automated(app: &Value) -> bool {
    automated(app).is_some_and(|a| a.get("enabled").and_then(Value::as_bool) != Some(false))
}

/// What to save before pausing.
pub fn save(app: &Value) -> SavedSyncPolicy {
    SavedSyncPolicy {
        automated: automated(app).cloned(),
        method: if is_automated(app) {
            ENABLED_FALSE
        } else {
            NOT_AUTOMATED
        }
        .into(),
        restored: false,
    }
}

fn guard(app: &Value) -> Value {
    json!({"op": "replace", "path": "/metadata/resourceVersion", "value": str_at(app, "/metadata/resourceVersion")})
}

/// The annotation on the Application that keeps the paused policy too, so it survives the
/// request being deleted (restore it by hand from there).
pub const PAUSED_ANNOTATION: &str = "rollpin.dev/paused-sync-policy";

/// The JSON-patch operation that records the paused policy on the Application.
fn remember(app: &Value) -> Value {
    let saved = automated(app).map(|a| a.to_string()).unwrap_or_default();
    match app
        .pointer("/metadata/annotations")
        .filter(|a| a.is_object())
    {
        Some(_) => {
            json!({"op": "add", "path": "/metadata/annotations/rollpin.dev~1paused-sync-policy", "value": saved})
        }
        None => {
            json!({"op": "add", "path": "/metadata/annotations", "value": {PAUSED_ANNOTATION: saved}})
        }
    }
}

/// The JSON patch that pauses automated sync with `enabled: false`.
pub fn pause_patch(app: &Value) -> Value {
    json!([guard(app), {"op": "add", "path": "/spec/syncPolicy/automated/enabled", "value": false}, remember(app)])
}

/// The JSON patch that removes `automated` (Argo CD before 3.1).
pub fn remove_patch(app: &Value) -> Value {
    json!([guard(app), {"op": "remove", "path": "/spec/syncPolicy/automated"}, remember(app)])
}

/// Whether a patched Application really has automated sync off (an API server that does
/// not know `enabled` drops it silently).
pub fn paused(app: &Value) -> bool {
    !is_automated(app)
}

/// The JSON patch that restores the saved policy, or why it must not be restored: the
/// Application's policy is no longer the one the rollback left (someone changed it since).
pub fn restore_patch(app: &Value, saved: &SavedSyncPolicy) -> Result<Option<Value>, String> {
    let Some(before) = saved
        .automated
        .as_ref()
        .filter(|_| saved.method != NOT_AUTOMATED)
    else {
        return Ok(None);
    };
    let now = automated(app);
    let mut expected_paused = before.clone();
    if let Value::Object(m) = &mut expected_paused {
        m.insert("enabled".into(), Value::Bool(false));
    }
    match now {
        Some(a) if *a == *before => Ok(None),
        None if saved.method == REMOVED => Ok(Some(
            json!([guard(app), {"op": "add", "path": "/spec/syncPolicy/automated", "value": before}]),
        )),
        Some(a) if *a == expected_paused => Ok(Some(
            json!([guard(app), {"op": "add", "path": "/spec/syncPolicy/automated", "value": before}]),
        )),
        other => Err(format!(
            "the Application's automated sync policy was changed since the rollback paused it (now {}): not overwriting it; set it by hand",
            other
                .map(|v| v.to_string())
                .unwrap_or_else(|| "none".into())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(automated: Value) -> Value {
        json!({"metadata": {"resourceVersion": "7"}, "spec": {"syncPolicy": {"automated": automated, "syncOptions": ["CreateNamespace=true"]}}})
    }

    #[test]
    fn pause_keeps_prune_and_self_heal_and_restores_exactly() {
        let a = app(json!({"prune": true, "selfHeal": true}));
        assert!(is_automated(&a));
        let saved = save(&a);
        assert_eq!(saved.method, ENABLED_FALSE);
        assert_eq!(
            pause_patch(&a),
            json!([{"op": "replace", "path": "/metadata/resourceVersion", "value": "7"},
                   {"op": "add", "path": "/spec/syncPolicy/automated/enabled", "value": false},
                   {"op": "add", "path": "/metadata/annotations",
                    "value": {"rollpin.dev/paused-sync-policy": "{\"prune\":true,\"selfHeal\":true}"}}])
        );
        let mut paused_app = app(json!({"prune": true, "selfHeal": true, "enabled": false}));
        paused_app["metadata"]["annotations"] =
            json!({"rollpin.dev/paused-sync-policy": "{}", "other": "x"});
        // With annotations already there, only the key is added.
        assert_eq!(
            pause_patch(&paused_app)[2]["path"],
            "/metadata/annotations/rollpin.dev~1paused-sync-policy"
        );
        assert!(paused(&paused_app));
        let restore = restore_patch(&paused_app, &saved).unwrap().unwrap();
        assert_eq!(
            restore[1],
            json!({"op": "add", "path": "/spec/syncPolicy/automated", "value": {"prune": true, "selfHeal": true}})
        );
        // Already restored: nothing to do.
        assert_eq!(restore_patch(&a, &saved).unwrap(), None);
    }

    #[test]
    fn an_app_without_automated_sync_is_not_touched() {
        let manual = json!({"spec": {"syncPolicy": {}}});
        let saved = save(&manual);
        assert_eq!(saved.method, NOT_AUTOMATED);
        assert_eq!(restore_patch(&manual, &saved).unwrap(), None);
        let disabled = app(json!({"enabled": false}));
        assert!(!is_automated(&disabled));
    }

    #[test]
    fn a_policy_changed_since_the_pause_is_not_overwritten() {
        let a = app(json!({"prune": true}));
        let saved = save(&a);
        let changed = app(json!({"prune": false, "enabled": false}));
        let err = restore_patch(&changed, &saved).unwrap_err();
        assert!(
            err.contains("changed since the rollback paused it"),
            "{err}"
        );
        let mut removed = saved.clone();
        removed.method = REMOVED.into();
        let gone = json!({"metadata": {"resourceVersion": "9"}, "spec": {"syncPolicy": {}}});
        let p = restore_patch(&gone, &removed).unwrap().unwrap();
        assert_eq!(p[0]["value"], "9");
    }
}
