//! What `rollpin health` runs: read the rules and the input, assess, render, and decide the
//! exit code — all before anything is printed, so that an error leaves stdout empty.

use std::io::Read;
use std::path::PathBuf;

use k8s_openapi::jiff::Timestamp;

use super::Assessor;
use super::input::{self, InputError, InputObject};
use super::report::{self, Report};
use super::rules::{RuleSet, RulesError};
use super::status::HealthStatusCode;

/// Where objects come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSource {
    /// Standard input (`-`, or no file at all).
    Stdin,
    /// A file.
    File(PathBuf),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The table and roll-up line.
    Table,
    /// JSON.
    Json,
}

/// Validated options of `rollpin health`.
#[derive(Debug, Clone)]
pub struct HealthConfig {
    /// Inputs, in order.
    pub inputs: Vec<InputSource>,
    /// Output format.
    pub format: Format,
    /// Exit with [`GATE_FAILED`] when the app's health is at least this bad.
    pub fail_on: Option<HealthStatusCode>,
    /// User rules files, in order (earlier files win for the same group and kind).
    pub rules: Vec<PathBuf>,
    /// The user's argocd-cm (`--argocd-cm`): its Lua health customizations.
    pub argocd_cm: Option<PathBuf>,
    /// A Lua library in `resource_customizations/` layout (`--lua-dir`).
    pub lua_dir: Option<PathBuf>,
    /// Let `--fail-on` pass when no object counts towards the app's health.
    pub allow_empty: bool,
}

/// Exit code when `--fail-on` trips.
pub const GATE_FAILED: u8 = 3;

/// Why `rollpin health` could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// A rules file could not be read.
    #[error("cannot read rules file {file}")]
    ReadRules {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A rules file is invalid.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// The input is invalid.
    #[error(transparent)]
    Input(#[from] InputError),
    /// `--argocd-cm` or `--lua-dir` could not be loaded.
    #[error(transparent)]
    Lua(#[from] super::lua::LoadError),
    /// `--argocd-cm` or `--lua-dir` in a build without the `lua` feature.
    #[error(
        "--argocd-cm and --lua-dir need the embedded Lua: this rollpin was built without the `lua` feature"
    )]
    LuaUnavailable,
    /// `--fail-on` with nothing to gate on.
    #[error(
        "--fail-on: no object counts towards the app's health ({read} read{why}), so there is nothing to gate on; pass --allow-empty to accept that"
    )]
    NothingAssessed {
        /// Objects read.
        read: usize,
        /// Why the objects read do not count.
        why: String,
    },
}

/// What to print and how to exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The whole of stdout.
    pub stdout: String,
    /// The exit code: 0, or [`GATE_FAILED`].
    pub exit_code: u8,
}

/// Runs `rollpin health` with `now` as the current time, reading `-` from `stdin`.
pub fn run(
    config: &HealthConfig,
    now: Timestamp,
    stdin: &mut dyn Read,
) -> Result<Outcome, HealthError> {
    let mut user = RuleSet::default();
    for path in &config.rules {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| HealthError::ReadRules {
            file: file.clone(),
            source,
        })?;
        user.extend(RuleSet::from_yaml(&text, &file)?);
    }
    let assessor = with_lua(Assessor::new(user, now), config, now)?;
    let objects = read_inputs(&config.inputs, stdin)?;
    let report = report::assess_all(&assessor, &objects);
    if config.fail_on.is_some() && !config.allow_empty {
        let counted: usize = report.roll_up.counted.iter().map(|(_, n)| n).sum();
        if counted == 0 {
            let why = report
                .roll_up
                .not_counted
                .iter()
                .map(|(reason, n)| format!(", {n} not counted: {}", reason.describe()))
                .collect();
            return Err(HealthError::NothingAssessed {
                read: objects.len(),
                why,
            });
        }
    }
    Ok(render(&report, config))
}

/// Adds the Lua scripts of `--argocd-cm` and `--lua-dir`, compiled once for the whole run.
#[cfg(feature = "lua")]
fn with_lua(
    assessor: Assessor,
    config: &HealthConfig,
    now: Timestamp,
) -> Result<Assessor, HealthError> {
    use super::lua::{LuaScripts, runtime};
    if config.argocd_cm.is_none() && config.lua_dir.is_none() {
        return Ok(assessor);
    }
    let scripts = LuaScripts::load(config.argocd_cm.as_ref(), config.lua_dir.as_ref())?;
    let runtime = runtime::Runtime::new(scripts, runtime::Bounds::DEFAULT, now.as_second());
    Ok(assessor.with_lua(runtime))
}

#[cfg(not(feature = "lua"))]
fn with_lua(
    assessor: Assessor,
    config: &HealthConfig,
    _now: Timestamp,
) -> Result<Assessor, HealthError> {
    if config.argocd_cm.is_some() || config.lua_dir.is_some() {
        return Err(HealthError::LuaUnavailable);
    }
    Ok(assessor)
}

/// Reads every input (stdin at most once).
pub fn read_inputs(
    inputs: &[InputSource],
    stdin: &mut dyn Read,
) -> Result<Vec<InputObject>, InputError> {
    let mut objects = Vec::new();
    let mut stdin_text: Option<String> = None;
    let stdin_only = [InputSource::Stdin];
    let inputs = if inputs.is_empty() {
        &stdin_only[..]
    } else {
        inputs
    };
    for source in inputs {
        let (name, text) = match source {
            InputSource::Stdin => {
                if stdin_text.is_none() {
                    let mut s = String::new();
                    stdin
                        .read_to_string(&mut s)
                        .map_err(|source| InputError::Read {
                            file: "-".into(),
                            source,
                        })?;
                    stdin_text = Some(s);
                }
                ("-".to_string(), stdin_text.clone().unwrap_or_default())
            }
            InputSource::File(p) => {
                let name = p.display().to_string();
                let text = std::fs::read_to_string(p).map_err(|source| InputError::Read {
                    file: name.clone(),
                    source,
                })?;
                (name, text)
            }
        };
        objects.extend(input::read_objects(&name, &text)?);
    }
    Ok(objects)
}

/// The output and exit code for a report.
pub fn render(report: &Report, config: &HealthConfig) -> Outcome {
    let stdout = match config.format {
        Format::Table => report.table(),
        Format::Json => report.json(),
    };
    let failed = config
        .fail_on
        .is_some_and(|threshold| report.roll_up.status >= threshold);
    Outcome {
        stdout,
        exit_code: if failed { GATE_FAILED } else { 0 },
    }
}
