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
    let objects = read_inputs(&config.inputs, stdin)?;
    let report = report::assess_all(&Assessor::new(user, now), &objects);
    Ok(render(&report, config))
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
