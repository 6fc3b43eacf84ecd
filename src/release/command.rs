//! `rollpin verify` as a whole: read the record, re-render the app and/or read the live
//! objects, compare, and hand the findings to the report ([`super::verify::output`]) with
//! its exit code.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::RollbackManifest;
use super::record::{RecordInput, reorder_from_name, spec_for};
use super::verify::output::{Checked, Report, json_report, status_patch, text_report};
use super::verify::{
    Pods, Recorded, VerifyError, attach_changes, check_live, compare_render, find_record,
    read_objects,
};
use crate::kustomize::fs::FileSystem;
use crate::kustomize::loader::Limits;

/// Exit code when the record and what was checked differ.
pub const DRIFT_EXIT_CODE: u8 = 3;

/// What `rollpin verify` was asked to do.
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// The record file (`-`: standard input).
    pub record: PathBuf,
    /// The record's name, when the file holds several.
    pub name: Option<String>,
    /// The app directory to re-render (None: no re-render).
    pub dir: Option<PathBuf>,
    /// Live objects to compare (None: no live check; `-`: standard input).
    pub live: Option<PathBuf>,
    /// Whether the live objects must hold the recorded workloads' Pods.
    pub pods: Pods,
    /// Whether images without a digest in the record are accepted.
    pub allow_unpinned: bool,
    /// The revision the caller says DIR is at; a record of another revision is refused.
    pub revision: Option<String>,
    /// The report's format.
    pub format: ReportFormat,
    /// Repository root for the re-render.
    pub repo_root: Option<PathBuf>,
    /// Build limits for the re-render.
    pub limits: Limits,
}

/// How `rollpin verify` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// One line per difference.
    Text,
    /// `{release, revision, verified, drift, unpinned, checked, notes}`.
    Json,
    /// A merge patch of the RollbackManifest's status (`Verified` condition and drift
    /// list) for `kubectl patch --subresource=status`; the condition's
    /// lastTransitionTime is `now` when its status changes, else the record's.
    Status(crate::health::Timestamp),
}

/// The report and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOutcome {
    /// What to print on stdout.
    pub stdout: String,
    /// 0: identical; [`DRIFT_EXIT_CODE`]: drift.
    pub exit_code: u8,
}

/// Whether `path` means standard input.
fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn read_input(
    path: &Path,
    limits: &Limits,
    stdin: &mut dyn std::io::Read,
) -> Result<String, VerifyError> {
    let over = |len: u64| {
        VerifyError(format!(
            "{}: {len} bytes, over the {}-byte file limit (--max-file-bytes)",
            shown(path),
            limits.max_file_bytes
        ))
    };
    if is_stdin(path) {
        let mut bytes = Vec::new();
        std::io::Read::take(&mut *stdin, limits.max_file_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| VerifyError(format!("standard input: {e}")))?;
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(over(bytes.len() as u64));
        }
        return String::from_utf8(bytes)
            .map_err(|e| VerifyError(format!("standard input: not UTF-8: {e}")));
    }
    let meta =
        std::fs::metadata(path).map_err(|e| VerifyError(format!("{}: {e}", path.display())))?;
    if meta.len() > limits.max_file_bytes {
        return Err(over(meta.len()));
    }
    std::fs::read_to_string(path).map_err(|e| VerifyError(format!("{}: {e}", path.display())))
}

