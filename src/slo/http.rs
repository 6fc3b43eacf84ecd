//! A minimal synchronous HTTP/1.1 GET over `std::net::TcpStream`, for the Prometheus
//! provider: plain `http://` only (in-cluster Prometheus is plain HTTP; `https://` is
//! refused with a message saying so), no redirects followed (a 3xx is an error naming the
//! location), no proxy, no compression, a bounded body, timeouts on connect, read and
//! write. Bodies come as `Content-Length`, chunked, or up to the close.
//!
//! Why not an HTTP crate: see the README ("Automatic rollback on SLOs"): this adds no
//! dependency and no build time, and the controller runs it on a blocking thread.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The largest response body read (Prometheus answers for one query are far smaller).
pub const MAX_BODY_BYTES: usize = 16 << 20;
/// The largest status line or header line read.
const MAX_LINE_BYTES: usize = 16 << 10;
/// The most response header lines read.
const MAX_HEADERS: usize = 200;

/// An `http://host[:port][/path]` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// Lower-cased host name or IP literal (IPv6 with its brackets).
    pub host: String,
    /// Port (80 when not written).
    pub port: u16,
    /// Path without a trailing `/` (empty for the root).
    pub path: String,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The address is not a plain `http://host[:port][/path]` URL.
    #[error("invalid address {url:?}: {reason}")]
    Url {
        /// The address as written.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Connecting, writing or reading failed.
    #[error("{what} {host}:{port}")]
    Io {
        /// `connecting to`, `reading from`, …
        what: &'static str,
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The server's answer is not valid HTTP/1.x, or too large.
    #[error("bad response from {host}:{port}: {reason}")]
    Protocol {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// What is wrong.
        reason: String,
    },
    /// A header to send holds a character that would split the request.
    #[error("header {name:?} is not a valid HTTP header (name or value holds a control character)")]
    BadHeader {
        /// The header's name.
        name: String,
    },
}

impl HttpUrl {
    /// Parses an address. Refuses `https://` (with how to get around it), userinfo
    /// (`http://user@host`), queries, fragments and `..` path segments.
    pub fn parse(url: &str) -> Result<HttpUrl, HttpError> {
        let bad = |reason: &str| HttpError::Url {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("https://") {
            return Err(bad(
                "https is not supported: rollpin speaks plain HTTP to an in-cluster Prometheus \
                 (use its http:// Service address)",
            ));
        }
        let Some(rest) = lower.strip_prefix("http://").map(|_| &url[7..]) else {
            return Err(bad("expected http://host[:port][/path]"));
        };
        if rest.contains(['?', '#', '\\']) || rest.chars().any(|c| c.is_control() || c == ' ') {
            return Err(bad(
                "queries, fragments, backslashes and spaces are not allowed",
            ));
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if authority.contains('@') {
            return Err(bad("user information (user@host) is not allowed"));
        }
        if path.contains('%') {
            return Err(bad("percent-encoded paths are not allowed"));
        }
        if path.split('/').any(|seg| seg == ".." || seg == ".") {
            return Err(bad("'.' and '..' path segments are not allowed"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let Some((inside, after)) = v6.split_once(']') else {
                return Err(bad("unclosed IPv6 literal"));
            };
            (format!("[{}]", inside.to_ascii_lowercase()), after)
        } else {
            let (h, p) = authority.split_at(authority.find(':').unwrap_or(authority.len()));
            (h.to_ascii_lowercase(), p)
        };
        let host = host.trim_end_matches('.').to_string();
        if host.is_empty() || host == "[]" {
            return Err(bad("no host"));
        }
        if !host.starts_with('[')
            && !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
        {
            return Err(bad("the host holds characters a DNS name cannot"));
        }
        let port = match port.strip_prefix(':') {
            None if port.is_empty() => 80,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().map_err(|_| bad("port out of range"))?
            }
            _ => return Err(bad("invalid port")),
        };
        let mut path = path.to_string();
        while path.ends_with('/') {
            path.pop();
        }
        Ok(HttpUrl { host, port, path })
    }

    /// `http://host:port/path`, normalized.
    pub fn canonical(&self) -> String {
        format!("http://{}:{}{}", self.host, self.port, self.path)
    }
}

/// An HTTP response: status code and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `Location`, for a redirect.
    pub location: Option<String>,
    /// The body (at most [`MAX_BODY_BYTES`]).
    pub body: Vec<u8>,
}

/// Sends `GET <url.path><path_and_query>` with `headers` and reads the answer. Nothing
/// is followed: a redirect comes back as its 3xx response.
pub fn get(
    url: &HttpUrl,
    path_and_query: &str,
    headers: &[(String, String)],
    timeout: Duration,
) -> Result<Response, HttpError> {
    for (name, value) in headers {
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
        if !name_ok || value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return Err(HttpError::BadHeader { name: name.clone() });
        }
    }
    let io = |what: &'static str| {
        let (host, port) = (url.host.clone(), url.port);
        move |source| HttpError::Io {
            what,
            host,
            port,
            source,
        }
    };
    let host = url.host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<_> = (host, url.port)
        .to_socket_addrs()
        .map_err(io("resolving"))?
        .collect();
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let stream = stream.ok_or(last).map_err(io("connecting to"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(io("configuring the connection to"))?;
    let mut request = format!(
        "GET {}{} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: rollpin/{}\r\nAccept: application/json\r\nConnection: close\r\n",
        url.path,
        path_and_query,
        url.host,
        url.port,
        env!("CARGO_PKG_VERSION")
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    (&stream)
        .write_all(request.as_bytes())
        .map_err(io("writing to"))?;
    read_response(BufReader::new(stream), url)
}

fn read_line(r: &mut impl BufRead, url: &HttpUrl) -> Result<String, HttpError> {
    let mut line = Vec::new();
    r.take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|source| HttpError::Io {
            what: "reading from",
            host: url.host.clone(),
            port: url.port,
            source,
        })?;
    if line.len() > MAX_LINE_BYTES || !line.ends_with(b"\n") {
        return Err(protocol(url, "truncated or overlong line"));
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

fn protocol(url: &HttpUrl, reason: &str) -> HttpError {
    HttpError::Protocol {
        host: url.host.clone(),
        port: url.port,
        reason: reason.to_string(),
    }
}

/// Reads a status line, headers and body from `r`.
pub fn read_response(mut r: impl BufRead, url: &HttpUrl) -> Result<Response, HttpError> {
    let status_line = read_line(&mut r, url)?;
    let mut parts = status_line.splitn(3, ' ');
    let (version, code) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if !version.starts_with("HTTP/1.") || code.len() != 3 {
        return Err(protocol(
            url,
            &format!("not an HTTP/1.x status line: {status_line:?}"),
        ));
    }
    let status: u16 = code
        .parse()
        .map_err(|_| protocol(url, &format!("bad status code {code:?}")))?;
    let (mut length, mut chunked, mut location) = (None, false, None);
    for n in 0.. {
        if n > MAX_HEADERS {
            return Err(protocol(url, "too many headers"));
        }
        let line = read_line(&mut r, url)?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(protocol(url, &format!("bad header line {line:?}")));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| protocol(url, "bad Content-Length"))?,
                )
            }
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "location" => location = Some(value.to_string()),
            _ => {}
        }
    }
    let too_big = || protocol(url, &format!("body larger than {MAX_BODY_BYTES} bytes"));
    let read_err = |source| HttpError::Io {
        what: "reading from",
        host: url.host.clone(),
        port: url.port,
        source,
    };
    let mut body = Vec::new();
    if chunked {
        loop {
            let size_line = read_line(&mut r, url)?;
            let hex = size_line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(hex, 16)
                .map_err(|_| protocol(url, &format!("bad chunk size {hex:?}")))?;
            if size == 0 {
                break;
            }
            if body.len() + size > MAX_BODY_BYTES {
                return Err(too_big());
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..]).map_err(read_err)?;
            if !read_line(&mut r, url)?.is_empty() {
                return Err(protocol(url, "chunk not followed by CRLF"));
            }
        }
    } else if let Some(len) = length {
        if len > MAX_BODY_BYTES {
            return Err(too_big());
        }
        body.resize(len, 0);
        r.read_exact(&mut body).map_err(read_err)?;
    } else {
        r.take(MAX_BODY_BYTES as u64 + 1)
            .read_to_end(&mut body)
            .map_err(read_err)?;
        if body.len() > MAX_BODY_BYTES {
            return Err(too_big());
        }
    }
    Ok(Response {
        status,
        location,
        body,
    })
}

/// Percent-encodes a query parameter value (everything but RFC 3986's unreserved
/// characters).
pub fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
