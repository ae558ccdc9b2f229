//! The parallel walk: list each folder, `stat` its media files, compare with what the index
//! holds for that folder, and read only what is new or changed.
//!
//! Folders are the unit of work: each one is listed by one rayon task, its subfolders are spawned
//! as new tasks, and the files that need reading are read in parallel too (so one huge folder
//! does not serialise the scan). Nothing here writes to the database: rows go to the writer
//! thread through a bounded channel, so memory stays bounded whatever the tree's size.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex, OnceLock};

use albumen_index::files::{hash_file, io_reason, meta_error_is_vanished, to_i64, Stat};
use albumen_index::{
    Change, Content, DirReader, FileRow, IndexUpdate as Msg, KnownDir, Progress,
    WalkCounts as Counters,
};
use rayon::prelude::*;

use crate::options::{Filter, ScanOptions};

/// A digest of a folder's media files: (name, size, mtime, inode) of each, in name order. The
/// index keeps the digest of each folder's rows (`dirs.fingerprint`); when a rescan computes the
/// same digest from its listing, every file is unchanged and no row has to be looked at. This
/// makes a rescan one cheap comparison per folder instead of one query per folder.
pub(crate) fn fingerprint<'f>(files: impl Iterator<Item = (&'f [u8], Stat)>) -> [u8; 16] {
    let mut h = blake3::Hasher::new();
    for (name, s) in files {
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name);
        h.update(&s.size.to_le_bytes());
        h.update(&s.mtime_ns.to_le_bytes());
        h.update(&s.inode.to_le_bytes());
    }
    let mut out = [0u8; 16];
    if let Some(head) = h.finalize().as_bytes().get(..16) {
        out.copy_from_slice(head);
    }
    out
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

type LinkKey = (u64, u64, u64, i64);
/// One hard-linked inode's content, read by whichever link comes first.
type LinkCell = Arc<OnceLock<Option<Arc<Content>>>>;

/// Everything the workers share during one walk.
pub(crate) struct Walker<'a> {
    pub opts: &'a ScanOptions,
    pub filter: Filter,
    /// A folder's rows in the index.
    pub rows: DirReader,
    pub known: HashMap<Vec<u8>, KnownDir>,
    pub tx: SyncSender<Msg>,
    pub counters: Counters,
    pub progress: &'a dyn Progress,
    /// Folders that could not be listed completely, or were not entered (too deep): the rows
    /// below them are kept, not deleted.
    pub incomplete: Mutex<Vec<Vec<u8>>>,
    /// Folders entered, by (device, inode), when following symlinks (loop guard).
    visited_inodes: Mutex<std::collections::HashSet<(u64, u64)>>,
    /// Content read once per (device, inode, size, mtime) for files with several hard links.
    links: Mutex<HashMap<LinkKey, LinkCell>>,
    /// Set when the writer has gone (it failed): stop sending.
    pub stopped: AtomicBool,
    time_opts: albumen_timeline::ResolveOptions,
}

/// The XMP sidecars a folder listing found (names ending in `.xmp` or `.XMP`), so that reading a
/// file does not look each candidate up (`albumen_meta::Reader::read_path_in`).
#[derive(Debug, Default)]
pub(crate) struct Sidecars {
    /// Regular files.
    names: std::collections::HashSet<OsString>,
    /// An XMP name that is not a regular file (a symlink, say): look the candidates up.
    probe: bool,
}

impl Sidecars {
    fn note(&mut self, name: &OsString, regular: Option<bool>) {
        let b = name.as_encoded_bytes();
        if b.ends_with(b".xmp") || b.ends_with(b".XMP") {
            match regular {
                Some(true) => {
                    self.names.insert(name.clone());
                }
                Some(false) => {}
                None => self.probe = true,
            }
        }
    }

    /// Whether `candidate` is a sidecar file, as `Path::is_file` would say.
    fn has(&self, candidate: &Path) -> bool {
        if self.probe {
            return candidate.is_file();
        }
        candidate
            .file_name()
            .is_some_and(|n| self.names.contains(n))
    }
}

/// One media file found in a folder listing.
struct Found {
    name: OsString,
    stat: Stat,
}

