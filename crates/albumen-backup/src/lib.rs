//! Copies of a photo library elsewhere, and checks of them, from what the index knows.
//!
//! Everything here works from an [`albumen_index::Index`] (a scanned library) and its folders;
//! the index is reached only through its typed methods (this crate writes no SQL). The library's
//! own tree is read-only to all of it except an archive's removal of originals it verified.
//!
//! - [`export`] copies the items of a [`TimeRange`] to another folder, each copy verified
//!   byte for byte (optionally stripped of location and serial numbers, or removing the
//!   originals once verified), with Live Photo videos, stack members and sidecars alongside.
//! - [`sync`] keeps a folder in step with a time range: it copies what is new or changed and
//!   removes what it wrote earlier and the range no longer holds, nothing else.
//! - [`archive`] moves the items of a time range from one library's tree into another's
//!   (export's verified copy, then removal) and moves their index rows with them in one step:
//!   same item ids, new library and paths, nothing left for a rescan to do.
//! - [`verify`] checks a backup folder against the index; [`rclone`] checks an rclone remote
//!   (crypt too) with the same report.
//!
//! [`Error`] is the crate's one error type; problems with single files are in the reports.
//!
//! # Example
//! ```
//! use albumen_backup::{export, ExportOptions, TimeRange};
//! use albumen_index::{Index, NoProgress};
//! use albumen_scan::{Scan, ScanOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let (photos, copies) = (dir.path().join("photos"), dir.path().join("copies"));
//! std::fs::create_dir_all(&photos)?;
//! std::fs::write(photos.join("IMG_0001.JPG"), b"\xff\xd8\xff\xd9")?;
//! let mut index = Index::open(dir.path().join("index.db"))?;
//! index.scan("family", &[photos], &ScanOptions::new(), &NoProgress)?;
//!
//! // No capture time in the file: its modification time (today) places it in the range.
//! let range = TimeRange::parse("2000-01-01", "2100-01-01")?;
//! let report = export::export(&index, &ExportOptions::new(range, &copies), &NoProgress)?;
//! assert!(report.ok());
//! assert_eq!((report.items, report.unknown_time), (1, 0));
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

pub mod archive;
mod error;
pub mod export;
pub mod rclone;
pub mod sync;
pub mod verify;

pub use archive::{ArchiveOptions, ArchiveReport};
pub use error::{Error, Result};
pub use export::{ExportOptions, ExportPlan, ExportReport, Layout, TimeRange};
pub use rclone::RcloneOptions;
pub use sync::{SyncOptions, SyncReport};
pub use verify::{VerifyOptions, VerifyReport};
