//! `rollpin argocd-cm`: the argocd-cm health customizations for rollpin's rules, as a
//! ConfigMap patch. By default only rollpin's own kinds (RollbackManifest, RollbackRequest,
//! RollbackPolicy) get keys, so installing rollpin shadows none of Argo CD's checks; the
//! rules of other groups — rollpin's built-in cert-manager and external-secrets rules, the
//! user's `--rules` — only for the groups `--group` names. Exact kinds become `resource.customizations.health.<group>_<kind>`
//! keys (plus `resource.customizations.useOpenLibs.<group>_<kind>` where a script needs
//! the `string` library); glob rules and `--generic-group` groups become entries of the
//! combined `resource.customizations` key, which exists only when a glob is used.
//!
//! Argo CD looks up an exact key first, then an argocd-cm wildcard, then its own Lua and
//! Go checks (reference/argocd.md §2.1): a wildcard *replaces* Argo CD's checks for all it
//! matches. So a glob that covers a Kubernetes group or a group Argo CD already ships
//! health checks for is refused, and so is a rule that, having no default, would fall
//! through to one of Argo CD's own checks that cannot be reproduced in the script.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::lua::{self, Script, Tier};
use crate::health::rules::{self, Rule, RuleSet, RulesError, glob};
use crate::health::{KUBERNETES_GROUPS, builtin};

/// Groups Argo CD v3.5.1 / master ships health Lua for (`resource_customizations/`, `_`
/// directories are wildcards), plus `argoproj.io` (Application, Workflow, Rollout, …).
pub const ARGOCD_GROUPS: &[&str] = &[
    "_.cnrm.cloud.google.com",
    "_.crossplane.io",
    "_.services.k8s.aws",
    "_.upbound.io",
    "acid.zalan.do",
    "addons.cluster.x-k8s.io",
    "apps.3scale.net",
    "apps.kruise.io",
    "apps.openshift.io",
    "argoproj.io",
    "astra.netapp.io",
    "beat.k8s.elastic.co",
    "bitnami.com",
    "camel.apache.org",
    "capabilities.3scale.net",
    "cassandra.rook.io",
    "cdi.kubevirt.io",
    "ceph.rook.io",
    "cert-manager.io",
    "certmanager.k8s.io",
    "clickhouse-keeper.altinity.com",
    "clickhouse.altinity.com",
    "cloudfront.aws.crossplane.io",
    "cluster.x-k8s.io",
    "controlplane.cluster.x-k8s.io",
    "coralogix.com",
    "core.gardener.cloud",
    "core.humio.com",
    "core.spinkube.dev",
    "datadoghq.com",
    "db.atlasgo.io",
    "elasticsearch.k8s.elastic.co",
    "external-secrets.io",
    "flagger.app",
    "flink.apache.org",
    "game.kruise.io",
    "gateway.networking.k8s.io",
    "gateway.solo.io",
    "gloo.solo.io",
    "grafana-org-operator.kubitus-project.gitlab.io",
    "grafana.integreatly.org",
    "helm.toolkit.fluxcd.io",
    "iam.aws.crossplane.io",
    "iammanager.keikoproj.io",
    "image.toolkit.fluxcd.io",
    "install.istio.io",
    "jaegertracing.io",
    "k8s.keycloak.org",
    "k8s.mariadb.com",
    "kafka.banzaicloud.io",
    "kafka.strimzi.io",
    "karpenter.k8s.aws",
    "karpenter.sh",
    "keda.sh",
    "kiali.io",
    "kubernetes-client.io",
    "kubevirt.io",
    "kustomize.toolkit.fluxcd.io",
    "kyverno.io",
    "lifecycle.keptn.sh",
    "logstash.k8s.elastic.co",
    "mariadb.mmontes.io",
    "metrics.keptn.sh",
    "microgateway.airlock.com",
    "minio.min.io",
    "monitoring.coreos.com",
    "networking.gke.io",
    "nmstate.io",
    "notification.toolkit.fluxcd.io",
    "numaflow.numaproj.io",
    "numaplane.numaproj.io",
    "objectbucket.io",
    "ocs.openshift.io",
    "onepassword.com",
    "openfaas.com",
    "opentelemetry.io",
    "operator.knative.dev",
    "operator.openshift.io",
    "operator.victoriametrics.com",
    "operators.coreos.com",
    "pkg.crossplane.io",
    "platform.confluent.io",
    "policy.open-cluster-management.io",
    "postgresql.cnpg.io",
    "proclaim.dogmatiq.io",
    "projectcontour.io",
    "promoter.argoproj.io",
    "psmdb.percona.com",
    "pulumi.com",
    "pxc.percona.com",
    "rabbitmq.com",
    "rds.aws.crossplane.io",
    "rollouts.kruise.io",
    "route.openshift.io",
    "route53.aws.crossplane.io",
    "s3.aws.crossplane.io",
    "services.cloud.sap.com",
    "serving.knative.dev",
    "serving.kserve.io",
    "snapshot.storage.k8s.io",
    "solr.apache.org",
    "source.toolkit.fluxcd.io",
    "sparkoperator.k8s.io",
    "spot.io",
    "stacks.crossplane.io",
    "tower.ansible.com",
    "trident.netapp.io",
    "work.karmada.io",
    "zookeeper.pravega.io",
];

