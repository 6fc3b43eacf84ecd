//! URL parsing and response reading of the minimal HTTP client.

use super::*;

fn url() -> HttpUrl {
    HttpUrl {
        host: "prom".to_string(),
        port: 9090,
        path: String::new(),
    }
}

#[test]
fn parses_plain_http_urls() {
    let rows: &[(&str, &str, u16, &str)] = &[
        ("http://prom:9090", "prom", 9090, ""),
        ("http://Prom.Monitoring/", "prom.monitoring", 80, ""),
        ("http://prom:9090/thanos/", "prom", 9090, "/thanos"),
        ("http://10.0.0.1:9090", "10.0.0.1", 9090, ""),
        ("http://[::1]:9090/x", "[::1]", 9090, "/x"),
        ("HTTP://prom.:80", "prom", 80, ""),
    ];
    for (text, host, port, path) in rows {
        let u = HttpUrl::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            (*host, *port, *path),
            "{text}"
        );
    }
    assert_eq!(
        HttpUrl::parse("http://prom/a/").map(|u| u.canonical()).ok(),
        Some("http://prom:80/a".to_string())
    );
}

#[test]
fn refuses_what_is_not_plain_http() {
    let rows: &[(&str, &str)] = &[
        ("https://prom:9090", "https is not supported"),
        ("prom:9090", "expected http://"),
        ("http://a@prom:9090", "user information"),
        ("http://prom:9090/../x", "path segments"),
        ("http://prom:9090/%2e%2e", "percent-encoded"),
        ("http://prom:9090/a?b", "queries"),
        ("http://prom:", "invalid port"),
        ("http://prom:-1", "invalid port"),
        ("http://prom:65536", "port out of range"),
        ("http://[::1", "unclosed IPv6"),
        ("http://pr*om", "DNS name"),
        ("http://", "no host"),
    ];
    for (text, why) in rows {
        match HttpUrl::parse(text) {
            Ok(u) => panic!("{text} parsed as {u:?}"),
            Err(e) => assert!(e.to_string().contains(why), "{text}: {e}"),
        }
    }
}

fn read(raw: &str) -> Result<Response, String> {
    read_response(raw.as_bytes(), &url()).map_err(|e| e.to_string())
}

#[test]
fn reads_bodies_by_length_chunks_or_close() {
    let by_length = read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more");
    assert_eq!(by_length.map(|r| r.body), Ok(b"hello".to_vec()));
    let chunked = read(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    );
    assert_eq!(chunked.map(|r| r.body), Ok(b"abcde".to_vec()));
    let to_close = read("HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nnope");
    assert_eq!(to_close.clone().map(|r| r.status), Ok(404));
    assert_eq!(to_close.map(|r| r.body), Ok(b"nope".to_vec()));
    let redirect = read(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(
        redirect.map(|r| r.location),
        Ok(Some("/elsewhere".to_string()))
    );
}

#[test]
fn refuses_malformed_responses() {
    let rows: &[(&str, &str)] = &[
        ("", "truncated"),
        ("SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x status line"),
        ("HTTP/1.1 2x0 OK\r\n\r\n", "bad status code"),
        ("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "bad header line"),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "bad Content-Length",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
            "body larger than",
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "bad chunk size",
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
            "CRLF",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            "reading from prom:9090",
        ),
    ];
    for (raw, why) in rows {
        match read(raw) {
            Ok(r) => panic!("{raw:?} read as {r:?}"),
            Err(e) => assert!(e.contains(why), "{raw:?}: {e}"),
        }
    }
    let many: String = (0..=MAX_HEADERS + 1)
        .map(|i| format!("X-{i}: y\r\n"))
        .collect();
    let e = read(&format!("HTTP/1.1 200 OK\r\n{many}\r\n"));
    assert!(e.is_err_and(|e| e.contains("too many headers")));
}

#[test]
fn encodes_query_values() {
    assert_eq!(encode_query_value("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    assert_eq!(encode_query_value("rate(x[5m])"), "rate%28x%5B5m%5D%29");
}
