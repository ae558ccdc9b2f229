//! Export: copy (or archive) the items of a time range to another folder, safely.
//!
//! [`plan`] selects from the index every item whose local capture time (`items.time_local`:
//! the time resolved by albumen-timeline, else the capture time as written) lies in a
//! [`TimeRange`], and turns each into an [`ExportUnit`]: the item's file, the video of its
//! Live Photo pair (whatever the video's own time) and the sidecars beside them (`NAME.xmp`,
//! `NAME.EXT.xmp`, Apple's `NAME.AAE` / `IMG_O1234.AAE`), each with its destination. Items
//! whose time is unknown are never selected; the plan counts them. [`ExportPlan::run`] then
//! copies unit by unit, in parallel:
//!
//! - a copy is written to a temporary file in the destination folder, given the source's
//!   permissions and modification time, fsynced, read back and compared with the source (size
//!   and BLAKE3 hash, the hash the index stores in `files.hash`), and only then linked to its
//!   name, without replacing anything that appeared there meanwhile; the folder is fsynced;
//! - a destination that already holds the same bytes is skipped; one that holds other bytes is
//!   never overwritten: it is a conflict;
//! - with [`ExportOptions::remove_originals`], the sources of a unit are deleted only once
//!   every file of the unit is verified at the destination (copied now, or already there), and
//!   only if the source has not changed since it was read. This is the one place albumen
//!   deletes a user's file. A dry run reads and compares but creates, writes and deletes
//!   nothing, and reports exactly what a run would remove.
//!
//! The photo tree stays read-only except for that explicit removal: sources are opened for
//! reading only (`O_NOATIME` on Linux).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use albumen_index::files::hash_file_len;
use albumen_index::files::lossy_path;
use albumen_index::files::Stat;
use albumen_index::files::{claimed_bases, sidecar_base, SidecarKind};
use albumen_index::Library;
use albumen_index::Progress;
use albumen_index::{Index, IndexedFile};

/// The format of `files.time_local` (a prefix of it: fractions of a second may follow).
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// A range of local wall-clock times, inclusive at the precision it was given in: `2024-03-10`
/// to `2024-03-12` is three whole days, `2024-03-10T09:00` to `2024-03-10T17:30` ends at the
/// end of 17:30.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRange {
    /// First instant in the range.
    pub start: NaiveDateTime,
    /// First instant after the range.
    pub end: NaiveDateTime,
}

impl TimeRange {
    /// Parses a range from two bounds, each `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or
    /// `YYYY-MM-DDTHH:MM:SS` (a space may replace the `T`).
    pub fn parse(from: &str, to: &str) -> Result<TimeRange> {
        let (start, _) = parse_bound(from).ok_or_else(|| Error::BadTime(from.to_string()))?;
        let (to_start, step) = parse_bound(to).ok_or_else(|| Error::BadTime(to.to_string()))?;
        let end = to_start
            .checked_add_signed(step)
            .ok_or_else(|| Error::BadTime(to.to_string()))?;
        if start >= end {
            return Err(Error::EmptyRange {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        Ok(TimeRange { start, end })
    }

    /// Whether a local time lies in the range.
    pub fn contains(&self, t: &NaiveDateTime) -> bool {
        self.start <= *t && *t < self.end
    }
}

/// A bound and the length of the unit it was given in (a day, a minute, a second).
fn parse_bound(s: &str) -> Option<(NaiveDateTime, TimeDelta)> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some((d.and_time(NaiveTime::MIN), TimeDelta::days(1)));
    }
    for (fmt, step) in [
        ("%Y-%m-%dT%H:%M", TimeDelta::minutes(1)),
        ("%Y-%m-%d %H:%M", TimeDelta::minutes(1)),
        ("%Y-%m-%dT%H:%M:%S", TimeDelta::seconds(1)),
        ("%Y-%m-%d %H:%M:%S", TimeDelta::seconds(1)),
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some((t, step));
        }
    }
    None
}

/// A stored local time (`YYYY-MM-DDTHH:MM:SS[.f]`).
fn parse_local(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// Where copies go below the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Layout {
    /// The path relative to the library root (`DEST/2024/trip/IMG_1.JPG`).
    #[default]
    Keep,
    /// `DEST/YYYY/MM/DD/NAME` by the item's local capture date (a Live Photo's video and the
    /// sidecars go with their item).
    Date,
}

/// What to export, where, and how.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExportOptions {
    /// The library (`None`: the index's only library).
    pub library: Option<String>,
    /// The local capture times to export.
    pub range: TimeRange,
    /// The destination folder (created when needed).
    pub dest: PathBuf,
    /// Where copies go below `dest`.
    pub layout: Layout,
    /// Delete each source once its whole unit is verified at the destination (archive).
    pub remove_originals: bool,
    /// Read and compare, but create, write and delete nothing.
    pub dry_run: bool,
    /// Set to `true` from another thread (a Ctrl-C handler) to stop: the items being copied
    /// are finished (with their removals, when asked), the others are left as they are.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// What to remove from every copy (for sharing); nothing by default.
    pub strip: Strip,
}

/// What an export removes from its copies, through albumen-edit, losslessly (image data and
/// every other tag kept). A copy is changed as a temporary file, after it verified against
/// its source and before it is put in place; the library's files are never touched. A file
/// whose copy cannot be cleaned is not shared at all ([`Action::Withheld`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Strip {
    /// Remove every location ([`albumen_edit::Edit::RemoveLocation`]).
    pub location: bool,
    /// Remove camera and lens serial numbers ([`albumen_edit::Edit::RemoveSerials`]).
    pub serials: bool,
}

impl Strip {
    /// Nothing is removed.
    pub fn is_empty(self) -> bool {
        !self.location && !self.serials
    }

    /// The edits that do it.
    pub fn edits(self) -> Vec<albumen_edit::Edit> {
        let mut v = Vec::new();
        if self.location {
            v.push(albumen_edit::Edit::RemoveLocation);
        }
        if self.serials {
            v.push(albumen_edit::Edit::RemoveSerials);
        }
        v
    }
}

