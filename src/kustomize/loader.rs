//! Hermetic loading: resolves the paths a kustomization lists and enforces the bounds —
//! files inside the kustomization's own directory (kustomize's root-only rule), directories
//! inside the repository root, symlinks resolved before checking, no special files, no
//! remote resources, no cycles.

use std::path::{Path, PathBuf};

use crate::kustomize::error::{Error, Result};
use crate::kustomize::fs::{FileKind, FileSystem};
use crate::kustomize::kustomization::KUSTOMIZATION_FILE_NAMES;

/// Largest file rollpin reads, by default (kustomization, resource, generator source).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 << 20;

/// The loader for one kustomization directory.
pub struct Loader<'a> {
    fs: &'a dyn FileSystem,
    /// Real path of this kustomization's directory.
    pub root: PathBuf,
    /// Real path of the repository root, when known.
    pub repo_root: Option<PathBuf>,
    /// Real paths of the kustomizations that led here (outermost first).
    chain: Vec<PathBuf>,
    /// Largest file that may be read.
    pub max_file_bytes: u64,
}

/// Where an entry of `resources:` points.
pub enum Entry {
    /// A file inside the kustomization directory (real path).
    File(PathBuf),
    /// A directory (real path) to build as a kustomization.
    Dir(PathBuf),
}

/// True for entries kustomize would fetch over the network.
pub fn looks_remote(entry: &str) -> bool {
    let e = entry.trim();
    e.contains("://")
        || e.starts_with("git@")
        || e.starts_with("github.com/")
        || e.starts_with("gitlab.com/")
        || e.starts_with("bitbucket.org/")
        || e.contains("?ref=")
        || e.contains("?version=")
        || e.contains(".git//")
}

