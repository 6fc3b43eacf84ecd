//! Multi-document YAML reader: text → `serde_json::Value` documents, resolving scalars as
//! kustomize does (go-yaml v3 for resources, go-yaml v2 / YAML 1.1 for kustomization files).
//!
//! Resource files follow kyaml's `kio.FromBytes`: the text is split on `\n---…\n` lines
//! (anything but a comment after `---` is an error), only the first document of each piece is
//! read (text after a `...` end marker is ignored), empty and null documents are dropped, and
//! anchors and merge keys are expanded. Kustomization files are read like `yaml.Unmarshal`
//! of go-yaml v2: the first document only.
//!
//! This module drives saphyr-parser (patching the spots where it is stricter than
//! libyaml) and places errors; scalars are resolved in `read_scalar`, the node tree is built
//! and converted in `read_tree`, and `read_folded` replays kyaml's lossy write-back of
//! folded (`>`) scalars.

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
    /// Like [`Schema::Kyaml`], for strategic-merge patches: a null annotation value stays
    /// null (it deletes the annotation) instead of becoming the text `"null"`.
    KyamlPatch,
    /// Like [`Schema::Kyaml`], for objects `rollpin health` assesses: a duplicate mapping
    /// key is accepted and the last value wins, as Argo CD's decoder (`sigs.k8s.io/yaml`)
    /// does with what `kubectl get -o yaml` prints. Render keeps refusing duplicates. Folded
    /// (`>`) scalars keep their YAML value: kyaml's lossy write-back is kustomize's, not
    /// Argo CD's.
    ArgoCdObjects,
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
    /// Key paths (through mappings only) of values written as nothing (`key:`): kustomize
    /// drops these fields once a strategic-merge patch has walked the object.
    pub empty_fields: Vec<Vec<String>>,
    /// Nodes the document produced (every alias expansion counted), as the
    /// [`Limits::max_nodes`] budget counts them.
    pub nodes: usize,
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
    /// Deepest nesting of collections, aliases included. Conversion recurses once per
    /// level (under 1 KiB of stack per level in release builds, about 2 KiB in debug).
    pub max_depth: usize,
}

