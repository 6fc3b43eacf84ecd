//! The Lua semantics Argo CD's built-in health scripts rely on, applied to a JSON object
//! the way Argo CD hands it to gopher-lua v1.1.2 (`util/lua/lua.go` `decodeValue`): objects
//! and arrays become tables, `null` becomes nil, and nils inside arrays vanish
//! (`LTable.Append` skips them), so `[a, null, b]` is the two-element table `{a, b}`.
//!
//! The rules for CronJob, PodDisruptionBudget, CustomResourceDefinition, Rollout and
//! AnalysisRun are written with these operations so that every input gives the status Argo
//! CD's script gives: indexing a string yields nil (strings index the `string` library),
//! indexing nil, a number or a boolean raises an error, `==` never coerces (tables are equal
//! only to themselves), only nil and false are false, `<` compares two numbers or two
//! strings and nothing else, `..` accepts strings and numbers only, `#` of a string is its
//! byte length, `tonumber` parses strings as gopher-lua does (Go's `strconv`). A raised
//! error is Unknown in Argo CD; rollpin's message is gopher-lua's error text without the
//! script position Argo CD's message starts with. [`health_table`] is what Argo CD makes of
//! the table a script returns.

use serde_json::Value;

use crate::health::go;
use crate::health::status::{HealthStatus, HealthStatusCode};