/// What `rollpin argocd-cm` was asked for.
#[derive(Debug, Clone, Default)]
pub struct CmConfig {
    /// User rules files, in order (earlier files win).
    pub rules: Vec<PathBuf>,
    /// Groups whose custom resources get the generic conditions (`--generic-group`).
    pub generic_groups: Vec<String>,
    /// Groups whose rules (rollpin's built-in ones and the user's) become keys
    /// (`--group`); rollpin's own group always does.
    pub groups: Vec<String>,
}

/// Why the customizations cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum CmError {
    /// A rules file could not be read.
    #[error("cannot read rules file {file}")]
    Read {
        /// The file.
        file: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A rules file is invalid.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// A glob would replace Argo CD's own checks.
    #[error(
        "{what} would match the group {group:?}, which {owner}; an argocd-cm wildcard replaces Argo CD's own health checks for everything it matches — name the kinds exactly instead"
    )]
    GlobTooWide {
        /// The rule or flag.
        what: String,
        /// A group it matches.
        group: String,
        /// Who owns that group.
        owner: &'static str,
    },
    /// A rule in a group no `--group` names.
    #[error(
        "{origin} ({group}/{kind}) is in the group {group:?}, which no --group names; add `--group {group}` to emit it (its key replaces Argo CD's own check for that kind)"
    )]
    GroupNotNamed {
        /// The rule's origin.
        origin: String,
        /// Group (or group pattern).
        group: String,
        /// Kind.
        kind: String,
    },
    /// A `--group` that no rule is in.
    #[error(
        "--group {group}: no rule is in this group (rollpin's built-in rules cover {builtin}; yours come with --rules)"
    )]
    GroupWithoutRules {
        /// The group.
        group: String,
        /// The groups of rollpin's built-in rules.
        builtin: String,
    },
    /// A rule without default falls through to a check only Argo CD's Go code has.
    #[error(
        "{origin} ({group}/{kind}) has no default and falls through to Argo CD's own {group}/{kind} check ({source_name}), which an argocd-cm script replaces and cannot reproduce; give the rule a default"
    )]
    FallsThroughToArgoCd {
        /// The rule's origin.
        origin: String,
        /// Group.
        group: String,
        /// Kind.
        kind: String,
        /// Where Argo CD's check comes from.
        source_name: &'static str,
    },
}

/// One health customization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customization {
    /// API group or glob (`""` is the core group).
    pub group: String,
    /// Kind or glob.
    pub kind: String,
    /// Whether it is an exact key (else an entry of `resource.customizations`).
    pub exact: bool,
    /// The script.
    pub script: Script,
}

