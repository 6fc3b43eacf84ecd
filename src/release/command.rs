//! `rollpin verify` as a whole: read the record, re-render the app and/or read the live
//! objects, compare, and format the report (text or JSON) with its exit code.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::record::{RecordInput, reorder_from_name, spec_for};
use super::verify::{
    VerifyError, compare_live, compare_render, describe, find_record, read_objects,
};
use super::{Drift, RollbackManifest};
use crate::kustomize::fs::FileSystem;
use crate::kustomize::loader::Limits;

/// Exit code when the record and what was checked differ.
pub const DRIFT_EXIT_CODE: u8 = 3;

/// What `rollpin verify` was asked to do.
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// The record file.
    pub record: PathBuf,
    /// The record's name, when the file holds several.
    pub name: Option<String>,
    /// The app directory to re-render (None: no re-render).
    pub dir: Option<PathBuf>,
    /// Live objects to compare (None: no live check).
    pub live: Option<PathBuf>,
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
    /// `{release, revision, verified, drift}`.
    Json,
    /// A merge patch of the RollbackManifest's status (`Verified` condition and drift
    /// list) for `kubectl patch --subresource=status`; the condition's
    /// lastTransitionTime is `now`.
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

fn read_file(path: &Path, limits: &Limits) -> Result<String, VerifyError> {
    let meta =
        std::fs::metadata(path).map_err(|e| VerifyError(format!("{}: {e}", path.display())))?;
    if meta.len() > limits.max_file_bytes {
        return Err(VerifyError(format!(
            "{}: {} bytes, over the {}-byte file limit (--max-file-bytes)",
            path.display(),
            meta.len(),
            limits.max_file_bytes
        )));
    }
    std::fs::read_to_string(path).map_err(|e| VerifyError(format!("{}: {e}", path.display())))
}

/// Runs the comparison(s) the config asks for.
pub fn run(cfg: &VerifyConfig, fs: &dyn FileSystem) -> Result<VerifyOutcome, VerifyError> {
    let text = read_file(&cfg.record, &cfg.limits)?;
    let record = find_record(
        &read_objects(&text, &cfg.record, cfg.limits.yaml())?,
        &cfg.record,
        cfg.name.as_deref(),
    )?;
    let spec = &record.spec;
    if let Some(rev) = &cfg.revision {
        check_revision(&record, rev, &cfg.record)?;
    }
    let mut drift: Vec<Drift> = Vec::new();
    let mut checked = Vec::new();
    if let Some(dir) = &cfg.dir {
        let Some(reorder) = reorder_from_name(&spec.renderer.reorder) else {
            return Err(VerifyError(format!(
                "{}: spec.renderer.reorder {:?} is not legacy or none",
                cfg.record.display(),
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
                    .map_err(|e| VerifyError(format!("{}: {e}", cfg.record.display())))?;
            }
            let unpinned = super::record::render_digest(&rendered.yaml);
            // A pin that matches no image means the render is not the release's: the
            // comparison below reports how it differs.
            let _unmatched = pins.apply(rendered.resources.iter_mut().map(|r| &mut r.obj));
            rendered.yaml = crate::render::write_resources(&rendered.resources);
            pinned = Some((unpinned, pins.to_map()));
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
        drift.extend(compare_render(spec, &fresh, true));
        checked.push(format!("re-render of {}", dir.display()));
    }
    if let Some(live) = &cfg.live {
        let objects = read_objects(&read_file(live, &cfg.limits)?, live, cfg.limits.yaml())?;
        drift.extend(compare_live(spec, &objects, true));
        checked.push(format!("live objects in {}", live.display()));
    }
    if !cfg.allow_unpinned {
        super::verify::unpinned(spec, &mut drift);
    }
    let exit_code = if drift.is_empty() { 0 } else { DRIFT_EXIT_CODE };
    let stdout = match cfg.format {
        ReportFormat::Text => text_report(&record, &drift, &checked),
        ReportFormat::Json => json_report(&record, &drift),
        ReportFormat::Status(now) => status_patch(&record, drift, &checked, now),
    };
    Ok(VerifyOutcome { stdout, exit_code })
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

fn release_label(record: &RollbackManifest) -> String {
    let name = record.metadata.name.as_deref().unwrap_or("");
    let rev = &record.spec.source.revision;
    if rev.is_empty() {
        format!("release {name}")
    } else {
        format!("release {name} (revision {rev})")
    }
}

fn text_report(record: &RollbackManifest, drift: &[Drift], checked: &[String]) -> String {
    let label = release_label(record);
    let what = checked.join(" and ");
    if drift.is_empty() {
        return format!(
            "{label}: {what} match{} the record ({} objects, {})\n",
            if checked.len() == 1 { "es" } else { "" },
            record.spec.resources.len(),
            record.spec.render_digest
        );
    }
    let mut out = format!(
        "{label}: {} difference{} — not an exact rollback:\n",
        drift.len(),
        if drift.len() == 1 { "" } else { "s" }
    );
    for d in drift {
        out.push_str("  ");
        out.push_str(&describe(d));
        out.push('\n');
    }
    let renderer = &record.spec.renderer;
    if renderer.version != env!("CARGO_PKG_VERSION") && drift.iter().any(|d| d.field != "unpinned")
    {
        out.push_str(&format!(
            "note: the record was made by {} {}; this is rollpin {}\n",
            renderer.name,
            renderer.version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    out
}

fn json_report(record: &RollbackManifest, drift: &[Drift]) -> String {
    let v = serde_json::json!({
        "release": record.metadata.name,
        "revision": record.spec.source.revision,
        "verified": drift.is_empty(),
        "drift": drift,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// `{"status": {...}}` with the `Verified` condition and the drift list.
fn status_patch(
    record: &RollbackManifest,
    drift: Vec<Drift>,
    checked: &[String],
    now: crate::health::Timestamp,
) -> String {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
    let verified = drift.is_empty();
    let condition = Condition {
        type_: super::VERIFIED_CONDITION.to_string(),
        status: if verified { "True" } else { "False" }.to_string(),
        reason: if verified { "Matches" } else { "Drift" }.to_string(),
        message: if verified {
            format!("{} match the release", checked.join(" and "))
        } else {
            format!(
                "{} difference{} between the release and {}",
                drift.len(),
                if drift.len() == 1 { "" } else { "s" },
                checked.join(" and ")
            )
        },
        last_transition_time: Time(now),
        observed_generation: record.metadata.generation,
    };
    let status = super::RollbackManifestStatus {
        conditions: vec![condition],
        drift,
        observed_generation: record.metadata.generation,
        ..Default::default()
    };
    let mut s =
        serde_json::to_string_pretty(&serde_json::json!({ "status": status })).unwrap_or_default();
    s.push('\n');
    s
}
