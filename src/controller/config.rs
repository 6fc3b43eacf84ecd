//! The controller's configuration, validated once from its flags: where Argo CD's
//! Applications live, which extra namespaces may hold requests, defaults.

use std::time::Duration;

/// What the controller is allowed to do and its defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// The namespace of Argo CD's Applications (`argocd`).
    pub argocd_namespace: String,
    /// Namespaces other than an Application's destination namespace from which requests
    /// for it are accepted (trust rule: empty by default).
    pub extra_request_namespaces: Vec<String>,
    /// The deadline of a request that sets none, counted from its creation.
    pub default_deadline: Duration,
    /// How many records of an app are kept (never one Argo CD's history still lists).
    pub keep_records: usize,
    /// How long a synced release may take to roll out before its record is marked
    /// `Verified: False`.
    pub verify_timeout: Duration,
    /// The name events and logs give the controller.
    pub controller_name: String,
    /// The Prometheus addresses RollbackPolicies may query (`--prometheus-allow`); a
    /// policy naming any other is refused.
    pub prometheus_allow: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            argocd_namespace: "argocd".into(),
            extra_request_namespaces: Vec::new(),
            default_deadline: Duration::from_secs(600),
            keep_records: 20,
            verify_timeout: Duration::from_secs(600),
            controller_name: "rollpin-controller".into(),
            prometheus_allow: Vec::new(),
        }
    }
}

/// Parses a Go-style duration: `90s`, `10m`, `1h30m`, `500ms` (units h, m, s, ms).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let err = || format!("invalid duration {text:?}: write it like 30s, 10m or 1h30m");
    let mut total = Duration::ZERO;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(err());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(err());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| err())?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let d = match &rest[..unit] {
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "s" => Duration::from_secs(n),
            "ms" => Duration::from_millis(n),
            _ => return Err(err()),
        };
        total = total.saturating_add(d);
        rest = &rest[unit..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        for bad in ["", "10", "m", "1d", "-5s", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