impl Customization {
    /// The split key's `<group>_<kind>` suffix (exact keys only).
    pub fn split_suffix(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}_{}", self.group, self.kind)
        }
    }

    /// The `group/Kind` key Argo CD matches (`Kind` for the core group).
    pub fn override_key(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}/{}", self.group, self.kind)
        }
    }
}

/// Reads the configured rules files and plans the customizations.
pub fn run(config: &CmConfig) -> Result<String, CmError> {
    let mut user = RuleSet::default();
    for path in &config.rules {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CmError::Read {
            file: file.clone(),
            source,
        })?;
        user.extend(RuleSet::from_yaml(&text, &file)?);
    }
    let plan = plan(&user, &config.generic_groups, &config.groups)?;
    Ok(configmap_yaml(&plan))
}

/// Who owns `group` when a glob must not cover it.
fn owner(group: &str) -> Option<&'static str> {
    if KUBERNETES_GROUPS.contains(&group) {
        return Some("is a Kubernetes API group");
    }
    ARGOCD_GROUPS
        .iter()
        .any(|g| glob(&g.replace('_', "*"), group) || *g == group)
        .then_some("Argo CD ships health checks for")
}

/// The first protected group a group pattern matches.
fn covered_group(pattern: &str) -> Option<(String, &'static str)> {
    let samples = KUBERNETES_GROUPS
        .iter()
        .map(|g| g.to_string())
        .chain(ARGOCD_GROUPS.iter().map(|g| g.replace('_', "x")));
    for g in samples {
        if glob(pattern, &g) {
            return owner(&g).map(|o| (g, o));
        }
    }
    owner(pattern).map(|o| (pattern.to_string(), o))
}

/// The chain of tiers after the user's rule for an exact group and kind, as
/// [`crate::health::Assessor::assess_object`] orders them.
fn builtin_tiers(
    group: &str,
    kind: &str,
    after: Option<&Rule>,
) -> Result<Vec<Tier<'static>>, CmError> {
    let mut tiers = Vec::new();
    if let Some(r) = builtin::find(group, kind) {
        match (r.group, r.kind) {
            (crate::release::GROUP, "RollbackRequest") => tiers.push(Tier::RollbackRequest),
            (crate::release::GROUP, "RollbackManifest") => tiers.push(Tier::RollbackManifest),
            (crate::release::GROUP, "RollbackPolicy") => tiers.push(Tier::RollbackPolicy),
            _ => {
                return Err(match after {
                    Some(rule) => CmError::FallsThroughToArgoCd {
                        origin: rule.origin.clone(),
                        group: group.to_string(),
                        kind: kind.to_string(),
                        source_name: r.source,
                    },
                    // Nothing to add: Argo CD's own check applies.
                    None => return Ok(Vec::new()),
                });
            }
        }
        return Ok(tiers);
    }
    if let Some(r) = rules::builtin().find(group, kind) {
        tiers.push(Tier::Rule(r));
    }
    let is_application = group == "argoproj.io" && kind == "Application";
    if !KUBERNETES_GROUPS.contains(&group) && !is_application {
        tiers.push(Tier::Generic);
    }
    Ok(tiers)
}

