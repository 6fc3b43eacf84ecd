//! The image, emulated (no container engine runs here): the static release binary
//! (`ROLLPIN_STATIC_BINARY`, built by `.ci/run` with the Dockerfile's cargo command) and
//! plugin.yaml are laid out in an empty directory tree at the paths the Dockerfile's
//! final stage copies them to, and the plugin's generate command runs there as Argo CD's
//! sidecar runs it: chroot into the tree (`unshare --root`), a read-only root with no
//! libraries and no `/etc`, a writable tmpfs `/tmp` holding the checkout, uid/gid 999,
//! only Argo CD's environment. Its output must be the normal render's bytes. A second
//! tree adds the files kubelet mounts into every container (`/etc/hosts`,
//! `/etc/resolv.conf`) and checks that the static binary resolves a host name from them
//! (the controller's Prometheus address).
//!
//! Without `ROLLPIN_STATIC_BINARY`, or without root and `unshare`, the tests say
//! "skipped: …" on stderr (past the harness' capture) and pass — except under CI (`CI`
//! set and not empty), where they fail.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::manifest_dir;

/// The static binary, or why the emulation cannot run.
fn static_binary() -> Result<PathBuf, String> {
    let path = std::env::var_os("ROLLPIN_STATIC_BINARY")
        .map(PathBuf::from)
        .ok_or("ROLLPIN_STATIC_BINARY is not set (.ci/run builds the static binary and sets it)")?;
    if !path.is_file() {
        return Err(format!(
            "ROLLPIN_STATIC_BINARY={} is not a file",
            path.display()
        ));
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("id -u: {e}"))?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Err("not root (chroot and mounts need it)".into());
    }
    Command::new("unshare")
        .arg("--version")
        .output()
        .map_err(|e| format!("unshare: {e}"))?;
    Ok(path)
}

/// Runs `test` with the static binary, or says why it is skipped (failing under CI).
fn with_static_binary(name: &str, test: impl FnOnce(&Path)) {
    match static_binary() {
        Ok(bin) => test(&bin),
        Err(why) if under_ci() => panic!("{name}: cannot run under CI: {why}"),
        Err(why) => skipped(&format!("{name}: {why}")),
    }
}

/// Whether CI runs the tests (`.ci/run` runs with `CI=true`).
fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Says a check was skipped on the real stderr (not captured by the test harness).
fn skipped(what: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {what}");
}

/// Whether an ELF file asks for a program interpreter (a dynamic loader): a static
/// binary has no `PT_INTERP` program header.
fn has_interpreter(elf: &[u8]) -> bool {
    assert_eq!(&elf[..4], b"\x7fELF", "an ELF file");
    assert_eq!(elf[4], 2, "64-bit");
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(elf[o..o + 4].try_into().expect("4 bytes"));
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().expect("8 bytes"));
    let (phoff, phentsize, phnum) = (u64_at(0x20) as usize, u16_at(0x36), u16_at(0x38));
    (0..phnum).any(|i| u32_at(phoff + i * phentsize) == 3)
}

/// `COPY <from> <to>` and `ENV PATH=` of the Dockerfile's final stage.
struct FinalStage {
    binary_to: String,
    plugin_to: String,
    path: String,
    user: String,
}

fn final_stage() -> FinalStage {
    let dockerfile =
        std::fs::read_to_string(manifest_dir().join("Dockerfile")).expect("Dockerfile");
    let stage = dockerfile.rsplit("\nFROM ").next().expect("a final stage");
    let mut f = FinalStage {
        binary_to: String::new(),
        plugin_to: String::new(),
        path: String::new(),
        user: String::new(),
    };
    for line in stage.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["COPY", "--from=build", from, to] if from.ends_with("/release/rollpin") => {
                f.binary_to = to.to_string();
            }
            ["COPY", "plugin.yaml", to] => f.plugin_to = to.to_string(),
            ["ENV", env] if env.starts_with("PATH=") => f.path = env[5..].to_string(),
            ["USER", user] => f.user = user.to_string(),
            _ => {}
        }
    }
    f
}

