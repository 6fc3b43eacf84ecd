//! `rollpin health`: decide Healthy / Progressing / Degraded / Suspended / Missing / Unknown
//! for live objects exactly as Argo CD would, and roll them up into an app's health.
//!
//! The assessment of one object ([`Assessor::assess`]) follows Argo CD's order
//! (gitops-engine `health.GetResourceHealth`), with rollpin's tiers in Argo CD's places:
//!
//! 1. a parseable `metadata.deletionTimestamp`, unless the object carries Argo CD's hook
//!    finalizer → Progressing "Pending deletion" ([`object`]);
//! 2. the user's declarative rules (`--rules FILE`, [`rules`]) — Argo CD's argocd-cm
//!    customizations;
//! 3. Argo CD's Lua scripts when the user points at them (`--argocd-cm FILE`, `--lua-dir
//!    DIR`, [`lua`]): argocd-cm exact key, argocd-cm wildcard, library exact, library `_`
//!    wildcard — a script that answers is final, even with an empty status;
//! 4. kind-specific rules: Argo CD's Go checks and built-in Lua reproduced in Rust, and
//!    rollpin's rollback state ([`builtin`]); then the built-in declarative set
//!    ([`rules::builtin`]) for custom resources Argo CD ships Lua for;
//! 5. generic conditions (kstatus's algorithm, [`generic`]) for any other custom resource.
//!
//! Kubernetes' own kinds without a rule (ConfigMap, Secret, Role, …) get no health, as in
//! Argo CD, and do not take part in the roll-up ([`rollup`]). [`input`] reads YAML/JSON
//! streams and `kind: List`, [`report`] prints the table or JSON, and [`command`] is what
//! the CLI runs.

pub mod builtin;
pub mod command;
pub mod convert;
pub mod generic;
pub mod go;
pub mod input;
pub mod lua;
pub mod object;
pub mod prune;
pub mod report;
pub mod rollup;
pub mod rules;
pub mod status;

use serde_json::Value;

/// The time type rules take "now" as (jiff's, through k8s-openapi).
pub use k8s_openapi::jiff::Timestamp;
pub use object::Object;
pub use rules::RuleSet;
pub use status::{HealthStatus, HealthStatusCode};

/// What rules may depend on besides the object: the time "now" for deadlines. The CLI
/// reads the clock; the library and tests pass a fixed time so that results reproduce.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The current time.
    pub now: Timestamp,
}

/// Which tier decided an object's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decider {
    /// The "Pending deletion" check.
    PendingDeletion,
    /// A user rule (its origin, `rules.yaml: rules[2]`).
    UserRule(String),
    /// A kind-specific rule compiled into rollpin (its source).
    Builtin(&'static str),
    /// A built-in declarative rule (its origin in `builtin.yaml`).
    BuiltinRule(String),
    /// Generic conditions (kstatus).
    Generic,
    /// An Argo CD Lua script from argocd-cm or a library directory (its origin).
    Lua(String),
}

/// API groups of Kubernetes itself: objects in them are not custom resources, so without a
/// rule they get no health (Argo CD's behaviour) rather than generic conditions.
pub const KUBERNETES_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "extensions",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "metrics.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// Assesses objects: the user's rules plus everything built in.
#[derive(Debug, Clone)]
pub struct Assessor {
    user: RuleSet,
    ctx: Context,
    #[cfg(feature = "lua")]
    lua: Option<std::rc::Rc<lua::runtime::Runtime>>,
}

impl Assessor {
    /// An assessor with the user's rules (possibly empty) and the time "now".
    pub fn new(user: RuleSet, now: Timestamp) -> Assessor {
        Assessor {
            user,
            ctx: Context { now },
            #[cfg(feature = "lua")]
            lua: None,
        }
    }

    /// Also runs Argo CD Lua scripts, between the user's rules and rollpin's built-in tiers.
    #[cfg(feature = "lua")]
    pub fn with_lua(mut self, runtime: lua::runtime::Runtime) -> Assessor {
        self.lua = (!runtime.scripts().is_empty()).then(|| std::rc::Rc::new(runtime));
        self
    }

    /// The health of one object, or `None` when nothing assesses its kind.
    pub fn assess(&self, value: &Value) -> Option<HealthStatus> {
        self.assess_object(&Object::new(value)).map(|(h, _)| h)
    }

