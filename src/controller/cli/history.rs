//! `rollpin history APP`: the app's release records (RollbackManifests labelled
//! `rollpin.dev/app=APP` in the Application's destination namespace), newest first, with
//! when Argo CD synced each revision (the Application's `status.history[].deployedAt`),
//! whether it is Verified, which one is live (`status.sync.revision`) and whether it is
//! fully pinned (every image by digest, or by the digest its Pods were seen running).
//! [`rows`] and the renderers are pure; [`run`] reads the two objects and prints.

use serde::Serialize;
use serde_json::Value;

use super::{CliError, EXIT_OK, Format, Session};
use crate::controller::target;
use crate::release::{RollbackManifest, VERIFIED_CONDITION};

/// One record as `rollpin history` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// The record's name.
    pub record: String,
    /// The source revision it pins.
    pub revision: String,
    /// When Argo CD last finished syncing that revision (RFC 3339), if it kept it.
    pub deployed_at: Option<String>,
    /// The record's `Verified` condition: True, False, Unknown; None when never verified.
    pub verified: Option<String>,
    /// Whether the Application is synced to this revision.
    pub live: bool,
    /// Images pinned by tag only, with no digest observed (`Deployment web/app
    /// ghcr.io/acme/web:1.1`); empty: fully pinned.
    pub unpinned: Vec<String>,
}

/// Every image of `record` that is neither pinned by digest nor observed running one.
pub fn unpinned(record: &RollbackManifest) -> Vec<String> {
    let observed = record
        .status
        .as_ref()
        .map(|s| s.observed_images.as_slice())
        .unwrap_or_default();
    let mut out = Vec::new();
    for w in &record.spec.workloads {
        let containers = w.containers.iter().map(|c| (c, c.name.clone()));
        let inits = w
            .init_containers
            .iter()
            .map(|c| (c, format!("init:{}", c.name)));
        for (c, key) in containers.chain(inits) {
            let seen = observed.iter().any(|o| {
                o.kind == w.kind
                    && o.name == w.name
                    && o.container == key
                    && (o.namespace.is_empty()
                        || w.namespace.is_empty()
                        || o.namespace == w.namespace)
                    && !o.digest.is_empty()
            });
            if c.digest.is_none() && !seen {
                out.push(format!("{} {}/{} {}", w.kind, w.name, key, c.image));
            }
        }
    }
    for i in record.spec.images.iter().filter(|i| i.digest.is_none()) {
        out.push(format!("{} {} {} {}", i.kind, i.name, i.path, i.image));
    }
    out
}

/// The rows of `app`'s records, newest first.
pub fn rows(app: &str, application: &Value, records: &[RollbackManifest]) -> Vec<Row> {
    let live = target::synced_revision(application);
    let history = application
        .pointer("/status/history")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    target::by_age(records)
        .into_iter()
        .rev()
        .filter(|r| r.spec.app == app)
        .map(|r| {
            let revision = r.spec.source.revision.clone();
            // The history is oldest first: the last entry is the latest sync of it.
            let deployed_at = history
                .iter()
                .rev()
                .find(|h| {
                    !revision.is_empty()
                        && h.get("revision").and_then(Value::as_str) == Some(&revision)
                })
                .and_then(|h| h.get("deployedAt").and_then(Value::as_str))
                .map(str::to_string);
            let verified = r.status.as_ref().and_then(|s| {
                s.conditions
                    .iter()
                    .find(|c| c.type_ == VERIFIED_CONDITION)
                    .map(|c| c.status.clone())
            });
            Row {
                record: r.metadata.name.clone().unwrap_or_default(),
                live: !revision.is_empty() && revision == live,
                revision,
                deployed_at,
                verified,
                unpinned: unpinned(r),
            }
        })
        .collect()
}

