//! Command-line definitions (clap) and their validation into typed options.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::kustomize::order::Order;
use crate::kustomize::{Options, loader::Limits};
use crate::release::guard::RenderDigest;
use crate::release::pin_images::{self, ImagePins, PinOrigin};

#[cfg(feature = "controller")]
mod cluster;
pub mod help;
mod quantity;
mod verify;
#[cfg(feature = "controller")]
pub use cluster::*;
pub use quantity::parse_bytes;
pub use verify::*;

/// rollpin: exact, visible rollbacks for Argo CD.
#[derive(Debug, Parser)]
#[command(name = "rollpin", version = crate::version::LINE, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a kustomization directory and print the manifests (Argo CD CMP generate).
    #[command(after_help = help::RENDER)]
    Render(Box<RenderArgs>),
    /// Assess live objects' health as Argo CD does and roll it up into the app's health.
    #[command(after_help = help::HEALTH)]
    Health(HealthArgs),
    /// Print argocd-cm's health customizations (rollpin's rules as Argo CD Lua) as a
    /// ConfigMap patch.
    #[command(name = "argocd-cm", after_help = help::ARGOCD_CM)]
    ArgocdCm(ArgocdCmArgs),
    /// Re-render an app (or read live objects) and compare with a release record; exit 3
    /// and list every difference when they differ.
    #[command(after_help = help::VERIFY)]
    Verify(VerifyArgs),
    /// Print the CustomResourceDefinitions of RollbackManifest, RollbackRequest and
    /// RollbackPolicy.
    #[command(after_help = help::CRDS)]
    Crds,
    /// Run the rollback controller: act on RollbackRequests (pre-check, switch,
    /// post-verify) in the cluster of the kubeconfig or service account.
    #[cfg(feature = "controller")]
    #[command(after_help = help::CONTROLLER)]
    Controller(ControllerArgs),
    /// Roll an Argo CD app back to a recorded release (creates a RollbackRequest) and
    /// follow it: exit 0 Succeeded, 3 Failed, 1 error, 2 usage.
    #[cfg(feature = "controller")]
    #[command(after_help = help::ROLLBACK)]
    Rollback(RollbackArgs),
    /// List an app's release records, newest first: revision, when Argo CD synced it,
    /// Verified, live, fully pinned.
    #[cfg(feature = "controller")]
    #[command(after_help = help::HISTORY)]
    History(HistoryArgs),
    /// Restore the automated sync a rollback of APP paused.
    #[cfg(feature = "controller")]
    #[command(after_help = help::RESUME)]
    Resume(ResumeArgs),
    /// SLO-driven rollback (RollbackPolicy).
    #[command(after_help = help::SLO)]
    Slo(SloArgs),
    /// Print rollpin's version, the commit it was built from, and the kustomize and Argo
    /// CD versions it reproduces.
    #[command(after_help = help::VERSION)]
    Version(VersionArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = help::COMPLETION)]
    Completion(CompletionArgs),
}

/// `-o` values of `rollpin version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionOutput {
    /// One line.
    Text,
    /// `{rollpin, commit, kustomize, argocd}`.
    Json,
}

/// Arguments of `rollpin version`.
#[derive(Debug, clap::Args)]
pub struct VersionArgs {
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = VersionOutput::Text)]
    pub output: VersionOutput,
}

impl VersionArgs {
    /// What to print.
    pub fn text(&self) -> String {
        match self.output {
            VersionOutput::Text => format!("rollpin {}\n", crate::version::LINE),
            VersionOutput::Json => crate::version::json(),
        }
    }
}

/// Arguments of `rollpin completion`.
#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