impl ExportOptions {
    /// Options with the default layout (keep), copying only, not a dry run.
    pub fn new(range: TimeRange, dest: impl Into<PathBuf>) -> Self {
        ExportOptions {
            library: None,
            range,
            dest: dest.into(),
            layout: Layout::Keep,
            remove_originals: false,
            dry_run: false,
            cancel: None,
            strip: Strip::default(),
        }
    }
    /// Removes locations from the copies (for sharing).
    pub fn strip_location(mut self, yes: bool) -> Self {
        self.strip.location = yes;
        self
    }
    /// Removes camera and lens serial numbers from the copies (for sharing).
    pub fn strip_serials(mut self, yes: bool) -> Self {
        self.strip.serials = yes;
        self
    }
    /// Sets a cancellation flag.
    pub fn cancel(mut self, flag: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
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
    /// Asks for the sources to be removed after their copies verified.
    pub fn remove_originals(mut self, yes: bool) -> Self {
        self.remove_originals = yes;
        self
    }
    /// Makes this a dry run.
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }
}

/// An item chosen for export: its time, its own file, and the files that go with it (a Live
/// Photo's video, a stack's other members) with their roles.
type Selected = (NaiveDateTime, Source, Vec<(Source, Role)>);

/// What a file is to its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Role {
    /// The item's own file (a photo, a video, a Live Photo's still).
    Item,
    /// The video of a Live Photo pair.
    LiveVideo,
    /// Another member of a stack (the raw of a RAW+JPEG twin, the original beside an edited
    /// version, another frame of a burst) whose face is the item.
    StackMember,
    /// An XMP or AAE sidecar beside one of the unit's files.
    Sidecar,
}

/// One file to copy.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlannedFile {
    /// Where it is.
    pub source: PathBuf,
    /// Where its copy goes.
    pub dest: PathBuf,
    /// What it is to its unit.
    pub role: Role,
    /// `files.id` (sidecars are not indexed).
    pub file_id: Option<i64>,
    /// Size and modification time (ns) recorded by the last scan (indexed files only).
    pub indexed: Option<(u64, i64)>,
    /// Why the source is kept even when originals are removed (a sidecar that an indexed file
    /// outside the export also uses).
    pub keep_source: Option<String>,
    /// Another file of the plan that goes to the same destination (this one is a conflict).
    pub clashes_with: Option<PathBuf>,
}

/// Files that travel together: an item, its Live Photo video, their sidecars (and other items
/// sharing a sidecar with them, e.g. a raw file and its JPEG with one `NAME.xmp`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExportUnit {
    /// The items (`items.id`), usually one.
    pub items: Vec<i64>,
    /// The files.
    pub files: Vec<PlannedFile>,
}

/// What an export will do, before it touches anything.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExportPlan {
    /// The library.
    pub library: Library,
    /// The options it was made with.
    pub options: ExportOptions,
    /// The units, in capture-time order.
    pub units: Vec<ExportUnit>,
    /// Items selected.
    pub items: u64,
    /// Items of the library left out because their capture time is unknown.
    pub unknown_time: u64,
}

/// One selected indexed file.
#[derive(Debug)]
struct Source {
    id: i64,
    path: PathBuf,
    name: Vec<u8>,
    dir_id: i64,
    size: u64,
    mtime_ns: i64,
}

impl From<IndexedFile> for Source {
    fn from(f: IndexedFile) -> Self {
        Source {
            id: f.id,
            path: f.path,
            name: f.name,
            dir_id: f.dir_id,
            size: f.size,
            mtime_ns: f.mtime_ns,
        }
    }
}

