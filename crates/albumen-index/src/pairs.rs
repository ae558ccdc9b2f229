//! Live Photo pairing over the index, with `albumen-live`.
//!
//! Pairing needs every candidate at once (a still and its video may be in different folders),
//! so it runs after the walk, from the database rather than from the files: the columns it
//! needs (format, content identifier, capture time, duration) are rebuilt into
//! [`albumen_meta::Metadata`] values, and nothing under the roots is opened again. Only
//! candidates are loaded: files with a content identifier, videos, and the stills of folders
//! that hold a video (for the same-name fallback).

use std::collections::HashMap;
use std::path::PathBuf;

use albumen_meta::{CaptureTime, Format, Metadata, Source, Sourced};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use rusqlite::{params, Connection};

/// What the pairing found besides the pairs.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PairStats {
    pub pairs: u64,
    pub orphan_stills: u64,
    pub orphan_videos: u64,
    pub conflicts: u64,
}

fn format_of(name: &str) -> Format {
    match name {
        "jpeg" => Format::Jpeg,
        "heic" => Format::Heic,
        "heif" => Format::Heif,
        "avif" => Format::Avif,
        "png" => Format::Png,
        "webp" => Format::Webp,
        "tiff" => Format::Tiff,
        "dng" => Format::Dng,
        "cr2" => Format::Cr2,
        "cr3" => Format::Cr3,
        "nef" => Format::Nef,
        "arw" => Format::Arw,
        "orf" => Format::Orf,
        "rw2" => Format::Rw2,
        "raf" => Format::Raf,
        "pef" => Format::Pef,
        "srw" => Format::Srw,
        "mov" => Format::Mov,
        "mp4" => Format::Mp4,
        "3gp" => Format::ThreeGp,
        "mts" => Format::Mts,
        "gif" => Format::Gif,
        "bmp" => Format::Bmp,
        "xmp" => Format::Xmp,
        _ => Format::Unknown,
    }
}

fn source_of(name: &str) -> Source {
    match name {
        "exif-ifd0" => Source::ExifIfd0,
        "exif-ifd" => Source::ExifIfd,
        "exif-gps" => Source::ExifGps,
        "maker-note" => Source::MakerNote,
        "xmp" => Source::Xmp,
        "iptc" => Source::Iptc,
        "xmp-sidecar" => Source::XmpSidecar,
        "quicktime-keys" => Source::QuickTimeKeys,
        "quicktime-udta" => Source::QuickTimeUdta,
        "quicktime-mvhd" => Source::QuickTimeMvhd,
        "png-text" => Source::PngText,
        "file-system" => Source::FileSystem,
        _ => Source::Container,
    }
}

/// The capture time as stored (`capture_kind`, `capture_local`, `capture_utc`,
/// `capture_offset_s`), back into a [`CaptureTime`].
pub(crate) fn capture_of(
    kind: Option<&str>,
    local: Option<&str>,
    utc: Option<&str>,
    offset_s: Option<i32>,
) -> Option<CaptureTime> {
    let local = || NaiveDateTime::parse_from_str(local?, "%Y-%m-%dT%H:%M:%S%.f").ok();
    match kind? {
        "zoned" => {
            let off = FixedOffset::east_opt(offset_s?)?;
            let time = off.from_local_datetime(&local()?).single()?;
            Some(CaptureTime::Zoned { time })
        }
        "floating" => Some(CaptureTime::Floating { time: local()? }),
        "utc" => {
            let time = DateTime::parse_from_rfc3339(utc?).ok()?.with_timezone(&Utc);
            Some(CaptureTime::Utc { time })
        }
        _ => None,
    }
}

#[cfg(unix)]
pub(crate) fn path_of(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
pub(crate) fn path_of(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// Recomputes the `pairs` of a library.
pub(crate) fn rebuild_pairs(c: &Connection, library_id: i64) -> rusqlite::Result<PairStats> {
    c.execute("DELETE FROM pairs WHERE library_id = ?1", [library_id])?;
    let mut ids: HashMap<PathBuf, i64> = HashMap::new();
    let mut items: Vec<(PathBuf, Metadata)> = Vec::new();
    {
        let mut st = c.prepare(
            "SELECT id, path, format, content_id, duration_s, capture_kind, capture_local, \
             capture_utc, capture_offset_s, capture_source FROM files \
             WHERE library_id = ?1 AND motion_photo = 0 AND error_reason IS NULL \
             AND (content_id IS NOT NULL OR kind = 'video' OR dir_id IN \
                  (SELECT dir_id FROM files WHERE library_id = ?1 AND kind = 'video'))",
        )?;
        let mut rows = st.query([library_id])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let path = path_of(r.get(1)?);
            let mut m = Metadata::default();
            m.format = r.get::<_, Option<String>>(2)?.map(|f| format_of(&f));
            m.content_id = r.get(3)?;
            m.duration_s = r.get(4)?;
            let kind: Option<String> = r.get(5)?;
            let local: Option<String> = r.get(6)?;
            let utc: Option<String> = r.get(7)?;
            let source: Option<String> = r.get(9)?;
            m.capture = capture_of(kind.as_deref(), local.as_deref(), utc.as_deref(), r.get(8)?)
                .map(|t| Sourced::new(t, source_of(source.as_deref().unwrap_or(""))));
            ids.insert(path.clone(), id);
            items.push((path, m));
        }
    }
    let pairing = albumen_live::pair(items.iter().map(|(p, m)| (p.as_path(), m)));
    let mut stats = PairStats {
        orphan_stills: pairing.orphan_stills.len() as u64,
        orphan_videos: pairing.orphan_videos.len() as u64,
        conflicts: pairing.conflicts.len() as u64,
        ..PairStats::default()
    };
    let mut st = c.prepare(
        "INSERT INTO pairs (library_id, still_file_id, video_file_id, method, confidence, evidence) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for p in &pairing.pairs {
        let (Some(&still), Some(&video)) = (ids.get(&p.still), ids.get(&p.video)) else {
            continue;
        };
        if still == video {
            // A motion photo is one file: its kind says so, it is not a pair of rows.
            continue;
        }
        let evidence: Vec<String> = p.evidence.iter().map(|e| e.to_string()).collect();
        st.execute(params![
            library_id,
            still,
            video,
            p.kind.to_string(),
            p.confidence,
            evidence.join("; ")
        ])?;
        stats.pairs += 1;
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_round_trips_through_the_stored_columns() {
        let z = capture_of(Some("zoned"), Some("2020-05-01T10:00:00"), None, Some(7200)).unwrap();
        assert_eq!(z.utc().unwrap().to_rfc3339(), "2020-05-01T08:00:00+00:00");
        let f = capture_of(Some("floating"), Some("2020-05-01T10:00:00.5"), None, None).unwrap();
        assert!(matches!(f, CaptureTime::Floating { .. }));
        let u = capture_of(Some("utc"), None, Some("2020-05-01T08:00:00Z"), Some(0)).unwrap();
        assert!(matches!(u, CaptureTime::Utc { .. }));
        assert!(capture_of(Some("zoned"), Some("garbage"), None, Some(0)).is_none());
        assert!(capture_of(None, None, None, None).is_none());
        for f in ["jpeg", "heic", "mov", "3gp"] {
            assert_eq!(format_of(f).name(), f);
        }
    }
}
