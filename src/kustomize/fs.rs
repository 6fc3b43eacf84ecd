//! The filesystem the renderer reads through: the disk, or an in-memory tree for tests.
//!
//! Everything the loader needs is here — read a file, tell files from directories, resolve
//! a path to its real location — so the rest of the renderer never touches `std::fs`.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

/// What a path names, after following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A FIFO, socket, device or anything else that is not a regular file.
    Special,
}

/// Read-only filesystem operations the renderer uses.
pub trait FileSystem: Sync {
    /// Reads a whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The kind of file at `path` (symlinks followed).
    fn kind(&self, path: &Path) -> io::Result<FileKind>;
    /// The absolute path with every symlink and `..` resolved.
    fn real_path(&self, path: &Path) -> io::Result<PathBuf>;
    /// Size in bytes of the file at `path` (symlinks followed).
    fn size(&self, path: &Path) -> io::Result<u64>;
}

/// The real filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiskFs;

impl FileSystem for DiskFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn kind(&self, path: &Path) -> io::Result<FileKind> {
        let md = std::fs::metadata(path)?;
        Ok(if md.is_file() {
            FileKind::File
        } else if md.is_dir() {
            FileKind::Dir
        } else {
            FileKind::Special
        })
    }
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
    fn size(&self, path: &Path) -> io::Result<u64> {
        Ok(std::fs::metadata(path)?.len())
    }
}

/// An in-memory tree of files (no symlinks); directories exist implicitly.
#[derive(Debug, Default, Clone)]
pub struct MemFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemFs {
    /// An empty tree.
    pub fn new() -> MemFs {
        MemFs::default()
    }

    /// Adds a file at an absolute path.
    pub fn write(&mut self, path: impl AsRef<Path>, content: impl Into<Vec<u8>>) {
        self.files.insert(normalize(path.as_ref()), content.into());
    }

    fn is_dir(&self, path: &Path) -> bool {
        path == Path::new("/")
            || self
                .files
                .range(path.to_path_buf()..)
                .next()
                .is_some_and(|(p, _)| p.starts_with(path) && p != path)
    }
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: no such file or directory", path.display()),
    )
}

/// Resolves `.` and `..` lexically.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

impl FileSystem for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| not_found(path))
    }
    fn kind(&self, path: &Path) -> io::Result<FileKind> {
        let p = normalize(path);
        if self.files.contains_key(&p) {
            Ok(FileKind::File)
        } else if self.is_dir(&p) {
            Ok(FileKind::Dir)
        } else {
            Err(not_found(path))
        }
    }
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        let p = normalize(path);
        self.kind(&p)?;
        Ok(p)
    }
    fn size(&self, path: &Path) -> io::Result<u64> {
        Ok(self.read(path)?.len() as u64)
    }
}

/// Another filesystem with one file's content replaced (the app's kustomization as Argo
/// CD's kustomize options edit it), so the build reads the edit without it being written.
pub struct OverlayFs<'a> {
    inner: &'a dyn FileSystem,
    /// Real path of the replaced file.
    path: PathBuf,
    content: Vec<u8>,
}

impl<'a> OverlayFs<'a> {
    /// `inner` with the file at the real path `path` reading as `content`.
    pub fn new(inner: &'a dyn FileSystem, path: PathBuf, content: Vec<u8>) -> OverlayFs<'a> {
        OverlayFs {
            inner,
            path,
            content,
        }
    }

    /// Whether `path` is the replaced file. Only a path that could name it (its file name,
    /// or a kustomization file name, possibly a symlink to it) is resolved: not every file
    /// the build reads.
    fn is_replaced(&self, path: &Path) -> bool {
        if path == self.path {
            return true;
        }
        let name = path.file_name();
        let candidate = name == self.path.file_name()
            || name.is_some_and(|n| {
                crate::kustomize::kustomization::KUSTOMIZATION_FILE_NAMES
                    .iter()
                    .any(|k| n == *k)
            });
        candidate && self.inner.real_path(path).is_ok_and(|p| p == self.path)
    }
}

impl FileSystem for OverlayFs<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if self.is_replaced(path) {
            return Ok(self.content.clone());
        }
        self.inner.read(path)
    }
    fn kind(&self, path: &Path) -> io::Result<FileKind> {
        self.inner.kind(path)
    }
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.real_path(path)
    }
    fn size(&self, path: &Path) -> io::Result<u64> {
        if self.is_replaced(path) {
            return Ok(self.content.len() as u64);
        }
        self.inner.size(path)
    }
}
