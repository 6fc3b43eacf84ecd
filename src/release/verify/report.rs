//! The text report's lines: one per drift, in the words `rollpin verify` prints.

use crate::release::{Drift, format_ref};

/// The text report's lines for one drift: [`describe`], then one indented line per
/// changed field.
pub fn describe_with_changes(d: &Drift) -> Vec<String> {
    let mut lines = vec![describe(d)];
    for c in &d.changes {
        let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_string());
        lines.push(if c.secret {
            let len = |l: Option<i64>| l.map_or("none".to_string(), |n| format!("{n} bytes"));
            format!(
                "    {}: secret value changed ({} -> {}; values not shown)",
                c.path,
                len(c.old_length),
                len(c.new_length)
            )
        } else {
            format!("    {}: {} -> {}", c.path, side(&c.old), side(&c.new))
        });
    }
    if let Some(n) = d.changes_omitted {
        lines.push(format!("    … and {n} more changed fields"));
    }
    lines
}

/// One line of the text report.
pub fn describe(d: &Drift) -> String {
    let what = format_ref(&d.api_version, &d.kind, &d.namespace, &d.name);
    let side = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_string());
    let place = match (&d.container, &d.path) {
        (_, Some(path)) => format!("field {path}"),
        (Some(c), None) => match c.strip_prefix("init:") {
            Some(init) => format!("initContainer {init}"),
            None => format!("container {c}"),
        },
        (None, None) => "container".to_string(),
    };
    match d.field.as_str() {
        "image" if d.path.is_some() => format!(
            "image    {what} {place}: {} -> {}",
            side(&d.expected, "(no image there)"),
            side(&d.actual, "(no image there)")
        ),
        "image" => format!(
            "image    {what} {place}: {} -> {}",
            side(&d.expected, "(no such container)"),
            side(&d.actual, "(container gone)")
        ),
        "config" => format!(
            "config   {what}: {} -> {}{}",
            side(&d.expected, "(not rendered)"),
            side(&d.actual, "(absent)"),
            d.renamed_to
                .as_ref()
                .map(|n| format!(" (now generated as {n})"))
                .unwrap_or_default()
        ),
        "object" => match (&d.expected, &d.actual) {
            (None, Some(a)) => format!("object   {what}: not in the release, now {a}"),
            (Some(_), None) => format!("object   {what}: in the release, now absent"),
            (e, a) => format!("object   {what}: {} -> {}", side(e, ""), side(a, "")),
        },
        "unpinned" => format!(
            "unpinned {what} {place}: {} has no digest; a rollback would run whatever the registry serves for it",
            side(&d.expected, "")
        ),
        "running" if d.actual.is_none() => format!(
            "running  {what}: not running: no Pod of it in the live objects (add them: \
             kubectl get deploy,pods -o yaml; or --no-pods when the input holds none on purpose)"
        ),
        "running" => format!(
            "running  {what} {place}: runs {}, the release pins {}",
            side(&d.actual, ""),
            side(&d.expected, "")
        ),
        "stream" => format!(
            "stream   same objects, different stream (order or formatting): {} -> {}",
            side(&d.expected, ""),
            side(&d.actual, "")
        ),
        other => format!(
            "{other} {what}: {} -> {}",
            side(&d.expected, ""),
            side(&d.actual, "")
        ),
    }
}
