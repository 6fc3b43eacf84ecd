//! What the controller observed for one RollbackRequest: the request, its Application,
//! the app's records and other requests, and the live workloads, their revision history,
//! Pods and configs. Live Kubernetes objects stay JSON (`kubectl get -o json` shape), as
//! everywhere else in rollpin; rollpin's own resources are typed.

use serde_json::Value;

use super::str_at;
use crate::release::{RollbackManifest, RollbackRequest};

/// One observation, the planner's only input besides "now" and the configuration.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The request being reconciled.
    pub request: RollbackRequest,
    /// Its Application (None: not found).
    pub app: Option<Value>,
    /// The app's RollbackManifests in the request's namespace.
    pub records: Vec<RollbackManifest>,
    /// Every RollbackRequest in the request's namespace (the request itself included).
    pub requests: Vec<RollbackRequest>,
    /// Live Deployments, StatefulSets and DaemonSets named by the target record.
    pub workloads: Vec<Value>,
    /// Their ReplicaSets and ControllerRevisions.
    pub history: Vec<Value>,
    /// Their Pods (only observed while verifying).
    pub pods: Vec<Value>,
    /// Live ConfigMaps and Secrets the target record pins.
    pub configs: Vec<Value>,
}

impl Snapshot {
    /// The live object of that kind, namespace and name.
    pub fn workload(&self, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        find(&self.workloads, kind, namespace, name)
    }

    /// The live config of that kind, namespace and name.
    pub fn config(&self, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        find(&self.configs, kind, namespace, name)
    }

    /// The record of that name.
    pub fn record(&self, name: &str) -> Option<&RollbackManifest> {
        self.records
            .iter()
            .find(|r| r.metadata.name.as_deref() == Some(name))
    }

    /// The Application's destination namespace.
    pub fn destination_namespace(&self) -> &str {
        self.app
            .as_ref()
            .map(|a| str_at(a, "/spec/destination/namespace"))
            .unwrap_or("")
    }
}

fn find<'a>(objects: &'a [Value], kind: &str, namespace: &str, name: &str) -> Option<&'a Value> {
    objects.iter().find(|o| {
        str_at(o, "/kind") == kind
            && str_at(o, "/metadata/name") == name
            && str_at(o, "/metadata/namespace") == namespace
    })
}
