//! Command-line definitions of the commands that talk to a cluster (feature
//! `controller`): `rollpin controller`, `rollback`, `history`, `resume`, and how they
//! reach the cluster.

use clap::ValueEnum;

/// Arguments of `rollpin controller`.
#[derive(Debug, clap::Args)]
pub struct ControllerArgs {
    /// The namespace of Argo CD's Applications.
    #[arg(long, default_value = "argocd", value_name = "NS")]
    pub argocd_namespace: String,
    /// A namespace, besides each Application's destination namespace, from which
    /// RollbackRequests for it are accepted; repeatable.
    #[arg(long = "request-namespace", value_name = "NS")]
    pub request_namespaces: Vec<String>,
    /// The deadline of a request that sets none, after its creation (30s, 10m, 1h).
    #[arg(long, default_value = "10m", value_parser = crate::controller::config::parse_duration)]
    pub default_deadline: std::time::Duration,
    /// A Prometheus address RollbackPolicies may query (http://host:port[/path]);
    /// repeatable. A policy naming any other address is refused and nothing is sent.
    #[arg(long = "prometheus-allow", value_name = "URL")]
    pub prometheus_allow: Vec<String>,
    /// How many release records of an app to keep; older ones are deleted, never one
    /// Argo CD's status.history still lists.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub keep_records: usize,
    /// How long after a sync a release may take to settle before its record is marked
    /// Verified=False with the drift (30s, 10m, 1h).
    #[arg(long, default_value = "10m", value_parser = crate::controller::config::parse_duration)]
    pub verify_timeout: std::time::Duration,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormatArg::Json)]
    pub log_format: LogFormatArg,
    /// Elect a leader on a Lease so that only one replica acts (off: this must be the
    /// only replica).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub leader_election: bool,
    /// The Lease's namespace (default: $POD_NAMESPACE, else `argocd`).
    #[arg(long, value_name = "NS")]
    pub lease_namespace: Option<String>,
    /// The Lease's name.
    #[arg(long, default_value = "rollpin-controller", value_name = "NAME")]
    pub lease_name: String,
    /// Where to answer /healthz and /readyz (empty: nowhere).
    #[arg(long, default_value = "0.0.0.0:8080", value_name = "ADDR")]
    pub health_addr: String,
}

/// Log formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormatArg {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Text,
}

impl ControllerArgs {
    /// Validates the flags into the controller's run configuration.
    pub fn config(&self) -> crate::controller::shell::run::RunConfig {
        use crate::controller::shell::context::LogFormat;
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let identity = env("POD_NAME")
            .or_else(|| env("HOSTNAME"))
            .unwrap_or_else(|| format!("rollpin-{}", std::process::id()));
        let lease_namespace = self
            .lease_namespace
            .clone()
            .or_else(|| env("POD_NAMESPACE"))
            .unwrap_or_else(|| "argocd".into());
        crate::controller::shell::run::RunConfig {
            cfg: crate::controller::Config {
                argocd_namespace: self.argocd_namespace.clone(),
                extra_request_namespaces: self.request_namespaces.clone(),
                default_deadline: self.default_deadline,
                keep_records: self.keep_records,
                prometheus_allow: self.prometheus_allow.clone(),
                verify_timeout: self.verify_timeout,
                ..Default::default()
            },
            format: match self.log_format {
                LogFormatArg::Json => LogFormat::Json,
                LogFormatArg::Text => LogFormat::Text,
            },
            lease: self
                .leader_election
                .then(|| (lease_namespace, self.lease_name.clone())),
            identity,
            health_addr: (!self.health_addr.is_empty()).then(|| self.health_addr.clone()),
        }
    }
}

/// How the cluster commands reach the cluster, as kubectl does.
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterArgs {
    /// The kubeconfig context (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// The namespace of RollbackRequests (default: the Application's destination
    /// namespace, else the context's namespace, else `default`).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// The namespace of Argo CD's Applications.
    #[arg(long, default_value = "argocd", value_name = "NS")]
    pub argocd_namespace: String,
}

impl ClusterArgs {
    /// The connection target.
    pub fn target(&self) -> crate::controller::cli::session::Target {
        crate::controller::cli::session::Target {
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            argocd_namespace: self.argocd_namespace.clone(),
        }
    }
}

