//! What this build is: rollpin's version and the commit it was built from, and the
//! versions of kustomize (whose output `rollpin render` reproduces) and Argo CD (whose
//! health rules `rollpin health` reproduces), for `rollpin version` and `--version`.

/// The kustomize release whose `kustomize build` output rollpin reproduces byte for byte.
pub const KUSTOMIZE: &str = "v5.5.0";

/// The Argo CD release whose health rules rollpin reproduces.
pub const ARGOCD: &str = "v3.5.1";

/// The commit rollpin was built from (HEAD when it was built; uncommitted changes are
/// not marked), or `unknown` when the build had neither git nor `ROLLPIN_COMMIT`
/// (build.rs).
pub const COMMIT: &str = env!("ROLLPIN_COMMIT");

/// rollpin's version.
pub const ROLLPIN: &str = env!("CARGO_PKG_VERSION");

/// `--version`'s text after the program name (the literals repeat the constants above;
/// a test keeps them equal).
pub const LINE: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ROLLPIN_COMMIT"),
    "; reproduces kustomize v5.5.0 and Argo CD v3.5.1 health)"
);

/// `rollpin version -o json`.
pub fn json() -> String {
    let v = serde_json::json!({
        "rollpin": ROLLPIN,
        "commit": COMMIT,
        "kustomize": KUSTOMIZE,
        "argocd": ARGOCD,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_constants() {
        assert!(LINE.starts_with(ROLLPIN));
        assert!(LINE.contains(&format!("commit {COMMIT};")));
        assert!(LINE.contains(&format!("kustomize {KUSTOMIZE} ")));
        assert!(LINE.contains(&format!("Argo CD {ARGOCD} ")));
    }
}
