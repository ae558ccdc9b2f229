//! What the index keeps of one file's content: the columns extracted from its
//! [`albumen_meta::Metadata`], or why it could not be read.

use std::io::{self, Read};
use std::path::Path;

use std::time::SystemTime;

use albumen_meta::{CaptureTime, Format, Metadata};
use albumen_timeline::ResolveOptions;
use chrono::SecondsFormat;

/// Columns of `files` that come from reading the file (not from `stat`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Content {
    pub format: Option<&'static str>,
    pub kind: Option<&'static str>,
    pub capture_kind: Option<&'static str>,
    pub capture_local: Option<String>,
    pub capture_utc: Option<String>,
    pub capture_offset_s: Option<i32>,
    pub capture_source: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub alt: Option<f64>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens: Option<String>,
    pub content_id: Option<String>,
    pub burst_id: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub orientation: Option<u8>,
    pub duration_s: Option<f64>,
    pub motion_photo: bool,
    pub rating: Option<i8>,
    /// Keywords (`albumen-meta`'s reconciled IPTC/XMP keywords), for the `keywords` table.
    pub keywords: Vec<String>,
    pub bytes_read: Option<u64>,
    /// The capture time resolved by `albumen-timeline` (UTC instant, local time, offset, zone,
    /// rule, confidence).
    pub time_utc: Option<String>,
    pub time_local: Option<String>,
    pub time_offset_s: Option<i32>,
    pub time_zone: Option<&'static str>,
    pub time_source: Option<&'static str>,
    pub time_confidence: Option<&'static str>,
    pub hash: Option<[u8; 32]>,
    /// Short machine-readable reason when the metadata could not be read.
    pub error_reason: Option<&'static str>,
    /// The error message.
    pub error: Option<String>,
}

/// Kind of media, as stored in `files.kind`.
pub(crate) fn kind_of(format: Format, meta: &Metadata) -> &'static str {
    if format.is_video() {
        "video"
    } else if meta.motion_photo.is_some() {
        "motion-photo"
    } else if format.is_raw() {
        "raw"
    } else {
        "photo"
    }
}

impl Content {
    /// The columns of a successfully read file; `mtime` is the file's modification time (the
    /// timeline's last resort).
    pub(crate) fn from_metadata(
        meta: &Metadata,
        mtime: Option<SystemTime>,
        time_opts: &ResolveOptions,
    ) -> Self {
        let resolved = albumen_timeline::resolve(meta, mtime, time_opts);
        let format = meta.format.unwrap_or(Format::Unknown);
        let (capture_kind, capture_local, capture_utc, capture_offset_s, capture_source) =
            match &meta.capture {
                Some(c) => {
                    let kind = match c.value {
                        CaptureTime::Zoned { .. } => "zoned",
                        CaptureTime::Floating { .. } => "floating",
                        CaptureTime::Utc { .. } => "utc",
                    };
                    (
                        Some(kind),
                        c.value
                            .local()
                            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
                        c.value
                            .utc()
                            .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
                        c.value.offset().map(|o| o.local_minus_utc()),
                        Some(c.source.to_string()),
                    )
                }
                None => (None, None, None, None, None),
            };
        let gps = meta.gps.as_ref().map(|g| g.value);
        Content {
            format: Some(format.name()),
            kind: Some(kind_of(format, meta)),
            capture_kind,
            capture_local,
            capture_utc,
            capture_offset_s,
            capture_source,
            lat: gps.map(|g| g.lat),
            lon: gps.map(|g| g.lon),
            alt: gps.and_then(|g| g.alt),
            make: meta.make.clone(),
            model: meta.model.clone(),
            lens: meta.lens.clone(),
            content_id: meta.content_id.clone(),
            burst_id: meta.burst_id.clone(),
            width: meta.width,
            height: meta.height,
            orientation: meta.orientation.map(|o| o.get()),
            duration_s: meta.duration_s.filter(|d| d.is_finite()),
            motion_photo: meta.motion_photo.is_some(),
            rating: meta.rating.map(|r| r.get()),
            keywords: crate::keywords::normalize(&meta.keywords),
            bytes_read: Some(meta.bytes_read),
            time_utc: resolved.map(|t| t.utc.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            time_local: resolved.map(|t| t.local.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
            time_offset_s: resolved.map(|t| t.offset.local_minus_utc()),
            time_zone: resolved.and_then(|t| t.zone).map(|z| z.name()),
            time_source: resolved.map(|t| t.source.name()),
            time_confidence: resolved.map(|t| t.confidence.name()),
            hash: None,
            error_reason: None,
            error: None,
        }
    }

    /// The columns of a file whose metadata could not be read.
    pub(crate) fn from_error(e: &albumen_meta::Error) -> Self {
        Content {
            error_reason: Some(meta_error_reason(e)),
            error: Some(e.to_string()),
            ..Content::default()
        }
    }
}

/// A short, stable reason for an `albumen-meta` error (`files.error_reason`).
pub(crate) fn meta_error_reason(e: &albumen_meta::Error) -> &'static str {
    use albumen_meta::Error as E;
    match e {
        E::Io { source, .. } => io_reason(source),
        E::NotAFile(_) => "not-a-file",
        E::Empty => "empty",
        E::UnknownFormat => "unknown-format",
        E::Malformed { .. } => "malformed",
        E::TooLarge { .. } => "too-large",
        _ => "unreadable",
    }
}

/// A short, stable reason for an I/O error (`errors.reason`).
pub(crate) fn io_reason(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => "vanished",
        io::ErrorKind::PermissionDenied => "permission-denied",
        _ => "io-error",
    }
}

/// Whether an `albumen-meta` error means the file is no longer there.
pub(crate) fn meta_error_is_vanished(e: &albumen_meta::Error) -> bool {
    matches!(e, albumen_meta::Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
}

/// Streams a file through BLAKE3 (fixed 64 KiB buffer; memory does not grow with the size).
pub fn hash_file(path: &Path) -> io::Result<[u8; 32]> {
    hash_file_len(path).map(|(h, _)| h)
}

/// [`hash_file`], and the number of bytes hashed.
pub fn hash_file_len(path: &Path) -> io::Result<([u8; 32], u64)> {
    let mut f = albumen_meta::open_noatime(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(buf.get(..n).unwrap_or_default());
        len = len.saturating_add(n as u64);
    }
    Ok((*hasher.finalize().as_bytes(), len))
}
