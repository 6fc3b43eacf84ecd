//! A health script library in Argo CD's `resource_customizations/` layout: `<group>/<Kind>/
//! health.lua` (a core kind would be `<Kind>/health.lua`); directories whose path holds `_`
//! are also wildcards (Argo CD ≥ 3.1). rollpin ships no such library: the user points at
//! the one of the Argo CD version they run (its source tree).

use std::path::Path;

use super::{LoadError, Script};

/// The file name Argo CD looks for.
pub const HEALTH_SCRIPT: &str = "health.lua";

/// Every `health.lua` one or two directories below `dir`, keyed `group/Kind` (or `Kind`),
/// in path order. Library scripts always run with the open libraries, as in Argo CD.
pub fn read(dir: &Path) -> Result<Vec<(String, Script)>, LoadError> {
    let mut out = Vec::new();
    for first in sorted_dirs(dir)? {
        let first_name = file_name(&first);
        let direct = first.join(HEALTH_SCRIPT);
        if direct.is_file() {
            out.push((first_name.clone(), script(&direct)?));
        }
        for second in sorted_dirs(&first)? {
            let file = second.join(HEALTH_SCRIPT);
            if file.is_file() {
                out.push((
                    format!("{first_name}/{}", file_name(&second)),
                    script(&file)?,
                ));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_error(p: &Path) -> impl FnOnce(std::io::Error) -> LoadError + '_ {
    move |source| LoadError::Read {
        path: p.display().to_string(),
        source,
    }
}

fn sorted_dirs(dir: &Path) -> Result<Vec<std::path::PathBuf>, LoadError> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error(dir))? {
        let path = entry.map_err(read_error(dir))?.path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

fn script(file: &Path) -> Result<Script, LoadError> {
    let code = std::fs::read_to_string(file).map_err(read_error(file))?;
    Ok(Script {
        origin: file.display().to_string(),
        code,
        open_libs: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fixture_library_in_path_order() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/health-lua/resource_customizations");
        let keys: Vec<String> = read(&dir)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, s)| {
                assert!(s.open_libs && s.origin.ends_with("/health.lua"));
                k
            })
            .collect();
        assert!(keys.contains(&"libs.example.com/OpenLibs".to_string()));
        assert!(keys.contains(&"_.wild.example.com/_".to_string()));
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn a_missing_dir_is_an_error_naming_it() {
        let e = read(Path::new("/nonexistent/rc"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("cannot read /nonexistent/rc"));
    }
}
