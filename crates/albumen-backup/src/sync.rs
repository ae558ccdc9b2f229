//! Sync: keep a destination folder a one-way mirror of a time range of a library.
//!
//! [`sync`] selects what an export of the same range selects ([`crate::export::plan`]: the
//! items whose local capture time lies in the range, with their Live Photo videos and
//! sidecars, at the same destination paths) and makes the destination hold exactly that:
//!
//! - a file not at the destination is copied, verified as export verifies (temporary file,
//!   fsync, read back and compared, linked without replacing anything), mtime kept;
//! - a file whose source changed (e.g. a date fixed with `albumen edit`) is updated: the
//!   verified copy is renamed over the old one;
//! - a file the sync wrote earlier that is no longer wanted at its place, while a wanted file
//!   with the same bytes is missing (the source was moved or renamed, or its date changed with
//!   `--layout date`), is moved there, not copied again;
//! - a file the sync wrote earlier whose source is gone or now outside the range is moved to
//!   `DEST/.albumen-trash/YYYY-MM-DD/` (the day of the sync, local time), keeping its path;
//!   nothing is destroyed except by [`SyncOptions::empty_trash_older_than`];
//! - a file changed at the destination since the sync wrote it, or a file the sync did not
//!   write that is in the way, is never overwritten, moved or trashed: it is a conflict.
//!
//! What the sync wrote is remembered in the destination, in the SQLite file
//! `DEST/.albumen-sync.db` (path below DEST, size, mtime, inode and BLAKE3 of the copy; the
//! source's path and `stat`), so the sync knows its own files and finds changes by `stat`
//! alone (a file is hashed only when its `stat` moved). The record is written after each file
//! is in place, so a sync killed at any moment leaves the destination consistent: a copy in
//! flight is a temporary file (`.albumen-export-PID-N.tmp`) that the next sync removes, and a
//! file in place whose record was not written yet is recognised by its bytes (it equals the
//! source) and adopted. A lock (`DEST/.albumen-sync.lock`) keeps two syncs out of one
//! destination. The photo tree is only read.
//!
//! ```
//! use albumen_backup::{sync, SyncOptions, TimeRange};
//! use albumen_index::{Index, NoProgress};
//! use albumen_scan::{Scan, ScanOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let photos = dir.path().join("photos");
//! std::fs::create_dir(&photos)?;
//! let mut index = Index::open(dir.path().join("index.db"))?;
//! index.scan("family", &[photos], &ScanOptions::new(), &NoProgress)?;
//! let range = TimeRange::parse("2024-01-01", "2024-12-31")?;
//! let opts = SyncOptions::new(range, dir.path().join("mirror"));
//! let report = sync::sync(&index, &opts, &NoProgress)?;
//! assert!(report.ok());
//! assert_eq!(report.copied, 0); // an empty library: nothing to mirror
//! assert!(dir.path().join("mirror").join(sync::STATE_FILE).is_file());
//! # Ok(()) }
//! ```

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::export::{
    self, copy_verified, remove_stale_temps, sync_dir, CopyError, Layout, Place, PlannedFile,
    TimeRange,
};
use albumen_index::files::hash_file_len;
use albumen_index::files::lossy_path;
use albumen_index::files::Stat;
use albumen_index::files::{bytes_of, path_of};
use albumen_index::Progress;
use albumen_index::{Index, SourceStamp, SyncRecord, SyncState};

/// The state file in the destination.
pub const STATE_FILE: &str = ".albumen-sync.db";
/// The lock file in the destination.
pub const LOCK_FILE: &str = ".albumen-sync.lock";
/// The trash folder in the destination.
pub const TRASH_DIR: &str = ".albumen-trash";

