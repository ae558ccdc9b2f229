//! Archive: move the items of a time range from one library's tree into another library's tree,
//! and move them in the index in the same step.
//!
//! A family that downloads iCloud with icloudpd keeps a "live" library (what is still in iCloud)
//! and an "archived" one; when iCloud fills up, the oldest year moves from one to the other.
//! [`archive`] does that move:
//!
//! 1. the files are copied and the originals removed by [`crate::export`]'s code, unchanged:
//!    the [`ExportPlan`](crate::export::ExportPlan) of the range with `remove_originals` (Live Photo videos and XMP/AAE
//!    sidecars travel with their item; each copy is written to a temporary file, fsynced, read
//!    back and compared before it gets its name; an original goes only once its whole item is
//!    verified at the destination);
//! 2. then, in one transaction, each moved file's `files` row moves to the archive library: the
//!    same row and so the same item id, with the new folder, path, device, inode and link count
//!    (size and modification time are the copy's, which are the original's). A file whose
//!    source had to be kept (a Live Photo video also paired with a still outside the range)
//!    gets a second row in the archive library. The pairs and cached counts of both libraries
//!    are rebuilt from the index; nothing is read again.
//!
//! Rescans of both trees afterwards find nothing to do: no deleted, new, changed or moved file.
//!
//! Killed at any point, a run leaves every file either in the live tree, or verified in the
//! archive tree (or both); running it again completes it. A file of the plan whose source is
//! gone while the archive tree holds a file with the size and modification time the index
//! recorded for it (and its hash, when the index has one) is taken as moved by the earlier run,
//! and its row follows it.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::db::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::export::{self, Action, ExportOptions, ExportReport, Layout, Removal};
use crate::export::{FileOutcome, PlannedFile, TimeRange};
use crate::index::{db_err, Index};
use crate::library::lossy_path;
use crate::progress::Progress;
use crate::walk::{to_i64, Stat};

/// What to archive, from where, to where.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ArchiveOptions {
    /// The library the items leave (the "live" one).
    pub from_library: String,
    /// The library they join (created on first use, with `dest` as its root).
    pub to_library: String,
    /// The local capture times to archive.
    pub range: TimeRange,
    /// The archive library's folder the files go to (created when needed).
    pub dest: PathBuf,
    /// Where files go below `dest` ([`Layout::Keep`]: the same path relative to the root).
    pub layout: Layout,
    /// Work out what would happen; copy, remove and write nothing.
    pub dry_run: bool,
    /// Set from another thread (Ctrl-C) to stop: items being moved are finished, the others
    /// are left in the live tree, and the index follows what was done.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl ArchiveOptions {
    /// Archive `range` of `from_library` into `to_library` at `dest`, keeping relative paths.
    pub fn new(
        from_library: impl Into<String>,
        range: TimeRange,
        to_library: impl Into<String>,
        dest: impl Into<PathBuf>,
    ) -> Self {
        ArchiveOptions {
            from_library: from_library.into(),
            to_library: to_library.into(),
            range,
            dest: dest.into(),
            layout: Layout::Keep,
            dry_run: false,
            cancel: None,
        }
    }
    /// Sets the layout below the destination.
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }
    /// Makes this a dry run.
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }
    /// Sets a cancellation flag.
    pub fn cancel(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }
}

/// The whole calendar year `year` in local time, for `--year`.
pub fn year_range(year: i32) -> Result<TimeRange> {
    TimeRange::parse(&format!("{year:04}-01-01"), &format!("{year:04}-12-31"))
}

/// What an archive run did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ArchiveReport {
    /// The library the items left.
    pub from_library: String,
    /// The library they joined.
    pub to_library: String,
    /// The archive folder.
    #[serde(serialize_with = "lossy_path")]
    pub dest: PathBuf,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Indexed files found already moved by an earlier, interrupted run (source gone, the same
    /// file in the archive tree): their rows are moved now.
    pub already_moved: u64,
    /// Temporary files left in the archive's folders by a copy that was killed (their process
    /// is gone), removed before copying.
    pub stale_temp_removed: u64,
    /// `files` rows moved to the archive library (dry run: that would be).
    pub rows_moved: u64,
    /// Rows added to the archive library for copies whose source was kept.
    pub rows_copied: u64,
    /// Items whose main file's row is now in the archive library (dry run: would be).
    pub items_moved: u64,
    /// The copy-and-remove step, file by file (see [`ExportReport`]).
    pub export: ExportReport,
}

