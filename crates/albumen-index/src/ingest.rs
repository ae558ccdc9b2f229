//! What a scan hands the index, and how: the boundary between the walk (the `albumen-scan`
//! crate: listing folders, comparing, reading files) and the store (this crate: the rows).
//!
//! [`Index::ingest`](crate::Index::ingest) does the database's part of a scan: the scan lock, the library, roots and
//! run rows, the folders the index knows ([`KnownDir`]), a writer thread that turns the walk's
//! [`IndexUpdate`]s into rows in large transactions, a [`DirReader`] for a folder's rows, and
//! after the walk the finishing steps (folders gone, moves, re-downloads, pairs, counts, the
//! run's totals) that make the [`ScanReport`](crate::ScanReport). The walk itself is the caller's closure.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};

use crate::db::{Connection, OpenFlags};
use crate::files::Stat;
use crate::record::Content;

/// Whether a new or changed file is recorded as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A file the index did not have.
    New,
    /// A file whose `stat` moved since the last scan.
    Changed,
}

/// A row to insert (new file) or update (changed file).
#[derive(Debug)]
pub struct FileRow {
    /// Existing row id for a changed file.
    pub id: Option<i64>,
    /// Its folder's path (bytes), shared by the rows of one folder.
    pub dir: Arc<Vec<u8>>,
    /// Its folder's path as text (lossy).
    pub dir_text: Arc<str>,
    /// Its name (bytes).
    pub name: Vec<u8>,
    /// Its absolute path.
    pub path: PathBuf,
    /// Its `stat` as listed.
    pub stat: Stat,
    /// What reading it gave (shared by the names of one hard-linked inode).
    pub content: Arc<Content>,
    /// New or changed.
    pub change: Change,
}

/// What the walk sends the writer, in order (a folder's fingerprint after its rows).
#[derive(Debug)]
pub enum IndexUpdate {
    /// A new or changed file's row.
    Upsert(Box<FileRow>),
    /// A file indexed earlier without a hash, hashed now.
    SetHash {
        /// Its row.
        id: i64,
        /// BLAKE3 of its bytes.
        hash: [u8; 32],
    },
    /// A file that is gone (its folder was listed completely and it was not there).
    Delete {
        /// Its row.
        id: i64,
    },
    /// The fingerprint of a folder's rows after this scan (`None`: unknown, clear it).
    DirFingerprint {
        /// The folder's path (bytes).
        dir: Arc<Vec<u8>>,
        /// The digest the walk computed from its listing, when the rows are exactly that.
        fingerprint: Option<[u8; 16]>,
    },
    /// A problem with a path that did not stop the scan.
    Error {
        /// The path.
        path: PathBuf,
        /// A short machine-readable reason (`permission-denied`, …).
        reason: &'static str,
        /// The message.
        detail: String,
    },
}

/// A known folder of the library (from `dirs`), with whether this walk listed it.
#[derive(Debug)]
pub struct KnownDir {
    /// Its row (`dirs.id`).
    pub id: i64,
    /// Set by the walk when it lists the folder (folders not listed are gone).
    pub visited: AtomicBool,
    /// The digest of the folder's rows as the last scan left them.
    pub fingerprint: Option<[u8; 16]>,
}

/// One row of `files` in a folder, as a rescan compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownFile {
    /// Its row.
    pub id: i64,
    /// Its name (bytes).
    pub name: Vec<u8>,
    /// Size recorded.
    pub size: i64,
    /// Modification time recorded (ns).
    pub mtime_ns: i64,
    /// Inode recorded (bit-for-bit, see [`crate::files::to_i64`]).
    pub inode: i64,
    /// Whether the row has a hash.
    pub has_hash: bool,
}

