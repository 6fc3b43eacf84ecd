//! What every reconcile shares: the client, the configuration, the Event recorder, the
//! clock, the log sink and each request's error count (for backoff).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::runtime::events::{Recorder, Reporter};
use serde_json::Value;

use crate::controller::Config;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// `time level msg key=value …`.
    Text,
}

/// The shared state of the controller's reconcilers.
pub struct Context {
    /// The Kubernetes client.
    pub client: Client,
    /// The configuration.
    pub cfg: Config,
    /// `cfg.prometheus_allow`, parsed once (`run` refuses to start on an unparsable list;
    /// here one allows nothing).
    pub allow: crate::slo::allow::AllowList,
    /// Publishes events.k8s.io/v1 Events.
    pub recorder: Recorder,
    /// "Now" (the wall clock, or a fixed time in tests).
    pub clock: Box<dyn Fn() -> Timestamp + Send + Sync>,
    /// Log format.
    pub format: LogFormat,
    /// Lines logged, when capturing (tests).
    pub captured: Option<Arc<Mutex<Vec<Value>>>>,
    errors: Mutex<HashMap<String, u32>>,
}

impl Context {
    /// A context logging to stderr with the wall clock.
    pub fn new(client: Client, cfg: Config, format: LogFormat, instance: String) -> Context {
        let reporter = Reporter {
            controller: cfg.controller_name.clone(),
            instance: Some(instance),
        };
        Context {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            allow: crate::slo::allow::AllowList::from_urls(&cfg.prometheus_allow)
                .unwrap_or_default(),
            cfg,
            clock: Box::new(Timestamp::now),
            format,
            captured: None,
            errors: Mutex::new(HashMap::new()),
        }
    }

    /// Writes one log line.
    pub fn log(&self, line: &Value) {
        if let Some(c) = &self.captured {
            if let Ok(mut c) = c.lock() {
                c.push(line.clone());
            }
            return;
        }
        match self.format {
            LogFormat::Json => eprintln!("{line}"),
            LogFormat::Text => {
                let mut out = String::new();
                if let Value::Object(m) = line {
                    for k in ["time", "level", "msg"] {
                        if let Some(v) = m.get(k).and_then(Value::as_str) {
                            out.push_str(v);
                            out.push(' ');
                        }
                    }
                    for (k, v) in m
                        .iter()
                        .filter(|(k, _)| !["time", "level", "msg"].contains(&k.as_str()))
                    {
                        if !v.is_null() {
                            out.push_str(&format!(
                                "{k}={} ",
                                v.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v.to_string())
                            ));
                        }
                    }
                }
                eprintln!("{}", out.trim_end());
            }
        }
    }

    /// Publishes an Event on `regarding`; a failure is logged, never a reason to stop.
    pub async fn publish(
        &self,
        event: &kube::runtime::events::Event,
        regarding: &k8s_openapi::api::core::v1::ObjectReference,
    ) {
        if let Err(e) = self.recorder.publish(event, regarding).await {
            self.log(
                &serde_json::json!({"level": "warn", "msg": "event not published",
                "reason": event.reason, "error": e.to_string()}),
            );
        }
    }

    /// Counts a failure of `key` and returns how long to wait: 1 s doubling to 60 s.
    pub fn backoff(&self, key: &str) -> Duration {
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        let n = errors.entry(key.to_string()).or_insert(0);
        *n = n.saturating_add(1);
        Duration::from_secs((1u64 << (*n - 1).min(6)).min(60))
    }

    /// Forgets `key`'s failures.
    pub fn succeeded(&self, key: &str) {
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}
