//! The Prometheus provider: an instant query (`GET /api/v1/query` with `query`, `time` —
//! the evaluation time, so that results are reproducible — and `timeout`, default 30s)
//! over [`super::http`], the response envelope (`status`, `data`, `errorType`, `error`,
//! `warnings`, `infos`) parsed, and `result` bound as Argo Rollouts' provider binds it
//! (`metricproviders/prometheus/prometheus.go` `processResponse`): scalar → a float,
//! vector → the values in returned order, matrix → every sample flattened, anything else
//! → Error "Prometheus metric type not supported". Values are strings so that `NaN` and
//! `±Inf` survive.
//!
//! The controller builds it with its allow-list ([`super::allow`]) and the headers it
//! read from the Secrets the policy names; `rollpin slo check` builds it without a list.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::allow::AllowList;
use super::duration::parse_duration;
use super::expr::MetricValue;
use super::http::{self, HttpUrl, encode_query_value};
use super::provider::{MetricProvider, ProviderError, QueryResult};
use super::types::{DEFAULT_PROMETHEUS_TIMEOUT, Metric, PrometheusSpec};

/// Extra time allowed on the socket beyond the query's own timeout.
const TRANSPORT_GRACE: Duration = Duration::from_secs(5);

/// Headers to send, per Secret name (the Secret's keys and values).
pub type SecretHeaders = BTreeMap<String, Vec<(String, String)>>;

/// The Prometheus provider.
#[derive(Debug, Clone, Default)]
pub struct Prometheus {
    /// `Some`: only these addresses (the controller); `None`: any (the CLI).
    pub allow: Option<AllowList>,
    /// Replaces every metric's address (`rollpin slo check --prometheus`).
    pub address_override: Option<String>,
    /// Headers of the Secrets the policy names (`headersFrom.secretRef.name`).
    pub secrets: SecretHeaders,
}

impl Prometheus {
    /// The controller's provider: only addresses on `allow`.
    pub fn restricted(allow: AllowList, secrets: SecretHeaders) -> Prometheus {
        Prometheus {
            allow: Some(allow),
            address_override: None,
            secrets,
        }
    }

    /// The CLI's provider: the address the person running it chose.
    pub fn unrestricted(address_override: Option<String>) -> Prometheus {
        Prometheus {
            allow: None,
            address_override,
            secrets: SecretHeaders::new(),
        }
    }

    /// The address a metric would be queried at, checked against the allow-list.
    pub fn target(&self, metric: &Metric) -> Result<HttpUrl, ProviderError> {
        let spec = prometheus_spec(metric)?;
        let address = self.address_override.as_deref().unwrap_or(&spec.address);
        Ok(match &self.allow {
            Some(list) => list.check(address)?,
            None => HttpUrl::parse(address)?,
        })
    }
}

/// The metric's `provider.prometheus`.
fn prometheus_spec(metric: &Metric) -> Result<&PrometheusSpec, ProviderError> {
    metric
        .provider
        .prometheus
        .as_ref()
        .ok_or_else(|| ProviderError::NoProvider {
            metric: metric.name.clone(),
        })
}

impl MetricProvider for Prometheus {
    fn query(&self, metric: &Metric, at: Timestamp) -> Result<QueryResult, ProviderError> {
        let url = self.target(metric)?;
        let spec = prometheus_spec(metric)?;
        let timeout = parse_duration(
            spec.timeout
                .as_deref()
                .unwrap_or(DEFAULT_PROMETHEUS_TIMEOUT),
        )?;
        let headers = match &spec.headers_from {
            None => Vec::new(),
            Some(h) => self
                .secrets
                .get(&h.secret_ref.name)
                .cloned()
                .ok_or_else(|| ProviderError::MissingSecret {
                    name: h.secret_ref.name.clone(),
                })?,
        };
        let path = query_path(&spec.query, at, timeout);
        let response = http::get(&url, &path, &headers, timeout + TRANSPORT_GRACE)?;
        parse_response(&response)
    }
}