/// Counters of one walk, shared by its workers.
#[derive(Debug, Default)]
pub struct WalkCounts {
    /// Media files found.
    pub seen: AtomicU64,
    /// Files as indexed.
    pub unchanged: AtomicU64,
    /// Files new to the index.
    pub new: AtomicU64,
    /// Files changed since the last scan.
    pub changed: AtomicU64,
    /// Rows of files that are gone.
    pub deleted: AtomicU64,
    /// Files read.
    pub read: AtomicU64,
    /// Files whose content came from another name of the same inode.
    pub hard_link_reuse: AtomicU64,
    /// Files hashed.
    pub hashed: AtomicU64,
    /// Files that vanished while the walk looked at them.
    pub vanished: AtomicU64,
    /// Folders listed.
    pub dirs: AtomicU64,
    /// Entries skipped (system entries, symlinks not followed).
    pub skipped: AtomicU64,
}

/// What [`Index::ingest`](crate::Index::ingest) gives the walk.
pub struct WalkInput {
    /// The folders the index knows for this library, by path (bytes).
    pub known: HashMap<Vec<u8>, KnownDir>,
    /// Where the walk sends what it found (a bounded channel: the walk waits when the writer
    /// is behind).
    pub updates: SyncSender<IndexUpdate>,
    /// A folder's rows, for the walk's compare.
    pub rows: DirReader,
}

/// What the walk gives back to [`Index::ingest`](crate::Index::ingest).
pub struct WalkOutput {
    /// The known folders, with `visited` set for those listed.
    pub known: HashMap<Vec<u8>, KnownDir>,
    /// What the walk counted.
    pub counts: WalkCounts,
    /// Whether it stopped early (cancelled, or the writer failed): then nothing is deleted.
    pub cancelled: bool,
    /// Folders not listed completely (their rows are kept).
    pub incomplete: Vec<Vec<u8>>,
}

/// What [`Index::ingest`](crate::Index::ingest) needs to know of the scan's options.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Files are hashed (recorded with the run).
    pub hash: bool,
    /// Rows per transaction (at least 1).
    pub batch: usize,
    /// Set to stop the finishing's keyword backfill early.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// Read connections for a folder's rows during a walk (one per worker at a time, each holding one read
/// transaction for the whole walk).
pub struct DirReader {
    db_path: PathBuf,
    readers: Mutex<Vec<Connection>>,
}

impl DirReader {
    /// Readers of the index at `db_path` (a SQLite file or a PostgreSQL URL); connections are
    /// opened when first needed.
    pub fn new(db_path: PathBuf) -> Self {
        DirReader {
            db_path,
            readers: Mutex::new(Vec::new()),
        }
    }

    fn reader(&self) -> crate::db::Result<Connection> {
        if let Some(c) = self.readers.lock().ok().and_then(|mut v| v.pop()) {
            return Ok(c);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let c = Connection::open_with_flags(&self.db_path, flags)?;
        c.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )?;
        c.busy_timeout(std::time::Duration::from_secs(10))?;
        // One read transaction per connection for the whole walk instead of one per folder:
        // saves a lock/unlock and a WAL-index check per query. The snapshot is safe: rows of a
        // folder are only written after that folder's own query. Memory-mapped reads save a
        // `pread` per page.
        c.execute_batch("PRAGMA mmap_size = 268435456; BEGIN;")?;
        Ok(c)
    }

    /// What the index holds for a folder, sorted by name.
    pub fn known_rows(&self, dir_id: i64) -> crate::Result<Vec<KnownFile>> {
        let dberr = crate::index::db_err(&self.db_path);
        let conn = self.reader().map_err(&dberr)?;
        let rows = (|| {
            let mut st = conn.prepare_cached(
                "SELECT id, name, size, mtime_ns, inode, hash IS NOT NULL FROM files \
                 WHERE dir_id = ?1 ORDER BY name",
            )?;
            let rows = st.query_map([dir_id], |r| {
                Ok(KnownFile {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    size: r.get(2)?,
                    mtime_ns: r.get(3)?,
                    inode: r.get(4)?,
                    has_hash: r.get(5)?,
                })
            })?;
            rows.collect::<crate::db::Result<Vec<_>>>()
        })();
        if let Ok(mut v) = self.readers.lock() {
            v.push(conn);
        }
        rows.map_err(dberr)
    }
}

impl std::fmt::Debug for DirReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirReader")
            .field("db_path", &crate::db::shown(&self.db_path))
            .finish_non_exhaustive()
    }
}

pub(crate) fn load(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}