impl ArchiveReport {
    /// Whether everything selected was moved and nothing failed.
    pub fn ok(&self) -> bool {
        self.export.ok() && !self.export.interrupted
    }
}

/// One indexed file whose row goes to the archive library.
struct RowMove {
    file_id: i64,
    dest: PathBuf,
    /// The source is kept: add a row instead of moving this one.
    keep: bool,
    /// The file is an item's own file (not a Live Photo video).
    item: bool,
}

/// Moves the items of `opts.range` from `opts.from_library` to `opts.to_library` (files and
/// index); see the module documentation. Problems with single files are in the report.
///
/// ```
/// use albumen_index::archive::{archive, year_range, ArchiveOptions};
/// use albumen_index::{Index, NoProgress, ScanOptions};
/// use albumen_meta::encode::{ExifBuilder, ExifValue, Ifd};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A JPEG taken on 2005-07-01 (EXIF DateTimeOriginal), in an icloudpd date folder.
/// let exif = ExifBuilder::new(true)
///     .set(Ifd::Exif, 0x9003, ExifValue::Ascii("2005:07:01 12:00:00".into()))
///     .build()?;
/// let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
/// jpeg.extend(u16::try_from(8 + exif.len())?.to_be_bytes());
/// jpeg.extend(b"Exif\0\0");
/// jpeg.extend(exif);
/// jpeg.extend([0xFF, 0xD9]);
/// let dir = tempfile::tempdir()?;
/// let (live, arch) = (dir.path().join("live"), dir.path().join("archive"));
/// std::fs::create_dir_all(live.join("2005/07/01"))?;
/// std::fs::write(live.join("2005/07/01/IMG_0001.JPG"), &jpeg)?;
///
/// let mut index = Index::open(dir.path().join("index.db"))?;
/// index.scan("live", &[live.clone()], &ScanOptions::new(), &NoProgress)?;
/// let opts = ArchiveOptions::new("live", year_range(2005)?, "archive", &arch);
/// let report = archive(&index, &opts, &NoProgress)?;
/// assert!(report.ok());
/// assert_eq!(report.items_moved, 1);
/// assert!(arch.join("2005/07/01/IMG_0001.JPG").is_file());
/// assert!(!live.join("2005/07/01/IMG_0001.JPG").exists());
///
/// // The index followed: a rescan of the archive finds the file already there.
/// let again = index.scan("archive", &[arch], &ScanOptions::new(), &NoProgress)?;
/// assert_eq!((again.unchanged, again.new), (1, 0));
/// # Ok(())
/// # }
/// ```
pub fn archive(
    index: &Index,
    opts: &ArchiveOptions,
    progress: &dyn Progress,
) -> Result<ArchiveReport> {
    if opts.from_library == opts.to_library {
        return Err(Error::SameLibrary(opts.from_library.clone()));
    }
    let live = index.library(Some(&opts.from_library))?;
    // Checked before anything is created: the live tree is read-only to an archive.
    let dest = absolute(&opts.dest)?;
    for root in &live.roots {
        if dest.starts_with(root) || root.starts_with(&dest) {
            return Err(Error::ArchiveOverlaps {
                dest: opts.dest.clone(),
                root: root.clone(),
            });
        }
    }
    if let Ok(db) = fs::canonicalize(index.path()) {
        if db.starts_with(&dest) {
            return Err(Error::DbInsideRoot { db, root: dest });
        }
    }
    if !opts.dry_run {
        fs::create_dir_all(&dest).map_err(|source| Error::Io {
            path: opts.dest.clone(),
            source,
        })?;
    }

    let mut eo = ExportOptions::new(opts.range.clone(), dest.clone())
        .library(opts.from_library.clone())
        .layout(opts.layout)
        .remove_originals(true)
        .dry_run(opts.dry_run);
    eo.cancel = opts.cancel.clone();
    let mut plan = export::plan(index, &eo)?;

    let stale_temp_removed = if opts.dry_run {
        0
    } else {
        remove_stale_temps(plan.units.iter().flat_map(|u| u.files.iter()))
    };
    // Files an earlier run moved before it was stopped: out of the plan, their rows move now.
    let mut moves: Vec<RowMove> = Vec::new();
    let mut already_moved = 0u64;
    for unit in &mut plan.units {
        let mut kept = Vec::with_capacity(unit.files.len());
        for f in std::mem::take(&mut unit.files) {
            if moved_earlier(index, &f) {
                if let Some(id) = f.file_id {
                    already_moved += 1;
                    moves.push(RowMove {
                        file_id: id,
                        dest: f.dest.clone(),
                        keep: false,
                        item: f.role == export::Role::Item,
                    });
                }
            } else {
                kept.push(f);
            }
        }
        unit.files = kept;
    }
    plan.units.retain(|u| !u.files.is_empty());

    let report = plan.run(progress);
    // `report.files` lists the plan's files in plan order, unit by unit. Only units whose every
    // file is verified in the archive count: the copies of an incomplete one wait for the next
    // run (which finds them there and goes on).
    let mut outcomes = report.files.iter();
    for unit in &plan.units {
        let outs: Vec<&FileOutcome> = outcomes.by_ref().take(unit.files.len()).collect();
        let complete = outs.iter().all(|o| {
            matches!(
                o.action,
                Action::Copied | Action::Identical | Action::WouldCopy
            )
        });
        if !complete {
            continue;
        }
        for (f, out) in unit.files.iter().zip(outs) {
            let Some(id) = f.file_id else { continue };
            let keep = match out.removal {
                Removal::Removed | Removal::WouldRemove => false,
                // Verified in the archive, but the source stays (a Live Photo video also paired
                // with a still outside the range, or its removal failed): the archive holds a
                // copy, and the index gets a row for it.
                Removal::Kept | Removal::Failed => true,
                _ => continue,
            };
            moves.push(RowMove {
                file_id: id,
                dest: f.dest.clone(),
                keep,
                item: f.role == export::Role::Item,
            });
        }
    }

    let mut r = ArchiveReport {
        from_library: opts.from_library.clone(),
        to_library: opts.to_library.clone(),
        dest: dest.clone(),
        dry_run: opts.dry_run,
        already_moved,
        stale_temp_removed,
        rows_moved: moves.iter().filter(|m| !m.keep).count() as u64,
        rows_copied: moves.iter().filter(|m| m.keep).count() as u64,
        items_moved: moves.iter().filter(|m| m.item && !m.keep).count() as u64,
        export: report,
    };
    if opts.dry_run {
        return Ok(r);
    }
    let dberr = db_err(index.path());
    let tx = index.connection().unchecked_transaction().map_err(&dberr)?;
    let (to_id, stats) = apply(&tx, live.id, &opts.to_library, &dest, &moves).map_err(&dberr)?;
    tx.commit().map_err(&dberr)?;
    r.rows_moved = stats.0;
    r.rows_copied = stats.1;
    log::debug!(
        "archive: library {} -> {to_id}: {} rows moved, {} copied",
        live.id,
        r.rows_moved,
        r.rows_copied
    );
    Ok(r)
}

