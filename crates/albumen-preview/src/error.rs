//! The crate's one error type.

use std::path::PathBuf;

/// Why a preview, a hash or a duplicate report could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The picture declares more pixels than the limit: refused before any pixel is allocated
    /// (a decompression bomb, or a picture too large for previews).
    #[error("{width}x{height} pixels is over the limit of {limit} pixels")]
    TooLarge {
        /// Declared width.
        width: u64,
        /// Declared height.
        height: u64,
        /// The limit ([`crate::Options::max_pixels`]).
        limit: u64,
    },
    /// No decoder for this format (and no embedded preview).
    #[error("no preview for this format ({format})")]
    Unsupported {
        /// The detected format's short name.
        format: &'static str,
    },
    /// The decoder refused the data (corrupt or truncated file, unsupported variant).
    #[error("cannot decode {format}: {message}")]
    Decode {
        /// Which decoder.
        format: &'static str,
        /// The decoder's message.
        message: String,
    },
    /// A third-party decoder panicked on this file (a bug in it, or hostile input): the file
    /// gets this error and the rest of a batch goes on.
    #[error("the {decoder} decoder crashed on this file ({message})")]
    DecoderPanicked {
        /// Which decoder.
        decoder: &'static str,
        /// The panic's message.
        message: String,
    },
    /// A decoder did not finish within [`crate::Options::decode_timeout`]; its thread is left
    /// to finish on its own and its result is dropped.
    #[error("the {decoder} decoder did not finish within {seconds} s")]
    DecoderTimedOut {
        /// Which decoder.
        decoder: &'static str,
        /// The limit, in seconds.
        seconds: f64,
    },
    /// The video tool is not installed.
    #[error("ffmpeg not found (install ffmpeg for video poster frames): {0}")]
    NoFfmpeg(String),
    /// The video tool ran but gave no frame.
    #[error("ffmpeg gave no frame: {0}")]
    Ffmpeg(String),
    /// The thumbnail could not be encoded.
    #[error("encoding the preview: {0}")]
    Encode(String),
    /// The cache directory lies inside a photo root (previews are never written there).
    #[error("the cache {cache} is inside the photo root {root}: choose a cache outside the photo folders")]
    CacheUnderRoot {
        /// The cache directory.
        cache: PathBuf,
        /// The photo root it lies in.
        root: PathBuf,
    },
}

impl Error {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
