//! The Prometheus provider against canned answers and a one-shot local HTTP server.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

use super::*;
use crate::slo::types::{HeadersFrom, PrometheusSpec, ProviderSpec, SecretRef};

fn response(status: u16, body: &str) -> http::Response {
    http::Response {
        status,
        location: None,
        body: body.as_bytes().to_vec(),
    }
}

fn value_of(body: &str) -> Result<MetricValue, String> {
    parse_response(&response(200, body))
        .map(|r| r.value)
        .map_err(|e| e.to_string())
}

#[test]
fn binds_results_as_argo_rollouts_does() {
    let rows: &[(&str, Result<MetricValue, String>)] = &[
        (
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.25"]}}"#,
            Ok(MetricValue::Scalar(0.25)),
        ),
        (
            r#"{"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"pod":"b"},"value":[1700000000,"0.5"]},
                {"metric":{"pod":"a"},"value":[1700000000,"0.01"]}]}}"#,
            Ok(MetricValue::List(vec![0.5, 0.01])),
        ),
        (
            r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
            Ok(MetricValue::List(vec![])),
        ),
        (
            r#"{"status":"success","data":{"resultType":"matrix","result":[
                {"metric":{},"values":[[1,"1"],[2,"2"]]},
                {"metric":{},"values":[[1,"3"]]}]}}"#,
            Ok(MetricValue::List(vec![1.0, 2.0, 3.0])),
        ),
        (
            r#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#,
            Err("Prometheus metric type not supported".to_string()),
        ),
        (
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{}]}]}}"#,
            Err("Prometheus native histogram samples are not supported".to_string()),
        ),
        (
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}"#,
            Err("unexpected Prometheus response: sample value \"abc\" is not a number".to_string()),
        ),
    ];
    for (body, want) in rows {
        assert_eq!(&value_of(body), want, "{body}");
    }
    let special = value_of(
        r#"{"status":"success","data":{"resultType":"vector","result":[
            {"value":[1,"NaN"]},{"value":[1,"+Inf"]},{"value":[1,"-Inf"]},{"value":[1,"1e-05"]}]}}"#,
    );
    let Ok(MetricValue::List(v)) = special else {
        panic!("{special:?}")
    };
    assert!(v[0].is_nan());
    assert_eq!(v[1..], [f64::INFINITY, f64::NEG_INFINITY, 1e-5]);
}

#[test]
fn reads_the_error_envelope_and_warnings() {
    let e = parse_response(&response(
        400,
        r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error"}"#,
    ));
    assert_eq!(
        e.map_err(|e| e.to_string()),
        Err(
            "Prometheus query failed (bad_data): invalid parameter \"query\": 1:5: parse error"
                .to_string()
        )
    );
    let e = parse_response(&response(502, "<html>Bad Gateway</html>"));
    assert_eq!(
        e.map_err(|e| e.to_string()),
        Err("Prometheus answered HTTP 502: <html>Bad Gateway</html>".to_string())
    );
    let e = parse_response(&http::Response {
        status: 302,
        location: Some("http://evil:80/".to_string()),
        body: Vec::new(),
    });
    assert!(matches!(
        e,
        Err(ProviderError::Redirect { status: 302, .. })
    ));
    let ok = parse_response(&response(
        200,
        r#"{"status":"success","warnings":["w1"],"infos":["i1"],"data":{"resultType":"scalar","result":[1,"2"]}}"#,
    ));
    assert_eq!(ok.map(|r| r.warnings).unwrap_or_default(), ["w1", "i1"]);
}

#[test]
fn query_path_carries_time_and_timeout() {
    let at = Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
    assert_eq!(
        query_path("sum(rate(x[5m])) > 0", at, Duration::from_secs(30)),
        "/api/v1/query?query=sum%28rate%28x%5B5m%5D%29%29%20%3E%200&time=1800000000&timeout=30"
    );
    let at = Timestamp::from_millisecond(1_800_000_000_250).unwrap_or(Timestamp::UNIX_EPOCH);
    assert_eq!(
        query_path("up", at, Duration::from_millis(1500)),
        "/api/v1/query?query=up&time=1800000000.250&timeout=1.500"
    );
}

