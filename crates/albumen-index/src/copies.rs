//! What the copy operations of `albumen-backup` (export, sync, archive, verify) read from and
//! write to the index, as typed methods: the selection of a time range, a library's files with
//! their hashes, the rows an archive moves into another library, and a sync destination's own
//! record of what it wrote ([`SyncState`]). No SQL leaves this crate.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::db::{params, Connection, OpenFlags, OptionalExtension};
use crate::error::{DbError, Error, Result};
use crate::files::{to_i64, Stat};
use crate::index::{db_err, u64_of, Index};
use crate::pairs::path_of;

/// One indexed file, as a copy of it is planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedFile {
    /// Its row id (`files.id`).
    pub id: i64,
    /// Its absolute path.
    pub path: PathBuf,
    /// Its name (the last component's bytes).
    pub name: Vec<u8>,
    /// Its folder's row id (`dirs.id`): files of one folder share it.
    pub dir_id: i64,
    /// Size recorded by the last scan.
    pub size: u64,
    /// Modification time recorded by the last scan (ns since the epoch).
    pub mtime_ns: i64,
}

/// An item whose stored local capture time falls in a text range, with the files that go with
/// it (a Live Photo's video, a stack's other members).
#[derive(Debug, Clone)]
pub struct RangeItem {
    /// The stored local capture time (`YYYY-MM-DDTHH:MM:SS[.f]`).
    pub time_local: String,
    /// The item's own file.
    pub file: IndexedFile,
    /// Files paired with it, in path order, each with whether it is a stack member (`true`) or
    /// a Live Photo video (`false`).
    pub members: Vec<(IndexedFile, bool)>,
}

/// One file of a library with what a backup check compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryFile {
    /// Its absolute path.
    pub path: PathBuf,
    /// Size recorded by the last scan.
    pub size: u64,
    /// BLAKE3 of its bytes, when the scan hashed it.
    pub hash: Option<[u8; 32]>,
}

/// A file's row that an archive moves (or copies) into another library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowMove {
    /// The row (`files.id`) in the library the file leaves.
    pub file_id: i64,
    /// Where the file is now, in the archive's tree (its `stat` is recorded).
    pub dest: PathBuf,
    /// The source was kept: the archive library gets a row of its own, the old row stays.
    pub keep: bool,
}

/// What [`Index::move_rows`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowsMoved {
    /// The archive library's id (made when it did not exist).
    pub library_id: i64,
    /// Rows moved into it.
    pub moved: u64,
    /// Rows added to it for files whose source stayed.
    pub copied: u64,
}

const FILE_COLUMNS: &str = "f.id, f.path, f.name, f.dir_id, f.size, f.mtime_ns";

/// Every column of `files` but `id`, `library_id`, `dir_id` and `name`, in table order: what
/// an archive's copy of a row takes over (a test holds it to the schema, migrations included).
const FILE_REST: &str = "path, path_text, size, mtime_ns, dev, inode, nlink, format, kind, \
     capture_kind, capture_local, capture_utc, capture_offset_s, capture_source, lat, lon, alt, \
     make, model, lens, content_id, burst_id, width, height, orientation, duration_s, \
     motion_photo, rating, bytes_read, time_utc, time_local, time_offset_s, time_zone, \
     time_source, time_confidence, hash, error_reason, error, first_run, read_run, \
     redownload_of, map_cell, map_x, map_y, map_z";

fn file_at(r: &crate::db::Row<'_>, at: usize) -> crate::db::Result<IndexedFile> {
    Ok(IndexedFile {
        id: r.get(at)?,
        path: path_of(r.get(at + 1)?),
        name: r.get(at + 2)?,
        dir_id: r.get(at + 3)?,
        size: u64_of(r.get(at + 4)?),
        mtime_ns: r.get(at + 5)?,
    })
}