/// The chain of a glob rule's script: the rule itself, or the run-time choice among all
/// glob rules when there are several (Argo CD picks any matching wildcard entry), then
/// the generic conditions.
fn glob_tiers<'a>(own: &'a Rule, globs: &[&'a Rule]) -> Vec<Tier<'a>> {
    match globs {
        [only] if std::ptr::eq(own, *only) => vec![Tier::Rule(own), Tier::Generic],
        all => vec![Tier::Globs(all.to_vec()), Tier::Generic],
    }
}

/// Plans the customizations for the user's rules (possibly empty), the groups named to
/// emit rules for (`--group`; rollpin's own kinds always), and generic groups.
pub fn plan(
    user: &RuleSet,
    generic_groups: &[String],
    groups: &[String],
) -> Result<Vec<Customization>, CmError> {
    let named = |g: &str| g == crate::release::GROUP || groups.iter().any(|n| n == g);
    for g in groups {
        let in_rules = |r: &Rule| r.group == *g;
        if !user.rules.iter().any(in_rules) && !rules::builtin().rules.iter().any(in_rules) {
            let mut builtin: Vec<&str> = rules::builtin()
                .rules
                .iter()
                .map(|r| r.group.as_str())
                .collect();
            builtin.dedup();
            return Err(CmError::GroupWithoutRules {
                group: g.clone(),
                builtin: builtin.join(", "),
            });
        }
    }
    if let Some(r) = user.rules.iter().find(|r| !named(&r.group)) {
        return Err(CmError::GroupNotNamed {
            origin: r.origin.clone(),
            group: r.group.clone(),
            kind: r.kind.clone(),
        });
    }
    let mut exact: Vec<(String, String)> = Vec::new();
    let mut push_exact = |g: &str, k: &str| {
        if !exact.iter().any(|(eg, ek)| eg == g && ek == k) {
            exact.push((g.to_string(), k.to_string()));
        }
    };
    for r in user.rules.iter().filter(|r| r.is_exact()) {
        push_exact(&r.group, &r.kind);
    }
    for r in rules::builtin().rules.iter().filter(|r| named(&r.group)) {
        push_exact(&r.group, &r.kind);
    }
    for kind in ["RollbackManifest", "RollbackRequest", "RollbackPolicy"] {
        push_exact(crate::release::GROUP, kind);
    }
    let mut out = Vec::new();
    for (group, kind) in &exact {
        let user_rule = user.find(group, kind);
        let mut tiers: Vec<Tier<'_>> = user_rule.map(Tier::Rule).into_iter().collect();
        if user_rule.is_none_or(|r| r.default.is_none()) {
            tiers.extend(builtin_tiers(group, kind, user_rule)?);
        }
        if tiers.is_empty() {
            continue;
        }
        let title = format!("{group}/{kind}");
        out.push(Customization {
            group: group.clone(),
            kind: kind.clone(),
            exact: true,
            script: lua::script(&title, &tiers),
        });
    }
    let globs: Vec<&Rule> = user.rules.iter().filter(|r| !r.is_exact()).collect();
    for r in &globs {
        if let Some((group, owner)) = covered_group(&r.group) {
            return Err(CmError::GlobTooWide {
                what: format!("{} ({}/{})", r.origin, r.group, r.kind),
                group,
                owner,
            });
        }
    }
    for r in &globs {
        let title = format!("{}/{}", r.group, r.kind);
        out.push(Customization {
            group: r.group.clone(),
            kind: r.kind.clone(),
            exact: false,
            script: lua::script(&title, &glob_tiers(r, &globs)),
        });
    }
    for g in generic_groups {
        if let Some((group, owner)) = covered_group(g) {
            return Err(CmError::GlobTooWide {
                what: format!("--generic-group {g}"),
                group,
                owner,
            });
        }
        if out
            .iter()
            .any(|c| !c.exact && c.group == *g && c.kind == "*")
        {
            continue;
        }
        let relevant: Vec<&Rule> = globs
            .iter()
            .copied()
            .filter(|r| glob(&r.group, g))
            .collect();
        let tiers = if relevant.is_empty() {
            vec![Tier::Generic]
        } else {
            vec![Tier::Globs(relevant), Tier::Generic]
        };
        out.push(Customization {
            group: g.clone(),
            kind: "*".to_string(),
            exact: false,
            script: lua::script(&format!("{g}/* (generic conditions)"), &tiers),
        });
    }
    Ok(out)
}

/// The ConfigMap patch (YAML) holding the customizations.
pub fn configmap_yaml(plan: &[Customization]) -> String {
    let mut data = Map::new();
    let mut combined = Map::new();
    for c in plan {
        if c.exact {
            let suffix = c.split_suffix();
            data.insert(
                format!("resource.customizations.health.{suffix}"),
                Value::String(c.script.lua.clone()),
            );
            if c.script.open_libs {
                data.insert(
                    format!("resource.customizations.useOpenLibs.{suffix}"),
                    Value::String("true".to_string()),
                );
            }
        } else {
            let mut entry = Map::new();
            entry.insert("health.lua".into(), Value::String(c.script.lua.clone()));
            if c.script.open_libs {
                entry.insert("health.lua.useOpenLibs".into(), Value::Bool(true));
            }
            combined.insert(c.override_key(), Value::Object(entry));
        }
    }
    if !combined.is_empty() {
        let mut text = String::new();
        crate::yaml::write_document(&Value::Object(combined), &mut text);
        data.insert("resource.customizations".into(), Value::String(text));
    }
    let cm = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "argocd-cm",
            "labels": {
                "app.kubernetes.io/name": "argocd-cm",
                "app.kubernetes.io/part-of": "argocd",
            },
        },
        "data": data,
    });
    let mut out = String::from(
        "# Generated by `rollpin argocd-cm` (rollpin's health rules as Argo CD Lua); do not edit.\n",
    );
    crate::yaml::write_document(&cm, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_plan_has_exact_keys_only() {
        let plan = plan(&RuleSet::default(), &[], &[]).unwrap_or_default();
        assert!(plan.iter().all(|c| c.exact));
        let keys: Vec<String> = plan.iter().map(Customization::split_suffix).collect();
        assert_eq!(
            keys,
            [
                "rollpin.dev_RollbackManifest",
                "rollpin.dev_RollbackRequest",
                "rollpin.dev_RollbackPolicy"
            ]
        );
        assert!(!configmap_yaml(&plan).contains("resource.customizations:"));
    }

    #[test]
    fn other_groups_only_when_named() {
        let cert = plan(&RuleSet::default(), &[], &["cert-manager.io".into()]).unwrap_or_default();
        let keys: Vec<String> = cert.iter().map(Customization::split_suffix).collect();
        assert!(keys.contains(&"cert-manager.io_Certificate".to_string()));
        assert!(!keys.iter().any(|k| k.starts_with("external-secrets.io")));
        let user = RuleSet::from_yaml(
            "rules:\n- group: example.com\n  kind: Widget\n  default: {status: Healthy}\n",
            "r.yaml",
        )
        .unwrap_or_default();
        let e = plan(&user, &[], &[]).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some(
                "r.yaml: rules[0] (example.com/Widget) is in the group \"example.com\", which no --group names; add `--group example.com` to emit it (its key replaces Argo CD's own check for that kind)"
            )
        );
        let ok = plan(&user, &[], &["example.com".into()]).unwrap_or_default();
        assert!(ok.iter().any(|c| c.split_suffix() == "example.com_Widget"));
        let e = plan(&RuleSet::default(), &[], &["nothing.io".into()]).err();
        assert!(e.is_some_and(|e| e.to_string().starts_with("--group nothing.io: no rule")));
    }

    #[test]
    fn refuses_wildcards_over_owned_groups() {
        for g in [
            "apps",
            "",
            "cert-manager.io",
            "s3.aws.crossplane.io",
            "argoproj.io",
        ] {
            assert!(
                matches!(
                    plan(&RuleSet::default(), &[g.to_string()], &[]),
                    Err(CmError::GlobTooWide { .. })
                ),
                "{g}"
            );
        }
        let ok = plan(&RuleSet::default(), &["example.com".to_string()], &[]).unwrap_or_default();
        assert!(
            ok.iter()
                .any(|c| !c.exact && c.override_key() == "example.com/*")
        );
    }

    #[test]
    fn refuses_fall_through_to_go_checks() {
        let user = RuleSet::from_yaml(
            "rules:\n- group: apps\n  kind: Deployment\n  checks:\n  - when: {path: .spec.paused, equals: true}\n    status: Suspended\n",
            "r.yaml",
        )
        .unwrap_or_default();
        assert!(matches!(
            plan(&user, &[], &["apps".to_string()]),
            Err(CmError::FallsThroughToArgoCd { .. })
        ));
    }
}
