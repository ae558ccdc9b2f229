//! The one error type of the crate.

use std::path::PathBuf;

/// What can go wrong in albumen-geo.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A latitude/longitude that is not a position on Earth (not finite, |lat| > 90 or
    /// |lon| > 180).
    #[error("position out of range: lat {lat}, lon {lon}")]
    OutOfRange {
        /// The latitude given.
        lat: f64,
        /// The longitude given.
        lon: f64,
    },
    /// A bounding box whose south edge is north of its north edge, or with a value out of range.
    #[error("invalid bounding box {west},{south},{east},{north}")]
    InvalidBbox {
        /// West edge.
        west: f64,
        /// South edge.
        south: f64,
        /// East edge.
        east: f64,
        /// North edge.
        north: f64,
    },
    /// A web-map zoom level above 20 (zoom levels are 0..=20).
    #[error("zoom {0} out of range 0..=20")]
    InvalidZoom(u8),
    /// The place table is damaged (only possible with a table passed to
    /// [`crate::Geocoder::from_compressed`]; the embedded one is checked by the tests).
    #[error("place table is corrupt at byte {offset}: {what}")]
    CorruptData {
        /// Byte offset in the decompressed table.
        offset: usize,
        /// What was wrong there.
        what: &'static str,
    },
    /// Too many items for the 32-bit item ids of a [`crate::ClusterIndex`].
    #[error("cluster index is full (2^32 - 1 items)")]
    IndexFull,
    /// Walking a folder failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
