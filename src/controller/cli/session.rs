//! What every CLI command shares: a kube client built from the kubeconfig as kubectl finds
//! it (`$KUBECONFIG`, else `~/.kube/config`; `--context`, else the current context; the
//! in-cluster service account when there is no kubeconfig), the namespaces, who is asking,
//! the clock and the poll interval.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::config::{Config, KubeConfigOptions, Kubeconfig};
use serde_json::Value;

use super::CliError;
use crate::controller::shell::api::{self, APPLICATION, RECORD};
use crate::controller::str_at;

/// A connection to the cluster and the command's surroundings.
pub struct Session {
    /// The Kubernetes client.
    pub client: Client,
    /// `-n/--namespace`, when given.
    pub namespace: Option<String>,
    /// The kubeconfig context's namespace, else `default`.
    pub context_namespace: String,
    /// The namespace of Argo CD's Applications.
    pub argocd_namespace: String,
    /// Who is asking: the kubeconfig user of the context (else the context's name).
    pub requester: String,
    /// "Now": the wall clock, or a scripted one in tests.
    pub clock: Box<dyn Fn() -> Timestamp + Send + Sync>,
    /// How long to wait between two reads while following (1 s; zero in tests).
    pub poll: Duration,
}

/// How to reach the cluster: the flags every cluster command takes.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `--context`.
    pub context: Option<String>,
    /// `-n/--namespace`.
    pub namespace: Option<String>,
    /// `--argocd-namespace`.
    pub argocd_namespace: String,
}

impl Session {
    /// Connects as kubectl would: the kubeconfig's context (`--context` or the current
    /// one), or the in-cluster service account when no kubeconfig exists.
    pub async fn connect(target: &Target) -> Result<Session, CliError> {
        let (config, requester) = match Kubeconfig::read() {
            Ok(kubeconfig) => {
                let context = target
                    .context
                    .clone()
                    .or_else(|| kubeconfig.current_context.clone())
                    .ok_or_else(|| {
                        CliError::Connect(
                            "the kubeconfig has no current context: pass --context".into(),
                        )
                    })?;
                let user = kubeconfig
                    .contexts
                    .iter()
                    .find(|c| c.name == context)
                    .and_then(|c| c.context.as_ref())
                    .and_then(|c| c.user.clone())
                    .filter(|u| !u.is_empty())
                    .unwrap_or_else(|| context.clone());
                let options = KubeConfigOptions {
                    context: Some(context.clone()),
                    ..Default::default()
                };
                let config = Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .map_err(|e| CliError::Connect(format!("kubeconfig context {context}: {e}")))?;
                (config, user)
            }
            Err(e) if target.context.is_some() => {
                return Err(CliError::Connect(format!(
                    "--context given but no kubeconfig could be read: {e}"
                )));
            }
            Err(_) => (
                Config::incluster().map_err(|e| {
                    CliError::Connect(format!(
                        "no kubeconfig ($KUBECONFIG or ~/.kube/config) and not in a cluster: {e}"
                    ))
                })?,
                "in-cluster service account".to_string(),
            ),
        };
        let context_namespace = config.default_namespace.clone();
        let client = Client::try_from(config).map_err(|e| CliError::Connect(e.to_string()))?;
        Ok(Session {
            client,
            namespace: target.namespace.clone(),
            context_namespace,
            argocd_namespace: target.argocd_namespace.clone(),
            requester,
            clock: Box::new(Timestamp::now),
            poll: Duration::from_secs(1),
        })
    }

    /// "Now".
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// The Application `app`, or an error naming it.
    pub async fn application(&self, app: &str) -> Result<Value, CliError> {
        let ns = &self.argocd_namespace;
        api::get(&self.client, APPLICATION, ns, app)
            .await
            .map_err(|e| CliError::api("reading", APPLICATION, ns, app, e))?
            .ok_or_else(|| CliError::NotFound(format!("Application {ns}/{app}")))
    }

    /// Where the app's release records are: the Application's destination namespace
    /// (else the request namespace).
    pub fn records_namespace(&self, application: &Value) -> String {
        let dest = str_at(application, "/spec/destination/namespace");
        if dest.is_empty() {
            self.request_namespace(Some(application))
        } else {
            dest.to_string()
        }
    }

    /// Where requests go: `-n`, else the Application's destination namespace (the one the
    /// controller accepts requests from), else the kubeconfig context's namespace.
    pub fn request_namespace(&self, application: Option<&Value>) -> String {
        if let Some(ns) = &self.namespace {
            return ns.clone();
        }
        application
            .map(|a| str_at(a, "/spec/destination/namespace"))
            .filter(|ns| !ns.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| self.context_namespace.clone())
    }

    /// The app's release records (label `rollpin.dev/app=APP`) in `namespace`.
    pub async fn records(
        &self,
        namespace: &str,
        app: &str,
    ) -> Result<Vec<crate::release::RollbackManifest>, CliError> {
        let items = api::list(
            &self.client,
            RECORD,
            namespace,
            Some(&format!("rollpin.dev/app={app}")),
        )
        .await
        .map_err(|e| CliError::api("listing", RECORD, namespace, "", e))?;
        items
            .into_iter()
            .map(|item| {
                let name = str_at(&item, "/metadata/name").to_string();
                serde_json::from_value(item).map_err(|e| {
                    CliError::Refused(format!(
                        "RollbackManifest {namespace}/{name} does not read as a release record: {e}"
                    ))
                })
            })
            .collect()
    }
}