/// Selects what to export. Reads the index and lists the source folders (for sidecars);
/// opens no file and writes nothing.
pub fn plan(index: &Index, opts: &ExportOptions) -> Result<ExportPlan> {
    let library = index.library(opts.library.as_deref())?;
    if opts.remove_originals && !opts.strip.is_empty() {
        return Err(Error::StripWithRemoval);
    }
    if let Ok(dest) = fs::canonicalize(&opts.dest) {
        if let Some(root) = library.roots.iter().find(|r| **r == dest) {
            return Err(Error::DestIsRoot {
                dest: opts.dest.clone(),
                root: root.clone(),
            });
        }
    }
    let mut unknown_time = index.untimed_items(library.id)?;
    // The stored local times are `YYYY-MM-DDTHH:MM:SS[.f]`, which sort as text: the index
    // narrows the rows, the parse below decides.
    let from = opts.range.start.format(LOCAL_FORMAT).to_string();
    let to = opts.range.end.format(LOCAL_FORMAT).to_string();
    let mut selected: Vec<Selected> = Vec::new();
    for item in index.items_in_local_range(library.id, &from, &to)? {
        let Some(t) = parse_local(&item.time_local) else {
            unknown_time += 1;
            continue;
        };
        if !opts.range.contains(&t) {
            continue;
        }
        let vids = item
            .members
            .into_iter()
            .map(|(f, stack)| {
                let role = if stack {
                    Role::StackMember
                } else {
                    Role::LiveVideo
                };
                (Source::from(f), role)
            })
            .collect();
        selected.push((t, Source::from(item.file), vids));
    }
    let items = selected.len() as u64;

    // Sidecars: list each source folder once; note the sidecars that indexed files left out
    // of the export use too (their source is kept).
    let chosen: HashSet<i64> = selected
        .iter()
        .flat_map(|(_, m, v)| std::iter::once(m.id).chain(v.iter().map(|(s, _)| s.id)))
        .collect();
    let mut folders: HashMap<i64, Folder> = HashMap::new();
    for (_, m, vids) in &selected {
        for s in std::iter::once(m).chain(vids.iter().map(|(s, _)| s)) {
            if let std::collections::hash_map::Entry::Vacant(slot) = folders.entry(s.dir_id) {
                slot.insert(Folder::load(index, s, &chosen)?);
            }
        }
    }

    // Units, with items that share a file merged into one unit (union-find): a sidecar used
    // by a raw file and its JPEG, a Live Photo video paired with a still and its edited copy
    // (`IMG_2929.HEIC`, `IMG_E2929.HEIC`). The file goes with the first; its source is removed
    // only when the whole merged unit verified.
    let mut units: Vec<ExportUnit> = Vec::new();
    let mut owner: HashMap<PathBuf, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    for (t, main, vids) in &selected {
        let u = units.len();
        parent.push(u);
        let mut files = Vec::new();
        for (s, role) in
            std::iter::once((main, Role::Item)).chain(vids.iter().map(|(v, r)| (v, *r)))
        {
            if let Some(&o) = owner.get(&s.path) {
                union(&mut parent, o, u);
                continue;
            }
            owner.insert(s.path.clone(), u);
            let mut keep_source = None;
            if role == Role::LiveVideo {
                let stills = index.stills_of_video(s.id)?;
                if stills.iter().any(|id| !chosen.contains(id)) {
                    keep_source = Some(
                        "a Live Photo video also paired with a still that is not exported"
                            .to_string(),
                    );
                }
            }
            files.push(PlannedFile {
                source: s.path.clone(),
                dest: dest_of(&library, opts, &s.path, t),
                role,
                file_id: Some(s.id),
                indexed: Some((s.size, s.mtime_ns)),
                keep_source,
                clashes_with: None,
            });
            let Some(folder) = folders.get(&s.dir_id) else {
                continue;
            };
            for sc in folder.sidecars_of(&s.name) {
                let path = s.path.with_file_name(&sc);
                if let Some(&o) = owner.get(&path) {
                    union(&mut parent, o, u);
                    continue;
                }
                owner.insert(path.clone(), u);
                files.push(PlannedFile {
                    dest: dest_of(&library, opts, &path, t),
                    keep_source: folder.shared.contains(&sc).then(|| {
                        "a sidecar also used by an indexed file that is not exported".to_string()
                    }),
                    source: path,
                    role: Role::Sidecar,
                    file_id: None,
                    indexed: None,
                    clashes_with: None,
                });
            }
        }
        units.push(ExportUnit {
            items: vec![main.id],
            files,
        });
    }
    let mut merged: Vec<Option<ExportUnit>> = units.into_iter().map(Some).collect();
    for u in (0..merged.len()).rev() {
        let r = find(&mut parent, u);
        if r != u {
            if let Some(unit) = merged.get_mut(u).and_then(Option::take) {
                if let Some(Some(root)) = merged.get_mut(r) {
                    root.items.extend(unit.items);
                    root.files.extend(unit.files);
                }
            }
        }
    }
    let mut units: Vec<ExportUnit> = merged.into_iter().flatten().collect();

    // Two sources for one destination (`--layout date`, or roots with the same relative
    // paths): the first keeps it, the others are conflicts.
    let mut dests: HashMap<PathBuf, PathBuf> = HashMap::new();
    for f in units.iter_mut().flat_map(|u| u.files.iter_mut()) {
        match dests.get(&f.dest) {
            Some(first) => f.clashes_with = Some(first.clone()),
            None => {
                dests.insert(f.dest.clone(), f.source.clone());
            }
        }
    }
    Ok(ExportPlan {
        library,
        options: opts.clone(),
        units,
        items,
        unknown_time,
    })
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while let Some(&p) = parent.get(x) {
        if p == x {
            break;
        }
        let gp = parent.get(p).copied().unwrap_or(p);
        if let Some(slot) = parent.get_mut(x) {
            *slot = gp;
        }
        x = p;
    }
    x
}

/// Joins the sets of `a` and `b`; the earlier unit stays the root (so merged units keep the
/// order of their first item).
fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    let (lo, hi) = (ra.min(rb), ra.max(rb));
    if let Some(slot) = parent.get_mut(hi) {
        *slot = lo;
    }
}

/// Where the copy of `path` (an item's file or a sidecar beside it) goes.
fn dest_of(library: &Library, opts: &ExportOptions, path: &Path, time: &NaiveDateTime) -> PathBuf {
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    match opts.layout {
        Layout::Keep => match library.relative(path) {
            Some(rel) => opts.dest.join(rel),
            None => opts.dest.join(name),
        },
        Layout::Date => opts
            .dest
            .join(format!("{:04}", time.year()))
            .join(format!("{:02}", time.month()))
            .join(format!("{:02}", time.day()))
            .join(name),
    }
}

/// One source folder: its sidecars by base, and those an unexported indexed file claims.
struct Folder {
    sidecars: HashMap<(Vec<u8>, SidecarKind), Vec<OsString>>,
    shared: HashSet<OsString>,
}

impl Folder {
    fn load(index: &Index, s: &Source, chosen: &HashSet<i64>) -> Result<Folder> {
        let mut sidecars: HashMap<(Vec<u8>, SidecarKind), Vec<OsString>> = HashMap::new();
        if let Some(dir) = s.path.parent() {
            // A folder that cannot be listed has no sidecars we can copy; the copy of its
            // files reports the problem if there is one.
            for e in fs::read_dir(dir).into_iter().flatten().flatten() {
                let name = e.file_name();
                if !e.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                if let Some((base, kind)) = sidecar_base(name.as_encoded_bytes()) {
                    sidecars
                        .entry((base.to_vec(), kind))
                        .or_default()
                        .push(name.clone());
                }
            }
        }
        for v in sidecars.values_mut() {
            v.sort();
        }
        let mut shared = HashSet::new();
        if !sidecars.is_empty() {
            for (id, name) in index.files_in_dir(s.dir_id)? {
                if chosen.contains(&id) {
                    continue;
                }
                for key in claimed_bases(&name) {
                    if let Some(names) = sidecars.get(&key) {
                        shared.extend(names.iter().cloned());
                    }
                }
            }
        }
        Ok(Folder { sidecars, shared })
    }

    /// The sidecar names a media file of this folder claims.
    fn sidecars_of(&self, name: &[u8]) -> Vec<OsString> {
        let mut out: Vec<OsString> = Vec::new();
        for key in claimed_bases(name) {
            for n in self.sidecars.get(&key).into_iter().flatten() {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
        }
        out
    }
}

/// What happened to one file's copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Action {
    /// Copied and verified.
    Copied,
    /// Dry run: would be copied.
    WouldCopy,
    /// The destination already holds the same bytes (size and hash compared): skipped.
    Identical,
    /// The destination holds something else (or another file of the export goes there): left
    /// alone, not copied.
    Conflict,
    /// The copy failed or did not verify (nothing is left at the destination).
    Failed,
    /// Not shared: what [`ExportOptions::strip`] asks to remove could not be removed from this
    /// file (the detail says why); nothing is left at the destination.
    Withheld,
}