/// `/api/v1/query?query=…&time=…&timeout=…` (time as Unix seconds, timeout in seconds).
pub fn query_path(query: &str, at: Timestamp, timeout: Duration) -> String {
    let time = match at.subsec_millisecond() {
        0 => at.as_second().to_string(),
        ms => format!("{}.{:03}", at.as_second(), ms.unsigned_abs()),
    };
    let timeout = match timeout.subsec_millis() {
        0 => timeout.as_secs().to_string(),
        ms => format!("{}.{ms:03}", timeout.as_secs()),
    };
    format!(
        "/api/v1/query?query={}&time={}&timeout={}",
        encode_query_value(query),
        encode_query_value(&time),
        encode_query_value(&timeout)
    )
}

/// The start of a body, for messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.trim().chars().take(200).collect();
    if text.trim().chars().count() > 200 {
        s.push('…');
    }
    s
}

/// Reads an `/api/v1/query` answer.
pub fn parse_response(r: &http::Response) -> Result<QueryResult, ProviderError> {
    if (300..400).contains(&r.status) {
        return Err(ProviderError::Redirect {
            status: r.status,
            location: r.location.clone().unwrap_or_default(),
        });
    }
    let envelope: Value = match serde_json::from_slice(&r.body) {
        Ok(v @ Value::Object(_)) => v,
        _ if !(200..300).contains(&r.status) => {
            return Err(ProviderError::Status {
                status: r.status,
                body: excerpt(&r.body),
            });
        }
        _ => {
            return Err(ProviderError::Decode(format!(
                "not JSON: {}",
                excerpt(&r.body)
            )));
        }
    };
    let text = |k: &str| envelope.get(k).and_then(Value::as_str).unwrap_or("");
    match text("status") {
        "success" => {}
        "error" => {
            return Err(ProviderError::Query {
                error_type: text("errorType").to_string(),
                error: text("error").to_string(),
            });
        }
        other => {
            return Err(ProviderError::Decode(format!(
                "status {other:?} (HTTP {})",
                r.status
            )));
        }
    }
    let warnings = ["warnings", "infos"]
        .iter()
        .filter_map(|k| envelope.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(|w| w.as_str().map(str::to_string))
        .collect();
    let data = envelope.get("data").unwrap_or(&Value::Null);
    let result = data.get("result").unwrap_or(&Value::Null);
    let value = match data.get("resultType").and_then(Value::as_str) {
        Some("scalar") => MetricValue::Scalar(sample(result)?),
        Some("vector") => MetricValue::List(
            series(result)?
                .iter()
                .map(|s| match s.get("value") {
                    Some(v) => sample(v),
                    None => Err(ProviderError::Unsupported(
                        "Prometheus native histogram samples are not supported".to_string(),
                    )),
                })
                .collect::<Result<_, _>>()?,
        ),
        Some("matrix") => {
            let mut all = Vec::new();
            for s in series(result)? {
                if s.get("values").is_none() && s.get("histograms").is_some() {
                    return Err(ProviderError::Unsupported(
                        "Prometheus native histogram samples are not supported".to_string(),
                    ));
                }
                let values = s.get("values").and_then(Value::as_array);
                for v in values.into_iter().flatten() {
                    all.push(sample(v)?);
                }
            }
            MetricValue::List(all)
        }
        _ => {
            return Err(ProviderError::Unsupported(
                "Prometheus metric type not supported".to_string(),
            ));
        }
    };
    Ok(QueryResult { value, warnings })
}

fn series(result: &Value) -> Result<&Vec<Value>, ProviderError> {
    result
        .as_array()
        .ok_or_else(|| ProviderError::Decode(format!("result is not a list: {result}")))
}

/// `[<unix time>, "<value>"]` → the value.
fn sample(v: &Value) -> Result<f64, ProviderError> {
    let text = v
        .as_array()
        .filter(|a| a.len() == 2)
        .and_then(|a| a[1].as_str())
        .ok_or_else(|| ProviderError::Decode(format!("sample is not [time, \"value\"]: {v}")))?;
    parse_sample_value(text)
        .ok_or_else(|| ProviderError::Decode(format!("sample value {text:?} is not a number")))
}

/// A sample value as Prometheus writes it (`0.5`, `1e-05`, `NaN`, `+Inf`, `-Inf`).
pub fn parse_sample_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        t if t
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) =>
        {
            t.parse().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "prometheus_tests.rs"]
mod tests;
