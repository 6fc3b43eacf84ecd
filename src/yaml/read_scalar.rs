//! Scalar resolution for the reader: what a YAML scalar means to go-yaml v3 (kyaml, resources)
//! and go-yaml v2 (`sigs.k8s.io/yaml`, kustomization files), ported from their `resolve.go`, plus
//! the pieces of Go's `strconv` and `time` those resolvers lean on (base-prefixed integers,
//! underscores, the accepted timestamp layouts, RFC 3339 output, `%g` formatting of map keys).

use base64::Engine as _;

/// Which go-yaml's resolver to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// go-yaml v3: YAML 1.2 booleans, `0o` octals, timestamps decoded as times.
    V3,
    /// go-yaml v2: YAML 1.1 booleans (`yes`, `on`, `y`, …), timestamps kept as text.
    V2,
}

/// What a scalar resolved to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A string whose value is the scalar's own text.
    Str,
    /// `!!binary`: the decoded bytes as a (lossy UTF-8) string.
    Binary(String),
    Timestamp(Timestamp),
}

impl Resolved {
    /// go-yaml's short tag for the resolved kind, for error messages.
    fn tag(&self) -> &'static str {
        match self {
            Resolved::Null => "!!null",
            Resolved::Bool(_) => "!!bool",
            Resolved::Int(_) | Resolved::Uint(_) => "!!int",
            Resolved::Float(_) => "!!float",
            Resolved::Str => "!!str",
            Resolved::Binary(_) => "!!binary",
            Resolved::Timestamp(_) => "!!timestamp",
        }
    }
}

/// The long form of the YAML core tags' prefix.
const LONG_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// Shortens `tag:yaml.org,2002:x` to `!!x`, as go-yaml's `shortTag` does.
pub(crate) fn short_tag(full: &str) -> String {
    match full.strip_prefix(LONG_TAG_PREFIX) {
        Some(rest) => format!("!!{rest}"),
        None => full.to_string(),
    }
}

/// Resolves a scalar that go-yaml would not treat as an indicated string.
///
/// `tag` is the short tag (`""` when there is none). Fails as go-yaml does when an explicit
/// core tag does not fit the text (`cannot decode !!str `abc` as a !!int`).
pub(crate) fn resolve(tag: &str, text: &str, dialect: Dialect) -> Result<Resolved, String> {
    let resolvable = matches!(
        tag,
        "" | "!!str" | "!!bool" | "!!int" | "!!float" | "!!null" | "!!timestamp"
    );
    if !resolvable {
        if tag == "!!binary" {
            return decode_binary(text).map(Resolved::Binary);
        }
        // Unknown and local tags: the text, as a string.
        return Ok(Resolved::Str);
    }
    if tag == "!!str" {
        return Ok(Resolved::Str);
    }
    let out = resolve_untagged(text, tag, dialect);
    let rtag = out.tag();
    if tag.is_empty() || tag == rtag {
        return Ok(out);
    }
    // go-yaml widens int/int64 to a requested float, never uint64.
    if let ("!!float", Resolved::Int(i)) = (tag, &out) {
        return Ok(Resolved::Float(*i as f64));
    }
    // go-yaml quotes the text here; rollpin does not, as it may be a Secret's value.
    let _ = text;
    Err(format!("cannot decode {rtag} value as a {tag}"))
}

/// Resolves a plain, untagged scalar (`resolve("", text)`).
pub(crate) fn resolve_plain(text: &str, dialect: Dialect) -> Resolved {
    resolve_untagged(text, "", dialect)
}

/// The body of go-yaml's `resolve` once the tag is known to be resolvable and not `!!str`.
fn resolve_untagged(text: &str, tag: &str, dialect: Dialect) -> Resolved {
    let bytes = text.as_bytes();
    let hint = match bytes.first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return Resolved::Str,
    };
    if let Some(known) = lookup(text, dialect) {
        return known;
    }
    match hint {
        b'.' => {
            if let Some(f) = crate::strconv::parse_float(text) {
                return Resolved::Float(f);
            }
        }
        b'D' | b'S' => {
            if let Some(t) = (tag.is_empty() || tag == "!!timestamp")
                .then(|| parse_timestamp(text))
                .flatten()
            {
                return Resolved::Timestamp(t);
            }
            let plain: std::borrow::Cow<'_, str> = if text.contains('_') {
                text.replace('_', "").into()
            } else {
                text.into()
            };
            if let Some(i) = go_parse_int(&plain, 0) {
                return Resolved::Int(i);
            }
            if let Some(u) = go_parse_uint(&plain, 0) {
                return Resolved::Uint(u);
            }
            if let Some(f) = is_yaml_style_float(&plain)
                .then(|| parse_finite(&plain))
                .flatten()
            {
                return Resolved::Float(f);
            }
            // go-yaml's explicit prefix branches (they accept a sign after the prefix).
            let prefixed = |prefix: &str, base: u32| -> Option<Resolved> {
                if let Some(rest) = plain.strip_prefix(prefix) {
                    if let Some(i) = go_parse_int(rest, base) {
                        return Some(Resolved::Int(i));
                    }
                    return go_parse_uint(rest, base).map(Resolved::Uint);
                }
                let neg = plain.strip_prefix('-')?.strip_prefix(prefix)?;
                go_parse_int(&format!("-{neg}"), base).map(Resolved::Int)
            };
            let explicit = if plain.starts_with("0b") || plain.starts_with("-0b") {
                prefixed("0b", 2)
            } else if dialect == Dialect::V3
                && (plain.starts_with("0o") || plain.starts_with("-0o"))
            {
                prefixed("0o", 8)
            } else {
                None
            };
            if let Some(r) = explicit {
                return r;
            }
        }
        _ => {}
    }
    Resolved::Str
}