/// What happened to the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Removal {
    /// Originals are not removed in this export.
    NotAsked,
    /// Deleted after its unit verified.
    Removed,
    /// Dry run: would be deleted (if its copy verifies).
    WouldRemove,
    /// Not deleted (see the detail).
    Kept,
    /// The deletion failed.
    Failed,
}

/// The outcome for one file.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FileOutcome {
    /// The source.
    #[serde(serialize_with = "lossy_path")]
    pub source: PathBuf,
    /// The destination.
    #[serde(serialize_with = "lossy_path")]
    pub dest: PathBuf,
    /// What it is to its unit.
    pub role: Role,
    /// Its size in bytes (as found now; the indexed size when it is gone).
    pub bytes: u64,
    /// What happened to the copy.
    pub action: Action,
    /// Why, for conflicts and failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What happened to the source.
    pub removal: Removal,
    /// Why the source was kept, or why its deletion failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal_detail: Option<String>,
    /// The source's size or modification time is not what the last scan recorded (it is
    /// copied as it is now).
    pub changed_since_scan: bool,
}

/// Files and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Files.
    pub files: u64,
    /// Bytes.
    pub bytes: u64,
}

impl Count {
    fn add(&mut self, bytes: u64) {
        self.files += 1;
        self.bytes = self.bytes.saturating_add(bytes);
    }
}

/// What an export did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ExportReport {
    /// Library name.
    pub library: String,
    /// First local time of the range (`YYYY-MM-DDTHH:MM:SS`).
    pub from: String,
    /// First local time after the range.
    pub until: String,
    /// The destination folder.
    #[serde(serialize_with = "lossy_path")]
    pub dest: PathBuf,
    /// The layout.
    pub layout: Layout,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Whether originals were to be removed.
    pub remove_originals: bool,
    /// Items selected.
    pub items: u64,
    /// Items whose every file (Live Photo video and sidecars included) is verified at the
    /// destination, copied now or already there (dry run: would be).
    pub items_complete: u64,
    /// Items of the library left out because their capture time is unknown.
    pub unknown_time: u64,
    /// Files selected (items' files, Live Photo videos, sidecars) and their bytes.
    pub selected: Count,
    /// Copied and verified (dry run: would be copied).
    pub copied: Count,
    /// Already at the destination with the same bytes.
    pub skipped: Count,
    /// Files not copied because the destination holds something else.
    pub conflicts: u64,
    /// Files whose copy failed or did not verify.
    pub failed: u64,
    /// Files not shared because what was to be stripped could not be removed from them.
    pub withheld: u64,
    /// Sources deleted (dry run: that would be deleted).
    pub removed: Count,
    /// Sources kept although originals were to be removed.
    pub kept: u64,
    /// Sources whose deletion failed.
    pub removal_failed: u64,
    /// Sources that changed since the last scan.
    pub changed_since_scan: u64,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
    /// The export was cancelled: files of items not started are `failed` with that reason.
    pub interrupted: bool,
    /// Every file, in plan order.
    pub files: Vec<FileOutcome>,
}

impl ExportReport {
    /// Whether everything selected is at the destination and nothing failed.
    pub fn ok(&self) -> bool {
        self.conflicts == 0 && self.failed == 0 && self.removal_failed == 0
    }
}

impl ExportPlan {
    /// Files in the plan.
    pub fn files(&self) -> usize {
        self.units.iter().map(|u| u.files.len()).sum()
    }

    /// Carries the plan out (or, for a dry run, works out exactly what it would do). Problems
    /// with single files are in the report, not errors.
    pub fn run(&self, progress: &dyn Progress) -> ExportReport {
        let started = Instant::now();
        let o = &self.options;
        progress.found(self.files() as u64);
        let tmp_counter = AtomicU64::new(0);
        let left_out = std::sync::atomic::AtomicBool::new(false);
        let done: Vec<Vec<FileOutcome>> = self
            .units
            .par_iter()
            .map(|u| {
                // A unit is all or nothing: one that has started is finished, the rest are not
                // started once the export is cancelled.
                if o.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
                    left_out.store(true, Ordering::Relaxed);
                    return u.files.iter().map(not_started).collect();
                }
                let out = run_unit(u, o, &tmp_counter);
                progress.done(u.files.len() as u64);
                out
            })
            .collect();
        let interrupted = left_out.load(Ordering::Relaxed);
        let mut r = ExportReport {
            library: self.library.name.clone(),
            from: o.range.start.format(LOCAL_FORMAT).to_string(),
            until: o.range.end.format(LOCAL_FORMAT).to_string(),
            dest: o.dest.clone(),
            layout: o.layout,
            dry_run: o.dry_run,
            remove_originals: o.remove_originals,
            items: self.items,
            items_complete: 0,
            unknown_time: self.unknown_time,
            selected: Count::default(),
            copied: Count::default(),
            skipped: Count::default(),
            conflicts: 0,
            failed: 0,
            withheld: 0,
            removed: Count::default(),
            kept: 0,
            removal_failed: 0,
            changed_since_scan: 0,
            elapsed_ms: 0,
            interrupted,
            files: Vec::new(),
        };
        for (unit, outs) in self.units.iter().zip(done) {
            if outs.iter().all(|f| at_dest(f.action)) {
                r.items_complete += unit.items.len() as u64;
            }
            for f in outs {
                r.selected.add(f.bytes);
                match f.action {
                    Action::Copied | Action::WouldCopy => r.copied.add(f.bytes),
                    Action::Identical => r.skipped.add(f.bytes),
                    Action::Conflict => r.conflicts += 1,
                    Action::Failed => r.failed += 1,
                    Action::Withheld => r.withheld += 1,
                }
                match f.removal {
                    Removal::Removed | Removal::WouldRemove => r.removed.add(f.bytes),
                    Removal::Kept => r.kept += 1,
                    Removal::Failed => r.removal_failed += 1,
                    Removal::NotAsked => {}
                }
                r.changed_since_scan += u64::from(f.changed_since_scan);
                r.files.push(f);
            }
        }
        r.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        r
    }
}

