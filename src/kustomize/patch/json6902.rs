//! JSON patch (RFC 6902) as kustomize 5.5 applies it: `gopkg.in/evanphx/json-patch.v4`
//! v4.12.0 on the resource's JSON form. Used by `patchesJson6902` (after labels and
//! annotations) and by `patches` entries whose patch is a list of operations.
//!
//! evanphx v4 departs from the RFC in ways kustomize users can see, all reproduced (and
//! checked against `kubectl kustomize` in the tests):
//! - array indices may be negative (`-1` is the last element; for `add`, `-1` appends) and
//!   may have a sign or leading zeros (`+0`, `01`); `-` appends for `add` only;
//! - `replace` of a missing object key adds it; `copy` from a missing key copies `null`;
//!   `add` without `value` adds `null`; `replace` of the root with a non-container is ignored;
//! - only the last path segment names the target: a path without a leading `/` treats its
//!   first segment as the root (`data/x` means `/x`), and `""` is the whole document;
//! - a `null` value cannot be walked through ("missing path"), and testing a missing key
//!   against `null` passes;
//! - where evanphx crashes (a `test` of a missing key, or a `test`/`replace` of the root,
//!   without `value`), kustomize panics; rollpin returns an error instead.
//!
//! Errors are worded as evanphx words them, e.g.
//! `add operation does not apply: doc is missing path: "/a/b": missing value` or
//! `testing value /data/k failed: test failed`. Operations apply in order; on an error the
//! document is left unchanged.
//!
//! Divergence: evanphx compares `test` values by their JSON text, so `1` and `1.0` differ
//! when the patch is written as JSON; here numbers compare by value.

use serde_json::{Map, Value};

/// Applies a list of JSON patch operations to `doc`.
pub fn apply(doc: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops
        .as_array()
        .ok_or("json: cannot unmarshal object into Go value of type jsonpatch.Patch")?;
    let mut work = doc.clone();
    for op in ops {
        let op = match op {
            Value::Object(map) => Some(map),
            Value::Null => None,
            _ => {
                return Err(
                    "json: cannot unmarshal value into Go value of type jsonpatch.Operation".into(),
                );
            }
        };
        let kind = op
            .and_then(|m| m.get("op"))
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let op = op.cloned().unwrap_or_default();
        match kind {
            "add" => add(&mut work, &op)?,
            "remove" => remove(&mut work, &op)?,
            "replace" => replace(&mut work, &op)?,
            "move" => move_op(&mut work, &op)?,
            "test" => test(&mut work, &op)?,
            "copy" => copy(&mut work, &op)?,
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    *doc = work;
    Ok(())
}

const MISSING: &str = "missing value";
const INVALID_INDEX: &str = "invalid index referenced";

/// An operation's `path` or `from`: `Err` with evanphx's cause when absent or not a string.
fn string_field(op: &Map<String, Value>, name: &str) -> Result<String, String> {
    match op.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) if name == "path" => {
            Err(format!("operation missing path field: {MISSING}"))
        }
        None | Some(Value::Null) => Err(format!("operation, missing from field: {MISSING}")),
        Some(other) => Err(format!(
            "json: cannot unmarshal {} into Go value of type string",
            go_type(other)
        )),
    }
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::String(_) | Value::Null => "string",
    }
}

/// The operation's `value`; a missing or `null` value is JSON `null`.
fn value(op: &Map<String, Value>) -> Value {
    op.get("value").cloned().unwrap_or(Value::Null)
}

/// Decodes one path segment (`~1` → `/`, then `~0` → `~`).
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Walks to the container that holds the path's last segment, as evanphx `findObject`:
/// the first segment is skipped whatever it is, and `null`, scalars, missing keys and bad
/// indices all mean "missing".
fn find_object<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let segments: Vec<&str> = path.split('/').collect();
    if segments.len() < 2 {
        return None;
    }
    let mut cur = doc;
    for part in &segments[1..segments.len() - 1] {
        let key = unescape(part);
        let next = match cur {
            Value::Object(map) => map.get_mut(&key)?,
            Value::Array(items) => {
                let i = array_index(&key, items.len()).ok()?;
                items.get_mut(i)?
            }
            _ => return None,
        };
        if !(next.is_object() || next.is_array()) {
            return None;
        }
        cur = next;
    }
    let key = unescape(segments[segments.len() - 1]);
    Some((cur, key))
}

/// Go's `strconv.Atoi`, with its error text.
fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {s:?}: invalid syntax"));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {s:?}: value out of range"))
}

fn invalid_index(i: i64) -> String {
    format!("Unable to access invalid index: {i}: {INVALID_INDEX}")
}

/// An existing element's index (negative counts from the end), as evanphx `get`.
fn array_index(key: &str, len: usize) -> Result<usize, String> {
    let i = atoi(key)?;
    let len = len as i64;
    let adjusted = if i < 0 {
        if i < -len {
            return Err(invalid_index(i));
        }
        i + len
    } else {
        i
    };
    if adjusted >= len {
        return Err(invalid_index(i));
    }
    Ok(adjusted as usize)
}

/// The value at `key` in a container: `None` for a missing key or a `null`.
fn get<'a>(container: &'a Value, key: &str) -> Result<Option<&'a Value>, String> {
    match container {
        Value::Object(map) => Ok(map.get(key).filter(|v| !v.is_null())),
        Value::Array(items) => {
            let i = array_index(key, items.len())?;
            Ok(items.get(i).filter(|v| !v.is_null()))
        }
        _ => Ok(None),
    }
}

