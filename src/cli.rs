//! Command-line definitions (clap) and their validation into typed options.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::kustomize::order::Order;
use crate::kustomize::{Options, loader::Limits};

/// rollpin: exact, visible rollbacks for Argo CD.
#[derive(Debug, Parser)]
#[command(name = "rollpin", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a kustomization directory and print the manifests (Argo CD CMP generate).
    Render(RenderArgs),
    /// Print the plugin's parameter announcement for the Argo CD UI (CMP dynamic parameters).
    Parameters(ParametersArgs),
    /// Assess live objects' health as Argo CD does and roll it up into the app's health.
    Health(HealthArgs),
    /// Print argocd-cm's health customizations (rollpin's rules as Argo CD Lua) as a
    /// ConfigMap patch.
    #[command(name = "argocd-cm")]
    ArgocdCm(ArgocdCmArgs),
}

/// Arguments of `rollpin argocd-cm`.
#[derive(Debug, clap::Args)]
pub struct ArgocdCmArgs {
    /// A health rules file (YAML); repeatable, earlier files win. See the README.
    #[arg(long, value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// An API group whose custom resources get the generic conditions (a
    /// `<group>/*` wildcard); repeatable. Kubernetes' groups and groups Argo CD already
    /// checks are refused.
    #[arg(long = "generic-group", value_name = "GROUP")]
    pub generic_groups: Vec<String>,
}

impl ArgocdCmArgs {
    /// Validates the flags.
    pub fn config(&self) -> crate::argocd::cm::CmConfig {
        crate::argocd::cm::CmConfig {
            rules: self.rules.clone(),
            generic_groups: self.generic_groups.clone(),
        }
    }
}

/// `--output` values of `rollpin health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HealthOutput {
    /// A table (KIND, NAMESPACE, NAME, STATUS, MESSAGE) and the roll-up.
    Table,
    /// JSON: the roll-up and one entry per object.
    Json,
}

/// `--fail-on` values of `rollpin health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail when the app is Degraded or Unknown.
    Degraded,
    /// Fail when the app is Progressing, Missing, Degraded or Unknown.
    Progressing,
}

/// Arguments of `rollpin health`.
#[derive(Debug, clap::Args)]
pub struct HealthArgs {
    /// YAML or JSON files of objects as `kubectl get -o yaml|json` prints them (`kind: List`
    /// included); `-` or none: standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = HealthOutput::Table)]
    pub output: HealthOutput,
    /// Exit with code 3 when the app's health is this bad or worse.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// A health rules file (YAML); repeatable, earlier files win. See the README.
    #[arg(long, value_name = "FILE")]
    pub rules: Vec<PathBuf>,
}

impl HealthArgs {
    /// Validates the flags.
    pub fn config(&self) -> crate::health::command::HealthConfig {
        use crate::health::command::{Format, InputSource};
        use crate::health::status::HealthStatusCode;
        crate::health::command::HealthConfig {
            inputs: self
                .files
                .iter()
                .map(|f| {
                    if f.as_os_str() == "-" {
                        InputSource::Stdin
                    } else {
                        InputSource::File(f.clone())
                    }
                })
                .collect(),
            format: match self.output {
                HealthOutput::Table => Format::Table,
                HealthOutput::Json => Format::Json,
            },
            fail_on: self.fail_on.map(|f| match f {
                FailOn::Degraded => HealthStatusCode::Degraded,
                FailOn::Progressing => HealthStatusCode::Progressing,
            }),
            rules: self.rules.clone(),
        }
    }
}

/// Arguments of `rollpin parameters`.
#[derive(Debug, clap::Args)]
pub struct ParametersArgs {
    /// The application directory (default: the current directory, as Argo CD runs it).
    pub dir: Option<PathBuf>,
}

/// `--reorder` values, as `kubectl kustomize` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Reorder {
    /// kustomize's legacy kind order (the default).
    Legacy,
    /// Keep the order resources were read in.
    None,
}

