//! Reading a file: format detection and dispatch.

use std::path::Path;

use crate::{Error, Metadata};

/// Bounds on what a read may allocate.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest metadata block (EXIF, XMP, box) read into memory, in bytes.
    pub max_block: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_block: 64 << 20,
        }
    }
}

/// A configurable reader.
#[derive(Debug, Clone, Default)]
pub struct Reader {
    limits: Limits,
}

impl Reader {
    /// A reader with default limits.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
    /// Reads the metadata of a file.
    pub fn read_path(&self, path: &Path) -> Result<Metadata, Error> {
        let _ = (path, self.limits);
        Err(Error::UnknownFormat)
    }
}

/// Reads the metadata of a file with default settings.
pub fn read_path(path: impl AsRef<Path>) -> Result<Metadata, Error> {
    Reader::new().read_path(path.as_ref())
}
