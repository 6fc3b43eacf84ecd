//! YAML writer reproducing go-yaml v2's output as kustomize drives it (JSON → v2 emitter).
//!
//! This is a port of the parts of libyaml's emitter (`emitterc.go`) that a JSON-shaped value can
//! reach: block mappings and sequences, `{}`/`[]` for empty ones, simple keys up to 128 bytes
//! (`? key` beyond, or for multi-line keys), and plain, single-quoted, double-quoted and literal
//! scalars folded at 80 columns. The emitter state (`column`, `whitespace`, `indention`, the
//! indent) is tracked exactly as libyaml does, because it decides every line break and space.
//! Style choice lives in [`super::scalar`], key order in [`super::key_order`], number text in
//! [`super::number`].

use super::key_order::sort_by_key;
use super::number::write_number;
use super::scalar::{
    Analysis, Style, analyze, is_break, is_printable, json_round_trip, select_style,
};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// go-yaml v2's `best_width`.
const BEST_WIDTH: usize = 80;
/// go-yaml v2's `best_indent`.
const BEST_INDENT: i32 = 2;

/// Appends one document (no `---` separator) to `out`.
pub fn write_document(value: &Value, out: &mut String) {
    let mut e = Emitter {
        out,
        indent: -1,
        column: 0,
        whitespace: true,
        indention: true,
    };
    e.node(value, false);
    // DOCUMENT-END: end the last line.
    e.write_indent();
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

/// The documents of a stream [`write_stream`] wrote, without their separators. The writer
/// puts a `---` line at column 0 only between documents: every nested line is indented,
/// and a scalar that starts with `---` is quoted.
pub fn split_stream(stream: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    while let Some(i) = stream[start..].find("\n---\n") {
        let end = start + i + 1;
        docs.push(&stream[start..end]);
        start = end + 4;
    }
    if start < stream.len() {
        docs.push(&stream[start..]);
    }
    docs
}

/// Pairs `map`'s values with their round-tripped keys (`folded`, in map order). When two keys
/// read back the same, the later one in Go's JSON order (byte order, as the map's) wins.
fn round_tripped_entries<'a>(
    map: &'a Map<String, Value>,
    folded: &'a [String],
) -> Vec<(&'a str, &'a Value)> {
    let mut entries: Vec<(&str, &Value)> = Vec::with_capacity(map.len());
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(map.len());
    for (k, v) in folded.iter().zip(map.values()) {
        match index.get(k.as_str()) {
            Some(&i) => entries[i].1 = v,
            None => {
                index.insert(k, entries.len());
                entries.push((k, v));
            }
        }
    }
    entries
}

/// libyaml emitter state for one document.
struct Emitter<'a> {
    out: &'a mut String,
    indent: i32,
    /// Characters (not bytes) written on the current line.
    column: usize,
    whitespace: bool,
    indention: bool,
}