/// go-yaml's `resolveMap`: the fixed spellings.
fn lookup(text: &str, dialect: Dialect) -> Option<Resolved> {
    Some(match text {
        "true" | "True" | "TRUE" => Resolved::Bool(true),
        "false" | "False" | "FALSE" => Resolved::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        _ if dialect == Dialect::V2 => match text {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Resolved::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Resolved::Bool(false),
            _ => return None,
        },
        _ => return None,
    })
}

/// `!!binary`: Go's `base64.StdEncoding.DecodeString`, which skips `\r` and `\n`.
fn decode_binary(text: &str) -> Result<String, String> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const GO_STD: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let compact: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    GO_STD
        .decode(compact.as_bytes())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|_| "!!binary value contains invalid base64 data".to_string())
}

/// Go's `strconv.ParseUint(s, base, 64)`; `base == 0` detects `0b`/`0o`/`0x`/legacy-`0` prefixes.
/// Underscores are not handled: go-yaml removes them before calling it.
pub(crate) fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (base, digits) = if base == 0 {
        if b[0] == b'0' {
            match b.get(1).map(u8::to_ascii_lowercase) {
                Some(b'b') if b.len() >= 3 => (2, &b[2..]),
                Some(b'o') if b.len() >= 3 => (8, &b[2..]),
                Some(b'x') if b.len() >= 3 => (16, &b[2..]),
                _ => (8, &b[1..]),
            }
        } else {
            (10, b)
        }
    } else {
        (base, b)
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = (c as char).to_digit(36)?;
        if d >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, base, 64)`: an optional sign, then [`go_parse_uint`].
pub(crate) fn go_parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let un = go_parse_uint(rest, base)?;
    if neg {
        if un <= 1 << 63 {
            // `as` wraps 1<<63 to i64::MIN, which is exactly the value wanted.
            Some((un as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(un).ok()
    }
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
pub(crate) fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Parses decimal float text already known to be well formed; `None` when it overflows
/// (Go's `ParseFloat` reports a range error there).
fn parse_finite(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// A parsed YAML timestamp (one of go-yaml's four accepted layouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timestamp {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    /// Offset east of UTC in seconds (0 for `Z` and zone-less forms).
    offset: i32,
}

impl Timestamp {
    /// Go's `time.Time.MarshalJSON`: RFC 3339 with trailing zeros of the fraction dropped and
    /// `Z` for a zero offset. Fails like Go when the offset's hours reach 24.
    pub(crate) fn to_rfc3339(self) -> Result<String, String> {
        use std::fmt::Write as _;
        let mut s = String::with_capacity(35);
        let _ = write!(
            s,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        if self.offset == 0 {
            s.push('Z');
        } else {
            let abs = self.offset.unsigned_abs();
            let (h, m) = (abs / 3600, abs % 3600 / 60);
            if h >= 24 {
                return Err("json: error calling MarshalJSON for type time.Time: \
                     Time.MarshalJSON: timezone hour outside of range [0,23]"
                    .to_string());
            }
            let sign = if self.offset < 0 { '-' } else { '+' };
            let _ = write!(s, "{sign}{h:02}:{m:02}");
        }
        Ok(s)
    }
}

/// go-yaml's `parseTimestamp`: `time.Parse` with the layouts `2006-1-2T15:4:5.999999999Z07:00`
/// (also with a lower-case `t`), `2006-1-2 15:4:5.999999999` and `2006-1-2`.
pub(crate) fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    // Quick check: YYYY-
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let year = num(&b[..4]);
    let mut i = 5;
    let month = getnum(b, &mut i)?;
    if !(1..=12).contains(&month) || b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let day = getnum(b, &mut i)?;
    let mut t = Timestamp {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset: 0,
    };
    let with_zone = match b.get(i) {
        None => None,
        Some(b'T' | b't') => {
            i += 1;
            Some(true)
        }
        Some(b' ') => {
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
            Some(false)
        }
        Some(_) => return None,
    };
    if let Some(with_zone) = with_zone {
        t.hour = getnum(b, &mut i)?;
        if t.hour >= 24 || b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        t.minute = getnum(b, &mut i)?;
        if t.minute >= 60 || b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        t.second = getnum(b, &mut i)?;
        if t.second >= 60 {
            return None;
        }
        // Optional fraction: `.` or `,` then digits; only the first nine count.
        if i + 1 < b.len() && (b[i] == b'.' || b[i] == b',') && b[i + 1].is_ascii_digit() {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let digits = &b[start..i.min(start + 9)];
            t.nanos = num(digits) * 10u32.pow(9 - digits.len() as u32);
        }
        if with_zone {
            match b.get(i) {
                Some(b'Z') => i += 1,
                Some(&sign @ (b'+' | b'-')) => {
                    let z = b.get(i..i + 6)?;
                    if z[3] != b':' || !z[1..3].iter().chain(&z[4..6]).all(u8::is_ascii_digit) {
                        return None;
                    }
                    let (h, m) = (num(&z[1..3]), num(&z[4..6]));
                    if h > 24 || m > 60 {
                        return None;
                    }
                    let off = (h * 3600 + m * 60) as i32;
                    t.offset = if sign == b'-' { -off } else { off };
                    i += 6;
                }
                _ => return None,
            }
        }
    }
    if i != b.len() || day < 1 || day > days_in(month, year) {
        return None;
    }
    Some(t)
}

/// Go's `getnum(s, false)`: one or two digits.
fn getnum(b: &[u8], i: &mut usize) -> Option<u32> {
    let d0 = *b.get(*i).filter(|c| c.is_ascii_digit())?;
    *i += 1;
    match b.get(*i) {
        Some(d1) if d1.is_ascii_digit() => {
            *i += 1;
            Some(u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'))
        }
        _ => Some(u32::from(d0 - b'0')),
    }
}

/// Decimal value of ASCII digits (at most nine, so no overflow).
fn num(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |n, d| n * 10 + u32::from(d.saturating_sub(b'0')))
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

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` as `sigs.k8s.io/yaml` applies it to float map
/// keys, with its `.inf`/`-.inf`/`.nan` spellings.
pub(crate) fn go_format_key_float(f: f64) -> String {
    let f = f as f32;
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let neg = f.is_sign_negative();
    // Shortest round-trip digits, in `d.ddde<exp>` form.
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if digits.is_empty() {
        out.push('0');
        return out;
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push(if exp < 0 { '-' } else { '+' });
        out.insert(out.len() - 1, 'e');
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
        return out;
    }
    // Fixed notation: the decimal point sits after `exp + 1` digits.
    let dp = exp + 1;
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..-dp {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let dp = dp as usize;
        if digits.len() <= dp {
            out.push_str(digits);
            for _ in digits.len()..dp {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..dp]);
            out.push('.');
            out.push_str(&digits[dp..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(s: &str) -> Resolved {
        resolve_plain(s, Dialect::V3)
    }

    #[test]
    fn integers_follow_go_parse_int() {
        assert_eq!(v3("0755"), Resolved::Int(493));
        assert_eq!(v3("0o755"), Resolved::Int(493));
        assert_eq!(v3("0O755"), Resolved::Int(493));
        assert_eq!(v3("0X1f"), Resolved::Int(31));
        assert_eq!(v3("-0x1F"), Resolved::Int(-31));
        assert_eq!(v3("+0b101"), Resolved::Int(5));
        assert_eq!(v3("1__0"), Resolved::Int(10));
        assert_eq!(v3("1_"), Resolved::Int(1));
        assert_eq!(v3("08"), Resolved::Float(8.0));
        assert_eq!(v3("0x"), Resolved::Str);
        assert_eq!(v3("00"), Resolved::Int(0));
        assert_eq!(v3("-9223372036854775808"), Resolved::Int(i64::MIN));
        assert_eq!(v3("9223372036854775808"), Resolved::Uint(1 << 63));
        assert_eq!(v3("0xFFFFFFFFFFFFFFFF"), Resolved::Uint(u64::MAX));
        assert_eq!(v3("0x10000000000000000"), Resolved::Str);
        assert_eq!(
            v3("18446744073709551616"),
            Resolved::Float(18446744073709551616.0)
        );
        assert_eq!(
            v3("+18446744073709551615"),
            Resolved::Float(18446744073709551615.0)
        );
        assert_eq!(v3("0b+1"), Resolved::Int(1));
        assert_eq!(resolve_plain("0o17", Dialect::V2), Resolved::Int(15));
    }

    #[test]
    fn floats_follow_go() {
        assert_eq!(v3(".5_0"), Resolved::Float(0.5));
        assert_eq!(v3("._5"), Resolved::Str);
        assert_eq!(v3(".5_"), Resolved::Str);
        assert_eq!(v3(".e3"), Resolved::Str);
        assert_eq!(v3("1.e3"), Resolved::Float(1000.0));
        assert_eq!(v3("1e400"), Resolved::Str);
        assert_eq!(v3(".5e999"), Resolved::Str);
        assert_eq!(v3("1e-400"), Resolved::Float(0.0));
        assert_eq!(v3("0x1p3"), Resolved::Str);
        assert_eq!(v3("1_000.5e1_0"), Resolved::Float(10005000000000.0));
    }

    #[test]
    fn tags_check_their_text() {
        assert_eq!(
            resolve("!!float", "1", Dialect::V3),
            Ok(Resolved::Float(1.0))
        );
        assert_eq!(
            resolve("!!int", "abc", Dialect::V3),
            Err("cannot decode !!str value as a !!int".to_string())
        );
        assert_eq!(
            resolve("!!bool", "yes", Dialect::V3),
            Err("cannot decode !!str value as a !!bool".to_string())
        );
        assert_eq!(
            resolve("!!bool", "yes", Dialect::V2),
            Ok(Resolved::Bool(true))
        );
        assert_eq!(resolve("!foo", "12", Dialect::V3), Ok(Resolved::Str));
        assert_eq!(
            resolve("!!binary", "aGVs\nbG8=", Dialect::V3),
            Ok(Resolved::Binary("hello".into()))
        );
        assert!(resolve("!!binary", "aGVsbG8", Dialect::V3).is_err());
    }

    fn ts(s: &str) -> Option<String> {
        parse_timestamp(s).map(|t| t.to_rfc3339().unwrap_or_else(|e| e))
    }

    #[test]
    fn timestamps_match_go() {
        assert_eq!(ts("2020-1-1").as_deref(), Some("2020-01-01T00:00:00Z"));
        assert_eq!(
            ts("2001-12-14T21:59:43.1234567891Z").as_deref(),
            Some("2001-12-14T21:59:43.123456789Z")
        );
        assert_eq!(
            ts("2001-12-14T21:59:43,5Z").as_deref(),
            Some("2001-12-14T21:59:43.5Z")
        );
        assert_eq!(
            ts("2001-12-14T21:59:43+01:60").as_deref(),
            Some("2001-12-14T21:59:43+02:00")
        );
        assert_eq!(
            ts("2001-12-14T21:59:43-00:00").as_deref(),
            Some("2001-12-14T21:59:43Z")
        );
        assert_eq!(
            ts("2001-12-14   1:2:3").as_deref(),
            Some("2001-12-14T01:02:03Z")
        );
        assert!(ts("2001-12-14T21:59:43+24:00").is_some_and(|s| s.contains("outside of range")));
        for bad in [
            "2020-001-01",
            "2020-13-01",
            "2019-02-29",
            "2001-12-14T21:59:43.Z",
            "2001-12-14T21:59:43z",
            "2001-12-14T21:59:43+0530",
            "2001-12-14T21:59:43+25:00",
            "2001-12-14T21:59:43+01:61",
            "2001-12-14T21:59:43",
            "2001-12-14T24:00:00Z",
            "2001-12-14 21:59:43Z",
            "2001-12-14T",
            "2001-12-14 ",
            "2001-12-14x",
            "+2001-12-14",
        ] {
            assert_eq!(ts(bad), None, "{bad}");
        }
    }

    #[test]
    fn key_floats_use_go_g_format() {
        assert_eq!(go_format_key_float(1.5), "1.5");
        assert_eq!(go_format_key_float(1000.0), "1000");
        assert_eq!(go_format_key_float(123456789.0), "1.2345679e+08");
        assert_eq!(go_format_key_float(1e6), "1e+06");
        assert_eq!(go_format_key_float(0.0001), "0.0001");
        assert_eq!(go_format_key_float(0.00001), "1e-05");
        assert_eq!(go_format_key_float(-2.5e-7), "-2.5e-07");
        assert_eq!(go_format_key_float(0.0), "0");
        assert_eq!(go_format_key_float(f64::INFINITY), ".inf");
    }
}
