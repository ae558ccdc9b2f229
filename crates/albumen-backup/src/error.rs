//! The crate's one error type.

use std::path::PathBuf;

/// What stops an export, sync, archive or verify as a whole; problems with single files are in
/// the reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The index could not be read or written.
    #[error(transparent)]
    Index(#[from] albumen_index::Error),
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A folder given is not a folder.
    #[error("{0}: not a folder")]
    NotADirectory(PathBuf),
    /// The index database lies inside the destination.
    #[error("the index database {db} is inside the folder {root}; put it elsewhere")]
    DbInsideRoot {
        /// The index database.
        db: PathBuf,
        /// The folder.
        root: PathBuf,
    },
    /// A worker thread failed.
    #[error("worker failed: {0}")]
    Worker(String),
    /// A time bound is neither `YYYY-MM-DD` nor `YYYY-MM-DDTHH:MM` (nor with `:SS`).
    #[error("{0:?}: not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM)")]
    BadTime(String),
    /// The time range ends before it starts.
    #[error("the time range {from} .. {to} ends before it starts")]
    EmptyRange {
        /// The start as given.
        from: String,
        /// The end as given.
        to: String,
    },
    /// An export destination that is a root of the library itself: the copies would be the
    /// originals.
    #[error("the destination {dest} is the library root {root}; export to another folder")]
    DestIsRoot {
        /// The destination.
        dest: PathBuf,
        /// The library root it is.
        root: PathBuf,
    },
    /// An archive whose source and destination libraries are the same.
    #[error("cannot archive library {0:?} into itself; name another --to-library")]
    SameLibrary(String),
    /// An archive folder inside a root of the library being archived, or holding one: the
    /// archived files would still be in the live tree.
    #[error("the archive folder {dest} overlaps the library root {root}; archive to a folder outside it")]
    ArchiveOverlaps {
        /// The archive folder.
        dest: PathBuf,
        /// The root of the library being archived.
        root: PathBuf,
    },
    /// A backup to verify that is a root of the library itself.
    #[error("{backup} is the library root itself, not a copy of it")]
    BackupIsRoot {
        /// The folder given as the backup.
        backup: PathBuf,
    },
    /// An export that would remove the originals after copies that are not byte-identical
    /// (stripped of their location or serial numbers): what was removed would be lost.
    #[error("--remove-originals cannot be combined with stripping the copies: the originals are the only complete files")]
    StripWithRemoval,
    /// Another `albumen sync` holds the destination.
    #[error("another albumen sync is running into {0}")]
    SyncBusy(PathBuf),
    /// The rclone program could not be started.
    #[error("rclone is not installed (no {program} on PATH; Debian: apt install rclone)")]
    RcloneMissing {
        /// The program that was run.
        program: PathBuf,
    },
    /// rclone's config has no remote of that name.
    #[error("rclone knows no remote named {0:?} (see `rclone listremotes`; RCLONE_CONFIG names the config file)")]
    RcloneUnknownRemote(String),
    /// rclone could not list or check the remote (unreachable, no such folder, bad config).
    #[error("rclone could not check {remote}: {message}")]
    RcloneFailed {
        /// The remote (`REMOTE:PATH`, secrets left out).
        remote: String,
        /// rclone's last message.
        message: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