/// The image's files in an otherwise empty tree (plus `extra` files, e.g. kubelet's).
fn image_tree(bin: &Path, extra: &[(&str, &str)]) -> tempfile::TempDir {
    let stage = final_stage();
    assert_eq!(
        stage.user, "999:999",
        "the image runs as Argo CD's plugin user"
    );
    let root = tempfile::tempdir().expect("tempdir");
    let put = |to: &str, from: &Path, mode: u32| {
        let dest = root.path().join(to.trim_start_matches('/'));
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from, &dest).expect("copy");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    put(&stage.binary_to, bin, 0o755);
    put(&stage.plugin_to, &manifest_dir().join("plugin.yaml"), 0o644);
    std::fs::create_dir_all(root.path().join("tmp")).expect("mkdir /tmp");
    for (to, text) in extra {
        let dest = root.path().join(to.trim_start_matches('/'));
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::write(dest, text).expect("write");
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    root
}

/// Runs `argv` (resolved through the image's PATH) in `root` as the sidecar does: a
/// mount namespace with `root` bind-mounted read-only, a tmpfs on its `/tmp` holding
/// `copy_in` (host path → path under /tmp), chroot, working directory `wd`, uid/gid 999,
/// only `env`.
fn run_in_image(
    root: &Path,
    copy_in: &[(PathBuf, &str)],
    wd: &str,
    env: &[(&str, &str)],
    argv: &[&str],
) -> Output {
    let stage = final_stage();
    let mut script = String::from(
        "set -e\nmount --bind \"$R\" \"$R\"\nmount -o remount,bind,ro \"$R\"\n\
         mount -t tmpfs -o mode=1777 tmpfs \"$R/tmp\"\n",
    );
    for (i, (from, to)) in copy_in.iter().enumerate() {
        script.push_str(&format!(
            "mkdir -p \"$(dirname \"$R/tmp/{to}\")\"\ncp -r \"$SRC{i}\" \"$R/tmp/{to}\"\n"
        ));
        let _ = from;
    }
    script.push_str(
        "if touch \"$R/probe\" 2>/dev/null; then echo 'root is writable' >&2; exit 97; fi\n",
    );
    script.push_str("exec env -i \"$@\"\n");
    let mut cmd = Command::new("unshare");
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "--fork",
        "--",
        "/bin/sh",
        "-c",
    ])
    .arg(&script)
    .arg("sh");
    cmd.arg(format!("PATH={}", stage.path));
    for (k, v) in env {
        cmd.arg(format!("{k}={v}"));
    }
    let unshare = which("unshare");
    cmd.arg(unshare)
        .arg(format!("--root={}", root.display()))
        .arg(format!("--wd={wd}"))
        .args(["--setgid", "999", "--setuid", "999", "--"])
        .args(argv);
    cmd.env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("R", root);
    for (i, (from, _)) in copy_in.iter().enumerate() {
        cmd.env(format!("SRC{i}"), from);
    }
    cmd.output().expect("run unshare")
}

fn which(tool: &str) -> String {
    for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        let p = Path::new(dir).join(tool);
        if p.is_file() {
            return p.display().to_string();
        }
    }
    panic!("{tool} not found")
}

/// The generate command from the image's plugin.yaml.
fn generate_argv(root: &Path) -> Vec<String> {
    let stage = final_stage();
    let text = std::fs::read_to_string(root.join(stage.plugin_to.trim_start_matches('/')))
        .expect("plugin.yaml in the image");
    let v =
        &rollpin::yaml::parse_stream(&text, rollpin::yaml::Schema::Kyaml).expect("parses")[0].value;
    ["command", "args"]
        .iter()
        .flat_map(|k| {
            v["spec"]["generate"][*k]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

const APP_ENV: [(&str, &str); 6] = [
    ("HOME", "/home/argocd"),
    ("ARGOCD_APP_NAME", "storefront-prod"),
    ("ARGOCD_APP_NAMESPACE", "storefront"),
    (
        "ARGOCD_APP_REVISION",
        "5e2d1f0c9b8a7f6e5d4c3b2a19081726354a3b2c",
    ),
    ("ARGOCD_APP_REVISION_SHORT", "5e2d1f0"),
    ("ARGOCD_APP_SOURCE_PATH", "overlays/production"),
];

#[test]
fn static_binary_renders_in_the_image_as_it_does_outside() {
    with_static_binary("image render", |bin| {
        let elf = std::fs::read(bin).expect("read binary");
        assert!(
            !has_interpreter(&elf),
            "{} is dynamically linked",
            bin.display()
        );
        let root = image_tree(bin, &[]);
        assert!(!root.path().join("etc").exists() && !root.path().join("lib").exists());
        let argv = generate_argv(root.path());
        assert_eq!(argv, ["rollpin", "render"]);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let checkout = "_cmp_server/4f0c9a/repo";
        let copy = [(manifest_dir().join("examples"), checkout)];
        let wd = format!("/tmp/{checkout}/overlays/production");
        let params: [(&str, &str); 2] = [
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[{"name":"namePrefix","string":"img-"},{"name":"release-record","string":"true"}]"#,
            ),
            ("PARAM_NAMEPREFIX", "img-"),
        ];
        for extra in [&[][..], &params[..]] {
            let env: Vec<(&str, &str)> = APP_ENV.iter().chain(extra).copied().collect();
            let image = run_in_image(root.path(), &copy, &wd, &env, &argv);
            assert!(
                image.status.success(),
                "in the image: {}",
                String::from_utf8_lossy(&image.stderr)
            );
            // The same command outside, with the test binary, on the same checkout.
            let outside = tempfile::tempdir().expect("tempdir");
            crate::util::copy_dir(
                &manifest_dir().join("examples"),
                &outside.path().join(checkout),
            );
            let normal = Command::new(env!("CARGO_BIN_EXE_rollpin"))
                .arg("render")
                .current_dir(outside.path().join(checkout).join("overlays/production"))
                .env_clear()
                .envs(env.iter().copied())
                .output()
                .expect("run rollpin");
            assert!(normal.status.success());
            assert!(
                image.stdout == normal.stdout,
                "the image prints the same bytes"
            );
            if extra.is_empty() {
                let recorded =
                    std::fs::read(manifest_dir().join("fixtures/examples/production.yaml"))
                        .expect("recorded");
                assert!(image.stdout == recorded, "kubectl kustomize's bytes");
            }
        }
        // mimalloc, the global allocator, is linked in and initialises statically.
        let env: Vec<(&str, &str)> = APP_ENV
            .iter()
            .copied()
            .chain([("MIMALLOC_VERBOSE", "1")])
            .collect();
        let verbose = run_in_image(root.path(), &copy, &wd, &env, &argv);
        assert!(verbose.status.success());
        assert!(
            String::from_utf8_lossy(&verbose.stderr).starts_with("mimalloc: v"),
            "mimalloc is the allocator: {}",
            String::from_utf8_lossy(&verbose.stderr)
        );
        // A render error: message on stderr, nothing on stdout, exit 1.
        let env: Vec<(&str, &str)> = APP_ENV
            .iter()
            .copied()
            .chain([("PARAM_REORDER", "sideways")])
            .collect();
        let bad = run_in_image(root.path(), &copy, &wd, &env, &argv);
        assert_eq!(bad.status.code(), Some(1));
        assert!(bad.stdout.is_empty());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("parameter 'reorder'"));
    });
}

/// A one-shot Prometheus stand-in: accepts one connection, answers an empty vector, and
/// returns the request's head.
fn prometheus_stub() -> (u16, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("a connection");
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).unwrap_or(0);
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    (port, handle)
}

