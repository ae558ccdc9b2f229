//! The crate's error type.

use std::path::PathBuf;

/// What can go wrong planning or applying an edit. Whatever the variant, the original file is
/// left byte-identical.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading, writing or renaming failed.
    #[error("{path}: {source}")]
    Io {
        /// The file involved (the original, the temporary file or the directory).
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a regular file.
    #[error("{0}: not a regular file")]
    NotAFile(PathBuf),
    /// The file is larger than [`crate::Options::max_file_size`].
    #[error("file of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// File size.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// The format is not one the editor can write.
    #[error("unsupported format: {0}")]
    Unsupported(String),
    /// The format is edited through an XMP sidecar (camera raws, and the formats the editor
    /// does not write inside: CRW, GIF, AVI, Matroska/WebM, PSD, JPEG XL, BMP, BigTIFF), so
    /// there are no new file bytes to return: [`crate::edit_bytes`] and [`crate::edit_stream`]
    /// refuse it; [`crate::apply`] on a path writes the sidecar.
    #[error(
        "{format} is edited through an XMP sidecar, not inside the file; use apply() on a path"
    )]
    SidecarOnly {
        /// The format's short name (`"nef"`, `"gif"`, ...).
        format: &'static str,
    },
    /// Reading the input or writing the output of [`crate::edit_stream`] failed.
    #[error("{side}: {source}")]
    Stream {
        /// `"input"` or `"output"`.
        side: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is malformed where the editor needs to change it.
    #[error("malformed {what} at byte {offset}")]
    Malformed {
        /// What was being parsed (`"TIFF IFD"`, `"JPEG segment"`, `"iloc box"`, ...).
        what: &'static str,
        /// Where, from the start of the containing structure.
        offset: u64,
    },
    /// The XMP packet could not be parsed.
    #[error("XMP: {0}")]
    Xmp(String),
    /// The new metadata does not fit (a JPEG APP1 segment is limited to 65533 bytes).
    #[error("{what} would be {len} bytes, more than the {limit} the format allows")]
    DoesNotFit {
        /// What would not fit.
        what: &'static str,
        /// The size it would need.
        len: usize,
        /// The format's limit.
        limit: usize,
    },
    /// An edit needs a value the file does not have (shifting a time when there is none).
    #[error("cannot {0}")]
    Missing(&'static str),
    /// The edit list itself is invalid (e.g. two different times to set).
    #[error("invalid edit: {0}")]
    InvalidEdit(String),
    /// The file changed on disk between reading it and replacing it; nothing was written.
    #[error("{0}: changed on disk while being edited; left untouched")]
    ChangedOnDisk(PathBuf),
    /// A leftover in-place journal does not match the file any more (another file under the
    /// name, or changed since): nothing was written; delete the journal to keep the file as it
    /// is.
    #[error("{path}: the leftover in-place journal {journal} no longer matches the file; nothing was written (delete the journal to keep the file as it is)")]
    StaleJournal {
        /// The file.
        path: PathBuf,
        /// The journal.
        journal: PathBuf,
    },
    /// An in-place patch failed midway and its undo could not be applied: the journal beside
    /// the file holds the original bytes ([`crate::recover`] applies it).
    #[error("{path}: in-place edit interrupted; original bytes kept in {journal}")]
    Interrupted {
        /// The file.
        path: PathBuf,
        /// The undo journal.
        journal: PathBuf,
    },
}

pub(crate) type Result<T> = std::result::Result<T, Error>;

pub(crate) fn malformed<T>(what: &'static str, offset: usize) -> Result<T> {
    Err(Error::Malformed {
        what,
        offset: offset as u64,
    })
}
