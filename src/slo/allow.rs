//! The Prometheus allow-list (no SSRF): the controller queries only addresses its own
//! configuration names — `--prometheus-allow URL` (repeatable) or a ConfigMap key holding
//! one URL per line. An entry is scheme + host + port and an optional path prefix; a
//! policy naming any other address is refused (status condition and message) and no
//! request is made.
//!
//! Both sides go through [`HttpUrl::parse`], which refuses what could make two spellings
//! differ from what a client would reach: user information (`http://allowed@evil`),
//! `https`, `.`/`..` segments, percent-encoding, backslashes, queries. Hosts compare
//! exactly (lower case, trailing dot dropped), so `http://allowed.evil.com` is not
//! `http://allowed`; the port compares after defaulting to 80; a path prefix matches
//! whole segments (`/prom` allows `/prom/x`, not `/prometheus`). Redirects are never
//! followed (see [`super::http`]), so an allowed server cannot send the client elsewhere.
//!
//! `rollpin slo check` does not apply the list: the person running it chooses the address.

use super::http::{HttpError, HttpUrl};

/// The addresses the controller may query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<HttpUrl>,
}

/// Why an address may not be queried.
#[derive(Debug, thiserror::Error)]
pub enum AllowError {
    /// The address itself is malformed or not plain HTTP.
    #[error(transparent)]
    Invalid(#[from] HttpError),
    /// It is well-formed but not on the allow-list.
    #[error(
        "Prometheus address {address} is not on the controller's allow-list ({allowed}); \
         ask the cluster admin to add it (--prometheus-allow)"
    )]
    NotAllowed {
        /// The address, normalized.
        address: String,
        /// The list, normalized and joined (or "empty").
        allowed: String,
    },
}

impl AllowList {
    /// An allow-list from `--prometheus-allow` values.
    pub fn from_urls<S: AsRef<str>>(urls: &[S]) -> Result<AllowList, HttpError> {
        let entries = urls
            .iter()
            .map(|u| HttpUrl::parse(u.as_ref().trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AllowList { entries })
    }

    /// The entries, normalized.
    pub fn entries(&self) -> impl Iterator<Item = String> + '_ {
        self.entries.iter().map(HttpUrl::canonical)
    }

    /// Checks an address; the parsed address to query when allowed.
    pub fn check(&self, address: &str) -> Result<HttpUrl, AllowError> {
        let url = HttpUrl::parse(address.trim())?;
        let allowed = self.entries.iter().any(|e| {
            e.host == url.host
                && e.port == url.port
                && (e.path.is_empty()
                    || url.path == e.path
                    || url
                        .path
                        .strip_prefix(&e.path)
                        .is_some_and(|rest| rest.starts_with('/')))
        });
        if allowed {
            Ok(url)
        } else {
            let list: Vec<String> = self.entries().collect();
            Err(AllowError::NotAllowed {
                address: url.canonical(),
                allowed: if list.is_empty() {
                    "empty".to_string()
                } else {
                    list.join(", ")
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> AllowList {
        AllowList::from_urls(&[
            "http://prometheus.monitoring:9090",
            "http://thanos.monitoring.svc.cluster.local/prom",
        ])
        .unwrap_or_default()
    }

    #[test]
    fn allows_listed_addresses() {
        for ok in [
            "http://prometheus.monitoring:9090",
            "http://prometheus.monitoring:9090/",
            "HTTP://Prometheus.Monitoring:9090",
            "http://prometheus.monitoring.:9090",
            "http://thanos.monitoring.svc.cluster.local/prom",
            "http://thanos.monitoring.svc.cluster.local:80/prom/",
            "http://thanos.monitoring.svc.cluster.local/prom/tenant-a",
        ] {
            assert!(list().check(ok).is_ok(), "{ok} should be allowed");
        }
    }

    #[test]
    fn refuses_everything_else() {
        let cases: &[(&str, &str)] = &[
            (
                "http://prometheus.monitoring:9090@evil.example",
                "user information",
            ),
            (
                "http://prometheus.monitoring@evil.example:9090",
                "user information",
            ),
            (
                "http://user:pw@prometheus.monitoring:9090",
                "user information",
            ),
            (
                "http://prometheus.monitoring:9091",
                "not on the controller's allow-list",
            ),
            (
                "http://prometheus.monitoring",
                "not on the controller's allow-list",
            ),
            ("http://prometheus.monitoring.evil.com:9090", "not on the"),
            ("http://evilprometheus.monitoring:9090", "not on the"),
            (
                "http://thanos.monitoring.svc.cluster.local/prometheus",
                "not on the",
            ),
            ("http://thanos.monitoring.svc.cluster.local/", "not on the"),
            (
                "http://thanos.monitoring.svc.cluster.local/prom/../admin",
                "path segments",
            ),
            (
                "http://thanos.monitoring.svc.cluster.local/prom/%2e%2e/admin",
                "percent",
            ),
            (
                "http://thanos.monitoring.svc.cluster.local/prom\\..\\x",
                "backslashes",
            ),
            ("http://prometheus.monitoring:9090?x=http://evil", "queries"),
            ("http://prometheus.monitoring:9090#frag", "fragments"),
            (
                "https://prometheus.monitoring:9090",
                "https is not supported",
            ),
            ("ftp://prometheus.monitoring:9090", "expected http://"),
            ("prometheus.monitoring:9090", "expected http://"),
            ("http://prometheus.monitoring:9090x", "invalid port"),
            ("http://prometheus.monitoring:99999", "port out of range"),
            ("http://:9090", "no host"),
            ("http://prome theus:9090", "spaces"),
            ("http://127.0.0.1:9090", "not on the"),
            ("http://[::1]:9090", "not on the"),
        ];
        for (address, why) in cases {
            match list().check(address) {
                Ok(u) => panic!("{address} allowed as {u:?}"),
                Err(e) => assert!(e.to_string().contains(why), "{address}: {e}"),
            }
        }
    }

    #[test]
    fn an_empty_list_allows_nothing() {
        let e = AllowList::default().check("http://prometheus:9090");
        assert!(matches!(e, Err(AllowError::NotAllowed { ref allowed, .. }) if allowed == "empty"));
    }
}
