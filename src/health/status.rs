//! The status model: Argo CD's six health codes, a status with its message, and the order
//! Argo CD uses to roll many statuses up into one (Healthy < Suspended < Progressing <
//! Missing < Degraded < Unknown, gitops-engine `pkg/health/health.go` `healthOrder`).
//!
//! Every assessment in [`crate::health`] ends in a [`HealthStatus`]; [`super::rollup`] folds
//! them with [`HealthStatusCode::is_worse_than`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of Argo CD's health codes, declared from most to least healthy so that the derived
/// order is Argo CD's roll-up order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HealthStatusCode {
    /// The object is fully up and running.
    Healthy,
    /// Paused or suspended on purpose (a paused Deployment, a suspended Job).
    Suspended,
    /// Not healthy yet, but still able to get there.
    Progressing,
    /// Not present in the cluster.
    Missing,
    /// Failed, or unable to get healthy in time.
    Degraded,
    /// The assessment itself failed (an object that does not convert, a rule error).
    Unknown,
}

impl HealthStatusCode {
    /// All codes, in roll-up order.
    pub const ALL: [HealthStatusCode; 6] = [
        HealthStatusCode::Healthy,
        HealthStatusCode::Suspended,
        HealthStatusCode::Progressing,
        HealthStatusCode::Missing,
        HealthStatusCode::Degraded,
        HealthStatusCode::Unknown,
    ];

    /// The code as Argo CD writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            HealthStatusCode::Healthy => "Healthy",
            HealthStatusCode::Suspended => "Suspended",
            HealthStatusCode::Progressing => "Progressing",
            HealthStatusCode::Missing => "Missing",
            HealthStatusCode::Degraded => "Degraded",
            HealthStatusCode::Unknown => "Unknown",
        }
    }

    /// Argo CD's `IsWorse(current, new)`: is `self` a worse condition than `current`?
    pub fn is_worse_than(self, current: HealthStatusCode) -> bool {
        self > current
    }
}

impl fmt::Display for HealthStatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the six codes (they are case-sensitive, as in Argo CD).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a health status (Healthy, Suspended, Progressing, Missing, Degraded, Unknown)"
)]
pub struct UnknownStatusCode(pub String);

impl FromStr for HealthStatusCode {
    type Err = UnknownStatusCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HealthStatusCode::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownStatusCode(s.to_string()))
    }
}

/// The health of one object: a code and a human-readable message (often empty, exactly
/// where Argo CD leaves it empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthStatus {
    /// The health code.
    pub status: HealthStatusCode,
    /// Why; Argo CD's exact words for the kinds it assesses.
    pub message: String,
}

impl HealthStatus {
    /// A status with a message.
    pub fn new(status: HealthStatusCode, message: impl Into<String>) -> Self {
        HealthStatus {
            status,
            message: message.into(),
        }
    }

    /// Healthy with the given message.
    pub fn healthy(message: impl Into<String>) -> Self {
        Self::new(HealthStatusCode::Healthy, message)
    }

    /// Suspended with the given message.
    pub fn suspended(message: impl Into<String>) -> Self {
        Self::new(HealthStatusCode::Suspended, message)
    }

    /// Progressing with the given message.
    pub fn progressing(message: impl Into<String>) -> Self {
        Self::new(HealthStatusCode::Progressing, message)
    }

    /// Degraded with the given message.
    pub fn degraded(message: impl Into<String>) -> Self {
        Self::new(HealthStatusCode::Degraded, message)
    }

    /// Unknown with the given message.
    pub fn unknown(message: impl Into<String>) -> Self {
        Self::new(HealthStatusCode::Unknown, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_argo_cds_health_order() {
        use HealthStatusCode::*;
        let order = [Healthy, Suspended, Progressing, Missing, Degraded, Unknown];
        for (i, a) in order.iter().enumerate() {
            for (j, b) in order.iter().enumerate() {
                assert_eq!(b.is_worse_than(*a), j > i, "{b} worse than {a}");
            }
        }
        assert_eq!(HealthStatusCode::ALL, order);
    }

    #[test]
    fn parses_exact_names_only() {
        assert_eq!("Degraded".parse(), Ok(HealthStatusCode::Degraded));
        assert!("degraded".parse::<HealthStatusCode>().is_err());
        assert!("".parse::<HealthStatusCode>().is_err());
        for c in HealthStatusCode::ALL {
            assert_eq!(c.as_str().parse(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
        }
    }
}