/// The loopback address the DNS stand-in listens on (port 53: resolv.conf has no ports).
const DNS_ADDR: &str = "127.0.0.42";

/// A DNS stand-in on `DNS_ADDR:53` until it has been idle for `secs` seconds: an A query for `name` gets
/// 127.0.0.1, any other A query NXDOMAIN, other types an empty answer. Returns the names
/// asked for A records.
fn dns_stub(
    name: &'static str,
    secs: u64,
) -> std::io::Result<std::thread::JoinHandle<Vec<String>>> {
    let sock = std::net::UdpSocket::bind((DNS_ADDR, 53))?;
    sock.set_read_timeout(Some(std::time::Duration::from_secs(secs)))?;
    Ok(std::thread::spawn(move || {
        let mut asked = Vec::new();
        let mut buf = [0u8; 512];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let q = &buf[..n];
            let mut i = 12;
            let mut labels = Vec::new();
            while i < n && q[i] != 0 {
                let l = q[i] as usize;
                labels.push(String::from_utf8_lossy(&q[i + 1..i + 1 + l]).into_owned());
                i += 1 + l;
            }
            let qtype = u16::from_be_bytes([q[i + 1], q[i + 2]]);
            let question = &q[12..i + 5];
            let asked_name = labels.join(".");
            let hit = qtype == 1 && asked_name == name;
            let rcode = if qtype == 1 && !hit { 3 } else { 0 };
            let mut resp = Vec::new();
            resp.extend_from_slice(&q[..2]);
            resp.extend_from_slice(&(0x8180u16 | rcode).to_be_bytes());
            resp.extend_from_slice(&[0, 1, 0, u8::from(hit), 0, 0, 0, 0]);
            resp.extend_from_slice(question);
            if hit {
                resp.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 127, 0, 0, 1]);
            }
            if qtype == 1 {
                asked.push(asked_name);
            }
            let _ = sock.send_to(&resp, from);
        }
        asked
    }))
}

/// `rollpin slo check --prometheus http://HOST:PORT` in the image tree `root`.
fn slo_check_in_image(root: &Path, host: &str, port: u16) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "apiVersion: rollpin.dev/v1alpha1\nkind: RollbackPolicy\nmetadata:\n  name: p\n  \
         namespace: shop\nspec:\n  app: shop\n  bakeTime: 0s\n  metrics:\n  - name: up\n    \
         interval: 1m\n    successCondition: len(result) == 0\n    provider:\n      \
         prometheus:\n        address: http://prometheus.invalid:9090\n        query: up\n",
    )
    .expect("write policy");
    let url = format!("http://{host}:{port}");
    run_in_image(
        root,
        &[(policy, "policy.yaml")],
        "/tmp",
        &[("HOME", "/home/argocd")],
        &[
            "rollpin",
            "slo",
            "check",
            "/tmp/policy.yaml",
            "--prometheus",
            &url,
        ],
    )
}

