//! Kind-specific rules compiled into rollpin, one file per rule, registered in [`RULES`].
//!
//! Three families, each reproducing its source exactly (statuses and message bytes):
//! - Argo CD's Go checks (gitops-engine `pkg/health/health_*.go`, Argo CD v3.5.1):
//!   Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod, PersistentVolumeClaim, Service,
//!   Ingress, Job, HorizontalPodAutoscaler, APIService, argoproj.io Workflow. These convert
//!   the object to k8s-openapi types first ([`super::convert`]); an object that does not
//!   convert, or a version Argo CD does not accept, is Unknown with Argo CD's message.
//! - Argo CD's built-in Lua (`resource_customizations/<group>/<Kind>/health.lua`) for
//!   Kubernetes kinds — CronJob, PodDisruptionBudget, CustomResourceDefinition — and for
//!   Argo Rollouts' Rollout and AnalysisRun (`argoproj.io`). Lua reads the object untyped,
//!   so these rules do too, through `lua.rs`, which reproduces the Lua semantics that
//!   decide the result (nil checks, `==` without coercion, `tonumber`, errors on indexing
//!   nil or concatenating nil) and what Argo CD makes of the returned table (an invalid
//!   status is Unknown, an empty one is no health: these rules return `Option`).
//! - rollpin's own resources: RollbackRequest, RollbackManifest and RollbackPolicy
//!   (`rollpin.dev`).
//!
//! The "Pending deletion" check, hooks and rule precedence live in [`super::Assessor::assess_object`].

use serde::Deserialize;

use super::Context;
use super::object::Object;
use super::prune::Keep;
use super::status::HealthStatus;

mod analysis_run;
mod apiservice;
mod crd;
mod cronjob;
mod daemonset;
mod deployment;
mod hpa;
mod ingress;
mod job;
pub(crate) mod lua;
mod pdb;
mod pod;
mod pvc;
mod replicaset;
mod rollback_manifest;
mod rollback_policy;
mod rollback_request;
mod rollout;
mod service;
mod statefulset;
mod workflow;

/// How a rule assesses an object of its kind.
pub type AssessFn = fn(&Object<'_>, &Context) -> HealthStatus;

/// How a rule that may find no health assesses an object of its kind (Argo CD's Lua can
/// return an empty status, see `lua::health_table`).
pub type MaybeAssessFn = fn(&Object<'_>, &Context) -> Option<HealthStatus>;

/// A rule's check.
#[derive(Debug, Clone, Copy)]
pub enum Assess {
    /// Always gives a status.
    Always(AssessFn),
    /// May give none: the object then has no health, and no later tier assesses it.
    Maybe(MaybeAssessFn),
}

/// One kind-specific rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// API group (`""` for core).
    pub group: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Where its behaviour comes from (for documentation and `--explain`-style output).
    pub source: &'static str,
    /// The check.
    pub assess: Assess,
}

impl Rule {
    /// The object's health by this rule (`None`: no health).
    pub fn evaluate(&self, obj: &Object<'_>, ctx: &Context) -> Option<HealthStatus> {
        match self.assess {
            Assess::Always(f) => Some(f(obj, ctx)),
            Assess::Maybe(f) => f(obj, ctx),
        }
    }
}

const GO: &str = "Argo CD v3.5.1 gitops-engine/pkg/health";
const LUA: &str = "Argo CD v3.5.1 resource_customizations (Lua)";
const ROLLPIN: &str = "rollpin (rollback state)";

/// Every kind-specific rule. Lookup is by exact group and kind; versions are checked by
/// the rules themselves (Argo CD's Go checks accept only listed versions, its Lua any).
pub static RULES: &[Rule] = &[
    rule("apps", "Deployment", GO, deployment::assess),
    rule("apps", "StatefulSet", GO, statefulset::assess),
    rule("apps", "DaemonSet", GO, daemonset::assess),
    rule("apps", "ReplicaSet", GO, replicaset::assess),
    rule("", "Pod", GO, pod::assess),
    rule("", "PersistentVolumeClaim", GO, pvc::assess),
    rule("", "Service", GO, service::assess),
    rule("networking.k8s.io", "Ingress", GO, ingress::assess),
    rule("extensions", "Ingress", GO, ingress::assess),
    rule("batch", "Job", GO, job::assess),
    rule("autoscaling", "HorizontalPodAutoscaler", GO, hpa::assess),
    rule(
        "apiregistration.k8s.io",
        "APIService",
        GO,
        apiservice::assess,
    ),
    rule("argoproj.io", "Workflow", GO, workflow::assess),
    rule("batch", "CronJob", LUA, cronjob::assess),
    rule("policy", "PodDisruptionBudget", LUA, pdb::assess),
    rule(
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        LUA,
        crd::assess,
    ),
    maybe_rule("argoproj.io", "Rollout", LUA, rollout::assess),
    maybe_rule("argoproj.io", "AnalysisRun", LUA, analysis_run::assess),
    rule(
        crate::release::GROUP,
        "RollbackRequest",
        ROLLPIN,
        rollback_request::assess,
    ),
    rule(
        crate::release::GROUP,
        "RollbackManifest",
        ROLLPIN,
        rollback_manifest::assess,
    ),
    rule(
        crate::release::GROUP,
        "RollbackPolicy",
        ROLLPIN,
        rollback_policy::assess,
    ),
];

const fn rule(
    group: &'static str,
    kind: &'static str,
    source: &'static str,
    assess: AssessFn,
) -> Rule {
    Rule {
        group,
        kind,
        source,
        assess: Assess::Always(assess),
    }
}

const fn maybe_rule(
    group: &'static str,
    kind: &'static str,
    source: &'static str,
    assess: MaybeAssessFn,
) -> Rule {
    Rule {
        group,
        kind,
        source,
        assess: Assess::Maybe(assess),
    }
}

/// The rule for a group and kind, if rollpin has one. (Every object passes here: the scan
/// compares lengths and first bytes before calling `memcmp`, which halves the cost of
/// assessing a Service.)
pub fn find(group: &str, kind: &str) -> Option<&'static Rule> {
    fn same(a: &str, b: &str) -> bool {
        a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
    }
    RULES
        .iter()
        .find(|r| same(r.kind, kind) && same(r.group, group))
}

/// What the Go checks read of `metadata`.
pub(crate) const META: Keep = Keep::Fields(&[("name", Keep::All), ("generation", Keep::All)]);

/// `metadata` as the Go checks read it (`ObjectMeta.Name`, `ObjectMeta.Generation`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Meta {
    pub name: Option<String>,
    pub generation: Option<i64>,
}

/// Argo CD's `unsupported <what> GVK: <group>/<version>, Kind=<kind>` unless the object's
/// version is one of `versions`.
pub(crate) fn check_version(
    obj: &Object<'_>,
    what: &str,
    versions: &[&str],
) -> Result<(), HealthStatus> {
    if versions.contains(&obj.version) {
        Ok(())
    } else {
        Err(HealthStatus::unknown(format!(
            "unsupported {what} GVK: {}",
            super::go::gvk(obj.group, obj.version, obj.kind)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_per_group_kind() {
        for (i, a) in RULES.iter().enumerate() {
            for b in &RULES[i + 1..] {
                assert!(
                    (a.group, a.kind) != (b.group, b.kind),
                    "{}/{} registered twice",
                    a.group,
                    a.kind
                );
            }
        }
    }

    #[test]
    fn finds_by_group_and_kind() {
        assert!(find("apps", "Deployment").is_some());
        assert!(find("extensions", "Deployment").is_none());
        assert!(find("", "ConfigMap").is_none());
    }
}
