//! The hostile-input corpus (`fixtures/hostile/<case>/`): every case is rendered by the
//! built binary as Argo CD's sidecar would run it, and must end as its `expect` file says —
//! with a clear message, nothing on stdout on failure, no panic, and within a generous
//! bound (the child is killed past it: a bound, not a timing assertion).
//!
//! A case is an app tree plus:
//! - `expect`: `exit: zero|nonzero`, then any number of `stderr-contains: TEXT` and
//!   `stderr-lacks: TEXT` lines, optionally `build: DIR` (default `.`) and
//!   `limit-flags: --max-… N …` (extra flags for `rollpin render`);
//! - `symlinks` (optional): `PATH -> TARGET` lines (symlinks made at run time, inside a
//!   scratch copy of the case) and `fifo PATH` lines (FIFOs made at run time).
//!
//! The scratch copy is the repository root (`--root`); next to it lies `outside/`, a
//! valid kustomization whose ConfigMap holds `OUTSIDE-MARKER`: no case may ever print it.
//! `ROLLPIN_HOSTILE_VERBOSE=1 cargo test --test integration hostile -- --nocapture` prints
//! every case's exit status and first stderr line (for reviewing messages).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::manifest_dir;

/// Past this the child is killed and the case fails: a bound against hangs, not a timing
/// check. Real cases finish in milliseconds to seconds, but a loaded 2-core CI machine
/// once took over 20 s for one of them, so the bound is generous.
const BOUND: Duration = Duration::from_secs(120);

/// Text that only the file outside the repository holds.
const OUTSIDE_MARKER: &str = "OUTSIDE-MARKER";

#[derive(Debug, Default)]
struct Expect {
    zero: bool,
    contains: Vec<String>,
    lacks: Vec<String>,
    build: String,
    flags: Vec<String>,
}

fn parse_expect(text: &str) -> Result<Expect, String> {
    let mut e = Expect {
        build: ".".into(),
        ..Expect::default()
    };
    let mut exit = None;
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| format!("bad expect line {line:?}"))?;
        let value = value.trim().to_string();
        match key.trim() {
            "exit" => exit = Some(value == "zero"),
            "stderr-contains" => e.contains.push(value),
            "stderr-lacks" => e.lacks.push(value),
            "build" => e.build = value,
            "limit-flags" => e.flags = value.split_whitespace().map(String::from).collect(),
            other => return Err(format!("unknown expect key {other:?}")),
        }
    }
    e.zero = exit.ok_or("expect has no exit: line")?;
    Ok(e)
}

fn copy_tree(from: &Path, to: &Path, top: bool) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        // The case's own control files stay out of the app tree.
        if top && (name == "expect" || name == "symlinks") {
            continue;
        }
        let ty = entry.file_type()?;
        if ty.is_dir() {
            copy_tree(&entry.path(), &to.join(&name), false)?;
        } else if ty.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn make_specials(repo: &Path, spec: &str) -> Result<(), String> {
    for line in spec.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(path) = line.strip_prefix("fifo ") {
            let p = repo.join(path.trim());
            let status = Command::new("mkfifo")
                .arg(&p)
                .status()
                .map_err(|e| format!("mkfifo: {e}"))?;
            if !status.success() {
                return Err(format!("mkfifo {} failed", p.display()));
            }
            continue;
        }
        let (link, target) = line
            .split_once(" -> ")
            .ok_or_else(|| format!("bad symlinks line {line:?}"))?;
        let link = repo.join(link.trim());
        if let Some(parent) = link.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::os::unix::fs::symlink(target.trim(), &link)
            .map_err(|e| format!("symlink {}: {e}", link.display()))?;
    }
    Ok(())
}

