//! Determinism proof: every fixture app and the example overlays, rendered by the binary
//! with a release record twice — from two copies laid down in opposite orders, at
//! different places, from different working directories, with the directory given
//! relatively and absolutely, under different time zones, locales, homes and unrelated
//! variables — print the same bytes and end the same way.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{first_difference, manifest_dir};

/// The release-record flags: every input of the record is fixed, so it must not vary.
const RECORD_ARGS: [&str; 9] = [
    "--release-record",
    "--app",
    "demo",
    "--revision",
    "0123456789abcdef0123456789abcdef01234567",
    "--repo-url",
    "https://git.example.com/demo.git",
    "--source-path",
    "app",
];

/// Fewest apps that must render successfully, so the proof cannot pass vacuously.
const MIN_SUCCESSES: usize = 100;

/// Stands for a copy's root in stderr, which may name files (error messages).
const COPY_PLACEHOLDER: &str = "<copy>";

/// Trees outside `fixtures/` that fixture cases use (`argocd-cm-patch-over-stock` builds
/// the shipped component through `../../../../argocd-cm-patch/rollpin`).
const FIXTURE_EXTRA_TREES: [&str; 1] = ["argocd-cm-patch"];

/// One app: trees copied whole, each to its repository-relative path in a copy, and the
/// directory to build (repository-relative too).
struct App {
    trees: Vec<PathBuf>,
    build: PathBuf,
    args: Vec<String>,
}

/// How one render ended, stderr with the copy's root replaced by [`COPY_PLACEHOLDER`].
#[derive(PartialEq, Eq)]
struct Outcome {
    status: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

/// A fixture case's app, from its folder's `build` (default `.`) and `args` files.
fn fixture_app(case: &Path) -> App {
    let read = |name: &str| std::fs::read_to_string(case.join(name)).unwrap_or_default();
    let rel = Path::new("fixtures/kustomize").join(case.file_name().unwrap_or_default());
    let build = match read("build").trim() {
        "" | "." => rel.join("app"),
        b => rel.join("app").join(b),
    };
    App {
        trees: std::iter::once(rel)
            .chain(FIXTURE_EXTRA_TREES.map(PathBuf::from))
            .collect(),
        build,
        args: read("args")
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    }
}

/// Every case of `fixtures/kustomize/` (a folder with `expected.yaml`, as `fixtures.rs`
/// finds them), in name order.
fn fixture_apps() -> Vec<App> {
    let root = manifest_dir().join("fixtures/kustomize");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/kustomize exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.yaml").is_file())
        .collect();
    cases.sort();
    cases.iter().map(|c| fixture_app(c)).collect()
}

/// The example app's overlays; the whole `examples/` tree is copied (they use `../../base`).
fn example_apps() -> Vec<App> {
    ["examples/overlays/production", "examples/overlays/staging"]
        .into_iter()
        .map(|build| App {
            trees: vec![PathBuf::from("examples")],
            build: PathBuf::from(build),
            args: Vec::new(),
        })
        .collect()
}

/// Copies `src` into the new directory `dst`, creating entries in name order or, with
/// `reverse`, in reverse name order (so directory listings of the two copies differ).
fn copy_tree(src: &Path, dst: &Path, reverse: bool) -> std::io::Result<()> {
    std::fs::create_dir(dst)?;
    let mut entries = std::fs::read_dir(src)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    if reverse {
        entries.reverse();
    }
    for entry in entries {
        let to = dst.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &to, reverse)?;
        } else {
            std::fs::copy(entry.path(), &to)?;
        }
    }
    Ok(())
}

