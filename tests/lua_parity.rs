//! Lua ≡ Rust: every script `rollpin argocd-cm` generates runs in a real Lua 5.1 VM (mlua,
//! PUC Lua 5.1) with only what Argo CD opens — base, table, package and a safe `os`
//! (`time`, `date`, `clock`; `string` and the rest only for scripts that set
//! `useOpenLibs`) — over every health fixture whose kind the script covers (Argo CD's
//! lookup: exact key, then wildcard entry), and must give exactly the status and message
//! the Rust assessor gives.

use std::path::Path;

use mlua::{Lua, LuaOptions, StdLib};
use rollpin::argocd::cm::{CmError, Customization, plan};
use rollpin::health::rules::glob;
use rollpin::health::{Assessor, Decider, HealthStatus, Object, RuleSet, Timestamp};
use serde_json::Value;

mod common;
use common::{FIXTURE_NOW, fixtures_root, read_yaml, test_files};

/// Groups of the fixtures' custom resources that get generic conditions.
const GENERIC_GROUPS: &[&str] = &[
    "db.example.com",
    "database.example.org",
    "traefik.io",
    "velero.io",
];

/// The plan for a rules set, leaving out rules `argocd-cm` refuses (reported).
fn plan_for(mut rules: RuleSet, skipped: &mut Vec<String>) -> Vec<Customization> {
    let groups: Vec<String> = GENERIC_GROUPS.iter().map(|g| g.to_string()).collect();
    loop {
        // Every rule's group is named, so that every rule becomes a key.
        let mut named: Vec<String> = rules
            .rules
            .iter()
            .chain(&rollpin::health::rules::builtin().rules)
            .map(|r| r.group.clone())
            .filter(|g| g != "rollpin.dev")
            .collect();
        named.sort();
        named.dedup();
        match plan(&rules, &groups, &named) {
            Ok(p) => return p,
            Err(CmError::FallsThroughToArgoCd { origin, .. }) => {
                skipped.push(origin.clone());
                rules.rules.retain(|r| r.origin != origin);
            }
            Err(e) => panic!("argocd-cm refused the fixture rules: {e}"),
        }
    }
}

/// Argo CD's lookup: the exact key, else the first wildcard entry that matches.
fn lookup<'a>(plan: &'a [Customization], group: &str, kind: &str) -> Option<&'a Customization> {
    plan.iter()
        .find(|c| c.exact && c.group == group && c.kind == kind)
        .or_else(|| {
            let key = if group.is_empty() {
                kind.to_string()
            } else {
                format!("{group}/{kind}")
            };
            plan.iter()
                .find(|c| !c.exact && glob(&c.override_key(), &key))
        })
}