impl Index {
    /// How many items of a library have no known capture time.
    pub fn untimed_items(&self, library_id: i64) -> Result<u64> {
        let n: i64 = self
            .connection()
            .query_row(
                "SELECT count(*) FROM items WHERE library_id = ?1 AND time_local IS NULL",
                [library_id],
                |r| r.get(0),
            )
            .map_err(db_err(self.path()))?;
        Ok(u64_of(n))
    }

    /// The items of a library whose stored local time is in `from..to` compared as text (the
    /// stored form sorts as text; the caller parses and decides), in time and path order, each
    /// with its paired files.
    pub fn items_in_local_range(
        &self,
        library_id: i64,
        from: &str,
        to: &str,
    ) -> Result<Vec<RangeItem>> {
        let c = self.connection();
        let dberr = db_err(self.path());
        let mut st = c
            .prepare(&format!(
                "SELECT i.time_local, {FILE_COLUMNS} FROM items i JOIN files f ON f.id = i.file_id \
                 WHERE i.library_id = ?1 AND i.time_local >= ?2 AND i.time_local < ?3 \
                 ORDER BY i.time_local, f.path"
            ))
            .map_err(&dberr)?;
        let mut members = c
            .prepare(&format!(
                "SELECT {FILE_COLUMNS}, p.method LIKE 'stack-%' FROM pairs p \
                 JOIN files f ON f.id = p.video_file_id WHERE p.still_file_id = ?1 \
                 ORDER BY f.path"
            ))
            .map_err(&dberr)?;
        let mut out = Vec::new();
        let mut rows = st.query(params![library_id, from, to]).map_err(&dberr)?;
        while let Some(r) = rows.next().map_err(&dberr)? {
            let time_local: String = r.get(0).map_err(&dberr)?;
            let file = file_at(&r, 1).map_err(&dberr)?;
            let members = members
                .query_map([file.id], |r| Ok((file_at(r, 0)?, r.get::<_, bool>(6)?)))
                .map_err(&dberr)?
                .collect::<crate::db::Result<Vec<_>>>()
                .map_err(&dberr)?;
            out.push(RangeItem {
                time_local,
                file,
                members,
            });
        }
        Ok(out)
    }

    /// The stills a Live Photo video is paired with (more than one when an edited copy of the
    /// still is paired too).
    pub fn stills_of_video(&self, video_file_id: i64) -> Result<Vec<i64>> {
        let dberr = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached("SELECT still_file_id FROM pairs WHERE video_file_id = ?1")
            .map_err(&dberr)?;
        let rows = st
            .query_map([video_file_id], |r| r.get::<_, i64>(0))
            .map_err(&dberr)?;
        rows.collect::<crate::db::Result<Vec<_>>>().map_err(&dberr)
    }

