//! The crate's error type.

use std::path::PathBuf;

/// An error of the database engine, opaque: no driver's type is part of this crate's API (the
/// storage boundary; a second engine's errors go in here too). Its message and source chain
/// are the engine's.
#[derive(Debug)]
pub struct DbError(pub(crate) crate::db::Error);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl From<crate::db::Error> for DbError {
    fn from(e: crate::db::Error) -> DbError {
        DbError(e)
    }
}

/// What can stop a scan or an index operation.
///
/// Problems with single files or folders (permission denied, a file that vanished, a file whose
/// metadata cannot be read) do not stop a scan: they are recorded in the database (`errors`
/// table, `files.error_reason`) and counted in the [`crate::ScanReport`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database failed.
    #[error("index database {}: {source}", crate::db::shown(path))]
    Db {
        /// The database file.
        path: PathBuf,
        /// The engine's error.
        #[source]
        source: DbError,
    },
    /// The database's folder could not be created, or a root could not be resolved.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The database was written by a newer, incompatible version of this crate.
    #[error(
        "index database {} has schema version {found}, this build knows {expected}",
        crate::db::shown(path)
    )]
    SchemaVersion {
        /// The database file.
        path: PathBuf,
        /// Version found in the file.
        found: i64,
        /// Version this build writes.
        expected: i64,
    },
    /// No library of that name in the index.
    #[error("no library named {0:?} in the index")]
    NoSuchLibrary(String),
    /// The index holds several libraries and the operation needs one named.
    #[error("the index holds several libraries, name one of: {}", .0.join(", "))]
    LibraryNeeded(Vec<String>),
    /// The index holds no library yet.
    #[error("the index holds no library yet (scan a folder first)")]
    NoLibrary,
    /// Another `albumen scan` is updating the same index (it holds `DB.scan-lock`): two scans
    /// of one index at once would each mark the other's files as gone or changed.
    #[error("another albumen scan is updating the index {0}; run this one when it has finished")]
    ScanBusy(PathBuf),
    /// The index cannot be written where it is (a read-only file system or folder): reading
    /// it works, scanning into it does not.
    #[error("the index {db} cannot be written here (scan into an index on a writable disk)")]
    IndexReadOnly {
        /// The database file.
        db: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// No user of that name in the index.
    #[error("no user named {0:?} in the index")]
    NoSuchUser(String),
    /// A user of that name exists already.
    #[error("a user named {0:?} exists already")]
    UserExists(String),
    /// A user name outside 1-64 letters, digits, `.`, `_`, `-`.
    #[error("{0:?}: a user name is 1 to 64 letters, digits, '.', '_' or '-'")]
    BadUserName(String),
    /// No `files` row with that id.
    #[error("no file with id {0} in the index")]
    NoSuchFile(i64),
    /// No person with that id in the index.
    #[error("no person with id {0} in the index (see `albumen people`)")]
    NoSuchPerson(i64),
    /// A face named for a split is not one of the person's.
    #[error(
        "face {face} is not one of person {person}'s faces (see `albumen people show {person}`)"
    )]
    FaceNotOfPerson {
        /// The face.
        face: i64,
        /// The person.
        person: i64,
    },
    /// A split naming no face.
    #[error("name at least one face to split off")]
    NoFaces,
    /// A person merged into itself.
    #[error("cannot merge person {0} into itself")]
    MergeSelf(i64),
    /// A database backup would overwrite an existing file.
    #[error("{0} exists already; give another name (or remove it first)")]
    BackupExists(PathBuf),
    /// A restore would replace an index another process has open.
    #[error("the index {0} is open in another process (albumen serve, scan?); stop it first, or give --force")]
    IndexInUse(PathBuf),
    /// An operation of SQLite's files asked of a PostgreSQL index (which has its own tools).
    #[error("{0}")]
    PostgresHasItsOwn(&'static str),
    /// A file given as an index backup that is not one.
    #[error("{path} is not an albumen index: {reason}")]
    NotAnIndex {
        /// The file.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// A worker thread of the scan panicked or the writer stopped unexpectedly.
    #[error("scan worker failed: {0}")]
    Worker(String),
    /// An album name is empty, too long or holds control characters.
    #[error("{0:?}: an album name is 1 to 200 characters, no control characters")]
    BadAlbumName(String),
    /// The trash folder is inside a library root (or holds one).
    #[error(
        "the trash folder {trash} overlaps the library root {root}; put it outside every library"
    )]
    TrashInsideRoot {
        /// The trash folder.
        trash: PathBuf,
        /// The root.
        root: PathBuf,
    },
    /// Something is at a path a restore (or a move into the trash) would put a file: nothing
    /// is replaced.
    #[error("{0}: something is there already; nothing was moved (move it away, then restore)")]
    DestinationTaken(PathBuf),
    /// A file the trash's journal names is neither where it was nor where it went.
    #[error("{0}: a trashed file is missing from the trash")]
    TrashFileMissing(PathBuf),
    /// The item is not in the trash.
    #[error("item {0} is not in the trash (see `albumen trash list`)")]
    NotTrashed(i64),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
