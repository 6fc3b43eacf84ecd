//! The app's health from its objects' health, as Argo CD's `setApplicationHealth`
//! (`controller/health.go`, v3.5.1) computes it: start at Healthy and take the worst
//! status in [`HealthStatusCode`]'s order, skipping
//!
//! - hooks: an object with the `argocd.argoproj.io/hook` annotation (any value: a real
//!   hook is skipped as a live hook, `Skip` as a skipped target), or with Helm's
//!   `helm.sh/hook` annotation other than `crd-install`;
//! - objects annotated `argocd.argoproj.io/ignore-healthcheck: "true"`;
//! - objects nothing assesses (no health), as Argo CD does;
//! - a child `argoproj.io` Application whose health is Missing or Unknown.
//!
//! An empty app is Healthy. Annotations are read as Go's `GetAnnotations` reads them: one
//! non-string value hides them all.

use serde::Serialize;

use super::object::Object;
use super::status::{HealthStatus, HealthStatusCode};

/// Argo CD's hook annotation.
pub const HOOK_ANNOTATION: &str = "argocd.argoproj.io/hook";
/// Helm's hook annotation.
pub const HELM_HOOK_ANNOTATION: &str = "helm.sh/hook";
/// The annotation that keeps an object out of the app's health.
pub const IGNORE_HEALTHCHECK_ANNOTATION: &str = "argocd.argoproj.io/ignore-healthcheck";

/// Why an object does not count towards the app's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NotCounted {
    /// An Argo CD or Helm hook (or an Argo CD `Skip` resource).
    Hook,
    /// `argocd.argoproj.io/ignore-healthcheck: "true"`.
    IgnoreHealthcheck,
    /// Nothing assesses its kind.
    NoHealthCheck,
    /// A child Application that is Missing or Unknown.
    ChildApplication,
}

impl NotCounted {
    /// A short phrase for tables.
    pub fn describe(self) -> &'static str {
        match self {
            NotCounted::Hook => "hook",
            NotCounted::IgnoreHealthcheck => "ignore-healthcheck",
            NotCounted::NoHealthCheck => "no health check",
            NotCounted::ChildApplication => "child application",
        }
    }
}

/// Whether (and why not) an object with this health counts towards the app's health.
pub fn not_counted(obj: &Object<'_>, health: Option<&HealthStatus>) -> Option<NotCounted> {
    if is_hook(obj) {
        return Some(NotCounted::Hook);
    }
    if obj.annotation(IGNORE_HEALTHCHECK_ANNOTATION) == Some("true") {
        return Some(NotCounted::IgnoreHealthcheck);
    }
    let health = match health {
        None => return Some(NotCounted::NoHealthCheck),
        Some(h) => h,
    };
    let child_app = obj.group == "argoproj.io" && obj.kind == "Application";
    if child_app
        && matches!(
            health.status,
            HealthStatusCode::Missing | HealthStatusCode::Unknown
        )
    {
        return Some(NotCounted::ChildApplication);
    }
    None
}

/// Argo CD's `hook.IsHook` or `hook.Skip` for an object that is both target and live.
fn is_hook(obj: &Object<'_>) -> bool {
    let Some(annotations) = obj.annotations() else {
        return false;
    };
    if annotations.contains_key(HOOK_ANNOTATION) {
        return true;
    }
    annotations
        .get(HELM_HOOK_ANNOTATION)
        .and_then(|v| v.as_str())
        .is_some_and(|v| v != "crd-install")
}

/// The roll-up of an app's objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollUp {
    /// The app's health.
    pub status: HealthStatusCode,
    /// Counted objects per status, in roll-up order.
    pub counted: Vec<(HealthStatusCode, usize)>,
    /// Objects left out, per reason.
    pub not_counted: Vec<(NotCounted, usize)>,
}

