//! Files as the index sees them, for the crates above it (the scanner, the copy operations,
//! the server): a file's `stat` fingerprint, its BLAKE3 hash, paths as stored bytes, the media
//! filter a scan applies, and the sidecar naming rules (XMP, AAE) a file's companions follow.
//!
//! ```
//! use albumen_index::files::{claimed_bases, sidecar_base, SidecarKind};
//!
//! assert_eq!(sidecar_base(b"IMG_1.JPG.xmp"), Some((&b"IMG_1.JPG"[..], SidecarKind::Xmp)));
//! assert!(claimed_bases(b"IMG_1234.HEIC").contains(&(b"IMG_O1234".to_vec(), SidecarKind::Aae)));
//! ```

pub use crate::library::{lossy_path, lossy_paths};
pub use crate::pairs::{bytes_of, path_of};
pub use crate::record::{hash_file, hash_file_len, io_reason, meta_error_is_vanished};

use std::fs;

/// The kinds of sidecar files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SidecarKind {
    /// An XMP sidecar (`NAME.xmp`, `NAME.EXT.xmp`).
    Xmp,
    /// An Apple edit file (`NAME.AAE`).
    Aae,
}

/// A sidecar name split into its base and kind: `IMG_1.JPG.xmp` → (`IMG_1.JPG`, Xmp).
pub fn sidecar_base(name: &[u8]) -> Option<(&[u8], SidecarKind)> {
    let dot = name.iter().rposition(|&b| b == b'.')?;
    let (base, ext) = (&name[..dot], &name[dot + 1..]);
    if base.is_empty() {
        return None;
    }
    if ext.eq_ignore_ascii_case(b"xmp") {
        Some((base, SidecarKind::Xmp))
    } else if ext.eq_ignore_ascii_case(b"aae") {
        Some((base, SidecarKind::Aae))
    } else {
        None
    }
}

/// The sidecar bases a media file claims, as albumen-meta's `sidecar_paths` names XMP
/// sidecars (`NAME.xmp`, `NAME.EXT.xmp`), plus Apple's edit files: `NAME.AAE`, and
/// `IMG_O1234.AAE` for `IMG_1234.*` (the name iOS 16 and later give an original's edits).
pub fn claimed_bases(name: &[u8]) -> Vec<(Vec<u8>, SidecarKind)> {
    let stem = match name.iter().rposition(|&b| b == b'.') {
        Some(dot) if dot > 0 => &name[..dot],
        _ => name,
    };
    let mut out = vec![
        (name.to_vec(), SidecarKind::Xmp),
        (stem.to_vec(), SidecarKind::Xmp),
        (stem.to_vec(), SidecarKind::Aae),
    ];
    if let Some(digits) = stem.strip_prefix(b"IMG_") {
        if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
            out.push(([b"IMG_O", digits].concat(), SidecarKind::Aae));
        }
    }
    out
}

/// What `stat` says about a file: the fingerprint a rescan compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i64,
    /// Device number (0 where the platform has none).
    pub dev: u64,
    /// Inode number (0 where the platform has none).
    pub inode: u64,
    /// Number of hard links (1 where the platform has none).
    pub nlink: u64,
}

impl Stat {
    /// The fingerprint of `m` (from `symlink_metadata` or `metadata`).
    pub fn of(m: &fs::Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let mtime_ns = m
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(m.mtime_nsec());
            Stat {
                size: m.size(),
                mtime_ns,
                dev: m.dev(),
                inode: m.ino(),
                nlink: m.nlink(),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
            Stat {
                size: m.len(),
                mtime_ns,
                dev: 0,
                inode: 0,
                nlink: 1,
            }
        }
    }
}

/// A `u64` as the index stores it: SQLite stores signed 64-bit integers, so device and inode
/// numbers are stored bit-for-bit.
pub fn to_i64(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}
