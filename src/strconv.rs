//! Go's `strconv.ParseInt` and `ParseFloat`, as Go accepts and rounds numbers: shared by
//! the YAML reader and writer (go-yaml resolves and quotes floats with `ParseFloat`) and
//! the health rules (gopher-lua's `tonumber`).

/// Go's `strconv.ParseInt(s, base, 64)` for an explicit base (10 or 16 here): an optional
/// sign, then at least one digit of the base; no prefix, no underscores (Go allows those
/// for base 0 only); `None` for a syntax or range error.
pub fn parse_int(s: &str, base: u32) -> Option<i64> {
    // Rust's `from_str_radix` accepts exactly this: one optional sign, then digits in
    // either case, with the same i64 range.
    i64::from_str_radix(s, base).ok()
}

/// Go's `strconv.ParseFloat(s, 64)`: a decimal or hexadecimal floating-point literal in Go
/// syntax (`1.5`, `.5`, `1.`, `2.5e-3`, `1_000.5`, `0x1.8p1`; a hexadecimal mantissa needs
/// a `p` exponent; underscores only between digits), correctly rounded; `None` for a
/// syntax error and for a result out of range (Go returns ±Inf with `ErrRange`). `inf` and
/// `nan`, which Go also accepts, are left out: gopher-lua's `tonumber` parses a float only
/// when the string has a `.`, and they have none.
pub fn parse_float(s: &str) -> Option<f64> {
    let lit = read_float(s)?;
    if lit.hex {
        let f = hex_float(lit.mantissa, lit.exp, lit.trunc)?;
        return Some(if lit.neg { -f } else { f });
    }
    // Validated as Go's syntax, which without underscores is a subset of Rust's; both
    // round correctly.
    let plain: String = s.chars().filter(|c| *c != '_').collect();
    plain.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// What Go's `readFloat` reads of a literal (the mantissa and binary exponent only matter
/// for hexadecimal ones).
struct FloatLiteral {
    neg: bool,
    hex: bool,
    mantissa: u64,
    exp: i64,
    trunc: bool,
}

/// Go's `readFloat`, requiring the whole string to be read (as `ParseFloat` does).
fn read_float(s: &str) -> Option<FloatLiteral> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut neg = false;
    match b.first()? {
        b'+' => i += 1,
        b'-' => {
            neg = true;
            i += 1;
        }
        _ => {}
    }
    let hex = i + 2 < b.len() && b[i] == b'0' && b[i + 1].eq_ignore_ascii_case(&b'x');
    let (base, exp_char) = if hex { (16u64, b'p') } else { (10u64, b'e') };
    if hex {
        i += 2;
    }
    let max_mant_digits = if hex { 16 } else { 19 };
    let (mut underscores, mut saw_dot, mut saw_digits) = (false, false, false);
    let (mut nd, mut nd_mant, mut dp) = (0i64, 0i64, 0i64);
    let (mut mantissa, mut trunc) = (0u64, false);
    while i < b.len() {
        let c = b[i];
        let digit = match c {
            b'_' => {
                underscores = true;
                i += 1;
                continue;
            }
            b'.' if saw_dot => break,
            b'.' => {
                saw_dot = true;
                dp = nd;
                i += 1;
                continue;
            }
            b'0'..=b'9' => u64::from(c - b'0'),
            _ if hex && (b'a'..=b'f').contains(&c.to_ascii_lowercase()) => {
                u64::from(c.to_ascii_lowercase() - b'a' + 10)
            }
            _ => break,
        };
        saw_digits = true;
        i += 1;
        if digit == 0 && nd == 0 {
            dp -= 1; // leading zeros
            continue;
        }
        nd += 1;
        if nd_mant < max_mant_digits {
            mantissa = mantissa * base + digit;
            nd_mant += 1;
        } else if digit != 0 {
            trunc = true;
        }
    }
    if !saw_digits {
        return None;
    }
    if !saw_dot {
        dp = nd;
    }
    if hex {
        dp *= 4;
        nd_mant *= 4;
    }
    if i < b.len() && b[i].to_ascii_lowercase() == exp_char {
        i += 1;
        let mut esign = 1;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                esign = -1;
                i += 1;
            }
            _ => {}
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let mut e = 0i64;
        while let Some(&c) = b.get(i) {
            match c {
                b'_' => underscores = true,
                b'0'..=b'9' if e < 10_000 => e = e * 10 + i64::from(c - b'0'),
                b'0'..=b'9' => {}
                _ => break,
            }
            i += 1;
        }
        dp += e * esign;
    } else if hex {
        return None; // a hexadecimal mantissa needs an exponent
    }
    if i != b.len() || (underscores && !underscore_ok(&s[..i])) {
        return None;
    }
    let exp = if mantissa != 0 { dp - nd_mant } else { 0 };
    Some(FloatLiteral {
        neg,
        hex,
        mantissa,
        exp,
        trunc,
    })
}