/// A Lua value: part of the object (`Nil` for absent and `null`), or a string or number
/// the script itself made.
#[derive(Debug, Clone, Copy)]
pub enum Lua<'a> {
    /// `nil`.
    Nil,
    /// Any other value, as JSON (never `Value::Null`).
    Val(&'a Value),
    /// A string the script writes (a literal such as `""` or `"Suspended"`).
    Str(&'a str),
    /// A number the script computes (`tonumber`) or writes (a literal default).
    Num(f64),
}

/// A Lua runtime error (becomes Unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LuaError(pub String);

/// Argo CD's message for a returned status that is not one of the six codes
/// (`util/lua/lua.go` `invalidHealthStatus`).
pub const INVALID_STATUS: &str = "Lua returned an invalid health status";

/// A value by its Lua type.
enum Prim<'a> {
    Nil,
    Bool(bool),
    Num(f64),
    Str(&'a str),
    Table(&'a Value),
}

impl<'a> Lua<'a> {
    /// The Lua value of a JSON value.
    pub fn of(v: Option<&'a Value>) -> Lua<'a> {
        match v {
            None | Some(Value::Null) => Lua::Nil,
            Some(v) => Lua::Val(v),
        }
    }

    fn prim(self) -> Prim<'a> {
        match self {
            Lua::Nil | Lua::Val(Value::Null) => Prim::Nil,
            Lua::Val(Value::Bool(b)) => Prim::Bool(*b),
            Lua::Val(Value::Number(n)) => Prim::Num(n.as_f64().unwrap_or(0.0)),
            Lua::Val(Value::String(s)) => Prim::Str(s),
            Lua::Str(s) => Prim::Str(s),
            Lua::Val(v) => Prim::Table(v),
            Lua::Num(n) => Prim::Num(n),
        }
    }

    /// Lua's type name.
    pub fn type_name(self) -> &'static str {
        match self.prim() {
            Prim::Nil => "nil",
            Prim::Bool(_) => "boolean",
            Prim::Num(_) => "number",
            Prim::Str(_) => "string",
            Prim::Table(_) => "table",
        }
    }

    /// `self.key` (also `self["key"]`).
    pub fn get(self, key: &str) -> Result<Lua<'a>, LuaError> {
        match self.prim() {
            Prim::Table(Value::Object(m)) => Ok(Lua::of(m.get(key))),
            Prim::Table(_) | Prim::Str(_) => Ok(Lua::Nil),
            _ => Err(LuaError(format!(
                "attempt to index a non-table object({}) with key '{key}'",
                self.type_name()
            ))),
        }
    }

    /// `self == nil`.
    pub fn is_nil(self) -> bool {
        matches!(self.prim(), Prim::Nil)
    }

    /// `self == "s"`.
    pub fn is_str(self, s: &str) -> bool {
        matches!(self.prim(), Prim::Str(v) if v == s)
    }

    /// `self == true`.
    pub fn is_true(self) -> bool {
        matches!(self.prim(), Prim::Bool(true))
    }

    /// Whether `if self then` takes the branch: everything but nil and false.
    pub fn truthy(self) -> bool {
        !matches!(self.prim(), Prim::Nil | Prim::Bool(false))
    }

    /// `self == other`: values of different types are never equal (no coercion), numbers
    /// compare as float64, tables only equal themselves.
    pub fn eq(self, other: Lua<'a>) -> bool {
        match (self.prim(), other.prim()) {
            (Prim::Nil, Prim::Nil) => true,
            (Prim::Bool(a), Prim::Bool(b)) => a == b,
            (Prim::Num(a), Prim::Num(b)) => a == b,
            (Prim::Str(a), Prim::Str(b)) => a == b,
            (Prim::Table(a), Prim::Table(b)) => std::ptr::eq(a, b),
            _ => false,
        }
    }

    /// `tonumber(self)` (gopher-lua's `baseToNumber` with one argument): a number is
    /// itself; a string, trimmed of spaces, newlines and tabs, is parsed with Go's
    /// `strconv.ParseFloat` when it has a `.`, else with `ParseInt` in base 16 after a
    /// `0x`/`0X` prefix or base 10; anything unparsable and every other type is nil.
    pub fn tonumber(self) -> Lua<'a> {
        match self.prim() {
            Prim::Num(_) => self,
            Prim::Str(s) => {
                let s = s.trim_matches([' ', '\n', '\t']);
                let n = if s.contains('.') {
                    go::parse_float(s)
                } else if s.len() >= 2 && s.as_bytes()[..2].eq_ignore_ascii_case(b"0x") {
                    go::parse_int(&s[2..], 16).map(|i| i as f64)
                } else {
                    go::parse_int(s, 10).map(|i| i as f64)
                };
                n.map_or(Lua::Nil, Lua::Num)
            }
            _ => Lua::Nil,
        }
    }

    /// `prefix .. self`.
    pub fn concat_after(self, prefix: &str) -> Result<String, LuaError> {
        match self {
            Lua::Val(Value::Number(n)) => Ok(format!("{prefix}{}", number_text(n))),
            Lua::Num(f) => Ok(format!("{prefix}{}", float_text(f))),
            _ => match self.prim() {
                Prim::Str(s) => Ok(format!("{prefix}{s}")),
                _ => Err(LuaError(format!(
                    "cannot perform concat operation between string and {}",
                    self.type_name()
                ))),
            },
        }
    }

    /// The elements of an array table, without the nils Argo CD's conversion dropped; an
    /// object-table has no array part.
    fn elements(self) -> Vec<Lua<'a>> {
        match self.prim() {
            Prim::Table(Value::Array(items)) => items
                .iter()
                .filter(|v| !v.is_null())
                .map(Lua::Val)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `#self`.
    pub fn len(self) -> Result<usize, LuaError> {
        match self.prim() {
            Prim::Str(s) => Ok(s.len()),
            Prim::Table(_) => Ok(self.elements().len()),
            _ => Err(LuaError("__len undefined".into())),
        }
    }

    /// `table.getn(self)`.
    pub fn getn(self) -> Result<usize, LuaError> {
        self.check_table("getn")?;
        self.len()
    }

    /// The values `ipairs(self)` visits.
    pub fn ipairs(self) -> Result<Vec<Lua<'a>>, LuaError> {
        self.check_table("ipairs")?;
        Ok(self.elements())
    }

    /// The values `pairs(self)` visits: the array part in order, then an object's values
    /// (in key order here; gopher-lua's order for those is unspecified).
    pub fn pairs(self) -> Result<Vec<Lua<'a>>, LuaError> {
        self.check_table("pairs")?;
        Ok(match self.prim() {
            Prim::Table(Value::Object(m)) => m.values().map(|v| Lua::of(Some(v))).collect(),
            _ => self.elements(),
        })
    }

    /// `self < other` (gopher-lua's `lessThan`; `a > b` is `b < a`, so the error names the
    /// right operand of `>` first).
    pub fn lt(self, other: Lua<'a>) -> Result<bool, LuaError> {
        match (self.prim(), other.prim()) {
            (Prim::Num(a), Prim::Num(b)) => Ok(a < b),
            (Prim::Str(a), Prim::Str(b)) => Ok(a < b),
            _ => Err(LuaError(format!(
                "attempt to compare {} with {}",
                self.type_name(),
                other.type_name()
            ))),
        }
    }

    /// The scripts' `getNumberValueOrDefault(self, default)` and
    /// `messageOrDefault(self, default)`: `self` unless it is nil (`field ~= nil`, so false
    /// is kept).
    pub fn or_default(self, default: Lua<'a>) -> Lua<'a> {
        if self.is_nil() { default } else { self }
    }

    fn check_table(self, function: &str) -> Result<(), LuaError> {
        match self.prim() {
            Prim::Table(_) => Ok(()),
            _ => Err(LuaError(format!(
                "bad argument #1 to {function} (table expected, got {})",
                self.type_name()
            ))),
        }
    }
}

