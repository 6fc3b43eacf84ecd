//! Argo CD's Lua health scripts, run offline: where they come from (`--argocd-cm FILE`,
//! [`argocd_cm`]; `--lua-dir DIR` in `resource_customizations/` layout, [`lua_dir`]), which one
//! applies to an object (Argo CD's `GetHealthScript` order, [`LuaScripts::find`]), and the
//! embedded Lua 5.1 that runs it with Argo CD's environment ([`runtime`], feature `lua`).
//!
//! Lookup order for the key `group/Kind` (`Kind` for the core group), as in Argo CD 3.5.1
//! `util/lua/lua.go`: the argocd-cm entry with exactly that key and a non-empty script; an
//! argocd-cm wildcard entry (glob, `*` also matches `/`) with a script; the library's
//! `<group>/<Kind>/health.lua`; the library's wildcard directories (`_` read as `*`, which
//! does not cross `/`), first in path order. Library scripts always run with the open
//! libraries; argocd-cm scripts only with `useOpenLibs`.

pub mod argocd_cm;
#[cfg(feature = "lua")]
pub mod goto_rewrite;
pub mod lua_dir;
#[cfg(feature = "lua")]
pub mod os_lib;
#[cfg(feature = "lua")]
pub mod runtime;

use std::path::PathBuf;

use crate::health::rules::glob;

/// One health script and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// How reports name it: the argocd-cm key or the library file.
    pub origin: String,
    /// The Lua source.
    pub code: String,
    /// Run with Lua's standard libraries open (`useOpenLibs`; always for the library).
    pub open_libs: bool,
}

/// A set of scripts with their lookup keys, in Argo CD's order of precedence.
#[derive(Debug, Clone, Default)]
pub struct LuaScripts {
    scripts: Vec<Script>,
    /// argocd-cm: key (`group/Kind`, or a glob) → script index, in key order.
    cm: Vec<(String, usize)>,
    /// The library's exact `group/Kind` directories.
    dir_exact: Vec<(String, usize)>,
    /// The library's `_` directories as globs, in path order.
    dir_wildcards: Vec<(String, usize)>,
}

/// Why the scripts could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or directory could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The argocd-cm file is not what Argo CD would accept.
    #[error("{file}: {message}")]
    ArgocdCm {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The library directory holds no health script.
    #[error(
        "--lua-dir {dir}: no <group>/<Kind>/health.lua found; point it at Argo CD's resource_customizations directory"
    )]
    EmptyLuaDir {
        /// The directory.
        dir: String,
    },
}

impl LuaScripts {
    /// Loads the scripts of an argocd-cm file and a library directory, either optional.
    pub fn load(
        argocd_cm: Option<&PathBuf>,
        lua_dir: Option<&PathBuf>,
    ) -> Result<LuaScripts, LoadError> {
        let mut set = LuaScripts::default();
        if let Some(file) = argocd_cm {
            let name = file.display().to_string();
            let text = std::fs::read_to_string(file).map_err(|source| LoadError::Read {
                path: name.clone(),
                source,
            })?;
            for (key, script) in argocd_cm::health_overrides(&name, &text)? {
                set.push_cm(key, script);
            }
        }
        if let Some(dir) = lua_dir {
            let library = lua_dir::read(dir)?;
            if library.is_empty() {
                return Err(LoadError::EmptyLuaDir {
                    dir: dir.display().to_string(),
                });
            }
            for (key, script) in library {
                set.push_dir(key, script);
            }
        }
        Ok(set)
    }

    /// Adds an argocd-cm script under its key.
    fn push_cm(&mut self, key: String, script: Script) {
        self.cm.push((key, self.scripts.len()));
        self.scripts.push(script);
    }

    /// Adds a library script under its `<group>/<Kind>` key (`_` directories as globs).
    fn push_dir(&mut self, key: String, script: Script) {
        let id = self.scripts.len();
        self.scripts.push(script);
        if key.contains('_') {
            self.dir_wildcards.push((key.replace('_', "*"), id));
        }
        self.dir_exact.push((key, id));
    }

    /// Whether no script was loaded.
    pub fn is_empty(&self) -> bool {
        self.scripts.is_empty()
    }