/// Serves one connection with `answer`; returns the request head it received.
fn serve_once(answer: String) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let _ = listener.set_nonblocking(true);
    let handle = std::thread::spawn(move || {
        // Give up after ~10s without a connection, so that a failing test cannot hang.
        let mut accepted = None;
        for _ in 0..1000 {
            match listener.accept() {
                Ok((s, _)) => {
                    accepted = Some(s);
                    break;
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        }
        let Some(stream) = accepted else {
            return String::new();
        };
        let _ = stream.set_nonblocking(false);
        let mut reader = BufReader::new(&stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let _ = (&stream).write_all(answer.as_bytes());
        head
    });
    (format!("http://{addr}"), handle)
}

fn metric(address: &str) -> Metric {
    Metric {
        name: "m".to_string(),
        provider: ProviderSpec {
            prometheus: Some(PrometheusSpec {
                address: address.to_string(),
                query: "up".to_string(),
                timeout: Some("2s".to_string()),
                headers_from: Some(HeadersFrom {
                    secret_ref: SecretRef {
                        name: "prom-token".to_string(),
                    },
                }),
            }),
        },
        ..Metric::default()
    }
}

fn secrets() -> SecretHeaders {
    SecretHeaders::from([(
        "prom-token".to_string(),
        vec![("Authorization".to_string(), "Bearer t0k3n".to_string())],
    )])
}

#[test]
fn queries_over_http_with_chunked_answers_and_secret_headers() {
    let (a, b) = (
        r#"{"status":"success","data""#,
        r#":{"resultType":"scalar","result":[1,"0.125"]}}"#,
    );
    let (addr, server) = serve_once(format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    ));
    let allow = AllowList::from_urls(&[addr.as_str()]).unwrap_or_default();
    let p = Prometheus::restricted(allow, secrets());
    let at = Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
    let got = p.query(&metric(&addr), at).map(|r| r.value);
    let head = server.join().unwrap_or_default();
    assert_eq!(
        got.map_err(|e| e.to_string()),
        Ok(MetricValue::Scalar(0.125))
    );
    assert!(
        head.starts_with("GET /api/v1/query?query=up&time=1800000000&timeout=2 HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\nAuthorization: Bearer t0k3n\r\n"),
        "{head}"
    );
}

#[test]
fn redirects_are_not_followed() {
    let (addr, server) = serve_once(
        "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest\r\nContent-Length: 0\r\n\r\n"
            .to_string(),
    );
    let p = Prometheus {
        secrets: secrets(),
        ..Prometheus::unrestricted(Some(addr.clone()))
    };
    let e = p.query(&metric("http://ignored:1"), Timestamp::UNIX_EPOCH);
    let _ = server.join();
    assert_eq!(
        e.map_err(|e| e.to_string()),
        Err(
            "Prometheus answered HTTP 302 redirecting to \"http://169.254.169.254/latest\"; \
             redirects are not followed (use the final address)"
                .to_string()
        )
    );
}

#[test]
fn a_refused_address_makes_no_request() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let _ = listener.set_nonblocking(true);
    let p = Prometheus::restricted(
        AllowList::from_urls(&["http://prometheus.monitoring:9090"]).unwrap_or_default(),
        secrets(),
    );
    let e = p.query(&metric(&format!("http://{addr}")), Timestamp::UNIX_EPOCH);
    assert!(matches!(e, Err(ProviderError::NotAllowed(_))), "{e:?}");
    assert!(listener.accept().is_err(), "a connection was made");
    let e = p.query(
        &metric(&format!("http://prometheus.monitoring:9090@{addr}")),
        Timestamp::UNIX_EPOCH,
    );
    assert!(matches!(e, Err(ProviderError::NotAllowed(_))), "{e:?}");
    assert!(listener.accept().is_err(), "a connection was made");
}

#[test]
fn a_missing_secret_or_bad_header_is_an_error() {
    let p = Prometheus::unrestricted(None);
    let e = p.query(&metric("http://127.0.0.1:1"), Timestamp::UNIX_EPOCH);
    assert!(
        matches!(e, Err(ProviderError::MissingSecret { .. })),
        "{e:?}"
    );
    let bad = SecretHeaders::from([(
        "prom-token".to_string(),
        vec![("X".to_string(), "a\r\nHost: evil".to_string())],
    )]);
    let p = Prometheus {
        secrets: bad,
        ..Prometheus::unrestricted(None)
    };
    let e = p.query(&metric("http://127.0.0.1:1"), Timestamp::UNIX_EPOCH);
    assert!(
        matches!(
            e,
            Err(ProviderError::Http(http::HttpError::BadHeader { .. }))
        ),
        "{e:?}"
    );
}
