//! The crate's one error type.

use std::path::PathBuf;

/// What stops a scan as a whole; problems with single files are data (in the report and the
/// index), not errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The index could not be read or written, or another scan holds it.
    #[error(transparent)]
    Index(#[from] albumen_index::Error),
    /// A root could not be resolved.
    #[error("{path}: {source}")]
    Io {
        /// The root as given.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A root to scan is not a folder.
    #[error("{0}: not a folder")]
    NotADirectory(PathBuf),
    /// The database would be written inside a folder being scanned (the scanner never writes
    /// there).
    #[error("the index database {db} is inside the scanned folder {root}; put it elsewhere")]
    DbInsideRoot {
        /// The database path.
        db: PathBuf,
        /// The root that contains it.
        root: PathBuf,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
