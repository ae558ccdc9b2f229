//! Live Photo pairing over the index, with `albumen-live`.
//!
//! Pairing runs after the walk, from the database rather than from the files: the columns it
//! needs (format, content identifier, capture time, duration) are rebuilt into
//! [`albumen_meta::Metadata`] values, and nothing under the roots is opened again. Only
//! candidates are considered (files with a content identifier, videos, and the stills of
//! folders that hold a video), and they are paired part by part (see [`rebuild_pairs`]), so
//! that memory does not grow with the library.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::db::{params, Connection, OptionalExtension};
use albumen_meta::{CaptureTime, Format, Metadata, Source, Sourced};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// What the pairing found besides the pairs.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PairStats {
    pub pairs: u64,
    pub orphan_stills: u64,
    pub orphan_videos: u64,
    pub conflicts: u64,
    /// Stacks stored after the pairs (see `crate::stacks`).
    pub stacks: u64,
}

pub(crate) fn format_of(name: &str) -> Format {
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

/// A path from the bytes the index stores (on Unix exactly those bytes).
#[cfg(unix)]
pub fn path_of(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

/// A path from the bytes the index stores (lossy outside Unix).
#[cfg(not(unix))]
pub fn path_of(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// A path as the index stores it (the inverse of [`path_of`]).
pub fn bytes_of(p: &std::path::Path) -> Vec<u8> {
    p.as_os_str().as_encoded_bytes().to_vec()
}

/// Files loaded and paired at once: the pairing runs over parts of at most this many files
/// (more only when one content identifier or one name group is that large), so its memory does
/// not grow with the library (about 1 KB per file loaded).
pub const PAIR_BATCH: usize = 8192;

/// The candidates for pairing (same rows as ever: files with a content identifier, videos, and
/// the stills of folders that hold a video), in `id` order.
const CANDIDATES: &str = "library_id = ?1 AND motion_photo = 0 AND error_reason IS NULL \
     AND (content_id IS NOT NULL OR kind = 'video' OR dir_id IN \
          (SELECT dir_id FROM files WHERE library_id = ?1 AND kind = 'video'))";

/// The columns a row is rebuilt from, for [`item_of`].
const ITEM_COLUMNS: &str = "id, path, format, content_id, duration_s, capture_kind, \
     capture_local, capture_utc, capture_offset_s, capture_source";

/// One row (selected as [`ITEM_COLUMNS`]) back into what the pairing reads.
fn item_of(r: &crate::db::Row<'_>) -> crate::db::Result<(i64, PathBuf, Metadata)> {
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
    Ok((id, path, m))
}

/// A 64-bit digest of a pairing key (equal keys, equal digests; a rare collision only puts two
/// groups in one part, which the pairing tells apart again).
fn digest(state: &RandomState, tag: u8, key: impl Hash) -> u64 {
    let mut h = state.build_hasher();
    tag.hash(&mut h);
    key.hash(&mut h);
    h.finish()
}

fn name_digest(state: &RandomState, path: &Path) -> u64 {
    digest(state, 1, albumen_live::name_key(path))
}

/// Recomputes the `pairs` of a library.
///
/// Part by part, so that memory stays bounded (a million-file library used to load every
/// candidate at once: 1 GB): first only the digests of the candidates' pairing keys
/// ([`albumen_live::content_key`], [`albumen_live::name_key`]) are collected (16 bytes a file),
/// then the files of whole key groups are loaded [`PAIR_BATCH`] at a time and paired, as
/// `albumen_live::content_key` describes: content-identifier groups first, then the files
/// without an identifier together with the stills whose identifier no video carries. The
/// result is the pairing of all candidates at once; stills are only loaded when a video without
/// an identifier has their name key.
pub(crate) fn rebuild_pairs(c: &Connection, library_id: i64) -> crate::db::Result<PairStats> {
    let mut stats = rebuild_pairs_in(c, library_id, PAIR_BATCH)?;
    // Stacks (RAW+JPEG, edits, bursts) are rows of `pairs` too; made once the pairs are known.
    stats.stacks = crate::stacks::rebuild_stacks(c, library_id)?;
    Ok(stats)
}

/// [`rebuild_pairs`] with parts of about `batch` files.
fn rebuild_pairs_in(c: &Connection, library_id: i64, batch: usize) -> crate::db::Result<PairStats> {
    c.execute("DELETE FROM pairs WHERE library_id = ?1", [library_id])?;
    let state = RandomState::new();
    // The name keys of the videos without a content identifier (and of rows without a format,
    // which the pairing may take for videos by their extension).
    let mut video_keys: HashSet<u64> = HashSet::new();
    {
        let mut st = c.prepare(
            "SELECT path, content_id FROM files WHERE library_id = ?1 AND motion_photo = 0 \
             AND error_reason IS NULL AND (kind = 'video' OR format IS NULL)",
        )?;
        let mut rows = st.query([library_id])?;
        while let Some(r) = rows.next()? {
            let id: Option<String> = r.get(1)?;
            if id.as_deref().and_then(albumen_live::content_key).is_none() {
                video_keys.insert(name_digest(&state, &path_of(r.get(0)?)));
            }
        }
    }
    let mut by_id: Vec<(u64, i64)> = Vec::new();
    let mut by_name: Vec<(u64, i64)> = Vec::new();
    {
        let mut st = c.prepare(&format!(
            "SELECT id, path, content_id, kind IS 'video' OR format IS NULL FROM files \
             WHERE {CANDIDATES}"
        ))?;
        let mut rows = st.query([library_id])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let content: Option<String> = r.get(2)?;
            match content.as_deref().and_then(albumen_live::content_key) {
                Some(k) => by_id.push((digest(&state, 0, k), id)),
                None => {
                    let key = name_digest(&state, &path_of(r.get(1)?));
                    if r.get::<_, bool>(3)? || video_keys.contains(&key) {
                        by_name.push((key, id));
                    }
                }
            }
        }
    }
    let mut stats = PairStats::default();
    let mut insert = c.prepare(
        "INSERT INTO pairs (library_id, still_file_id, video_file_id, method, confidence, evidence) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut load = c.prepare(&format!("SELECT {ITEM_COLUMNS} FROM files WHERE id = ?1"))?;
    let mut pair_part = |keys: &mut [(u64, i64)]| -> crate::db::Result<Part> {
        // Input order (the order of ids) within the part, as when everything was paired at once.
        keys.sort_unstable_by_key(|&(_, id)| id);
        let mut ids: HashMap<PathBuf, i64> = HashMap::with_capacity(keys.len());
        let mut items: Vec<(PathBuf, Metadata)> = Vec::with_capacity(keys.len());
        for &(_, id) in keys.iter() {
            if let Some((id, path, m)) = load.query_row([id], item_of).optional()? {
                ids.insert(path.clone(), id);
                items.push((path, m));
            }
        }
        let pairing = albumen_live::pair(items.iter().map(|(p, m)| (p.as_path(), m)));
        let mut out = Part {
            orphan_videos: pairing.orphan_videos.len() as u64,
            conflicts: pairing.conflicts.len() as u64,
            ..Part::default()
        };
        for p in &pairing.pairs {
            let (Some(&still), Some(&video)) = (ids.get(&p.still), ids.get(&p.video)) else {
                continue;
            };
            if still == video {
                // A motion photo is one file: its kind says so, it is not a pair of rows.
                continue;
            }
            let evidence: Vec<String> = p.evidence.iter().map(|e| e.to_string()).collect();
            insert.execute(params![
                library_id,
                still,
                video,
                p.kind.to_string(),
                p.confidence,
                evidence.join("; ")
            ])?;
            out.pairs += 1;
        }
        for o in &pairing.orphan_stills {
            if let Some(&id) = ids.get(&o.path) {
                out.orphan_stills.push((name_digest(&state, &o.path), id));
            }
        }
        Ok(out)
    };
    // Content-identifier groups. Their orphan stills ("claiming") go on to the name groups when
    // a video without an identifier has their name key.
    let mut claimed = 0u64;
    for_parts(&mut by_id, batch, |keys| {
        let part = pair_part(keys)?;
        stats.pairs += part.pairs;
        stats.orphan_videos += part.orphan_videos;
        stats.conflicts += part.conflicts;
        stats.orphan_stills += part.orphan_stills.len() as u64;
        for (key, id) in part.orphan_stills {
            if video_keys.contains(&key) {
                claimed += 1;
                by_name.push((key, id));
            }
        }
        Ok(())
    })?;
    drop(by_id);
    drop(video_keys);
    // Name groups: the claiming stills that stay unpaired come back as orphan stills.
    let mut unclaimed = 0u64;
    for_parts(&mut by_name, batch, |keys| {
        let part = pair_part(keys)?;
        stats.pairs += part.pairs;
        unclaimed += part.orphan_stills.len() as u64;
        Ok(())
    })?;
    stats.orphan_stills = stats.orphan_stills.saturating_sub(claimed) + unclaimed;
    Ok(stats)
}

/// What one part of the pairing found.
#[derive(Debug, Default)]
struct Part {
    pairs: u64,
    orphan_videos: u64,
    conflicts: u64,
    /// Name-key digest and row id of each orphan still.
    orphan_stills: Vec<(u64, i64)>,
}

/// Sorts `keys` by digest and calls `f` on runs of whole digest groups of about `batch` keys.
fn for_parts(
    keys: &mut [(u64, i64)],
    batch: usize,
    mut f: impl FnMut(&mut [(u64, i64)]) -> crate::db::Result<()>,
) -> crate::db::Result<()> {
    keys.sort_unstable();
    let mut rest = keys;
    while !rest.is_empty() {
        let mut end = rest.len().min(batch.max(1));
        while let (Some(a), Some(b)) = (rest.get(end.wrapping_sub(1)), rest.get(end)) {
            if a.0 != b.0 {
                break;
            }
            end += 1;
        }
        let (now, later) = rest.split_at_mut(end);
        f(now)?;
        rest = later;
    }
    Ok(())
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

    /// The pairing as it was before [`rebuild_pairs`] worked in parts: every candidate loaded
    /// and paired at once. The reference the parts must agree with.
    fn pairs_all_at_once(c: &Connection, lib: i64) -> (Vec<(i64, i64, String, String)>, u64) {
        let mut st = c
            .prepare(&format!(
                "SELECT {ITEM_COLUMNS} FROM files WHERE {CANDIDATES} ORDER BY id"
            ))
            .unwrap();
        let items: Vec<(i64, PathBuf, Metadata)> = st
            .query_map([lib], item_of)
            .unwrap()
            .collect::<crate::db::Result<_>>()
            .unwrap();
        let ids: HashMap<&Path, i64> = items.iter().map(|(i, p, _)| (p.as_path(), *i)).collect();
        let pairing = albumen_live::pair(items.iter().map(|(_, p, m)| (p.as_path(), m)));
        let mut out: Vec<_> = pairing
            .pairs
            .iter()
            .map(|p| {
                let ev: Vec<String> = p.evidence.iter().map(|e| e.to_string()).collect();
                (
                    ids[p.still.as_path()],
                    ids[p.video.as_path()],
                    p.kind.to_string(),
                    ev.join("; "),
                )
            })
            .collect();
        out.sort();
        (out, pairing.orphan_stills.len() as u64)
    }

    fn stored_pairs(c: &Connection) -> Vec<(i64, i64, String, String)> {
        let mut st = c
            .prepare("SELECT still_file_id, video_file_id, method, evidence FROM pairs")
            .unwrap();
        let mut v: Vec<_> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<crate::db::Result<_>>()
            .unwrap();
        v.sort();
        v
    }

    /// Pairing in parts (of 1, 3, 7 and 8192 files) gives exactly the pairs of pairing all at
    /// once, on a library mixing content-identifier pairs (same and other folder, edited copies,
    /// duplicates, stills and videos alone), stills whose identifier is on no video paired by
    /// name, name-and-time pairs across neighbouring icloudpd date folders, and names repeated
    /// in every folder.
    #[test]
    fn pairing_in_parts_equals_pairing_at_once() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(crate::schema::SCHEMA).unwrap();
        c.execute(
            "INSERT INTO libraries (id, name, created_at) VALUES (1, 'l', 'now')",
            [],
        )
        .unwrap();
        let folders = [
            "/lib/2021/03/07",
            "/lib/2021/03/08",
            "/lib/2021/03/10",
            "/lib/2021-04-01",
            "/lib/2021-04-02",
            "/trip",
            "/trip/copy",
            "/other",
        ];
        for (i, f) in folders.iter().enumerate() {
            c.execute(
                "INSERT INTO dirs (id, library_id, path, path_text) VALUES (?1, 1, ?2, ?2)",
                params![i as i64 + 1, f],
            )
            .unwrap();
        }
        // A small deterministic generator.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut n = 0i64;
        let mut add = |dir: usize, name: &str, id: Option<&str>, secs: u64, dur: Option<f64>| {
            n += 1;
            let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
            let (format, kind) = match ext.as_str() {
                "mov" => ("mov", "video"),
                "heic" => ("heic", "photo"),
                _ => ("jpeg", "photo"),
            };
            let t = 1_615_000_000 + secs;
            let local = chrono::DateTime::from_timestamp(t as i64, 0)
                .unwrap()
                .naive_utc()
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string();
            c.execute(
                "INSERT OR IGNORE INTO files (id, library_id, dir_id, name, path, path_text, size, mtime_ns, \
                 dev, inode, nlink, format, kind, content_id, duration_s, capture_kind, \
                 capture_local, capture_offset_s, capture_source, first_run, read_run) \
                 VALUES (?1, 1, ?2, ?3, ?4, ?4, 1, 0, 0, ?1, 1, ?5, ?6, ?7, ?8, 'zoned', ?9, 0, \
                 'exif-ifd', 1, 1)",
                params![
                    n,
                    dir as i64 + 1,
                    name.as_bytes(),
                    format!("{}/{name}", folders[dir]).as_bytes(),
                    format,
                    kind,
                    id,
                    dur,
                    local
                ],
            )
            .unwrap();
        };
        for i in 0..600u64 {
            let dir = next(folders.len() as u64) as usize;
            let num = next(40);
            let secs = next(4) * 86_400 + next(3) * 3;
            let cid = format!("ID-{}", next(120));
            match next(9) {
                0 => {
                    add(dir, &format!("IMG_{num:04}.HEIC"), Some(&cid), secs, None);
                    let d2 = if next(3) == 0 {
                        next(folders.len() as u64) as usize
                    } else {
                        dir
                    };
                    add(
                        d2,
                        &format!("IMG_{num:04}.MOV"),
                        Some(&cid.to_lowercase()),
                        secs,
                        Some(2.5),
                    );
                }
                1 => add(dir, &format!("IMG_E{num:04}.HEIC"), Some(&cid), secs, None),
                2 => add(
                    dir,
                    &format!("IMG_{num:04}.MOV"),
                    Some(&cid),
                    secs,
                    Some(2.0),
                ),
                3 => add(dir, &format!("IMG_{num:04}.JPG"), Some(&cid), secs, None),
                4 => add(
                    dir,
                    &format!("IMG_{num:04}.MOV"),
                    None,
                    secs + next(2),
                    Some(2.8),
                ),
                5 => add(
                    dir,
                    &format!("IMG_{num:04} ({}).JPG", next(3)),
                    None,
                    secs,
                    None,
                ),
                6 => add(
                    dir,
                    &format!("IMG_{num:04}_HEVC-{}.MOV", 10_000 + i),
                    None,
                    secs,
                    Some(3.0),
                ),
                7 => add(
                    dir,
                    &format!("IMG_{num:04}-{}.HEIC", 20_000 + i),
                    None,
                    secs,
                    None,
                ),
                _ => add(dir, &format!("DSC_{num:04}.JPG"), None, secs, None),
            }
        }
        let (want, want_orphans) = pairs_all_at_once(&c, 1);
        assert!(
            want.len() > 40,
            "too few pairs to mean anything: {}",
            want.len()
        );
        assert!(
            want.iter().any(|p| p.2 == "name-time") && want.iter().any(|p| p.2 == "apple-live"),
            "{want:?}"
        );
        for batch in [1, 3, 7, PAIR_BATCH] {
            let stats = rebuild_pairs_in(&c, 1, batch).unwrap();
            assert_eq!(stored_pairs(&c), want, "parts of {batch}");
            assert_eq!(stats.pairs, want.len() as u64);
            assert_eq!(stats.orphan_stills, want_orphans, "parts of {batch}");
        }
    }
}
