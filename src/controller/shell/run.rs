//! `rollpin controller`'s main loop: a kube client from the kubeconfig or the in-cluster
//! service account, leader election on a Lease (kube-lease-manager) so that only one of
//! several replicas acts, a liveness/readiness endpoint, and three kube-runtime
//! Controllers: one over every RollbackRequest, one over Argo CD's Applications (verifying
//! each synced release), one over every RollbackPolicy (SLO analysis).

use std::io::{Read, Write as _};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::{Controller, watcher};
use kube::{Api, Client};
use serde_json::json;

use super::context::{Context, LogFormat};
use super::reconcile::{error_policy, reconcile};
use super::{policies, releases};
use crate::controller::Config;
use crate::release::{RollbackPhase, RollbackRequest};

/// How the controller runs.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// What it may do.
    pub cfg: Config,
    /// Log format.
    pub format: LogFormat,
    /// Lease namespace and name, when electing a leader.
    pub lease: Option<(String, String)>,
    /// This replica's identity (the Pod name).
    pub identity: String,
    /// Where to answer `/healthz` and `/readyz` (None: nowhere).
    pub health_addr: Option<String>,
}

/// Why the controller stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// No kubeconfig or service account.
    #[error("cannot reach the Kubernetes API: {0}")]
    Client(#[source] kube::Error),
    /// The Lease could not be used.
    #[error("leader election on Lease {namespace}/{name}: {message}")]
    Lease {
        /// Lease namespace.
        namespace: String,
        /// Lease name.
        name: String,
        /// What failed.
        message: String,
    },
    /// Another replica took the Lease: exit so that Kubernetes restarts this one as a
    /// follower (no two replicas ever act at once).
    #[error("lost leadership of Lease {0}; exiting")]
    LostLeadership(String),
    /// A `--prometheus-allow` entry is not an http:// URL.
    #[error("--prometheus-allow: {0}")]
    Allow(String),
    /// The health endpoint could not listen.
    #[error("health endpoint {addr}: {source}")]
    Health {
        /// The address.
        addr: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Answers every HTTP request with 200 while `ready` is set (503 before), on a thread.
fn serve_health(addr: &str, ready: Arc<AtomicBool>) -> Result<(), RunError> {
    let listener = TcpListener::bind(addr).map_err(|source| RunError::Health {
        addr: addr.into(),
        source,
    })?;
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let n = stream.read(&mut buf).unwrap_or(0);
            let path_is_live = buf[..n].starts_with(b"GET /healthz");
            let ok = path_is_live || ready.load(Ordering::Relaxed);
            let (status, body) = if ok {
                ("200 OK", "ok\n")
            } else {
                ("503 Service Unavailable", "not leader yet\n")
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Ok(())
}

/// Runs the controller until a signal (or lost leadership).
pub async fn run(rc: RunConfig) -> Result<(), RunError> {
    crate::slo::allow::AllowList::from_urls(&rc.cfg.prometheus_allow)
        .map_err(|e| RunError::Allow(e.to_string()))?;
    let ready = Arc::new(AtomicBool::new(false));
    if let Some(addr) = &rc.health_addr {
        serve_health(addr, ready.clone())?;
    }
    let client = Client::try_default().await.map_err(RunError::Client)?;
    let ctx = Arc::new(Context::new(
        client.clone(),
        rc.cfg.clone(),
        rc.format,
        rc.identity.clone(),
    ));
    let mut leadership = None;
    if let Some((namespace, name)) = &rc.lease {
        let lease_err = |e: kube_lease_manager::LeaseManagerError| RunError::Lease {
            namespace: namespace.clone(),
            name: name.clone(),
            message: e.to_string(),
        };
        let manager = kube_lease_manager::LeaseManagerBuilder::new(client.clone(), name)
            .with_namespace(namespace)
            .with_identity(&rc.identity)
            .with_duration(15)
            .with_grace(5)
            .build()
            .await
            .map_err(lease_err)?;
        let (mut rx, task) = manager.watch().await;
        ctx.log(&json!({"level": "info", "msg": "waiting for leadership", "lease": format!("{namespace}/{name}"), "identity": rc.identity}));
        while !*rx.borrow_and_update() {
            if rx.changed().await.is_err() {
                return Err(RunError::LostLeadership(format!("{namespace}/{name}")));
            }
        }
        ctx.log(&json!({"level": "info", "msg": "leading", "lease": format!("{namespace}/{name}"), "identity": rc.identity}));
        leadership = Some((rx, task, format!("{namespace}/{name}")));
    }
    ready.store(true, Ordering::Relaxed);
    // Every release Argo CD syncs: the Applications in Argo CD's namespace.
    let gvk = kube::api::GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Application");
    let app_resource = kube::api::ApiResource::from_gvk_with_plural(&gvk, "applications");
    let apps = || -> Api<kube::api::DynamicObject> {
        Api::namespaced_with(client.clone(), &rc.cfg.argocd_namespace, &app_resource)
    };
    let requests: Api<RollbackRequest> = Api::all(client.clone());
    let rollbacks = Controller::new(requests, watcher::Config::default());
    // A change of an Application (its operation finished, its sync policy changed)
    // reconciles the unfinished requests for it at once, instead of at the next poll.
    let store = rollbacks.store();
    let rollbacks = rollbacks
        .watches_with(
            apps(),
            app_resource.clone(),
            watcher::Config::default(),
            move |app| {
                let name = app.metadata.name.clone().unwrap_or_default();
                store
                    .state()
                    .into_iter()
                    .filter(|r| r.spec.app == name)
                    .filter(|r| {
                        !matches!(
                            r.status.as_ref().and_then(|s| s.phase),
                            Some(RollbackPhase::Succeeded | RollbackPhase::Failed)
                        ) || r.spec.resume
                    })
                    .map(|r| ObjectRef::from_obj(r.as_ref()))
                    .collect::<Vec<_>>()
            },
        )
        .shutdown_on_signal()
        .run(reconcile, error_policy, ctx.clone())
        .for_each(|_| async {});
    let verifier = Controller::new_with(apps(), watcher::Config::default(), app_resource.clone())
        .shutdown_on_signal()
        .run(releases::reconcile_app, releases::error_policy, ctx.clone())
        .for_each(|_| async {});
    // RollbackPolicies: SLO analysis after each sync.
    let policy_api: Api<crate::slo::RollbackPolicy> = Api::all(client.clone());
    let analyses = Controller::new(policy_api, watcher::Config::default())
        .shutdown_on_signal()
        .run(
            policies::reconcile_policy,
            policies::error_policy,
            ctx.clone(),
        )
        .for_each(|_| async {});
    let controller = futures::future::join3(rollbacks, verifier, analyses);
    match leadership {
        None => {
            controller.await;
            Ok(())
        }
        Some((mut rx, _task, lease)) => {
            let lost = async move {
                loop {
                    if rx.changed().await.is_err() || !*rx.borrow() {
                        return;
                    }
                }
            };
            tokio::select! {
                _ = controller => Ok(()),
                _ = lost => Err(RunError::LostLeadership(lease)),
            }
        }
    }
}