/// The rows as an aligned table.
pub fn table(rows: &[Row]) -> String {
    let dash = || "—".to_string();
    let mut cells = vec![
        [
            "REVISION", "RECORD", "DEPLOYED", "VERIFIED", "LIVE", "PINNED",
        ]
        .map(str::to_string),
    ];
    for r in rows {
        cells.push([
            r.revision.get(..7).unwrap_or(&r.revision).to_string(),
            r.record.clone(),
            r.deployed_at.clone().unwrap_or_else(dash),
            r.verified.clone().unwrap_or_else(dash),
            if r.live { "yes" } else { "" }.to_string(),
            if r.unpinned.is_empty() {
                "yes".to_string()
            } else {
                format!("no ({} by tag)", r.unpinned.len())
            },
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in &cells {
        let mut line = String::new();
        for (i, (c, w)) in row.iter().zip(widths).enumerate() {
            line.push_str(c);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The rows in `format`.
pub fn render(app: &str, namespace: &str, rows: &[Row], format: Format) -> String {
    match format {
        Format::Text if rows.is_empty() => format!(
            "{app} has no release records in namespace {namespace} (render it with release-record enabled)\n"
        ),
        Format::Text => table(rows),
        Format::Json => {
            let v = serde_json::to_value(rows).unwrap_or_default();
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Yaml => {
            let mut out = String::new();
            crate::yaml::writer::write_document(
                &serde_json::to_value(rows).unwrap_or_default(),
                &mut out,
            );
            out
        }
    }
}

/// `rollpin history`.
pub async fn run(
    session: &Session,
    app: &str,
    format: Format,
    out: &mut dyn std::io::Write,
) -> Result<u8, CliError> {
    let application = session.application(app).await?;
    let namespace = session.records_namespace(&application);
    let records = session.records(&namespace, app).await?;
    let text = render(app, &namespace, &rows(app, &application, &records), format);
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::fixtures::{REV_A, REV_B, application, record, record_a, record_b, web};
    use crate::release::ObservedImage;
    use serde_json::json;

    fn shop() -> Value {
        let mut app = application(REV_B);
        app["status"]["history"] = json!([
            {"id": 0, "revision": REV_A, "deployedAt": "2027-01-15T07:59:00Z"},
            {"id": 1, "revision": REV_B, "deployedAt": "2027-01-15T08:01:40Z"},
        ]);
        app
    }

    #[test]
    fn newest_first_with_deployed_verified_live_and_pinned() {
        let tagged = record(
            "shop-ccccccc",
            "ccccccc3",
            &[web("ghcr.io/acme/web:1.2", "c")],
            300,
            None,
        );
        let rows = rows("shop", &shop(), &[record_a(), tagged, record_b()]);
        assert_eq!(
            table(&rows),
            "REVISION  RECORD        DEPLOYED              VERIFIED  LIVE  PINNED\n\
             ccccccc   shop-ccccccc  —                     —               no (1 by tag)\n\
             bbbbbbb   shop-bbbbbbb  2027-01-15T08:01:40Z  True      yes   yes\n\
             aaaaaaa   shop-aaaaaaa  2027-01-15T07:59:00Z  True            yes\n"
        );
        assert_eq!(
            rows[0].unpinned,
            ["Deployment web/app ghcr.io/acme/web:1.2"]
        );
    }

    #[test]
    fn an_observed_digest_pins_a_tag() {
        let mut r = record(
            "shop-ccccccc",
            "ccccccc3",
            &[web("ghcr.io/acme/web:1.2", "c")],
            300,
            Some(false),
        );
        assert_eq!(unpinned(&r).len(), 1);
        r.status
            .as_mut()
            .unwrap()
            .observed_images
            .push(ObservedImage {
                kind: "Deployment".into(),
                name: "web".into(),
                container: "app".into(),
                image: "ghcr.io/acme/web:1.2".into(),
                digest: "sha256:cc".into(),
                ..Default::default()
            });
        assert!(unpinned(&r).is_empty());
        assert_eq!(
            rows("shop", &shop(), &[r])[0].verified.as_deref(),
            Some("False")
        );
    }

    #[test]
    fn json_yaml_and_no_records() {
        let rows = rows("shop", &shop(), &[record_a()]);
        let j: Value = serde_json::from_str(&render("shop", "shop", &rows, Format::Json)).unwrap();
        assert_eq!(j[0]["record"], "shop-aaaaaaa");
        assert_eq!(j[0]["deployedAt"], "2027-01-15T07:59:00Z");
        assert_eq!(j[0]["live"], false);
        let y = render("shop", "shop", &rows, Format::Yaml);
        assert!(
            y.starts_with("- deployedAt: \"2027-01-15T07:59:00Z\"\n"),
            "{y}"
        );
        assert_eq!(
            render("shop", "shop", &[], Format::Text),
            "shop has no release records in namespace shop (render it with release-record enabled)\n"
        );
    }
}