impl Limits {
    /// 10 million nodes, depth 512 (real manifests stay far below; a 2 MiB thread stack
    /// holds it even in a debug build).
    pub const DEFAULT: Limits = Limits {
        max_nodes: 10_000_000,
        max_depth: 512,
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
        Schema::Kyaml | Schema::KyamlPatch | Schema::ArgoCdObjects => {
            let text: Cow<'_, str> = if text.contains("\r\n") {
                text.replace("\r\n", "\n").into()
            } else {
                text.into()
            };
            let pieces = split_documents(&text)?;
            if text.len() >= PARALLEL_MIN_BYTES && pieces.len() > 1 {
                return parse_pieces_in_parallel(&pieces, schema, limits);
            }
            for piece in &pieces {
                docs.extend(first_document(piece, schema, limits, &mut budget)?);
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
                // The rest of the line is not echoed: it may hold a secret value.
                message: "invalid document separator: only a comment may follow `---` on its line"
                    .into(),
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

/// Streams at least this large are parsed on two threads.
const PARALLEL_MIN_BYTES: usize = 256 * 1024;

/// Parses the documents of a large stream on two threads (documents are independent in
/// YAML: anchors do not cross them). The node budget stays a bound on the whole stream;
/// the first error in document order wins, so errors are the same as on one thread.
fn parse_pieces_in_parallel(
    pieces: &[Piece<'_>],
    schema: Schema,
    limits: Limits,
) -> Result<Vec<Document>, YamlError> {
    let total: usize = pieces.iter().map(|p| p.text.len()).sum();
    let mut acc = 0;
    let split = pieces
        .iter()
        .position(|p| {
            acc += p.text.len();
            acc * 2 >= total
        })
        .map_or(pieces.len() / 2, |i| i + 1)
        .clamp(1, pieces.len() - 1);
    let (a, b) = pieces.split_at(split);
    let run = |part: &[Piece<'_>]| -> (Result<Vec<Document>, YamlError>, usize) {
        let mut budget = limits.max_nodes;
        let mut out = Vec::new();
        for piece in part {
            match first_document(piece, schema, limits, &mut budget) {
                Ok(d) => out.extend(d),
                Err(e) => return (Err(e), budget),
            }
        }
        (Ok(out), budget)
    };
    let ((first, left_a), second) = std::thread::scope(|s| {
        let h = s.spawn(|| run(b));
        (run(a), h.join())
    });
    let (second, left_b) = match second {
        Ok(r) => r,
        Err(_) => run(b),
    };
    let mut docs = first?;
    docs.extend(second?);
    let used = (limits.max_nodes - left_a) + (limits.max_nodes - left_b);
    if used > limits.max_nodes {
        return Err(YamlError {
            line: 1,
            column: 1,
            message: format!(
                "document stream too large: more than {} nodes (after alias expansion)",
                limits.max_nodes
            ),
        });
    }
    Ok(docs)
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
    let before = *budget;
    let (value, empty_fields) = tree
        .into_value(schema, budget, limits.max_depth)
        .map_err(at)?;
    Ok((!value.is_null()).then_some(Document {
        value,
        line,
        empty_fields,
        nodes: before - *budget,
    }))
}

/// Builds the first document's tree from parser events.
///
/// saphyr is stricter than libyaml in three places real files hit: a tab between `:` and a
/// value (`key:<TAB>value`), a comment right after a token (`'x'#c`), and continuation
/// lines of a quoted scalar or a flow collection indented less than their node (or by tabs).
/// Such spots are patched (tabs become spaces, a space goes before the `#`, the lines are
/// indented) and the piece is parsed again, a bounded number of times.
fn build(text: &str, max_depth: usize) -> Result<Option<Tree>, TreeError> {
    // Re-parsing costs a pass over the piece each time: cap the total work near 64 MiB.
    let max_fixes = ((64 << 20) / text.len().max(1)).clamp(16, 1000);
    let mut fixed: Option<String> = None;
    let mut fixes = 0;
    loop {
        let current = fixed.as_deref().unwrap_or(text);
        let (e, fix) = match build_once(current, max_depth) {
            Ok(tree) => return Ok(tree),
            Err(Failure::Tree(e)) => return Err(e),
            Err(Failure::Strict(e, fix)) => (e, fix),
        };
        let at = CharIndex::new(current).byte_offset(e.marker().index());
        let Some(at) = at.filter(|_| fixes < max_fixes) else {
            return Err(scan_error(current, &e));
        };
        fixes += 1;
        let mut owned = current.to_string();
        match fix {
            Fix::SpaceBeforeComment => owned.insert(at, ' '),
            Fix::TabsToSpaces => {
                let start = current[..at].trim_end_matches(['\t', ' ']).len();
                let end = current.len() - current[at..].trim_start_matches(['\t', ' ']).len();
                owned.replace_range(start..end, &" ".repeat(end - start));
            }
            Fix::IndentFlowLine => {
                // Any column at or right of the flow collection's `[`/`{` is enough, and
                // blanks between flow tokens mean nothing: pad to the longest line so far.
                let start = current[..at].rfind('\n').map_or(0, |i| i + 1);
                let want = current[..start]
                    .lines()
                    .map(|l| l.chars().count())
                    .max()
                    .unwrap_or(0)
                    + 1;
                owned.insert_str(start, &" ".repeat(want));
            }
            Fix::IndentQuotedLines => match indent_quoted_lines(current, at) {
                Some(text) => owned = text,
                None => return Err(scan_error(current, &e)),
            },
        }
        fixed = Some(owned);
    }
}

/// Why [`build_once`] failed.
enum Failure {
    /// A saphyr complaint about something libyaml accepts, and how to patch it.
    Strict(ScanError, Fix),
    Tree(TreeError),
}

/// A patch that makes saphyr accept what libyaml accepts.
#[derive(Debug, Clone, Copy)]
enum Fix {
    /// Turn the blanks around the error position into spaces (after `key:`, or leading a
    /// quoted scalar's continuation line: not part of any value).
    TabsToSpaces,
    /// Insert a space before the `#` at the error position.
    SpaceBeforeComment,
    /// Indent the line of the error position (a flow collection's line left of the block
    /// it is in, which libyaml does not look at).
    IndentFlowLine,
    /// Indent the continuation lines of the quoted scalar starting at the error position.
    IndentQuotedLines,
}

/// libyaml takes the continuation lines of a quoted scalar at any indentation (`m: 'x` then
/// `y'` at column 0 reads `x y`), which saphyr refuses. Leading blanks of a continuation
/// line are not part of the value, so indenting each such line one column past the opening
/// quote changes nothing but saphyr's verdict. Empty lines and `---`/`...` lines at column 0
/// (which end the scalar with an error in both) are left as they are. `None` when nothing
/// needed indenting.
fn indent_quoted_lines(text: &str, quote_at: usize) -> Option<String> {
    let quote = text[quote_at..].chars().next()?;
    let line_start = text[..quote_at].rfind('\n').map_or(0, |i| i + 1);
    let want = text[line_start..quote_at].chars().count() + 1;
    let body_start = quote_at + quote.len_utf8();
    // Unclosed: indent to the end, so that saphyr reports the end of stream as libyaml does.
    let end = quoted_scalar_end(&text[body_start..], quote).map_or(text.len(), |e| e + body_start);
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(&text[..body_start]);
    let mut changed = false;
    for (i, line) in text[body_start..end].split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            let blanks = line.len() - line.trim_start_matches([' ', '\t']).len();
            let rest = &line[blanks..];
            let indicator = blanks == 0
                && (rest.starts_with("---") || rest.starts_with("..."))
                && rest[3..]
                    .chars()
                    .next()
                    .is_none_or(|c| matches!(c, ' ' | '\t' | '\r'));
            if blanks < want && !rest.trim_end_matches('\r').is_empty() && !indicator {
                // Blanks become spaces: saphyr also refuses a tab below the indentation.
                out.extend(std::iter::repeat_n(' ', want));
                out.push_str(rest);
                changed = true;
                continue;
            }
        }
        out.push_str(line);
    }
    out.push_str(&text[end..]);
    changed.then_some(out)
}

/// The byte offset of the quote that closes a scalar whose text (after its opening quote)
/// is `body`: `''` is a quote inside single quotes, `\` escapes inside double quotes.
fn quoted_scalar_end(body: &str, quote: char) -> Option<usize> {
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            ('\'', '\'') if chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                chars.next();
            }
            ('"', '\\') => {
                chars.next();
            }
            (q, c) if q == c => return Some(i),
            _ => {}
        }
    }
    None
}