    /// The indexed files of one folder: id and name.
    pub fn files_in_dir(&self, dir_id: i64) -> Result<Vec<(i64, Vec<u8>)>> {
        let dberr = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached("SELECT id, name FROM files WHERE dir_id = ?1")
            .map_err(&dberr)?;
        let rows = st
            .query_map([dir_id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(&dberr)?;
        rows.collect::<crate::db::Result<Vec<_>>>().map_err(&dberr)
    }

    /// Every file of a library in path order, with size and hash.
    pub fn library_files(&self, library_id: i64) -> Result<Vec<LibraryFile>> {
        let dberr = db_err(self.path());
        let mut st = self
            .connection()
            .prepare("SELECT path, size, hash FROM files WHERE library_id = ?1 ORDER BY path")
            .map_err(&dberr)?;
        let rows = st
            .query_map([library_id], |r| {
                let hash: Option<Vec<u8>> = r.get(2)?;
                Ok(LibraryFile {
                    path: path_of(r.get(0)?),
                    size: u64_of(r.get(1)?),
                    hash: hash.and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok()),
                })
            })
            .map_err(&dberr)?;
        rows.collect::<crate::db::Result<Vec<_>>>().map_err(&dberr)
    }

    /// The BLAKE3 hash a scan recorded for a file (`None`: not hashed, or no such row).
    pub fn file_hash(&self, file_id: i64) -> Result<Option<[u8; 32]>> {
        let h: Option<Option<Vec<u8>>> = self
            .connection()
            .query_row("SELECT hash FROM files WHERE id = ?1", [file_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err(self.path()))?;
        Ok(h.flatten()
            .and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok()))
    }

    /// Moves (or, for `keep`, copies) the rows of archived files from library `from_id` into
    /// the library named `to_name` (made, with `dest_root` as a root, when needed), recording
    /// each file's `stat` at its new place; then rebuilds both libraries' pairs and counts. One
    /// transaction: all of it or nothing. Files no longer at their destination, or rows no
    /// longer in `from_id` (moved by a run that committed), are passed over.
    pub fn move_rows(
        &self,
        from_id: i64,
        to_name: &str,
        dest_root: &Path,
        moves: &[RowMove],
    ) -> Result<RowsMoved> {
        let dberr = db_err(self.path());
        let tx = self.connection().unchecked_transaction().map_err(&dberr)?;
        let done = apply(&tx, from_id, to_name, dest_root, moves).map_err(&dberr)?;
        tx.commit().map_err(&dberr)?;
        Ok(done)
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
    let covered = roots.into_iter().any(|r| dest.starts_with(path_of(r)));
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

fn apply(
    c: &Connection,
    from_id: i64,
    to_name: &str,
    dest_root: &Path,
    moves: &[RowMove],
) -> crate::db::Result<RowsMoved> {
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
        let new_dir = crate::trash::dir_row(c, to_id, dir)?;
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
                    // The copy's own library, folder and name: (dir_id, name) is unique, and
                    // the original keeps its own. The other columns as they are (the file's
                    // `stat` is set below).
                    c.prepare_cached(&format!(
                        "INSERT INTO files (library_id, dir_id, name, {FILE_REST}) \
                         SELECT ?2, ?3, ?4, {FILE_REST} FROM files WHERE id = ?1"
                    ))?
                    .execute(params![m.file_id, to_id, new_dir, name])?;
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
    Ok(RowsMoved {
        library_id: to_id,
        moved,
        copied,
    })
}

/// What a sync wrote at its destination and from what: one [`SyncRecord`] per file, keyed by
/// the path relative to the destination. Kept in a small SQLite file of the destination's own
/// (it travels with the copy, whatever engine the index is on).
#[derive(Debug)]
pub struct SyncState {
    conn: Connection,
    path: PathBuf,
}

/// One file a sync wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRecord {
    /// The copy's size, modification time (ns) and inode when written.
    pub size: u64,
    /// See `size`.
    pub mtime_ns: i64,
    /// See `size`.
    pub inode: u64,
    /// BLAKE3 of the copy.
    pub hash: [u8; 32],
    /// The source's path (bytes).
    pub source: Vec<u8>,
    /// The source's `stat` when it was copied.
    pub src: SourceStamp,
}

/// A source's `stat` as far as changes go: size, mtime, inode and ctime (an in-place edit that
/// restores the mtime still moves the ctime).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i64,
    /// Inode number.
    pub inode: u64,
    /// Status-change time, ns since the epoch (0 where the platform has none).
    pub ctime_ns: i64,
}

const SYNC_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS synced (
  rel          BLOB PRIMARY KEY,
  size         INTEGER NOT NULL,
  mtime_ns     INTEGER NOT NULL,
  inode        INTEGER NOT NULL,
  hash         BLOB NOT NULL,
  source       BLOB NOT NULL,
  src_size     INTEGER NOT NULL,
  src_mtime_ns INTEGER NOT NULL,
  src_inode    INTEGER NOT NULL,
  src_ctime_ns INTEGER NOT NULL
);";

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl SyncState {
    /// Opens the state file at `path` (created unless `read_only`; a read-only open of a
    /// missing file gives an empty state in memory, as a dry run needs).
    pub fn open(path: &Path, read_only: bool) -> Result<SyncState> {
        let path = path.to_path_buf();
        let dberr = |source| Error::Db {
            path: path.clone(),
            source: DbError(source),
        };
        let conn = if read_only {
            if path.is_file() {
                // `immutable`: a read-only open of a WAL database would otherwise leave its
                // `-wal` and `-shm` files behind, and a dry run writes nothing. (A WAL left by
                // a killed sync is then not read: those files are compared by bytes instead.)
                match path.to_str() {
                    Some(p) => {
                        let uri = format!(
                            "file:{}?immutable=1",
                            p.replace('%', "%25")
                                .replace('?', "%3f")
                                .replace('#', "%23")
                        );
                        Connection::open_with_flags(
                            uri,
                            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
                        )
                    }
                    None => Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY),
                }
                .map_err(dberr)?
            } else {
                let c = Connection::open_in_memory().map_err(dberr)?;
                c.execute_batch(SYNC_SCHEMA).map_err(dberr)?;
                c
            }
        } else {
            let c = Connection::open(&path).map_err(dberr)?;
            // WAL with NORMAL sync: a record lost to a power cut is recovered by comparing
            // bytes (the copy is adopted), so each record need not be fsynced on its own.
            c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
                .map_err(dberr)?;
            c.execute_batch(SYNC_SCHEMA).map_err(dberr)?;
            c
        };
        Ok(SyncState { conn, path })
    }