/// What to sync, where, and how.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncOptions {
    /// The library (`None`: the index's only library).
    pub library: Option<String>,
    /// The local capture times to mirror.
    pub range: TimeRange,
    /// The destination folder (created when needed).
    pub dest: PathBuf,
    /// Where copies go below `dest`.
    pub layout: Layout,
    /// Work out and report what would be done; create, write, move and delete nothing.
    pub dry_run: bool,
    /// Delete the trash folders (`DEST/.albumen-trash/YYYY-MM-DD`) of days older than this
    /// many days.
    pub empty_trash_older_than: Option<u32>,
    /// The day trashed files are filed under (default: today, local time).
    pub today: Option<NaiveDate>,
    /// Set to `true` from another thread (a Ctrl-C handler) to stop: files being copied are
    /// finished, the others are left for the next sync.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl SyncOptions {
    /// Options with the default layout (keep), not a dry run, the trash kept.
    pub fn new(range: TimeRange, dest: impl Into<PathBuf>) -> Self {
        SyncOptions {
            library: None,
            range,
            dest: dest.into(),
            layout: Layout::Keep,
            dry_run: false,
            empty_trash_older_than: None,
            today: None,
            cancel: None,
        }
    }
    /// Sets the library.
    pub fn library(mut self, name: impl Into<String>) -> Self {
        self.library = Some(name.into());
        self
    }
    /// Sets the layout.
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }
    /// Makes this a dry run.
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }
    /// Empties the trash of days older than `days`.
    pub fn empty_trash_older_than(mut self, days: u32) -> Self {
        self.empty_trash_older_than = Some(days);
        self
    }
    /// Sets the day trashed files are filed under.
    pub fn today(mut self, day: NaiveDate) -> Self {
        self.today = Some(day);
        self
    }
    /// Sets a cancellation flag.
    pub fn cancel(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }
}

/// What happened to one file of the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SyncAction {
    /// Copied (dry run: would be).
    Copied,
    /// Replaced by the new version of its source (dry run: would be).
    Updated,
    /// Moved from `from` at the destination (dry run: would be).
    Moved,
    /// Moved into the trash, to `to` (dry run: would be).
    Trashed,
    /// Left alone: a conflict (see the reason).
    Conflict,
    /// The copy failed (see the reason); nothing was changed at the destination.
    Failed,
}

/// One file the sync changed, or could not.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SyncFile {
    /// The file at the destination.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// What happened.
    pub action: SyncAction,
    /// Its source in the library (none for trashed files).
    #[serde(
        serialize_with = "lossy_opt_path",
        skip_serializing_if = "Option::is_none"
    )]
    pub source: Option<PathBuf>,
    /// Where a moved file was, or where a trashed file went.
    #[serde(
        serialize_with = "lossy_opt_path",
        skip_serializing_if = "Option::is_none"
    )]
    pub other: Option<PathBuf>,
    /// Why, for conflicts and failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn lossy_opt_path<S: serde::Serializer>(
    p: &Option<PathBuf>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match p {
        Some(p) => lossy_path(p, s),
        None => s.serialize_none(),
    }
}

/// What a sync did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SyncReport {
    /// Library name.
    pub library: String,
    /// First local time of the range.
    pub from: String,
    /// First local time after the range.
    pub until: String,
    /// The destination.
    #[serde(serialize_with = "lossy_path")]
    pub dest: PathBuf,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Files the range selects (items' files, Live Photo videos, sidecars).
    pub selected: u64,
    /// Files copied.
    pub copied: u64,
    /// Files updated from a changed source.
    pub updated: u64,
    /// Files moved at the destination.
    pub moved: u64,
    /// Files moved to the trash.
    pub trashed: u64,
    /// Files already as they should be.
    pub unchanged: u64,
    /// Files left alone because they changed at the destination or are in the way.
    pub conflicts: Vec<SyncFile>,
    /// Files whose copy failed.
    pub failed: Vec<SyncFile>,
    /// Files deleted from the trash (`--empty-trash-older-than`).
    pub trash_emptied: u64,
    /// Temporary files of interrupted copies removed.
    pub stale_temps_removed: u64,
    /// The sync was cancelled before every file was dealt with.
    pub interrupted: bool,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
    /// Every file copied, updated, moved, trashed, in conflict or failed.
    pub files: Vec<SyncFile>,
}

