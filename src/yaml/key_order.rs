//! Map key order of the YAML writer: go-yaml v2's `keyList.Less` (`sorter.go`) for string keys.
//!
//! kustomize's output sorts every mapping with this "natural" order, not bytewise: at the first
//! differing character, letters sort after everything else and compare by code point, and runs of
//! digits compare by numeric value (`a9` < `a10`, `_x` < `1x` < `A` < `a`).

/// Sorts `items` by their keys in go-yaml v2 order.
///
/// Uses its own merge sort: `keyList.Less` is not guaranteed to be a total order for every
/// input (digit runs wrap on overflow, as in Go), and the standard library's sort may panic when
/// a comparison is inconsistent. Input that is already in order (the common case for maps that
/// only hold lower-case ASCII keys) costs one pass.
pub(crate) fn sort_by_key<T: Copy>(items: &mut [T], key: impl Fn(&T) -> &str) {
    let less = |a: &T, b: &T| key_less(key(a), key(b));
    if items.windows(2).all(|w| !less(&w[1], &w[0])) {
        return;
    }
    let mut buf: Vec<T> = items.to_vec();
    let n = items.len();
    let mut width = 1;
    // Bottom-up merge sort, ping-ponging between `items` and `buf`.
    let mut src_is_items = true;
    while width < n {
        let (src, dst): (&[T], &mut [T]) = if src_is_items {
            (&*items, &mut buf[..])
        } else {
            (&buf[..], &mut *items)
        };
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                if less(&src[j], &src[i]) {
                    dst[k] = src[j];
                    j += 1;
                } else {
                    dst[k] = src[i];
                    i += 1;
                }
                k += 1;
            }
            while i < mid {
                dst[k] = src[i];
                i += 1;
                k += 1;
            }
            while j < end {
                dst[k] = src[j];
                j += 1;
                k += 1;
            }
            start = end;
        }
        src_is_items = !src_is_items;
        width *= 2;
    }
    if !src_is_items {
        items.copy_from_slice(&buf);
    }
}

/// `keyList.Less` for two string keys.
pub(crate) fn key_less(a: &str, b: &str) -> bool {
    let mut ai = a.char_indices();
    let mut bi = b.char_indices();
    loop {
        let (ia, ca, cb) = match (ai.next(), bi.next()) {
            (Some((ia, ca)), Some((_, cb))) => (ia, ca, cb),
            // `len(ar) < len(br)`: only true when `a` ran out first.
            (None, Some(_)) => return true,
            _ => return false,
        };
        if ca == cb {
            continue;
        }
        let al = is_letter(ca);
        let bl = is_letter(cb);
        if al && bl {
            return ca < cb;
        }
        if al || bl {
            return bl;
        }
        // The common prefix is a[..ia] == b[..ia]; the byte offsets agree.
        let (mut an, mut bn) = (0i64, 0i64);
        if ca == '0' || cb == '0' {
            for c in a[..ia].chars().rev() {
                if !is_digit(c) {
                    break;
                }
                if c != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let (an, a_len) = digit_run(&a[ia..], an);
        let (bn, b_len) = digit_run(&b[ia..], bn);
        if an != bn {
            return an < bn;
        }
        if a_len != b_len {
            return a_len < b_len;
        }
        return ca < cb;
    }
}

/// Accumulates the leading digit run of `s` like sorter.go (`n*10 + (r - '0')`, wrapping).
fn digit_run(s: &str, mut n: i64) -> (i64, usize) {
    let mut len = 0;
    for c in s.chars() {
        if !is_digit(c) {
            break;
        }
        n = n
            .wrapping_mul(10)
            .wrapping_add(i64::from(c as u32) - i64::from(b'0'));
        len += 1;
    }
    (n, len)
}

/// Go's `unicode.IsLetter` (category L). Exact for Latin-1; beyond it Rust's `is_alphabetic`
/// without letter numbers (`Ⅻ`), which still counts the few combining marks and symbols with
/// the Other_Alphabetic property (e.g. U+0345, circled letters) that Go does not.
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic() && !c.is_numeric()
    }
}

/// Go's `unicode.IsDigit`: ASCII digits, and the Unicode `Nd` category above Latin-1.
fn is_digit(c: char) -> bool {
    let u = c as u32;
    if u <= 0xFF {
        return c.is_ascii_digit();
    }
    ND_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < u {
                std::cmp::Ordering::Less
            } else if lo > u {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Unicode 15.0 `Nd` ranges above U+00FF (the Unicode version of Go 1.21–1.23).
const ND_RANGES: &[(u32, u32)] = &[
    (0x660, 0x669),
    (0x6F0, 0x6F9),
    (0x7C0, 0x7C9),
    (0x966, 0x96F),
    (0x9E6, 0x9EF),
    (0xA66, 0xA6F),
    (0xAE6, 0xAEF),
    (0xB66, 0xB6F),
    (0xBE6, 0xBEF),
    (0xC66, 0xC6F),
    (0xCE6, 0xCEF),
    (0xD66, 0xD6F),
    (0xDE6, 0xDEF),
    (0xE50, 0xE59),
    (0xED0, 0xED9),
    (0xF20, 0xF29),
    (0x1040, 0x1049),
    (0x1090, 0x1099),
    (0x17E0, 0x17E9),
    (0x1810, 0x1819),
    (0x1946, 0x194F),
    (0x19D0, 0x19D9),
    (0x1A80, 0x1A89),
    (0x1A90, 0x1A99),
    (0x1B50, 0x1B59),
    (0x1BB0, 0x1BB9),
    (0x1C40, 0x1C49),
    (0x1C50, 0x1C59),
    (0xA620, 0xA629),
    (0xA8D0, 0xA8D9),
    (0xA900, 0xA909),
    (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9),
    (0xAA50, 0xAA59),
    (0xABF0, 0xABF9),
    (0xFF10, 0xFF19),
    (0x104A0, 0x104A9),
    (0x10D30, 0x10D39),
    (0x11066, 0x1106F),
    (0x110F0, 0x110F9),
    (0x11136, 0x1113F),
    (0x111D0, 0x111D9),
    (0x112F0, 0x112F9),
    (0x11450, 0x11459),
    (0x114D0, 0x114D9),
    (0x11650, 0x11659),
    (0x116C0, 0x116C9),
    (0x11730, 0x11739),
    (0x118E0, 0x118E9),
    (0x11950, 0x11959),
    (0x11C50, 0x11C59),
    (0x11D50, 0x11D59),
    (0x11DA0, 0x11DA9),
    (0x11F50, 0x11F59),
    (0x16A60, 0x16A69),
    (0x16AC0, 0x16AC9),
    (0x16B50, 0x16B59),
    (0x1D7CE, 0x1D7FF),
    (0x1E140, 0x1E149),
    (0x1E2F0, 0x1E2F9),
    (0x1E4F0, 0x1E4F9),
    (0x1E950, 0x1E959),
    (0x1FBF0, 0x1FBF9),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sort_matches_pairwise_order() {
        let mut keys = vec!["b", "a10", "a9", "_x", "1x", "A", "a", "a01", "a1", "", "-"];
        sort_by_key(&mut keys, |k| k);
        assert_eq!(
            keys,
            ["", "-", "_x", "1x", "A", "a", "a1", "a01", "a9", "a10", "b"]
        );
    }

    #[test]
    fn digits_beyond_latin1() {
        assert!(is_digit('٣'));
        assert!(!is_digit('²'));
        assert!(!is_digit('Ⅻ'));
    }
}
