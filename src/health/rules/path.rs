//! JSONPath for rules: kubectl's spelling normalised to RFC 9535, compiled once with
//! jsonpath-rust, limited to a subset that compiles to Lua, and evaluated to the list of
//! values it selects.
//!
//! Accepted spellings: `{.status.phase}` (kubectl's template braces), `.status.phase`,
//! `status.phase`, `$.status.phase`; kubectl's escaped dots
//! (`.metadata.labels.app\.kubernetes\.io/name`) and names RFC 9535 does not allow after a
//! dot (`.metadata.annotations.foo-bar`) become bracket names (`['foo-bar']`).
//!
//! The subset — names, indices (negative ones too), `*`, and filters comparing `@`-relative
//! fields with literals (`==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||`, `!`, existence) — is
//! what the Lua code generator can translate into table walks; descendant segments (`..`),
//! slices, `$` inside filters and functions are refused when the rules are loaded.
//! Paths of names and indices only are walked directly, without jsonpath-rust.

use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter, FilterAtom, JpQuery, Segment, Selector, SingularQuery, Test,
};
use serde_json::Value;

/// A compiled path.
#[derive(Debug, Clone)]
pub struct Path {
    /// The path as the user wrote it.
    pub source: String,
    /// The normalised RFC 9535 text.
    pub normalized: String,
    /// The parsed query (public for the Lua code generator).
    pub query: JpQuery,
    /// Names and indices only: walked without jsonpath-rust.
    simple: Option<Vec<Step>>,
}

#[derive(Debug, Clone)]
enum Step {
    Name(String),
    Index(i64),
}

impl Path {
    /// Normalises, parses and checks `source`.
    pub fn compile(source: &str) -> Result<Path, String> {
        let normalized = normalize(source)?;
        let query = jsonpath_rust::parser::parse_json_path(&normalized)
            .map_err(|e| format!("invalid JSONPath {source:?} ({normalized}): {e}"))?;
        check_subset(&query).map_err(|what| {
            format!(
                "JSONPath {source:?}: {what} is not supported (rules compile to Argo CD Lua: use names, indices, * and filters on @)"
            )
        })?;
        let simple = simple_steps(&query);
        Ok(Path {
            source: source.to_string(),
            normalized,
            query,
            simple,
        })
    }

    /// The values the path selects, in document order (`null`s included).
    pub fn select<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        if let Some(steps) = &self.simple {
            return walk(root, steps).into_iter().collect();
        }
        jsonpath_rust::query::js_path_process(&self.query, root)
            .map(|refs| refs.into_iter().map(|r| r.val()).collect())
            .unwrap_or_default()
    }

    /// The first value the path selects, if any.
    pub fn first<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        if let Some(steps) = &self.simple {
            return walk(root, steps);
        }
        self.select(root).into_iter().next()
    }
}

fn walk<'a>(root: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    steps.iter().try_fold(root, |v, step| match step {
        Step::Name(n) => v.as_object()?.get(n),
        Step::Index(i) => {
            let list = v.as_array()?;
            let idx = if *i < 0 {
                list.len().checked_sub(i.unsigned_abs() as usize)?
            } else {
                usize::try_from(*i).ok()?
            };
            list.get(idx)
        }
    })
}

fn simple_steps(q: &JpQuery) -> Option<Vec<Step>> {
    q.segments
        .iter()
        .map(|s| match s {
            Segment::Selector(Selector::Name(n)) => Some(Step::Name(n.clone())),
            Segment::Selector(Selector::Index(i)) => Some(Step::Index(*i)),
            _ => None,
        })
        .collect()
}

/// kubectl spelling → RFC 9535.
pub fn normalize(source: &str) -> Result<String, String> {
    let mut s = source.trim();
    if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        s = inner.trim();
    }
    if s.is_empty() {
        return Err("empty JSONPath".to_string());
    }
    let rest = if let Some(r) = s.strip_prefix('$') {
        r
    } else if s.starts_with('.') || s.starts_with('[') {
        s
    } else {
        return normalize(&format!(".{s}"));
    };
    let chars: Vec<char> = rest.chars().collect();
    let mut out = String::from("$");
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' if chars.get(i + 1) == Some(&'.') => {
                out.push_str("..");
                i += 2;
                if chars.get(i).is_some_and(|c| *c != '[') {
                    i = push_name(&chars, i, &mut out, true);
                }
            }
            '.' => i = push_name(&chars, i + 1, &mut out, false),
            '[' => i = push_bracket(&chars, i, &mut out)?,
            c => return Err(format!("unexpected {c:?} in JSONPath {source:?}")),
        }
    }
    Ok(out)
}

/// Copies one dot-name starting at `i` (escapes `\.`), as shorthand when RFC 9535 allows,
/// else as a bracketed name. Returns the index after it.
fn push_name(chars: &[char], mut i: usize, out: &mut String, after_descendant: bool) -> usize {
    let mut name = String::new();
    while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
        if chars[i] == '\\' && i + 1 < chars.len() {
            name.push(chars[i + 1]);
            i += 2;
        } else {
            name.push(chars[i]);
            i += 1;
        }
    }
    let shorthand = name == "*"
        || (name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    if shorthand {
        if !after_descendant {
            out.push('.');
        }
        out.push_str(&name);
    } else {
        out.push_str("['");
        out.push_str(&name.replace('\\', "\\\\").replace('\'', "\\'"));
        out.push_str("']");
    }
    i
}