impl<'a> Walker<'a> {
    pub(crate) fn new(
        opts: &'a ScanOptions,
        rows: DirReader,
        known: HashMap<Vec<u8>, KnownDir>,
        tx: SyncSender<Msg>,
        progress: &'a dyn Progress,
    ) -> Self {
        Walker {
            opts,
            filter: Filter::new(opts),
            rows,
            known,
            tx,
            counters: Counters::default(),
            progress,
            incomplete: Mutex::new(Vec::new()),
            visited_inodes: Mutex::new(Default::default()),
            links: Mutex::new(HashMap::new()),
            stopped: AtomicBool::new(false),
            time_opts: {
                let mut t = albumen_timeline::ResolveOptions::default();
                t.no_gps_zone = !opts.gps_zones;
                t
            },
        }
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
            || self
                .opts
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    fn send(&self, msg: Msg) {
        if self.tx.send(msg).is_err() {
            self.stopped.store(true, Ordering::Relaxed);
        }
    }

    fn error(&self, path: &Path, reason: &'static str, detail: impl ToString) {
        self.send(Msg::Error {
            path: path.to_path_buf(),
            reason,
            detail: detail.to_string(),
        });
    }

    fn mark_incomplete(&self, dir: &Path) {
        if let Ok(mut v) = self.incomplete.lock() {
            v.push(dir.as_os_str().as_encoded_bytes().to_vec());
        }
    }

    /// Walks the given roots (already absolute) in parallel.
    pub(crate) fn walk(&self, roots: &[PathBuf]) {
        rayon::scope(|s| {
            for root in roots {
                let root = root.clone();
                s.spawn(move |s| self.dir(s, root, 0));
            }
        });
    }

    fn dir<'s>(&'s self, scope: &rayon::Scope<'s>, dir: PathBuf, depth: usize) {
        if self.cancelled() {
            self.mark_incomplete(&dir);
            return;
        }
        if depth > self.opts.max_depth {
            self.error(
                &dir,
                "too-deep",
                format!("deeper than {}", self.opts.max_depth),
            );
            self.mark_incomplete(&dir);
            return;
        }
        if self.opts.follow_symlinks {
            // With links followed, the same folder can be reached again (a loop): enter each
            // (device, inode) once.
            match fs::metadata(&dir) {
                Ok(m) => {
                    let s = Stat::of(&m);
                    let fresh = self
                        .visited_inodes
                        .lock()
                        .map(|mut v| v.insert((s.dev, s.inode)))
                        .unwrap_or(true);
                    if !fresh {
                        self.error(&dir, "symlink-loop", "folder already visited");
                        return;
                    }
                }
                Err(e) => {
                    self.error(&dir, io_reason(&e), &e);
                    self.mark_incomplete(&dir);
                    return;
                }
            }
        }
        let (files, subdirs, complete, sidecars) = self.list(&dir);
        bump(&self.counters.dirs);
        if !complete {
            self.mark_incomplete(&dir);
        }
        for sub in subdirs {
            scope.spawn(move |s| self.dir(s, sub, depth + 1));
        }
        self.compare(&dir, files, complete, &sidecars);
    }

