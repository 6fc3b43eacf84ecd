//! The text report's lines: one per drift, in the words `rollpin verify` prints.

use crate::release::{Drift, format_ref};

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
            "config   {what}: {} -> {}",
            side(&d.expected, "(not rendered)"),
            side(&d.actual, "(absent)")
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