/// Inserts at `key`: sets an object key, or inserts into an array (`-` appends; an index
/// may equal the length; negative indices count from the new length).
fn insert(container: &mut Value, key: &str, val: Value) -> Result<(), String> {
    match container {
        Value::Object(map) => {
            map.insert(key.to_string(), val);
            Ok(())
        }
        Value::Array(items) => {
            if key == "-" {
                items.push(val);
                return Ok(());
            }
            let i = atoi(key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let size = items.len() as i64 + 1;
            if i >= size || i < -size {
                return Err(invalid_index(i));
            }
            let at = if i < 0 { i + size } else { i };
            items.insert(at as usize, val);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn delete(container: &mut Value, key: &str) -> Result<Value, String> {
    match container {
        Value::Object(map) => map
            .remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: {MISSING}")),
        Value::Array(items) => {
            let i = atoi(key)?;
            let len = items.len() as i64;
            if i >= len || i < -len {
                return Err(invalid_index(i));
            }
            let at = if i < 0 { i + len } else { i };
            Ok(items.remove(at as usize))
        }
        _ => Ok(Value::Null),
    }
}

fn add(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = string_field(op, "path")
        .map_err(|_| format!("add operation failed to decode path: {MISSING}"))?;
    let (container, key) = find_object(doc, &path).ok_or_else(|| {
        format!("add operation does not apply: doc is missing path: \"{path}\": {MISSING}")
    })?;
    insert(container, &key, value(op)).map_err(|e| format!("error in add for path: '{path}': {e}"))
}

fn remove(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = string_field(op, "path")
        .map_err(|_| format!("remove operation failed to decode path: {MISSING}"))?;
    let (container, key) = find_object(doc, &path).ok_or_else(|| {
        format!("remove operation does not apply: doc is missing path: \"{path}\": {MISSING}")
    })?;
    delete(container, &key)
        .map(|_| ())
        .map_err(|e| format!("error in remove for path: '{path}': {e}"))
}

fn replace(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = string_field(op, "path")
        .map_err(|e| format!("replace operation failed to decode path: {e}"))?;
    if path.is_empty() {
        // evanphx replaces the whole document with an object or array and silently ignores
        // anything else (and crashes on no value at all).
        if !op.contains_key("value") {
            return Err(crash("replace", &path));
        }
        let val = value(op);
        if val.is_object() || val.is_array() {
            *doc = val;
        }
        return Ok(());
    }
    let (container, key) = find_object(doc, &path).ok_or_else(|| {
        format!("replace operation does not apply: doc is missing path: {path}: {MISSING}")
    })?;
    get(container, &key).map_err(|_| {
        format!("replace operation does not apply: doc is missing key: {path}: {MISSING}")
    })?;
    match container {
        Value::Array(items) => {
            let i = array_index(&key, items.len())
                .map_err(|e| format!("error in remove for path: '{path}': {e}"))?;
            items[i] = value(op);
        }
        other => {
            insert(other, &key, value(op))?;
        }
    }
    Ok(())
}

fn move_op(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let from = string_field(op, "from")
        .map_err(|e| format!("move operation failed to decode from: {e}"))?;
    let (container, key) = find_object(doc, &from).ok_or_else(|| {
        format!("move operation does not apply: doc is missing from path: {from}: {MISSING}")
    })?;
    get(container, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
    let val =
        delete(container, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
    let path = string_field(op, "path")
        .map_err(|e| format!("move operation failed to decode path: {e}"))?;
    let (container, key) = find_object(doc, &path).ok_or_else(|| {
        format!("move operation does not apply: doc is missing destination path: {path}: {MISSING}")
    })?;
    insert(container, &key, val).map_err(|e| format!("error in move for path: '{path}': {e}"))
}

fn copy(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let from = string_field(op, "from")
        .map_err(|e| format!("copy operation failed to decode from: {e}"))?;
    let (container, key) = find_object(doc, &from).ok_or_else(|| {
        format!("copy operation does not apply: doc is missing from path: {from}: {MISSING}")
    })?;
    let val = get(container, &key)
        .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
        .cloned()
        .unwrap_or(Value::Null);
    let path = string_field(op, "path")
        .map_err(|_| format!("copy operation failed to decode path: {MISSING}"))?;
    let (container, key) = find_object(doc, &path).ok_or_else(|| {
        format!("copy operation does not apply: doc is missing destination path: {path}: {MISSING}")
    })?;
    insert(container, &key, val).map_err(|e| format!("error while adding value during copy: {e}"))
}

fn test(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = string_field(op, "path")
        .map_err(|e| format!("test operation failed to decode path: {e}"))?;
    let want = value(op);
    let failed = || format!("testing value {path} failed: test failed");
    let has_value = op.contains_key("value");
    if path.is_empty() {
        if !has_value {
            return Err(crash("test", &path));
        }
        return if same(doc, &want) {
            Ok(())
        } else {
            Err(failed())
        };
    }
    let (container, key) = find_object(doc, &path).ok_or_else(|| {
        format!("test operation does not apply: is missing path: {path}: {MISSING}")
    })?;
    let found =
        get(container, &key).map_err(|e| format!("error in test for path: '{path}': {e}"))?;
    match found {
        None if !has_value => Err(crash("test", &path)),
        None if want.is_null() => Ok(()),
        Some(v) if same(v, &want) => Ok(()),
        _ => Err(failed()),
    }
}

/// evanphx dereferences a missing `value` in a few places and kustomize crashes (a Go panic);
/// rollpin fails cleanly instead.
fn crash(op: &str, path: &str) -> String {
    format!("{op} operation at path \"{path}\" has no value (kustomize crashes on this patch)")
}

/// Structural equality as evanphx `equal`: objects by keys, arrays by position, scalars by
/// value (numbers by numeric value).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
#[path = "json6902_tests.rs"]
mod tests;
