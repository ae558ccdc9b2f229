//! Verify: does a backup folder hold every file the index knows?
//!
//! [`verify`] takes a copy of a library root (another disk, a NAS share, a restored archive)
//! and checks every indexed file of the library against it, matched by its path relative to
//! its root: missing, different size, or (with [`VerifyOptions::hash`]) different content.
//! The reference is the index: the size the last scan recorded, and the BLAKE3 hash the scan
//! stored (`albumen scan --hash`), else the original is hashed now. With hashing, a file missing
//! at its path but whose content is elsewhere in the backup is reported as *found elsewhere*
//! (moved or renamed) rather than missing; media files in the backup that the index does not
//! know are *extra*. Read-only on both trees: files are opened for reading only, with
//! `O_NOATIME` on Linux, and nothing is created anywhere.
//!
//! An item is more than its indexed file: a Live Photo's video is indexed (and checked like any
//! file), and the XMP/AAE sidecars beside an indexed file (not indexed; found by listing the
//! file's folder in the library) are checked too, with the library's file as the reference.
//! [`crate::rclone`] checks the same things on an rclone remote.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use albumen_index::files::hash_file_len;
use albumen_index::files::lossy_path;
use albumen_index::files::{claimed_bases, sidecar_base, SidecarKind};
use albumen_index::Library;
use albumen_index::Progress;
use albumen_index::{Index, VerifyOutcome};
use albumen_scan::Filter;
use albumen_scan::ScanOptions;

/// What to verify.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// The library (`None`: the index's only library).
    pub library: Option<String>,
    /// The copy of the library root to check.
    pub backup: PathBuf,
    /// Compare contents (BLAKE3), not only sizes, and look for missing files' contents
    /// elsewhere in the backup.
    pub hash: bool,
}

impl VerifyOptions {
    /// Options for a size-only check of `backup`.
    pub fn new(backup: impl Into<PathBuf>) -> Self {
        VerifyOptions {
            library: None,
            backup: backup.into(),
            hash: false,
        }
    }
    /// Sets the library.
    pub fn library(mut self, name: impl Into<String>) -> Self {
        self.library = Some(name.into());
        self
    }
    /// Turns content hashing on or off.
    pub fn hash(mut self, yes: bool) -> Self {
        self.hash = yes;
        self
    }
}

/// A file, by its path relative to the root (lossy UTF-8 in reports).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Entry {
    /// Path relative to the library root / the backup folder.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// Size in bytes (the index's for indexed files, the backup's for extra files).
    pub size: u64,
}

/// Why a backup file is not the indexed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DiffReason {
    /// Its size differs.
    Size,
    /// Same size, other bytes (only with hashing).
    Content,
    /// It is a folder, a symlink or something else that is not a regular file.
    NotAFile,
}

/// A backup file that is not the indexed one.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Difference {
    /// Path relative to the root.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// What differs.
    pub reason: DiffReason,
    /// Size recorded in the index.
    pub index_size: u64,
    /// Size of the backup file.
    pub backup_size: u64,
}

/// An indexed file absent at its path whose content is at other paths of the backup.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FoundElsewhere {
    /// Its path relative to the root.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
    /// The backup paths holding the same bytes.
    #[serde(serialize_with = "albumen_index::files::lossy_paths")]
    pub at: Vec<PathBuf>,
}

/// A file that could not be read or listed.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Unreadable {
    /// The path (absolute).
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// `backup` or `original`.
    pub side: &'static str,
    /// The error.
    pub error: String,
}

/// How the backup was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Via {
    /// A folder on a mounted file system.
    Folder,
    /// An rclone remote (`REMOTE:PATH`), contents compared by the remote's hashes.
    Rclone,
    /// An rclone `crypt` remote, contents compared by `rclone cryptcheck`.
    RcloneCrypt,
}

impl Via {
    /// The name stored in `verify_runs.via` and shown in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Folder => "folder",
            Via::Rclone => "rclone",
            Via::RcloneCrypt => "rclone-crypt",
        }
    }
}