impl Emitter<'_> {
    /// `yaml_emitter_emit_node` for a value (never a simple key: keys are strings and go
    /// through [`Self::string`]); `mapping` is libyaml's `mapping_context`.
    fn node(&mut self, value: &Value, mapping: bool) {
        match value {
            Value::Null => self.short_plain("null"),
            Value::Bool(b) => self.short_plain(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                if !self.whitespace {
                    self.put(' ');
                }
                let start = self.out.len();
                write_number(n, self.out);
                self.column += self.out.len() - start;
                self.whitespace = false;
                self.indention = false;
            }
            Value::String(s) => {
                let a = analyze(s);
                if a.nel {
                    let s = json_round_trip(s);
                    self.string(&s, &analyze(&s), false);
                } else {
                    self.string(s, &a, false);
                }
            }
            Value::Array(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Object(map) if map.is_empty() => self.empty_flow("{", "}"),
            Value::Array(items) => {
                let saved = self.indent;
                self.increase_indent(false, mapping && !self.indention);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, false);
                }
                self.indent = saved;
            }
            Value::Object(map) => {
                let saved = self.indent;
                self.increase_indent(false, false);
                let mut has_nel = false;
                let mut entries: Vec<(&str, &Value)> = map
                    .iter()
                    .map(|(k, v)| {
                        // A cheap superset of "contains U+0085" (0x85 also continues other chars).
                        has_nel |= k.as_bytes().contains(&0x85);
                        (k.as_str(), v)
                    })
                    .collect();
                let folded: Vec<String>;
                if has_nel && map.keys().any(|k| k.contains('\u{85}')) {
                    folded = map
                        .keys()
                        .map(|k| json_round_trip(k).into_owned())
                        .collect();
                    entries = round_tripped_entries(map, &folded);
                }
                sort_by_key(&mut entries, |(k, _)| k);
                for (k, v) in entries {
                    self.write_indent();
                    let a = analyze(k);
                    if !a.multiline && k.len() <= 128 {
                        self.string(k, &a, true);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.string(k, &a, false);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(v, true);
                }
                self.indent = saved;
            }
        }
    }

    /// A plain scalar that can never be folded (no spaces): `null`, booleans.
    fn short_plain(&mut self, text: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        self.out.push_str(text);
        self.column += text.len();
        self.whitespace = false;
        self.indention = false;
    }

    /// An empty sequence or mapping, which libyaml writes in flow style.
    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    /// `yaml_emitter_emit_scalar` for a string.
    fn string(&mut self, s: &str, a: &Analysis, simple_key: bool) {
        let saved = self.indent;
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match select_style(s, a, simple_key) {
            Style::Plain => self.plain(s, allow_breaks),
            Style::SingleQuoted => self.single_quoted(s, allow_breaks),
            Style::DoubleQuoted => self.double_quoted(s, allow_breaks),
            Style::Literal => self.literal(s),
        }
        self.indent = saved;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// `write_break`: `\n` is written as a line break, other breaks as themselves.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = usize::try_from(self.indent).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        self.out.push_str(ind);
        self.column += ind.chars().count();
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    /// `yaml_emitter_write_plain_scalar`. Plain style is only chosen for text without line
    /// breaks, so only spaces need care: one is replaced by a line break when the column is
    /// past [`BEST_WIDTH`] and neither it nor the next character is another space.
    fn plain(&mut self, s: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let b = s.as_bytes();
        let mut spaces = false;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && b.get(i + 1) != Some(&b' ')
                {
                    self.write_indent();
                } else {
                    self.put(' ');
                }
                spaces = true;
                i += 1;
            } else {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b' ')
                    .map_or(b.len(), |p| i + p);
                let word = s.get(i..end).unwrap_or_default();
                self.out.push_str(word);
                self.column += word.chars().count();
                self.indention = false;
                spaces = false;
                i = end;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn single_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let b = s.as_bytes();
        let mut spaces = false;
        let mut breaks = false;
        for (i, c) in s.char_indices() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < b.len()
                    && b.get(i + 1) != Some(&b' ')
                {
                    self.write_indent();
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn double_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // libyaml's `is_bom` looks at the start of the value, not at the current character:
        // a value starting with U+FEFF has every character escaped.
        let bom = s.starts_with('\u{FEFF}');
        let b = s.as_bytes();
        let mut spaces = false;
        for (i, c) in s.char_indices() {
            if bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.escape(c);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i + 1 < b.len() {
                    self.write_indent();
                    if b.get(i + 1) == Some(&b' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// One escape sequence of a double-quoted scalar.
    fn escape(&mut self, c: char) {
        self.put('\\');
        let short = match c {
            '\0' => '0',
            '\u{7}' => 'a',
            '\u{8}' => 'b',
            '\t' => 't',
            '\n' => 'n',
            '\u{B}' => 'v',
            '\u{C}' => 'f',
            '\r' => 'r',
            '\u{1B}' => 'e',
            '"' => '"',
            '\\' => '\\',
            '\u{85}' => 'N',
            '\u{A0}' => '_',
            '\u{2028}' => 'L',
            '\u{2029}' => 'P',
            _ => {
                let v = c as u32;
                let (letter, digits) = match v {
                    0..=0xFF => ('x', 2),
                    0x100..=0xFFFF => ('u', 4),
                    _ => ('U', 8),
                };
                self.put(letter);
                for k in (0..digits).rev() {
                    let d = (v >> (4 * k)) & 0xF;
                    self.put(char::from_digit(d, 16).map_or('0', |c| c.to_ascii_uppercase()));
                }
                return;
            }
        };
        self.put(short);
    }

    fn literal(&mut self, s: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: indentation indicator, then chomping.
        if s.starts_with(' ') || s.chars().next().is_some_and(is_break) {
            self.write_indicator("2", false, false, false);
        }
        let mut rev = s.chars().rev();
        let chomp = match rev.next() {
            Some(last) if is_break(last) => match rev.next() {
                Some(prev) if !is_break(prev) => None,
                _ => Some("+"),
            },
            _ => Some("-"),
        };
        if let Some(hint) = chomp {
            self.write_indicator(hint, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < s.len() {
            match next_break(s, i) {
                Some((j, c)) if j == i => {
                    self.write_break(c);
                    self.indention = true;
                    breaks = true;
                    i += c.len_utf8();
                }
                found => {
                    let end = found.map_or(s.len(), |(j, _)| j);
                    if breaks {
                        self.write_indent();
                    }
                    let line = s.get(i..end).unwrap_or_default();
                    self.out.push_str(line);
                    self.column += line.chars().count();
                    self.indention = false;
                    breaks = false;
                    i = end;
                }
            }
        }
    }
}

/// The next line break (libyaml `is_break`) in `s` at or after byte `from`.
fn next_break(s: &str, from: usize) -> Option<(usize, char)> {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(&byte) = b.get(i) {
        let c = match (byte, b.get(i + 1), b.get(i + 2)) {
            (b'\n', _, _) => Some('\n'),
            (b'\r', _, _) => Some('\r'),
            (0xC2, Some(0x85), _) => Some('\u{85}'),
            (0xE2, Some(0x80), Some(0xA8)) => Some('\u{2028}'),
            (0xE2, Some(0x80), Some(0xA9)) => Some('\u{2029}'),
            _ => None,
        };
        if let Some(c) = c {
            return Some((i, c));
        }
        i += 1;
    }
    None
}
