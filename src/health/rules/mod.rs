//! Declarative health rules: per group/kind (globs allowed), an ordered list of checks —
//! each a JSONPath with one comparison — that yield a status and a message template; the
//! first check that holds wins, else the rule's default, else the next tier of the
//! assessment (kind-specific rules, then generic conditions).
//!
//! Rules are data on purpose: the Lua code generator turns the same [`RuleSet`] into Argo
//! CD health scripts, so the operators are few and each has an obvious Lua form — `exists`,
//! `equals`, `notEquals`, `in`, `notIn`, `lessThan`, `greaterThan` — and the paths stay
//! within a Lua-compilable JSONPath subset ([`path`]).
//!
//! Two sets exist: the user's (`--rules FILE`, highest precedence) and the built-in set
//! compiled into the binary ([`builtin`], `builtin.yaml`), which reproduces Argo CD's own
//! Lua for a few popular custom resources. The file format is in `spec.rs` and the README.

pub mod path;
mod spec;
pub mod template;

use std::sync::LazyLock;

use serde_json::Value;

use super::status::{HealthStatus, HealthStatusCode};
use path::Path;
pub use spec::RulesError;
use template::Template;

/// A loaded, validated set of rules.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Rules in file order.
    pub rules: Vec<Rule>,
}

/// The rules for one group/kind pattern.
#[derive(Debug, Clone)]
pub struct Rule {
    /// API group pattern (`""` is the core group).
    pub group: String,
    /// Kind pattern.
    pub kind: String,
    /// Checks, in order.
    pub checks: Vec<Check>,
    /// What to say when no check holds (`None`: fall through to the next tier).
    pub default: Option<Outcome>,
    /// Where the rule was defined (`rules.yaml: rules[2]`).
    pub origin: String,
}

/// One check: all its conditions hold → its outcome.
#[derive(Debug, Clone)]
pub struct Check {
    /// Conditions, all of which must hold.
    pub when: Vec<Condition>,
    /// The result.
    pub outcome: Outcome,
}

/// A status and its message template.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The status.
    pub status: HealthStatusCode,
    /// The message.
    pub message: Template,
}

/// A path and a comparison.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The field(s) compared.
    pub path: Path,
    /// The comparison.
    pub op: Op,
}

/// The comparisons. "Selected" means the values the path selects; `null` counts as absent.
#[derive(Debug, Clone)]
pub enum Op {
    /// `exists: true` — some selected value is not null; `exists: false` — none is.
    Exists(bool),
    /// Some selected value equals the operand (numbers compare by value, no coercion
    /// between strings, numbers and booleans).
    Equals(Operand),
    /// Not `Equals` (holds when nothing is selected).
    NotEquals(Operand),
    /// Some selected value equals one of the list.
    In(Vec<Value>),
    /// Not `In`.
    NotIn(Vec<Value>),
    /// Some selected value is a number below the operand.
    LessThan(Operand),
    /// Some selected value is a number above the operand.
    GreaterThan(Operand),
}

/// What a value is compared with.
#[derive(Debug, Clone)]
pub enum Operand {
    /// A literal scalar.
    Literal(Value),
    /// The first value another path selects (`{path: .metadata.generation}`).
    Path(Path),
}

impl Operand {
    fn resolve<'a>(&'a self, obj: &'a Value) -> Option<&'a Value> {
        match self {
            Operand::Literal(v) => Some(v),
            Operand::Path(p) => p.first(obj).filter(|v| !v.is_null()),
        }
    }
}

/// Scalar equality as the rules define it.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

impl Condition {
    /// Whether the condition holds for `obj`.
    pub fn holds(&self, obj: &Value) -> bool {
        let selected = || self.path.select(obj).into_iter().filter(|v| !v.is_null());
        let compare = |operand: &Operand, want: std::cmp::Ordering| {
            let Some(limit) = operand.resolve(obj).and_then(number) else {
                return false;
            };
            selected().any(|v| number(v).and_then(|n| n.partial_cmp(&limit)) == Some(want))
        };
        match &self.op {
            Op::Exists(want) => selected().next().is_some() == *want,
            Op::Equals(o) => o
                .resolve(obj)
                .is_some_and(|x| selected().any(|v| same(v, x))),
            Op::NotEquals(o) => !o
                .resolve(obj)
                .is_some_and(|x| selected().any(|v| same(v, x))),
            Op::In(list) => selected().any(|v| list.iter().any(|x| same(v, x))),
            Op::NotIn(list) => !selected().any(|v| list.iter().any(|x| same(v, x))),
            Op::LessThan(o) => compare(o, std::cmp::Ordering::Less),
            Op::GreaterThan(o) => compare(o, std::cmp::Ordering::Greater),
        }
    }
}

impl Rule {
    /// Whether the rule's patterns match a group and kind.
    pub fn matches(&self, group: &str, kind: &str) -> bool {
        glob(&self.group, group) && glob(&self.kind, kind)
    }

    /// Whether the rule names one group and kind exactly (no `*` or `?`).
    pub fn is_exact(&self) -> bool {
        !(self.group.contains(['*', '?']) || self.kind.contains(['*', '?']))
    }

    /// The rule's verdict for `obj`, or `None` when no check holds and there is no default.
    pub fn evaluate(&self, obj: &Value) -> Option<HealthStatus> {
        let outcome = self
            .checks
            .iter()
            .find(|c| c.when.iter().all(|cond| cond.holds(obj)))
            .map(|c| &c.outcome)
            .or(self.default.as_ref())?;
        Some(HealthStatus::new(
            outcome.status,
            outcome.message.render(obj),
        ))
    }
}

impl RuleSet {
    /// Loads a rules file's text; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<RuleSet, RulesError> {
        spec::load(text, origin)
    }

    /// Appends another set's rules after this one's.
    pub fn extend(&mut self, other: RuleSet) {
        self.rules.extend(other.rules);
    }

    /// The rule for a group and kind: the first exact rule naming them, else the first
    /// pattern that matches.
    pub fn find(&self, group: &str, kind: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.is_exact() && r.group == group && r.kind == kind)
            .or_else(|| {
                self.rules
                    .iter()
                    .find(|r| !r.is_exact() && r.matches(group, kind))
            })
    }

    /// Whether the set has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// The built-in declarative rules (`src/health/rules/builtin.yaml`).
pub fn builtin() -> &'static RuleSet {
    static BUILTIN: LazyLock<RuleSet> = LazyLock::new(|| {
        // The file is part of the binary and covered by tests; an error here is a bug in
        // rollpin, reported as an empty set rather than a crash.
        RuleSet::from_yaml(BUILTIN_YAML, "builtin.yaml").unwrap_or_default()
    });
    &BUILTIN
}

/// The text of the built-in rules.
pub const BUILTIN_YAML: &str = include_str!("builtin.yaml");

/// `*` matches any run of characters, `?` one character; everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*.crossplane.io", "s3.aws.crossplane.io"));
        assert!(!glob("*.crossplane.io", "crossplane.io"));
        assert!(glob("*", ""));
        assert!(glob("", ""));
        assert!(!glob("", "apps"));
        assert!(glob("Cluster*Issuer", "ClusterIssuer"));
        assert!(glob("?ob", "Job"));
        assert!(!glob("?ob", "CronJob"));
    }

    #[test]
    fn builtin_set_loads() {
        let set = RuleSet::from_yaml(BUILTIN_YAML, "builtin.yaml");
        assert!(set.as_ref().is_ok_and(|s| !s.is_empty()), "{:?}", set.err());
        assert!(builtin().find("cert-manager.io", "Certificate").is_some());
    }
}