impl CompletionArgs {
    /// The completion script for the shell.
    pub fn script(&self) -> String {
        let mut cmd = <Cli as clap::CommandFactory>::command();
        let mut out = Vec::new();
        clap_complete::generate(self.shell, &mut cmd, "rollpin", &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Arguments of `rollpin slo`.
#[derive(Debug, clap::Args)]
pub struct SloArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SloCommand,
}

/// Subcommands of `rollpin slo`.
#[derive(Debug, Subcommand)]
pub enum SloCommand {
    /// Evaluate a RollbackPolicy's metrics once over the bake window ending at --at and
    /// print every measurement and the verdict; exit 0 Successful, 3 Failed, 4
    /// Inconclusive, 1 Error. The controller's allow-list does not apply here.
    #[command(after_help = help::SLO_CHECK)]
    Check(SloCheckArgs),
}

/// `--output` values of `rollpin slo check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SloCheckOutput {
    /// One line per measurement, then the verdict.
    Text,
    /// JSON: the window, each metric with its measurements, the verdict.
    Json,
}

/// Arguments of `rollpin slo check`.
#[derive(Debug, clap::Args)]
pub struct SloCheckArgs {
    /// A file holding the RollbackPolicy (YAML or JSON; the first one in it).
    #[arg(value_name = "POLICY.yaml")]
    pub policy: PathBuf,
    /// Query this Prometheus instead of every metric's address (http:// only).
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// The end of the bake window, RFC 3339 [default: now].
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<crate::health::Timestamp>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = SloCheckOutput::Text)]
    pub output: SloCheckOutput,
}

impl SloCheckArgs {
    /// Validates the flags; `now` is the window's end unless `--at` is given.
    pub fn config(&self, now: crate::health::Timestamp) -> crate::slo::check::CheckConfig {
        crate::slo::check::CheckConfig {
            policy: self.policy.clone(),
            prometheus: self.prometheus.clone(),
            at: self.at.unwrap_or(now),
            json: self.output == SloCheckOutput::Json,
        }
    }
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
    /// Also emit keys for the rules in this API group: rollpin's built-in ones
    /// (cert-manager.io, external-secrets.io) and yours from --rules; repeatable. Each key
    /// replaces Argo CD's own check for that kind. Without it, only rollpin's own kinds.
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
}

impl ArgocdCmArgs {
    /// Validates the flags.
    pub fn config(&self) -> crate::argocd::cm::CmConfig {
        crate::argocd::cm::CmConfig {
            rules: self.rules.clone(),
            generic_groups: self.generic_groups.clone(),
            groups: self.groups.clone(),
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
    /// Exit with code 3 when the app's health is this bad or worse (`Degraded`, as Argo CD
    /// spells it, is accepted too).
    #[arg(long, value_enum, value_name = "LEVEL", ignore_case = true)]
    pub fail_on: Option<FailOn>,
    /// A health rules file (YAML); repeatable, earlier files win. See the README.
    #[arg(long, value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Your argocd-cm (`kubectl get cm argocd-cm -n argocd -o yaml`): run its Lua health
    /// customizations as Argo CD does.
    #[arg(long, value_name = "FILE")]
    pub argocd_cm: Option<PathBuf>,
    /// Argo CD's Lua health library (`resource_customizations/<group>/<Kind>/health.lua`
    /// of the Argo CD version you run): run it as Argo CD does.
    #[arg(long, value_name = "DIR")]
    pub lua_dir: Option<PathBuf>,
    /// With --fail-on, pass when no object counts towards the app's health (empty input).
    #[arg(long)]
    pub allow_empty: bool,
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
            argocd_cm: self.argocd_cm.clone(),
            lua_dir: self.lua_dir.clone(),
            allow_empty: self.allow_empty,
        }
    }
}

/// `-o` values of `rollpin render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderOutput {
    /// The manifests as a YAML stream, byte for byte as `kustomize build` prints them.
    Yaml,
    /// The same objects as one JSON `v1` List.
    Json,
}

/// Arguments of `rollpin render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The directory holding kustomization.yaml (default: the current directory, as Argo CD runs it).
    pub dir: Option<PathBuf>,
    /// Output order: legacy (kustomize's kind order) or none (input order), as `kubectl
    /// kustomize --reorder` takes them. `sortOptions` in the kustomization wins.
    #[arg(long, value_name = "legacy|none", value_parser = crate::kustomize::order::parse_reorder)]
    pub reorder: Option<Order>,
    /// Output format: yaml (default; kustomize's stream) or json (a v1 List). `-o FILE`
    /// (a name that is not a format) still writes FILE, with a deprecation warning.
    #[arg(short = 'o', long = "output", value_name = "yaml|json")]
    pub output: Option<String>,
    /// Write the output to FILE instead of stdout.
    #[arg(long = "output-file", value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Repository root: no directory outside it is read. Default: the Argo CD checkout
    /// (working directory minus ARGOCD_APP_SOURCE_PATH), else the nearest enclosing `.git`.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Build limits.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Release record and digest policy.
    #[command(flatten)]
    pub release: ReleaseArgs,
}

