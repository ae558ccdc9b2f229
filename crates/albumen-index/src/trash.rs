//! A trash that gives files back: an item's files (a Live Photo's still and video together,
//! with the edited copies of the still that share the video, their sidecars too) move out of the library tree into a trash folder outside every library
//! root, keeping their times; [`Index::restore_item`] puts every file back at its path, byte for
//! byte, under the same item id; only [`Index::empty_trash`] deletes anything.
//!
//! # How the rows leave and come back
//! A trashed item's `files` rows stay in the table, *parked*: `library_id` is negated and
//! `dir_id` is set to minus the row's id. Every query of a library (`library_id = L`, the
//! grants) stops seeing them at once, in the same transaction that records the move, so the
//! item leaves the timeline, search, the map, albums and share links together; the scan (which
//! compares folders with the rows of their `dir_id`) neither sees nor deletes them, so a rescan
//! does not bring the item back, and nothing can take its id (keywords, faces, album entries
//! keyed by it wait for it). Restoring puts the library and folder back.
//!
//! # How it survives a kill
//! The plan (every file's origin and place in the trash, size and mtime) and the parked rows are
//! committed in one transaction with `synchronous = FULL` *before* any file moves: the journal.
//! Each file then moves on its own with no-replace semantics (a hard link then an unlink on one
//! file system; across file systems a copy to a temporary name, fsync, read back and compared,
//! linked into place, then the source removed), so a kill at any moment leaves each file at its
//! origin, in the trash, or (between the link and the unlink) at both with the same content.
//! [`Index::finish_trash`] reads the journal and finishes every interrupted move, in the
//! direction it was going; the server and `albumen trash` call it when they start, and every
//! [`Index::ingest`](crate::Index::ingest) (`albumen scan`, the server's watch rescans) calls it before it walks, so a
//! scan never takes a half-moved file for a new one. Moves hold `NAME.trash-lock` beside the
//! index, so that recovery never races a move another process or thread is carrying out.
//!
//! A stack's members (`pairs` rows of method `stack-…`) go and come back with its face like a
//! Live Photo's video: a member alone is not an item and cannot be trashed.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::db::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::files::{to_i64, Stat};
use crate::index::{db_err, Index};
use crate::pairs::{bytes_of, path_of};

/// The trash tables (the journal). Every statement is idempotent.
pub const TRASH_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS trash (
  item_id    INTEGER PRIMARY KEY,
  library_id INTEGER NOT NULL,
  user_id    INTEGER,
  trashed_at INTEGER NOT NULL,
  state      TEXT NOT NULL,
  folder     BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS trash_files (
  item_id  INTEGER NOT NULL,
  n        INTEGER NOT NULL,
  file_id  INTEGER,
  origin   BLOB NOT NULL,
  stored   BLOB NOT NULL,
  size     INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  PRIMARY KEY (item_id, n)
) WITHOUT ROWID;
";

/// Where an item of the trash is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TrashState {
    /// Its files are moving into the trash (an interrupted trash: [`Index::finish_trash`]).
    Trashing,
    /// In the trash.
    Trashed,
    /// Its files are moving back (an interrupted restore).
    Restoring,
    /// Its files are being deleted (an interrupted `trash empty`).
    Emptying,
}

impl TrashState {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "trashing" => TrashState::Trashing,
            "trashed" => TrashState::Trashed,
            "restoring" => TrashState::Restoring,
            "emptying" => TrashState::Emptying,
            _ => return None,
        })
    }
}

/// One file of a trashed item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TrashedFile {
    /// Its index row (`None` for a sidecar, which the index does not hold).
    pub file_id: Option<i64>,
    /// Where it was (and goes back to).
    #[serde(serialize_with = "lossy")]
    pub origin: PathBuf,
    /// Where it is in the trash.
    #[serde(serialize_with = "lossy")]
    pub stored: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its modification time (ns since the epoch), kept.
    pub mtime_ns: i64,
}