impl<'a> Loader<'a> {
    /// The loader for the top-level directory.
    pub fn new_root(
        fs: &'a dyn FileSystem,
        dir: &Path,
        repo_root: Option<PathBuf>,
        max_file_bytes: u64,
    ) -> Result<Loader<'a>> {
        let root = match (fs.real_path(dir), fs.kind(dir)) {
            (Ok(r), Ok(FileKind::Dir)) => r,
            _ => return Err(Error::NotADirectory(dir.to_path_buf())),
        };
        let repo_root = match repo_root {
            Some(r) => Some(fs.real_path(&r).map_err(|e| Error::Read {
                path: r.clone(),
                message: format!("repository root: {e}"),
            })?),
            None => None,
        };
        if let Some(repo) = &repo_root
            && !root.starts_with(repo)
        {
            return Err(Error::OutsideRepository {
                referrer: "the build directory".into(),
                path: root,
                root: repo.clone(),
            });
        }
        Ok(Loader {
            fs,
            chain: vec![root.clone()],
            root,
            repo_root,
            max_file_bytes,
        })
    }

    /// The filesystem.
    pub fn fs(&self) -> &'a dyn FileSystem {
        self.fs
    }

    /// Finds this directory's kustomization file: `(path, text)`.
    pub fn kustomization_file(&self) -> Result<(PathBuf, String)> {
        let found: Vec<PathBuf> = KUSTOMIZATION_FILE_NAMES
            .iter()
            .map(|n| self.root.join(n))
            .filter(|p| self.fs.kind(p).is_ok())
            .collect();
        match found.as_slice() {
            [] => Err(Error::NoKustomization(self.root.clone())),
            [one] => {
                let text = self.read_text_at(one, &one.display().to_string())?;
                Ok((one.clone(), text))
            }
            many => Err(Error::MultipleKustomizations {
                dir: self.root.clone(),
                names: many
                    .iter()
                    .filter_map(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Resolves a `resources:` entry to a file or a directory.
    pub fn resolve_entry(&self, entry: &str, referrer: &str) -> Result<Entry> {
        let joined = self.root.join(entry);
        let real = match self.fs.real_path(&joined) {
            Ok(r) => r,
            Err(_) if looks_remote(entry) => {
                return Err(Error::Remote {
                    referrer: referrer.into(),
                    entry: entry.into(),
                });
            }
            Err(_) => {
                return Err(Error::Missing {
                    referrer: referrer.into(),
                    entry: entry.into(),
                    path: joined,
                });
            }
        };
        match self.fs.kind(&real) {
            Ok(FileKind::File) => {
                self.check_file_bounds(&real, referrer)?;
                Ok(Entry::File(real))
            }
            Ok(FileKind::Dir) => {
                self.check_dir(&real, referrer)?;
                Ok(Entry::Dir(real))
            }
            Ok(FileKind::Special) => Err(Error::SpecialFile {
                referrer: referrer.into(),
                path: real,
            }),
            Err(_) => Err(Error::Missing {
                referrer: referrer.into(),
                entry: entry.into(),
                path: joined,
            }),
        }
    }

    fn check_file_bounds(&self, real: &Path, referrer: &str) -> Result<()> {
        if !real.starts_with(&self.root) {
            return Err(Error::OutsideRoot {
                referrer: referrer.into(),
                path: real.to_path_buf(),
                root: self.root.clone(),
            });
        }
        Ok(())
    }

    fn check_dir(&self, real: &Path, referrer: &str) -> Result<()> {
        if let Some(repo) = &self.repo_root
            && !real.starts_with(repo)
        {
            return Err(Error::OutsideRepository {
                referrer: referrer.into(),
                path: real.to_path_buf(),
                root: repo.clone(),
            });
        }
        if let Some(visited) = self.chain.iter().find(|v| v.starts_with(real)) {
            return Err(Error::Cycle {
                referrer: referrer.into(),
                candidate: real.to_path_buf(),
                visited: visited.clone(),
            });
        }
        Ok(())
    }

    /// A loader for a sub-kustomization directory (already resolved by [`resolve_entry`]).
    ///
    /// [`resolve_entry`]: Loader::resolve_entry
    pub fn child(&self, real_dir: PathBuf) -> Loader<'a> {
        let mut chain = self.chain.clone();
        chain.push(real_dir.clone());
        Loader {
            fs: self.fs,
            root: real_dir,
            repo_root: self.repo_root.clone(),
            chain,
            max_file_bytes: self.max_file_bytes,
        }
    }

    /// Reads a file listed by this kustomization (generator source, env file).
    pub fn read_file(&self, rel: &str, referrer: &str) -> Result<Vec<u8>> {
        if looks_remote(rel) {
            return Err(Error::Remote {
                referrer: referrer.into(),
                entry: rel.into(),
            });
        }
        let joined = self.root.join(rel);
        let real = self.fs.real_path(&joined).map_err(|_| Error::Missing {
            referrer: referrer.into(),
            entry: rel.into(),
            path: joined.clone(),
        })?;
        self.check_file_bounds(&real, referrer)?;
        self.read_bytes_at(&real, referrer)
    }

    fn read_bytes_at(&self, real: &Path, referrer: &str) -> Result<Vec<u8>> {
        match self.fs.kind(real) {
            Ok(FileKind::File) => {}
            Ok(FileKind::Dir) => {
                return Err(Error::Read {
                    path: real.to_path_buf(),
                    message: format!("is a directory, not a file (listed in {referrer})"),
                });
            }
            _ => {
                return Err(Error::SpecialFile {
                    referrer: referrer.into(),
                    path: real.to_path_buf(),
                });
            }
        }
        let size = self.fs.size(real).unwrap_or(0);
        if size > self.max_file_bytes {
            return Err(Error::Read {
                path: real.to_path_buf(),
                message: format!(
                    "file is {size} bytes, more than the limit of {} (--max-file-bytes)",
                    self.max_file_bytes
                ),
            });
        }
        self.fs.read(real).map_err(|e| Error::Read {
            path: real.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Reads a resolved file as UTF-8 text.
    pub fn read_text_at(&self, real: &Path, referrer: &str) -> Result<String> {
        let bytes = self.read_bytes_at(real, referrer)?;
        String::from_utf8(bytes).map_err(|e| Error::Read {
            path: real.to_path_buf(),
            message: format!(
                "not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })
    }
}
