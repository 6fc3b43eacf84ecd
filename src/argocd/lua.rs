//! Lua code generation: health rules compiled to Lua 5.1 health scripts as Argo CD runs
//! them (gopher-lua, global `obj`, a returned `{status=…, message=…}`), so that the Argo CD
//! UI shows what `rollpin health` computes. Used by [`super::cm`] to build argocd-cm.
//!
//! A script is a chain of *tiers* tried in order until one answers, mirroring
//! [`crate::health::Assessor::assess_object`]: a declarative rule ([`Tier::Rule`], its checks
//! in order, then its default or nothing), rollpin's RollbackRequest / RollbackManifest / RollbackPolicy, the
//! generic conditions, or a run-time choice among glob rules ([`Tier::Globs`]).
//!
//! The helpers (`lua/*.lua`) use only what Argo CD opens without `useOpenLibs` — base,
//! table and a safe `os` (`time`, `date`) — except where a script says it needs the
//! `string` library ([`Script::open_libs`]): RFC 3339 deadlines and the run-time choice
//! between glob rules. No `goto`: scripts load in PUC Lua 5.1 as well as gopher-lua.

use std::fmt::Write as _;

use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter, FilterAtom, Literal, Segment, Selector, SingularQuery,
    SingularQuerySegment, Test,
};
use serde_json::Value;

use crate::health::rules::path::Path;
use crate::health::rules::template::{Part, Template};
use crate::health::rules::{Condition, Op, Operand, Outcome, Rule};

const HELPERS: &str = include_str!("lua/helpers.lua");
const GENERIC: &str = include_str!("lua/generic.lua");
const ROLLBACK_REQUEST: &str = include_str!("lua/rollback_request.lua");
const ROLLBACK_MANIFEST: &str = include_str!("lua/rollback_manifest.lua");
const ROLLBACK_POLICY: &str = include_str!("lua/rollback_policy.lua");
const DISPATCH: &str = include_str!("lua/dispatch.lua");

/// One step of a script's chain.
#[derive(Debug, Clone)]
pub enum Tier<'a> {
    /// A declarative rule.
    Rule(&'a Rule),
    /// The first of these glob rules whose patterns match the object's group and kind
    /// (chosen at run time).
    Globs(Vec<&'a Rule>),
    /// rollpin's RollbackRequest.
    RollbackRequest,
    /// rollpin's RollbackManifest.
    RollbackManifest,
    /// rollpin's RollbackPolicy.
    RollbackPolicy,
    /// Generic conditions (always answers).
    Generic,
}

impl Tier<'_> {
    /// Whether the tier always gives a status (later tiers are unreachable).
    pub fn always_answers(&self) -> bool {
        match self {
            Tier::Rule(r) => r.default.is_some(),
            Tier::Globs(_) => false,
            Tier::RollbackRequest
            | Tier::RollbackManifest
            | Tier::RollbackPolicy
            | Tier::Generic => true,
        }
    }
}

/// A generated health script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The Lua source.
    pub lua: String,
    /// Whether it needs Argo CD's `useOpenLibs` (the `string` library).
    pub open_libs: bool,
}