/// What Argo CD makes of the table `{status = status, message = message}` a health script
/// returns (`util/lua/lua.go` `ExecuteHealthLua`, v3.5.1), which it encodes to JSON
/// (gopher-json) and decodes into gitops-engine's `HealthStatus{Status, Message string}`:
///
/// - An empty table (both nil) encodes as `[]`, which cannot decode into a struct; Argo CD
///   takes that `UnmarshalTypeError` as an empty `HealthStatus{}`: no status, no message.
/// - A status or message that is not a string (a number, a boolean, a table) is an
///   `UnmarshalTypeError` too, and Argo CD's `errors.As` check catches every one of those
///   alike: the same empty status.
/// - A status that is not one of the six codes — including none beside a message — is
///   Unknown "Lua returned an invalid health status" (the message is dropped).
///
/// The empty status is `None`, rollpin's "no health": Argo CD's roll-up never lets an empty
/// code make the app worse (`IsWorse` ranks a code it does not know with Healthy, the
/// starting point), exactly as if the object had no health.
pub fn health_table(status: Lua<'_>, message: Lua<'_>) -> Option<HealthStatus> {
    fn string(v: Lua<'_>) -> Option<&str> {
        match v.prim() {
            Prim::Nil => Some(""),
            Prim::Str(s) => Some(s),
            _ => None,
        }
    }
    if status.is_nil() && message.is_nil() {
        return None;
    }
    let (status, message) = (string(status)?, string(message)?);
    Some(match status.parse::<HealthStatusCode>() {
        Ok(code) => HealthStatus::new(code, message),
        Err(_) => HealthStatus::unknown(INVALID_STATUS),
    })
}

/// gopher-lua's `LNumber.String()` for a number from the object: integers without a
/// fraction, others as Go's `%v`.
fn number_text(n: &serde_json::Number) -> String {
    match n.as_i64() {
        Some(i) => i.to_string(),
        None => float_text(n.as_f64().unwrap_or(0.0)),
    }
}

