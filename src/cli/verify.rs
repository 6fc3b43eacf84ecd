//! Command-line definitions of `rollpin verify` and their validation into the
//! comparison's configuration.

use std::path::PathBuf;

use clap::ValueEnum;

use super::{LimitArgs, enclosing_git_root};

/// `--output` values of `rollpin verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyOutput {
    /// One line per difference.
    Text,
    /// JSON: the release, whether it verified, and the drift list.
    Json,
    /// A status merge patch (`Verified` condition, drift list) for `kubectl patch
    /// rollbackmanifest NAME --subresource=status --type=merge`.
    Status,
}

/// Arguments of `rollpin verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The app directory to re-render (default: the current directory; skipped when only
    /// --live is given).
    pub dir: Option<PathBuf>,
    /// A file holding the RollbackManifest (`-`: standard input): the render's output,
    /// which also holds the objects so that a changed one is shown field by field, or
    /// `kubectl get rollbackmanifest NAME -o yaml`, which holds only their digests.
    #[arg(long, value_name = "FILE")]
    pub record: PathBuf,
    /// The record's name, when the file holds several.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Live objects (`kubectl get … -o yaml`, a List or a stream; `-`: standard input):
    /// check that the recorded workloads run the recorded images and read the recorded
    /// configs, and that their Pods run the pinned digests (a workload without a Pod in
    /// FILE is "not running").
    #[arg(long, value_name = "FILE")]
    pub live: Option<PathBuf>,
    /// With --live: FILE holds no Pods on purpose (e.g. `argocd app manifests APP --source
    /// live`, which lists only the app's own resources); what runs is not checked, and
    /// the report says so.
    #[arg(long, requires = "live")]
    pub no_pods: bool,
    /// Do not report images the record holds without a digest.
    #[arg(long)]
    pub allow_unpinned: bool,
    /// The commit DIR is checked out at: refuse a record made from another revision
    /// (a prefix of the recorded one, at least 7 hexadecimal digits, is enough).
    #[arg(long, value_name = "SHA", value_parser = crate::release::record::parse_commit)]
    pub revision: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = VerifyOutput::Text)]
    pub output: VerifyOutput,
    /// Repository root, as for `rollpin render`.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Build limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

impl VerifyArgs {
    /// Validates the flags; `now` stamps a new `-o status` condition.
    pub fn config(&self, now: crate::health::Timestamp) -> crate::release::command::VerifyConfig {
        use crate::release::command::ReportFormat;
        use crate::release::verify::Pods;
        let dir = match (&self.dir, &self.live) {
            (Some(d), _) => Some(d.clone()),
            (None, None) => Some(".".into()),
            (None, Some(_)) => None,
        };
        let repo_root = self
            .root
            .clone()
            .or_else(|| enclosing_git_root(dir.as_deref()?));
        crate::release::command::VerifyConfig {
            record: self.record.clone(),
            name: self.name.clone(),
            dir,
            live: self.live.clone(),
            pods: if self.no_pods {
                Pods::Skipped
            } else {
                Pods::Required
            },
            allow_unpinned: self.allow_unpinned,
            revision: self.revision.clone(),
            format: match self.output {
                VerifyOutput::Text => ReportFormat::Text,
                VerifyOutput::Json => ReportFormat::Json,
                VerifyOutput::Status => ReportFormat::Status(now),
            },
            repo_root,
            limits: self.limits.limits(),
        }
    }
}