/// The result of a verification. Lists are sorted by path.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Library name.
    pub library: String,
    /// The backup folder (absolute), or the rclone `REMOTE:PATH` (connection-string parameters,
    /// which may hold secrets, left out).
    #[serde(serialize_with = "lossy_path")]
    pub backup: PathBuf,
    /// How the backup was reached.
    pub via: Via,
    /// Whether contents were compared.
    pub hashed: bool,
    /// Files checked: the indexed files (a Live Photo's video is one) and their sidecars.
    pub checked: u64,
    /// Of those, XMP/AAE sidecars (not indexed; found beside the indexed files).
    pub sidecars: u64,
    /// Bytes of the files checked.
    pub bytes: u64,
    /// Files present with the same size (and content, when hashed).
    pub ok: u64,
    /// Indexed files absent from the backup (and, when hashed, whose content is nowhere in it).
    pub missing: Vec<Entry>,
    /// Backup files that differ from the indexed ones.
    pub different: Vec<Difference>,
    /// Indexed files absent at their path but present under another (hashing only).
    pub found_elsewhere: Vec<FoundElsewhere>,
    /// Media files in the backup the index does not know (not counting those listed under
    /// `found_elsewhere`).
    pub extra: Vec<Entry>,
    /// Backup files or originals that could not be read, and backup folders that could not
    /// be listed.
    pub unreadable: Vec<Unreadable>,
    /// Indexed files without a stored hash whose original could not be read either: checked
    /// by size only.
    pub size_only: u64,
    /// Originals hashed because the index had no hash for them.
    pub originals_hashed: u64,
    /// Backup files hashed.
    pub backup_hashed: u64,
    /// Files in the backup that are not media (not indexed by a scan either): not reported as
    /// extra.
    pub non_media: u64,
    /// Indexed files outside the library's roots (not checked).
    pub outside_roots: u64,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
}

impl VerifyReport {
    /// Whether the backup holds every indexed file: nothing missing, different or unreadable.
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.different.is_empty() && self.unreadable.is_empty()
    }

    /// The run as the index records it ([`Index::record_verify`]): counts, and the problem
    /// paths relative to the root.
    pub fn outcome(&self) -> VerifyOutcome {
        let lossy = |p: &Path| p.to_string_lossy().into_owned();
        VerifyOutcome {
            library: self.library.clone(),
            target: lossy(&self.backup),
            via: self.via.as_str().to_string(),
            hashed: self.hashed,
            checked: self.checked,
            ok: self.ok,
            missing: self.missing.iter().map(|m| lossy(&m.path)).collect(),
            different: self.different.iter().map(|d| lossy(&d.path)).collect(),
            found_elsewhere: self.found_elsewhere.len() as u64,
            extra: self.extra.len() as u64,
            unreadable: self.unreadable.iter().map(|u| lossy(&u.path)).collect(),
            passed: self.passed(),
        }
    }
}

/// A content hash and the bytes hashed, or why the file could not be read.
type HashResult = std::io::Result<([u8; 32], u64)>;

/// One file to check: an indexed file, or a sidecar beside one.
pub(crate) struct Indexed {
    /// Path relative to its root.
    pub(crate) rel: PathBuf,
    /// Absolute path in the library.
    pub(crate) original: PathBuf,
    /// Index of its root in [`Library::roots`].
    pub(crate) root: usize,
    /// The size the index recorded (a sidecar's: its size now).
    pub(crate) size: u64,
    /// The BLAKE3 hash stored by `scan --hash`.
    pub(crate) hash: Option<[u8; 32]>,
    /// A sidecar (not indexed).
    pub(crate) sidecar: bool,
}

/// What the backup holds at one relative path.
#[derive(Debug, Clone, Copy)]
struct Found {
    size: u64,
    is_file: bool,
}

