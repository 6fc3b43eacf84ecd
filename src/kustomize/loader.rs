//! Hermetic loading: resolves the paths a kustomization lists and enforces the bounds —
//! files inside the kustomization's own directory (kustomize's root-only rule), directories
//! inside the repository root, symlinks resolved before checking, no special files, no
//! remote resources, no cycles.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::kustomize::error::{Error, Result};
use crate::kustomize::fs::{FileKind, FileSystem};
use crate::kustomize::kustomization::KUSTOMIZATION_FILE_NAMES;

/// Largest file rollpin reads, by default (kustomization, resource, generator source).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 << 20;

/// Bounds on what one build may load; every one has a `rollpin render --max-…` flag.
/// The defaults are far above real repositories (the largest case of the real-world corpus
/// and a 36 000-object synthetic app stay well below each) and keep a hostile repository
/// from exhausting the repo-server sidecar. SECURITY.md lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single file (`--max-file-bytes`).
    pub max_file_bytes: u64,
    /// Bytes of all distinct files read by the build together (`--max-total-bytes`).
    pub max_total_bytes: u64,
    /// YAML documents in one file (`--max-documents-per-file`).
    pub max_documents_per_file: usize,
    /// YAML documents read from resource files in the whole build (`--max-documents`).
    pub max_documents: usize,
    /// Resources accumulated by the build, generated ones included (`--max-resources`).
    pub max_resources: usize,
    /// Deepest nesting of YAML collections, aliases included (`--max-depth`).
    pub max_depth: usize,
    /// YAML nodes the build's resource files may produce together, every alias expansion
    /// counted; any other single file (kustomization, patch, configuration) is bounded by
    /// it too (`--max-yaml-nodes`).
    pub max_yaml_nodes: usize,
    /// Kustomizations and components the build visits, each visit counted
    /// (`--max-kustomizations`).
    pub max_kustomizations: usize,
}

impl Limits {
    /// Highest `--max-depth` accepted: the reader recurses once per level, and deeper
    /// trees would risk the stack of the parsing threads.
    pub const MAX_DEPTH_CEILING: usize = 1000;

    /// The defaults (see the field docs and SECURITY.md).
    pub const DEFAULT: Limits = Limits {
        max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        max_total_bytes: 256 << 20,
        max_documents_per_file: 100_000,
        max_documents: 250_000,
        max_resources: 250_000,
        max_depth: crate::yaml::Limits::DEFAULT.max_depth,
        max_yaml_nodes: crate::yaml::Limits::DEFAULT.max_nodes,
        max_kustomizations: 10_000,
    };