impl SyncReport {
    /// Whether the destination now mirrors the range: no conflict, no failure, not cut short.
    pub fn ok(&self) -> bool {
        self.conflicts.is_empty() && self.failed.is_empty() && !self.interrupted
    }
}

/// What the sync remembers of a file it wrote (kept in the destination's state file).
type Rec = SyncRecord;

/// The `stat` of a source as a sync record keeps it.
fn stamp_of(m: &fs::Metadata) -> SourceStamp {
    let s = Stat::of(m);
    SourceStamp {
        size: s.size,
        mtime_ns: s.mtime_ns,
        inode: s.inode,
        ctime_ns: ctime_ns(m),
    }
}

#[cfg(unix)]
fn ctime_ns(m: &fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    m.ctime()
        .saturating_mul(1_000_000_000)
        .saturating_add(m.ctime_nsec())
}

#[cfg(not(unix))]
fn ctime_ns(_: &fs::Metadata) -> i64 {
    0
}

/// Whether the copy at the destination is still the one the record describes, by `stat`.
fn dest_matches(now: &Stat, r: &Rec) -> bool {
    now.size == r.size && now.mtime_ns == r.mtime_ns && now.inode == r.inode
}

/// What a wanted file needs after the `stat` pass.
enum Todo {
    /// Not at the destination: copy it (or move a file the sync wrote elsewhere).
    Missing,
    /// At the destination, but its `stat` or its source's moved: compare bytes.
    Check(Stat),
}

/// The outcome of one file, and the record to write (or drop) for it.
struct Outcome {
    file: Option<SyncFile>,
    unchanged: bool,
}

