//! YAML writer reproducing go-yaml v2's output as kustomize drives it (JSON → v2 emitter).

use serde_json::Value;

/// Appends one document (no `---` separator) to `out`.
pub fn write_document(value: &Value, out: &mut String) {
    let _ = (value, out);
    todo!("yaml writer")
}

/// Writes documents joined by `---\n`, as `kustomize build` prints a stream.
pub fn write_stream<'a>(docs: impl IntoIterator<Item = &'a Value>, out: &mut String) {
    for (i, doc) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_document(doc, out);
    }
}
