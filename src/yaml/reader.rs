//! Multi-document YAML reader: text → `serde_json::Value` documents, resolving scalars as
//! kustomize does (go-yaml v3 for resources, go-yaml v2 / YAML 1.1 for kustomization files).
//!
//! Resource files follow kyaml's `kio.FromBytes`: the text is split on `\n---…\n` lines
//! (anything but a comment after `---` is an error), only the first document of each piece is
//! read (text after a `...` end marker is ignored), empty and null documents are dropped, and
//! anchors and merge keys are expanded. Kustomization files are read like `yaml.Unmarshal`
//! of go-yaml v2: the first document only. Scalars are resolved in `read_scalar`, the tree
//! is converted in `read_tree`; this module drives saphyr-parser and places errors.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use serde_json::Value;

use super::read_scalar::short_tag;
use super::read_tree::{Builder, Pos, Tree, TreeError};

/// Which YAML implementation's scalar rules to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// go-yaml v3 as kyaml reads resources: `yes`/`on` are strings, `0755` is octal,
    /// unquoted timestamps become RFC 3339 strings, duplicate keys are an error.
    Kyaml,
    /// go-yaml v2 (YAML 1.1) as `sigs.k8s.io/yaml` reads kustomization files: `yes`, `y`,
    /// `on`, … are booleans; duplicate keys are accepted and the last one wins.
    Yaml11,
}

/// One document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document's value (never `Null`: empty documents are skipped).
    pub value: Value,
    /// 1-based line on which the document's content starts.
    pub line: usize,
}

/// A YAML syntax or resolution error, with its 1-based position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct YamlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, in go-yaml's words where there are some.
    pub message: String,
}

/// Bounds that keep hostile input from exhausting memory or the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most JSON nodes (scalars, sequences, mappings) a whole stream may produce, counting
    /// every expansion of an alias (stops "billion laughs").
    pub max_nodes: usize,
    /// Deepest nesting of collections, aliases included.
    pub max_depth: usize,
}

impl Limits {
    /// 10 million nodes, depth 1000.
    pub const DEFAULT: Limits = Limits {
        max_nodes: 10_000_000,
        max_depth: 1000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Parses every document of `text` with [`Limits::DEFAULT`].
pub fn parse_stream(text: &str, schema: Schema) -> Result<Vec<Document>, YamlError> {
    parse_stream_with_limits(text, schema, Limits::DEFAULT)
}

/// Parses every document of `text` (for [`Schema::Yaml11`], the first document only, as
/// go-yaml v2's `Unmarshal` does).
pub fn parse_stream_with_limits(
    text: &str,
    schema: Schema,
    limits: Limits,
) -> Result<Vec<Document>, YamlError> {
    check_characters(text)?;
    let mut budget = limits.max_nodes;
    let mut docs = Vec::new();
    match schema {
        Schema::Kyaml => {
            let text: Cow<'_, str> = if text.contains("\r\n") {
                text.replace("\r\n", "\n").into()
            } else {
                text.into()
            };
            for piece in split_documents(&text)? {
                docs.extend(first_document(&piece, schema, limits, &mut budget)?);
            }
        }
        Schema::Yaml11 => {
            let whole = Piece { text, line: 0 };
            docs.extend(first_document(&whole, schema, limits, &mut budget)?);
        }
    }
    Ok(docs)
}

/// libyaml's reader check: only printable characters, tab and line breaks.
fn check_characters(text: &str) -> Result<(), YamlError> {
    let b = text.as_bytes();
    let bad = |i: usize| -> bool {
        match b[i] {
            b'\t' | b'\n' | b'\r' => false,
            0..=0x1f | 0x7f => true,
            // U+0080..U+009F except U+0085 (NEL).
            0xc2 => b
                .get(i + 1)
                .is_some_and(|&c| (0x80..=0x9f).contains(&c) && c != 0x85),
            // U+FFFE and U+FFFF.
            0xef => b.get(i + 1) == Some(&0xbf) && matches!(b.get(i + 2), Some(0xbe | 0xbf)),
            _ => false,
        }
    };
    match (0..b.len()).find(|&i| bad(i)) {
        None => Ok(()),
        Some(i) => {
            let line = 1 + b[..i].iter().filter(|&&c| c == b'\n').count();
            let line_start = b[..i]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |p| p + 1);
            Err(YamlError {
                line,
                column: 1 + text[line_start..i].chars().count(),
                message: "control characters are not allowed".into(),
            })
        }
    }
}