    /// The health of one object and the tier that decided it.
    pub fn assess_object(&self, obj: &Object<'_>) -> Option<(HealthStatus, Decider)> {
        if obj.kind.is_empty() {
            return None;
        }
        if obj.is_being_deleted() && !obj.has_hook_finalizer() {
            return Some((
                HealthStatus::progressing("Pending deletion"),
                Decider::PendingDeletion,
            ));
        }
        let user = self.user.find(obj.group, obj.kind);
        if let Some((rule, h)) = user.and_then(|r| Some((r, r.evaluate(obj.value)?))) {
            return Some((h, Decider::UserRule(rule.origin.clone())));
        }
        #[cfg(feature = "lua")]
        if let Some(runtime) = &self.lua {
            // Argo CD's argocd-cm and built-in Lua come before its Go checks (which rollpin's
            // built-in tier reproduces); an empty status from a script is final.
            if let Some((health, origin)) = runtime.assess(obj.group, obj.kind, obj.value) {
                return health.map(|h| (h, Decider::Lua(origin.to_string())));
            }
        }
        if let Some(rule) = builtin::find(obj.group, obj.kind) {
            // No health from a rule (an empty status from Argo CD's Lua) is final: Argo CD
            // does not try anything else once a script has answered.
            let health = rule.evaluate(obj, &self.ctx)?;
            return Some((health, Decider::Builtin(rule.source)));
        }
        let declarative = rules::builtin().find(obj.group, obj.kind);
        if let Some((rule, h)) = declarative.and_then(|r| Some((r, r.evaluate(obj.value)?))) {
            return Some((h, Decider::BuiltinRule(rule.origin.clone())));
        }
        let is_argo_application = obj.group == "argoproj.io" && obj.kind == "Application";
        if KUBERNETES_GROUPS.contains(&obj.group) || is_argo_application {
            return None;
        }
        Some((generic::assess(obj), Decider::Generic))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn assessor() -> Assessor {
        Assessor::new(RuleSet::default(), Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn builtin_tiers_do_not_overlap() {
        for r in builtin::RULES {
            assert!(
                rules::builtin().find(r.group, r.kind).is_none(),
                "{}/{} has a Rust rule and a declarative one",
                r.group,
                r.kind
            );
        }
    }

    #[test]
    fn kubernetes_kinds_without_rules_have_no_health() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        assert_eq!(assessor().assess(&cm), None);
        let app = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application"});
        assert_eq!(assessor().assess(&app), None);
        let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget"});
        assert_eq!(
            assessor().assess(&cr),
            Some(HealthStatus::healthy("Resource is current"))
        );
    }

    #[test]
    fn deletion_comes_first_unless_hook_finalizer() {
        let mut pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "deletionTimestamp": "2024-01-01T00:00:00Z"},
            "spec": {"restartPolicy": "Always"}, "status": {"phase": "Running"}});
        assert_eq!(
            assessor().assess(&pod),
            Some(HealthStatus::progressing("Pending deletion"))
        );
        pod["metadata"]["finalizers"] = json!([object::HOOK_FINALIZER]);
        assert_eq!(assessor().assess(&pod), Some(HealthStatus::progressing("")));
    }

    #[test]
    fn user_rules_win_and_fall_through_without_default() {
        let user = RuleSet::from_yaml(
            "rules:\n- kind: Pod\n  checks:\n  - when: {path: .metadata.labels.pinned, equals: 'yes'}\n    status: Suspended\n",
            "r.yaml",
        )
        .unwrap_or_default();
        let a = Assessor::new(user, Timestamp::UNIX_EPOCH);
        let pod =
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"pinned": "yes"}}});
        let (h, by) = a
            .assess_object(&Object::new(&pod))
            .unwrap_or_else(|| (HealthStatus::unknown("none"), Decider::Generic));
        assert_eq!(h, HealthStatus::suspended(""));
        assert_eq!(by, Decider::UserRule("r.yaml: rules[0]".into()));
        let other = json!({"apiVersion": "v1", "kind": "Pod", "status": {"phase": "Pending"}});
        assert_eq!(a.assess(&other), Some(HealthStatus::progressing("")));
    }
}
