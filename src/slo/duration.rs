//! Duration strings as Argo Rollouts and Go write them (`time.ParseDuration`): `30s`,
//! `10m`, `1h30m`, `1.5h`, `500ms`. Used for `bakeTime`, `interval`, `initialDelay` and the
//! Prometheus `timeout`; negative durations are refused (none of those fields has a use
//! for one).

use std::time::Duration;

/// A duration string that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {text:?}: {reason} (write it as Go does: 30s, 10m, 1h30m)")]
pub struct DurationError {
    /// The text as written.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Nanoseconds per unit, Go's unit names.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Parses a Go duration string. `0` alone is allowed, as in Go; anything else needs a
/// unit after each number.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let err = |reason| DurationError {
        text: text.to_string(),
        reason,
    };
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.starts_with('-') {
        return Err(err("negative durations are not allowed"));
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(err("empty"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(f) => {
                let n = f.bytes().take_while(u8::is_ascii_digit).count();
                f.split_at(n)
            }
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err("expected a number"));
        }
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after.len(), |(i, _)| i);
        let (unit, next) = after.split_at(unit_len);
        let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(if unit.is_empty() {
                err("missing unit")
            } else {
                err("unknown unit")
            });
        };
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| err("number too large"))?
        };
        let mut nanos = whole.checked_mul(scale).ok_or_else(|| err("too large"))?;
        // The fraction, digit by digit, truncated at nanosecond precision as Go does.
        let mut place = scale;
        for d in frac_part.bytes() {
            place /= 10;
            if place == 0 {
                break;
            }
            nanos += u128::from(d - b'0') * place;
        }
        total = total.checked_add(nanos).ok_or_else(|| err("too large"))?;
        rest = next;
    }
    // Go's limit: an int64 of nanoseconds (about 292 years).
    if total > i64::MAX as u128 {
        return Err(err("too large"));
    }
    let secs = (total / 1_000_000_000) as u64;
    let nanos = (total % 1_000_000_000) as u32;
    Ok(Duration::new(secs, nanos))
}

/// A duration as Go's `Duration.String()` prints it for whole seconds and up (`1h30m0s`,
/// `10m0s`, `30s`); below a second, in milliseconds (`500ms`).
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return if d.is_zero() {
            "0s".to_string()
        } else {
            format!("{}ms", d.as_millis())
        };
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let frac = d.subsec_millis();
    let s = if frac > 0 {
        format!("{s}.{frac:03}").trim_end_matches('0').to_string()
    } else {
        s.to_string()
    };
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m{s}s"),
        (h, m) => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        let cases: &[(&str, Duration)] = &[
            ("0", Duration::ZERO),
            ("30s", Duration::from_secs(30)),
            ("10m", Duration::from_secs(600)),
            ("1h30m", Duration::from_secs(5400)),
            ("1.5h", Duration::from_secs(5400)),
            ("500ms", Duration::from_millis(500)),
            ("1m0.5s", Duration::from_millis(60_500)),
            (".5s", Duration::from_millis(500)),
            ("2h45m10s", Duration::from_secs(2 * 3600 + 45 * 60 + 10)),
            ("10µs", Duration::from_micros(10)),
            ("+5s", Duration::from_secs(5)),
            ("1.0000000001s", Duration::from_secs(1)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text).as_ref(), Ok(want), "{text}");
        }
    }

    #[test]
    fn refuses_malformed_durations() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("10", "missing unit"),
            ("10x", "unknown unit"),
            ("m", "expected a number"),
            ("-5s", "negative durations are not allowed"),
            ("1d", "unknown unit"),
            ("3000000h", "too large"),
            ("5s ", "unknown unit"),
        ];
        for (text, reason) in cases {
            let e = parse_duration(text).err();
            assert_eq!(e.map(|e| e.reason), Some(*reason), "{text}");
        }
    }

    #[test]
    fn formats_as_go_prints() {
        assert_eq!(format_duration(Duration::from_secs(600)), "10m0s");
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m0s");
        assert_eq!(format_duration(Duration::from_secs(30)), "30s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }
}