/// Mirrors the range into the destination. Problems with single files are in the report;
/// errors are for what stops the whole sync (the index, the state file, a busy destination).
pub fn sync(index: &Index, opts: &SyncOptions, progress: &dyn Progress) -> Result<SyncReport> {
    let started = Instant::now();
    let dest = opts.dest.as_path();
    let mut eo = export::ExportOptions::new(opts.range.clone(), dest).layout(opts.layout);
    eo.library.clone_from(&opts.library);
    eo.dry_run = opts.dry_run;
    let plan = export::plan(index, &eo)?;
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let _lock = if opts.dry_run {
        None
    } else {
        fs::create_dir_all(dest).map_err(io_err(dest))?;
        let f = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dest.join(LOCK_FILE))
            .map_err(io_err(&dest.join(LOCK_FILE)))?;
        match f.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(Error::SyncBusy(dest.to_path_buf())),
            Err(fs::TryLockError::Error(e)) => return Err(io_err(&dest.join(LOCK_FILE))(e)),
        }
        Some(f)
    };
    let stale_temps_removed = if opts.dry_run {
        0
    } else {
        remove_stale_temps(dest)
    };
    let state = SyncState::open(&dest.join(STATE_FILE), opts.dry_run || !dest.is_dir())?;
    let records = state.load()?;
    let today = opts
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());

    let wanted: Vec<&PlannedFile> = plan.units.iter().flat_map(|u| &u.files).collect();
    let rel_of = |p: &Path| -> Vec<u8> { bytes_of(p.strip_prefix(dest).unwrap_or(p)) };
    let wanted_rels: HashSet<Vec<u8>> = wanted.iter().map(|f| rel_of(&f.dest)).collect();
    let mut gone: Vec<(Vec<u8>, &Rec)> = records
        .iter()
        .filter(|(rel, _)| !wanted_rels.contains(*rel))
        .map(|(rel, r)| (rel.clone(), r))
        .collect();
    gone.sort_by(|a, b| a.0.cmp(&b.0));
    progress.found((wanted.len() + gone.len()) as u64);

    let mut files: Vec<SyncFile> = Vec::new();
    let mut unchanged = 0u64;
    let problem = |f: &PlannedFile, action: SyncAction, why: String| SyncFile {
        path: f.dest.clone(),
        action,
        source: Some(f.source.clone()),
        other: None,
        reason: Some(why),
    };

    // 1. `stat` pass: what is plainly in step, what is missing, what needs a closer look.
    let mut todo: Vec<(&PlannedFile, Todo)> = Vec::new();
    for f in &wanted {
        if let Some(first) = &f.clashes_with {
            let why = format!("{} goes to the same destination", first.display());
            files.push(problem(f, SyncAction::Conflict, why));
            progress.done(1);
            continue;
        }
        let src = match fs::metadata(&f.source) {
            Ok(m) if m.is_file() => stamp_of(&m),
            Ok(_) => {
                files.push(problem(
                    f,
                    SyncAction::Failed,
                    "the source is not a file".into(),
                ));
                progress.done(1);
                continue;
            }
            Err(e) => {
                files.push(problem(f, SyncAction::Failed, format!("source: {e}")));
                progress.done(1);
                continue;
            }
        };
        match fs::symlink_metadata(&f.dest) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => todo.push((f, Todo::Missing)),
            Err(e) => {
                files.push(problem(f, SyncAction::Failed, format!("destination: {e}")));
                progress.done(1);
            }
            Ok(m) if !m.is_file() => {
                let why = "the destination exists and is not a file".to_string();
                files.push(problem(f, SyncAction::Conflict, why));
                progress.done(1);
            }
            Ok(m) => {
                let now = Stat::of(&m);
                let in_step = records.get(&rel_of(&f.dest)).is_some_and(|r| {
                    dest_matches(&now, r) && r.source == bytes_of(&f.source) && r.src == src
                });
                if in_step {
                    unchanged += 1;
                    progress.done(1);
                } else {
                    todo.push((f, Todo::Check(now)));
                }
            }
        }
    }

    // 2. Moves: a missing file whose bytes are those of a copy the sync wrote that is no
    //    longer wanted where it is.
    let mut consumed: HashSet<Vec<u8>> = HashSet::new();
    let mut moved = 0u64;
    let mut rest: Vec<(&PlannedFile, Todo)> = Vec::new();
    let mut movable: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, (rel, r)) in gone.iter().enumerate() {
        let at = dest.join(path_of(rel.clone()));
        if fs::symlink_metadata(&at).is_ok_and(|m| m.is_file() && dest_matches(&Stat::of(&m), r)) {
            movable.entry(r.size).or_default().push(i);
        }
    }
    for (f, t) in todo {
        let (Todo::Missing, false) = (&t, movable.is_empty()) else {
            rest.push((f, t));
            continue;
        };
        let size = fs::metadata(&f.source).map(|m| m.len()).ok();
        let cands = size
            .and_then(|s| movable.get(&s))
            .cloned()
            .unwrap_or_default();
        let cands: Vec<usize> = cands
            .into_iter()
            .filter(|&i| gone.get(i).is_some_and(|(rel, _)| !consumed.contains(rel)))
            .collect();
        if cands.is_empty() {
            rest.push((f, t));
            continue;
        }
        let Ok((hash, _)) = hash_file_len(&f.source) else {
            rest.push((f, t));
            continue;
        };
        let Some((old_rel, r)) = cands
            .iter()
            .filter_map(|&i| gone.get(i))
            .find(|(_, r)| r.hash == hash)
        else {
            rest.push((f, t));
            continue;
        };
        let from = dest.join(path_of(old_rel.clone()));
        match move_copy(&from, &f.dest, &f.source, dest, opts.dry_run) {
            Ok(placed) => {
                consumed.insert(old_rel.clone());
                if let (Some(stat), Ok(m)) = (placed, fs::metadata(&f.source)) {
                    state.remove(old_rel)?;
                    state.put(
                        &rel_of(&f.dest),
                        &Rec {
                            size: stat.size,
                            mtime_ns: stat.mtime_ns,
                            inode: stat.inode,
                            hash: r.hash,
                            source: bytes_of(&f.source),
                            src: stamp_of(&m),
                        },
                    )?;
                }
                moved += 1;
                files.push(SyncFile {
                    path: f.dest.clone(),
                    action: SyncAction::Moved,
                    source: Some(f.source.clone()),
                    other: Some(from),
                    reason: None,
                });
                progress.done(1);
            }
            // The move did not happen: copy instead.
            Err(_) => rest.push((f, t)),
        }
    }

    // 3. Copies, updates and byte comparisons, in parallel.
    let cancelled = AtomicBool::new(false);
    let tmp_counter = AtomicU64::new(0);
    let state_m = Mutex::new(state);
    let outcomes: Vec<Result<Outcome>> = rest
        .par_iter()
        .map(|(f, t)| {
            if opts
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                cancelled.store(true, Ordering::Relaxed);
                return Ok(Outcome {
                    file: Some(problem(
                        f,
                        SyncAction::Failed,
                        "not synced: the sync was interrupted".into(),
                    )),
                    unchanged: false,
                });
            }
            let rel = rel_of(&f.dest);
            let out = sync_one(f, t, records.get(&rel), opts.dry_run, &tmp_counter);
            progress.done(1);
            if let Some(r) = &out.record {
                let st = state_m
                    .lock()
                    .map_err(|_| Error::Worker("state lock".into()))?;
                st.put(&rel, r)?;
            }
            Ok(out.outcome)
        })
        .collect();
    let state = state_m
        .into_inner()
        .map_err(|_| Error::Worker("state lock".into()))?;
    let (mut copied, mut updated) = (0u64, 0u64);
    for o in outcomes {
        let o = o?;
        unchanged += u64::from(o.unchanged);
        if let Some(f) = o.file {
            match f.action {
                SyncAction::Copied => copied += 1,
                SyncAction::Updated => updated += 1,
                _ => {}
            }
            files.push(f);
        }
    }
    let interrupted = cancelled.load(Ordering::Relaxed);

    // 4. Trash what the sync wrote that is no longer wanted (an interrupted sync stops
    //    before this step: the next one does it).
    let mut trashed = 0u64;
    if !interrupted {
        let trash_day = dest
            .join(TRASH_DIR)
            .join(today.format("%Y-%m-%d").to_string());
        for (rel, r) in &gone {
            if consumed.contains(rel) {
                continue;
            }
            progress.done(1);
            let at = dest.join(path_of(rel.clone()));
            let now = match fs::symlink_metadata(&at) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // Gone from the destination already: forget it.
                    if !opts.dry_run {
                        state.remove(rel)?;
                    }
                    continue;
                }
                Err(e) => {
                    files.push(trash_problem(&at, SyncAction::Failed, e.to_string()));
                    continue;
                }
                Ok(m) if !m.is_file() => {
                    let why = "no longer a file; left alone".to_string();
                    files.push(trash_problem(&at, SyncAction::Conflict, why));
                    continue;
                }
                Ok(m) => Stat::of(&m),
            };
            let ours = dest_matches(&now, r)
                || hash_file_len(&at).is_ok_and(|(h, len)| h == r.hash && len == r.size);
            if !ours {
                let why = "changed at the destination since the last sync, and its source is \
                           gone or out of the range: left in place"
                    .to_string();
                files.push(trash_problem(&at, SyncAction::Conflict, why));
                continue;
            }
            let rel_path = path_of(rel.clone());
            let to = match free_name(&trash_day.join(&rel_path)) {
                Some(p) => p,
                None => {
                    let why = "no free name in the trash".to_string();
                    files.push(trash_problem(&at, SyncAction::Failed, why));
                    continue;
                }
            };
            if !opts.dry_run {
                if let Err(e) = move_no_replace(&at, &to) {
                    files.push(trash_problem(&at, SyncAction::Failed, e.to_string()));
                    continue;
                }
                state.remove(rel)?;
                remove_empty_parents(&at, dest);
            }
            trashed += 1;
            files.push(SyncFile {
                path: at,
                action: SyncAction::Trashed,
                source: None,
                other: Some(to),
                reason: None,
            });
        }
    }

    // 5. Empty the trash of old days.
    let trash_emptied = match opts.empty_trash_older_than {
        Some(days) if !interrupted => empty_trash(dest, today, days, opts.dry_run),
        _ => 0,
    };
    drop(state);

    let (conflicts, failed): (Vec<SyncFile>, Vec<SyncFile>) = (
        files
            .iter()
            .filter(|f| f.action == SyncAction::Conflict)
            .cloned()
            .collect(),
        files
            .iter()
            .filter(|f| f.action == SyncAction::Failed)
            .cloned()
            .collect(),
    );
    Ok(SyncReport {
        library: plan.library.name.clone(),
        from: opts.range.start.format("%Y-%m-%dT%H:%M:%S").to_string(),
        until: opts.range.end.format("%Y-%m-%dT%H:%M:%S").to_string(),
        dest: dest.to_path_buf(),
        dry_run: opts.dry_run,
        selected: wanted.len() as u64,
        copied,
        updated,
        moved,
        trashed,
        unchanged,
        conflicts,
        failed,
        trash_emptied,
        stale_temps_removed,
        interrupted,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        files,
    })
}

