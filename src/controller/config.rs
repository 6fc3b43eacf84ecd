//! The controller's configuration, validated once from its flags: where Argo CD's
//! Applications live, which extra namespaces may hold requests, defaults.

use std::time::Duration;

/// What the controller is allowed to do and its defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// The namespace of Argo CD's Applications (`argocd`).
    pub argocd_namespace: String,
    /// Namespaces other than an Application's destination namespace from which requests
    /// for it are accepted (trust rule: empty by default).
    pub extra_request_namespaces: Vec<String>,
    /// The deadline of a request that sets none, counted from its creation.
    pub default_deadline: Duration,
    /// How many records of an app are kept (never one Argo CD's history still lists).
    pub keep_records: usize,
    /// How long a synced release may take to roll out before its record is marked
    /// `Verified: False`.
    pub verify_timeout: Duration,
    /// The name events and logs give the controller.
    pub controller_name: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            argocd_namespace: "argocd".into(),
            extra_request_namespaces: Vec::new(),
            default_deadline: Duration::from_secs(600),
            keep_records: 20,
            verify_timeout: Duration::from_secs(600),
            controller_name: "rollpin-controller".into(),
        }
    }
}
