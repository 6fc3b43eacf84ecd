//! `rollpin render`: build a directory and write the stream exactly as `kustomize build`
//! prints it.

use std::path::Path;

use crate::kustomize::{self, Options, fs::FileSystem};

/// The rendered stream and the warnings to print on stderr.
#[derive(Debug)]
pub struct Rendered {
    /// The YAML stream (documents joined by `---`).
    pub yaml: String,
    /// Warnings (kustomize's deprecation messages).
    pub warnings: Vec<String>,
}

/// Builds `dir` and writes the YAML stream.
pub fn render(
    fs: &dyn FileSystem,
    dir: &Path,
    opts: &Options,
) -> Result<Rendered, kustomize::Error> {
    let out = kustomize::build(fs, dir, opts)?;
    let mut yaml = String::new();
    crate::yaml::write_stream(out.resources.iter().map(|r| &r.obj), &mut yaml);
    Ok(Rendered {
        yaml,
        warnings: out.warnings,
    })
}
