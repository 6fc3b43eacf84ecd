//! Lua 5.2's `goto` for the embedded Lua 5.1: a `goto` to a label that ends its block (the
//! "continue" idiom of Argo CD's health scripts, which gopher-lua accepts) is rewritten to
//! `break` out of a `repeat … until true` wrapped around that block. Any other use is left
//! alone (the script then fails to compile and is Unknown, never green).
//!
//! The rewrite keeps every line where it was, so error positions still name the script's
//! own lines.

use std::borrow::Cow;

/// A token of Lua source, by byte span; only what the block structure needs is told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Name(&'a str),
    DoubleColon,
    Semicolon,
    Other,
}

/// Splits Lua source into tokens (strings, long strings and comments skipped whole).
/// `None` when a string or long bracket does not close.
fn tokens(src: &str) -> Option<Vec<(Tok<'_>, usize, usize)>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i += 2;
                match long_bracket(b, i) {
                    Some(level) => i = close_long_bracket(b, i, level)?,
                    None => {
                        while i < b.len() && b[i] != b'\n' {
                            i += 1;
                        }
                    }
                }
            }
            b'[' if long_bracket(b, i).is_some() => {
                let level = long_bracket(b, i)?;
                i = close_long_bracket(b, i, level)?;
                out.push((Tok::Other, start, i));
            }
            b'\'' | b'"' => {
                i += 1;
                loop {
                    match *b.get(i)? {
                        b'\\' => i += 2,
                        b'\n' => return None,
                        q if q == c => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                out.push((Tok::Other, start, i));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push((Tok::Name(&src[start..i]), start, i));
            }
            c if c.is_ascii_digit()
                || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_')
                {
                    let exponent = matches!(b[i], b'e' | b'E' | b'p' | b'P');
                    i += 1;
                    if exponent && matches!(b.get(i), Some(b'+' | b'-')) {
                        i += 1;
                    }
                }
                out.push((Tok::Other, start, i));
            }
            b':' if b.get(i + 1) == Some(&b':') => {
                i += 2;
                out.push((Tok::DoubleColon, start, i));
            }
            b';' => {
                i += 1;
                out.push((Tok::Semicolon, start, i));
            }
            _ => {
                // Multi-byte UTF-8 outside strings is not Lua; a byte at a time is enough.
                i += 1;
                out.push((Tok::Other, start, i));
            }
        }
    }
    Some(out)
}

/// The level of a long bracket (`[[`, `[=[`, …) opening at `i`.
fn long_bracket(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let level = b[i + 1..].iter().take_while(|&&c| c == b'=').count();
    (b.get(i + 1 + level) == Some(&b'[')).then_some(level)
}

/// The offset after the long bracket of `level` opening at `i` closes.
fn close_long_bracket(b: &[u8], i: usize, level: usize) -> Option<usize> {
    let mut close = vec![b']'];
    close.extend(std::iter::repeat_n(b'=', level));
    close.push(b']');
    let from = i + level + 2;
    let at = b
        .get(from..)?
        .windows(close.len())
        .position(|w| w == close)?;
    Some(from + at + close.len())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Chunk,
    Function,
    Do,
    Loop,
    Repeat,
    If,
}

/// An open block: which construct, which of its parts (`then`/`elseif`/`else`), where its
/// statements start (`None` while an `if`/`elseif` condition is read, and for functions).
#[derive(Debug, Clone)]
struct Frame {
    id: usize,
    part: usize,
    kind: Kind,
    body_start: Option<usize>,
    loop_pending: bool,
}

/// More nesting than Lua 5.1 compiles.
const MAX_NESTING: usize = 256;

/// A block, as the frames it is nested in (outermost first): `(id, part, kind)`.
type Nesting = Vec<(usize, usize, Kind)>;

struct Label<'a> {
    name: &'a str,
    span: (usize, usize),
    block: Nesting,
    body_start: Option<usize>,
    ends_block: bool,
}

struct Jump<'a> {
    name: &'a str,
    span: (usize, usize),
    at: Nesting,
}

