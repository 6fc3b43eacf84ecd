//! Number text of the YAML writer: what a JSON number looks like after kustomize's
//! Go `json.Marshal` → go-yaml v2 `Unmarshal` → `Marshal` round trip.
//!
//! Integers print as they are. A float is first printed as Go's `encoding/json` does
//! (shortest digits, `%f` style unless `|f| < 1e-6` or `|f| >= 1e21`); go-yaml v2 then reads that
//! text back as an integer when it can (`1.0` → `1`, `1e20` stays a float because it overflows
//! `uint64`) and otherwise prints the float with `strconv.FormatFloat(f, 'g', -1, 64)`:
//! shortest digits, exponent form when the decimal exponent is `< -4` or `>= 6` (`1e-07`,
//! `1.2345675e+06`, `1e+20`).

use serde_json::Number;
use std::fmt::Write;

/// Appends the text of `n` to `out`. The text is ASCII and contains no spaces.
pub(crate) fn write_number(n: &Number, out: &mut String) {
    if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(f) = n.as_f64() {
        write_f64(f, out);
    } else {
        // Only reachable with serde_json's `arbitrary_precision`: keep the literal text.
        out.push_str(&n.to_string());
    }
}

/// Appends the text of a float that went through Go's JSON encoder and go-yaml v2.
pub(crate) fn write_f64(f: f64, out: &mut String) {
    if !f.is_finite() {
        // Go's json.Marshal refuses these; print go-yaml's spelling rather than fail.
        out.push_str(if f.is_nan() {
            ".nan"
        } else if f > 0.0 {
            ".inf"
        } else {
            "-.inf"
        });
        return;
    }
    let abs = f.abs();
    let (digits, exp) = shortest_digits(abs);
    let json_uses_exponent = abs != 0.0 && !(1e-6..1e21).contains(&abs);
    if !json_uses_exponent && f.fract() == 0.0 {
        // Go's JSON text is the shortest digits padded with zeros; go-yaml v2 reads it back as
        // an int or a uint when it fits (`-0` becomes `0`).
        let mut text = String::with_capacity(24);
        if f < 0.0 {
            text.push('-');
        }
        write_fixed(&digits, exp, &mut text);
        if let Ok(i) = text.parse::<i64>() {
            let _ = write!(out, "{i}");
            return;
        }
        if let Ok(u) = text.parse::<u64>() {
            let _ = write!(out, "{u}");
            return;
        }
    }
    // Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
    if f < 0.0 {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(digits.len().min(1));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        let _ = write!(out, "{e}");
    } else {
        write_fixed(&digits, exp, out);
    }
}

/// The shortest decimal digits that read back as `f` (finite, non-negative) and the decimal
/// exponent of the first one (`f = d.ddd × 10^exp`), choosing like Go's `strconv` when two
/// candidates of that length are equally close: round half to even. (Rust's shortest formatting
/// picks the other one in that case: `2117396960930545.25` → Go `…452`, Rust `…453`.)
fn shortest_digits(f: f64) -> (String, i32) {
    let split = |sci: &str| -> (String, i32) {
        let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
        (mantissa.replace('.', ""), exp.parse().unwrap_or(0))
    };
    let (digits, exp) = split(&format!("{f:e}"));
    if digits.len() > 1 {
        // Exact formatting to the same length rounds half to even; keep it when it round-trips.
        let exact = format!("{:.*e}", digits.len() - 1, f);
        if exact.parse::<f64>() == Ok(f) {
            return split(&exact);
        }
    }
    (digits, exp)
}

/// Go's `%f` layout of `digits × 10^(exp + 1 - len)`: no exponent, no trailing zeros after `.`.
fn write_fixed(digits: &str, exp: i32, out: &mut String) {
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
        return;
    }
    let int_len = usize::try_from(exp).unwrap_or(0) + 1;
    if digits.len() <= int_len {
        out.push_str(digits);
        for _ in digits.len()..int_len {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..int_len]);
        out.push('.');
        out.push_str(&digits[int_len..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(f: f64) -> String {
        let mut s = String::new();
        write_f64(f, &mut s);
        s
    }

    #[test]
    fn go_float_text() {
        assert_eq!(fmt(1.0), "1");
        assert_eq!(fmt(-0.0), "0");
        assert_eq!(fmt(1.5), "1.5");
        assert_eq!(fmt(1e20), "1e+20");
        assert_eq!(fmt(1e19), "10000000000000000000");
        assert_eq!(fmt(-1e19), "-1e+19");
        assert_eq!(fmt(1234567.5), "1.2345675e+06");
        assert_eq!(fmt(123456.5), "123456.5");
        assert_eq!(fmt(1e-7), "1e-07");
        assert_eq!(fmt(0.0001), "0.0001");
        assert_eq!(fmt(0.00001), "1e-05");
        assert_eq!(fmt(1e300), "1e+300");
        assert_eq!(fmt(2f64.powi(60)), "1152921504606847000");
        // 2117396960930545.25 and -180024753965075.125: ties between two 17-digit candidates.
        assert_eq!(
            fmt(f64::from_bits(4836328388384893893)),
            "2.1173969609305452e+15"
        );
        assert_eq!(
            fmt(f64::from_bits(14043480830640718436)),
            "-1.8002475396507512e+14"
        );
        assert_eq!(fmt(0.5), "0.5");
        assert_eq!(fmt(1e-4 * 1.25), "0.000125");
    }
}