/// An absolute, symlink-resolved form of a folder that may not exist yet: its deepest existing
/// ancestor resolved, the rest appended.
fn absolute(p: &Path) -> Result<PathBuf> {
    let io_err = |source| Error::Io {
        path: p.to_path_buf(),
        source,
    };
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map_err(io_err)?.join(p)
    };
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    let mut at: &Path = &abs;
    loop {
        match fs::canonicalize(at) {
            Ok(mut found) => {
                found.extend(rest.iter().rev());
                return Ok(found);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => match (at.parent(), at.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name);
                    at = parent;
                }
                _ => return Err(io_err(e)),
            },
            Err(e) => return Err(io_err(e)),
        }
    }
}

/// Removes the temporary files that a killed export or archive left in the destination folders
/// of `files`: `.albumen-export-PID-N.tmp` whose process `PID` is no longer running (on Linux,
/// no `/proc/PID`; elsewhere nothing is removed). They were never given a name, so nothing refers
/// to them. Returns how many.
fn remove_stale_temps<'a>(files: impl Iterator<Item = &'a PlannedFile>) -> u64 {
    let proc_fs = Path::new("/proc/self").exists();
    if !proc_fs {
        return 0;
    }
    let me = std::process::id();
    let dirs: HashSet<&Path> = files.filter_map(|f| f.dest.parent()).collect();
    let mut removed = 0;
    for dir in dirs {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = e.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|n| n.strip_prefix(".albumen-export-"))
                .and_then(|n| n.strip_suffix(".tmp"))
                .and_then(|n| n.split_once('-'))
                .filter(|(_, k)| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|(pid, _)| pid.parse::<u32>().ok())
            else {
                continue;
            };
            let dead = pid != me && !Path::new("/proc").join(pid.to_string()).exists();
            if dead && e.file_type().is_ok_and(|t| t.is_file()) && fs::remove_file(e.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// Whether an earlier run already moved this file: its source is gone, and its destination is a
/// file with the size and modification time the index recorded for it (and its hash, when the
/// index has one). Sidecars (not indexed): source gone, destination there.
fn moved_earlier(index: &Index, f: &PlannedFile) -> bool {
    match fs::symlink_metadata(&f.source) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        _ => return false,
    }
    let Ok(m) = fs::symlink_metadata(&f.dest) else {
        return false;
    };
    if !m.is_file() {
        return false;
    }
    let Some((size, mtime_ns)) = f.indexed else {
        return true;
    };
    let s = Stat::of(&m);
    if s.size != size || s.mtime_ns != mtime_ns {
        return false;
    }
    let stored: Option<Vec<u8>> = f.file_id.and_then(|id| {
        index
            .connection()
            .query_row("SELECT hash FROM files WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .ok()
            .flatten()
            .flatten()
    });
    match stored {
        Some(h) => crate::record::hash_file(&f.dest).is_ok_and(|d| d[..] == h[..]),
        None => true,
    }
}

/// The archive library's id (created, with `dest` as a root, when needed).
fn ensure_library(c: &Connection, name: &str, dest: &Path) -> crate::db::Result<i64> {
    c.execute(
        "INSERT OR IGNORE INTO libraries (name, created_at) VALUES (?1, ?2)",
        params![
            name,
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ],
    )?;
    let id: i64 = c.query_row("SELECT id FROM libraries WHERE name = ?1", [name], |r| {
        r.get(0)
    })?;
    let roots: Vec<Vec<u8>> = {
        let mut st = c.prepare("SELECT path FROM library_roots WHERE library_id = ?1")?;
        let rows = st.query_map([id], |r| r.get(0))?;
        rows.collect::<crate::db::Result<_>>()?
    };
    let covered = roots
        .into_iter()
        .any(|r| dest.starts_with(crate::pairs::path_of(r)));
    if !covered {
        c.execute(
            "INSERT OR IGNORE INTO library_roots (library_id, path, path_text) VALUES (?1, ?2, ?3)",
            params![
                id,
                dest.as_os_str().as_encoded_bytes(),
                dest.to_string_lossy()
            ],
        )?;
    }
    Ok(id)
}

fn dir_id(c: &Connection, library_id: i64, dir: &Path) -> crate::db::Result<i64> {
    let bytes = dir.as_os_str().as_encoded_bytes();
    c.prepare_cached(
        "INSERT OR IGNORE INTO dirs (library_id, path, path_text) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![library_id, bytes, dir.to_string_lossy()])?;
    c.prepare_cached("SELECT id FROM dirs WHERE library_id = ?1 AND path = ?2")?
        .query_row(params![library_id, bytes], |r| r.get(0))
}

/// Moves (or copies) the rows into the archive library, then rebuilds both libraries' pairs and
/// counts. Returns the archive library's id and (rows moved, rows copied).
fn apply(
    c: &Connection,
    from_id: i64,
    to_name: &str,
    dest_root: &Path,
    moves: &[RowMove],
) -> crate::db::Result<(i64, (u64, u64))> {
    let to_id = ensure_library(c, to_name, dest_root)?;
    let (mut moved, mut copied) = (0u64, 0u64);
    let mut touched: HashSet<i64> = HashSet::new();
    for m in moves {
        // What the archive tree holds now: the rescan compares the row with this.
        let Ok(meta) = fs::symlink_metadata(&m.dest) else {
            continue;
        };
        let s = Stat::of(&meta);
        let (Some(dir), Some(name)) = (m.dest.parent(), m.dest.file_name()) else {
            continue;
        };
        let old_dir: Option<i64> = c
            .prepare_cached("SELECT dir_id FROM files WHERE id = ?1 AND library_id = ?2")?
            .query_row(params![m.file_id, from_id], |r| r.get(0))
            .optional()?;
        let Some(old_dir) = old_dir else {
            // Not in the live library any more (moved by a run that committed): nothing to do.
            continue;
        };
        let new_dir = dir_id(c, to_id, dir)?;
        let name = name.as_encoded_bytes();
        // A row the archive library already has at that path (a copy indexed by a scan of the
        // archive, or by an earlier run) gives way to the item's own row.
        let existing: Option<i64> = c
            .prepare_cached("SELECT id FROM files WHERE dir_id = ?1 AND name = ?2")?
            .query_row(params![new_dir, name], |r| r.get(0))
            .optional()?;
        let target = if m.keep {
            match existing {
                Some(id) => id,
                None => {
                    c.execute_batch(
                        "DROP TABLE IF EXISTS temp.archive_row; \
                         CREATE TEMP TABLE archive_row AS SELECT * FROM files WHERE 0",
                    )?;
                    c.execute(
                        "INSERT INTO temp.archive_row SELECT * FROM files WHERE id = ?1",
                        [m.file_id],
                    )?;
                    // The copy's own folder and name before it goes in: (dir_id, name) is
                    // unique, and the original keeps its own.
                    c.execute(
                        "UPDATE temp.archive_row SET id = NULL, library_id = ?1, dir_id = ?2, \
                         name = ?3",
                        params![to_id, new_dir, name],
                    )?;
                    c.execute_batch(
                        "INSERT INTO files SELECT * FROM temp.archive_row; \
                         DROP TABLE temp.archive_row;",
                    )?;
                    copied += 1;
                    c.last_insert_rowid()
                }
            }
        } else {
            if let Some(id) = existing.filter(|&id| id != m.file_id) {
                c.execute(crate::writer::UNPAIR, [id])?;
                c.execute("DELETE FROM files WHERE id = ?1", [id])?;
            }
            touched.insert(old_dir);
            moved += 1;
            m.file_id
        };
        c.prepare_cached(
            "UPDATE files SET library_id = ?2, dir_id = ?3, name = ?4, path = ?5, \
             path_text = ?6, size = ?7, mtime_ns = ?8, dev = ?9, inode = ?10, nlink = ?11 \
             WHERE id = ?1",
        )?
        .execute(params![
            target,
            to_id,
            new_dir,
            name,
            m.dest.as_os_str().as_encoded_bytes(),
            m.dest.to_string_lossy(),
            to_i64(s.size),
            s.mtime_ns,
            to_i64(s.dev),
            to_i64(s.inode),
            to_i64(s.nlink),
        ])?;
        touched.insert(new_dir);
    }
    // The folders' rows changed: their fingerprints no longer hold (the next scan compares
    // their rows one by one and records new ones). Live folders left without a row go.
    for d in touched {
        c.execute("UPDATE dirs SET fingerprint = NULL WHERE id = ?1", [d])?;
        c.execute(
            "DELETE FROM dirs WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM files WHERE dir_id = ?1)",
            [d],
        )?;
    }
    for lib in [from_id, to_id] {
        let ps = crate::pairs::rebuild_pairs(c, lib)?;
        crate::index::refresh_stats(c, lib, &ps)?;
    }
    Ok((to_id, (moved, copied)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_is_the_whole_year() {
        let r = year_range(2005).unwrap();
        assert_eq!(r.start.to_string(), "2005-01-01 00:00:00");
        assert_eq!(r.end.to_string(), "2006-01-01 00:00:00");
    }
}
