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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    if !b.is_empty() && b.is_ascii() {
        return analyze_ascii(b).analysis();
    }
    analyze_chars(value)
}

/// What the scan of a scalar found (libyaml's local flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Flags {
    block_indicators: bool,
    line_breaks: bool,
    special_characters: bool,
    leading_space: bool,
    leading_break: bool,
    trailing_space: bool,
    trailing_break: bool,
    break_space: bool,
    space_break: bool,
    nel: bool,
}

impl Flags {
    /// The styles the flags allow, as libyaml decides them.
    fn analysis(self) -> Analysis {
        let mut a = Analysis {
            multiline: self.line_breaks,
            nel: self.nel,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
        if self.leading_space || self.leading_break || self.trailing_space || self.trailing_break {
            a.block_plain_allowed = false;
        }
        if self.trailing_space {
            a.block_allowed = false;
        }
        if self.break_space {
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
        }
        if self.space_break || self.special_characters {
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
            a.block_allowed = false;
        }
        if self.line_breaks || self.block_indicators {
            a.block_plain_allowed = false;
        }
        a
    }
}

/// [`analyze`] for any text, one character at a time.
fn analyze_chars(value: &str) -> Analysis {
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
    Flags {
        block_indicators,
        line_breaks,
        special_characters,
        leading_space,
        leading_break,
        trailing_space,
        trailing_break,
        break_space,
        space_break,
        nel,
    }
    .analysis()
}

/// [`analyze`] for ASCII text (most scalars): the same flags, one byte at a time.
fn analyze_ascii(b: &[u8]) -> Flags {
    let mut block_indicators = b.starts_with(b"---") || b.starts_with(b"...");
    let followed_by_whitespace = |i: usize| matches!(b.get(i + 1), None | Some(b' ' | b'\t'));
    match b[0] {
        b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => block_indicators = true,
        b'?' | b':' | b'-' if followed_by_whitespace(0) => block_indicators = true,
        _ => {}
    }
    let mut special_characters = false;
    let mut line_breaks = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut preceded_by_whitespace = true;
    let mut previous_space = false;
    let mut previous_break = false;
    for (i, &c) in b.iter().enumerate() {
        if i > 0 {
            match c {
                b':' if followed_by_whitespace(i) => block_indicators = true,
                b'#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        special_characters |= !matches!(c, b'\n' | 0x20..=0x7E);
        match c {
            b' ' => {
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            }
            b'\r' | b'\n' => {
                line_breaks = true;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            }
            _ => {
                previous_space = false;
                previous_break = false;
            }
        }
        preceded_by_whitespace = matches!(c, b' ' | b'\t' | 0 | b'\r' | b'\n');
    }
    let last = b[b.len() - 1];
    Flags {
        block_indicators,
        line_breaks,
        special_characters,
        leading_space: b[0] == b' ',
        leading_break: matches!(b[0], b'\r' | b'\n'),
        trailing_space: last == b' ',
        trailing_break: matches!(last, b'\r' | b'\n'),
        break_space,
        space_break,
        nel: false,
    }
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

#[cfg(test)]
mod tests {
    use super::{analyze_ascii, analyze_chars};

    /// The ASCII fast path agrees with the general scan on every string of up to four
    /// characters over an alphabet of every character class the scan tells apart.
    #[test]
    fn ascii_path_matches_the_general_scan() {
        let alphabet: Vec<u8> = b"a -:#?,[]{}&*!|>'\"%@`.\t\r\n\x01\x7f0".to_vec();
        let mut s = Vec::new();
        fn each(alphabet: &[u8], s: &mut Vec<u8>, depth: usize, check: &mut dyn FnMut(&[u8])) {
            check(s);
            if depth == 0 {
                return;
            }
            for &c in alphabet {
                s.push(c);
                each(alphabet, s, depth - 1, check);
                s.pop();
            }
        }
        let mut checked = 0;
        each(&alphabet, &mut s, 4, &mut |b| {
            if b.is_empty() {
                return;
            }
            let text = std::str::from_utf8(b).expect("ascii");
            assert_eq!(analyze_ascii(b).analysis(), analyze_chars(text), "{text:?}");
            checked += 1;
        });
        assert!(checked > 100_000, "{checked}");
        for text in [
            "---", "--- x", "...", "a: b", "a #b", "a#b", "- x", "-x", "x ",
        ] {
            assert_eq!(
                analyze_ascii(text.as_bytes()).analysis(),
                analyze_chars(text),
                "{text:?}"
            );
        }
    }
}
