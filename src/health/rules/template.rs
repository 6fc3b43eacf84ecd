//! Message templates: literal text with `{jsonpath}` fields, as kubectl writes JSONPath
//! (`Phase {.status.phase}: {.status.message}`). A field renders the first value its path
//! selects — a string as is, a number or boolean as JSON writes it, an object or list as
//! compact JSON — and nothing when the path selects nothing or `null`. `{{` and `}}` are
//! literal braces.

use serde_json::Value;

use super::path::Path;

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    /// The template as written.
    pub source: String,
    /// Its pieces, in order (public for the Lua code generator).
    pub parts: Vec<Part>,
}

/// One piece of a template.
#[derive(Debug, Clone)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// A field.
    Field(Path),
}

impl Template {
    /// Parses `source`.
    pub fn parse(source: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|(_, c)| *c) == Some('{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().map(|(_, c)| *c) == Some('}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => return Err(format!("unmatched }} at byte {i} of {source:?}")),
                '{' => {
                    let end = field_end(source, i)
                        .ok_or_else(|| format!("unclosed {{ at byte {i} of {source:?}"))?;
                    let path = Path::compile(&source[i..=end])?;
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Field(path));
                    while chars.peek().is_some_and(|(j, _)| *j <= end) {
                        chars.next();
                    }
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template {
            source: source.to_string(),
            parts,
        })
    }

    /// A template of literal text only.
    pub fn literal(text: &str) -> Template {
        Template {
            source: text.replace('{', "{{").replace('}', "}}"),
            parts: if text.is_empty() {
                Vec::new()
            } else {
                vec![Part::Text(text.to_string())]
            },
        }
    }

    /// Renders the template for `obj`.
    pub fn render(&self, obj: &Value) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field(p) => {
                    if let Some(v) = p.first(obj) {
                        push_value(&mut out, v);
                    }
                }
            }
        }
        out
    }
}

/// The byte index of the `}` closing the field that opens at `start` (quotes and brackets
/// inside the path are skipped).
fn field_end(s: &str, start: usize) -> Option<usize> {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in s[start + 1..].char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '}') => return Some(start + 1 + i),
            _ => {}
        }
    }
    None
}

/// How a selected value reads in a message.
pub fn push_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => {}
        Value::String(s) => out.push_str(s),
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_fields_and_text() {
        let v = json!({"status": {"phase": "Failed", "n": 3, "ok": false,
            "conditions": [{"type": "Ready", "message": "no {quota}"}]}});
        let r = |t: &str| {
            Template::parse(t)
                .map(|t| t.render(&v))
                .unwrap_or_else(|e| e)
        };
        assert_eq!(r("Phase {.status.phase}"), "Phase Failed");
        assert_eq!(
            r("{.status.n} / {.status.ok} / [{.status.none}]"),
            "3 / false / []"
        );
        assert_eq!(
            r("Ready: {.status.conditions[?(@.type==\"Ready\")].message}"),
            "Ready: no {quota}"
        );
        assert_eq!(r("{{literal}}"), "{literal}");
        assert_eq!(r("plain"), "plain");
        assert!(Template::parse("oops {.status").is_err());
        assert!(Template::parse("oops }").is_err());
        assert!(Template::parse("{$..x}").is_err());
        assert_eq!(Template::literal("a{b}").render(&v), "a{b}");
    }
}