/// Whether `rollpin slo check` in `root` reached the stand-in Prometheus at `host`.
fn reaches(root: &Path, host: &str) -> Result<(), String> {
    let (port, server) = prometheus_stub();
    let out = slo_check_in_image(root, host, port);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if stderr.contains("resolving") {
        // Unblock the stand-in, which is still waiting for a connection.
        let _ = std::net::TcpStream::connect(("127.0.0.1", port));
        let _ = server.join();
        return Err(stderr);
    }
    let request = server.join().expect("server thread");
    assert!(request.starts_with("GET /api/v1/query"), "{request}");
    assert!(
        request.contains(&format!("Host: {host}:{port}")),
        "{request}"
    );
    Ok(())
}

#[test]
fn static_binary_resolves_host_names_from_kubelet_s_etc_files() {
    with_static_binary("image name lookup", |bin| {
        let fqdn = "prometheus-operated.monitoring.svc.cluster.local";
        let dns = match dns_stub(fqdn, 5) {
            Ok(dns) => dns,
            Err(e) if under_ci() => {
                panic!("cannot listen on {DNS_ADDR}:53 for the DNS check: {e}")
            }
            Err(e) => {
                skipped(&format!(
                    "image name lookup: cannot listen on {DNS_ADDR}:53: {e}"
                ));
                return;
            }
        };
        // /etc/hosts as kubelet writes it (the pod's own entries and hostAliases) and
        // resolv.conf for a pod in namespace argocd (dnsPolicy ClusterFirst).
        let alias = "metrics.example.internal";
        let hosts = format!("127.0.0.1\tlocalhost\n127.0.0.1\t{alias}\n");
        let resolv = format!(
            "search argocd.svc.cluster.local svc.cluster.local cluster.local\n\
             nameserver {DNS_ADDR}\noptions ndots:5 timeout:1 attempts:1\n"
        );
        let kubelet = [
            ("/etc/hosts", hosts.as_str()),
            ("/etc/resolv.conf", resolv.as_str()),
        ];
        // The distroless base's /etc/nsswitch.conf order: files, then DNS.
        let mut with_nsswitch = kubelet.to_vec();
        with_nsswitch.push(("/etc/nsswitch.conf", "hosts: files dns\n"));
        let image = image_tree(bin, &with_nsswitch);
        // Cluster DNS: the controller's short Service name, through the search list.
        reaches(image.path(), "prometheus-operated.monitoring.svc").expect("DNS lookup");
        // /etc/hosts first, though DNS answers NXDOMAIN for the name.
        reaches(image.path(), alias).expect("/etc/hosts lookup");
        // Without nsswitch.conf (a scratch image) both work too: glibc's built-in default
        // looks in /etc/hosts before asking DNS.
        let scratch = image_tree(bin, &kubelet);
        reaches(scratch.path(), "prometheus-operated.monitoring.svc").expect("DNS lookup");
        reaches(scratch.path(), alias).expect("/etc/hosts lookup");
        let asked = dns.join().expect("dns thread");
        assert!(
            asked.iter().any(|n| n == fqdn),
            "the search list was used: {asked:?}"
        );
        assert!(
            !asked.iter().any(|n| n.starts_with(alias)),
            "/etc/hosts answers before DNS is asked: {asked:?}"
        );
    });
}

/// `.ci/run` builds the binary the image tests run with the Dockerfile's own command.
#[test]
fn ci_builds_the_static_binary_as_the_dockerfile_does() {
    let flat = |rel: &str| {
        let text = std::fs::read_to_string(manifest_dir().join(rel)).expect(rel);
        text.replace("\\\n", " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let command = "RUSTFLAGS=\"-C target-feature=+crt-static\" cargo build --release --locked \
                   --target x86_64-unknown-linux-gnu --bin rollpin";
    assert!(
        flat("Dockerfile").contains(&format!("RUN {command}")),
        "Dockerfile"
    );
    assert!(flat(".ci/run").contains(command), ".ci/run");
    assert!(flat(".ci/run").contains(
        "export ROLLPIN_STATIC_BINARY=\"$PWD/target/x86_64-unknown-linux-gnu/release/rollpin\" cargo test"
    ));
    let stage = final_stage();
    assert_eq!(stage.binary_to, "/usr/local/bin/rollpin");
    assert!(
        stage.path.split(':').any(|d| d == "/usr/local/bin"),
        "rollpin is on PATH"
    );
}
