//! Argo CD's "safe os" library (`util/lua/oslib_safe.go`): only `time` and `date`, with
//! gopher-lua's semantics, on rollpin's clock ("now" of the run, so results reproduce) and
//! in UTC (Argo CD uses the container's local zone, UTC in its images).

use std::cell::Cell;
use std::rc::Rc;

use mlua::{Lua, Table, Value};

use crate::health::go::days_from_civil;

/// The date of a day count since 1970-01-01: (year, month, day).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Go's `time.Date(...).Unix()` in UTC: out-of-range fields carry over.
pub fn unix_of(year: i64, month: i64, day: i64, hour: i64, min: i64, sec: i64) -> i64 {
    let m0 = month - 1;
    let (year, month) = (year + m0.div_euclid(12), m0.rem_euclid(12) + 1);
    (days_from_civil(year, month, 1) + day - 1) * 86_400 + hour * 3600 + min * 60 + sec
}

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Broken-down UTC time: year, month, day, hour, minute, second, weekday (0 = Sunday),
/// day of the year (1-based).
fn broken_down(unix: i64) -> [i64; 8] {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let yday = days - days_from_civil(y, 1, 1) + 1;
    [
        y,
        m,
        d,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        (days + 4).rem_euclid(7),
        yday,
    ]
}

/// gopher-lua's `strftime` for the conversions it knows; others are copied.
pub fn strftime(unix: i64, format: &str) -> String {
    let [y, m, d, hh, mm, ss, wd, yd] = broken_down(unix);
    let (day, month) = (DAYS[wd as usize], MONTHS[(m - 1) as usize]);
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(f) = chars.next() else {
            out.push('%');
            break;
        };
        let piece = match f {
            'a' => day[..3].to_string(),
            'A' => day.to_string(),
            'b' => month[..3].to_string(),
            'B' => month.to_string(),
            'c' => format!(
                "{} {} {d:02} {hh:02}:{mm:02}:{ss:02} {y}",
                &day[..3],
                &month[..3]
            ),
            'd' => format!("{d:02}"),
            'H' => format!("{hh:02}"),
            'I' => format!("{:02}", (hh + 11) % 12 + 1),
            'j' => format!("{yd:03}"),
            'm' => format!("{m:02}"),
            'M' => format!("{mm:02}"),
            'p' => (if hh < 12 { "AM" } else { "PM" }).to_string(),
            'S' => format!("{ss:02}"),
            'w' => wd.to_string(),
            'x' => format!("{m:02}/{d:02}/{:02}", y.rem_euclid(100)),
            'X' => format!("{hh:02}:{mm:02}:{ss:02}"),
            'y' => format!("{:02}", y.rem_euclid(100)),
            'Y' => y.to_string(),
            'Z' => "UTC".to_string(),
            '%' => "%".to_string(),
            other => format!("%{other}"),
        };
        out.push_str(&piece);
    }
    out
}

/// The `{time, date}` table on the clock `now` (Unix seconds).
pub fn safe_os(lua: &Lua, now: Rc<Cell<i64>>) -> mlua::Result<Table> {
    let os = lua.create_table()?;
    let clock = now.clone();
    os.set(
        "time",
        lua.create_function(move |_, t: Option<Table>| {
            let Some(t) = t else {
                return Ok(clock.get());
            };
            let int = |k: &str, default: i64| match t.raw_get::<Value>(k) {
                Ok(Value::Number(n)) => n as i64,
                Ok(Value::Integer(n)) => n,
                _ => default,
            };
            Ok(unix_of(
                int("year", -1),
                int("month", -1),
                int("day", -1),
                int("hour", 12),
                int("min", 0),
                int("sec", 0),
            ))
        })?,
    )?;
    os.set(
        "date",
        lua.create_function(move |lua, (format, at): (Option<String>, Option<i64>)| {
            let unix = at.unwrap_or_else(|| now.get());
            let format = format.unwrap_or_else(|| "%c".into());
            let format = format.trim_start_matches('!');
            if format.starts_with("*t") {
                let [y, m, d, hh, mm, ss, wd, yd] = broken_down(unix);
                let t = lua.create_table()?;
                for (k, v) in [
                    ("year", y),
                    ("month", m),
                    ("day", d),
                    ("hour", hh),
                    ("min", mm),
                    ("sec", ss),
                    ("wday", wd + 1),
                    ("yday", yd),
                ] {
                    t.set(k, v)?;
                }
                t.set("isdst", false)?;
                return Ok(Value::Table(t));
            }
            Ok(Value::String(lua.create_string(strftime(unix, format))?))
        })?,
    )?;
    Ok(os)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        // 2024-02-29T13:05:09Z = 1709211909 (date -u -d @1709211909).
        let t = 1_709_211_909;
        assert_eq!(unix_of(2024, 2, 29, 13, 5, 9), t);
        assert_eq!(strftime(t, "%Y-%m-%dT%XZ"), "2024-02-29T13:05:09Z");
        assert_eq!(
            strftime(t, "%y%m%d%H%M %j %a %B %%"),
            "2402291305 060 Thu February %"
        );
        // Go's time.Date normalises: month 13 is January of the next year.
        assert_eq!(unix_of(2023, 13, 1, 0, 0, 0), unix_of(2024, 1, 1, 0, 0, 0));
        assert_eq!(unix_of(1970, 1, 1, 0, 0, 0), 0);
    }
}
