//! ISO base media files: HEIF/AVIF items and QuickTime/MP4 movies.

use super::Parts;
use crate::error::{Error, Result};

pub(crate) fn heif_parts(_b: &[u8]) -> Result<Parts> {
    Err(Error::Unsupported(
        "HEIF writing is not implemented yet".into(),
    ))
}
