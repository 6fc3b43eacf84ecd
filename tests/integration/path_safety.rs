//! Path safety of `rollpin render` on a real disk: `..` traversal, absolute paths, symlinks
//! leaving the bounds (file, directory, chain, loop, the kustomization itself), special
//! files, very long paths and names, and non-UTF-8 names. Every refusal must exit non-zero
//! with a message, print nothing on stdout, and never show the content it refused to read.

#![cfg(unix)]

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use crate::util::assert_succeeds;

/// Content of the file outside the repository; it must never be printed.
const MARKER: &str = "PATH-SAFETY-OUTSIDE-MARKER";

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n";

/// `<tmp>/repo` (the repository root given with `--root`) and `<tmp>/outside`, a valid
/// kustomization whose ConfigMap holds [`MARKER`].
struct Tree {
    tmp: TempDir,
}

impl Tree {
    fn new() -> Tree {
        let t = Tree {
            tmp: tempfile::tempdir().expect("tempdir"),
        };
        t.write("outside/kustomization.yaml", "resources:\n- cm.yaml\n");
        t.write(
            "outside/cm.yaml",
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: o\ndata:\n  k: {MARKER}\n"
            ),
        );
        t.write("outside/env", &format!("K={MARKER}\n"));
        std::fs::create_dir_all(t.repo()).expect("mkdir repo");
        t
    }
    fn repo(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn write(&self, rel: &str, body: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, body).expect("write");
    }
    fn link(&self, rel: &str, target: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        symlink(target, p).expect("symlink");
    }
    fn render_at(&self, dir: &Path) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rollpin"))
            .arg("render")
            .arg(dir)
            .arg("--root")
            .arg(self.repo())
            .output()
            .expect("run rollpin")
    }
    fn render(&self, rel: &str) -> Output {
        self.render_at(&self.path(rel))
    }
}

/// A refusal: exit 1 (not a panic), empty stdout, the needles on stderr, no outside content.
fn refused(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected exit 1; stderr: {stderr}"
    );
    assert!(out.stdout.is_empty(), "stdout must be empty on error");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains(MARKER), "outside content leaked: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "stderr lacks {n:?}:\n{stderr}");
    }
}

#[test]
fn dotdot_resource_file_is_refused() {
    let t = Tree::new();
    t.write(
        "repo/app/kustomization.yaml",
        "resources:\n- ../../outside/cm.yaml\n",
    );
    refused(&t.render("repo/app"), &["security", "is not in or below"]);
}

#[test]
fn dotdot_resource_file_inside_repo_but_outside_kustomization_is_refused() {
    let t = Tree::new();
    t.write("repo/cm.yaml", CM);
    t.write("repo/app/kustomization.yaml", "resources:\n- ../cm.yaml\n");
    refused(&t.render("repo/app"), &["security", "is not in or below"]);
}

#[test]
fn dotdot_directory_outside_repo_is_refused() {
    let t = Tree::new();
    t.write(
        "repo/app/kustomization.yaml",
        "resources:\n- ../../outside\n",
    );
    refused(
        &t.render("repo/app"),
        &["outside the repository root", "--root"],
    );
}

#[test]
fn dotdot_generator_sources_are_refused() {
    let t = Tree::new();
    for (i, body) in [
        "configMapGenerator:\n- name: a\n  files:\n  - ../../outside/cm.yaml\n",
        "configMapGenerator:\n- name: a\n  files:\n  - key=../../outside/cm.yaml\n",
        "secretGenerator:\n- name: a\n  envs:\n  - ../../outside/env\n",
        "secretGenerator:\n- name: a\n  env: ../../outside/env\n",
    ]
    .iter()
    .enumerate()
    {
        let dir = format!("repo/gen{i}");
        t.write(&format!("{dir}/kustomization.yaml"), body);
        refused(&t.render(&dir), &["security"]);
    }
}