/// Lays `app`'s trees down under `root` (created, with its parents) in the given order,
/// and an empty `.git` at `root` so rollpin's repository-root detection bounds reads to
/// the copy.
fn lay_down(app: &App, root: &Path, reverse: bool) -> Result<(), String> {
    let mut trees: Vec<&PathBuf> = app.trees.iter().collect();
    if reverse {
        trees.reverse();
    }
    let copy = |tree: &Path| -> std::io::Result<()> {
        let to = root.join(tree);
        std::fs::create_dir_all(to.parent().unwrap_or(root))?;
        copy_tree(&manifest_dir().join(tree), &to, reverse)
    };
    std::fs::create_dir_all(root)
        .and_then(|()| trees.into_iter().try_for_each(|t| copy(t)))
        .and_then(|()| std::fs::create_dir(root.join(".git")))
        .map_err(|e| format!("copying to {}: {e}", root.display()))
}

/// `rollpin render [case args] DIR --release-record …`.
fn render_command(app: &App, dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollpin"));
    cmd.arg("render").args(&app.args).arg(dir).args(RECORD_ARGS);
    cmd
}

/// Run A: from the copy's root, the directory relative, a minimal UTC/C environment.
fn run_a(app: &App, copy: &Path, home: &Path) -> Result<Outcome, String> {
    let mut cmd = render_command(app, &app.build);
    cmd.current_dir(copy)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TZ", "UTC")
        .env("LANG", "C")
        .env("LC_ALL", "C")
        .env("HOME", home);
    outcome(cmd.output(), copy)
}

