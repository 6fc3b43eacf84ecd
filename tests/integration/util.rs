//! Shared helpers: paths, rendering a directory through the library, short diffs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use rollpin::kustomize::Options;
use rollpin::kustomize::fs::FileSystem;
use rollpin::kustomize::order::Order;

/// The crate's root directory.
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` (or `$ROLLPIN_SHARED`), when present.
pub fn shared_dir() -> Option<PathBuf> {
    let p = std::env::var_os("ROLLPIN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../shared"));
    p.is_dir().then_some(p)
}

/// Renders `dir`; `fifo` selects `--reorder none`.
pub fn render(
    fs: &dyn FileSystem,
    dir: &Path,
    fifo: bool,
) -> Result<(String, Vec<String>), String> {
    let opts = Options {
        reorder: fifo.then_some(Order::Fifo),
        ..Options::default()
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rollpin::render::render(fs, dir, &opts)
    }))
    .map_err(|_| "PANIC".to_string())?
    .map(|r| (r.yaml, r.warnings))
    .map_err(|e| e.to_string())
}

/// The first differing line of two texts, for messages.
pub fn first_difference(expected: &str, actual: &str) -> String {
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}:\n  expected: {e:?}\n  actual:   {a:?}", i + 1);
        }
    }
    format!(
        "lengths differ: expected {} lines, got {}",
        expected.lines().count(),
        actual.lines().count()
    )
}

/// A scratch app tree.
pub struct App {
    dir: TempDir,
}

impl App {
    pub fn new() -> App {
        App {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    pub fn write(&self, rel: &str, body: &str) -> &App {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, body).expect("write");
        self
    }
    /// Replaces `from` with `to` in the file `rel`, which must contain `from`.
    pub fn edit(&self, rel: &str, from: &str, to: &str) -> &App {
        let text = std::fs::read_to_string(self.path(rel)).expect("read");
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, &text.replace(from, to))
    }
    pub fn render(&self, rel: &str, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rollpin"))
            .arg("render")
            .arg(self.path(rel))
            .args(extra)
            .output()
            .expect("run rollpin")
    }
}

/// Asserts a failed render: exit ≠ 0, empty stdout, stderr containing every needle.
pub fn assert_fails(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected failure; stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout must be empty on error, got {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    for n in needles {
        assert!(stderr.contains(n), "stderr lacks {n:?}:\n{stderr}");
    }
}

/// Asserts a successful run (stderr in the message otherwise) and returns its stdout.
pub fn assert_succeeds(out: &Output) -> String {
    assert!(
        out.status.success(),
        "rollpin failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

/// `sha256:<hex>` of `bytes`, computed here (not by rollpin) so tests can check its digests.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(bytes);
    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Copies the directory tree `from` to `to` (created).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The stdout of `rollpin verify` that found drift (exit 3), else a failure with stderr.
pub fn drift_report(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(3),
        "expected drift (exit 3); stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}
