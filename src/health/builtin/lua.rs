//! The Lua semantics Argo CD's built-in health scripts rely on, applied to a JSON object
//! the way Argo CD hands it to gopher-lua v1.1.2 (`util/lua/lua.go` `decodeValue`): objects
//! and arrays become tables, `null` becomes nil, and nils inside arrays vanish
//! (`LTable.Append` skips them), so `[a, null, b]` is the two-element table `{a, b}`.
//!
//! The rules for CronJob, PodDisruptionBudget and CustomResourceDefinition are written with
//! these operations so that every input gives the status Argo CD's script gives: indexing a
//! string yields nil (strings index the `string` library), indexing nil, a number or a
//! boolean raises an error, `==` never coerces, `..` accepts strings and numbers only, `#`
//! of a string is its byte length. A raised error is Unknown in Argo CD; rollpin's message
//! is gopher-lua's error text without the script position and stack trace Argo CD appends.

use serde_json::Value;

use crate::health::go;

/// A Lua value made from part of the object (`Nil` for absent and `null`).
#[derive(Debug, Clone, Copy)]
pub enum Lua<'a> {
    /// `nil`.
    Nil,
    /// Any other value, as JSON (never `Value::Null`).
    Val(&'a Value),
}

/// A Lua runtime error (becomes Unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LuaError(pub String);

impl<'a> Lua<'a> {
    /// The Lua value of a JSON value.
    pub fn of(v: Option<&'a Value>) -> Lua<'a> {
        match v {
            None | Some(Value::Null) => Lua::Nil,
            Some(v) => Lua::Val(v),
        }
    }

    /// Lua's type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Lua::Nil => "nil",
            Lua::Val(Value::Bool(_)) => "boolean",
            Lua::Val(Value::Number(_)) => "number",
            Lua::Val(Value::String(_)) => "string",
            Lua::Val(_) => "table",
        }
    }

    /// `self.key`.
    pub fn get(self, key: &str) -> Result<Lua<'a>, LuaError> {
        match self {
            Lua::Val(Value::Object(m)) => Ok(Lua::of(m.get(key))),
            Lua::Val(Value::Array(_) | Value::String(_)) => Ok(Lua::Nil),
            other => Err(LuaError(format!(
                "attempt to index a non-table object({}) with key '{key}'",
                other.type_name()
            ))),
        }
    }

    /// `self == nil`.
    pub fn is_nil(self) -> bool {
        matches!(self, Lua::Nil)
    }

    /// `self == "s"`.
    pub fn is_str(self, s: &str) -> bool {
        matches!(self, Lua::Val(Value::String(v)) if v == s)
    }

    /// `self == true`.
    pub fn is_true(self) -> bool {
        matches!(self, Lua::Val(Value::Bool(true)))
    }

    /// `prefix .. self`.
    pub fn concat_after(self, prefix: &str) -> Result<String, LuaError> {
        match self {
            Lua::Val(Value::String(s)) => Ok(format!("{prefix}{s}")),
            Lua::Val(Value::Number(n)) => Ok(format!("{prefix}{}", number_text(n))),
            other => Err(LuaError(format!(
                "cannot perform concat operation between string and {}",
                other.type_name()
            ))),
        }
    }

    /// The elements of an array table, without the nils Argo CD's conversion dropped; an
    /// object-table has no array part.
    fn elements(self) -> Vec<Lua<'a>> {
        match self {
            Lua::Val(Value::Array(items)) => items
                .iter()
                .filter(|v| !v.is_null())
                .map(Lua::Val)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `#self`.
    pub fn len(self) -> Result<usize, LuaError> {
        match self {
            Lua::Val(Value::String(s)) => Ok(s.len()),
            Lua::Val(Value::Array(_) | Value::Object(_)) => Ok(self.elements().len()),
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
        Ok(match self {
            Lua::Val(Value::Object(m)) => m.values().map(|v| Lua::of(Some(v))).collect(),
            _ => self.elements(),
        })
    }

    /// `self < other`.
    pub fn lt(self, other: Lua<'a>) -> Result<bool, LuaError> {
        match (self, other) {
            (Lua::Val(Value::String(a)), Lua::Val(Value::String(b))) => Ok(a < b),
            (Lua::Val(Value::Number(a)), Lua::Val(Value::Number(b))) => {
                Ok(a.as_f64().unwrap_or(0.0) < b.as_f64().unwrap_or(0.0))
            }
            (a, b) => Err(LuaError(format!(
                "attempt to compare {} with {}",
                a.type_name(),
                b.type_name()
            ))),
        }
    }

    fn check_table(self, function: &str) -> Result<(), LuaError> {
        match self {
            Lua::Val(Value::Array(_) | Value::Object(_)) => Ok(()),
            other => Err(LuaError(format!(
                "bad argument #1 to {function} (table expected, got {})",
                other.type_name()
            ))),
        }
    }
}

/// gopher-lua's `LNumber.String()`: integers without a fraction, others as Go's `%v`.
fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
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
}