/// Go's `underscoreOK`: underscores only between digits, or between a base prefix and a
/// digit.
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let b = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    // The last character class seen: '^' start, '0' digit or prefix, '_', '!' other.
    let (mut saw, mut i, mut hex) = (b'^', 0, false);
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &b[i..] {
        if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&c.to_ascii_lowercase()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Go's `atofHex` for float64: `mantissa × 2^exp` (plus a nonzero tail when `trunc`),
/// rounded to nearest even, denormalized when tiny; `None` when it overflows.
fn hex_float(mut mantissa: u64, exp: i64, trunc: bool) -> Option<f64> {
    const MANT_BITS: u32 = 52;
    const BIAS: i64 = -1023;
    const MAX_EXP: i64 = (1 << 11) + BIAS - 2;
    const MIN_EXP: i64 = BIAS + 1;
    let mut exp = exp + i64::from(MANT_BITS);
    while mantissa != 0 && mantissa >> (MANT_BITS + 2) == 0 {
        mantissa <<= 1;
        exp -= 1;
    }
    if trunc {
        mantissa |= 1;
    }
    while mantissa >> (1 + MANT_BITS + 2) != 0 {
        mantissa = (mantissa >> 1) | (mantissa & 1);
        exp += 1;
    }
    while mantissa > 1 && exp < MIN_EXP - 2 {
        mantissa = (mantissa >> 1) | (mantissa & 1);
        exp += 1;
    }
    let mut round = mantissa & 3;
    mantissa >>= 2;
    round |= mantissa & 1;
    exp += 2;
    if round == 3 {
        mantissa += 1;
        if mantissa == 1 << (1 + MANT_BITS) {
            mantissa >>= 1;
            exp += 1;
        }
    }
    if mantissa >> MANT_BITS == 0 {
        exp = BIAS;
    }
    if exp > MAX_EXP {
        return None;
    }
    let bits = (mantissa & ((1 << MANT_BITS) - 1)) | (((exp - BIAS) as u64 & 0x7ff) << MANT_BITS);
    Some(f64::from_bits(bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_like_strconv() {
        assert_eq!(parse_int("42", 10), Some(42));
        assert_eq!(parse_int("+7", 10), Some(7));
        assert_eq!(parse_int("-0", 10), Some(0));
        assert_eq!(parse_int("1F", 16), Some(31));
        assert_eq!(parse_int("-9223372036854775808", 10), Some(i64::MIN));
        for bad in [
            "",
            "+",
            "-",
            "1_000",
            "9223372036854775808",
            "1e3",
            " 1",
            "0x1F",
        ] {
            assert_eq!(parse_int(bad, 10), None, "{bad}");
        }
        for (s, f) in [
            ("1.5", 1.5),
            (".5", 0.5),
            ("1.", 1.0),
            ("-2.5e2", -250.0),
            ("-0x1.8p1", -3.0),
            ("1.E1", 10.0),
            ("1_0.5", 10.5),
            ("0.05", 0.05),
            ("00.5", 0.5),
            ("0x1.8p1", 3.0),
            ("0X.8P-1", 0.25),
            ("0x1_0.0p0", 16.0),
            ("0x1.fffffffffffffp1023", f64::MAX),
            ("0x1.0p-1074", 5e-324),
            ("0x0.0p0", 0.0),
            ("1.0e-400", 0.0),
        ] {
            assert_eq!(parse_float(s), Some(f), "{s}");
        }
        for bad in [
            "",
            ".",
            "1.2.3",
            "1.5e",
            "1.5e+",
            "1._5",
            "1_.5",
            "_1.5",
            "1.5_",
            "0x1.8",
            "0x1.8p",
            "1.0e400",
            "0x1.0p1024",
            "1.5 ",
            "abc.def",
            "1,5",
            "0x.p1",
        ] {
            assert_eq!(parse_float(bad), None, "{bad}");
        }
    }
}