fn trash_problem(at: &Path, action: SyncAction, why: String) -> SyncFile {
    SyncFile {
        path: at.to_path_buf(),
        action,
        source: None,
        other: None,
        reason: Some(why),
    }
}

/// One file's outcome and the record to write for it.
struct OneOut {
    outcome: Outcome,
    record: Option<Rec>,
}

/// Copies, updates or adopts one wanted file (not a dry run: see `dry_run`).
fn sync_one(
    f: &PlannedFile,
    t: &Todo,
    rec: Option<&Rec>,
    dry_run: bool,
    tmp_counter: &AtomicU64,
) -> OneOut {
    let fail = |action: SyncAction, why: String| OneOut {
        outcome: Outcome {
            file: Some(SyncFile {
                path: f.dest.clone(),
                action,
                source: Some(f.source.clone()),
                other: None,
                reason: Some(why),
            }),
            unchanged: false,
        },
        record: None,
    };
    let done = |action: SyncAction, record: Option<Rec>| OneOut {
        outcome: Outcome {
            file: Some(SyncFile {
                path: f.dest.clone(),
                action,
                source: Some(f.source.clone()),
                other: None,
                reason: None,
            }),
            unchanged: false,
        },
        record,
    };
    let record_of = |c: &export::Copied| -> Option<Rec> {
        let m = fs::metadata(&f.source).ok()?;
        let src = stamp_of(&m);
        // The stamp must be the one of the bytes copied.
        (src.size == c.source.size && src.mtime_ns == c.source.mtime_ns).then(|| Rec {
            size: c.dest.size,
            mtime_ns: c.dest.mtime_ns,
            inode: c.dest.inode,
            hash: c.hash,
            source: bytes_of(&f.source),
            src,
        })
    };
    match t {
        Todo::Missing => {
            if dry_run {
                return done(SyncAction::Copied, None);
            }
            match copy_verified(&f.source, &f.dest, tmp_counter, Place::New, None) {
                Ok(c) => done(SyncAction::Copied, record_of(&c)),
                Err(CopyError::Exists) => fail(
                    SyncAction::Conflict,
                    "a file appeared at the destination while the copy was made".into(),
                ),
                Err(e) => fail(SyncAction::Failed, e.to_string()),
            }
        }
        Todo::Check(now) => {
            let src_stamp = match fs::metadata(&f.source) {
                Ok(m) => stamp_of(&m),
                Err(e) => return fail(SyncAction::Failed, format!("source: {e}")),
            };
            let (dest_hash, dest_len) = match hash_file_len(&f.dest) {
                Ok(x) => x,
                Err(e) => return fail(SyncAction::Failed, format!("destination: {e}")),
            };
            let (src_hash, src_len) = match hash_file_len(&f.source) {
                Ok(x) => x,
                Err(e) => return fail(SyncAction::Failed, format!("source: {e}")),
            };
            if dest_hash == src_hash && dest_len == src_len {
                // In step (the record was stale or missing: a sync killed after the copy was
                // in place, or a copy made by `albumen export`): adopt it.
                let still = fs::metadata(&f.source).map(|m| stamp_of(&m));
                let record = still.ok().filter(|s| *s == src_stamp).map(|src| Rec {
                    size: now.size,
                    mtime_ns: now.mtime_ns,
                    inode: now.inode,
                    hash: dest_hash,
                    source: bytes_of(&f.source),
                    src,
                });
                return OneOut {
                    outcome: Outcome {
                        file: None,
                        unchanged: true,
                    },
                    record: if dry_run { None } else { record },
                };
            }
            let ours = rec.is_some_and(|r| r.hash == dest_hash && r.size == dest_len);
            if !ours {
                let why = if rec.is_some() {
                    "changed at the destination since the last sync: not overwritten"
                } else {
                    "a file the sync did not write is in the way: not overwritten"
                };
                return fail(SyncAction::Conflict, why.into());
            }
            if dry_run {
                return done(SyncAction::Updated, None);
            }
            match copy_verified(&f.source, &f.dest, tmp_counter, Place::Replace(*now), None) {
                Ok(c) => done(SyncAction::Updated, record_of(&c)),
                Err(CopyError::Exists) => fail(
                    SyncAction::Conflict,
                    "changed at the destination during the sync: not overwritten".into(),
                ),
                Err(e) => fail(SyncAction::Failed, e.to_string()),
            }
        }
    }
}

