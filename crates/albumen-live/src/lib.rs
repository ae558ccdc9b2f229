//! Pair Live Photos and motion photos so that a library shows, copies and deletes them as one
//! item.
//!
//! # Brief overview
//! - [`Pairing`] is the result for a set of files: [`Pair`]s (still, video, [`PairKind`],
//!   confidence 0..=1 and the [`Evidence`] used), orphan stills that claim a video nobody has,
//!   orphan videos, and [`Conflict`]s (one identifier on files that cannot all be paired).
//! - [`pair`] / [`Pairer::pair`] compute it from `(path, &Metadata)` items read by
//!   `albumen-meta`; no file is opened. Apple pairs are made by the content identifier (the
//!   still's MakerNote tag 0x0011 and the video's `com.apple.quicktime.content.identifier`,
//!   both in [`albumen_meta::Metadata::content_id`]), each still taking the video nearest to it
//!   (same folder, then same name, then nearest common folder) so that the same Live Photo in
//!   two libraries is never cross-linked. Files without identifiers fall back to same folder +
//!   same name + a 1.5–3.5 s video + capture times within seconds, as a weaker `name-time` pair.
//!   Names are compared without copy decorations and without icloudpd's (`IMG_1234_HEVC.MOV`,
//!   `_HEIC`, the `-NNNNN` de-duplication ids on either file); in icloudpd's date folders
//!   (`YYYY/MM/DD`, `YYYY-MM-DD`) a video one day folder away from its still is still found.
//! - [`detect_motion_photo`] finds the MP4 embedded in a Google or Samsung motion photo and
//!   [`extract_motion_video`] copies it out byte for byte.
//! - [`scan_roots`] walks folders, reads every file in parallel and pairs them: what
//!   `albumen pairs` prints.
//! - [`stack`] / [`Stacker::stack_with`] group the files of one shot into [`Stack`]s:
//!   RAW+JPEG twins, edited versions with their originals, bursts ([`StackKind`]), each with a
//!   face and its [`StackEvidence`]; [`scan_roots`] reports them too.
//! - [`Pairing::units`] gives the sets of files to copy, archive or delete together.
//! - [`Error`] is the crate's one error type.
//!
//! # Example
//! ```
//! use albumen_live::{pair, PairKind};
//! use albumen_meta::{Format, Metadata};
//!
//! let mut still = Metadata::default();
//! still.format = Some(Format::Heic);
//! still.content_id = Some("ED69AFC7-A2EB-4FE9-88A0-54293FC2478F".into());
//! let mut video = Metadata::default();
//! video.format = Some(Format::Mov);
//! video.content_id = Some("ED69AFC7-A2EB-4FE9-88A0-54293FC2478F".into());
//! let mut lonely = Metadata::default();
//! lonely.format = Some(Format::Heic);
//! lonely.content_id = Some("0FD24349-014A-423D-AE8D-35FCE43A24E7".into());
//!
//! let p = pair([
//!     ("lib/IMG_2929.HEIC", &still),
//!     ("lib/IMG_2929.MOV", &video),
//!     ("lib/IMG_0263.HEIC", &lonely),
//! ]);
//! assert_eq!(p.pairs.len(), 1);
//! assert_eq!(p.pairs[0].kind, PairKind::AppleLive);
//! assert_eq!(p.pairs[0].video.to_str(), Some("lib/IMG_2929.MOV"));
//! assert_eq!(p.orphan_stills[0].path.to_str(), Some("lib/IMG_0263.HEIC"));
//! let json = serde_json::to_value(&p).unwrap();
//! assert_eq!(json["pairs"][0]["kind"], "apple-live");
//! ```

#![forbid(unsafe_code)]

mod error;
mod motion;
mod names;
mod pairing;
pub(crate) mod scan;
mod stacks;

pub use error::Error;
pub use motion::{
    detect_motion_photo, detect_motion_photo_in, extract_motion_video, MAX_META, MAX_TRAILER,
    MAX_XMP,
};
pub use pairing::{
    content_key, name_key, pair, Conflict, ConflictReason, Evidence, Orphan, Pair, PairKind,
    Pairer, Pairing, TimeBasis,
};
pub use scan::{scan_roots, scan_roots_with, Scan, ScanFailure};
pub use stacks::{stack, Stack, StackEvidence, StackKind, Stacker, RAW_EXTENSIONS};
