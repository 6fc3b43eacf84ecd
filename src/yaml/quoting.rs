//! Writer-side YAML 1.1 implicit typing, as go-yaml v2's encoder checks it (`resolve.go` plus
//! `encode.go` `stringv`): decides which strings must be double-quoted because, written plain,
//! they would read back as something other than a string (`yes`, `on`, `~`, `0755`, `1e3`,
//! `2001-12-14`, `1:20`, `""`). Self-contained on purpose: only the yes/no answer matters here,
//! including v2's quirks (`1e400` and `2001-02-29` stay plain, `<<` stays plain).

use super::read_scalar::{go_parse_int, go_parse_uint, is_yaml_style_float};
use std::borrow::Cow;

/// True when go-yaml v2 would double-quote `s`: its plain form resolves to a non-string
/// (bool, null, int, float, timestamp) or is a YAML 1.1 base-60 float.
pub(crate) fn needs_double_quotes(s: &str) -> bool {
    !resolves_to_str(s) || is_base60_float(s)
}

/// go-yaml v2 `resolve("", s)` returns `!!str`.
fn resolves_to_str(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return false; // "" is null
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            !in_resolve_map(s)
        }
        b'.' => !(in_resolve_map(s) || crate::strconv::parse_float(s).is_some()),
        b'+' | b'-' | b'0'..=b'9' => !(in_resolve_map(s) || is_timestamp(s) || is_number(s)),
        // `<<` is in the map but its first byte has no hint, so it stays a string.
        _ => true,
    }
}

fn in_resolve_map(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    )
}

/// The int/float part of the `'D', 'S'` branch of `resolve`, on the text with `_` removed.
fn is_number(s: &str) -> bool {
    let plain: Cow<'_, str> = if s.contains('_') {
        Cow::Owned(s.replace('_', ""))
    } else {
        Cow::Borrowed(s)
    };
    let p = plain.as_ref();
    if go_parse_int(p, 0).is_some() || go_parse_uint(p, 0).is_some() {
        return true;
    }
    if is_yaml_style_float(p) {
        // strconv.ParseFloat fails only on overflow here (`1e400` stays a string).
        return p.parse::<f64>().map_or(true, f64::is_finite);
    }
    if let Some(rest) = p.strip_prefix("0b") {
        return go_parse_int(rest, 2).is_some() || go_parse_uint(rest, 2).is_some();
    }
    if let Some(rest) = p.strip_prefix("-0b") {
        // ParseInt("-" + rest, 2): the sign is already consumed, so a second one fails.
        return go_parse_uint(rest, 2).is_some_and(|u| u <= 1 << 63);
    }
    false
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$` (go-yaml v2 `isBase60Float`).
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) || !b.contains(&b':') {
        return false;
    }
    i += 1;
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let d0 = b.get(i).copied();
        let d1 = b.get(i + 1).copied();
        // Greedy is exact: a second digit left over could never match what follows.
        if matches!(d0, Some(b'0'..=b'5')) && d1.is_some_and(|c| c.is_ascii_digit()) {
            i += 2;
        } else if d0.is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        } else {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml v2 `parseTimestamp`: four digits and `-`, then one of Go's layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (also with `t`), `2006-1-2 15:4:5.999999999`, `2006-1-2`,
/// with `time.Parse`'s range checks (month, day of month, hour, minute, second, zone).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year = b[..4]
        .iter()
        .fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'));
    let mut i = 5;
    let Some(month) = getnum(b, &mut i) else {
        return false;
    };
    if !(1..=12).contains(&month) || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = getnum(b, &mut i) else {
        return false;
    };
    if day < 1 || day > days_in(month, year) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let with_zone = match b[i] {
        b'T' | b't' => {
            i += 1;
            true
        }
        b' ' => {
            // A space in a Go layout matches any run of spaces.
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
            false
        }
        _ => return false,
    };
    for (k, max) in [(0, 24), (1, 60), (2, 60)] {
        if k > 0 {
            if b.get(i) != Some(&b':') {
                return false;
            }
            i += 1;
        }
        match getnum(b, &mut i) {
            Some(n) if n < max => {}
            _ => return false,
        }
    }
    // Fractional seconds: `.` or `,` and at least one digit.
    if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if with_zone {
        match b.get(i) {
            Some(b'Z') => i += 1,
            Some(b'+' | b'-') => {
                let two = |j: usize| -> Option<u32> {
                    let (x, y) = (*b.get(j)?, *b.get(j + 1)?);
                    (x.is_ascii_digit() && y.is_ascii_digit())
                        .then(|| u32::from(x - b'0') * 10 + u32::from(y - b'0'))
                };
                if b.get(i + 3) != Some(&b':') {
                    return false;
                }
                match (two(i + 1), two(i + 4)) {
                    (Some(h), Some(m)) if h <= 24 && m <= 60 => i += 6,
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
    i == b.len()
}

/// Go time `getnum(s, false)`: one or two digits.
fn getnum(b: &[u8], i: &mut usize) -> Option<u32> {
    let d0 = *b.get(*i).filter(|c| c.is_ascii_digit())?;
    *i += 1;
    let mut n = u32::from(d0 - b'0');
    if let Some(&d1) = b.get(*i).filter(|c| c.is_ascii_digit()) {
        *i += 1;
        n = n * 10 + u32::from(d1 - b'0');
    }
    Some(n)
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
