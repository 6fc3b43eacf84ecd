//! A Prometheus for tests: finding the binaries, the deterministic data set, starting a
//! server on a free 127.0.0.1 port with a temporary TSDB (stopped by its process id when
//! dropped), and a tiny exporter for it to scrape. Waiting is polling with a bound, never
//! a sleep whose length is asserted.

use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rollpin::health::Timestamp;
use rollpin::slo::http::{self, HttpUrl};

/// 2026-01-01T00:00:00Z, the sync of every release in the data set.
pub const T0: i64 = 1_767_225_600;

/// T0 plus `s` seconds.
pub fn at(s: i64) -> Timestamp {
    Timestamp::from_second(T0 + s).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The `prometheus` and `promtool` binaries.
pub struct Tools {
    prometheus: PathBuf,
    promtool: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The binaries, or `None` after telling the terminal (past the harness' capture) that
/// the test is skipped.
pub fn tools() -> Option<Tools> {
    match (on_path("prometheus"), on_path("promtool")) {
        (Some(prometheus), Some(promtool)) => Some(Tools {
            prometheus,
            promtool,
        }),
        _ => {
            let _ = writeln!(std::io::stderr(), "skipped: prometheus not installed");
            None
        }
    }
}

/// The regime of a release in the minute that ends at or after `t`: errors per second
/// out of 100 requests per second.
fn errors_per_second(release: &str, t: i64) -> i64 {
    let minute = (t - T0 + 59).div_euclid(60);
    let bad = match release {
        "jump" => minute >= 4,
        "flap" => minute.rem_euclid(2) == 1,
        _ => false,
    };
    if bad { 20 } else { 1 }
}

/// The data set in OpenMetrics text (see the test file's doc).
pub fn dataset() -> String {
    let times: Vec<i64> = (T0 - 300..=T0 + 900).step_by(15).collect();
    let mut out =
        String::from("# HELP app_requests Requests served.\n# TYPE app_requests counter\n");
    for release in ["good", "jump", "flap"] {
        for code in ["ok", "error"] {
            let mut value = 0;
            for (i, &t) in times.iter().enumerate() {
                if i > 0 {
                    let errors = errors_per_second(release, t);
                    let per_second = if code == "error" {
                        errors
                    } else {
                        100 - errors
                    };
                    value += 15 * per_second;
                }
                out.push_str(&format!(
                    "app_requests_total{{release=\"{release}\",code=\"{code}\"}} {value} {t}\n"
                ));
            }
        }
    }
    out.push_str(
        "# HELP app_latency_p99_seconds p99 latency.\n# TYPE app_latency_p99_seconds gauge\n",
    );
    for &t in &times {
        out.push_str(&format!(
            "app_latency_p99_seconds{{release=\"good\"}} 0.25 {t}\n"
        ));
    }
    out.push_str("# EOF\n");
    out
}

/// A running Prometheus.
pub struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

impl Server {
    /// Loads `openmetrics` (if any) into a new TSDB, then starts Prometheus on it,
    /// scraping `scrape` (host:port) every second when given; returns once it is ready.
    pub fn start(tools: &Tools, openmetrics: Option<&str>, scrape: Option<&str>) -> Server {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let tsdb = dir.path().join("tsdb");
        if let Some(data) = openmetrics {
            let file = dir.path().join("data.om");
            std::fs::write(&file, data).unwrap_or_else(|e| panic!("writing data: {e}"));
            let out = Command::new(&tools.promtool)
                .args(["tsdb", "create-blocks-from", "openmetrics"])
                .arg(&file)
                .arg(&tsdb)
                .output()
                .unwrap_or_else(|e| panic!("promtool: {e}"));
            assert!(
                out.status.success(),
                "promtool: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut config =
            String::from("global:\n  scrape_interval: 1s\n  evaluation_interval: 1m\n");
        if let Some(target) = scrape {
            config.push_str(&format!(
                "scrape_configs:\n- job_name: exporter\n  scrape_interval: 1s\n  static_configs:\n  - targets: ['{target}']\n"
            ));
        }
        let config_file = dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).unwrap_or_else(|e| panic!("config: {e}"));
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log"))
            .unwrap_or_else(|e| panic!("log: {e}"));
        let child = Command::new(&tools.prometheus)
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!("--storage.tsdb.path={}", tsdb.display()))
            .arg("--storage.tsdb.retention.time=100y")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting prometheus: {e}"));
        let server = Server { child, port, dir };
        server.poll("prometheus to be ready", |s| {
            s.get("/-/ready").is_some_and(|r| r.status == 200)
        });
        server
    }

    /// `http://127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The temporary directory (policies go there too).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn get(&self, path: &str) -> Option<http::Response> {
        let url = HttpUrl::parse(&self.address()).ok()?;
        http::get(&url, path, &[], Duration::from_secs(5)).ok()
    }

    /// Polls `done` until it holds; panics with the server's log after 90 seconds.
    fn poll(&self, what: &str, done: impl Fn(&Server) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if done(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log =
            std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default();
        panic!("timed out waiting for {what}; prometheus log:\n{log}");
    }

    /// Waits until the instant query `query` (now) shows `shown` (`[0.3]`).
    pub fn wait_for_value(&self, query: &str, shown: &str) {
        let path = format!("/api/v1/query?query={}", http::encode_query_value(query));
        self.poll(&format!("{query} = {shown}"), |s| {
            s.get(&path)
                .and_then(|r| rollpin::slo::prometheus::parse_response(&r).ok())
                .is_some_and(|r| r.value.display() == shown)
        });
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a policy file into the server's directory.
pub fn policy_file(server: &Server, name: &str, yaml: &str) -> PathBuf {
    let path = server.dir().join(name);
    std::fs::write(&path, yaml).unwrap_or_else(|e| panic!("{name}: {e}"));
    path
}

/// A `/metrics` endpoint with one gauge, `live_error_ratio`, served on its own thread.
pub struct Exporter {
    port: u16,
    value: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Exporter {
    /// Starts serving `value`.
    pub fn start(value: f64) -> Exporter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let _ = listener.set_nonblocking(true);
        let shared = Arc::new(AtomicU64::new(value.to_bits()));
        let stop = Arc::new(AtomicBool::new(false));
        let (v, s) = (shared.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                let body = format!(
                    "# TYPE live_error_ratio gauge\nlive_error_ratio {}\n",
                    f64::from_bits(v.load(Ordering::Relaxed))
                );
                let _ = (&stream).write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
            }
        });
        Exporter {
            port,
            value: shared,
            stop,
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:<port>`, for the scrape config.
    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Changes the value served.
    pub fn set(&self, value: f64) {
        self.value.store(value.to_bits(), Ordering::Relaxed);
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
