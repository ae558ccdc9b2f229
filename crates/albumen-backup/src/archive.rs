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

use serde::Serialize;

use crate::error::{Error, Result};
use crate::export::{self, Action, ExportOptions, ExportReport, Layout, Removal};
use crate::export::{FileOutcome, PlannedFile, TimeRange};
use albumen_index::files::lossy_path;
use albumen_index::files::Stat;
use albumen_index::Progress;
use albumen_index::{Index, RowMove};

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
struct Moved {
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
/// use albumen_backup::archive::{archive, year_range, ArchiveOptions};
/// use albumen_index::{Index, NoProgress};
/// use albumen_scan::{Scan, ScanOptions};
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
    let mut moves: Vec<Moved> = Vec::new();
    let mut already_moved = 0u64;
    for unit in &mut plan.units {
        let mut kept = Vec::with_capacity(unit.files.len());
        for f in std::mem::take(&mut unit.files) {
            if moved_earlier(index, &f) {
                if let Some(id) = f.file_id {
                    already_moved += 1;
                    moves.push(Moved {
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
            moves.push(Moved {
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
    let row_moves: Vec<RowMove> = moves
        .iter()
        .map(|m| RowMove {
            file_id: m.file_id,
            dest: m.dest.clone(),
            keep: m.keep,
        })
        .collect();
    let done = index.move_rows(live.id, &opts.to_library, &dest, &row_moves)?;
    r.rows_moved = done.moved;
    r.rows_copied = done.copied;
    log::debug!(
        "archive: library {} -> {}: {} rows moved, {} copied",
        live.id,
        done.library_id,
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
    let stored = f.file_id.and_then(|id| index.file_hash(id).ok().flatten());
    match stored {
        Some(h) => albumen_index::files::hash_file(&f.dest).is_ok_and(|d| d[..] == h[..]),
        None => true,
    }
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