#[test]
fn dotdot_patch_paths_are_refused() {
    let t = Tree::new();
    for (i, field) in [
        "patches:\n- path: ../../outside/cm.yaml\n",
        "patchesStrategicMerge:\n- ../../outside/cm.yaml\n",
        "patchesJson6902:\n- target: {version: v1, kind: ConfigMap, name: a}\n  path: ../../outside/cm.yaml\n",
        "replacements:\n- path: ../../outside/cm.yaml\n",
        "configurations:\n- ../../outside/cm.yaml\n",
        "transformers:\n- ../../outside/cm.yaml\n",
        "generators:\n- ../../outside/cm.yaml\n",
    ]
    .iter()
    .enumerate()
    {
        let dir = format!("repo/p{i}");
        t.write(&format!("{dir}/cm.yaml"), CM);
        t.write(
            &format!("{dir}/kustomization.yaml"),
            &format!("resources:\n- cm.yaml\n{field}"),
        );
        refused(&t.render(&dir), &["security"]);
    }
}

#[test]
fn absolute_paths_are_refused() {
    let t = Tree::new();
    let outside_cm = t.path("outside/cm.yaml");
    let outside_dir = t.path("outside");
    for (i, body) in [
        format!("resources:\n- {}\n", outside_cm.display()),
        format!("resources:\n- {}\n", outside_dir.display()),
        "resources:\n- /etc/passwd\n".to_string(),
        format!(
            "configMapGenerator:\n- name: a\n  files:\n  - {}\n",
            outside_cm.display()
        ),
    ]
    .iter()
    .enumerate()
    {
        let dir = format!("repo/abs{i}");
        t.write(&format!("{dir}/kustomization.yaml"), body);
        refused(&t.render(&dir), &["security"]);
    }
}

#[test]
fn symlinked_file_leaving_the_root_is_refused() {
    let t = Tree::new();
    t.write("repo/kustomization.yaml", "resources:\n- cm.yaml\n");
    t.link("repo/cm.yaml", "../outside/cm.yaml");
    refused(&t.render("repo"), &["security"]);
}

#[test]
fn symlinked_directory_leaving_the_root_is_refused() {
    let t = Tree::new();
    t.write("repo/kustomization.yaml", "resources:\n- base\n");
    t.link("repo/base", "../outside");
    refused(&t.render("repo"), &["outside the repository root"]);
}

#[test]
fn file_under_a_symlinked_directory_is_checked_after_resolution() {
    let t = Tree::new();
    t.write("repo/kustomization.yaml", "resources:\n- d/cm.yaml\n");
    t.link("repo/d", "../outside");
    refused(&t.render("repo"), &["security"]);
}

#[test]
fn symlink_chain_leaving_the_root_is_refused() {
    let t = Tree::new();
    t.write("repo/kustomization.yaml", "resources:\n- a.yaml\n");
    t.link("repo/a.yaml", "b.yaml");
    t.link("repo/b.yaml", "sub/c.yaml");
    t.link("repo/sub/c.yaml", "../../outside/cm.yaml");
    refused(&t.render("repo"), &["security"]);
}

#[test]
fn symlink_loops_are_errors_not_hangs() {
    let t = Tree::new();
    t.write("repo/kustomization.yaml", "resources:\n- a.yaml\n- d\n");
    t.link("repo/a.yaml", "b.yaml");
    t.link("repo/b.yaml", "a.yaml");
    refused(&t.render("repo"), &["a.yaml"]);
    t.write("repo/x/kustomization.yaml", "resources:\n- d\n");
    t.link("repo/x/d", "d");
    refused(&t.render("repo/x"), &["'d'"]);
}

#[test]
fn symlinked_directory_cycle_is_detected() {
    let t = Tree::new();
    t.write("repo/kustomization.yaml", "resources:\n- loop\n");
    t.link("repo/loop", ".");
    refused(&t.render("repo"), &["cycle detected"]);
}

#[test]
fn kustomization_symlinked_outside_is_refused() {
    let t = Tree::new();
    t.link("repo/kustomization.yaml", "../outside/kustomization.yaml");
    refused(&t.render("repo"), &["security"]);
    t.link("repo/etc/kustomization.yaml", "/etc/passwd");
    refused(&t.render("repo/etc"), &["security"]);
}