/// `src` with every `goto` rewritten, borrowed when it has none; `Err` says why a `goto`
/// cannot be rewritten.
pub fn rewrite(src: &str) -> Result<Cow<'_, str>, String> {
    if !src.contains("goto") {
        return Ok(Cow::Borrowed(src));
    }
    let toks = tokens(src).ok_or("the script does not tokenize (an unclosed string)")?;
    if !toks.iter().any(|t| t.0 == Tok::Name("goto")) {
        return Ok(Cow::Borrowed(src));
    }
    let (labels, jumps, breaks) = structure(&toks)?;
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    for label in &labels {
        let users: Vec<&Jump> = jumps.iter().filter(|j| j.name == label.name).collect();
        if users.is_empty() {
            continue;
        }
        if labels.iter().filter(|l| l.name == label.name).count() > 1 {
            return Err(format!("label '{}' is defined more than once", label.name));
        }
        let (Some(body_start), true) = (label.body_start, label.ends_block) else {
            return Err(format!(
                "label '{}' is not the last statement of a block",
                label.name
            ));
        };
        // `until` sees the body's locals: wrapping the body would hide them from it.
        if label.block.last().is_some_and(|f| f.2 == Kind::Repeat) {
            return Err(format!(
                "label '{}' ends a repeat body, whose until sees its locals",
                label.name
            ));
        }
        let depth = label.block.len();
        for jump in &users {
            if jump.at.len() < depth || jump.at[..depth] != label.block[..] {
                return Err(format!("goto {} jumps out of its block", label.name));
            }
            if jump.at[depth..]
                .iter()
                .any(|f| matches!(f.2, Kind::Loop | Kind::Repeat | Kind::Function))
            {
                return Err(format!(
                    "goto {} leaves a loop or function inside the label's block",
                    label.name
                ));
            }
            if jump.span.0 < body_start {
                return Err(format!("goto {} comes before its block", label.name));
            }
        }
        // A `break` of the enclosing loop inside the block would now leave the new repeat.
        for at in &breaks {
            let inside = at.len() >= depth && at[..depth] == label.block[..];
            let own_loop = at[depth.min(at.len())..]
                .iter()
                .any(|f| matches!(f.2, Kind::Loop | Kind::Repeat | Kind::Function));
            if inside && !own_loop {
                return Err(format!(
                    "a break inside the block of label '{}' would change meaning",
                    label.name
                ));
            }
        }
        edits.push((body_start, body_start, " repeat"));
        edits.push((label.span.0, label.span.1, "until true"));
        for jump in users {
            edits.push((jump.span.0, jump.span.1, "do break end"));
        }
    }
    if let Some(j) = jumps
        .iter()
        .find(|j| !labels.iter().any(|l| l.name == j.name))
    {
        return Err(format!("no visible label '{}' for goto", j.name));
    }
    edits.sort_by_key(|e| (e.0, e.1));
    let mut out = String::with_capacity(src.len() + 32 * edits.len());
    let mut at = 0;
    for (start, end, text) in edits {
        out.push_str(&src[at..start]);
        out.push_str(text);
        at = end;
    }
    out.push_str(&src[at..]);
    Ok(Cow::Owned(out))
}