/// How a path is named in messages (`-` is standard input).
fn shown(path: &Path) -> String {
    if is_stdin(path) {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// Runs the comparison(s) the config asks for; `-` reads `stdin`.
pub fn run(
    cfg: &VerifyConfig,
    fs: &dyn FileSystem,
    stdin: &mut dyn std::io::Read,
) -> Result<VerifyOutcome, VerifyError> {
    if is_stdin(&cfg.record) && cfg.live.as_deref().is_some_and(is_stdin) {
        return Err(VerifyError(
            "--record - and --live - both read standard input: give one of them as a file".into(),
        ));
    }
    let record_path = PathBuf::from(shown(&cfg.record));
    let text = read_input(&cfg.record, &cfg.limits, stdin)?;
    let record_objects = read_objects(&text, &record_path, cfg.limits.yaml())?;
    let record = find_record(&record_objects, &record_path, cfg.name.as_deref())?;
    let recorded = Recorded::new(&text, &record_objects);
    let spec = &record.spec;
    if let Some(rev) = &cfg.revision {
        check_revision(&record, rev, &record_path)?;
    }
    let mut report = Report::default();
    if let Some(dir) = &cfg.dir {
        let Some(reorder) = reorder_from_name(&spec.renderer.reorder) else {
            return Err(VerifyError(format!(
                "{}: spec.renderer.reorder {:?} is not legacy or none",
                record_path.display(),
                spec.renderer.reorder
            )));
        };
        let options = crate::kustomize::Options {
            reorder,
            repo_root: cfg.repo_root.clone(),
            limits: cfg.limits,
        };
        let mut rendered = crate::render::render(fs, dir, &options)
            .map_err(|e| VerifyError(format!("re-rendering {}: {e}", dir.display())))?;
        // A record made with image pins: re-apply them, as the render did.
        let mut pinned = None;
        if !spec.renderer.pin_images.is_empty() {
            let mut pins = super::pin_images::ImagePins::default();
            for (image, digest) in &spec.renderer.pin_images {
                pins.insert(image, digest, super::pin_images::PinOrigin::Record)
                    .map_err(|e| VerifyError(format!("{}: {e}", record_path.display())))?;
            }
            // A pin that matches no image means the render is not the release's: the
            // comparison below reports how it differs.
            let (unpinned_yaml, _unmatched) = pins.pin_render(&mut rendered);
            pinned = Some((super::record::render_digest(&unpinned_yaml), pins.to_map()));
        }
        let objects: Vec<&Value> = rendered.resources.iter().map(|r| &r.obj).collect();
        let input = RecordInput {
            app: spec.app.clone(),
            source: spec.source.clone(),
            reorder: spec.renderer.reorder.clone(),
            pinned,
            ..RecordInput::default()
        };
        let fresh = spec_for(&input, &objects, &rendered.yaml);
        let mut drift = compare_render(spec, &fresh, true);
        report.digests_only += attach_changes(&mut drift, &recorded, &objects);
        report.drift.extend(drift);
        report.checked.push(Checked::Render {
            dir: dir.display().to_string(),
            objects: objects.len(),
        });
        if let Some(note) = source_path_note(spec, dir, cfg.repo_root.as_deref()) {
            report.notes.push(note);
        }
    }
    if let Some(live) = &cfg.live {
        let live_path = PathBuf::from(shown(live));
        let objects = read_objects(
            &read_input(live, &cfg.limits, stdin)?,
            &live_path,
            cfg.limits.yaml(),
        )?;
        let mut check = check_live(spec, &objects, true, cfg.pods);
        let found: Vec<&Value> = objects.iter().collect();
        report.digests_only += attach_changes(&mut check.drift, &recorded, &found);
        report.drift.extend(std::mem::take(&mut check.drift));
        report.checked.push(Checked::Live {
            file: live_path.display().to_string(),
            check,
            pods: cfg.pods,
        });
    }
    if !cfg.allow_unpinned {
        super::verify::unpinned(spec, &mut report.unpinned);
    }
    let exit_code = if report.drift.is_empty() && report.unpinned.is_empty() {
        0
    } else {
        DRIFT_EXIT_CODE
    };
    let stdout = match cfg.format {
        ReportFormat::Text => text_report(&record, &report),
        ReportFormat::Json => json_report(&record, &report),
        ReportFormat::Status(now) => status_patch(&record, &report, now),
    };
    Ok(VerifyOutcome { stdout, exit_code })
}

/// A note when DIR is not the path the record was made from (relative to the
/// repository root when one is known, else by its last components).
fn source_path_note(
    spec: &super::RollbackManifestSpec,
    dir: &Path,
    repo_root: Option<&Path>,
) -> Option<String> {
    let recorded = spec.source.path.trim_matches('/');
    if recorded.is_empty() {
        return None;
    }
    let abs = std::fs::canonicalize(dir).ok()?;
    let recorded_path = Path::new(recorded);
    let same = match repo_root.and_then(|r| std::fs::canonicalize(r).ok()) {
        Some(root) => abs
            .strip_prefix(&root)
            .ok()
            .map(|rel| rel == recorded_path || (rel.as_os_str().is_empty() && recorded == ".")),
        None => None,
    }
    .unwrap_or_else(|| abs.ends_with(recorded_path));
    (!same).then(|| {
        format!(
            "the record was made from source path {recorded:?}; {} is another directory",
            dir.display()
        )
    })
}

/// `--revision`: the record must be of the revision being verified.
fn check_revision(
    record: &RollbackManifest,
    revision: &str,
    path: &Path,
) -> Result<(), VerifyError> {
    let recorded = &record.spec.source.revision;
    let name = record.metadata.name.as_deref().unwrap_or("");
    if revision.len() < 7 {
        return Err(VerifyError(format!(
            "--revision {revision:?}: give at least 7 characters of the commit"
        )));
    }
    if recorded.is_empty() || !recorded.starts_with(revision) {
        return Err(VerifyError(format!(
            "{}: release {name} was recorded from revision {recorded:?}, not {revision}",
            path.display()
        )));
    }
    Ok(())
}
