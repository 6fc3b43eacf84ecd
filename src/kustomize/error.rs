//! Errors a build can end with. Each names the file (and line or resource id where there is
//! one) and, for cases kustomize users know, uses kustomize's words.

use std::path::PathBuf;

/// ` (a symlink to 'REAL')` when the path the user wrote resolves elsewhere.
fn symlink_note(written: &std::path::Path, real: &std::path::Path) -> String {
    if written == real {
        String::new()
    } else {
        format!(" (which resolves to '{}')", real.display())
    }
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory to build does not exist or is not a directory.
    #[error("must build at directory: '{}' is not a valid directory", .0.display())]
    NotADirectory(PathBuf),
    /// No kustomization file in a directory.
    #[error(
        "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
        .0.display()
    )]
    NoKustomization(PathBuf),
    /// More than one kustomization file in a directory.
    #[error("found multiple kustomization files under '{}': {names}", dir.display())]
    MultipleKustomizations {
        /// The directory.
        dir: PathBuf,
        /// The file names found.
        names: String,
    },
    /// A referenced file or directory does not exist.
    #[error("{referrer}: '{entry}': no such file or directory ({})", path.display())]
    Missing {
        /// The kustomization that lists it.
        referrer: String,
        /// The entry as written.
        entry: String,
        /// The resolved path.
        path: PathBuf,
    },
    /// A file could not be read.
    #[error("{}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Invalid YAML in a file.
    #[error("{}: line {line}: {message}", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// go-yaml style message.
        message: String,
    },
    /// The kustomization file is invalid (unknown field, wrong type, bad kind).
    #[error("{}{}: invalid Kustomization: {message}", path.display(), line.map(|l| format!(": line {l}")).unwrap_or_default())]
    InvalidKustomization {
        /// The kustomization file.
        path: PathBuf,
        /// Line of the offending field, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A resource document is not a usable object.
    #[error("{}: document at line {line}: {message}", path.display())]
    InvalidResource {
        /// The file.
        path: PathBuf,
        /// Line where the document starts.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Two resources with the same id.
    #[error("{origin}: may not add resource with an already registered id: {id}")]
    DuplicateId {
        /// Where the second one came from.
        origin: String,
        /// kustomize's id string.
        id: String,
    },
    /// A kustomization that (indirectly) includes itself.
    #[error(
        "{referrer}: cycle detected: candidate root '{}' contains visited root '{}'",
        candidate.display(), visited.display()
    )]
    Cycle {
        /// The kustomization that lists the directory.
        referrer: String,
        /// The directory listed.
        candidate: PathBuf,
        /// The directory already being built.
        visited: PathBuf,
    },
    /// A file outside the kustomization's directory.
    #[error(
        "{referrer}: security; file '{}'{} is not in or below '{}'",
        written.display(), symlink_note(written, path), root.display()
    )]
    OutsideRoot {
        /// The kustomization that lists it.
        referrer: String,
        /// The path as the user wrote it (joined to its kustomization's directory).
        written: PathBuf,
        /// The file's real path.
        path: PathBuf,
        /// The kustomization's directory.
        root: PathBuf,
    },
    /// A directory outside the repository.
    #[error(
        "{referrer}: security; '{}'{} is outside the repository root '{}' (set --root to widen it)",
        written.display(), symlink_note(written, path), root.display()
    )]
    OutsideRepository {
        /// The kustomization that lists it.
        referrer: String,
        /// The path as the user wrote it (joined to its kustomization's directory).
        written: PathBuf,
        /// The directory's real path.
        path: PathBuf,
        /// The repository root.
        root: PathBuf,
    },
    /// A special file (FIFO, device, socket) where a file was expected.
    #[error("{referrer}: '{}' is not a regular file", path.display())]
    SpecialFile {
        /// The kustomization that lists it.
        referrer: String,
        /// The path.
        path: PathBuf,
    },
    /// A remote resource (URL or git repository).
    #[error(
        "{referrer}: remote resource '{entry}' is refused: rollpin renders hermetically (no network). Vendor it into the repository, or pin it as a directory in the repo"
    )]
    Remote {
        /// The kustomization that lists it.
        referrer: String,
        /// The entry as written.
        entry: String,
    },
    /// A kustomization feature rollpin does not support.
    #[error("{}: '{field}' is not supported: {hint}", path.display())]
    Unsupported {
        /// The kustomization file.
        path: PathBuf,
        /// The field.
        field: String,
        /// What to do instead.
        hint: String,
    },
    /// A generator failed (bad source, clash, bad key).
    #[error("{}: {kind} '{name}': {message}", path.display())]
    Generator {
        /// The kustomization file.
        path: PathBuf,
        /// `configMapGenerator` or `secretGenerator`.
        kind: &'static str,
        /// The generator's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A transformer failed on a resource.
    #[error("{}: {transformer}: {message}", path.display())]
    Transform {
        /// The kustomization file.
        path: PathBuf,
        /// Which field's transformer.
        transformer: &'static str,
        /// What is wrong (names the resource).
        message: String,
    },
    /// A limit of the build was exceeded (see SECURITY.md).
    #[error("{}: {what}: more than the limit of {limit} (raise it with {flag})", path.display())]
    Limit {
        /// The file being read (or the kustomization being built).
        path: PathBuf,
        /// What exceeded the limit.
        what: String,
        /// The limit.
        limit: u64,
        /// The `rollpin render` flag that raises it.
        flag: &'static str,
    },
    /// A failure while fixing name references or writing output.
    #[error("{0}")]
    Build(String),
}

/// Result of a build step.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Names `written` (the path as the user wrote it) instead of `real` (where its
    /// symlinks lead) in an error about reading that file.
    pub fn written_as(self, real: &std::path::Path, written: &std::path::Path) -> Error {
        let swap = |p: PathBuf| if p == real { written.to_path_buf() } else { p };
        match self {
            Error::Read { path, message } => Error::Read {
                path: swap(path),
                message,
            },
            Error::Yaml {
                path,
                line,
                message,
            } => Error::Yaml {
                path: swap(path),
                line,
                message,
            },
            Error::InvalidResource {
                path,
                line,
                message,
            } => Error::InvalidResource {
                path: swap(path),
                line,
                message,
            },
            Error::Limit {
                path,
                what,
                limit,
                flag,
            } => Error::Limit {
                path: swap(path),
                what,
                limit,
                flag,
            },
            other => other,
        }
    }
}
