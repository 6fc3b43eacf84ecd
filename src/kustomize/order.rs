//! Output order: kustomize's legacy order (kinds ranked, then group/version/kind, then
//! namespace and name) or FIFO (accumulation order), chosen by `sortOptions` or
//! `--reorder`.

use std::cmp::Ordering;

use crate::resource::Resource;

/// kustomize's default `orderFirst` kinds.
pub const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// kustomize's default `orderLast` kinds.
pub const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The order to print resources in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    /// Accumulation order.
    Fifo,
    /// Legacy order with the given first and last kinds.
    Legacy {
        /// Kinds printed first, in this order.
        first: Vec<String>,
        /// Kinds printed last, in this order.
        last: Vec<String>,
    },
}

impl Order {
    /// Legacy order with kustomize's default kind lists.
    pub fn legacy() -> Order {
        Order::Legacy {
            first: ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
            last: ORDER_LAST.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// The values `kubectl kustomize --reorder` (kustomize v5.5) accepts, in its order.
pub const REORDER_VALUES: [&str; 2] = ["legacy", "none"];

/// A `--reorder` value (the command-line flag and the plugin parameter `reorder` share
/// it): `legacy` or `none`, as kustomize v5.5 takes them. `fifo` is `sortOptions.order`'s
/// word, not `--reorder`'s: kustomize refuses it here and so does rollpin, naming the
/// spelling to use.
pub fn parse_reorder(value: &str) -> Result<Order, String> {
    match value {
        "legacy" => Ok(Order::legacy()),
        "none" => Ok(Order::Fifo),
        other => {
            let hint = if other.eq_ignore_ascii_case("fifo") {
                " ('fifo' is the spelling of sortOptions.order in kustomization.yaml; \
                 --reorder calls input order 'none')"
            } else {
                ""
            };
            Err(format!(
                "illegal value '{other}'; legal values: {}{hint}",
                REORDER_VALUES.join(", ")
            ))
        }
    }
}

struct Key {
    rank: i64,
    group: String,
    version: String,
    kind: String,
    rest: String,
}

fn key(r: &Resource, first: &[String], last: &[String]) -> Key {
    let gvk = r.gvk();
    let rank = if let Some(i) = first.iter().position(|k| *k == gvk.kind) {
        i as i64 - first.len() as i64
    } else if let Some(i) = last.iter().position(|k| *k == gvk.kind) {
        1 + i as i64
    } else {
        0
    };
    let ns = r.namespace();
    let name = r.name();
    let rest = format!(
        "{}|{}|{}",
        gvk,
        if ns.is_empty() { "~X" } else { ns },
        if name.is_empty() { "~N" } else { name }
    );
    Key {
        rank,
        group: gvk.group,
        version: gvk.version,
        kind: gvk.kind,
        rest,
    }
}

fn gvk_string(k: &Key) -> String {
    let g = if k.group.is_empty() { "~G" } else { &k.group };
    format!("{g}_{}_{}", k.version, k.kind)
}

fn compare(a: &Key, b: &Key) -> Ordering {
    if a.rank != b.rank {
        return a.rank.cmp(&b.rank);
    }
    if a.group != b.group || a.version != b.version || a.kind != b.kind {
        let (sa, sb) = (gvk_string(a), gvk_string(b));
        if a.kind == "Namespace"
            && b.kind == "Namespace"
            && (a.group.is_empty() || b.group.is_empty())
        {
            return sb.cmp(&sa);
        }
        return sa.cmp(&sb);
    }
    a.rest.cmp(&b.rest)
}

/// Sorts resources in place.
pub fn sort(resources: &mut Vec<Resource>, order: &Order) {
    let Order::Legacy { first, last } = order else {
        return;
    };
    let mut keyed: Vec<(Key, Resource)> = resources
        .drain(..)
        .map(|r| (key(&r, first, last), r))
        .collect();
    keyed.sort_by(|a, b| compare(&a.0, &b.0));
    resources.extend(keyed.into_iter().map(|(_, r)| r));
}
