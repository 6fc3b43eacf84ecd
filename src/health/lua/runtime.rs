//! The embedded Lua 5.1 (mlua, vendored PUC Lua) that runs health scripts with Argo CD
//! 3.5.1's environment (`util/lua/lua.go` `runLuaWithResourceActionParameters`):
//!
//! - libraries: without `useOpenLibs`, only base, `table` and `package`, with `os` reachable
//!   as `require("os")` and holding only `time` and `date`; with it, also `string`, `math`,
//!   `io`, `os` and `coroutine` (PUC Lua 5.1 opens it with base; gopher-lua's `debug` and `channel` are not offered). Argo
//!   CD's quirk of registering `time` and `date` in `table` is kept;
//! - the global `obj` is the object (maps → tables, arrays → 1-based tables without their
//!   nulls, `null` → nil), set in a fresh global environment for every run;
//! - the last value the chunk returns decides: nil or an empty/array table → no health; a
//!   table → its `status` and `message`; anything else → Unknown "expect table output from
//!   Lua script, not <type>"; a status outside the six codes → Unknown "Lua returned an
//!   invalid health status";
//! - errors → Unknown with the error text, positions written `<string>:LINE:` as Argo CD's
//!   do (the texts are PUC Lua's, not gopher-lua's);
//! - bounds: Argo CD's 1 s per run (checked every 1,000 VM instructions) and a memory bound
//!   per run (Argo CD has none; rollpin's keeps a runaway script from taking the machine).
//!
//! One Lua state per library set lives for the whole run, and each script is compiled once.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, VmState};
use serde_json::Value as Json;

use super::{LuaScripts, goto_rewrite, os_lib};
use crate::health::builtin::lua::INVALID_STATUS;
use crate::health::status::{HealthStatus, HealthStatusCode};
use mlua::chunk::ChunkMode;

/// Per-run bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Wall-clock time per run (Argo CD: 1 s).
    pub time: Duration,
    /// Memory a run may add to the state, in bytes.
    pub memory: usize,
}

impl Bounds {
    /// Argo CD's 1 s, and 64 MiB.
    pub const DEFAULT: Bounds = Bounds {
        time: Duration::from_secs(1),
        memory: 64 << 20,
    };
}

/// How often (in VM instructions) the time bound is checked.
const HOOK_EVERY: u32 = 1000;

/// Argo CD's `incorrectReturnType` for health, before the Lua type name.
const NOT_TABLE: &str = "expect table output from Lua script, not ";

/// The chunk name that makes Lua write positions as `<string>:LINE:`.
const CHUNK_NAME: &str = "=<string>";

/// One Lua state and what lives in it.
struct Engine {
    lua: Lua,
    compiled: HashMap<usize, Result<Function, String>>,
    deadline: Rc<Cell<Option<Instant>>>,
    timed_out: Rc<Cell<Option<usize>>>,
}

/// Runs the scripts of a [`LuaScripts`].
pub struct Runtime {
    scripts: LuaScripts,
    bounds: Bounds,
    now: Rc<Cell<i64>>,
    engines: [RefCell<Option<Engine>>; 2],
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("scripts", &self.scripts)
            .field("bounds", &self.bounds)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime for `scripts`; `now` (Unix seconds) is what `os.time()` returns.
    pub fn new(scripts: LuaScripts, bounds: Bounds, now: i64) -> Runtime {
        Runtime {
            scripts,
            bounds,
            now: Rc::new(Cell::new(now)),
            engines: [RefCell::new(None), RefCell::new(None)],
        }
    }

    /// The scripts.
    pub fn scripts(&self) -> &LuaScripts {
        &self.scripts
    }

    /// The health the script for `group`/`kind` gives `obj` and the script's origin, or
    /// `None` when no script applies. The inner `None` is Argo CD's empty status.
    pub fn assess(
        &self,
        group: &str,
        kind: &str,
        obj: &Json,
    ) -> Option<(Option<HealthStatus>, &str)> {
        let id = self.scripts.find(group, kind)?;
        let script = &self.scripts.scripts()[id];
        let health = self
            .run(id, obj)
            .unwrap_or_else(|message| Some(HealthStatus::unknown(message)));
        Some((health, script.origin.as_str()))
    }