/// Moves the copy `from` (its bytes already checked equal to `source`'s) to `to`, which must
/// not exist, and gives it the source's mtime. Returns the moved file's `stat` (`None` in a
/// dry run).
fn move_copy(
    from: &Path,
    to: &Path,
    source: &Path,
    root: &Path,
    dry_run: bool,
) -> io::Result<Option<Stat>> {
    if dry_run {
        return Ok(None);
    }
    move_no_replace(from, to)?;
    let mtime = fs::metadata(source)?.modified()?;
    File::options()
        .write(true)
        .open(to)?
        .set_times(fs::FileTimes::new().set_modified(mtime))?;
    remove_empty_parents(from, root);
    Ok(Some(Stat::of(&fs::symlink_metadata(to)?)))
}

/// Moves a file to a name that must not exist (a hard link then an unlink, so nothing is ever
/// replaced; a rename after a last check where hard links are not supported), fsyncing both
/// folders.
fn move_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    let parent = to.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    match fs::hard_link(from, to) {
        Ok(()) => fs::remove_file(from)?,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
        Err(_) => {
            if fs::symlink_metadata(to).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "the target exists",
                ));
            }
            fs::rename(from, to)?;
        }
    }
    sync_dir(parent)?;
    if let Some(p) = from.parent() {
        sync_dir(p)?;
    }
    Ok(())
}

