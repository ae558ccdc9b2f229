//! The crate's error type.

use std::path::PathBuf;

/// What can go wrong detecting or extracting a motion photo, or walking a library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The embedded video's byte range does not lie inside the file.
    #[error("{path}: embedded video at byte {offset} (+{length}) lies outside the file ({file_len} bytes)")]
    OutOfRange {
        /// The motion photo.
        path: PathBuf,
        /// Declared offset of the video.
        offset: u64,
        /// Declared length of the video.
        length: u64,
        /// Actual file length.
        file_len: u64,
    },
    /// The bytes at the declared offset are not an MP4/QuickTime file (no `ftyp` box).
    #[error("{path}: no ftyp box at byte {offset}: not an embedded MP4")]
    NotMp4 {
        /// The motion photo.
        path: PathBuf,
        /// Where the video was expected.
        offset: u64,
    },
    /// The metadata of a file could not be read.
    #[error("{path}: {source}")]
    Meta {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        #[source]
        source: albumen_meta::Error,
    },
    /// A folder could not be listed, or was nested too deep, while walking.
    #[error(transparent)]
    Walk(albumen_meta::Error),
    /// A root given to [`crate::scan_roots`] is neither a file nor a folder.
    #[error("{0}: no such file or folder")]
    NoSuchRoot(PathBuf),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
