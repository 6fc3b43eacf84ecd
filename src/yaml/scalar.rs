//! Scalar style choice of the YAML writer: go-yaml v2's `stringv` request (literal for text with
//! `\n`, double quotes for YAML 1.1 look-alikes, plain otherwise) narrowed by libyaml's
//! `yaml_emitter_analyze_scalar` / `yaml_emitter_select_scalar_style` (block context only).

use super::quoting::needs_double_quotes;
use std::borrow::Cow;

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// The parts of libyaml's scalar analysis that matter in block context.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Analysis {
    /// Contains a line break (`\n`, `\r`, U+0085, U+2028, U+2029).
    pub(crate) multiline: bool,
    /// Contains U+0085, which [`json_round_trip`] changes.
    pub(crate) nel: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// The text go-yaml v2 reads back from Go's JSON encoding of `s`.
///
/// `json.Marshal` escapes every other line break but writes U+0085 (NEL) raw, and v2's scanner
/// folds a raw line break inside a double-quoted scalar: spaces before it are dropped, spaces
/// after it are skipped, and a lone break becomes one space while `n + 1` consecutive breaks
/// become `n` newlines. (`json.Marshal` also writes U+007F–U+009F, U+FFFE and U+FFFF raw, which
/// v2 rejects: kustomize fails with "control characters are not allowed".)
pub(crate) fn json_round_trip(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != ' ' && c != '\u{85}' {
            out.push(c);
            continue;
        }
        let mut spaces = 0;
        let mut leading_break = false;
        let mut trailing_breaks = 0;
        let mut cur = Some(c);
        while let Some(c) = cur {
            match (c, leading_break) {
                (' ', false) => spaces += 1,
                (' ', true) => {}
                (_, false) => leading_break = true,
                (_, true) => trailing_breaks += 1,
            }
            cur = chars.next_if(|&n| n == ' ' || n == '\u{85}');
        }
        let (fill, n) = match (leading_break, trailing_breaks) {
            (false, _) => (' ', spaces),
            (true, 0) => (' ', 1),
            (true, n) => ('\n', n),
        };
        out.extend(std::iter::repeat_n(fill, n));
    }
    Cow::Owned(out)
}

/// libyaml `is_printable` on a decoded character. go-yaml v2 rejects every 4-byte UTF-8
/// sequence, so characters outside the BMP are not printable.
pub(crate) fn is_printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

/// libyaml `is_break`.
pub(crate) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// `yaml_emitter_analyze_scalar`, byte for byte.
pub(crate) fn analyze(value: &str) -> Analysis {
    let b = value.as_bytes();
    if b.is_empty() {
        return Analysis {
            multiline: false,
            nel: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = b.starts_with(b"---") || b.starts_with(b"...");
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut preceded_by_whitespace = true;
    let mut previous_space = false;
    let mut previous_break = false;
    let mut nel = false;

    for (i, c) in value.char_indices() {
        let next = i + c.len_utf8();
        let followed_by_whitespace = matches!(b.get(next), None | Some(b' ' | b'\t'));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= next == b.len();
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            nel |= c == '\u{85}';
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= next == b.len();
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        // libyaml `is_blankz`: space, tab, line break or NUL.
        preceded_by_whitespace = matches!(c, ' ' | '\t' | '\0') || is_break(c);
    }

    let mut a = Analysis {
        multiline: line_breaks,
        nel,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// The style go-yaml v2 ends up with for the string `s` (analysed as `a`); `simple_key` is true
/// for a mapping key written as `key: value`.
pub(crate) fn select_style(s: &str, a: &Analysis, simple_key: bool) -> Style {
    let mut style = if s.contains('\n') {
        Style::Literal
    } else if needs_double_quotes(s) {
        Style::DoubleQuoted
    } else {
        Style::Plain
    };
    if simple_key && a.multiline {
        style = Style::DoubleQuoted;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
        style = Style::SingleQuoted;
    }
    if style == Style::SingleQuoted && !a.single_quoted_allowed {
        style = Style::DoubleQuoted;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::DoubleQuoted;
    }
    style
}