/// gopher-lua's `LNumber.String()`.
fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        format!("{}", f as i64)
    } else {
        go::format_float(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indexing_follows_lua() {
        let v = json!({"a": {"b": 1}, "s": "x", "n": 2, "l": [1, null, 2], "z": null});
        let obj = Lua::of(Some(&v));
        assert!(obj.get("missing").is_ok_and(Lua::is_nil));
        assert!(obj.get("z").is_ok_and(Lua::is_nil));
        assert!(obj.get("s").and_then(|s| s.get("k")).is_ok_and(Lua::is_nil));
        assert_eq!(
            obj.get("n").and_then(|n| n.get("k")).err(),
            Some(LuaError(
                "attempt to index a non-table object(number) with key 'k'".into()
            ))
        );
        assert!(obj.get("missing").and_then(|m| m.get("k")).is_err());
        assert_eq!(obj.get("l").and_then(Lua::len), Ok(2));
        assert_eq!(obj.get("s").and_then(Lua::len), Ok(1));
        assert!(obj.get("s").and_then(Lua::ipairs).is_err());
    }

    #[test]
    fn concat_and_compare() {
        let v = json!({"s": "x", "n": 3, "f": 1.5, "b": true});
        let obj = Lua::of(Some(&v));
        let get = |k| obj.get(k).unwrap_or(Lua::Nil);
        assert_eq!(get("s").concat_after("p "), Ok("p x".into()));
        assert_eq!(get("n").concat_after("p "), Ok("p 3".into()));
        assert_eq!(get("f").concat_after("p "), Ok("p 1.5".into()));
        assert!(get("b").concat_after("p ").is_err());
        assert!(get("missing").concat_after("p ").is_err());
        assert_eq!(get("s").lt(get("s")), Ok(false));
        assert!(get("s").lt(get("n")).is_err());
    }

    #[test]
    fn tonumber_follows_gopher_lua() {
        let v = json!({"a": "5", "b": " 7\n", "c": "0x1F", "d": "1.5", "e": "7d8f9c6b5",
            "f": "1e3", "g": 3, "h": true, "i": "+4", "j": "0x", "k": "1_000", "l": "4\r"});
        let obj = Lua::of(Some(&v));
        let num = |k| match obj.get(k).map(Lua::tonumber) {
            Ok(Lua::Num(n)) => Some(n),
            Ok(Lua::Val(Value::Number(n))) => n.as_f64(),
            _ => None,
        };
        assert_eq!(num("a"), Some(5.0));
        assert_eq!(num("b"), Some(7.0));
        assert_eq!(num("c"), Some(31.0));
        assert_eq!(num("d"), Some(1.5));
        assert_eq!(num("g"), Some(3.0));
        assert_eq!(num("i"), Some(4.0));
        for k in ["e", "f", "h", "j", "k", "l", "missing"] {
            assert_eq!(num(k), None, "{k}");
        }
    }

    #[test]
    fn equality_and_truth() {
        let v = json!({"n": 3, "s": "3", "t": {}, "u": {}, "f": false, "z": 0});
        let obj = Lua::of(Some(&v));
        let get = |k| obj.get(k).unwrap_or(Lua::Nil);
        assert!(get("n").eq(Lua::Num(3.0)));
        assert!(!get("n").eq(get("s")));
        assert!(get("s").eq(Lua::Str("3")));
        assert!(get("t").eq(get("t")));
        assert!(!get("t").eq(get("u")));
        assert!(get("missing").eq(Lua::Nil));
        assert!(!get("f").truthy() && !get("missing").truthy());
        assert!(get("z").truthy() && get("s").truthy() && get("t").truthy());
        assert_eq!(
            get("missing").lt(Lua::Num(1.0)),
            Err(LuaError("attempt to compare nil with number".into()))
        );
    }

    #[test]
    fn returned_tables_as_argo_cd_reads_them() {
        let v = json!({"n": 1, "t": {}, "s": "Paused"});
        let obj = Lua::of(Some(&v));
        let get = |k| obj.get(k).unwrap_or(Lua::Nil);
        assert_eq!(
            health_table(Lua::Str("Healthy"), Lua::Nil),
            Some(HealthStatus::healthy(""))
        );
        assert_eq!(health_table(Lua::Nil, Lua::Nil), None);
        assert_eq!(health_table(get("n"), Lua::Nil), None);
        assert_eq!(health_table(Lua::Str("Degraded"), get("t")), None);
        assert_eq!(
            health_table(get("s"), Lua::Str("x")),
            Some(HealthStatus::unknown(INVALID_STATUS))
        );
        assert_eq!(
            health_table(Lua::Nil, Lua::Str("x")),
            Some(HealthStatus::unknown(INVALID_STATUS))
        );
    }
}