    /// Lists a folder: media files with their `stat`, and subfolders to enter. `complete` is
    /// false when the listing failed part-way (then no row of this folder is deleted; sidecars
    /// are then looked up one by one).
    fn list(&self, dir: &Path) -> (Vec<Found>, Vec<PathBuf>, bool, Sidecars) {
        let mut files = Vec::new();
        let mut subdirs = Vec::new();
        let mut sidecars = Sidecars::default();
        let rd = match fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.error(dir, io_reason(&e), &e);
                sidecars.probe = true;
                return (files, subdirs, false, sidecars);
            }
        };
        let mut complete = true;
        for entry in rd {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.error(dir, io_reason(&e), &e);
                    complete = false;
                    sidecars.probe = true;
                    break;
                }
            };
            let name = entry.file_name();
            let file_type = entry.file_type();
            sidecars.note(
                &name,
                match &file_type {
                    Ok(ft) if ft.is_file() => Some(true),
                    Ok(ft) if ft.is_dir() => Some(false),
                    _ => None,
                },
            );
            if self.filter.skipped(&name) {
                bump(&self.counters.skipped);
                continue;
            }
            let ft = match file_type {
                Ok(ft) => ft,
                Err(e) => {
                    // Vanished between the listing and now: nothing to index.
                    if e.kind() != io::ErrorKind::NotFound {
                        self.error(&entry.path(), io_reason(&e), &e);
                    }
                    continue;
                }
            };
            if ft.is_dir() {
                subdirs.push(entry.path());
            } else if ft.is_file() {
                if !self.filter.is_media(&name) {
                    continue;
                }
                match entry.metadata() {
                    Ok(m) => files.push(Found {
                        name,
                        stat: Stat::of(&m),
                    }),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        bump(&self.counters.vanished);
                    }
                    Err(e) => {
                        self.error(&entry.path(), io_reason(&e), &e);
                        complete = false;
                    }
                }
            } else if ft.is_symlink() && self.opts.follow_symlinks {
                let path = entry.path();
                match fs::metadata(&path) {
                    Ok(m) if m.is_dir() => subdirs.push(path),
                    Ok(m) if m.is_file() && self.filter.is_media(&name) => files.push(Found {
                        name,
                        stat: Stat::of(&m),
                    }),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        self.error(&path, "broken-symlink", &e)
                    }
                    Err(e) => self.error(&path, io_reason(&e), &e),
                }
            } else if ft.is_symlink() {
                bump(&self.counters.skipped);
            }
        }
        files.sort_unstable_by(|a, b| a.name.as_encoded_bytes().cmp(b.name.as_encoded_bytes()));
        (files, subdirs, complete, sidecars)
    }

    /// Compares a folder's listing with the index and sends what changed to the writer.
    fn compare(&self, dir: &Path, files: Vec<Found>, complete: bool, sidecars: &Sidecars) {
        let dir_bytes = dir.as_os_str().as_encoded_bytes();
        let known_dir = self.known.get(dir_bytes);
        if let Some(k) = known_dir {
            k.visited.store(true, Ordering::Relaxed);
        }
        if files.is_empty() && known_dir.is_none() {
            return;
        }
        let n = files.len() as u64;
        self.counters.seen.fetch_add(n, Ordering::Relaxed);
        self.progress.found(n);
        let listed = fingerprint(files.iter().map(|f| (f.name.as_encoded_bytes(), f.stat)));
        if let Some(k) = known_dir {
            // Fast path: the folder is exactly as indexed. (Hashing needs the rows, to know
            // which have a hash.)
            if complete && !self.opts.hash && k.fingerprint == Some(listed) {
                self.counters.unchanged.fetch_add(n, Ordering::Relaxed);
                self.progress.done(n);
                return;
            }
        }
        let known = match known_dir {
            Some(k) => match self.rows.known_rows(k.id) {
                Ok(rows) => rows,
                Err(e) => {
                    // Cannot compare with the index: leave this folder's rows as they are.
                    self.error(dir, "index-read", &e);
                    self.mark_incomplete(dir);
                    self.progress.done(n);
                    return;
                }
            },
            None => Vec::new(),
        };
        let dir_shared = Arc::new(dir_bytes.to_vec());
        let dir_text: Arc<str> = Arc::from(dir.to_string_lossy().as_ref());

        // Merge the two sorted lists.
        let mut work: Vec<(Found, Option<i64>, Change)> = Vec::new();
        let mut hash_only: Vec<(Found, i64)> = Vec::new();
        let mut unchanged = 0u64;
        let mut ki = known.into_iter().peekable();
        for f in files {
            let name = f.name.as_encoded_bytes();
            while let Some(k) = ki.next_if(|k| k.name.as_slice() < name) {
                if complete {
                    bump(&self.counters.deleted);
                    self.send(Msg::Delete { id: k.id });
                }
            }
            match ki.next_if(|k| k.name.as_slice() == name) {
                Some(k) => {
                    let same = k.size == to_i64(f.stat.size)
                        && k.mtime_ns == f.stat.mtime_ns
                        && k.inode == to_i64(f.stat.inode);
                    if !same {
                        work.push((f, Some(k.id), Change::Changed));
                    } else if self.opts.hash && !k.has_hash {
                        hash_only.push((f, k.id));
                    } else {
                        unchanged += 1;
                    }
                }
                None => work.push((f, None, Change::New)),
            }
        }
        if complete {
            for k in ki {
                bump(&self.counters.deleted);
                self.send(Msg::Delete { id: k.id });
            }
        }
        self.counters
            .unchanged
            .fetch_add(unchanged, Ordering::Relaxed);
        self.progress.done(unchanged);

        // Whether the rows will be exactly the listing once the writer is done.
        let exact = AtomicBool::new(complete);
        hash_only.par_iter().for_each(|(f, id)| {
            if self.cancelled() {
                exact.store(false, Ordering::Relaxed);
                return;
            }
            let path = dir.join(&f.name);
            match hash_file(&path) {
                Ok(hash) => {
                    bump(&self.counters.hashed);
                    self.send(Msg::SetHash { id: *id, hash });
                }
                Err(e) => self.error(&path, io_reason(&e), &e),
            }
            bump(&self.counters.unchanged);
            self.progress.done(1);
        });

        work.into_par_iter().for_each(|(f, id, change)| {
            if self.cancelled() {
                exact.store(false, Ordering::Relaxed);
                return;
            }
            let path = dir.join(&f.name);
            match self.content(&path, f.stat, sidecars) {
                Some(content) => {
                    bump(match change {
                        Change::New => &self.counters.new,
                        Change::Changed => &self.counters.changed,
                    });
                    self.send(Msg::Upsert(Box::new(FileRow {
                        id,
                        dir: dir_shared.clone(),
                        dir_text: dir_text.clone(),
                        name: f.name.as_encoded_bytes().to_vec(),
                        path,
                        stat: f.stat,
                        content,
                        change,
                    })));
                }
                None => {
                    // Vanished while we looked at it.
                    exact.store(false, Ordering::Relaxed);
                    bump(&self.counters.vanished);
                    if let (Some(id), true) = (id, complete) {
                        bump(&self.counters.deleted);
                        self.send(Msg::Delete { id });
                    }
                }
            }
            self.progress.done(1);
        });
        // Sent after every row of the folder (the channel keeps order), so it is committed with
        // or after them.
        let exact = exact.load(Ordering::Relaxed);
        if known_dir.is_none_or(|k| !exact || k.fingerprint != Some(listed)) {
            self.send(Msg::DirFingerprint {
                dir: dir_shared,
                fingerprint: exact.then_some(listed),
            });
        }
    }

    /// The content columns of a file, read once per hard-linked inode. `None`: the file vanished.
    fn content(&self, path: &Path, stat: Stat, sidecars: &Sidecars) -> Option<Arc<Content>> {
        if stat.nlink <= 1 {
            return self.read(path, stat, sidecars);
        }
        let key = (stat.dev, stat.inode, stat.size, stat.mtime_ns);
        let cell = match self.links.lock() {
            Ok(mut m) => m.entry(key).or_default().clone(),
            Err(_) => return self.read(path, stat, sidecars),
        };
        let mut first = false;
        let got = cell.get_or_init(|| {
            first = true;
            self.read(path, stat, sidecars)
        });
        match got {
            Some(c) => {
                if !first {
                    bump(&self.counters.hard_link_reuse);
                }
                Some(c.clone())
            }
            // The link read first vanished; this name may still be there.
            None if !first => self.read(path, stat, sidecars),
            None => None,
        }
    }

    /// Reads one file's metadata (and hash when asked). If the file changes while it is read,
    /// the row is marked `changed-during-scan` and keeps the `stat` from the listing, so the next
    /// scan reads it again.
    fn read(&self, path: &Path, stat: Stat, sidecars: &Sidecars) -> Option<Arc<Content>> {
        bump(&self.counters.read);
        let reader = albumen_meta::Reader::new();
        let mut content = match reader.read_path_in(path, |p| sidecars.has(p)) {
            Ok(meta) => {
                let mtime = u64::try_from(stat.mtime_ns)
                    .ok()
                    .map(|ns| std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns));
                Content::from_metadata(&meta, mtime, &self.time_opts)
            }
            Err(e) if meta_error_is_vanished(&e) => return None,
            Err(e) => Content::from_error(&e),
        };
        if self.opts.hash {
            match hash_file(path) {
                Ok(h) => {
                    bump(&self.counters.hashed);
                    content.hash = Some(h);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
                Err(e) => self.error(path, io_reason(&e), &e),
            }
        }
        match fs::metadata(path) {
            Ok(m) => {
                let now = Stat::of(&m);
                if now.size != stat.size || now.mtime_ns != stat.mtime_ns {
                    content.error_reason = Some("changed-during-scan");
                    content.error = Some("the file changed while it was read".to_string());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(_) => {}
        }
        Some(Arc::new(content))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use albumen_index::NoProgress;
    use std::sync::mpsc::sync_channel;

    #[test]
    fn a_file_deleted_between_listing_and_reading_is_skipped_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("keep.jpg"), b"\xff\xd8\xff\xd9").unwrap();
        fs::write(dir.path().join("gone.jpg"), b"\xff\xd8\xff\xd9").unwrap();
        let opts = ScanOptions::default();
        let (tx, rx) = sync_channel(16);
        let w = Walker::new(
            &opts,
            DirReader::new(PathBuf::from("unused.db")),
            HashMap::new(),
            tx,
            &NoProgress,
        );
        let (files, subdirs, complete, sidecars) = w.list(dir.path());
        assert_eq!((files.len(), subdirs.len(), complete), (2, 0, true));
        // The file vanishes after the listing, before it is read.
        fs::remove_file(dir.path().join("gone.jpg")).unwrap();
        w.compare(dir.path(), files, complete, &sidecars);
        let Walker { tx, counters, .. } = w;
        drop(tx);
        let msgs: Vec<Msg> = rx.iter().collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        match &msgs[0] {
            Msg::Upsert(row) => assert_eq!(row.name, b"keep.jpg"),
            m => panic!("unexpected {m:?}"),
        }
        // The folder's rows are not the listing any more: its fingerprint is cleared.
        assert!(
            matches!(
                &msgs[1],
                Msg::DirFingerprint {
                    fingerprint: None,
                    ..
                }
            ),
            "{msgs:?}"
        );
        assert_eq!(counters.vanished.load(Ordering::Relaxed), 1);
    }

    /// Sidecars found by the listing are the ones a lookup of each candidate finds: `NAME.xmp`,
    /// `NAME.XMP`, `NAME.EXT.xmp`, one through a symlink, none; the metadata read is the same.
    #[test]
    fn sidecars_from_the_listing_are_the_ones_a_lookup_finds() {
        use albumen_meta::encode::{XmpPacket, XmpValue};
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let xmp = |kw: &str| {
            XmpPacket::new()
                .set("dc", "subject", XmpValue::Bag(vec![kw.to_string()]))
                .to_bytes()
        };
        let jpeg = b"\xff\xd8\xff\xc0\x00\x0b\x08\x00\x30\x00\x40\x01\x01\x11\x00\xff\xda";
        for n in ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"] {
            fs::write(d.join(n), jpeg).unwrap();
        }
        fs::write(d.join("a.xmp"), xmp("stem")).unwrap();
        fs::write(d.join("b.XMP"), xmp("upper")).unwrap();
        fs::write(d.join("c.jpg.xmp"), xmp("full")).unwrap();
        fs::write(d.join("c.xmp"), xmp("both")).unwrap();
        fs::create_dir(d.join("e.xmp")).unwrap(); // a folder is not a sidecar
        let opts = ScanOptions::default();
        let (tx, _rx) = sync_channel(16);
        let w = Walker::new(
            &opts,
            DirReader::new(PathBuf::from("unused.db")),
            HashMap::new(),
            tx,
            &NoProgress,
        );
        let check = |w: &Walker<'_>| {
            let (files, _, complete, sidecars) = w.list(d);
            assert!(complete);
            let mut found = Vec::new();
            for f in &files {
                let path = d.join(&f.name);
                let listed = albumen_meta::Reader::new()
                    .read_path_in(&path, |p| sidecars.has(p))
                    .unwrap();
                assert_eq!(listed, albumen_meta::read_path(&path).unwrap(), "{path:?}");
                found.push(listed.keywords.len());
            }
            (found, sidecars.probe)
        };
        assert_eq!(check(&w), (vec![1, 1, 2, 0, 0], false));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(d.join("a.xmp"), d.join("d.xmp")).unwrap();
            assert_eq!(check(&w), (vec![1, 1, 2, 1, 0], true));
        }
    }

    #[test]
    fn a_folder_that_vanished_is_reported_and_marked_incomplete() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ScanOptions::default();
        let (tx, rx) = sync_channel(16);
        let w = Walker::new(
            &opts,
            DirReader::new(PathBuf::from("unused.db")),
            HashMap::new(),
            tx,
            &NoProgress,
        );
        let missing = dir.path().join("nope");
        let (files, _, complete, _) = w.list(&missing);
        assert!(files.is_empty() && !complete);
        drop(w);
        let msgs: Vec<Msg> = rx.iter().collect();
        assert!(
            matches!(
                msgs.as_slice(),
                [Msg::Error {
                    reason: "vanished",
                    ..
                }]
            ),
            "{msgs:?}"
        );
    }
}