/// `path`, or `path` with ` (2)`, ` (3)`, ... before its extension, whichever is free.
fn free_name(path: &Path) -> Option<PathBuf> {
    if fs::symlink_metadata(path).is_err() {
        return Some(path.to_path_buf());
    }
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    (2..10_000)
        .map(|n| path.with_file_name(format!("{stem} ({n}){ext}")))
        .find(|p| fs::symlink_metadata(p).is_err())
}

/// Removes the folders between `file` and `root` that are now empty (never `root`).
fn remove_empty_parents(file: &Path, root: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Deletes the trash folders of days more than `days` before `today`; returns the number of
/// files they held.
fn empty_trash(dest: &Path, today: NaiveDate, days: u32, dry_run: bool) -> u64 {
    let trash = dest.join(TRASH_DIR);
    let Some(limit) = today.checked_sub_days(chrono::Days::new(u64::from(days))) else {
        return 0;
    };
    let mut n = 0;
    for e in fs::read_dir(&trash).into_iter().flatten().flatten() {
        let name = e.file_name();
        let Some(day) = name
            .to_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        else {
            continue;
        };
        if day >= limit || !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let files = count_files(&e.path());
        if dry_run || fs::remove_dir_all(e.path()).is_ok() {
            n += files;
        }
    }
    n
}

fn count_files(dir: &Path) -> u64 {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(_) => n += 1,
                Err(_) => {}
            }
        }
    }
    n
}