#[test]
fn build_directory_symlinked_outside_the_root_is_refused() {
    let t = Tree::new();
    t.link("repo/app", "../outside");
    refused(&t.render("repo/app"), &["outside the repository root"]);
}

#[test]
fn special_files_are_refused() {
    let t = Tree::new();
    // A FIFO would block a reader forever.
    t.write("repo/fifo/kustomization.yaml", "resources:\n- pipe.yaml\n");
    let status = Command::new("mkfifo")
        .arg(t.path("repo/fifo/pipe.yaml"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    refused(&t.render("repo/fifo"), &["not a regular file"]);
    // A socket.
    t.write("repo/sock/kustomization.yaml", "resources:\n- s.yaml\n");
    let _listener =
        std::os::unix::net::UnixListener::bind(t.path("repo/sock/s.yaml")).expect("bind socket");
    refused(&t.render("repo/sock"), &["not a regular file"]);
    // Devices behind symlinks (endless /dev/zero would exhaust memory).
    t.write(
        "repo/dev/kustomization.yaml",
        "resources:\n- zero.yaml\nconfigMapGenerator:\n- name: a\n  files:\n  - null.txt\n",
    );
    t.link("repo/dev/zero.yaml", "/dev/zero");
    t.link("repo/dev/null.txt", "/dev/null");
    refused(&t.render("repo/dev"), &["not a regular file"]);
    // A FIFO as an env file.
    t.write(
        "repo/fenv/kustomization.yaml",
        "configMapGenerator:\n- name: a\n  envs:\n  - e.env\n",
    );
    let status = Command::new("mkfifo")
        .arg(t.path("repo/fenv/e.env"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    refused(&t.render("repo/fenv"), &["not a regular file"]);
}

#[test]
fn very_long_names_and_paths_are_errors() {
    let t = Tree::new();
    // A file name past NAME_MAX (255 bytes).
    let long = "a".repeat(300);
    t.write(
        "repo/long/kustomization.yaml",
        &format!("resources:\n- {long}.yaml\n"),
    );
    refused(&t.render("repo/long"), &["no such file or directory"]);
    // A path past PATH_MAX (4096 bytes).
    let deep = "d/".repeat(3000);
    t.write(
        "repo/deep/kustomization.yaml",
        &format!("resources:\n- {deep}cm.yaml\n"),
    );
    refused(&t.render("repo/deep"), &["no such file or directory"]);
    // Many `..` segments stay bounded.
    let up = "../".repeat(2000);
    t.write(
        "repo/up/kustomization.yaml",
        &format!("resources:\n- {up}etc/passwd\n"),
    );
    refused(&t.render("repo/up"), &["security"]);
}

#[test]
fn non_utf8_names_render_and_report() {
    let t = Tree::new();
    let dir = t.repo().join(std::ffi::OsStr::from_bytes(b"app-\xff\xfe"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("kustomization.yaml"), "resources:\n- cm.yaml\n").expect("write");
    std::fs::write(dir.join("cm.yaml"), CM).expect("write");
    let out = t.render_at(&dir);
    assert_succeeds(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  name: a\n"
    );
    // A failure inside it names the directory (lossily) and does not panic.
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources:\n- missing.yaml\n",
    )
    .expect("write");
    refused(&t.render_at(&dir), &["missing.yaml", "app-\u{fffd}"]);
    // A file with a non-UTF-8 name reached through a symlink with a UTF-8 name.
    let odd = dir.join(std::ffi::OsStr::from_bytes(b"cm-\xff.yaml"));
    std::fs::write(&odd, CM).expect("write");
    symlink(&odd, dir.join("link.yaml")).expect("symlink");
    std::fs::write(dir.join("kustomization.yaml"), "resources:\n- link.yaml\n").expect("write");
    let out = t.render_at(&dir);
    assert_succeeds(&out);
}