/// Selects and exports in one call: [`plan`], then [`ExportPlan::run`].
pub fn export(
    index: &Index,
    opts: &ExportOptions,
    progress: &dyn Progress,
) -> Result<ExportReport> {
    Ok(plan(index, opts)?.run(progress))
}

/// Whether the file is (or, in a dry run, would be) verified at its destination.
fn at_dest(a: Action) -> bool {
    matches!(a, Action::Copied | Action::WouldCopy | Action::Identical)
}

/// One file's copy and what the removal step needs to know.
struct Done {
    out: FileOutcome,
    /// The source as it was when its bytes were verified at the destination.
    verified: Option<Stat>,
    /// The destination is the source itself (same device and inode).
    same_file: bool,
}

fn run_unit(u: &ExportUnit, o: &ExportOptions, tmp_counter: &AtomicU64) -> Vec<FileOutcome> {
    let mut done: Vec<Done> = u
        .files
        .iter()
        .map(|f| copy_one(f, o, tmp_counter))
        .collect();
    if !o.remove_originals {
        return done.into_iter().map(|d| d.out).collect();
    }
    let all_there = done.iter().all(|d| at_dest(d.out.action));
    let mut touched_dirs: Vec<PathBuf> = Vec::new();
    for (d, f) in done.iter_mut().zip(&u.files) {
        let keep = |d: &mut Done, why: &str| {
            d.out.removal = Removal::Kept;
            d.out.removal_detail = Some(why.to_string());
        };
        if !all_there {
            keep(
                d,
                "not every file of this item is verified at the destination",
            );
        } else if let Some(why) = &f.keep_source {
            keep(d, why);
        } else if d.same_file {
            keep(d, "the destination is this very file");
        } else if o.dry_run {
            d.out.removal = Removal::WouldRemove;
        } else {
            // Only the bytes that were verified may go: the source must be as it was then.
            let now = fs::symlink_metadata(&f.source).map(|m| Stat::of(&m));
            match (now, d.verified) {
                (Ok(now), Some(v)) if same_content_stat(&now, &v) => {
                    match fs::remove_file(&f.source) {
                        Ok(()) => {
                            d.out.removal = Removal::Removed;
                            if let Some(p) = f.source.parent() {
                                if !touched_dirs.iter().any(|t| t == p) {
                                    touched_dirs.push(p.to_path_buf());
                                }
                            }
                        }
                        Err(e) => {
                            d.out.removal = Removal::Failed;
                            d.out.removal_detail = Some(e.to_string());
                        }
                    }
                }
                _ => keep(d, "the source changed after its copy was verified"),
            }
        }
    }
    for dir in touched_dirs {
        let _ = sync_dir(&dir);
    }
    done.into_iter().map(|d| d.out).collect()
}

/// The outcome of a file whose unit was not started (the export was cancelled).
fn not_started(f: &PlannedFile) -> FileOutcome {
    FileOutcome {
        source: f.source.clone(),
        dest: f.dest.clone(),
        role: f.role,
        bytes: f.indexed.map_or(0, |(s, _)| s),
        action: Action::Failed,
        detail: Some("not copied: the export was interrupted".into()),
        removal: Removal::NotAsked,
        removal_detail: None,
        changed_since_scan: false,
    }
}

pub(crate) fn same_content_stat(a: &Stat, b: &Stat) -> bool {
    a.size == b.size && a.mtime_ns == b.mtime_ns && a.dev == b.dev && a.inode == b.inode
}