/// A part of the text holding (at most) one document.
struct Piece<'a> {
    text: &'a str,
    /// Lines before the piece.
    line: usize,
}

/// kyaml's `splitDocuments`: split on every `\n---<anything>\n`; the rest of a separator line
/// may only be blank or a comment.
fn split_documents(s: &str) -> Result<Vec<Piece<'_>>, YamlError> {
    let mut pieces = Vec::new();
    if s.is_empty() {
        return Ok(pieces);
    }
    let (mut prev, mut prev_line, mut line) = (0, 0, 0);
    let mut from = 0;
    while let Some(found) = s[from..].find("\n---") {
        let start = from + found;
        let Some(eol) = s[start + 4..].find('\n') else {
            break;
        };
        let end = start + 4 + eol + 1;
        line += s[from..start].bytes().filter(|&c| c == b'\n').count();
        let rest = s[start + 4..end].trim();
        if !rest.is_empty() && !rest.starts_with('#') {
            return Err(YamlError {
                line: line + 2,
                column: 1,
                message: format!("invalid document separator: {}", s[start..end].trim()),
            });
        }
        // The newline before the separator stays with the piece, as kyaml appends one.
        pieces.push(Piece {
            text: &s[prev..=start],
            line: prev_line,
        });
        line += 2;
        prev = end;
        prev_line = line;
        from = end;
    }
    pieces.push(Piece {
        text: &s[prev..],
        line: prev_line,
    });
    Ok(pieces)
}

/// Reads the first document of `piece`; `None` when it is empty or null.
fn first_document(
    piece: &Piece<'_>,
    schema: Schema,
    limits: Limits,
    budget: &mut usize,
) -> Result<Option<Document>, YamlError> {
    let at = |e: TreeError| YamlError {
        line: e.line + piece.line,
        column: e.column,
        message: e.message,
    };
    let Some(tree) = build(piece.text, limits.max_depth).map_err(at)? else {
        return Ok(None);
    };
    let line = tree.root_line() + piece.line;
    let value = tree
        .into_value(schema, budget, limits.max_depth)
        .map_err(at)?;
    Ok((!value.is_null()).then_some(Document { value, line }))
}

/// Builds the first document's tree from parser events.
///
/// saphyr rejects a tab between `:` and a value (`key:<TAB>value`), which libyaml accepts:
/// such tabs are turned into spaces and the piece is parsed again.
fn build(text: &str, max_depth: usize) -> Result<Option<Tree>, TreeError> {
    const MAX_TAB_FIXES: usize = 100;
    let mut fixed: Option<String> = None;
    for _ in 0..MAX_TAB_FIXES {
        let current = fixed.as_deref().unwrap_or(text);
        match build_once(current, max_depth) {
            Err(Failure::TabAfterColon(e)) => {
                let mut chars = CharIndex::new(current);
                let Some(end) = chars.byte_offset(e.marker().index()) else {
                    return Err(scan_error(current, &e));
                };
                let start = current[..end].trim_end_matches(['\t', ' ']).len();
                let mut owned = current.to_string();
                owned.replace_range(start..end, &" ".repeat(end - start));
                fixed = Some(owned);
            }
            Err(Failure::Tree(e)) => return Err(e),
            Ok(tree) => return Ok(tree),
        }
    }
    let current = fixed.as_deref().unwrap_or(text);
    match build_once(current, max_depth) {
        Ok(tree) => Ok(tree),
        Err(Failure::TabAfterColon(e)) => Err(scan_error(current, &e)),
        Err(Failure::Tree(e)) => Err(e),
    }
}

