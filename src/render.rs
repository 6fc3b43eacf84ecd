//! `rollpin render`: build a directory and write the stream exactly as `kustomize build`
//! prints it.

use std::path::Path;

use crate::kustomize::{self, Options, fs::FileSystem};
use crate::resource::Resource;

/// The rendered stream and the warnings to print on stderr.
#[derive(Debug)]
pub struct Rendered {
    /// The YAML stream (documents joined by `---`).
    pub yaml: String,
    /// Warnings (kustomize's deprecation messages).
    pub warnings: Vec<String>,
    /// The rendered resources, in output order.
    pub resources: Vec<Resource>,
}

/// Streams shorter than this are written on one thread.
const PARALLEL_WRITE_MIN_DOCS: usize = 64;

/// Writes resources as a `---`-joined stream, splitting the work across two threads for
/// large streams (the output is the same bytes either way).
pub fn write_resources(resources: &[Resource]) -> String {
    let write = |part: &[Resource]| {
        let mut s = String::new();
        crate::yaml::write_stream(part.iter().map(|r| &r.obj), &mut s);
        s
    };
    if resources.len() < PARALLEL_WRITE_MIN_DOCS {
        return write(resources);
    }
    let (a, b) = resources.split_at(resources.len() / 2);
    let (first, second) = std::thread::scope(|s| {
        let h = s.spawn(|| write(b));
        let first = write(a);
        (first, h.join())
    });
    let Ok(second) = second else {
        // The writer does not panic on any value; fall back to one thread if it ever did.
        return write(resources);
    };
    let mut out = first;
    out.reserve(second.len() + 4);
    out.push_str("---\n");
    out.push_str(&second);
    out
}

/// Builds `dir` and writes the YAML stream.
pub fn render(
    fs: &dyn FileSystem,
    dir: &Path,
    opts: &Options,
) -> Result<Rendered, kustomize::Error> {
    let out = kustomize::build(fs, dir, opts)?;
    Ok(Rendered {
        yaml: write_resources(&out.resources),
        warnings: out.warnings,
        resources: out.resources,
    })
}

/// The objects (and the release record, last) as one JSON `v1` List, for `rollpin render
/// -o json`: keys sorted, two-space indent, a final newline.
pub fn json_list(objects: &[&serde_json::Value], record: Option<&serde_json::Value>) -> String {
    let items: Vec<&serde_json::Value> = objects.iter().copied().chain(record).collect();
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
    s.push('\n');
    s
}