fn copy_one(f: &PlannedFile, o: &ExportOptions, tmp_counter: &AtomicU64) -> Done {
    let dry_run = o.dry_run;
    let edits = o.strip.edits();
    let strip = |p: &Path| strip_copy(p, f.role, &edits);
    let transform: Option<Transform<'_>> = (!edits.is_empty()).then_some(&strip as Transform<'_>);
    let mut out = FileOutcome {
        source: f.source.clone(),
        dest: f.dest.clone(),
        role: f.role,
        bytes: f.indexed.map_or(0, |(s, _)| s),
        action: Action::Failed,
        detail: None,
        removal: Removal::NotAsked,
        removal_detail: None,
        changed_since_scan: false,
    };
    let done = |out: FileOutcome, verified, same_file| Done {
        out,
        verified,
        same_file,
    };
    let fail = |mut out: FileOutcome, action: Action, why: String| {
        out.action = action;
        out.detail = Some(why);
        out
    };
    let src = match fs::metadata(&f.source) {
        Ok(m) if m.is_file() => Stat::of(&m),
        Ok(_) => {
            return done(
                fail(out, Action::Failed, "the source is not a file".into()),
                None,
                false,
            )
        }
        Err(e) => {
            let why = format!("source: {e}");
            return done(fail(out, Action::Failed, why), None, false);
        }
    };
    out.bytes = src.size;
    out.changed_since_scan = f
        .indexed
        .is_some_and(|(size, mtime)| size != src.size || mtime != src.mtime_ns);
    if let Some(first) = &f.clashes_with {
        let why = format!("{} goes to the same destination", first.display());
        return done(fail(out, Action::Conflict, why), None, false);
    }
    match fs::symlink_metadata(&f.dest) {
        Ok(m) if !m.is_file() => {
            let why = "the destination exists and is not a file".to_string();
            done(fail(out, Action::Conflict, why), None, false)
        }
        Ok(_) if transform.is_some() => {
            // The copy differs from its source: make it again and compare.
            match copy_verified(&f.source, &f.dest, tmp_counter, Place::Check, transform) {
                Ok(c) => {
                    out.action = Action::Identical;
                    done(out, Some(c.source), false)
                }
                Err(CopyError::Exists) => {
                    let why = "the destination exists with other content".to_string();
                    done(fail(out, Action::Conflict, why), None, false)
                }
                Err(CopyError::Transform(why)) => {
                    done(fail(out, Action::Withheld, why), None, false)
                }
                Err(e) => done(fail(out, Action::Failed, e.to_string()), None, false),
            }
        }
        Ok(m) => {
            let dst = Stat::of(&m);
            if dst.dev == src.dev && dst.inode == src.inode {
                out.action = Action::Identical;
                return done(out, Some(src), true);
            }
            if dst.size != src.size {
                let why = format!(
                    "the destination exists with other content ({} bytes, the source has {})",
                    dst.size, src.size
                );
                return done(fail(out, Action::Conflict, why), None, false);
            }
            match (hash_file_len(&f.source), hash_file_len(&f.dest)) {
                (Ok(a), Ok(b)) if a == b => {
                    // The verdict holds for the source as it was before it was hashed.
                    let now = fs::metadata(&f.source).map(|m| Stat::of(&m));
                    if now.is_ok_and(|n| same_content_stat(&n, &src)) {
                        out.action = Action::Identical;
                        done(out, Some(src), false)
                    } else {
                        let why = "the source changed while it was compared".to_string();
                        done(fail(out, Action::Failed, why), None, false)
                    }
                }
                (Ok(_), Ok(_)) => {
                    let why = "the destination exists with other content (same size)".to_string();
                    done(fail(out, Action::Conflict, why), None, false)
                }
                (Err(e), _) => done(
                    fail(out, Action::Failed, format!("source: {e}")),
                    None,
                    false,
                ),
                (_, Err(e)) => {
                    let why = format!("destination: {e}");
                    done(fail(out, Action::Failed, why), None, false)
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if dry_run {
                if transform.is_some() {
                    if let Err(why) = strippable(&f.source, f.role, &edits) {
                        return done(fail(out, Action::Withheld, why), None, false);
                    }
                }
                out.action = Action::WouldCopy;
                return done(out, Some(src), false);
            }
            match copy_verified(&f.source, &f.dest, tmp_counter, Place::New, transform) {
                Ok(c) => {
                    out.action = Action::Copied;
                    out.bytes = c.dest.size;
                    done(out, Some(c.source), false)
                }
                Err(CopyError::Transform(why)) => {
                    done(fail(out, Action::Withheld, why), None, false)
                }
                Err(CopyError::Exists) => {
                    let why = "the destination appeared while the copy was made".to_string();
                    done(fail(out, Action::Conflict, why), None, false)
                }
                Err(e) => done(fail(out, Action::Failed, e.to_string()), None, false),
            }
        }
        Err(e) => done(
            fail(out, Action::Failed, format!("destination: {e}")),
            None,
            false,
        ),
    }
}

/// Why a copy did not happen.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CopyError {
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("the source changed while it was copied")]
    Changed,
    #[error("the copy read back differs from the source")]
    Mismatch,
    #[error("the destination exists")]
    Exists,
    #[error("{0}")]
    Transform(String),
}

fn io_err(what: &'static str) -> impl Fn(io::Error) -> CopyError {
    move |source| CopyError::Io { what, source }
}

/// Removes a temporary file unless it was renamed into place.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

/// The PID in a temporary file name of ours (`.albumen-export-PID-N.tmp`).
fn temp_owner(name: &str) -> Option<u32> {
    let (pid, n) = name
        .strip_prefix(".albumen-export-")?
        .strip_suffix(".tmp")?
        .split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Removes, once per destination folder per process, the temporary copies that an export
/// killed before its link left there (their process is gone; on Linux, where `/proc` says so;
/// without `/proc` nothing is removed). A temporary copy is never the only copy of anything.
/// (albumen-edit's `remove_stale_temps` does the same for the editor's temporaries.)
fn sweep_once(dir: &Path) {
    static SWEPT: std::sync::Mutex<Option<HashSet<PathBuf>>> = std::sync::Mutex::new(None);
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(mut g) = SWEPT.lock() else { return };
    if !g.get_or_insert_with(HashSet::new).insert(dir.to_path_buf()) {
        return;
    }
    drop(g);
    let me = std::process::id();
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(temp_owner) else {
            continue;
        };
        if pid != me
            && !Path::new("/proc").join(pid.to_string()).exists()
            && e.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Buffer of one copy in flight (one per worker thread: memory stays bounded).
const COPY_BUF: usize = 256 * 1024;

/// How [`copy_verified`] puts the verified copy in place.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Place {
    /// Link it to a name that must not exist (nothing is ever replaced).
    New,
    /// Rename it over the destination, which must still be the file `expect` describes (size,
    /// mtime, inode): a file that changed meanwhile is left alone ([`CopyError::Exists`]).
    Replace(Stat),
    /// Put nothing in place: succeed when the destination already holds the same bytes,
    /// [`CopyError::Exists`] otherwise.
    Check,
}

/// What [`copy_verified`] wrote.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Copied {
    /// The source as it was copied.
    pub source: Stat,
    /// The copy in place.
    pub dest: Stat,
    /// BLAKE3 of the copy's bytes.
    pub hash: [u8; 32],
}

/// A change made to a verified copy before it is put in place (e.g. removing its location),
/// given the temporary file's path; it must leave a complete file there (or fail).
pub(crate) type Transform<'a> = &'a (dyn Fn(&Path) -> Result<(), String> + Sync);