/// The build limits every command that renders takes.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Largest file rollpin reads: bytes, or a Kubernetes quantity (64Mi, 1G).
    #[arg(long, value_name = "SIZE", default_value_t = Limits::DEFAULT.max_file_bytes,
          value_parser = parse_bytes)]
    pub max_file_bytes: u64,
    /// Most bytes the whole build may read (all distinct files together): bytes, or a
    /// Kubernetes quantity (1Gi, 500M).
    #[arg(long, value_name = "SIZE", default_value_t = Limits::DEFAULT.max_total_bytes,
          value_parser = parse_bytes)]
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

/// `rollpin render`'s release flags. Each source field defaults to the variable Argo CD
/// sets for the plugin.
#[derive(Debug, Clone, clap::Args)]
pub struct ReleaseArgs {
    /// Append a release record (a RollbackManifest pinning this render) to the output.
    /// Also on with the plugin parameter `release-record: "true"`.
    #[arg(long)]
    pub release_record: bool,
    /// Fail, listing them, when any container image is not pinned by a digest. Also on
    /// with the plugin parameter `require-digests: "true"`.
    #[arg(long)]
    pub require_digests: bool,
    /// Fail, printing nothing, unless the render (without a record, before any
    /// --pin-image) has this digest: a release record's spec.renderDigest. Also set by the
    /// plugin parameter `expect-render-digest`.
    #[arg(long, value_name = "sha256:HEX", value_parser = RenderDigest::parse)]
    pub expect_render_digest: Option<RenderDigest>,
    /// With --expect-render-digest: each expected object's digest prefix (12 hex digits,
    /// space-separated, in order; a record's spec.resources[].sha256), so a refused render
    /// names the first object that differs. Also the plugin parameter `expect-objects`.
    #[arg(long, value_name = "HEX12 …", value_parser = crate::release::guard::ExpectedObjects::parse)]
    pub expect_objects: Option<crate::release::guard::ExpectedObjects>,
    /// Write every image field equal to IMAGE (exactly as rendered) as IMAGE@DIGEST;
    /// repeatable. Applied after --expect-render-digest, before --require-digests and the
    /// record. Also set by the plugin map parameter `pin-images`.
    #[arg(long = "pin-image", value_name = "IMAGE=DIGEST", value_parser = pin_images::parse_flag)]
    pub pin_images: Vec<(String, String)>,
    /// The app the record belongs to [default: ARGOCD_APP_NAME].
    #[arg(long, value_name = "NAME")]
    pub app: Option<String>,
    /// The source commit rendered [default: ARGOCD_APP_REVISION]: a commit SHA, not a
    /// branch or tag.
    #[arg(long, value_name = "SHA", value_parser = crate::release::record::parse_commit)]
    pub revision: Option<String>,
    /// The short revision in the record's name [default: ARGOCD_APP_REVISION_SHORT, else
    /// the first 7 characters of a commit].
    #[arg(long, value_name = "SHORT")]
    pub revision_short: Option<String>,
    /// The repository URL [default: ARGOCD_APP_SOURCE_REPO_URL].
    #[arg(long, value_name = "URL")]
    pub repo_url: Option<String>,
    /// The app's path in the repository [default: ARGOCD_APP_SOURCE_PATH].
    #[arg(long, value_name = "PATH")]
    pub source_path: Option<String>,
    /// The revision the Application asks for [default: ARGOCD_APP_SOURCE_TARGET_REVISION].
    #[arg(long, value_name = "REV")]
    pub target_revision: Option<String>,
    /// The namespace of the record [default: ARGOCD_APP_NAMESPACE, else none: the
    /// Application's destination].
    #[arg(long, value_name = "NS")]
    pub record_namespace: Option<String>,
}

