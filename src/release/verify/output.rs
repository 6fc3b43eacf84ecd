//! `rollpin verify`'s report: what was checked and what differed, as text, as JSON, or
//! as a status merge patch of the RollbackManifest. Differences and images without a
//! digest are reported apart: a render can match byte for byte and still not pin what a
//! rollback would run.

use serde_json::{Value, json};

use super::{LiveCheck, Pods, describe, describe_with_changes};
use crate::release::{Drift, RollbackManifest};

/// What one comparison looked at.
#[derive(Debug, Clone)]
pub enum Checked {
    /// The re-render of a directory, and how many objects it made.
    Render {
        /// The directory, as given.
        dir: String,
        /// Objects rendered.
        objects: usize,
    },
    /// Live objects, and what of the record was found among them.
    Live {
        /// The file (`standard input`).
        file: String,
        /// The counts (its drift moved to the report).
        check: LiveCheck,
        /// Whether Pods were required, taken as found, or skipped.
        pods: Pods,
    },
}

/// Everything `rollpin verify` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// What was compared.
    pub checked: Vec<Checked>,
    /// Every difference.
    pub drift: Vec<Drift>,
    /// Images the record holds without a digest (empty with `--allow-unpinned`).
    pub unpinned: Vec<Drift>,
    /// How many changed objects or configs could be shown only by digest.
    pub digests_only: usize,
    /// Remarks that are not differences (another source path, …).
    pub notes: Vec<String>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Checked {
    fn what(&self) -> String {
        match self {
            Checked::Render { dir, .. } => format!("re-render of {dir}"),
            Checked::Live { file, .. } => format!("live objects in {file}"),
        }
    }

    fn counts(&self, record: &RollbackManifest) -> String {
        match self {
            Checked::Render { .. } => format!(
                "{}, {}",
                plural(record.spec.resources.len(), "object", "objects"),
                record.spec.render_digest
            ),
            Checked::Live { check, pods, .. } => {
                let mut parts = vec![
                    plural(check.workloads, "workload", "workloads"),
                    plural(check.configs, "config", "configs"),
                ];
                if check.field_images > 0 {
                    parts.push(plural(check.field_images, "other image", "other images"));
                }
                parts.push(match pods {
                    Pods::Skipped => "running images not checked (--no-pods)".to_string(),
                    _ => plural(check.pods, "Pod", "Pods"),
                });
                parts.join(", ")
            }
        }
    }

    fn json(&self) -> Value {
        match self {
            Checked::Render { dir, objects } => json!({"reRender": dir, "objects": objects}),
            Checked::Live { file, check, pods } => json!({
                "live": file,
                "workloads": check.workloads,
                "configs": check.configs,
                "otherImages": check.field_images,
                "pods": if *pods == Pods::Skipped { Value::Null } else { json!(check.pods) },
            }),
        }
    }
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

/// The text report.
pub fn text_report(record: &RollbackManifest, report: &Report) -> String {
    let label = release_label(record);
    let mut out = String::new();
    if report.drift.is_empty() {
        for c in &report.checked {
            let verb = if matches!(c, Checked::Live { .. }) {
                "match"
            } else {
                "matches"
            };
            out.push_str(&format!(
                "{label}: {} {verb} the record ({})\n",
                c.what(),
                c.counts(record)
            ));
        }
    } else {
        let what: Vec<String> = report.checked.iter().map(Checked::what).collect();
        out.push_str(&format!(
            "{label}: {} between the record and the {} — not an exact rollback:\n",
            plural(report.drift.len(), "difference", "differences"),
            what.join(" and ")
        ));
        for d in &report.drift {
            for line in describe_with_changes(d) {
                out.push_str("  ");
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    if !report.unpinned.is_empty() {
        out.push_str(&format!(
            "{} without a digest in the record — a rollback would not be exact \
             (--allow-unpinned accepts them):\n",
            plural(report.unpinned.len(), "image", "images")
        ));
        for d in &report.unpinned {
            out.push_str("  ");
            out.push_str(&describe(d));
            out.push('\n');
        }
    }
    if report.digests_only > 0 {
        out.push_str(&format!(
            "note: {} shown by digest only: the record file holds no objects (give --record \
             the render's output, which holds them with the record, to see each field)\n",
            plural(report.digests_only, "change", "changes")
        ));
    }
    for n in &report.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    let renderer = &record.spec.renderer;
    if renderer.version != env!("CARGO_PKG_VERSION") && !report.drift.is_empty() {
        out.push_str(&format!(
            "note: the record was made by {} {}; this is rollpin {}\n",
            renderer.name,
            renderer.version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    out
}

/// The JSON report: `{release, revision, verified, drift, unpinned, checked, notes}`.
pub fn json_report(record: &RollbackManifest, report: &Report) -> String {
    let v = json!({
        "release": record.metadata.name,
        "revision": record.spec.source.revision,
        "verified": report.drift.is_empty() && report.unpinned.is_empty(),
        "drift": report.drift,
        "unpinned": report.unpinned,
        "checked": report.checked.iter().map(Checked::json).collect::<Vec<_>>(),
        "notes": report.notes,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// `{"status": {...}}` with the `Verified` condition and the drift list (images without a
/// digest included). The condition's lastTransitionTime stays the record's when its
/// status does not change, as Kubernetes conditions do.
pub fn status_patch(
    record: &RollbackManifest,
    report: &Report,
    now: crate::health::Timestamp,
) -> String {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
    let verified = report.drift.is_empty() && report.unpinned.is_empty();
    let status = if verified { "True" } else { "False" };
    let what: Vec<String> = report.checked.iter().map(Checked::what).collect();
    let mut what = what.join(" and ");
    if report.checked.iter().any(|c| {
        matches!(
            c,
            Checked::Live {
                pods: Pods::Skipped,
                ..
            }
        )
    }) {
        what.push_str(" (running images not checked: --no-pods)");
    }
    let (reason, message) = if verified {
        ("Matches", format!("{what} match the release"))
    } else if report.drift.is_empty() {
        (
            "Unpinned",
            format!(
                "{what} match the release; {} without a digest",
                plural(report.unpinned.len(), "image", "images")
            ),
        )
    } else {
        (
            "Drift",
            format!(
                "{} between the release and {what}",
                plural(report.drift.len(), "difference", "differences")
            ),
        )
    };
    let previous = record.status.as_ref().and_then(|s| {
        s.conditions
            .iter()
            .find(|c| c.type_ == crate::release::VERIFIED_CONDITION && c.status == status)
    });
    let condition = Condition {
        type_: crate::release::VERIFIED_CONDITION.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message,
        last_transition_time: previous
            .map(|c| c.last_transition_time.clone())
            .unwrap_or(Time(now)),
        observed_generation: record.metadata.generation,
    };
    let status = crate::release::RollbackManifestStatus {
        conditions: vec![condition],
        drift: report
            .drift
            .iter()
            .chain(&report.unpinned)
            .cloned()
            .collect(),
        observed_generation: record.metadata.generation,
        ..Default::default()
    };
    let mut s = serde_json::to_string_pretty(&json!({ "status": status })).unwrap_or_default();
    s.push('\n');
    s
}
