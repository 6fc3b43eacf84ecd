//! YAML in and out, exactly as kustomize 5.5 reads and writes it.
//!
//! kustomize reads files with go-yaml v3 (kyaml) and writes its output through a round
//! trip — object → JSON → go-yaml v2 — so what a user sees is decided by two different YAML
//! implementations. [`reader`] reproduces the first (scalar resolution, anchors and merge
//! keys, line numbers for errors), [`writer`] the second (natural key order, YAML 1.1-aware
//! quoting, literal blocks, 80-column folding, Go's number formatting). Values in between
//! are plain [`serde_json::Value`] trees.

mod key_order;
mod number;
mod quoting;
mod read_folded;
mod read_scalar;
mod read_tree;
pub mod reader;
mod scalar;
pub mod writer;
#[cfg(test)]
mod writer_tests;

pub use reader::{Document, Limits, Schema, YamlError, parse_stream, parse_stream_with_limits};
pub use writer::{split_stream, write_document, write_stream};

/// What go-yaml v3 reads `text` as when it is written as a plain (unquoted) scalar:
/// `None` for a string, else the kind (`"an integer"`, `"a boolean"`, `"null"`, …).
/// `<<` reads as the merge key.
pub fn plain_scalar_kind(text: &str) -> Option<&'static str> {
    use read_scalar::{Dialect, Resolved, resolve_plain};
    if text == "<<" {
        return Some("the merge key");
    }
    Some(match resolve_plain(text, Dialect::V3) {
        Resolved::Str | Resolved::Binary(_) => return None,
        Resolved::Null => "null",
        Resolved::Bool(_) => "a boolean",
        Resolved::Int(_) | Resolved::Uint(_) => "an integer",
        Resolved::Float(_) => "a float",
        Resolved::Timestamp(_) => "a timestamp",
    })
}