/// Checks `opts.backup` against the index. Problems with files are in the report; errors are
/// for the index, a missing library, or a backup folder that is not one.
pub fn verify(
    index: &Index,
    opts: &VerifyOptions,
    progress: &dyn Progress,
) -> Result<VerifyReport> {
    let started = Instant::now();
    let library = index.library(opts.library.as_deref())?;
    let backup = fs::canonicalize(&opts.backup).map_err(|source| Error::Io {
        path: opts.backup.clone(),
        source,
    })?;
    if !backup.is_dir() {
        return Err(Error::NotADirectory(opts.backup.clone()));
    }
    if library.roots.contains(&backup) {
        return Err(Error::BackupIsRoot {
            backup: opts.backup.clone(),
        });
    }
    let (files, outside_roots) = load(index, &library)?;
    progress.found(files.len() as u64);

    // The backup's files, relative to it (walked like a scan: skip list and hidden entries).
    let filter = Filter::new(&ScanOptions::default());
    let listing = Listing::default();
    rayon::scope(|s| list_dir(s, &filter, &backup, PathBuf::new(), &listing));
    let Listing {
        files: backup_files,
        non_media,
        unreadable: list_errors,
    } = listing;
    let mut backup_files = backup_files.into_inner().unwrap_or_default();
    let mut unreadable: Vec<Unreadable> = list_errors.into_inner().unwrap_or_default();
    let non_media = non_media.into_inner().unwrap_or(0);

    // Indexed paths the walk did not list (inside a hidden or skipped folder of a library
    // scanned with other options) are looked up directly.
    for f in &files {
        if !backup_files.contains_key(&f.rel) {
            if let Ok(m) = fs::symlink_metadata(backup.join(&f.rel)) {
                backup_files.insert(
                    f.rel.clone(),
                    (
                        Found {
                            size: m.len(),
                            is_file: m.is_file(),
                        },
                        true,
                    ),
                );
            }
        }
    }

    enum Verdict {
        Ok,
        Missing,
        Different(DiffReason, u64),
        Unreadable(Unreadable),
    }
    struct Checked {
        verdict: Verdict,
        /// The reference content hash, when known (hashing only).
        reference: Option<[u8; 32]>,
        /// The backup file's hash, when it was hashed.
        backup_hash: Option<[u8; 32]>,
        original_hashed: bool,
        size_only: bool,
    }
    let checked: Vec<Checked> = files
        .par_iter()
        .map(|f| {
            let mut c = Checked {
                verdict: Verdict::Ok,
                reference: f.hash,
                backup_hash: None,
                original_hashed: false,
                size_only: false,
            };
            let found = backup_files.get(&f.rel).map(|(found, _)| *found);
            if opts.hash
                && c.reference.is_none()
                && found.is_none_or(|b| b.is_file && b.size == f.size)
            {
                // No stored hash: the original is the reference.
                match hash_file_len(&f.original) {
                    Ok((h, _)) => {
                        c.reference = Some(h);
                        c.original_hashed = true;
                    }
                    Err(e) => {
                        if found.is_some() {
                            c.size_only = true;
                        }
                        log::debug!("{}: {e}", f.original.display());
                    }
                }
            }
            c.verdict = match found {
                None => Verdict::Missing,
                Some(b) if !b.is_file => Verdict::Different(DiffReason::NotAFile, b.size),
                Some(b) if b.size != f.size => Verdict::Different(DiffReason::Size, b.size),
                Some(b) if opts.hash => {
                    let path = backup.join(&f.rel);
                    match hash_file_len(&path) {
                        Ok((h, _)) => {
                            c.backup_hash = Some(h);
                            match c.reference {
                                Some(r) if r != h => {
                                    Verdict::Different(DiffReason::Content, b.size)
                                }
                                _ => Verdict::Ok,
                            }
                        }
                        Err(e) => Verdict::Unreadable(Unreadable {
                            path,
                            side: "backup",
                            error: e.to_string(),
                        }),
                    }
                }
                Some(_) => Verdict::Ok,
            };
            progress.done(1);
            c
        })
        .collect();

    let mut report = VerifyReport {
        library: library.name.clone(),
        backup: backup.clone(),
        via: Via::Folder,
        hashed: opts.hash,
        checked: files.len() as u64,
        sidecars: files.iter().filter(|f| f.sidecar).count() as u64,
        bytes: files.iter().fold(0u64, |a, f| a.saturating_add(f.size)),
        ok: 0,
        missing: Vec::new(),
        different: Vec::new(),
        found_elsewhere: Vec::new(),
        extra: Vec::new(),
        unreadable: Vec::new(),
        size_only: 0,
        originals_hashed: 0,
        backup_hashed: 0,
        non_media,
        outside_roots,
        elapsed_ms: 0,
    };
    let known: HashSet<&Path> = files.iter().map(|f| f.rel.as_path()).collect();
    // Content of the backup by hash: the matched files hashed above, and (below) the extra
    // files whose size is that of a missing file.
    let mut by_hash: HashMap<[u8; 32], Vec<PathBuf>> = HashMap::new();
    let mut missing: Vec<(&Indexed, Option<[u8; 32]>)> = Vec::new();
    for (f, c) in files.iter().zip(checked) {
        report.originals_hashed += u64::from(c.original_hashed);
        report.size_only += u64::from(c.size_only);
        if let Some(h) = c.backup_hash {
            report.backup_hashed += 1;
            by_hash.entry(h).or_default().push(f.rel.clone());
        }
        match c.verdict {
            Verdict::Ok => report.ok += 1,
            Verdict::Missing => missing.push((f, c.reference)),
            Verdict::Different(reason, backup_size) => report.different.push(Difference {
                path: f.rel.clone(),
                reason,
                index_size: f.size,
                backup_size,
            }),
            Verdict::Unreadable(u) => unreadable.push(u),
        }
    }
    let extra: BTreeMap<PathBuf, u64> = backup_files
        .into_iter()
        .filter(|(rel, (found, media))| *media && found.is_file && !known.contains(rel.as_path()))
        .map(|(rel, (found, _))| (rel, found.size))
        .collect();
    if opts.hash && !missing.is_empty() {
        let sizes: HashSet<u64> = missing.iter().map(|(f, _)| f.size).collect();
        let candidates: Vec<&PathBuf> = extra
            .iter()
            .filter(|(_, size)| sizes.contains(size))
            .map(|(rel, _)| rel)
            .collect();
        let hashed: Vec<(PathBuf, HashResult)> = candidates
            .par_iter()
            .map(|rel| ((*rel).clone(), hash_file_len(&backup.join(rel))))
            .collect();
        for (rel, h) in hashed {
            match h {
                Ok((h, _)) => {
                    report.backup_hashed += 1;
                    by_hash.entry(h).or_default().push(rel);
                }
                Err(e) => unreadable.push(Unreadable {
                    path: backup.join(&rel),
                    side: "backup",
                    error: e.to_string(),
                }),
            }
        }
    }
    let settled = missing.into_iter().map(|(f, reference)| {
        let at = reference
            .and_then(|h| by_hash.get(&h))
            .filter(|_| opts.hash)
            .cloned();
        (f, at)
    });
    settle(&mut report, settled, extra);
    unreadable.sort_by(|a, b| a.path.cmp(&b.path));
    report.unreadable = unreadable;
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

/// The library's files with their path relative to their root, and the sidecars beside them;
/// and how many indexed files are under no root.
pub(crate) fn load(index: &Index, library: &Library) -> Result<(Vec<Indexed>, u64)> {
    let mut out = Vec::new();
    let mut outside = 0u64;
    for f in index.library_files(library.id)? {
        let (original, size, hash) = (f.path, f.size, f.hash);
        let Some((root, rel)) = root_of(library, &original) else {
            outside += 1;
            continue;
        };
        out.push(Indexed {
            rel,
            original,
            root,
            size,
            hash,
            sidecar: false,
        });
    }
    let sidecars = sidecars_of(&out);
    out.extend(sidecars);
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok((out, outside))
}

/// The root holding `path` (the deepest) and the path relative to it.
fn root_of(library: &Library, path: &Path) -> Option<(usize, PathBuf)> {
    library
        .roots
        .iter()
        .enumerate()
        .filter_map(|(i, r)| path.strip_prefix(r).ok().map(|rel| (i, rel)))
        .min_by_key(|(_, rel)| rel.as_os_str().len())
        .map(|(i, rel)| (i, rel.to_path_buf()))
}

/// The XMP/AAE sidecars beside the indexed files (as export takes them along): each folder
/// holding indexed files is listed once. A folder that cannot be listed has no sidecars found
/// (its indexed files are still checked).
fn sidecars_of(files: &[Indexed]) -> Vec<Indexed> {
    let mut by_dir: BTreeMap<&Path, Vec<&Indexed>> = BTreeMap::new();
    for f in files {
        if let Some(dir) = f.original.parent() {
            by_dir.entry(dir).or_default().push(f);
        }
    }
    let found: Vec<Vec<Indexed>> = by_dir
        .into_par_iter()
        .map(|(dir, members)| {
            let mut claimed: HashSet<(Vec<u8>, SidecarKind)> = HashSet::new();
            let mut names: HashSet<&OsStr> = HashSet::new();
            for m in &members {
                if let Some(n) = m.original.file_name() {
                    names.insert(n);
                    claimed.extend(claimed_bases(n.as_encoded_bytes()));
                }
            }
            let mut out = Vec::new();
            let (Some(first), Ok(rd)) = (members.first(), fs::read_dir(dir)) else {
                return out;
            };
            for e in rd.flatten() {
                let name = e.file_name();
                if names.contains(name.as_os_str()) || !e.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                let Some((base, kind)) = sidecar_base(name.as_encoded_bytes()) else {
                    continue;
                };
                if !claimed.contains(&(base.to_vec(), kind)) {
                    continue;
                }
                let Ok(m) = e.metadata() else { continue };
                out.push(Indexed {
                    rel: first.rel.with_file_name(&name),
                    original: e.path(),
                    root: first.root,
                    size: m.len(),
                    hash: None,
                    sidecar: true,
                });
            }
            out
        })
        .collect();
    found.into_iter().flatten().collect()
}

/// What the walk of the backup collects: relative path → (what is there, whether it is media).
#[derive(Default)]
struct Listing {
    files: Mutex<HashMap<PathBuf, (Found, bool)>>,
    non_media: Mutex<u64>,
    unreadable: Mutex<Vec<Unreadable>>,
}

fn list_dir<'s>(
    scope: &rayon::Scope<'s>,
    filter: &'s Filter,
    base: &'s Path,
    rel: PathBuf,
    out: &'s Listing,
) {
    let dir = base.join(&rel);
    let rd = match fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) => {
            if let Ok(mut u) = out.unreadable.lock() {
                u.push(Unreadable {
                    path: dir,
                    side: "backup",
                    error: e.to_string(),
                });
            }
            return;
        }
    };
    let mut found: Vec<(PathBuf, (Found, bool))> = Vec::new();
    let mut non_media = 0u64;
    for entry in rd {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                if let Ok(mut u) = out.unreadable.lock() {
                    u.push(Unreadable {
                        path: dir.clone(),
                        side: "backup",
                        error: e.to_string(),
                    });
                }
                break;
            }
        };
        let name = entry.file_name();
        if filter.skipped(&name) {
            continue;
        }
        let Ok(ft) = entry.file_type() else { continue };
        let child = rel.join(&name);
        if ft.is_dir() {
            scope.spawn(move |s| list_dir(s, filter, base, child, out));
        } else if ft.is_file() || ft.is_symlink() {
            let media = filter.is_media(OsStr::new(&name));
            if !media && ft.is_file() {
                non_media += 1;
            }
            let size = if ft.is_file() {
                match entry.metadata() {
                    Ok(m) => m.len(),
                    Err(e) => {
                        if let Ok(mut u) = out.unreadable.lock() {
                            u.push(Unreadable {
                                path: entry.path(),
                                side: "backup",
                                error: e.to_string(),
                            });
                        }
                        continue;
                    }
                }
            } else {
                0
            };
            found.push((
                child,
                (
                    Found {
                        size,
                        is_file: ft.is_file(),
                    },
                    media,
                ),
            ));
        }
    }
    if let Ok(mut f) = out.files.lock() {
        f.extend(found);
    }
    if let Ok(mut n) = out.non_media.lock() {
        *n += non_media;
    }
}

/// Ends a report the same way for a folder and an rclone remote: each file the backup lacks is
/// either found elsewhere (at the backup paths given, which are then no longer extra) or
/// missing; what is left of `extra` is extra; every list sorted by path.
pub(crate) fn settle<'a>(
    report: &mut VerifyReport,
    missing: impl IntoIterator<Item = (&'a Indexed, Option<Vec<PathBuf>>)>,
    mut extra: BTreeMap<PathBuf, u64>,
) {
    for (f, at) in missing {
        match at {
            Some(mut at) => {
                at.sort();
                for p in &at {
                    extra.remove(p);
                }
                report.found_elsewhere.push(FoundElsewhere {
                    path: f.rel.clone(),
                    size: f.size,
                    at,
                });
            }
            None => report.missing.push(Entry {
                path: f.rel.clone(),
                size: f.size,
            }),
        }
    }
    report.extra = extra
        .into_iter()
        .map(|(path, size)| Entry { path, size })
        .collect();
    report.missing.sort_by(|a, b| a.path.cmp(&b.path));
    report.different.sort_by(|a, b| a.path.cmp(&b.path));
    report.found_elsewhere.sort_by(|a, b| a.path.cmp(&b.path));
}