impl ReleaseArgs {
    /// The expected render digest: the flag or the parameter; both, when they differ, is
    /// an error.
    pub fn expect_render_digest(
        &self,
        param: Option<RenderDigest>,
    ) -> Result<Option<RenderDigest>, String> {
        match (&self.expect_render_digest, param) {
            (Some(flag), Some(param)) if *flag != param => Err(format!(
                "--expect-render-digest {} and parameter 'expect-render-digest' {} differ",
                flag.as_str(),
                param.as_str()
            )),
            (flag, param) => Ok(flag.clone().or(param)),
        }
    }

    /// The image pins: the parameter's and the flags' together (the same image pinned to
    /// two digests is an error).
    pub fn pin_images(&self, param: ImagePins) -> Result<ImagePins, String> {
        let mut pins = param;
        for (image, digest) in &self.pin_images {
            pins.insert(image, digest, PinOrigin::Flag)?;
        }
        Ok(pins)
    }

    /// The record's input: flags first, then Argo CD's variables.
    pub fn record_input(
        &self,
        cmp: &crate::argocd::CmpEnv,
        reorder: &Option<Order>,
    ) -> crate::release::record::RecordInput {
        let pick = |flag: &Option<String>, env: &Option<String>| {
            flag.clone().or_else(|| env.clone()).unwrap_or_default()
        };
        crate::release::record::RecordInput {
            app: pick(&self.app, &cmp.app_name),
            namespace: self
                .record_namespace
                .clone()
                .or_else(|| cmp.app_namespace.clone()),
            revision_short: self.revision_short.clone().or_else(|| {
                self.revision
                    .is_none()
                    .then(|| cmp.revision_short.clone())
                    .flatten()
            }),
            source: crate::release::SourcePin {
                repo_url: pick(&self.repo_url, &cmp.source_repo_url),
                path: pick(&self.source_path, &cmp.source_path),
                revision: pick(&self.revision, &cmp.revision),
                target_revision: pick(&self.target_revision, &cmp.target_revision),
            },
            reorder: crate::release::record::reorder_name(reorder).to_string(),
            pinned: None,
        }
    }
}

/// Validated render configuration.
#[derive(Debug)]
pub struct RenderConfig {
    /// Directory to build.
    pub dir: PathBuf,
    /// The output format.
    pub format: RenderOutput,
    /// Where to write (None: stdout).
    pub output: Option<PathBuf>,
    /// Deprecation warnings about the flags, for stderr.
    pub warnings: Vec<String>,
    /// Build options.
    pub options: Options,
}

/// The repository root when neither `--root` nor Argo CD's environment gives one: the
/// nearest ancestor of `dir` holding `.git`.
pub fn enclosing_git_root(dir: &Path) -> Option<PathBuf> {
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

impl LimitArgs {
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
}

impl RenderArgs {
    /// Validates the flags; Argo CD's `reorder` parameter applies when `--reorder` is not
    /// given.
    pub fn config(
        &self,
        argocd_source_path: Option<&str>,
        reorder_param: Option<Order>,
    ) -> Result<RenderConfig, String> {
        let (format, output, warnings) = self.output_target()?;
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
        Ok(RenderConfig {
            dir,
            format,
            output,
            warnings,
            options: Options {
                reorder: self.reorder.clone().or(reorder_param),
                repo_root,
                limits: self.limits.limits(),
            },
        })
    }

    /// `-o` and `--output-file`: the format, the file, and a deprecation warning when `-o`
    /// names a file (its meaning before `-o` became a format, as in kubectl).
    fn output_target(&self) -> Result<(RenderOutput, Option<PathBuf>, Vec<String>), String> {
        let Some(o) = &self.output else {
            return Ok((RenderOutput::Yaml, self.output_file.clone(), Vec::new()));
        };
        if let Ok(format) = RenderOutput::from_str(o, false) {
            return Ok((format, self.output_file.clone(), Vec::new()));
        }
        if let Some(file) = &self.output_file {
            return Err(format!(
                "-o {o:?} is not an output format (yaml, json) and --output-file {} is given",
                file.display()
            ));
        }
        let warning = format!(
            "Flag -o FILE (--output FILE) is deprecated: -o now takes a format (yaml, json); \
             use --output-file {o}"
        );
        Ok((RenderOutput::Yaml, Some(PathBuf::from(o)), vec![warning]))
    }
}