/// A JSON value as gopher-lua gets it: null → nil, nils dropped from arrays.
fn to_lua(lua: &Lua, v: &Value) -> mlua::Result<mlua::Value> {
    Ok(match v {
        Value::Null => mlua::Value::Nil,
        Value::Bool(b) => mlua::Value::Boolean(*b),
        Value::Number(n) => mlua::Value::Number(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => mlua::Value::String(lua.create_string(s)?),
        Value::Array(items) => {
            let t = lua.create_table()?;
            for item in items.iter().filter(|i| !i.is_null()) {
                t.raw_push(to_lua(lua, item)?)?;
            }
            mlua::Value::Table(t)
        }
        Value::Object(m) => {
            let t = lua.create_table()?;
            for (k, item) in m.iter().filter(|(_, i)| !i.is_null()) {
                t.raw_set(k.as_str(), to_lua(lua, item)?)?;
            }
            mlua::Value::Table(t)
        }
    })
}

/// Runs a script as Argo CD would; `None` for a nil result.
fn run_lua(c: &Customization, obj: &Value, now: i64) -> mlua::Result<Option<HealthStatus>> {
    let mut libs = StdLib::TABLE | StdLib::PACKAGE | StdLib::OS;
    if c.script.open_libs {
        libs |= StdLib::STRING | StdLib::MATH;
    }
    let lua = Lua::new_with(libs, LuaOptions::default())?;
    let globals = lua.globals();
    let os: mlua::Table = globals.get("os")?;
    let safe = lua.create_table()?;
    let fixed_time = lua.create_function(move |_, t: Option<mlua::Table>| match t {
        None => Ok(now as f64),
        Some(_) => Err(mlua::Error::runtime(
            "os.time(table) is not used by rollpin's scripts",
        )),
    })?;
    safe.set("time", fixed_time)?;
    safe.set("date", os.get::<mlua::Function>("date")?)?;
    safe.set("clock", os.get::<mlua::Function>("clock")?)?;
    let package: mlua::Table = globals.get("package")?;
    let loaded: mlua::Table = package.get("loaded")?;
    if c.script.open_libs {
        loaded.set("os", safe.clone())?;
        globals.set("os", safe.clone())?;
    } else {
        loaded.set("os", mlua::Value::Nil)?;
        globals.set("os", mlua::Value::Nil)?;
        let preload: mlua::Table = package.get("preload")?;
        let s = safe.clone();
        preload.set("os", lua.create_function(move |_, ()| Ok(s.clone()))?)?;
    }
    globals.set("obj", to_lua(&lua, obj)?)?;
    let out: mlua::Value = lua
        .load(c.script.lua.as_str())
        .set_name(c.override_key())
        .eval()?;
    let mlua::Value::Table(t) = out else {
        return Ok(None);
    };
    let status: String = t.get("status")?;
    let message: Option<String> = t.get("message")?;
    Ok(Some(HealthStatus {
        status: status
            .parse()
            .map_err(|e| mlua::Error::runtime(format!("{e}")))?,
        message: message.unwrap_or_default(),
    }))
}

#[test]
fn generated_lua_agrees_with_rust_on_every_covered_fixture() {
    let mut files = Vec::new();
    test_files(&fixtures_root(), &mut files);
    let mut skipped_rules = Vec::new();
    let default_plan = plan_for(RuleSet::default(), &mut skipped_rules);
    let mut pairs = 0;
    let mut kinds = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for file in &files {
        let dir = file.parent().unwrap_or(Path::new("."));
        let suite = read_yaml(file);
        let cases = suite
            .first()
            .and_then(|s| s["tests"].as_array())
            .cloned()
            .unwrap_or_default();
        for case in &cases {
            let Some(input) = case["inputPath"].as_str() else {
                continue;
            };
            let docs = read_yaml(&dir.join(input));
            let [obj] = docs.as_slice() else { continue };
            let (rules, user_plan) = match case.get("rules").and_then(Value::as_str) {
                None => (RuleSet::default(), None),
                Some(rel) => {
                    let text = std::fs::read_to_string(dir.join(rel)).unwrap_or_default();
                    let rules = RuleSet::from_yaml(&text, rel).unwrap_or_default();
                    let p = plan_for(rules.clone(), &mut skipped_rules);
                    (rules, Some(p))
                }
            };
            let now: Timestamp = case
                .get("now")
                .and_then(Value::as_str)
                .unwrap_or(FIXTURE_NOW)
                .parse()
                .unwrap_or(Timestamp::UNIX_EPOCH);
            let o = Object::new(obj);
            let plan = user_plan.as_deref().unwrap_or(&default_plan);
            let Some(c) = lookup(plan, o.group, o.kind) else {
                continue;
            };
            let rust = Assessor::new(rules, now).assess_object(&o);
            // Argo CD answers "Pending deletion" before it runs any Lua.
            if matches!(rust, Some((_, Decider::PendingDeletion))) {
                continue;
            }
            let rust = rust.map(|(h, _)| h);
            let rel = dir
                .strip_prefix(fixtures_root())
                .unwrap_or(dir)
                .display()
                .to_string();
            pairs += 1;
            kinds.insert(c.override_key());
            match run_lua(c, obj, now.as_second()) {
                Ok(lua) if lua == rust => {}
                Ok(lua) => failures.push(format!(
                    "{rel}/{input} [{}]:\n    rust {rust:?}\n    lua  {lua:?}",
                    c.override_key()
                )),
                Err(e) => failures.push(format!(
                    "{rel}/{input} [{}]: Lua error: {e}",
                    c.override_key()
                )),
            }
        }
    }
    skipped_rules.sort();
    skipped_rules.dedup();
    println!(
        "lua parity: {}/{pairs} (script, fixture) pairs agree; scripts: {}; rules argocd-cm refuses: {:?}",
        pairs - failures.len(),
        kinds.iter().cloned().collect::<Vec<_>>().join(", "),
        skipped_rules
    );
    assert!(
        failures.is_empty(),
        "{} of {pairs} disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(pairs >= 40, "only {pairs} pairs covered");
}