    /// The YAML reader's bounds.
    pub fn yaml(&self) -> crate::yaml::Limits {
        crate::yaml::Limits {
            max_nodes: self.max_yaml_nodes,
            max_depth: self.max_depth.min(Self::MAX_DEPTH_CEILING),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A YAML error message, with the flag that raises the limit it hit (if it hit one).
pub fn yaml_message(message: String) -> String {
    if message.contains("max depth") {
        format!("{message} (limit: --max-depth)")
    } else if message.contains("recursion limit exceeded") {
        format!("{message}: nesting is too deep for the YAML parser")
    } else if message.contains("excessive aliasing") || message.contains("nodes (after alias") {
        format!("{message} (limit: --max-yaml-nodes, for the whole build)")
    } else {
        message
    }
}

/// What the whole build has loaded so far (shared by every loader of one build and by the
/// parsing threads).
#[derive(Debug, Default)]
struct Usage {
    bytes: AtomicU64,
    /// YAML nodes of the resource files parsed ahead of the build.
    prefetched_nodes: AtomicUsize,
    /// Files already counted (a file read twice counts once).
    counted: Mutex<HashSet<PathBuf>>,
}

/// The loader for one kustomization directory.
pub struct Loader<'a> {
    fs: &'a dyn FileSystem,
    /// Real path of this kustomization's directory.
    pub root: PathBuf,
    /// Real path of the repository root, when known.
    pub repo_root: Option<PathBuf>,
    /// Real paths of the kustomizations that led here (outermost first).
    chain: Vec<PathBuf>,
    /// The build's limits.
    pub limits: Limits,
    usage: Arc<Usage>,
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
        limits: Limits,
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
                written: dir.to_path_buf(),
                path: root,
                root: repo.clone(),
            });
        }
        Ok(Loader {
            fs,
            chain: vec![root.clone()],
            root,
            repo_root,
            limits,
            usage: Arc::default(),
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
                // A kustomization file that is a symlink must stay inside its directory
                // (or the repository, when its root is known).
                let referrer = one.display().to_string();
                let real = self.fs.real_path(one).map_err(|e| Error::Read {
                    path: one.clone(),
                    message: e.to_string(),
                })?;
                let inside = real.starts_with(&self.root)
                    || self.repo_root.as_ref().is_some_and(|r| real.starts_with(r));
                if !inside {
                    return Err(Error::OutsideRoot {
                        referrer,
                        written: one.clone(),
                        path: real,
                        root: self.repo_root.clone().unwrap_or_else(|| self.root.clone()),
                    });
                }
                let text = self.read_text_at(&real, &referrer)?;
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
                self.check_file_bounds(&real, &joined, referrer)?;
                Ok(Entry::File(real))
            }
            Ok(FileKind::Dir) => {
                self.check_dir(&real, &joined, referrer)?;
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

    fn check_file_bounds(&self, real: &Path, written: &Path, referrer: &str) -> Result<()> {
        if !real.starts_with(&self.root) {
            return Err(Error::OutsideRoot {
                referrer: referrer.into(),
                written: written.to_path_buf(),
                path: real.to_path_buf(),
                root: self.root.clone(),
            });
        }
        Ok(())
    }

    fn check_dir(&self, real: &Path, written: &Path, referrer: &str) -> Result<()> {
        if let Some(repo) = &self.repo_root
            && !real.starts_with(repo)
        {
            return Err(Error::OutsideRepository {
                referrer: referrer.into(),
                written: written.to_path_buf(),
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
            limits: self.limits,
            usage: Arc::clone(&self.usage),
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
        self.check_file_bounds(&real, &joined, referrer)?;
        self.read_bytes_at(&real, referrer)
            .map_err(|e| e.written_as(&real, &joined))
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
        if size > self.limits.max_file_bytes {
            return Err(Error::Limit {
                path: real.to_path_buf(),
                what: format!("file is {size} bytes"),
                limit: self.limits.max_file_bytes,
                flag: "--max-file-bytes",
            });
        }
        let bytes = self.fs.read(real).map_err(|e| Error::Read {
            path: real.to_path_buf(),
            message: e.to_string(),
        })?;
        // The size may have changed since `size`: check what was actually read.
        let len = bytes.len() as u64;
        if len > self.limits.max_file_bytes {
            return Err(Error::Limit {
                path: real.to_path_buf(),
                what: format!("file is {len} bytes"),
                limit: self.limits.max_file_bytes,
                flag: "--max-file-bytes",
            });
        }
        self.count_bytes(real, len)?;
        Ok(bytes)
    }

    /// Counts the nodes of a resource file parsed ahead of the build; false once the
    /// parsing threads have used up `--max-yaml-nodes` (they stop: the build then reads
    /// the rest itself, in order, and reports the limit deterministically).
    pub fn note_prefetched_nodes(&self, nodes: usize) -> bool {
        let total = self
            .usage
            .prefetched_nodes
            .fetch_add(nodes, Ordering::Relaxed)
            + nodes;
        total <= self.limits.max_yaml_nodes
    }

    /// True while the parsing threads are within `--max-yaml-nodes`.
    pub fn prefetch_within_nodes(&self) -> bool {
        self.usage.prefetched_nodes.load(Ordering::Relaxed) <= self.limits.max_yaml_nodes
    }

    /// Bytes left of `--max-total-bytes`.
    pub fn bytes_left(&self) -> u64 {
        self.limits
            .max_total_bytes
            .saturating_sub(self.usage.bytes.load(Ordering::Relaxed))
    }

    /// Counts a file's bytes (once per file) against `--max-total-bytes`.
    fn count_bytes(&self, real: &Path, len: u64) -> Result<()> {
        let first = match self.usage.counted.lock() {
            Ok(mut set) => set.insert(real.to_path_buf()),
            Err(poisoned) => poisoned.into_inner().insert(real.to_path_buf()),
        };
        if !first {
            return Ok(());
        }
        let total = self.usage.bytes.fetch_add(len, Ordering::Relaxed) + len;
        if total > self.limits.max_total_bytes {
            return Err(Error::Limit {
                path: real.to_path_buf(),
                what: format!("reading this file brings the build to {total} bytes loaded"),
                limit: self.limits.max_total_bytes,
                flag: "--max-total-bytes",
            });
        }
        Ok(())
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