fn lossy<S: serde::Serializer>(p: &Path, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// One item in the trash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TrashedItem {
    /// The item's id (its still's file id), the same after a restore.
    pub item_id: i64,
    /// Its library's id.
    pub library_id: i64,
    /// Its library's name.
    pub library: String,
    /// When it was trashed (Unix seconds).
    pub trashed_at: i64,
    /// Where it is.
    pub state: TrashState,
    /// Its folder in the trash.
    #[serde(serialize_with = "lossy")]
    pub folder: PathBuf,
    /// Its files.
    pub files: Vec<TrashedFile>,
}

/// What [`Index::finish_trash`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TrashRecovery {
    /// Items whose interrupted move was finished.
    pub finished: Vec<i64>,
    /// Items that could not be finished, with why (every file stays where it is).
    pub failed: Vec<(i64, String)>,
}

/// The default trash folder of the index at `db`: `NAME.trash` beside it (`index.db` →
/// `index.trash`), outside the library roots as long as the index is.
///
/// For a PostgreSQL index (a `postgres://` URL) it is `DBNAME.trash` in this user's data folder
/// (beside [`crate::default_db_path`]), never a folder named after the URL.
pub fn default_trash_dir(db: &Path) -> PathBuf {
    if crate::db::is_url(db) {
        let s = db.to_string_lossy();
        let name: String = s
            .rsplit('/')
            .next()
            .unwrap_or("albumen")
            .split('?')
            .next()
            .unwrap_or("albumen")
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let name = if name.is_empty() {
            "albumen".to_string()
        } else {
            name
        };
        let base = crate::default_db_path()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(std::env::temp_dir);
        return base.join(format!("{name}.trash"));
    }
    let stem = db
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "albumen".into());
    db.with_file_name(format!("{stem}.trash"))
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs `f` in a transaction committed with `synchronous = FULL` (the WAL is fsynced on
/// commit): what the journal says is on disk before any file moves.
///
/// Foreign keys are not enforced within it: a parked row names no library and no folder on
/// purpose (its negated ids), so that no query of a library and no scan of a folder finds it.
fn durable<T>(ix: &Index, f: impl FnOnce(&Connection) -> crate::db::Result<T>) -> Result<T> {
    let c = ix.connection();
    let e = db_err(ix.path());
    if c.is_pg() {
        // PostgreSQL commits durably (synchronous_commit is the server's), and this crate's
        // foreign keys are documentation on both engines (see `pg.rs`).
        let tx = c.unchecked_transaction().map_err(&e)?;
        let v = f(&tx).map_err(&e)?;
        tx.commit().map_err(&e)?;
        return Ok(v);
    }
    let fk: i64 = c
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .map_err(&e)?;
    c.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF")
        .map_err(&e)?;
    let out = (|| {
        let tx = c.unchecked_transaction()?;
        let v = f(&tx)?;
        tx.commit()?;
        Ok(v)
    })();
    let back = c.execute_batch(if fk == 1 {
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON"
    } else {
        "PRAGMA synchronous = NORMAL"
    });
    let v = out.map_err(&e)?;
    back.map_err(&e)?;
    Ok(v)
}

/// Holds `NAME.trash-lock` beside the index, exclusively, until dropped: one trash move at a
/// time across processes and threads (a scan's recovery never finishes a move that the server
/// is carrying out at that moment).
fn trash_lock(ix: &Index) -> Result<crate::index::Held> {
    if ix.connection().is_pg() {
        return match ix.advisory_lock("trash", true)? {
            Some(c) => Ok(crate::index::Held::Db(c)),
            None => Err(Error::ScanBusy(ix.path().to_path_buf())),
        };
    }
    let mut name = ix.path().to_path_buf().into_os_string();
    name.push(".trash-lock");
    let path = PathBuf::from(name);
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err(&path))?;
    f.lock().map_err(io_err(&path))?;
    Ok(crate::index::Held::File(f))
}