/// Copies `src` to `dest`: temp file in the destination folder, the source's permissions and
/// mtime, fsync, read back and compare size and BLAKE3 hash, then (with `transform`) change the
/// temp file and give it the source's mtime again, then put it in place as `place` says (a new
/// name is linked without replacing anything), fsync the folder.
pub(crate) fn copy_verified(
    src: &Path,
    dest: &Path,
    tmp_counter: &AtomicU64,
    place: Place,
    transform: Option<Transform<'_>>,
) -> Result<Copied, CopyError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io_err("creating the destination folder"))?;
    let mut input = albumen_meta::open_noatime(src).map_err(io_err("source"))?;
    let meta = input.metadata().map_err(io_err("source"))?;
    let before = Stat::of(&meta);
    sweep_once(parent);
    let n = tmp_counter.fetch_add(1, Ordering::Relaxed);
    let tmp_path = parent.join(format!("{TEMP_PREFIX}{}-{n}.tmp", std::process::id()));
    let mut tmp = TempFile(None);
    let mut out = File::options()
        .write(true)
        .create_new(true)
        .open(&tmp_path)
        .map_err(io_err("temporary file"))?;
    tmp.0 = Some(tmp_path.clone());
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; COPY_BUF];
    let mut copied = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err("reading the source")(e)),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        out.write_all(chunk).map_err(io_err("writing the copy"))?;
        copied = copied.saturating_add(n as u64);
    }
    drop(input);
    out.set_permissions(meta.permissions())
        .map_err(io_err("setting the copy's permissions"))?;
    let mtime = meta.modified().map_err(io_err("source"))?;
    out.set_times(fs::FileTimes::new().set_modified(mtime))
        .map_err(io_err("setting the copy's modification time"))?;
    out.sync_all().map_err(io_err("syncing the copy"))?;
    drop(out);
    let after = fs::metadata(src).map(|m| Stat::of(&m));
    if copied != before.size || !after.is_ok_and(|a| same_content_stat(&a, &before)) {
        return Err(CopyError::Changed);
    }
    // Read back what the file system holds (possibly from its cache: this checks the copy
    // path end to end, not the disk's surface).
    let (mut hash, len) = hash_file_len(&tmp_path).map_err(io_err("reading the copy back"))?;
    if len != copied || hash != *hasher.finalize().as_bytes() {
        return Err(CopyError::Mismatch);
    }
    if let Some(t) = transform {
        t(&tmp_path).map_err(CopyError::Transform)?;
        let f = File::options()
            .write(true)
            .open(&tmp_path)
            .map_err(io_err("the changed copy"))?;
        f.set_times(fs::FileTimes::new().set_modified(mtime))
            .map_err(io_err("setting the copy's modification time"))?;
        f.sync_all().map_err(io_err("syncing the copy"))?;
        hash = hash_file_len(&tmp_path)
            .map_err(io_err("reading the copy back"))?
            .0;
    }
    let dest_stat = |p: &Path| {
        fs::symlink_metadata(p)
            .map(|m| Stat::of(&m))
            .map_err(io_err("the copy in place"))
    };
    let placed = match place {
        // A hard link never replaces an existing name (a plain rename would); file systems
        // without hard links get a rename after a last check.
        Place::New => match fs::hard_link(&tmp_path, dest) {
            Ok(()) => dest_stat(dest)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(CopyError::Exists),
            Err(_) => {
                if fs::symlink_metadata(dest).is_ok() {
                    return Err(CopyError::Exists);
                }
                fs::rename(&tmp_path, dest).map_err(io_err("renaming the copy into place"))?;
                tmp.0 = None;
                dest_stat(dest)?
            }
        },
        Place::Replace(expect) => {
            let now = fs::symlink_metadata(dest).map(|m| Stat::of(&m));
            if !now.is_ok_and(|n| same_content_stat(&n, &expect)) {
                return Err(CopyError::Exists);
            }
            fs::rename(&tmp_path, dest).map_err(io_err("renaming the copy into place"))?;
            tmp.0 = None;
            dest_stat(dest)?
        }
        Place::Check => {
            let there = hash_file_len(dest).map_err(io_err("destination"))?.0;
            if there != hash {
                return Err(CopyError::Exists);
            }
            return Ok(Copied {
                source: before,
                dest: dest_stat(dest)?,
                hash,
            });
        }
    };
    drop(tmp);
    sync_dir(parent).map_err(io_err("syncing the destination folder"))?;
    Ok(Copied {
        source: before,
        dest: placed,
        hash,
    })
}

/// The start of the names of copies in flight (`.albumen-export-PID-N.tmp`): a copy killed
/// before it was linked leaves one, which `albumen sync` removes (see
/// [`remove_stale_temps`]).
pub(crate) const TEMP_PREFIX: &str = ".albumen-export-";

