//! The crate's error type.

use std::path::{Path, PathBuf};

/// What can go wrong reading metadata.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Seeking or reading the source of [`crate::Reader::read_reader`] failed.
    #[error("reading the source: {source}")]
    Stream {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a regular file.
    #[error("{0}: not a regular file")]
    NotAFile(PathBuf),
    /// The file is empty.
    #[error("empty file")]
    Empty,
    /// The format was not recognised.
    #[error("unrecognised file format")]
    UnknownFormat,
    /// The file is malformed at a given offset.
    #[error("malformed {what} at byte {offset}")]
    Malformed {
        /// What was being parsed.
        what: &'static str,
        /// Where.
        offset: u64,
    },
    /// A limit was exceeded (a declared length larger than allowed).
    #[error("{what} of {len} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// What was being read.
        what: &'static str,
        /// Declared length.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// A folder nested deeper than a walk enters ([`crate::walk::MAX_DEPTH`]).
    #[error("{path}: nested deeper than {depth} folders; not entered")]
    TooDeep {
        /// The folder.
        path: PathBuf,
        /// The limit.
        depth: usize,
    },
}

impl Error {
    /// The file or folder the error is about, where it names one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io { path, .. } | Error::NotAFile(path) | Error::TooDeep { path, .. } => {
                Some(path)
            }
            _ => None,
        }
    }
}
