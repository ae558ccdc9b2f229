//! Read EXIF, XMP and QuickTime metadata from photo and video files into one typed model.
//!
//! # Brief overview
//! - [`Metadata`] is the model: typed fields (capture time as a [`CaptureTime`] that keeps
//!   "local with offset", "local only" and "UTC instant" apart, a validated [`GpsPosition`],
//!   [`Rating`], [`Orientation`], ...), each main value with its [`Source`], plus every tag read,
//!   raw, in [`Metadata::tags`].
//! - [`read_path`] reads one file (format detected from magic bytes by [`detect_format`], not
//!   the extension) and merges its XMP sidecars (`NAME.EXT.xmp` always, `NAME.xmp` for raws
//!   and files without XMP of their own: [`sidecar_paths`]); [`Reader`] does the same with
//!   [`Limits`].
//! - [`Error`] is the one error type of the crate.
//! - The container layer, shared with the editor, motion-photo and preview code: [`tiff`] (one
//!   bounded IFD walker, entries with their offsets), [`bmff`] (one ISO-BMFF box iterator,
//!   `iloc`/`iinf`), [`jpeg`] (one bounded marker-segment walker), [`iptc`] (Photoshop image
//!   resources and IPTC-IIM datasets).
//! - [`walk`] lists the files of a folder tree, skipping system and NAS entries.
//!
//! # XMP and IPTC
//!
//! Keywords, title, description and creator can sit in both XMP and IPTC-IIM. They are chosen
//! by the Metadata Working Group's rule, as exiftool's MWG module applies it: XMP, unless the
//! file has IPTC and either the `IPTCDigest` Photoshop stored differs from the MD5 of the IPTC
//! now in the file (a tool unaware of XMP changed the IPTC since) or XMP lacks the value; then
//! IPTC, with values cut at the IIM length limit restored from XMP. EXIF `ImageDescription`
//! and `Artist` come first for the description and creator. Both sources stay in
//! [`Metadata::tags`] (`IPTC:Keywords`, `XMP-dc:subject`, `Photoshop:IPTCDigest`,
//! `File:CurrentIPTCDigest`). IIM text is UTF-8 when 1:90 says so or the bytes are valid UTF-8,
//! else Latin-1 with a warning.
//!
//! Reading touches only metadata: JPEG segments up to the scan, PNG chunks except `IDAT`, box
//! headers and the `meta`/`moov` boxes of ISO-BMFF files, IFDs and their values in TIFF-based
//! raw files. [`Metadata::bytes_read`] counts it.
//!
//! ```
//! // A JPEG with no metadata at all still gives its size.
//! let jpeg = [0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0, 0xFF, 0xDA];
//! let md = albumen_meta::Reader::new().read_bytes(&jpeg)?;
//! assert_eq!(md.format, Some(albumen_meta::Format::Jpeg));
//! assert_eq!((md.width, md.height), (Some(64), Some(48)));
//! # Ok::<(), albumen_meta::Error>(())
//! ```

#![forbid(unsafe_code)]

pub mod bmff;
mod detect;
pub mod encode;
mod error;
mod exif;
mod io;
pub mod iptc;
mod isobmff;
pub mod jpeg;
mod misc;
mod model;
mod png;
mod reader;
mod sidecar;
pub mod tiff;
mod ts;
pub mod walk;
mod webp;
mod xmp;

pub use detect::detect_format;
pub use error::Error;
pub use model::*;
pub use png::raw_profile as decode_raw_profile;
pub use reader::{open_noatime, read_path, Limits, Reader};
pub use sidecar::{sidecar_paths, sidecar_write_path, stem_sidecar_applies};
pub use xmp::decode_packet as decode_xmp_packet;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