impl From<TreeError> for Failure {
    fn from(e: TreeError) -> Self {
        Failure::Tree(e)
    }
}

fn build_once(text: &str, max_depth: usize) -> Result<Option<Tree>, Failure> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::new(max_depth, text.len());
    let mut chars = CharIndex::new(text);
    // A block scalar that is the last node of a text without a final line break.
    let mut last_is_block = false;
    let no_final_break = !text.ends_with('\n');
    loop {
        let Some(next) = parser.next_event() else {
            return Ok(None);
        };
        let (event, span) = match next {
            Ok(ok) => ok,
            Err(e) if e.info() == "':' must be followed by a valid YAML whitespace" => {
                return Err(Failure::Strict(e, Fix::TabsToSpaces));
            }
            Err(e) if e.info() == "comments must be separated from other tokens by whitespace" => {
                return Err(Failure::Strict(e, Fix::SpaceBeforeComment));
            }
            Err(e) if e.info() == "tab cannot be used as indentation" => {
                return Err(Failure::Strict(e, Fix::TabsToSpaces));
            }
            // saphyr raises these only inside `[…]`/`{…}`: block indentation is unrolled
            // before a token is read.
            Err(e)
                if e.info() == "invalid indentation"
                    || e.info() == "invalid indentation in flow construct" =>
            {
                return Err(Failure::Strict(e, Fix::IndentFlowLine));
            }
            Err(e) if e.info() == "invalid indentation in quoted scalar" => {
                return Err(Failure::Strict(e, Fix::IndentQuotedLines));
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
        if matches!(event, Event::StreamEnd | Event::DocumentEnd) && last_is_block && no_final_break
        {
            builder.strip_last_line_break();
        }
        last_is_block = matches!(
            event,
            Event::Scalar(_, ScalarStyle::Literal | ScalarStyle::Folded, _, _)
        ) || (last_is_block
            && matches!(event, Event::SequenceEnd | Event::MappingEnd));
        match event {
            Event::StreamEnd => return Ok(None),
            Event::DocumentEnd => return Ok(builder.finish()),
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
            Event::Alias(anchor) => {
                builder.alias(anchor, || alias_name(text, span.start.index()), pos)?;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| short_tag(&format!("{}{}", t.handle, t.suffix)).into());
                builder.scalar(value.into_owned(), style, anchor, tag, pos)?;
            }
            Event::SequenceStart(anchor, _) => builder.start(false, flow(), anchor, pos)?,
            Event::MappingStart(anchor, _) => builder.start(true, flow(), anchor, pos)?,
            Event::SequenceEnd | Event::MappingEnd => builder.end(),
        }
    }
}

/// Maps saphyr's character indices to byte offsets, walking from the last position asked
/// for (events arrive in text order, so the walk is linear overall).
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
        while self.chars > index {
            let c = self.text[..self.bytes].chars().next_back()?;
            self.bytes -= c.len_utf8();
            self.chars -= 1;
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

#[cfg(test)]
mod tests;