    /// Runs script `id` on `obj`.
    fn run(&self, id: usize, obj: &Json) -> Result<Option<HealthStatus>, String> {
        let script = &self.scripts.scripts()[id];
        let mut slot = self.engines[usize::from(script.open_libs)].borrow_mut();
        if slot.is_none() {
            *slot = Some(engine(script.open_libs, &self.now).map_err(|e| e.to_string())?);
        }
        let Some(engine) = slot.as_mut() else {
            return Err("no Lua state".into());
        };
        let function = engine
            .compiled
            .entry(id)
            .or_insert_with(|| {
                // Lua 5.1 has no `goto`; gopher-lua (Argo CD) has. The continue idiom is
                // rewritten, other uses fail to compile and say why.
                let (code, refused) = match goto_rewrite::rewrite(&script.code) {
                    Ok(code) => (code, None),
                    Err(why) => (std::borrow::Cow::Borrowed(script.code.as_str()), Some(why)),
                };
                engine
                    .lua
                    .load(code.as_ref())
                    .set_name(CHUNK_NAME)
                    .set_mode(ChunkMode::Text)
                    .into_function()
                    .map_err(|e| match refused {
                        Some(why) => format!(
                            "{} (rollpin: the embedded Lua 5.1 has no goto, and this one cannot be rewritten: {why})",
                            error_text(&e)
                        ),
                        None => error_text(&e),
                    })
            })
            .clone()?;
        let lua = &engine.lua;
        let run = || -> mlua::Result<MultiValue> {
            let env = lua.create_table()?;
            let meta = lua.create_table()?;
            meta.raw_set("__index", lua.globals())?;
            env.set_metatable(Some(meta))?;
            env.raw_set("_G", &env)?;
            env.raw_set("obj", to_lua(lua, obj)?)?;
            function.set_environment(env)?;
            lua.set_memory_limit(lua.used_memory().saturating_add(self.bounds.memory))?;
            engine.timed_out.set(None);
            engine.deadline.set(Some(Instant::now() + self.bounds.time));
            let out = function.call::<MultiValue>(());
            engine.deadline.set(None);
            lua.set_memory_limit(0)?;
            out
        };
        let result = run();
        // A run that reached the deadline ends in the timeout, even if the script caught
        // the error (gopher-lua raises it again at the next instruction).
        let timed_out = engine.timed_out.take();
        let result = match (result, timed_out) {
            (Ok(_), Some(line)) => Err((mlua::Error::runtime("deadline"), Some(line))),
            (Err(e), t) => Err((e, t)),
            (Ok(v), None) => Ok(v),
        };
        let returned = match result {
            Ok(values) => values,
            Err((e, timed_out)) => {
                let message = match timed_out {
                    Some(line) => format!(
                        "<string>:{line}: context deadline exceeded (rollpin: the health script ran past Argo CD's {}s limit)",
                        self.bounds.time.as_secs_f64()
                    ),
                    None if is_memory_error(&e) => format!(
                        "not enough memory (rollpin: the health script used more than its {} MiB limit)",
                        self.bounds.memory >> 20
                    ),
                    None => error_text(&e),
                };
                let _ = lua.set_memory_limit(0);
                return Err(message);
            }
        };
        health_of(returned.into_iter().last().unwrap_or(mlua::Value::Nil))
    }
}

/// What Argo CD makes of the value a script returns (`ExecuteHealthLua`).
fn health_of(value: mlua::Value) -> Result<Option<HealthStatus>, String> {
    let table = match value {
        mlua::Value::Nil => return Ok(None),
        mlua::Value::Table(t) => t,
        mlua::Value::Integer(_) | mlua::Value::Number(_) => {
            return Err(format!("{NOT_TABLE}number"));
        }
        other => return Err(format!("{NOT_TABLE}{}", other.type_name())),
    };
    // gopher-json encodes an empty table, or one with only the keys 1..n, as an array, which
    // does not decode into a health status: no health.
    let mut keys = 0usize;
    let mut string_keys = false;
    for pair in table.pairs::<mlua::Value, mlua::Value>() {
        let (k, _) = pair.map_err(|e| error_text(&e))?;
        keys += 1;
        string_keys |= k.is_string();
    }
    if keys == 0 || !string_keys {
        return Ok(None);
    }
    let field = |name: &str| -> Result<Option<String>, ()> {
        match table.raw_get::<mlua::Value>(name) {
            Ok(mlua::Value::Nil) => Ok(Some(String::new())),
            Ok(mlua::Value::String(s)) => Ok(Some(s.to_string_lossy())),
            _ => Err(()),
        }
    };
    // A status or message that is not a string fails Go's JSON decoding with a type error,
    // which Argo CD turns into an empty status.
    let (Ok(Some(status)), Ok(Some(message))) = (field("status"), field("message")) else {
        return Ok(None);
    };
    Ok(Some(match status.parse::<HealthStatusCode>() {
        Ok(code) => HealthStatus::new(code, message),
        Err(_) => HealthStatus::unknown(INVALID_STATUS),
    }))
}