impl Index {
    /// Moves item `item_id` (a still or a video, not the video of a Live Photo) with its Live
    /// Photo video and sidecars into `trash_dir` (created when needed; it must be outside every
    /// library root), keeping their times; the item leaves every view of its library at once.
    /// `user_id` is recorded as who did it. The caller checked that the user may see the item.
    ///
    /// Fails with [`Error::NoSuchFile`] when the item is not in a library (or is trashed
    /// already) and [`Error::TrashInsideRoot`] when the trash folder overlaps a library root;
    /// nothing is moved then.
    pub fn trash_item(
        &self,
        item_id: i64,
        user_id: Option<i64>,
        trash_dir: &Path,
        now: i64,
    ) -> Result<TrashedItem> {
        let _lock = trash_lock(self)?;
        let e = db_err(self.path());
        let c = self.connection();
        let still: Option<(i64, Vec<u8>)> = c
            .query_row(
                "SELECT library_id, path FROM files f WHERE id = ?1 AND library_id > 0 \
                 AND NOT EXISTS (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id)",
                [item_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(&e)?;
        let (lib, still_path) = still.ok_or(Error::NoSuchFile(item_id))?;
        // The Live Photo together: its videos and the other stills paired with them (an
        // edited copy, `IMG_E…`, shares the original's video: one Live Photo, one trash item).
        let mut members: Vec<(i64, PathBuf)> = vec![(item_id, path_of(still_path))];
        {
            let mut st = c
                .prepare(
                    "SELECT f.id, f.path FROM files f WHERE f.library_id = ?2 AND f.id != ?1 \
                     AND (f.id IN (SELECT video_file_id FROM pairs WHERE still_file_id = ?1) \
                     OR f.id IN (SELECT o.still_file_id FROM pairs o JOIN pairs p \
                       ON p.video_file_id = o.video_file_id WHERE p.still_file_id = ?1)) \
                     ORDER BY f.id",
                )
                .map_err(&e)?;
            let rows = st
                .query_map(params![item_id, lib], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
                })
                .map_err(&e)?;
            for r in rows {
                let (id, p) = r.map_err(&e)?;
                if !members.iter().any(|m| m.0 == id) {
                    members.push((id, path_of(p)));
                }
            }
        }
        let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
        // Sidecars: what the members claim and no other indexed file of their folder does.
        let mut files: Vec<(Option<i64>, PathBuf)> = Vec::new();
        for (id, path) in &members {
            files.push((Some(*id), path.clone()));
        }
        for (_, path) in &members {
            for sc in self.sidecars_of(path, &ids)? {
                if !files.iter().any(|(_, p)| *p == sc) {
                    files.push((None, sc));
                }
            }
        }
        // The trash folder: outside every root of every library.
        fs::create_dir_all(trash_dir).map_err(io_err(trash_dir))?;
        let trash_real = fs::canonicalize(trash_dir).map_err(io_err(trash_dir))?;
        let mut st = c.prepare("SELECT path FROM library_roots").map_err(&e)?;
        let roots = st
            .query_map([], |r| r.get::<_, Vec<u8>>(0))
            .map_err(&e)?
            .collect::<crate::db::Result<Vec<_>>>()
            .map_err(&e)?;
        for root in roots.into_iter().map(path_of) {
            let real = fs::canonicalize(&root).unwrap_or(root.clone());
            if trash_real.starts_with(&real) || real.starts_with(&trash_real) {
                return Err(Error::TrashInsideRoot {
                    trash: trash_dir.to_path_buf(),
                    root,
                });
            }
        }
        let folder = trash_real.join(format!("{item_id}-{now}"));
        let mut plan: Vec<TrashedFile> = Vec::new();
        for (file_id, origin) in files {
            let m = fs::symlink_metadata(&origin).map_err(io_err(&origin))?;
            if !m.is_file() {
                return Err(Error::Io {
                    path: origin,
                    source: io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
                });
            }
            let s = Stat::of(&m);
            let base = origin
                .file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_default();
            let mut stored = folder.join(&base);
            let mut k = 1;
            while plan.iter().any(|p| p.stored == stored) {
                let mut n = std::ffi::OsString::from(format!("{k}-"));
                n.push(&base);
                stored = folder.join(n);
                k += 1;
            }
            plan.push(TrashedFile {
                file_id,
                origin,
                stored,
                size: s.size,
                mtime_ns: s.mtime_ns,
            });
        }
        // The journal and the parked rows, durable before anything moves.
        durable(self, |c| {
            c.execute(
                "INSERT INTO trash (item_id, library_id, user_id, trashed_at, state, folder) \
                 VALUES (?1, ?2, ?3, ?4, 'trashing', ?5)",
                params![item_id, lib, user_id, now, bytes_of(&folder)],
            )?;
            for (n, f) in plan.iter().enumerate() {
                c.execute(
                    "INSERT INTO trash_files (item_id, n, file_id, origin, stored, size, mtime_ns) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        item_id,
                        n as i64,
                        f.file_id,
                        bytes_of(&f.origin),
                        bytes_of(&f.stored),
                        to_i64(f.size),
                        f.mtime_ns
                    ],
                )?;
            }
            for id in &ids {
                c.execute(crate::writer::UNPAIR, [id])?;
                c.execute(
                    "UPDATE files SET library_id = -library_id, dir_id = -id WHERE id = ?1",
                    [id],
                )?;
            }
            relink(c, lib)
        })?;
        self.finish_item(item_id)?;
        self.trashed_item(item_id)?
            .ok_or(Error::NotTrashed(item_id))
    }