/// Copies a bracket segment verbatim (quotes and nesting respected).
fn push_bracket(chars: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    let (mut depth, mut quote, mut i) = (0usize, None::<char>, start);
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        match (quote, c) {
            (Some(_), '\\') if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 1;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err("unclosed [ in JSONPath".to_string())
}

/// The first construct outside the Lua-compilable subset, if any.
fn check_subset(q: &JpQuery) -> Result<(), &'static str> {
    q.segments.iter().try_for_each(check_segment)
}

fn check_segment(s: &Segment) -> Result<(), &'static str> {
    match s {
        Segment::Descendant(_) => Err("a descendant segment (..)"),
        Segment::Selector(sel) => check_selector(sel),
        Segment::Selectors(sels) => sels.iter().try_for_each(check_selector),
    }
}

fn check_selector(s: &Selector) -> Result<(), &'static str> {
    match s {
        Selector::Name(_) | Selector::Wildcard | Selector::Index(_) => Ok(()),
        Selector::Slice(..) => Err("a slice"),
        Selector::Filter(f) => check_filter(f),
    }
}

fn check_filter(f: &Filter) -> Result<(), &'static str> {
    match f {
        Filter::Or(fs) | Filter::And(fs) => fs.iter().try_for_each(check_filter),
        Filter::Atom(FilterAtom::Filter { expr, .. }) => check_filter(expr),
        Filter::Atom(FilterAtom::Test { expr, .. }) => match expr.as_ref() {
            Test::RelQuery(segs) => segs.iter().try_for_each(check_segment),
            Test::AbsQuery(_) => Err("$ inside a filter"),
            Test::Function(_) => Err("a function"),
        },
        Filter::Atom(FilterAtom::Comparison(c)) => {
            let (a, b) = match c.as_ref() {
                Comparison::Eq(a, b)
                | Comparison::Ne(a, b)
                | Comparison::Gt(a, b)
                | Comparison::Gte(a, b)
                | Comparison::Lt(a, b)
                | Comparison::Lte(a, b) => (a, b),
            };
            check_comparable(a)?;
            check_comparable(b)
        }
    }
}

fn check_comparable(c: &Comparable) -> Result<(), &'static str> {
    match c {
        Comparable::Literal(_) | Comparable::SingularQuery(SingularQuery::Current(_)) => Ok(()),
        Comparable::SingularQuery(SingularQuery::Root(_)) => Err("$ inside a filter"),
        Comparable::Function(_) => Err("a function"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalizes_kubectl_spellings() {
        for (input, want) in [
            ("{.status.phase}", "$.status.phase"),
            (".status.phase", "$.status.phase"),
            ("status.phase", "$.status.phase"),
            ("$.status.phase", "$.status.phase"),
            (
                ".metadata.labels.app\\.kubernetes\\.io/name",
                "$.metadata.labels['app.kubernetes.io/name']",
            ),
            (
                ".metadata.annotations.foo-bar",
                "$.metadata.annotations['foo-bar']",
            ),
            (
                "{.status.conditions[?(@.type==\"Ready\")].status}",
                "$.status.conditions[?(@.type==\"Ready\")].status",
            ),
            (".spec.containers[*].image", "$.spec.containers[*].image"),
            (".items[0]", "$.items[0]"),
        ] {
            assert_eq!(normalize(input).as_deref(), Ok(want), "{input}");
        }
        assert!(normalize("{}").is_err());
        assert!(normalize(".a[0").is_err());
    }

    #[test]
    fn selects_values() {
        let v = json!({"status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True"}, {"type": "Synced", "status": "False", "message": "m"}]},
            "metadata": {"labels": {"app.kubernetes.io/name": "web"}}});
        let sel = |p: &str| -> Vec<Value> {
            Path::compile(p)
                .map(|p| p.select(&v).into_iter().cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(sel("{.status.phase}"), vec![json!("Running")]);
        assert_eq!(
            sel(".metadata.labels.app\\.kubernetes\\.io/name"),
            vec![json!("web")]
        );
        assert_eq!(
            sel("$.metadata.labels['app.kubernetes.io/name']"),
            vec![json!("web")]
        );
        assert_eq!(
            sel("{.status.conditions[?(@.type==\"Synced\" && @.status==\"False\")].message}"),
            vec![json!("m")]
        );
        assert_eq!(
            sel(".status.conditions[*].type"),
            vec![json!("Ready"), json!("Synced")]
        );
        assert_eq!(sel(".status.conditions[-1].type"), vec![json!("Synced")]);
        assert!(sel(".status.missing").is_empty());
    }

    #[test]
    fn refuses_what_lua_cannot_do() {
        for p in [
            "$..phase",
            ".status.conditions[0:1]",
            ".a[?(@.b == $.c)]",
            ".a[?(length(@.b) > 1)]",
        ] {
            let err = Path::compile(p).err().unwrap_or_default();
            assert!(err.contains("not supported"), "{p}: {err}");
        }
    }
}
