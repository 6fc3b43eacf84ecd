//! Command-line definitions (clap) and their validation into typed options.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::kustomize::order::Order;
use crate::kustomize::{Options, loader::DEFAULT_MAX_FILE_BYTES};

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
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_BYTES)]
    pub max_file_bytes: u64,
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
                max_file_bytes: self.max_file_bytes,
            },
        }
    }
}