/// Arguments of `rollpin render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The directory holding kustomization.yaml (default: the current directory, as Argo CD runs it).
    pub dir: Option<PathBuf>,
    /// Output order: legacy (kustomize's kind order) or none (input order). `sortOptions` in
    /// the kustomization wins.
    #[arg(long, value_enum)]
    pub reorder: Option<Reorder>,
    /// Write the manifests to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Repository root: no directory outside it is read. Default: the Argo CD checkout
    /// (working directory minus ARGOCD_APP_SOURCE_PATH), else the nearest enclosing `.git`.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Largest file rollpin reads, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT.max_file_bytes,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_file_bytes: u64,
    /// Most bytes the whole build may read (all distinct files together).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT.max_total_bytes,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_total_bytes: u64,
    /// Most YAML documents in one resource file.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_documents_per_file as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_documents_per_file: u64,
    /// Most YAML documents read from resource files in the whole build.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_documents as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_documents: u64,
    /// Most resources the build may hold (generated ones included).
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_resources as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_resources: u64,
    /// Deepest nesting of YAML collections (aliases included); at most 1000.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_depth as u64,
          value_parser = clap::value_parser!(u64).range(1..=Limits::MAX_DEPTH_CEILING as u64))]
    pub max_depth: u64,
    /// Most YAML nodes the build's resource files may produce together, each alias
    /// expansion counted (stops "billion laughs"); bounds any other single file too.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_yaml_nodes as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_yaml_nodes: u64,
    /// Most kustomizations and components the build may visit (each visit counted).
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_kustomizations as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_kustomizations: u64,
}

/// Validated render configuration.
#[derive(Debug)]
pub struct RenderConfig {
    /// Directory to build.
    pub dir: PathBuf,
    /// Where to write (None: stdout).
    pub output: Option<PathBuf>,
    /// Build options.
    pub options: Options,
}

/// The repository root when neither `--root` nor Argo CD's environment gives one: the
/// nearest ancestor of `dir` holding `.git`.
fn enclosing_git_root(dir: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(dir).ok()?;
    abs.ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
}

/// In Argo CD's sidecar the working directory is `<checkout>/<ARGOCD_APP_SOURCE_PATH>`.
fn argocd_checkout_root(source_path: Option<&str>) -> Option<PathBuf> {
    let sp = source_path?.trim_matches('/');
    let cwd = std::env::current_dir().ok()?;
    if sp.is_empty() || sp == "." {
        return Some(cwd);
    }
    let depth = Path::new(sp).components().count();
    let mut root = cwd.clone();
    for _ in 0..depth {
        root = root.parent()?.to_path_buf();
    }
    cwd.ends_with(sp).then_some(root)
}

impl RenderArgs {
    /// The `--max-…` flags as build limits (clap has already refused 0 and a depth above
    /// [`Limits::MAX_DEPTH_CEILING`]; counts beyond the platform's `usize` saturate).
    pub fn limits(&self) -> Limits {
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Limits {
            max_file_bytes: self.max_file_bytes,
            max_total_bytes: self.max_total_bytes,
            max_documents_per_file: count(self.max_documents_per_file),
            max_documents: count(self.max_documents),
            max_resources: count(self.max_resources),
            max_depth: count(self.max_depth).min(Limits::MAX_DEPTH_CEILING),
            max_yaml_nodes: count(self.max_yaml_nodes),
            max_kustomizations: count(self.max_kustomizations),
        }
    }

    /// Validates the flags; Argo CD's `reorder` parameter applies when `--reorder` is not
    /// given.
    pub fn config(
        &self,
        argocd_source_path: Option<&str>,
        reorder_param: Option<Order>,
    ) -> RenderConfig {
        let dir = self.dir.clone().unwrap_or_else(|| PathBuf::from("."));
        let repo_root = self
            .root
            .clone()
            .or_else(|| {
                if self.dir.is_none() {
                    argocd_checkout_root(argocd_source_path)
                } else {
                    None
                }
            })
            .or_else(|| enclosing_git_root(&dir));
        RenderConfig {
            dir,
            output: self.output.clone(),
            options: Options {
                reorder: self
                    .reorder
                    .map(|r| match r {
                        Reorder::Legacy => Order::legacy(),
                        Reorder::None => Order::Fifo,
                    })
                    .or(reorder_param),
                repo_root,
                limits: self.limits(),
            },
        }
    }
}
