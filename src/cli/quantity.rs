//! Byte sizes on the command line as Kubernetes writes quantities: plain bytes (`1048576`),
//! decimal suffixes `k M G T P E` (powers of 1000) and binary ones `Ki Mi Gi Ti Pi Ei`
//! (powers of 1024), with an optional fraction (`1.5Gi`) that must come to whole bytes.

/// The suffixes and their multipliers.
const SUFFIXES: [(&str, u128); 12] = [
    ("Ki", 1 << 10),
    ("Mi", 1 << 20),
    ("Gi", 1 << 30),
    ("Ti", 1 << 40),
    ("Pi", 1 << 50),
    ("Ei", 1 << 60),
    ("k", 1_000),
    ("M", 1_000_000),
    ("G", 1_000_000_000),
    ("T", 1_000_000_000_000),
    ("P", 1_000_000_000_000_000),
    ("E", 1_000_000_000_000_000_000),
];

/// Parses a byte size (`64Mi`, `1G`, `1048576`); at least one byte.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let usage = "a size in bytes, as a Kubernetes quantity: 1048576, 64Mi, 1Gi, 500k, 1G \
                 (k M G T P E: powers of 1000; Ki Mi Gi Ti Pi Ei: powers of 1024)";
    let multiplier = if suffix.is_empty() {
        1
    } else {
        match SUFFIXES.iter().find(|(s, _)| *s == suffix) {
            Some((_, m)) => *m,
            None => {
                let hint = match suffix {
                    "K" | "KB" | "kB" => " (kilo is `k`; 1024 is `Ki`)",
                    "MB" | "GB" | "TB" => " (write M, G or T; Mi, Gi or Ti for powers of 1024)",
                    _ => "",
                };
                return Err(format!("unknown suffix {suffix:?}{hint}: expected {usage}"));
            }
        }
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(format!("{text:?} is not a number: expected {usage}"));
    }
    let digits = |s: &str| -> Result<u128, String> {
        if s.is_empty() {
            return Ok(0);
        }
        s.parse::<u128>()
            .map_err(|_| format!("{text:?} is too large: expected {usage}"))
    };
    let scale = 10u128
        .checked_pow(fraction.len() as u32)
        .ok_or_else(|| format!("{text:?} has too many decimals"))?;
    let scaled = digits(whole)?
        .checked_mul(scale)
        .and_then(|w| w.checked_add(digits(fraction).ok()?))
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("{text:?} is too large"))?;
    if scaled % scale != 0 {
        return Err(format!("{text:?} is not a whole number of bytes"));
    }
    let bytes = u64::try_from(scaled / scale).map_err(|_| format!("{text:?} is too large"))?;
    if bytes == 0 {
        return Err(format!("{text:?}: the limit must be at least 1 byte"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn quantities() {
        assert_eq!(parse_bytes("1048576"), Ok(1_048_576));
        assert_eq!(parse_bytes("64Mi"), Ok(64 << 20));
        assert_eq!(parse_bytes("1G"), Ok(1_000_000_000));
        assert_eq!(parse_bytes("1Gi"), Ok(1 << 30));
        assert_eq!(parse_bytes("500k"), Ok(500_000));
        assert_eq!(parse_bytes("1.5Gi"), Ok(3 << 29));
        assert_eq!(parse_bytes("0.5k"), Ok(500));
        assert!(parse_bytes("0").unwrap_err().contains("at least 1 byte"));
        assert!(
            parse_bytes("1.5")
                .unwrap_err()
                .contains("whole number of bytes")
        );
        assert!(
            parse_bytes("64MB")
                .unwrap_err()
                .contains("unknown suffix \"MB\"")
        );
        assert!(parse_bytes("1K").unwrap_err().contains("kilo is `k`"));
        assert!(parse_bytes("Mi").unwrap_err().contains("is not a number"));
        assert!(parse_bytes("").unwrap_err().contains("is not a number"));
        assert!(
            parse_bytes("1.2.3")
                .unwrap_err()
                .contains("is not a number")
        );
        assert!(parse_bytes("-1").unwrap_err().contains("unknown suffix"));
        assert!(
            parse_bytes("99999999999Ei")
                .unwrap_err()
                .contains("too large")
        );
    }
}
