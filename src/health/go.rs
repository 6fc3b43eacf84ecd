//! Go's formatting and parsing rules that Argo CD's health messages depend on: `%q`
//! (`strconv.Quote`), `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`), the
//! `GroupVersionKind` string, `time.Parse(time.RFC3339, …)` as
//! `unstructured.GetDeletionTimestamp` uses it, and `strconv.ParseInt` / `ParseFloat` as
//! gopher-lua's `tonumber` uses them (from [`crate::strconv`]).
//!
//! The built-in rules in [`super::builtin`] format their messages with these so that the
//! bytes match what Argo CD's Go code prints.

/// Go's `%q` of a string: double quotes, `\"` and `\\`, the short escapes for `\a \b \f \n
/// \r \t \v`, `\xNN` for other ASCII controls, `\uNNNN`/`\UNNNNNNNN` for characters
/// `strconv.IsPrint` rejects.
///
/// `IsPrint` is approximated by: not a control character, not a space other than U+0020,
/// and not in the Unicode "format" blocks that occur in practice (soft hyphen, zero-width
/// and bidi marks, word joiners, the BOM, interlinear annotations). Kubernetes names are
/// DNS labels, so real objects never reach the approximation.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `strconv.IsPrint` (see [`quote`]).
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f
        | 0x2028..=0x202e | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb
        | 0xe000..=0xf8ff | 0xf0000..)
}

/// Go's `%v` of a float64: the shortest representation, in exponent form when the decimal
/// exponent is below -4 or at least 6 (`1e+06`, `2.5`, `1e-05`).
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-tripping digits: "d.ddde±x".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    // Plain decimal notation.
    let point = exp + 1; // digits before the decimal point
    let body = if point <= 0 {
        format!("0.{}{}", "0".repeat(point.unsigned_abs() as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{}{}", digits, "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// `schema.GroupVersionKind.String()`: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`.
pub fn gvk(group: &str, version: &str, kind: &str) -> String {
    format!("{group}/{version}, Kind={kind}")
}

/// What `unstructured.GetDeletionTimestamp() != nil` decides for a string: it parses as
/// RFC 3339 (Go's `time.RFC3339` layout: `2006-01-02T15:04:05Z07:00`, optional fractional
/// seconds) and is not Go's zero time (`0001-01-01T00:00:00Z`).
pub fn is_set_rfc3339(s: &str) -> bool {
    parse_rfc3339_seconds(s).is_some_and(|secs| secs != ZERO_TIME_UNIX)
}

/// Go's zero `time.Time` (January 1, year 1, 00:00:00 UTC) in seconds since the Unix epoch.
const ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// Parses an RFC 3339 timestamp as Go's `time.Parse(time.RFC3339, s)` accepts it and returns
/// whole seconds since the Unix epoch.
pub fn parse_rfc3339_seconds(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0i64, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, min, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i..)? {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |x: u8, y: u8| -> Option<i64> {
                (x.is_ascii_digit() && y.is_ascii_digit())
                    .then(|| i64::from(x - b'0') * 10 + i64::from(y - b'0'))
            };
            let (oh, om) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'-' { -off } else { off }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + min * 60 + sec - offset)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub use crate::strconv::{parse_float, parse_int};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_strconv_quote() {
        assert_eq!(quote("web"), "\"web\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("x\ny\t\u{1}\u{7f}"), "\"x\\ny\\t\\x01\\x7f\"");
        assert_eq!(quote("é✓"), "\"é✓\"");
        assert_eq!(quote("\u{a0}\u{200b}\u{feff}"), "\"\\u00a0\\u200b\\ufeff\"");
        assert_eq!(quote("\u{f0000}"), "\"\\U000f0000\"");
    }

    #[test]
    fn formats_floats_like_go_v() {
        for (f, s) in [
            (3.0, "3"),
            (2.5, "2.5"),
            (-0.5, "-0.5"),
            (123456.0, "123456"),
            (1_000_000.0, "1e+06"),
            (1_500_000.0, "1.5e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e21, "1e+21"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            assert_eq!(format_float(f), s, "{f}");
        }
    }

    #[test]
    fn rfc3339_as_go_parses_it() {
        assert_eq!(parse_rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_seconds("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(
            parse_rfc3339_seconds("2024-02-29T12:30:45.123Z"),
            Some(1_709_209_845)
        );
        for bad in [
            "",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01 00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0100",
            "yesterday",
        ] {
            assert_eq!(parse_rfc3339_seconds(bad), None, "{bad}");
        }
        assert!(is_set_rfc3339("2024-01-01T00:00:00Z"));
        assert!(!is_set_rfc3339("0001-01-01T00:00:00Z"));
        assert!(!is_set_rfc3339("garbage"));
    }
}