/// Runs one case; `Err` explains how it failed.
fn run_case(case: &Path) -> Result<(), String> {
    let expect = parse_expect(
        &std::fs::read_to_string(case.join("expect")).map_err(|e| format!("expect: {e}"))?,
    )?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let repo = scratch.path().join("repo");
    copy_tree(case, &repo, true).map_err(|e| format!("copy: {e}"))?;
    let outside = scratch.path().join("outside");
    std::fs::create_dir_all(&outside).map_err(|e| e.to_string())?;
    std::fs::write(
        outside.join("kustomization.yaml"),
        "resources:\n- secret.yaml\n",
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(
        outside.join("secret.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\ndata:\n  k: {OUTSIDE_MARKER}\n"),
    )
    .map_err(|e| e.to_string())?;
    #[cfg(unix)]
    if let Ok(spec) = std::fs::read_to_string(case.join("symlinks")) {
        make_specials(&repo, &spec)?;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .arg("render")
        .arg(repo.join(&expect.build))
        .arg("--root")
        .arg(&repo)
        .args(&expect.flags)
        .env_remove("ARGOCD_APP_SOURCE_PATH")
        .current_dir(scratch.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    // Drain both pipes on threads so a large output cannot block the child.
    let mut out_pipe = child.stdout.take().ok_or("no stdout")?;
    let mut err_pipe = child.stderr.take().ok_or("no stderr")?;
    let out_h = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_h = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {BOUND:?}: killed"));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out_h.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err_h.join().unwrap_or_default()).into_owned();
    let stdout_text = String::from_utf8_lossy(&stdout);
    if std::env::var_os("ROLLPIN_HOSTILE_VERBOSE").is_some() {
        let first = stderr.lines().next().unwrap_or("");
        println!("{}: {status}: {first}", case.display());
    }
    if stderr.contains("panicked") || status.code() == Some(101) {
        return Err(format!("panicked ({status}):\n{stderr}"));
    }
    if status.code().is_none() {
        return Err(format!("killed by a signal ({status}):\n{stderr}"));
    }
    if stdout_text.contains(OUTSIDE_MARKER) || stderr.contains(OUTSIDE_MARKER) {
        return Err("printed the content of a file outside the repository".into());
    }
    if expect.zero != status.success() {
        return Err(format!(
            "exit {status}, expected {}:\nstderr: {stderr}",
            if expect.zero { "zero" } else { "nonzero" }
        ));
    }
    if !status.success() && !stdout.is_empty() {
        return Err(format!("stdout not empty on failure: {stdout_text:?}"));
    }
    if !status.success() && stderr.trim().is_empty() {
        return Err("failed without a message".into());
    }
    for needle in &expect.contains {
        if !stderr.contains(needle.as_str()) {
            return Err(format!("stderr lacks {needle:?}:\n{stderr}"));
        }
    }
    for needle in &expect.lacks {
        if stderr.contains(needle.as_str()) || stdout_text.contains(needle.as_str()) {
            return Err(format!("output contains {needle:?}:\nstderr: {stderr}"));
        }
    }
    Ok(())
}

/// Every case directory of the corpus, sorted.
fn cases() -> Vec<PathBuf> {
    let root = manifest_dir().join("fixtures/hostile");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("expect").is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn hostile_corpus() {
    let cases = cases();
    assert!(
        cases.len() >= 60,
        "fixtures/hostile holds {} cases, expected at least 60",
        cases.len()
    );
    // Four at a time: each case is one short-lived child process.
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(cases.len().div_ceil(4))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|c| {
                            let name = c.file_name().map(|n| n.to_string_lossy().into_owned());
                            run_case(c)
                                .err()
                                .map(|e| format!("{}: {e}", name.unwrap_or_default()))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec!["a runner thread panicked".into()])
            })
            .collect()
    });
    println!(
        "hostile corpus: {}/{} cases as expected",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn limit_flags_are_validated() {
    let dir = tempfile::tempdir().expect("tempdir");
    for flags in [
        ["--max-depth", "0"],
        ["--max-depth", "5000"],
        ["--max-file-bytes", "0"],
        ["--max-documents=-1", ""],
        ["--max-resources", "many"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_rollpin"))
            .arg("render")
            .arg(dir.path())
            .args(flags.iter().filter(|f| !f.is_empty()))
            .output()
            .expect("run rollpin");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(out.stdout.is_empty());
        let name = flags[0].split('=').next().unwrap_or_default();
        assert!(stderr.contains(name), "{flags:?}: {stderr}");
    }
}