fn is_memory_error(e: &mlua::Error) -> bool {
    match e {
        mlua::Error::MemoryError(_) => true,
        mlua::Error::CallbackError { cause, .. } => is_memory_error(cause),
        _ => false,
    }
}

/// The error's text as Argo CD shows it: the Lua message without a stack trace.
fn error_text(e: &mlua::Error) -> String {
    let text = match e {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::RuntimeError(m) | mlua::Error::MemoryError(m) => m.clone(),
        mlua::Error::CallbackError { cause, .. } => return error_text(cause),
        other => other.to_string(),
    };
    match text.find("\nstack traceback:") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The object as gopher-lua's `decodeValue` builds it.
fn to_lua(lua: &Lua, v: &Json) -> mlua::Result<mlua::Value> {
    Ok(match v {
        Json::Null => mlua::Value::Nil,
        Json::Bool(b) => mlua::Value::Boolean(*b),
        Json::Number(n) => mlua::Value::Number(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => mlua::Value::String(lua.create_string(s)?),
        Json::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            let mut i = 0;
            for item in items.iter().filter(|x| !x.is_null()) {
                i += 1;
                t.raw_set(i, to_lua(lua, item)?)?;
            }
            mlua::Value::Table(t)
        }
        Json::Object(map) => {
            let t = lua.create_table_with_capacity(0, map.len())?;
            for (k, item) in map {
                if !item.is_null() {
                    t.raw_set(k.as_str(), to_lua(lua, item)?)?;
                }
            }
            mlua::Value::Table(t)
        }
    })
}

/// A Lua state with Argo CD's libraries for `open_libs`, and the time-bound hook.
fn engine(open_libs: bool, now: &Rc<Cell<i64>>) -> mlua::Result<Engine> {
    let libs = if open_libs {
        StdLib::TABLE | StdLib::PACKAGE | StdLib::STRING | StdLib::MATH | StdLib::IO | StdLib::OS
    } else {
        StdLib::TABLE | StdLib::PACKAGE
    };
    let lua = Lua::new_with(libs, LuaOptions::default())?;
    let g = lua.globals();
    let safe_os = os_lib::safe_os(&lua, now.clone())?;
    let table: Table = g.get("table")?;
    for name in ["time", "date"] {
        table.set(name, safe_os.get::<Function>(name)?)?;
    }
    // Files and binary chunks stay out of reach: a health script reads only `obj`.
    for name in ["dofile", "loadfile"] {
        g.set(name, mlua::Value::Nil)?;
    }
    g.set(
        "loadstring",
        lua.create_function(|lua, (code, name): (mlua::LuaString, Option<String>)| {
            let chunk = lua
                .load(code.as_bytes().to_vec())
                .set_mode(ChunkMode::Text)
                .set_name(format!("={}", name.unwrap_or_else(|| "<string>".into())));
            Ok(match chunk.into_function() {
                Ok(f) => (mlua::Value::Function(f), None),
                Err(e) => (mlua::Value::Nil, Some(error_text(&e))),
            })
        })?,
    )?;
    g.set("load", mlua::Value::Nil)?;
    if open_libs {
        let os: Table = g.get("os")?;
        for name in ["time", "date"] {
            os.set(name, safe_os.get::<Function>(name)?)?;
        }
    } else {
        // PUC Lua 5.1's base library also opens `coroutine`; gopher-lua's does not.
        g.set("coroutine", mlua::Value::Nil)?;
        let package: Table = g.get("package")?;
        let preload: Table = package.get("preload")?;
        let loader = lua.create_function(move |_, ()| Ok(safe_os.clone()))?;
        preload.set("os", loader)?;
    }
    let deadline: Rc<Cell<Option<Instant>>> = Rc::new(Cell::new(None));
    let timed_out: Rc<Cell<Option<usize>>> = Rc::new(Cell::new(None));
    let (hook_deadline, hook_timed_out) = (deadline.clone(), timed_out.clone());
    lua.set_hook(
        HookTriggers::new().every_nth_instruction(HOOK_EVERY),
        move |_, debug| {
            // The deadline stays set: a script that catches the error with `pcall` is stopped
            // again at the next check.
            if hook_deadline.get().is_some_and(|d| Instant::now() >= d) {
                if hook_timed_out.get().is_none() {
                    hook_timed_out.set(Some(debug.current_line().unwrap_or(0)));
                }
                return Err(mlua::Error::runtime("context deadline exceeded"));
            }
            Ok(VmState::Continue)
        },
    )?;
    Ok(Engine {
        lua,
        compiled: HashMap::new(),
        deadline,
        timed_out,
    })
}