/// Whether process `pid` is running, as `/proc/PID/stat` says (a zombie is not: a killed
/// process whose parent has not reaped it yet). Without `/proc` (not Linux), every process
/// counts as gone: the sync's lock keeps other syncs out, but an `albumen export` running into
/// the same folder at that moment would lose its copy in flight (and report it failed).
fn process_alive(pid: u32) -> bool {
    let Ok(stat) = fs::read(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `PID (COMM) STATE ...`: COMM may hold anything, so the state follows the last `)`.
    let state = stat
        .iter()
        .rposition(|&b| b == b')')
        .and_then(|i| stat.get(i + 2));
    !matches!(state, Some(b'Z' | b'X' | b'x'))
}

/// Removes, below `root` (not descending into folders whose names start with `.albumen`), the
/// temporary files that copies killed before they finished left (named [`TEMP_PREFIX`]`PID-N.tmp`),
/// except those of a process that is still running (where the system says, via `/proc`).
/// Returns how many were removed.
pub(crate) fn remove_stale_temps(root: &Path) -> u64 {
    let mut removed = 0;
    let mut stack = vec![root.to_path_buf()];
    let me = std::process::id();
    while let Some(dir) = stack.pop() {
        let Ok(rd) = fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let name = e.file_name();
            let bytes = name.as_encoded_bytes();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                if !bytes.starts_with(b".albumen") {
                    stack.push(e.path());
                }
                continue;
            }
            let Some(rest) = bytes
                .strip_prefix(TEMP_PREFIX.as_bytes())
                .and_then(|r| r.strip_suffix(b".tmp"))
            else {
                continue;
            };
            let pid = rest
                .split(|&b| b == b'-')
                .next()
                .and_then(|p| std::str::from_utf8(p).ok())
                .and_then(|p| p.parse::<u32>().ok());
            let alive = pid.is_some_and(|p| p == me || process_alive(p));
            if ft.is_file() && !alive && fs::remove_file(e.path()).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

/// Removes what `edits` ask from the copy at `path` (a temporary file) through albumen-edit,
/// and checks that no location is left when location was to go. XMP sidecars holding a
/// position are withheld: albumen-edit edits a sidecar through the file it describes, not on
/// its own. Apple's `.AAE` edit files hold no location or serial number.
fn strip_copy(path: &Path, role: Role, edits: &[albumen_edit::Edit]) -> Result<(), String> {
    if role == Role::Sidecar {
        return sidecar_clean(path, edits);
    }
    let opts = albumen_edit::Options::default();
    albumen_edit::apply(path, edits, &opts).map_err(|e| format!("not shared: {e}"))?;
    if edits.contains(&albumen_edit::Edit::RemoveLocation) {
        let p = albumen_edit::plan(path, edits, &opts).map_err(|e| format!("not shared: {e}"))?;
        if p.before.gps.is_some() {
            return Err("not shared: a location is still there after removing it".into());
        }
    }
    Ok(())
}

/// Whether a dry run's copy of `path` could be stripped (see [`strip_copy`]).
fn strippable(path: &Path, role: Role, edits: &[albumen_edit::Edit]) -> Result<(), String> {
    if role == Role::Sidecar {
        return sidecar_clean(path, edits);
    }
    albumen_edit::plan(path, edits, &albumen_edit::Options::default())
        .map(|_| ())
        .map_err(|e| format!("not shared: {e}"))
}

/// Sidecars are shared only when they hold nothing that is to be stripped.
fn sidecar_clean(path: &Path, edits: &[albumen_edit::Edit]) -> Result<(), String> {
    let is_xmp = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xmp"));
    if !is_xmp {
        return Ok(());
    }
    let text = fs::read(path).map_err(|e| format!("reading the sidecar: {e}"))?;
    let mut words: Vec<&[u8]> = Vec::new();
    if edits.contains(&albumen_edit::Edit::RemoveLocation) {
        words.extend([&b"GPS"[..], b"Location", b"City", b"CountryCode"]);
    }
    if edits.contains(&albumen_edit::Edit::RemoveSerials) {
        words.push(b"SerialNumber");
    }
    if let Some(w) = words
        .iter()
        .find(|w| text.windows(w.len()).any(|x| x == **w))
    {
        return Err(format!(
            "not shared: an XMP sidecar holding {} (albumen edits sidecars through their file, not alone)",
            String::from_utf8_lossy(w)
        ));
    }
    Ok(())
}

/// fsyncs a folder, so the names created or removed in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_and_owners() {
        assert_eq!(temp_owner(".albumen-export-42-7.tmp"), Some(42));
        assert_eq!(temp_owner(".albumen-export-42.tmp"), None);
        assert_eq!(temp_owner("albumen-export-42-7.tmp"), None);
        let d = tempfile::tempdir().unwrap();
        let dead = d.path().join(".albumen-export-4294967295-0.tmp");
        let kept = d.path().join("IMG_1.jpg");
        fs::write(&dead, b"x").unwrap();
        fs::write(&kept, b"x").unwrap();
        sweep_once(d.path());
        assert_eq!(!dead.exists(), Path::new("/proc/self").exists());
        assert!(kept.exists());
    }

    fn t(s: &str) -> NaiveDateTime {
        parse_local(s).unwrap()
    }

    #[test]
    fn ranges_are_inclusive_at_their_precision() {
        let r = TimeRange::parse("2024-03-10", "2024-03-10").unwrap();
        assert!(r.contains(&t("2024-03-10T00:00:00")));
        assert!(r.contains(&t("2024-03-10T23:59:59.999")));
        assert!(!r.contains(&t("2024-03-11T00:00:00")));
        assert!(!r.contains(&t("2024-03-09T23:59:59")));
        let r = TimeRange::parse("2024-03-10T09:00", "2024-03-10T17:30").unwrap();
        assert!(!r.contains(&t("2024-03-10T08:59:59")));
        assert!(r.contains(&t("2024-03-10T17:30:59")));
        assert!(!r.contains(&t("2024-03-10T17:31:00")));
        let r = TimeRange::parse("2024-03-10 09:00:05", "2024-03-10 09:00:05").unwrap();
        assert!(r.contains(&t("2024-03-10T09:00:05.5")));
        assert!(!r.contains(&t("2024-03-10T09:00:06")));
        assert!(matches!(
            TimeRange::parse("2024-03-11", "2024-03-10"),
            Err(Error::EmptyRange { .. })
        ));
        for bad in [
            "2024-13-01",
            "yesterday",
            "2024-03-10T25:00",
            "2024-03-10T10:00Z",
            "",
        ] {
            assert!(
                matches!(TimeRange::parse(bad, "2024-03-10"), Err(Error::BadTime(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn stored_times_sort_as_text_like_they_compare() {
        // The SQL prefilter relies on it.
        let a = "2024-03-10T12:30:00";
        assert!("2024-03-10T12:30:00.5" > a);
        assert!("2024-03-10T12:30:00.5" < "2024-03-10T12:30:01");
    }

    #[test]
    fn sidecar_names() {
        assert_eq!(
            sidecar_base(b"IMG_1.JPG.xmp"),
            Some((&b"IMG_1.JPG"[..], SidecarKind::Xmp))
        );
        assert_eq!(
            sidecar_base(b"IMG_1.XMP"),
            Some((&b"IMG_1"[..], SidecarKind::Xmp))
        );
        assert_eq!(
            sidecar_base(b"IMG_O0042.AAE"),
            Some((&b"IMG_O0042"[..], SidecarKind::Aae))
        );
        assert_eq!(sidecar_base(b".xmp"), None);
        assert_eq!(sidecar_base(b"IMG_1.JPG"), None);
        let c = claimed_bases(b"IMG_0042.HEIC");
        for want in [
            (&b"IMG_0042.HEIC"[..], SidecarKind::Xmp),
            (b"IMG_0042", SidecarKind::Xmp),
            (b"IMG_0042", SidecarKind::Aae),
            (b"IMG_O0042", SidecarKind::Aae),
        ] {
            assert!(c.contains(&(want.0.to_vec(), want.1)), "{want:?}");
        }
        assert!(!claimed_bases(b"DSC_1.NEF").contains(&(b"IMG_ODSC_1".to_vec(), SidecarKind::Aae)));
        assert_eq!(claimed_bases(b"IMG_E0042.JPG").len(), 3);
    }

    #[test]
    fn union_find_keeps_the_earliest_root() {
        let mut p: Vec<usize> = (0..5).collect();
        union(&mut p, 3, 1);
        union(&mut p, 4, 3);
        assert_eq!(find(&mut p, 4), 1);
        assert_eq!(find(&mut p, 0), 0);
    }
}