/// Run B: from an unrelated directory, the directory absolute, the test's own environment
/// (without what Argo CD would legitimately set: `ARGOCD_APP_*` and parameters) plus an
/// exotic time zone and locale, another home and unrelated variables.
fn run_b(app: &App, copy: &Path, cwd: &Path, home: &Path) -> Result<Outcome, String> {
    let mut cmd = render_command(app, &copy.join(&app.build));
    for (name, _) in std::env::vars_os() {
        if is_argocd_input(&name) {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(cwd)
        .env("TZ", "Pacific/Chatham")
        .env("LANG", "tr_TR.UTF-8")
        .env("LC_ALL", "tr_TR.UTF-8")
        .env("HOME", home)
        .env("ARGOCD_ENV_FOO", "bar")
        .env("KUBECONFIG", "/nonexistent")
        .env("SOURCE_DATE_EPOCH", "1")
        .env("RANDOM_SEED", "8c3f0e1d9a7b4c52")
        .env("HOSTNAME", "determinism-b")
        .env("PWD", "/somewhere/else")
        .env("XDG_CONFIG_HOME", cwd);
    outcome(cmd.output(), copy)
}

/// Variables that rightly change a render or its record.
fn is_argocd_input(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with("ARGOCD_APP_") || name.starts_with("PARAM_")
}

/// The outcome of a finished run. Error messages name files under the copy, so each
/// copy's root (as given and canonical) is replaced by a placeholder in stderr before the
/// two runs' stderr are compared.
fn outcome(output: std::io::Result<Output>, copy: &Path) -> Result<Outcome, String> {
    let output = output.map_err(|e| format!("running rollpin: {e}"))?;
    let mut stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let canonical = std::fs::canonicalize(copy).unwrap_or_else(|_| copy.to_path_buf());
    for root in [canonical.as_path(), copy] {
        stderr = stderr.replace(&*root.to_string_lossy(), COPY_PLACEHOLDER);
    }
    Ok(Outcome {
        status: output.status.code(),
        stdout: output.stdout,
        stderr,
    })
}

/// Why two outcomes differ, if they do.
fn compare(a: &Outcome, b: &Outcome) -> Result<(), String> {
    if a.status != b.status {
        return Err(format!(
            "exit status differs: A {:?}, B {:?}",
            a.status, b.status
        ));
    }
    if a.stdout != b.stdout {
        let (sa, sb) = (
            String::from_utf8_lossy(&a.stdout),
            String::from_utf8_lossy(&b.stdout),
        );
        return Err(format!(
            "stdout differs (expected = A, actual = B): {}",
            first_difference(&sa, &sb)
        ));
    }
    if a.stderr != b.stderr {
        return Err(format!(
            "stderr differs (expected = A, actual = B): {}",
            first_difference(&a.stderr, &b.stderr)
        ));
    }
    Ok(())
}

/// Whether a successful render ended with its release record.
fn has_record(stdout: &[u8]) -> bool {
    String::from_utf8_lossy(stdout)
        .lines()
        .any(|l| l == "kind: RollbackManifest")
}

/// A new temporary directory in `place` when it can be made there, else in the default one.
///
/// Creating entries in opposite orders only changes listing order on some file systems:
/// tmpfs lists newest first, ext4 in hash order whatever the creation order. Copy A goes
/// to `/dev/shm` (tmpfs on Linux) and copy B to the default temporary directory, so on a
/// usual Linux machine A lists in reverse name order and B in sorted or hash order.
fn temp_dir(prefix: &str, place: Option<&Path>) -> Result<tempfile::TempDir, String> {
    let builder = || {
        let mut b = tempfile::Builder::new();
        b.prefix(prefix);
        b
    };
    place
        .filter(|p| p.is_dir())
        .and_then(|p| builder().tempdir_in(p).ok())
        .map_or_else(|| builder().tempdir(), Ok)
        .map_err(|e| format!("temp dir: {e}"))
}

/// Renders `app` from both copies; `Ok(true)` when both succeeded identically.
fn check(app: &App) -> Result<bool, String> {
    let dir_a = temp_dir("rollpin-det-a-", Some(Path::new("/dev/shm")))?;
    let dir_b = temp_dir("rollpin-det-b-", None)?;
    let copy_a = dir_a.path().join("repo");
    let copy_b = dir_b.path().join("deeper/nested/copy-b");
    lay_down(app, &copy_a, false)?;
    lay_down(app, &copy_b, true)?;
    let (home_a, home_b, cwd_b) = (
        dir_a.path().join("home"),
        dir_b.path().join("home"),
        dir_b.path().join("elsewhere"),
    );
    for dir in [&home_a, &home_b, &cwd_b] {
        std::fs::create_dir(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let a = run_a(app, &copy_a, &home_a)?;
    let b = run_b(app, &copy_b, &cwd_b, &home_b)?;
    compare(&a, &b)?;
    let succeeded = a.status == Some(0);
    if succeeded && !has_record(&a.stdout) {
        return Err("no `kind: RollbackManifest` record in the output".into());
    }
    Ok(succeeded)
}

/// Checks `apps` on two threads, keeping their order.
fn check_all(apps: &[App]) -> Vec<Result<bool, String>> {
    let half = apps.len().div_ceil(2).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = apps
            .chunks(half)
            .map(|chunk| s.spawn(move || chunk.iter().map(check).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a checking thread panicked"))
            .collect()
    })
}

#[test]
fn every_app_renders_identically_from_two_copies_and_environments() {
    let apps: Vec<App> = fixture_apps().into_iter().chain(example_apps()).collect();
    let results = check_all(&apps);
    let failures: Vec<String> = apps
        .iter()
        .zip(&results)
        .filter_map(|(app, r)| {
            r.as_ref()
                .err()
                .map(|e| format!("{}: {e}", app.build.display()))
        })
        .collect();
    let successes = results.iter().filter(|r| matches!(r, Ok(true))).count();
    let exited_nonzero: Vec<String> = apps
        .iter()
        .zip(&results)
        .filter(|(_, r)| matches!(r, Ok(false)))
        .map(|(app, _)| app.build.display().to_string())
        .collect();
    println!(
        "determinism: {} apps, {} identical, {successes} rendered successfully; \
         identical failures: {exited_nonzero:?}",
        apps.len(),
        apps.len() - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} apps are not deterministic:\n{}",
        failures.len(),
        apps.len(),
        failures.join("\n")
    );
    assert!(
        successes >= MIN_SUCCESSES,
        "only {successes} apps rendered successfully (at least {MIN_SUCCESSES} expected)"
    );
}
