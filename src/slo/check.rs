//! `rollpin slo check POLICY.yaml [--prometheus URL] [--at RFC3339] [-o json]`: evaluates
//! a policy's metrics once over the bake window that ends at `--at` — the same schedule
//! and verdict rules as the controller ([`super::reconcile`]), each measurement queried
//! with `time=` its grid point — and prints every measurement and the verdict. Exit 0
//! Successful, 3 Failed, 4 Inconclusive, 1 Error (or an unfinished window).
//!
//! The allow-list does not apply: the person running the command chooses the address
//! (`--prometheus` replaces every metric's). Nothing is created: the policy is run as a
//! dry run with no release records.

use std::path::{Path, PathBuf};

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::decide::Observed;
use super::observed::{AppSync, Synced};
use super::prometheus::Prometheus;
use super::provider::MetricProvider;
use super::reconcile::reconcile_with;
use super::types::{ActionType, Measurement, RollbackPolicy};
use super::validate::{Problem, validate};

/// Validated flags.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// The policy file (YAML or JSON; the first RollbackPolicy in it).
    pub policy: PathBuf,
    /// Replaces every metric's address.
    pub prometheus: Option<String>,
    /// The end of the bake window.
    pub at: Timestamp,
    /// JSON instead of text.
    pub json: bool,
}

/// Why the check could not run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The file could not be read.
    #[error("reading {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not YAML, or its RollbackPolicy does not read.
    #[error("{}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The policy is invalid.
    #[error("{}: invalid policy: {}", path.display(), problems.join("; "))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem.
        problems: Vec<String>,
    },
}

/// What the command prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The report.
    pub stdout: String,
    /// 0, 1, 3 or 4.
    pub exit_code: u8,
}

/// Reads the first RollbackPolicy of a YAML or JSON file.
pub fn read_policy(path: &Path) -> Result<RollbackPolicy, CheckError> {
    let text = std::fs::read_to_string(path).map_err(|source| CheckError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let parse = |message: String| CheckError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let docs = crate::yaml::parse_stream(&text, crate::yaml::Schema::Kyaml)
        .map_err(|e| parse(e.to_string()))?;
    let doc = docs
        .into_iter()
        .map(|d| d.value)
        .find(|v| v.get("kind").and_then(Value::as_str) == Some("RollbackPolicy"))
        .ok_or_else(|| parse("no document of kind RollbackPolicy".to_string()))?;
    serde_path_to_error::deserialize::<_, RollbackPolicy>(doc)
        .map_err(|e| parse(format!("RollbackPolicy: {}: {}", e.path(), e.inner())))
}

/// Evaluates `policy` over the window ending at `at` with `provider`.
pub fn evaluate(
    policy: &RollbackPolicy,
    provider: &dyn MetricProvider,
    at: Timestamp,
) -> Result<Value, Vec<Problem>> {
    let timings = validate(&policy.spec, None)?;
    let start = SignedDuration::try_from(timings.bake)
        .ok()
        .and_then(|d| at.checked_sub(d).ok())
        .unwrap_or(Timestamp::MIN);
    let mut dry = policy.clone();
    dry.spec.action.type_ = ActionType::DryRun;
    dry.status = None;
    let app = AppSync {
        operation: Some(Synced {
            revision: "window".to_string(),
            finished_at: start,
        }),
        history: Vec::new(),
    };
    let obs = Observed {
        policy: &dry,
        app: &app,
        records: &[],
        requests: &[],
        allow: None,
    };
    let mut taken: Vec<(String, Measurement)> = Vec::new();
    let d = reconcile_with(&obs, provider, &|| at, &mut |name, m| {
        taken.push((name.to_string(), m.clone()));
    });
    let verdict = d.verdict.unwrap_or_default();
    let metrics: Vec<Value> = policy
        .spec
        .metrics
        .iter()
        .map(|m| {
            let result = d.status.metric_results.iter().find(|r| r.name == m.name);
            let measurements: Vec<Value> = taken
                .iter()
                .filter(|(n, _)| *n == m.name)
                .map(|(_, x)| {
                    json!({
                        "at": x.started_at.as_ref().map(|t| t.0.to_string()),
                        "phase": x.phase.as_str(),
                        "value": x.value,
                        "message": x.message,
                    })
                })
                .collect();
            json!({
                "name": m.name,
                "phase": result.map(|r| r.phase).unwrap_or_default().as_str(),
                "reason": result.and_then(|r| r.message.clone()),
                "count": result.map_or(0, |r| r.count),
                "failed": result.map_or(0, |r| r.failed),
                "inconclusive": result.map_or(0, |r| r.inconclusive),
                "error": result.map_or(0, |r| r.error),
                "measurements": measurements,
            })
        })
        .collect();
    let message = d.reason.clone();
    Ok(json!({
        "policy": policy.metadata.name,
        "app": policy.spec.app,
        "window": {"start": start.to_string(), "end": at.to_string()},
        "verdict": verdict.as_str(),
        "message": message,
        "metrics": metrics,
    }))
}

/// The exit code for a verdict.
pub fn exit_code(verdict: &str) -> u8 {
    match verdict {
        "Successful" => 0,
        "Failed" => 3,
        "Inconclusive" => 4,
        _ => 1,
    }
}

/// The report as text.
pub fn text_report(r: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut out = format!(
        "RollbackPolicy {} (app {}): bake window {} .. {}\n",
        s(&r["policy"]),
        s(&r["app"]),
        s(&r["window"]["start"]),
        s(&r["window"]["end"])
    );
    for m in r["metrics"].as_array().into_iter().flatten() {
        out.push_str(&format!("metric {}: {}", s(&m["name"]), s(&m["phase"])));
        if let Some(reason) = m["reason"].as_str() {
            out.push_str(&format!(" ({reason})"));
        }
        out.push('\n');
        for x in m["measurements"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "  {}  {:<12}  {}",
                s(&x["at"]),
                s(&x["phase"]),
                x["value"].as_str().unwrap_or("-")
            ));
            if let Some(msg) = x["message"].as_str() {
                out.push_str(&format!("  {msg}"));
            }
            out.push('\n');
        }
        if m["measurements"].as_array().is_none_or(Vec::is_empty) {
            out.push_str("  (no measurement in the window)\n");
        }
    }
    out.push_str(&format!("verdict: {}", s(&r["verdict"])));
    if let Some(msg) = r["message"].as_str() {
        out.push_str(&format!(": {msg}"));
    }
    out.push('\n');
    out
}

/// `rollpin slo check`.
pub fn run(cfg: &CheckConfig) -> Result<Outcome, CheckError> {
    let policy = read_policy(&cfg.policy)?;
    let provider = Prometheus::unrestricted(cfg.prometheus.clone());
    let report = evaluate(&policy, &provider, cfg.at).map_err(|problems| CheckError::Invalid {
        path: cfg.policy.clone(),
        problems: problems.iter().map(|p| p.message().to_string()).collect(),
    })?;
    let exit_code = exit_code(report["verdict"].as_str().unwrap_or(""));
    let stdout = if cfg.json {
        let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
        s.push('\n');
        s
    } else {
        text_report(&report)
    };
    Ok(Outcome { stdout, exit_code })
}