    /// The sidecars of the media file at `path` that no indexed file of its folder other than
    /// `ids` claims.
    fn sidecars_of(&self, path: &Path, ids: &[i64]) -> Result<Vec<PathBuf>> {
        let Some(dir) = path.parent() else {
            return Ok(Vec::new());
        };
        let Some(name) = path.file_name() else {
            return Ok(Vec::new());
        };
        let claimed = crate::files::claimed_bases(name.as_encoded_bytes());
        let mut mine = Vec::new();
        let mut all: Vec<(Vec<u8>, crate::files::SidecarKind, PathBuf)> = Vec::new();
        for ent in fs::read_dir(dir).into_iter().flatten().flatten() {
            if !ent.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let n = ent.file_name();
            if let Some((base, kind)) = crate::files::sidecar_base(n.as_encoded_bytes()) {
                all.push((base.to_vec(), kind, ent.path()));
            }
        }
        if all.is_empty() {
            return Ok(mine);
        }
        for (base, kind, p) in &all {
            if claimed.iter().any(|(b, k)| b == base && k == kind) {
                mine.push(p.clone());
            }
        }
        // Claimed by another indexed file of the folder too: left where it is.
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached(
                "SELECT f.id, f.name FROM files f JOIN dirs d ON d.id = f.dir_id \
                 WHERE d.path = ?1",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([bytes_of(dir)], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(&e)?;
        for r in rows {
            let (id, other) = r.map_err(&e)?;
            if ids.contains(&id) {
                continue;
            }
            let theirs = crate::files::claimed_bases(&other);
            mine.retain(|p| {
                let n = p.file_name().map(|n| n.as_encoded_bytes().to_vec());
                let key = n.as_deref().and_then(crate::files::sidecar_base);
                !key.is_some_and(|(b, k)| theirs.iter().any(|(tb, tk)| tb == b && *tk == k))
            });
        }
        mine.sort();
        Ok(mine)
    }

    /// Puts every file of trashed item `item_id` back at its path (byte for byte, with its
    /// times) and the item back in its library under the same id.
    ///
    /// Refuses with [`Error::DestinationTaken`] when something is at one of the paths now
    /// (nothing moved then); [`Error::NotTrashed`] when the item is not in the trash.
    pub fn restore_item(&self, item_id: i64) -> Result<TrashedItem> {
        let _lock = trash_lock(self)?;
        let item = self
            .trashed_item(item_id)?
            .ok_or(Error::NotTrashed(item_id))?;
        if item.state != TrashState::Trashed {
            // An interrupted move: finish it first.
            self.finish_item(item_id)?;
            return self.restore_item_checked(item_id);
        }
        self.restore_item_checked(item_id)
    }

    fn restore_item_checked(&self, item_id: i64) -> Result<TrashedItem> {
        let item = self
            .trashed_item(item_id)?
            .ok_or(Error::NotTrashed(item_id))?;
        if item.state != TrashState::Trashed {
            return Err(Error::NotTrashed(item_id));
        }
        for f in &item.files {
            if fs::symlink_metadata(&f.origin).is_ok() {
                return Err(Error::DestinationTaken(f.origin.clone()));
            }
            if fs::symlink_metadata(&f.stored).is_err() {
                return Err(Error::TrashFileMissing(f.stored.clone()));
            }
        }
        durable(self, |c| {
            c.execute(
                "UPDATE trash SET state = 'restoring' WHERE item_id = ?1",
                [item_id],
            )
            .map(|_| ())
        })?;
        self.finish_item(item_id)?;
        Ok(item)
    }

    /// Deletes for good the trashed items trashed before `before` (Unix seconds), files and
    /// rows. The only way albumen deletes a photo.
    pub fn empty_trash(&self, before: i64) -> Result<Vec<TrashedItem>> {
        let _lock = trash_lock(self)?;
        let items: Vec<TrashedItem> = self
            .trash_list(None)?
            .into_iter()
            .filter(|i| i.trashed_at < before && i.state == TrashState::Trashed)
            .collect();
        for i in &items {
            durable(self, |c| {
                c.execute(
                    "UPDATE trash SET state = 'emptying' WHERE item_id = ?1",
                    [i.item_id],
                )
                .map(|_| ())
            })?;
            self.finish_item(i.item_id)?;
        }
        Ok(items)
    }

    /// The items in the trash (of library `library_id`, or of all), newest first.
    pub fn trash_list(&self, library_id: Option<i64>) -> Result<Vec<TrashedItem>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached(
                "SELECT item_id FROM trash WHERE ?1 IS NULL OR library_id = ?1 \
                 ORDER BY trashed_at DESC, item_id DESC",
            )
            .map_err(&e)?;
        let ids = st
            .query_map([library_id], |r| r.get::<_, i64>(0))
            .map_err(&e)?
            .collect::<crate::db::Result<Vec<_>>>()
            .map_err(&e)?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(i) = self.trashed_item(id)? {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// Item `item_id` of the trash, if it is there.
    pub fn trashed_item(&self, item_id: i64) -> Result<Option<TrashedItem>> {
        let e = db_err(self.path());
        let c = self.connection();
        let head = c
            .query_row(
                "SELECT t.library_id, coalesce(l.name, ''), t.trashed_at, t.state, t.folder \
                 FROM trash t LEFT JOIN libraries l ON l.id = t.library_id WHERE t.item_id = ?1",
                [item_id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Vec<u8>>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(&e)?;
        let Some((library_id, library, trashed_at, state, folder)) = head else {
            return Ok(None);
        };
        let mut st = c
            .prepare_cached(
                "SELECT file_id, origin, stored, size, mtime_ns FROM trash_files \
                 WHERE item_id = ?1 ORDER BY n",
            )
            .map_err(&e)?;
        let files = st
            .query_map([item_id], |r| {
                Ok(TrashedFile {
                    file_id: r.get(0)?,
                    origin: path_of(r.get(1)?),
                    stored: path_of(r.get(2)?),
                    size: crate::index::u64_of(r.get(3)?),
                    mtime_ns: r.get(4)?,
                })
            })
            .map_err(&e)?
            .collect::<crate::db::Result<Vec<_>>>()
            .map_err(&e)?;
        Ok(Some(TrashedItem {
            item_id,
            library_id,
            library,
            trashed_at,
            state: TrashState::parse(&state).unwrap_or(TrashState::Trashed),
            folder: path_of(folder),
            files,
        }))
    }

    /// Finishes every move a killed run left half done, in the direction it was going (see the
    /// module's documentation). Items that cannot be finished stay as they are and are listed.
    pub fn finish_trash(&self) -> Result<TrashRecovery> {
        let _lock = trash_lock(self)?;
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare("SELECT item_id FROM trash WHERE state != 'trashed' ORDER BY item_id")
            .map_err(&e)?;
        let ids = st
            .query_map([], |r| r.get::<_, i64>(0))
            .map_err(&e)?
            .collect::<crate::db::Result<Vec<_>>>()
            .map_err(&e)?;
        let mut out = TrashRecovery::default();
        for id in ids {
            match self.finish_item(id) {
                Ok(()) => out.finished.push(id),
                Err(err) => out.failed.push((id, err.to_string())),
            }
        }
        Ok(out)
    }

    /// Carries out what the journal says of item `item_id`.
    fn finish_item(&self, item_id: i64) -> Result<()> {
        let Some(item) = self.trashed_item(item_id)? else {
            return Ok(());
        };
        match item.state {
            TrashState::Trashed => Ok(()),
            TrashState::Trashing => {
                fs::create_dir_all(&item.folder).map_err(io_err(&item.folder))?;
                if let Some(p) = item.folder.parent() {
                    sync_dir(p)?;
                }
                for f in &item.files {
                    move_file(&f.origin, &f.stored, f.mtime_ns)?;
                }
                sync_dir(&item.folder)?;
                for d in parents(item.files.iter().map(|f| f.origin.as_path())) {
                    sync_dir(&d)?;
                }
                durable(self, |c| {
                    // Rows a scan made meanwhile for files still at their origin (before the
                    // move finished): the files have left, so do they.
                    for f in &item.files {
                        if let Some(id) = f.file_id {
                            drop_others_at(c, item.library_id, &f.origin, id)?;
                        }
                    }
                    relink(c, item.library_id)?;
                    c.execute(
                        "UPDATE trash SET state = 'trashed' WHERE item_id = ?1",
                        [item_id],
                    )
                    .map(|_| ())
                })
            }
            TrashState::Restoring => {
                for f in &item.files {
                    if let Some(p) = f.origin.parent() {
                        fs::create_dir_all(p).map_err(io_err(p))?;
                    }
                    move_file(&f.stored, &f.origin, f.mtime_ns)?;
                }
                for d in parents(item.files.iter().map(|f| f.origin.as_path())) {
                    sync_dir(&d)?;
                }
                sync_dir(&item.folder)?;
                let mut stats = Vec::new();
                for f in &item.files {
                    if let Some(id) = f.file_id {
                        let m = fs::symlink_metadata(&f.origin).map_err(io_err(&f.origin))?;
                        stats.push((id, f.origin.clone(), Stat::of(&m)));
                    }
                }
                durable(self, |c| {
                    for (id, origin, s) in &stats {
                        drop_others_at(c, item.library_id, origin, *id)?;
                        let dir = origin.parent().unwrap_or(Path::new("/"));
                        let dir_id = dir_row(c, item.library_id, dir)?;
                        c.execute("UPDATE dirs SET fingerprint = NULL WHERE id = ?1", [dir_id])?;
                        c.execute(
                            "UPDATE files SET library_id = ?2, dir_id = ?3, path = ?4, \
                             path_text = ?5, size = ?6, mtime_ns = ?7, dev = ?8, inode = ?9, \
                             nlink = ?10 WHERE id = ?1",
                            params![
                                id,
                                item.library_id,
                                dir_id,
                                bytes_of(origin),
                                origin.to_string_lossy(),
                                to_i64(s.size),
                                s.mtime_ns,
                                to_i64(s.dev),
                                to_i64(s.inode),
                                to_i64(s.nlink)
                            ],
                        )?;
                    }
                    relink(c, item.library_id)?;
                    c.execute("DELETE FROM trash_files WHERE item_id = ?1", [item_id])?;
                    c.execute("DELETE FROM trash WHERE item_id = ?1", [item_id])
                        .map(|_| ())
                })?;
                let _ = fs::remove_dir(&item.folder);
                Ok(())
            }
            TrashState::Emptying => {
                for f in &item.files {
                    match fs::remove_file(&f.stored) {
                        Ok(()) => {}
                        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                        Err(err) => return Err(io_err(&f.stored)(err)),
                    }
                }
                match fs::remove_dir(&item.folder) {
                    Ok(()) => {}
                    Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                    Err(err) => return Err(io_err(&item.folder)(err)),
                }
                durable(self, |c| {
                    for f in &item.files {
                        if let Some(id) = f.file_id {
                            c.execute(crate::writer::UNPAIR, [id])?;
                            c.execute("DELETE FROM files WHERE id = ?1 AND library_id < 0", [id])?;
                            c.execute("DELETE FROM album_items WHERE file_id = ?1", [id])?;
                        }
                    }
                    c.execute("DELETE FROM trash_files WHERE item_id = ?1", [item_id])?;
                    c.execute("DELETE FROM trash WHERE item_id = ?1", [item_id])
                        .map(|_| ())
                })
            }
        }
    }
}

/// After rows left or came back: the library's pairs and counts again, and no per-day or map
/// counts kept for parked rows.
fn relink(c: &Connection, library_id: i64) -> crate::db::Result<()> {
    let ps = crate::pairs::rebuild_pairs(c, library_id)?;
    crate::index::refresh_stats(c, library_id, &ps)?;
    c.execute("DELETE FROM day_counts WHERE library_id < 0", [])?;
    c.execute("DELETE FROM map_cells WHERE library_id < 0", [])?;
    Ok(())
}

/// Removes the rows of library `library_id` at `path` other than `keep` (a scan's row for a file
/// that was on its way to the trash, or for one that was at the path before).
fn drop_others_at(
    c: &Connection,
    library_id: i64,
    path: &Path,
    keep: i64,
) -> crate::db::Result<()> {
    let ids: Vec<i64> = c
        .prepare_cached("SELECT id FROM files WHERE library_id = ?1 AND path = ?2 AND id != ?3")?
        .query_map(params![library_id, bytes_of(path), keep], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    for id in ids {
        c.execute(crate::writer::UNPAIR, [id])?;
        c.execute("DELETE FROM files WHERE id = ?1", [id])?;
    }
    Ok(())
}

/// The `dirs` row of folder `dir` of a library, made when missing.
/// The `dirs` row of folder `dir` of a library, made when missing.
pub(crate) fn dir_row(c: &Connection, library_id: i64, dir: &Path) -> crate::db::Result<i64> {
    let bytes = bytes_of(dir);
    c.prepare_cached(
        "INSERT OR IGNORE INTO dirs (library_id, path, path_text) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![library_id, bytes, dir.to_string_lossy()])?;
    c.prepare_cached("SELECT id FROM dirs WHERE library_id = ?1 AND path = ?2")?
        .query_row(params![library_id, bytes], |r| r.get(0))
}

fn parents<'a>(paths: impl Iterator<Item = &'a Path>) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = paths
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    v.sort();
    v.dedup();
    v
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io_err(dir))
}

fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// The BLAKE3 hash of a file's bytes.
fn hash_file(path: &Path) -> io::Result<blake3::Hash> {
    let mut f = File::open(path)?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(h.finalize())
}

/// The temporary name a cross-device copy to `to` is written under.
fn partial_of(to: &Path) -> PathBuf {
    let mut n = std::ffi::OsString::from(".");
    n.push(to.file_name().unwrap_or_default());
    n.push(".albumen-partial");
    to.with_file_name(n)
}

/// Moves the file `from` to `to` without ever replacing something at `to`, resuming a move a
/// kill interrupted (see the module's documentation). `mtime_ns` is the time the file keeps.
fn move_file(from: &Path, to: &Path, mtime_ns: i64) -> Result<()> {
    let src = fs::symlink_metadata(from).ok();
    let dst = fs::symlink_metadata(to).ok();
    match (src, dst) {
        (None, Some(_)) => Ok(()),
        (None, None) => Err(Error::TrashFileMissing(from.to_path_buf())),
        (Some(s), Some(d)) => {
            // Linked but not yet unlinked, or copied across devices but the source not yet
            // removed: the same bytes are at both. Anything else is someone else's file.
            let same = same_file(&s, &d)
                || (s.len() == d.len()
                    && hash_file(from).map_err(io_err(from))?
                        == hash_file(to).map_err(io_err(to))?);
            if !same {
                return Err(Error::DestinationTaken(to.to_path_buf()));
            }
            fs::remove_file(from).map_err(io_err(from))
        }
        (Some(_), None) => {
            let part = partial_of(to);
            let _ = fs::remove_file(&part);
            match fs::hard_link(from, to) {
                Ok(()) => fs::remove_file(from).map_err(io_err(from)),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    Err(Error::DestinationTaken(to.to_path_buf()))
                }
                Err(err) if err.kind() == io::ErrorKind::CrossesDevices => {
                    copy_across(from, to, &part, mtime_ns)
                }
                Err(_) => {
                    // No hard links here (some file systems): a rename, after checking.
                    if fs::symlink_metadata(to).is_ok() {
                        return Err(Error::DestinationTaken(to.to_path_buf()));
                    }
                    match fs::rename(from, to) {
                        Ok(()) => Ok(()),
                        Err(err) if err.kind() == io::ErrorKind::CrossesDevices => {
                            copy_across(from, to, &part, mtime_ns)
                        }
                        Err(err) => Err(io_err(from)(err)),
                    }
                }
            }
        }
    }
}

/// Copy to `part`, fsync, keep the times and permissions, read back and compare, link into
/// place at `to` (never replacing), then remove `from`.
fn copy_across(from: &Path, to: &Path, part: &Path, mtime_ns: i64) -> Result<()> {
    let meta = fs::metadata(from).map_err(io_err(from))?;
    let mut src = File::open(from).map_err(io_err(from))?;
    let mut out = File::create_new(part).map_err(io_err(part))?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = src.read(&mut buf).map_err(io_err(from))?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        h.update(chunk);
        out.write_all(chunk).map_err(io_err(part))?;
    }
    let mtime = std::time::UNIX_EPOCH
        + std::time::Duration::from_nanos(u64::try_from(mtime_ns).unwrap_or(0));
    let mut times = fs::FileTimes::new().set_modified(mtime);
    if let Ok(a) = meta.accessed() {
        times = times.set_accessed(a);
    }
    out.set_times(times).map_err(io_err(part))?;
    out.set_permissions(meta.permissions())
        .map_err(io_err(part))?;
    out.sync_all().map_err(io_err(part))?;
    drop(out);
    if hash_file(part).map_err(io_err(part))? != h.finalize() {
        let _ = fs::remove_file(part);
        return Err(Error::Io {
            path: part.to_path_buf(),
            source: io::Error::other("the copy does not read back as the original"),
        });
    }
    match fs::hard_link(part, to) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            let _ = fs::remove_file(part);
            return Err(Error::DestinationTaken(to.to_path_buf()));
        }
        Err(_) => {
            if fs::symlink_metadata(to).is_ok() {
                let _ = fs::remove_file(part);
                return Err(Error::DestinationTaken(to.to_path_buf()));
            }
            fs::rename(part, to).map_err(io_err(part))?;
        }
    }
    let _ = fs::remove_file(part);
    if let Some(d) = to.parent() {
        sync_dir(d)?;
    }
    fs::remove_file(from).map_err(io_err(from))?;
    if let Some(d) = from.parent() {
        sync_dir(d)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_never_replace_and_resume() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        fs::write(&a, b"one").unwrap();
        fs::write(&b, b"two").unwrap();
        assert!(matches!(
            move_file(&a, &b, 0),
            Err(Error::DestinationTaken(_))
        ));
        assert_eq!(fs::read(&a).unwrap(), b"one");
        assert_eq!(fs::read(&b).unwrap(), b"two");
        // Interrupted between the link and the unlink: finished.
        fs::remove_file(&b).unwrap();
        fs::hard_link(&a, &b).unwrap();
        move_file(&a, &b, 0).unwrap();
        assert!(!a.exists());
        assert_eq!(fs::read(&b).unwrap(), b"one");
        // Done already: nothing to do.
        move_file(&a, &b, 0).unwrap();
        // A copy across devices that finished before the source was removed.
        fs::write(&a, b"one").unwrap();
        move_file(&a, &b, 0).unwrap();
        assert!(!a.exists());
        // Nothing anywhere: an error, not a success.
        fs::remove_file(&b).unwrap();
        assert!(matches!(
            move_file(&a, &b, 0),
            Err(Error::TrashFileMissing(_))
        ));
    }

    #[test]
    fn a_copy_keeps_bytes_and_times() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        fs::write(&a, vec![7u8; 200_000]).unwrap();
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_nanos(1_600_000_000_123_456_789);
        File::options()
            .write(true)
            .open(&a)
            .unwrap()
            .set_modified(t)
            .unwrap();
        let ns = Stat::of(&fs::metadata(&a).unwrap()).mtime_ns;
        copy_across(&a, &b, &partial_of(&b), ns).unwrap();
        assert!(!a.exists() && !partial_of(&b).exists());
        assert_eq!(fs::read(&b).unwrap(), vec![7u8; 200_000]);
        assert_eq!(Stat::of(&fs::metadata(&b).unwrap()).mtime_ns, ns);
    }

    #[test]
    fn the_default_trash_is_beside_the_index() {
        assert_eq!(
            default_trash_dir(Path::new("/data/index.db")),
            PathBuf::from("/data/index.trash")
        );
    }
}