/// Walks the tokens with a stack of open blocks: the labels (with the block each ends, if
/// any), the gotos and the breaks (with where they are).
#[allow(clippy::type_complexity)]
fn structure<'a>(
    toks: &[(Tok<'a>, usize, usize)],
) -> Result<(Vec<Label<'a>>, Vec<Jump<'a>>, Vec<Nesting>), String> {
    let mut next_id = 1;
    let mut stack = vec![Frame {
        id: 0,
        part: 0,
        kind: Kind::Chunk,
        body_start: Some(0),
        loop_pending: false,
    }];
    let nesting =
        |stack: &[Frame]| -> Nesting { stack.iter().map(|f| (f.id, f.part, f.kind)).collect() };
    let (mut labels, mut jumps, mut breaks) = (Vec::new(), Vec::new(), Vec::new());
    let mut i = 0;
    while i < toks.len() {
        let (tok, start, end) = toks[i];
        // Lua 5.1 refuses more than 200 nested levels ("chunk has too many syntax levels");
        // stopping there keeps the snapshots below small.
        if stack.len() > MAX_NESTING {
            return Err("blocks nested too deeply".into());
        }
        let mut push = |stack: &mut Vec<Frame>, kind, body_start| {
            stack.push(Frame {
                id: next_id,
                part: 0,
                kind,
                body_start,
                loop_pending: false,
            });
            next_id += 1;
        };
        match tok {
            Tok::Name("function") => push(&mut stack, Kind::Function, None),
            Tok::Name("while" | "for") => {
                if let Some(top) = stack.last_mut() {
                    top.loop_pending = true;
                }
            }
            Tok::Name("do") => {
                let looping = stack.last().is_some_and(|f| f.loop_pending);
                if let Some(top) = stack.last_mut() {
                    top.loop_pending = false;
                }
                push(
                    &mut stack,
                    if looping { Kind::Loop } else { Kind::Do },
                    Some(end),
                );
            }
            Tok::Name("repeat") => push(&mut stack, Kind::Repeat, Some(end)),
            Tok::Name("if") => push(&mut stack, Kind::If, None),
            Tok::Name("then") => {
                if let Some(top) = stack.last_mut().filter(|f| f.kind == Kind::If) {
                    top.body_start = Some(end);
                }
            }
            Tok::Name("elseif" | "else") => {
                let Some(top) = stack.last_mut().filter(|f| f.kind == Kind::If) else {
                    return Err("unbalanced blocks".into());
                };
                top.part += 1;
                top.body_start = (tok == Tok::Name("else")).then_some(end);
            }
            Tok::Name("end" | "until") => {
                if stack.len() < 2 {
                    return Err("unbalanced blocks".into());
                }
                stack.pop();
            }
            Tok::Name("goto") => {
                if let Some(&(Tok::Name(name), _, name_end)) = toks.get(i + 1) {
                    jumps.push(Jump {
                        name,
                        span: (start, name_end),
                        at: nesting(&stack),
                    });
                    i += 1;
                }
            }
            Tok::Name("break") => breaks.push(nesting(&stack)),
            Tok::DoubleColon => {
                if let (Some(&(Tok::Name(name), ..)), Some(&(Tok::DoubleColon, _, close))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    let following = toks[i + 3..].iter().find(|t| t.0 != Tok::Semicolon);
                    let ends_block = match following {
                        None => stack.len() == 1,
                        Some(t) => matches!(t.0, Tok::Name("end" | "else" | "elseif" | "until")),
                    };
                    let top = stack.last().map(|f| f.body_start);
                    labels.push(Label {
                        name,
                        span: (start, close),
                        block: nesting(&stack),
                        body_start: top.flatten(),
                        ends_block,
                    });
                    i += 2;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok((labels, jumps, breaks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_goto_borrows() {
        assert!(matches!(rewrite("return {}"), Ok(Cow::Borrowed(_))));
        // The word inside a string or comment is not a goto.
        assert!(matches!(
            rewrite("-- goto x\nlocal s = 'goto y'\nreturn {}"),
            Ok(Cow::Borrowed(_))
        ));
    }

    #[test]
    fn continue_at_the_end_of_a_loop_body() {
        let src = "for _, c in ipairs(t) do\n  if c ~= 1 then goto continue end\n  n = n + 1\n  ::continue::\nend\n";
        let out = rewrite(src).expect("rewritten");
        assert_eq!(
            out,
            "for _, c in ipairs(t) do repeat\n  if c ~= 1 then do break end end\n  n = n + 1\n  until true\nend\n"
        );
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn label_ending_an_if_block_inside_a_loop() {
        let src = "for _, p in ipairs(t) do\n  if p.c then\n    if x then goto continue end\n    for _, c in ipairs(p.c) do if c then break end end\n    ::continue::\n  end\nend\n";
        let out = rewrite(src).expect("rewritten");
        assert!(out.contains("if p.c then repeat\n"), "{out}");
        assert!(out.contains("do break end end\n    for"), "{out}");
        assert!(out.contains("    until true\n  end"), "{out}");
    }

    #[test]
    fn refusals_say_why() {
        let backward = "::top::\nx = x + 1\nif x < 3 then goto top end\nreturn {}";
        assert!(
            rewrite(backward)
                .unwrap_err()
                .contains("not the last statement")
        );
        let loop_break = "for i = 1, 3 do\n  if i == 2 then break end\n  if i == 1 then goto continue end\n  ::continue::\nend";
        assert!(rewrite(loop_break).unwrap_err().contains("break"));
        let nested = "for i = 1, 3 do\n  while true do goto continue end\n  ::continue::\nend";
        assert!(rewrite(nested).unwrap_err().contains("leaves a loop"));
        assert!(
            rewrite("goto nowhere")
                .unwrap_err()
                .contains("no visible label")
        );
        assert!(rewrite("x = 'goto\ny").unwrap_err().contains("tokenize"));
        let until = "local i = 0\nrepeat\n  i = i + 1\n  local done = i > 2\n  if i == 1 then goto continue end\n  ::continue::\nuntil done";
        assert!(rewrite(until).unwrap_err().contains("repeat body"));
        let deep = format!("{}goto x ::x::{}", "do ".repeat(300), " end".repeat(300));
        assert!(rewrite(&deep).unwrap_err().contains("nested too deeply"));
    }

    #[test]
    fn long_strings_and_comments_are_skipped() {
        let src = "--[==[ ::continue:: goto continue ]==]\nlocal s = [[\ngoto continue]]\nfor i = 1, 2 do\n  goto continue\n  ::continue::\nend";
        let out = rewrite(src).expect("rewritten");
        assert!(out.starts_with("--[==[ ::continue:: goto continue ]==]\nlocal s = [[\ngoto continue]]\nfor i = 1, 2 do repeat\n  do break end\n  until true\nend"), "{out}");
    }
}