    fn err(&self) -> impl Fn(crate::db::Error) -> Error + '_ {
        move |source| Error::Db {
            path: self.path.clone(),
            source: DbError(source),
        }
    }

    /// Every record, by path relative to the destination.
    pub fn load(&self) -> Result<HashMap<Vec<u8>, SyncRecord>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT rel, size, mtime_ns, inode, hash, source, src_size, src_mtime_ns, \
                 src_inode, src_ctime_ns FROM synced",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| {
                let hash: Vec<u8> = r.get(4)?;
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    SyncRecord {
                        size: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        mtime_ns: r.get(2)?,
                        inode: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                        hash: hash.try_into().unwrap_or([0; 32]),
                        source: r.get(5)?,
                        src: SourceStamp {
                            size: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                            mtime_ns: r.get(7)?,
                            inode: u64::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
                            ctime_ns: r.get(9)?,
                        },
                    },
                ))
            })
            .map_err(self.err())?;
        let mut out = HashMap::new();
        for row in rows {
            let (rel, rec) = row.map_err(self.err())?;
            out.insert(rel, rec);
        }
        Ok(out)
    }

    /// Records (or replaces) the record of `rel`.
    pub fn put(&self, rel: &[u8], r: &SyncRecord) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO synced (rel, size, mtime_ns, inode, hash, source, \
                 src_size, src_mtime_ns, src_inode, src_ctime_ns) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    rel,
                    i64_of(r.size),
                    r.mtime_ns,
                    i64_of(r.inode),
                    &r.hash[..],
                    r.source,
                    i64_of(r.src.size),
                    r.src.mtime_ns,
                    i64_of(r.src.inode),
                    r.src.ctime_ns
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Forgets the record of `rel`.
    pub fn remove(&self, rel: &[u8]) -> Result<()> {
        self.conn
            .execute("DELETE FROM synced WHERE rel = ?1", [rel])
            .map_err(self.err())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copied_columns_are_every_column_of_files() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(dir.path().join("i.db")).unwrap();
        let mut st = index
            .connection()
            .prepare("SELECT name FROM pragma_table_info('files') ORDER BY cid")
            .unwrap();
        let names: Vec<String> = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<crate::db::Result<_>>()
            .unwrap();
        let mut want = vec!["id", "library_id", "dir_id", "name"];
        want.extend(FILE_REST.split(',').map(str::trim));
        assert_eq!(names, want);
    }
}
