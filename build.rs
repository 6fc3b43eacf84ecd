//! Build script: records the commit rollpin is built from (`rollpin version`), from
//! `ROLLPIN_COMMIT` when set (the Docker build, which has no `.git`, takes it as a build
//! argument), else from git, else "unknown".

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-env-changed=ROLLPIN_COMMIT");
    let from_env = std::env::var("ROLLPIN_COMMIT")
        .ok()
        .filter(|c| !c.is_empty());
    let commit = from_env.clone().or_else(|| {
        let commit = git(&["rev-parse", "HEAD"])?;
        // Rebuild when HEAD moves: HEAD itself, the branch it points to, packed refs.
        for path in [
            git(&["rev-parse", "--git-path", "HEAD"]),
            git(&["symbolic-ref", "-q", "HEAD"])
                .and_then(|r| git(&["rev-parse", "--git-path", &r])),
            git(&["rev-parse", "--git-path", "packed-refs"]),
        ]
        .into_iter()
        .flatten()
        {
            println!("cargo:rerun-if-changed={path}");
        }
        Some(commit)
    });
    if from_env.is_none() && commit.is_none() {
        println!("cargo:rerun-if-changed=.git");
    }
    println!(
        "cargo:rustc-env=ROLLPIN_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".into())
    );
}