/// `--strategy` values of `rollpin rollback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Each recorded workload gets its pod template back from its revision history.
    #[value(name = "Workloads")]
    Workloads,
    /// Argo CD re-renders and syncs the recorded revision, guarded by the record's
    /// render digest (the default).
    #[value(name = "ArgoCD")]
    ArgoCd,
}

/// `--on-failure` values of `rollpin rollback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnFailureArg {
    /// Leave the workloads as they are.
    #[value(name = "Stop")]
    Stop,
    /// Switch back to what ran before the rollback.
    #[value(name = "Revert")]
    Revert,
}

/// `--output` values of `rollpin rollback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RollbackOutput {
    /// The live view and a summary line.
    Text,
    /// The request's final status as JSON (the live view goes to stderr).
    Json,
}

/// Arguments of `rollpin rollback`.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// The Argo CD Application.
    pub app: String,
    /// The release to return to: a release record's name, a revision (7 or more hex
    /// characters), or `previous` (the newest verified release older than the live one).
    #[arg(
        long,
        value_name = "RECORD|REVISION|previous",
        default_value = "previous"
    )]
    pub to: String,
    /// How the release is restored.
    #[arg(long, value_enum, default_value_t = StrategyArg::ArgoCd, ignore_case = true)]
    pub strategy: StrategyArg,
    /// How long the rollback may take from now (30s, 10m, 1h); default: the controller's.
    #[arg(long, value_name = "DURATION", value_parser = crate::controller::config::parse_duration)]
    pub deadline: Option<std::time::Duration>,
    /// What a rollback that fails after the switch does (default: Stop).
    #[arg(long, value_enum, ignore_case = true)]
    pub on_failure: Option<OnFailureArg>,
    /// Follow the rollback to its end (default when stdout is a terminal).
    #[arg(long, overrides_with = "no_wait")]
    pub wait: bool,
    /// Create the request and return.
    #[arg(long, overrides_with = "wait")]
    pub no_wait: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = RollbackOutput::Text)]
    pub output: RollbackOutput,
    /// How to reach the cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

impl RollbackArgs {
    /// Validates the flags; `--wait` defaults to whether stdout is a terminal.
    pub fn options(
        &self,
        stdout_is_terminal: bool,
    ) -> crate::controller::cli::rollback::RollbackOptions {
        use crate::release::{OnFailure, RollbackStrategy};
        crate::controller::cli::rollback::RollbackOptions {
            app: self.app.clone(),
            to: self.to.clone(),
            strategy: match self.strategy {
                StrategyArg::Workloads => RollbackStrategy::Workloads,
                StrategyArg::ArgoCd => RollbackStrategy::ArgoCd,
            },
            deadline: self.deadline,
            on_failure: self.on_failure.map(|o| match o {
                OnFailureArg::Stop => OnFailure::Stop,
                OnFailureArg::Revert => OnFailure::Revert,
            }),
            wait: if self.wait {
                true
            } else if self.no_wait {
                false
            } else {
                stdout_is_terminal
            },
            format: match self.output {
                RollbackOutput::Text => crate::controller::cli::Format::Text,
                RollbackOutput::Json => crate::controller::cli::Format::Json,
            },
        }
    }
}

/// `--output` values of `rollpin history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryOutput {
    /// An aligned table.
    Text,
    /// A JSON list, one object per record.
    Json,
    /// The same list as YAML.
    Yaml,
}

/// Arguments of `rollpin history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The Argo CD Application.
    pub app: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = HistoryOutput::Text)]
    pub output: HistoryOutput,
    /// How to reach the cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

impl HistoryArgs {
    /// The output format.
    pub fn format(&self) -> crate::controller::cli::Format {
        use crate::controller::cli::Format;
        match self.output {
            HistoryOutput::Text => Format::Text,
            HistoryOutput::Json => Format::Json,
            HistoryOutput::Yaml => Format::Yaml,
        }
    }
}

/// Arguments of `rollpin resume`.
#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// The Argo CD Application.
    pub app: String,
    /// How long to wait for the controller to restore the policy (30s, 2m).
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = crate::controller::config::parse_duration)]
    pub timeout: std::time::Duration,
    /// How to reach the cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}