    /// Every script, by index.
    pub fn scripts(&self) -> &[Script] {
        &self.scripts
    }

    /// The index of the script Argo CD would run for `group`/`kind`, if any.
    pub fn find(&self, group: &str, kind: &str) -> Option<usize> {
        let key = config_map_key(group, kind);
        let has_code = |id: &usize| !self.scripts[*id].code.is_empty();
        let exact = |list: &[(String, usize)]| {
            list.iter()
                .find(|(k, id)| *k == key && has_code(id))
                .map(|(_, id)| *id)
        };
        exact(&self.cm)
            .or_else(|| {
                self.cm
                    .iter()
                    .find(|(k, id)| has_code(id) && glob(k, &key))
                    .map(|(_, id)| *id)
            })
            .or_else(|| exact(&self.dir_exact))
            .or_else(|| {
                self.dir_wildcards
                    .iter()
                    .find(|(k, _)| path_glob(k, &key))
                    .map(|(_, id)| *id)
            })
    }
}

/// Argo CD's `GetConfigMapKey`: `group/Kind`, or `Kind` for the core group.
pub fn config_map_key(group: &str, kind: &str) -> String {
    if group.is_empty() {
        kind.to_string()
    } else {
        format!("{group}/{kind}")
    }
}

/// doublestar's `PathMatch` for the patterns the library's `_` directories make: `*` (and
/// `?`) match within one `/`-separated segment.
fn path_glob(pattern: &str, key: &str) -> bool {
    let (p, k): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), key.split('/').collect());
    p.len() == k.len() && p.iter().zip(&k).all(|(p, k)| glob(p, k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(origin: &str) -> Script {
        Script {
            origin: origin.into(),
            code: "return nil".into(),
            open_libs: false,
        }
    }

    fn set(cm: &[&str], dir: &[&str]) -> LuaScripts {
        let mut s = LuaScripts::default();
        for k in cm {
            s.push_cm(k.to_string(), script(&format!("cm {k}")));
        }
        for k in dir {
            s.push_dir(k.to_string(), script(&format!("dir {k}")));
        }
        s
    }

    fn origin(s: &LuaScripts, group: &str, kind: &str) -> Option<String> {
        s.find(group, kind).map(|i| s.scripts[i].origin.clone())
    }

    #[test]
    fn argo_cd_lookup_order() {
        let s = set(
            &["*.example.com/*", "a.example.com/Widget"],
            &[
                "a.example.com/Widget",
                "_.example.com/_",
                "b.example.com/Gadget",
            ],
        );
        // exact argocd-cm key, then argocd-cm wildcard, then library exact, then library _.
        assert_eq!(
            origin(&s, "a.example.com", "Widget").as_deref(),
            Some("cm a.example.com/Widget")
        );
        assert_eq!(
            origin(&s, "b.example.com", "Gadget").as_deref(),
            Some("cm *.example.com/*")
        );
        let s = set(&[], &["_.example.com/_", "b.example.com/Gadget"]);
        assert_eq!(
            origin(&s, "b.example.com", "Gadget").as_deref(),
            Some("dir b.example.com/Gadget")
        );
        assert_eq!(
            origin(&s, "c.example.com", "Thing").as_deref(),
            Some("dir _.example.com/_")
        );
        assert_eq!(origin(&s, "example.com", "Thing"), None);
        assert_eq!(origin(&s, "", "Pod"), None);
    }

    #[test]
    fn globs_differ_in_slash() {
        // argocd-cm (gobwas): `*` crosses `/`; library (doublestar): it does not.
        assert!(glob("*", "apps/Deployment"));
        assert!(!path_glob("*", "apps/Deployment"));
        assert!(path_glob("*.x.io/*", "a.b.x.io/K"));
        assert_eq!(config_map_key("", "Pod"), "Pod");
    }

    #[test]
    fn empty_scripts_are_skipped() {
        let mut s = set(&["a.io/K", "*.io/*"], &[]);
        s.scripts[0].code.clear();
        assert_eq!(origin(&s, "a.io", "K").as_deref(), Some("cm *.io/*"));
    }
}
