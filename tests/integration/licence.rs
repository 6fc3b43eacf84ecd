//! The licence: the full Apache-2.0 text in LICENSE, Cargo.toml's `license` and the
//! README's section agree.

use crate::util::manifest_dir;

/// Legal can approve it: the full Apache-2.0 text, the manifest's licence and the README.
#[test]
fn licence_is_apache_2_0() {
    let root = manifest_dir();
    let licence = std::fs::read_to_string(root.join("LICENSE")).expect("LICENSE");
    assert!(
        licence.trim_start().starts_with("Apache License"),
        "LICENSE"
    );
    for needle in [
        "Version 2.0, January 2004",
        "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
        "9. Accepting Warranty or Additional Liability.",
        "END OF TERMS AND CONDITIONS",
        "APPENDIX: How to apply the Apache License to your work.",
    ] {
        assert!(licence.contains(needle), "LICENSE lacks {needle:?}");
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.lines().any(|l| l == "license = \"Apache-2.0\""));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    assert!(readme.contains("## License\n\nApache License 2.0"));
}