/// Compiles a chain of tiers into one script; `title` heads it as a comment. With no tier
/// answering, the script returns nil (no health).
pub fn script(title: &str, tiers: &[Tier<'_>]) -> Script {
    let mut body = String::new();
    let mut calls = Vec::new();
    let mut open_libs = false;
    let (mut generic, mut request, mut manifest, mut policy) = (false, false, false, false);
    let mut rule_no = 0;
    for tier in tiers {
        match tier {
            Tier::Rule(r) => {
                rule_no += 1;
                let name = format!("rule_{rule_no}");
                push_rule(&mut body, &name, r);
                calls.push(format!("{name}(obj)"));
            }
            Tier::Globs(rules) => {
                open_libs = true;
                let mut arms = String::new();
                for r in rules {
                    rule_no += 1;
                    let name = format!("rule_{rule_no}");
                    push_rule(&mut body, &name, r);
                    let _ = writeln!(
                        arms,
                        "  if glob({}, g) and glob({}, k) then\n    return {name}(obj)\n  end",
                        lua_str(&r.group),
                        lua_str(&r.kind)
                    );
                }
                body.push_str("local function globs(obj)\n  local g, k = obj_group_kind(obj)\n");
                body.push_str(&arms);
                body.push_str("  return nil\nend\n\n");
                calls.push("globs(obj)".to_string());
            }
            Tier::RollbackRequest => {
                request = true;
                open_libs = true;
                calls.push("rollback_request(obj)".to_string());
            }
            Tier::RollbackManifest => {
                manifest = true;
                calls.push("rollback_manifest(obj)".to_string());
            }
            Tier::RollbackPolicy => {
                policy = true;
                calls.push("rollback_policy(obj)".to_string());
            }
            Tier::Generic => {
                generic = true;
                calls.push("generic(obj)".to_string());
            }
        }
        if tier.always_answers() {
            break;
        }
    }
    let mut lua = String::new();
    let _ = writeln!(
        lua,
        "-- {} (generated by rollpin argocd-cm; do not edit)",
        title
    );
    lua.push_str(HELPERS);
    for (used, part) in [
        (open_libs, DISPATCH),
        (generic, GENERIC),
        (request, ROLLBACK_REQUEST),
        (manifest, ROLLBACK_MANIFEST),
        (policy, ROLLBACK_POLICY),
    ] {
        if used {
            lua.push('\n');
            lua.push_str(part);
        }
    }
    lua.push('\n');
    lua.push_str(&body);
    lua.push_str("local hs = nil\n");
    for call in &calls {
        let _ = writeln!(lua, "if hs == nil then\n  hs = {call}\nend");
    }
    lua.push_str("return hs\n");
    Script { lua, open_libs }
}

fn push_rule(out: &mut String, name: &str, rule: &Rule) {
    let _ = writeln!(out, "-- {} ({}/{})", rule.origin, rule.group, rule.kind);
    let _ = writeln!(out, "local function {name}(obj)");
    for check in &rule.checks {
        let cond = if check.when.is_empty() {
            "true".to_string()
        } else {
            check
                .when
                .iter()
                .map(condition)
                .collect::<Vec<_>>()
                .join(" and ")
        };
        let _ = writeln!(
            out,
            "  if {cond} then\n    return {}\n  end",
            outcome(&check.outcome)
        );
    }
    match &rule.default {
        Some(o) => {
            let _ = writeln!(out, "  return {}", outcome(o));
        }
        None => out.push_str("  return nil\n"),
    }
    out.push_str("end\n\n");
}

fn outcome(o: &Outcome) -> String {
    format!(
        "{{status = {}, message = {}}}",
        lua_str(o.status.as_str()),
        template(&o.message)
    )
}

fn template(t: &Template) -> String {
    if t.parts.is_empty() {
        return "\"\"".to_string();
    }
    t.parts
        .iter()
        .map(|p| match p {
            Part::Text(s) => lua_str(s),
            Part::Field(path) => format!("first_text(obj, {})", lua_path(path)),
        })
        .collect::<Vec<_>>()
        .join(" .. ")
}

fn condition(c: &Condition) -> String {
    let p = lua_path(&c.path);
    match &c.op {
        Op::Exists(want) => format!("op_exists(obj, {p}, {want})"),
        Op::Equals(o) => format!("op_equals(obj, {p}, {})", operand(o)),
        Op::NotEquals(o) => format!("not op_equals(obj, {p}, {})", operand(o)),
        Op::In(list) => format!("op_in(obj, {p}, {})", value_list(list)),
        Op::NotIn(list) => format!("not op_in(obj, {p}, {})", value_list(list)),
        Op::LessThan(o) => format!("op_compare(obj, {p}, {}, true)", operand(o)),
        Op::GreaterThan(o) => format!("op_compare(obj, {p}, {}, false)", operand(o)),
    }
}

fn operand(o: &Operand) -> String {
    match o {
        Operand::Literal(v) => format!("{{lit = {}}}", lua_value(v)),
        Operand::Path(p) => format!("{{path = {}}}", lua_path(p)),
    }
}

fn value_list(list: &[Value]) -> String {
    let items: Vec<String> = list.iter().map(lua_value).collect();
    format!("{{{}}}", items.join(", "))
}

/// A JSON value as a Lua constructor (`null` is the NULL sentinel, never equal to a field).
fn lua_value(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => lua_number(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => lua_str(s),
        Value::Array(items) => value_list(items),
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("[{}] = {}", lua_str(k), lua_value(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

fn lua_number(n: f64) -> String {
    if n.is_finite() {
        // Rust's `{:?}` round-trips and is valid Lua syntax (`1.5`, `1e20`, `-3.0`).
        format!("{n:?}")
    } else {
        "0".to_string()
    }
}

/// A Lua string literal: printable text (UTF-8 included) as it is, control characters as
/// `\ddd`.
pub fn lua_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\{:03}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A compiled path as the helpers' selector list.
fn lua_path(p: &Path) -> String {
    segments(&p.query.segments)
}

fn segments(segs: &[Segment]) -> String {
    let items: Vec<String> = segs.iter().map(segment).collect();
    format!("{{{}}}", items.join(", "))
}

fn segment(s: &Segment) -> String {
    match s {
        Segment::Selector(sel) => format!("{{{}}}", selector(sel)),
        Segment::Selectors(sels) => {
            let items: Vec<String> = sels.iter().map(selector).collect();
            format!("{{{}}}", items.join(", "))
        }
        // Refused when rules load (path.rs); selects nothing here.
        Segment::Descendant(_) => "{}".to_string(),
    }
}

fn selector(s: &Selector) -> String {
    match s {
        Selector::Name(n) => format!("{{\"n\", {}}}", lua_str(n)),
        Selector::Index(i) => format!("{{\"i\", {i}}}"),
        Selector::Wildcard => "{\"w\"}".to_string(),
        Selector::Filter(f) => format!("{{\"f\", function(c) return {} end}}", filter(f)),
        // Refused when rules load; selects nothing.
        Selector::Slice(..) => "{\"f\", function(c) return false end}".to_string(),
    }
}

fn filter(f: &Filter) -> String {
    match f {
        Filter::Or(fs) => join(fs, " or "),
        Filter::And(fs) => join(fs, " and "),
        Filter::Atom(FilterAtom::Filter { expr, not }) => negate(*not, filter(expr)),
        Filter::Atom(FilterAtom::Test { expr, not }) => {
            let t = match expr.as_ref() {
                Test::RelQuery(segs) => format!("(#sel(c, {}) > 0)", segments(segs)),
                Test::AbsQuery(_) | Test::Function(_) => "false".to_string(),
            };
            negate(*not, t)
        }
        Filter::Atom(FilterAtom::Comparison(c)) => {
            let (f, a, b) = match c.as_ref() {
                Comparison::Eq(a, b) => ("feq", a, b),
                Comparison::Ne(a, b) => {
                    return format!("(not feq({}, {}))", comparable(a), comparable(b));
                }
                Comparison::Lt(a, b) => ("flt", a, b),
                Comparison::Lte(a, b) => ("fle", a, b),
                Comparison::Gt(a, b) => ("flt", b, a),
                Comparison::Gte(a, b) => ("fle", b, a),
            };
            format!("{f}({}, {})", comparable(a), comparable(b))
        }
    }
}

fn join(fs: &[Filter], sep: &str) -> String {
    let items: Vec<String> = fs.iter().map(filter).collect();
    format!("({})", items.join(sep))
}

fn negate(not: bool, e: String) -> String {
    if not { format!("(not {e})") } else { e }
}

fn comparable(c: &Comparable) -> String {
    match c {
        Comparable::Literal(l) => match l {
            Literal::Int(i) => i.to_string(),
            Literal::Float(f) => lua_number(*f),
            Literal::String(s) => lua_str(s),
            Literal::Bool(b) => b.to_string(),
            Literal::Null => "NULL".to_string(),
        },
        Comparable::SingularQuery(SingularQuery::Current(steps)) => {
            let items: Vec<String> = steps
                .iter()
                .map(|s| match s {
                    SingularQuerySegment::Index(i) => i.to_string(),
                    SingularQuerySegment::Name(n) => lua_str(n),
                })
                .collect();
            format!("q(c, {{{}}})", items.join(", "))
        }
        // Refused when rules load.
        Comparable::SingularQuery(SingularQuery::Root(_)) | Comparable::Function(_) => {
            "nil".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(lua_str("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(lua_str("x\ty"), "\"x\\009y\"");
        assert_eq!(lua_str("→ é"), "\"→ é\"");
    }

    #[test]
    fn scripts_use_no_goto_and_no_string_methods_unless_open() {
        let set = crate::health::rules::builtin();
        for r in &set.rules {
            let s = script("t", &[Tier::Rule(r), Tier::Generic]);
            assert!(!s.open_libs, "{}", r.origin);
            assert!(!s.lua.contains("goto"));
            assert!(!s.lua.contains(":gsub") && !s.lua.contains(":find"));
        }
    }
}
