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
pub struct Content {
    /// Format detected from the bytes (`jpeg`, `heic`, …).
    pub format: Option<&'static str>,
    /// `photo`, `raw`, `video` or `motion-photo`.
    pub kind: Option<&'static str>,
    /// How the file states its capture time (`zoned`, `floating`, `utc`).
    pub capture_kind: Option<&'static str>,
    /// The capture time as the file states it, local wall time.
    pub capture_local: Option<String>,
    /// The capture instant the file states, when it states one.
    pub capture_utc: Option<String>,
    /// The offset the file states, in seconds east of UTC.
    pub capture_offset_s: Option<i32>,
    /// Where the capture time was read (tag or box).
    pub capture_source: Option<String>,
    /// Latitude, degrees north.
    pub lat: Option<f64>,
    /// Longitude, degrees east.
    pub lon: Option<f64>,
    /// Altitude, metres.
    pub alt: Option<f64>,
    /// Camera maker.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
    /// Lens model.
    pub lens: Option<String>,
    /// Apple's content identifier (pairs Live Photos).
    pub content_id: Option<String>,
    /// Burst identifier.
    pub burst_id: Option<String>,
    /// Width in pixels, as displayed.
    pub width: Option<u32>,
    /// Height in pixels, as displayed.
    pub height: Option<u32>,
    /// EXIF orientation (1–8).
    pub orientation: Option<u8>,
    /// Duration of a video, seconds.
    pub duration_s: Option<f64>,
    /// A motion photo (a still with an embedded video).
    pub motion_photo: bool,
    /// Rating (−1 rejected, 0–5).
    pub rating: Option<i8>,
    /// Keywords (`albumen-meta`'s reconciled IPTC/XMP keywords), for the `keywords` table.
    pub keywords: Vec<String>,
    /// Bytes the reader read of the file.
    pub bytes_read: Option<u64>,
    /// The capture time resolved by `albumen-timeline` (UTC instant, local time, offset, zone,
    /// rule, confidence).
    /// Resolved UTC instant.
    pub time_utc: Option<String>,
    /// Resolved local wall time.
    pub time_local: Option<String>,
    /// Resolved offset, seconds east of UTC.
    pub time_offset_s: Option<i32>,
    /// Resolved IANA zone, when known.
    pub time_zone: Option<&'static str>,
    /// The rule that resolved the time.
    pub time_source: Option<&'static str>,
    /// How sure the resolution is.
    pub time_confidence: Option<&'static str>,
    /// BLAKE3 of the bytes, when hashed.
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
    pub fn from_metadata(
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
    pub fn from_error(e: &albumen_meta::Error) -> Self {
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
pub fn io_reason(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => "vanished",
        io::ErrorKind::PermissionDenied => "permission-denied",
        _ => "io-error",
    }
}

/// Whether an `albumen-meta` error means the file is no longer there.
pub fn meta_error_is_vanished(e: &albumen_meta::Error) -> bool {
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