/// Folds `(health, not_counted)` pairs into the app's health.
pub fn roll_up<'a>(
    items: impl IntoIterator<Item = (Option<&'a HealthStatus>, Option<NotCounted>)>,
) -> RollUp {
    let mut status = HealthStatusCode::Healthy;
    let mut counted = [0usize; 6];
    let mut skipped: Vec<(NotCounted, usize)> = Vec::new();
    for (health, skip) in items {
        match (health, skip) {
            (_, Some(reason)) => match skipped.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, n)) => *n += 1,
                None => skipped.push((reason, 1)),
            },
            (Some(h), None) => {
                if h.status.is_worse_than(status) {
                    status = h.status;
                }
                counted[h.status as usize] += 1;
            }
            (None, None) => {}
        }
    }
    skipped.sort_by_key(|(r, _)| *r as usize);
    RollUp {
        status,
        counted: HealthStatusCode::ALL
            .into_iter()
            .zip(counted)
            .filter(|(_, n)| *n > 0)
            .collect(),
        not_counted: skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn skip(v: Value, h: Option<HealthStatus>) -> Option<NotCounted> {
        not_counted(&Object::new(&v), h.as_ref())
    }

    #[test]
    fn hooks_as_argo_cd_sees_them() {
        let with = |a: Value| json!({"kind": "Job", "metadata": {"annotations": a}});
        let h = Some(HealthStatus::healthy(""));
        assert_eq!(
            skip(with(json!({HOOK_ANNOTATION: "PreSync"})), h.clone()),
            Some(NotCounted::Hook)
        );
        assert_eq!(
            skip(with(json!({HOOK_ANNOTATION: "Skip"})), h.clone()),
            Some(NotCounted::Hook)
        );
        assert_eq!(
            skip(with(json!({HOOK_ANNOTATION: ""})), h.clone()),
            Some(NotCounted::Hook)
        );
        assert_eq!(
            skip(
                with(json!({HELM_HOOK_ANNOTATION: "post-install"})),
                h.clone()
            ),
            Some(NotCounted::Hook)
        );
        assert_eq!(
            skip(
                with(json!({HELM_HOOK_ANNOTATION: "crd-install"})),
                h.clone()
            ),
            None
        );
        assert_eq!(
            skip(with(json!({HOOK_ANNOTATION: "PreSync", "n": 1})), h.clone()),
            None,
            "a non-string annotation hides all annotations"
        );
        assert_eq!(
            skip(
                with(json!({IGNORE_HEALTHCHECK_ANNOTATION: "true"})),
                h.clone()
            ),
            Some(NotCounted::IgnoreHealthcheck)
        );
        assert_eq!(
            skip(with(json!({IGNORE_HEALTHCHECK_ANNOTATION: "True"})), h),
            None
        );
    }

    #[test]
    fn worst_status_wins() {
        let d = HealthStatus::degraded("x");
        let p = HealthStatus::progressing("");
        let s = HealthStatus::suspended("");
        let r = roll_up([
            (Some(&p), None),
            (Some(&d), Some(NotCounted::Hook)),
            (Some(&s), None),
            (None, Some(NotCounted::NoHealthCheck)),
        ]);
        assert_eq!(r.status, HealthStatusCode::Progressing);
        assert_eq!(
            r.counted,
            vec![
                (HealthStatusCode::Suspended, 1),
                (HealthStatusCode::Progressing, 1)
            ]
        );
        assert_eq!(
            r.not_counted,
            vec![(NotCounted::Hook, 1), (NotCounted::NoHealthCheck, 1)]
        );
        assert_eq!(roll_up([]).status, HealthStatusCode::Healthy);
    }

    #[test]
    fn child_application_missing_or_unknown_is_ignored() {
        let app = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application"});
        assert_eq!(
            skip(app.clone(), Some(HealthStatus::unknown(""))),
            Some(NotCounted::ChildApplication)
        );
        assert_eq!(skip(app, Some(HealthStatus::degraded(""))), None);
    }
}
