//! Metric providers behind one small trait: a metric's query at a given evaluation time
//! gives a value or an error. [`super::prometheus::Prometheus`] is the one provider;
//! another (Datadog, a web hook) implements [`MetricProvider`] the same way. A test
//! double is a closure-backed [`FnProvider`].
//!
//! [`measure`] turns one query into a [`Measurement`]: a provider error is an Error
//! measurement with the error as its message (Argo Rollouts: "Query and transport errors
//! mark the measurement Error"); otherwise the conditions judge the value
//! ([`super::expr::judge`]), and the provider's warnings go into the message.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

use super::allow::AllowError;
use super::duration::DurationError;
use super::expr::{MetricValue, judge};
use super::http::HttpError;
use super::types::{Measurement, MeasurementPhase, Metric};

/// What a query returned.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// The value, as conditions see it.
    pub value: MetricValue,
    /// The provider's warnings (Prometheus' `warnings` and `infos`).
    pub warnings: Vec<String>,
}

/// Why a query gave no value.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The metric names no provider this controller knows.
    #[error("metric {metric:?} has no supported provider (expected provider.prometheus)")]
    NoProvider {
        /// The metric.
        metric: String,
    },
    /// The address is not allowed (no request was made).
    #[error(transparent)]
    NotAllowed(#[from] AllowError),
    /// A duration field does not parse.
    #[error(transparent)]
    Duration(#[from] DurationError),
    /// The headers Secret was not resolved by the caller.
    #[error("the headers Secret {name:?} was not found in the policy's namespace")]
    MissingSecret {
        /// The Secret's name.
        name: String,
    },
    /// Transport.
    #[error("querying Prometheus")]
    Http(#[from] HttpError),
    /// The server redirected; redirects are not followed.
    #[error(
        "Prometheus answered HTTP {status} redirecting to {location:?}; redirects are not followed (use the final address)"
    )]
    Redirect {
        /// The status code.
        status: u16,
        /// `Location`.
        location: String,
    },
    /// A non-2xx answer without Prometheus' JSON envelope (a proxy, a wrong path).
    #[error("Prometheus answered HTTP {status}: {body}")]
    Status {
        /// The status code.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// Prometheus' error envelope (`status: error`).
    #[error("Prometheus query failed ({error_type}): {error}")]
    Query {
        /// `errorType`: `bad_data`, `execution`, `timeout`, ….
        error_type: String,
        /// `error`.
        error: String,
    },
    /// A result type Argo Rollouts does not bind (`string`) or a sample without a value.
    #[error("{0}")]
    Unsupported(String),
    /// A body that is not the API's JSON.
    #[error("unexpected Prometheus response: {0}")]
    Decode(String),
}

/// A source of metric values.
pub trait MetricProvider {
    /// Runs `metric`'s query evaluated at `at`.
    fn query(&self, metric: &Metric, at: Timestamp) -> Result<QueryResult, ProviderError>;
}

/// A provider backed by a closure (tests, dry runs over recorded values).
pub struct FnProvider<F>(pub F);

impl<F> MetricProvider for FnProvider<F>
where
    F: Fn(&Metric, Timestamp) -> Result<QueryResult, ProviderError>,
{
    fn query(&self, metric: &Metric, at: Timestamp) -> Result<QueryResult, ProviderError> {
        (self.0)(metric, at)
    }
}

/// An error and its causes, joined with ": ".
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// Takes one measurement of `metric` evaluated at `at`; `finished` gives the time it
/// finished (the clock in the controller, `at` in tests and `rollpin slo check`).
pub fn measure(
    provider: &dyn MetricProvider,
    metric: &Metric,
    at: Timestamp,
    finished: impl FnOnce() -> Timestamp,
) -> Measurement {
    let result = provider.query(metric, at);
    let finished_at = Some(Time(finished()));
    let started_at = Some(Time(at));
    match result {
        Err(e) => Measurement {
            phase: MeasurementPhase::Error,
            value: None,
            started_at,
            finished_at,
            message: Some(error_chain(&e)),
        },
        Ok(r) => {
            let (phase, error) = judge(metric, &r.value);
            let warnings = (!r.warnings.is_empty())
                .then(|| format!("Prometheus warnings: {}", r.warnings.join("; ")));
            let message = match (error, warnings) {
                (Some(e), Some(w)) => Some(format!("{e}; {w}")),
                (e, w) => e.or(w),
            };
            Measurement {
                phase,
                value: Some(r.value.display()),
                started_at,
                finished_at,
                message,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric() -> Metric {
        Metric {
            name: "error-ratio".to_string(),
            success_condition: Some("result[0] < 0.05".to_string()),
            ..Metric::default()
        }
    }

    #[test]
    fn a_provider_error_is_an_error_measurement() {
        let p = FnProvider(|_: &Metric, _| {
            Err(ProviderError::Query {
                error_type: "bad_data".to_string(),
                error: "parse error".to_string(),
            })
        });
        let m = measure(&p, &metric(), Timestamp::UNIX_EPOCH, || {
            Timestamp::UNIX_EPOCH
        });
        assert_eq!(m.phase, MeasurementPhase::Error);
        assert_eq!(m.value, None);
        assert_eq!(
            m.message.as_deref(),
            Some("Prometheus query failed (bad_data): parse error")
        );
    }

    #[test]
    fn values_are_judged_and_warnings_kept() {
        let p = FnProvider(|_: &Metric, _| {
            Ok(QueryResult {
                value: MetricValue::List(vec![0.2]),
                warnings: vec!["partial response".to_string()],
            })
        });
        let at = Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let m = measure(&p, &metric(), at, || at);
        assert_eq!(m.phase, MeasurementPhase::Failed);
        assert_eq!(m.value.as_deref(), Some("[0.2]"));
        assert_eq!(
            m.message.as_deref(),
            Some("Prometheus warnings: partial response")
        );
        assert_eq!(m.started_at, Some(Time(at)));
    }
}