/// Why [`build_once`] failed.
enum Failure {
    /// saphyr's complaint about a tab after `:`, which libyaml accepts.
    TabAfterColon(ScanError),
    Tree(TreeError),
}

impl From<TreeError> for Failure {
    fn from(e: TreeError) -> Self {
        Failure::Tree(e)
    }
}

fn build_once(text: &str, max_depth: usize) -> Result<Option<Tree>, Failure> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::new(max_depth);
    let mut chars = CharIndex::new(text);
    loop {
        let Some(next) = parser.next_event() else {
            return Ok(None);
        };
        let (event, span) = match next {
            Ok(ok) => ok,
            Err(e) if e.info() == "':' must be followed by a valid YAML whitespace" => {
                return Err(Failure::TabAfterColon(e));
            }
            Err(e) => return Err(scan_error(text, &e).into()),
        };
        let pos = Pos {
            line: span.start.line(),
            col: span.start.col() + 1,
        };
        // A flow collection's start event ends with its `[` or `{`.
        let mut flow = || {
            let end = span.end.index();
            end > span.start.index() && matches!(chars.char_at(end - 1), Some('[' | '{'))
        };
        match event {
            Event::StreamEnd => return Ok(None),
            Event::DocumentEnd => return Ok(builder.finish()),
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
            Event::Alias(anchor) => {
                builder.alias(anchor, &alias_name(text, span.start.index()), pos)?;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| short_tag(&format!("{}{}", t.handle, t.suffix)).into());
                let plain = style == ScalarStyle::Plain;
                builder.scalar(value.into_owned(), plain, anchor, tag, pos)?;
            }
            Event::SequenceStart(anchor, _) => builder.start(false, flow(), anchor, pos)?,
            Event::MappingStart(anchor, _) => builder.start(true, flow(), anchor, pos)?,
            Event::SequenceEnd | Event::MappingEnd => builder.end(),
        }
    }
}

/// Maps saphyr's character indices to characters, moving forward through the text.
struct CharIndex<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> CharIndex<'a> {
    fn new(text: &'a str) -> Self {
        CharIndex {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    /// Byte offset of character `index` (the text's length for one past the end).
    fn byte_offset(&mut self, index: usize) -> Option<usize> {
        if self.ascii {
            return (index <= self.text.len()).then_some(index);
        }
        if index < self.chars {
            (self.chars, self.bytes) = (0, 0);
        }
        while self.chars < index {
            let c = self.text[self.bytes..].chars().next()?;
            self.bytes += c.len_utf8();
            self.chars += 1;
        }
        Some(self.bytes)
    }

    fn char_at(&mut self, index: usize) -> Option<char> {
        let at = self.byte_offset(index)?;
        self.text[at..].chars().next()
    }
}

/// The name of the alias starting at character `index` (`*name`).
fn alias_name(text: &str, index: usize) -> String {
    let at = CharIndex::new(text)
        .byte_offset(index)
        .unwrap_or(text.len());
    text[at..]
        .chars()
        .skip_while(|&c| c == '*')
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
        .collect()
}

/// A saphyr-parser error, reworded like go-yaml's where the two differ.
fn scan_error(text: &str, e: &ScanError) -> TreeError {
    let mark = e.marker();
    let info = e.info();
    let message = if info.starts_with("unexpected character") {
        "found character that cannot start any token".to_string()
    } else if info.contains("found unknown anchor") {
        format!(
            "unknown anchor '{}' referenced",
            alias_name(text, mark.index())
        )
    } else if let Some((_, problem)) = info.strip_prefix("while ").and_then(|s| s.split_once(", "))
    {
        problem.replace("expected ',' or ']'", "did not find expected ',' or ']'")
    } else {
        info.to_string()
    };
    TreeError {
        line: mark.line().max(1),
        column: mark.col() + 1,
        message,
    }
}
