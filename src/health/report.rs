//! The result of assessing a set of objects — one row per object and the app's roll-up —
//! and its two renderings: a table (KIND, NAMESPACE, NAME, STATUS, MESSAGE, then the
//! roll-up line) and JSON shaped like Argo CD's resource statuses.

use serde::Serialize;

use super::input::InputObject;
use super::object::Object;
use super::rollup::{self, NotCounted, RollUp};
use super::status::{HealthStatus, HealthStatusCode};
use super::{Assessor, Decider};

/// One assessed object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// API group (`""` for core).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Namespace (`""` when absent).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Its health (`null` when nothing assesses its kind).
    pub health: Option<HealthStatus>,
    /// What decided it: `deletion`, a rule's origin, Argo CD's check or Lua, or `generic
    /// conditions (kstatus)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessed_by: Option<String>,
    /// Why it does not count towards the app's health, if it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_counted: Option<NotCounted>,
}

/// Rows and roll-up.
#[derive(Debug, Clone)]
pub struct Report {
    /// One row per object, in input order.
    pub rows: Vec<Row>,
    /// The app's health.
    pub roll_up: RollUp,
}

/// Assesses every object.
pub fn assess_all(assessor: &Assessor, objects: &[InputObject]) -> Report {
    let rows: Vec<Row> = objects
        .iter()
        .map(|o| {
            let obj = Object::new(&o.value);
            let (health, assessed_by) = match assessor.assess_object(&obj) {
                Some((h, by)) => (Some(h), Some(describe(&by))),
                None => (None, None),
            };
            let not_counted = rollup::not_counted(&obj, health.as_ref());
            Row {
                group: obj.group.to_string(),
                version: obj.version.to_string(),
                kind: super::object::str_at(&o.value, &["kind"])
                    .unwrap_or("")
                    .to_string(),
                namespace: obj.namespace().to_string(),
                name: obj.name().to_string(),
                health,
                assessed_by,
                not_counted,
            }
        })
        .collect();
    let roll_up = rollup::roll_up(rows.iter().map(|r| (r.health.as_ref(), r.not_counted)));
    Report { rows, roll_up }
}

/// How the report names the tier that decided.
fn describe(by: &Decider) -> String {
    match by {
        Decider::PendingDeletion => "deletion".to_string(),
        Decider::UserRule(origin) => format!("rule {origin}"),
        Decider::Builtin(source) => (*source).to_string(),
        Decider::BuiltinRule(origin) => format!("rollpin built-in rule {origin}"),
        Decider::Generic => "generic conditions (kstatus)".to_string(),
        Decider::Lua(origin) => format!("lua {origin}"),
    }
}

/// How a cell reads in the table: one line, no trailing spaces, `-` when empty.
fn cell(s: &str) -> String {
    let one_line: String = s
        .trim_end()
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            }
        })
        .collect();
    if one_line.is_empty() {
        "-".to_string()
    } else {
        one_line
    }
}

impl Report {
    /// The table, kubectl style (columns padded to the widest cell plus three spaces).
    pub fn table(&self) -> String {
        let mut lines: Vec<[String; 5]> = vec![[
            "KIND".into(),
            "NAMESPACE".into(),
            "NAME".into(),
            "STATUS".into(),
            "MESSAGE".into(),
        ]];
        for r in &self.rows {
            let (status, message) = match &r.health {
                Some(h) => (h.status.to_string(), h.message.clone()),
                None => (String::new(), "(no health check)".to_string()),
            };
            let message = match r.not_counted {
                Some(NotCounted::NoHealthCheck) | None => message,
                Some(why) if message.is_empty() => format!("(not counted: {})", why.describe()),
                Some(why) => format!("(not counted: {}) {message}", why.describe()),
            };
            lines.push([
                cell(&r.kind),
                cell(&r.namespace),
                cell(&r.name),
                cell(&status),
                if message.is_empty() {
                    String::new()
                } else {
                    cell(&message)
                },
            ]);
        }
        let mut widths = [0usize; 4];
        for l in &lines {
            for (w, c) in widths.iter_mut().zip(l.iter()) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        for l in &lines {
            let mut line = String::new();
            for (i, c) in l.iter().enumerate() {
                line.push_str(c);
                if i < 4 {
                    line.push_str(&" ".repeat(widths[i] - c.chars().count() + 3));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// `Health: Degraded (3 counted: 2 Healthy, 1 Degraded; not counted: 1 hook)`.
    pub fn summary(&self) -> String {
        let counted: usize = self.roll_up.counted.iter().map(|(_, n)| n).sum();
        let mut s = format!("Health: {} ({counted} counted", self.roll_up.status);
        if !self.roll_up.counted.is_empty() {
            let parts: Vec<String> = self
                .roll_up
                .counted
                .iter()
                .map(|(code, n)| format!("{n} {code}"))
                .collect();
            s.push_str(": ");
            s.push_str(&parts.join(", "));
        }
        if !self.roll_up.not_counted.is_empty() {
            let parts: Vec<String> = self
                .roll_up
                .not_counted
                .iter()
                .map(|(why, n)| format!("{n} {}", why.describe()))
                .collect();
            s.push_str("; not counted: ");
            s.push_str(&parts.join(", "));
        }
        s.push(')');
        s
    }

    /// The report as pretty JSON.
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Counts {
            status: HealthStatusCode,
            count: usize,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Skipped {
            reason: NotCounted,
            count: usize,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Health {
            status: HealthStatusCode,
            counted: Vec<Counts>,
            not_counted: Vec<Skipped>,
        }
        #[derive(Serialize)]
        struct Out<'a> {
            health: Health,
            resources: &'a [Row],
        }
        let out = Out {
            health: Health {
                status: self.roll_up.status,
                counted: self
                    .roll_up
                    .counted
                    .iter()
                    .map(|(status, count)| Counts {
                        status: *status,
                        count: *count,
                    })
                    .collect(),
                not_counted: self
                    .roll_up
                    .not_counted
                    .iter()
                    .map(|(reason, count)| Skipped {
                        reason: *reason,
                        count: *count,
                    })
                    .collect(),
            },
            resources: &self.rows,
        };
        let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
        s.push('\n');
        s
    }
}
