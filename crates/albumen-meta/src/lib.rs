//! Read EXIF, XMP and QuickTime metadata from photo and video files into one typed model.
//!
//! # Brief overview
//! - [`Metadata`] is the model: typed fields (capture time as a [`CaptureTime`] that keeps
//!   "local with offset", "local only" and "UTC instant" apart, a validated [`GpsPosition`],
//!   [`Rating`], [`Orientation`], ...), each main value with its [`Source`], plus every tag read,
//!   raw, in [`Metadata::tags`].
//! - [`read_path`] reads one file (format detected from magic bytes, not the extension);
//!   [`Reader`] does the same with [`Limits`] and options, on anything `Read + Seek`.
//! - [`Error`] is the one error type of the crate.

#![forbid(unsafe_code)]

mod error;
mod model;
mod reader;

pub use error::Error;
pub use model::*;
pub use reader::{read_path, Limits, Reader};
