//! kyaml's round trip of folded (`>`) block scalars.
//!
//! kustomize turns a resource into JSON by writing its node tree with go-yaml v3 and reading
//! the text back, and v3's folded-scalar writer (`yaml_emitter_write_folded_scalar`) is not
//! faithful: it decides whether a line break needs an extra blank line by looking at the
//! *start of the value* (`k := 0`) instead of the text after the break. This module replays
//! that writer and libyaml's folded-scalar reader, so the reader returns the value kustomize
//! ends up with (for example `>+` keep blocks gain a trailing newline). kyaml's encoder never
//! wraps long lines (`best_width` is -1), so indentation plays no part.

/// The value kyaml reads back after writing `value` as a folded block scalar; `None` when it
/// comes back unchanged (or is not written in folded style at all because libyaml's analysis
/// forbids a block scalar).
pub(crate) fn round_trip(value: &str) -> Option<String> {
    if !block_allowed(value) {
        return None;
    }
    let written = write_folded(value);
    let chomp = Chomp::of(value);
    let back = read_folded(&written, chomp);
    (back != value).then_some(back)
}

/// libyaml's `yaml_emitter_analyze_scalar`, the part deciding `block_allowed`.
fn block_allowed(value: &str) -> bool {
    let mut prev_space = false;
    for c in value.chars() {
        let printable = c == '\n'
            || c == '\t'
            || (' '..='~').contains(&c)
            || ('\u{a0}'..='\u{d7ff}').contains(&c)
            || (('\u{e000}'..='\u{fffd}').contains(&c) && c != '\u{feff}');
        if !printable {
            // Includes characters outside the BMP, which go-yaml counts as special.
            return false;
        }
        if c == '\n' && prev_space {
            return false;
        }
        prev_space = c == ' ';
    }
    !value.is_empty() && !prev_space
}

/// The chomping indicator go-yaml's writer picks (`yaml_emitter_write_block_scalar_hints`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

impl Chomp {
    fn of(value: &str) -> Chomp {
        if !value.ends_with('\n') {
            Chomp::Strip
        } else if value == "\n" || value.ends_with("\n\n") {
            Chomp::Keep
        } else {
            Chomp::Clip
        }
    }
}

/// Replays `yaml_emitter_write_folded_scalar`: the content lines as written (indentation
/// removed), joined with `\n`.
fn write_folded(value: &str) -> String {
    // The bug: `k := 0` instead of `k := i`, so the test looks at the value's first
    // character that is not a line break.
    let extra_breaks = value
        .chars()
        .find(|&c| c != '\n')
        .is_some_and(|c| c != ' ' && c != '\t');
    let mut out = String::with_capacity(value.len() + 8);
    let (mut breaks, mut leading_spaces) = (true, true);
    for c in value.chars() {
        if c == '\n' {
            if !breaks && !leading_spaces && extra_breaks {
                out.push('\n');
            }
            breaks = true;
        } else {
            if breaks {
                leading_spaces = c == ' ' || c == '\t';
            }
            breaks = false;
        }
        out.push(c);
    }
    out
}

/// libyaml's block scalar scanner for a folded scalar with the given chomping.
fn read_folded(written: &str, chomp: Chomp) -> String {
    let body = written.strip_suffix('\n').unwrap_or(written);
    let mut s = String::with_capacity(written.len());
    let (mut leading_break, mut trailing, mut leading_blank) = (false, 0, false);
    for line in body.split('\n') {
        if line.is_empty() {
            trailing += 1;
            continue;
        }
        let trailing_blank = line.starts_with([' ', '\t']);
        if leading_break {
            if !leading_blank && !trailing_blank {
                if trailing == 0 {
                    s.push(' ');
                }
            } else {
                s.push('\n');
            }
        }
        s.extend(std::iter::repeat_n('\n', trailing));
        trailing = 0;
        leading_blank = trailing_blank;
        s.push_str(line);
        leading_break = true;
    }
    if chomp != Chomp::Strip && leading_break {
        s.push('\n');
    }
    if chomp == Chomp::Keep {
        s.extend(std::iter::repeat_n('\n', trailing));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_folded_text_is_unchanged() {
        for value in [
            "one line\n",
            "a\nb\n",
            "a b\n\nc",
            "x",
            "a\nb",
            "  lead\nb\n",
        ] {
            assert_eq!(round_trip(value), None, "{value:?}");
        }
    }

    #[test]
    fn keep_chomping_gains_a_newline() {
        // kubectl kustomize: `folded_keep: >+\n    para\n\n` comes out as "para\n\n\n".
        assert_eq!(round_trip("para\n\n").as_deref(), Some("para\n\n\n"));
    }

    #[test]
    fn more_indented_lines_gain_a_newline() {
        assert_eq!(round_trip("a\n  b\n").as_deref(), Some("a\n\n  b\n"));
    }

    #[test]
    fn a_leading_space_loses_fold_points() {
        assert_eq!(round_trip(" x\na\nb\n").as_deref(), Some(" x\na b\n"));
    }

    #[test]
    fn long_lines_are_not_wrapped() {
        let long = format!(" {} tail\n", "w".repeat(90));
        assert_eq!(round_trip(&long), None);
    }

    #[test]
    fn values_without_block_style_are_left_alone() {
        assert_eq!(round_trip("trailing \n\n"), None);
        assert_eq!(round_trip("emoji 😀\n\n"), None);
    }
}
