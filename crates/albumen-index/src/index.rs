//! [`Index`]: the database, and a scan from start to finish.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use crate::db::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ingest::{load, DirReader, IngestOptions, KnownDir, WalkInput, WalkOutput};
use crate::progress::Progress;
use crate::schema::{MIGRATIONS, PRAGMAS, SCHEMA, SCHEMA_VERSION};
use crate::writer::{Writer, SAVE_GONE, UNPAIR};

/// The default database path: `$XDG_DATA_HOME/albumen/index.db`, else
/// `$HOME/.local/share/albumen/index.db` (never inside the photo folders).
pub fn default_db_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("albumen").join("index.db"))
}

/// The outcome of one scan of one library.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct ScanReport {
    /// `scan_runs.id` of this scan.
    pub run_id: i64,
    /// Library name.
    pub library: String,
    /// Roots scanned (absolute).
    pub roots: Vec<String>,
    /// Whether the walk ran to the end (false: cancelled; deletions were not applied).
    pub complete: bool,
    /// Media files found.
    pub seen: u64,
    /// Files whose size, mtime and inode matched the index: not read.
    pub unchanged: u64,
    /// Files not in the index before.
    pub new: u64,
    /// Files whose size, mtime or inode changed: read again.
    pub changed: u64,
    /// New paths whose content is a deleted path's (same device+inode+size+mtime, or same
    /// hash): counted here rather than as new + deleted.
    pub moved: u64,
    /// Files gone since the last scan.
    pub deleted: u64,
    /// New paths holding an asset the library already had under another name (same hash, or
    /// [`SAME_ASSET`]), the earlier file still there: a re-download (icloudpd fetches an asset
    /// again when its metadata or the folder structure changes). Counted here rather than as
    /// new; `files.redownload_of` names the earlier row, `changes` says `redownload`. Only on
    /// rescans (a library's first scan has nothing earlier).
    pub redownloads: u64,
    /// Files actually read (metadata), hard links counted once.
    pub read: u64,
    /// Paths whose content was taken from another hard link to the same inode read in this scan.
    pub hard_link_reuse: u64,
    /// Files hashed.
    pub hashed: u64,
    /// Files that vanished between the listing and the read.
    pub vanished: u64,
    /// Folders listed.
    pub dirs: u64,
    /// Entries skipped by the skip list, hidden entries and symlinks not followed.
    pub skipped: u64,
    /// Problems of this scan by reason: walk problems (`permission-denied`, `vanished`,
    /// `symlink-loop`, ...) and metadata read failures of the files read (`unknown-format`,
    /// `malformed`, ...).
    pub errors: BTreeMap<String, u64>,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
    /// The library as it stands after the scan.
    pub summary: Summary,
    /// Interrupted trash moves finished before the walk ([`Index::finish_trash`]): a scan
    /// never takes a file half-way to (or back from) the trash for a new one. Items that could
    /// not be finished are listed with why; their files stay where they are, and the rows a
    /// scan makes for them are dropped when the move is finished.
    pub trash_recovery: crate::trash::TrashRecovery,
}

/// What a library holds.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Rows in `files`.
    pub files: u64,
    /// Items by kind (`photo`, `raw`, `video`, `motion-photo`, `live-photo`).
    pub items: BTreeMap<String, u64>,
    /// Rows in `pairs` (Live Photo still + video, paired by `albumen-live`).
    pub pairs: u64,
    /// What else the pairing found: `orphan-stills` (a content identifier no video has),
    /// `orphan-videos`, `conflicts` (one identifier on files that cannot all be paired),
    /// `stacks` (RAW+JPEG twins, edited versions, bursts: each one item).
    pub pairing: BTreeMap<String, u64>,
    /// Files whose metadata could not be read, by reason.
    pub errors: BTreeMap<String, u64>,
}

/// Rows (and folder messages) queued between the walk and the database writer: the walk
/// waits when the writer is this far behind, so a scan's memory does not grow with the tree.
pub const WRITER_QUEUE: usize = 1024;

/// A held scan or trash lock (see `Index::scan_lock`), released when dropped.
pub(crate) enum Held {
    File(#[allow(dead_code)] fs::File),
    Db(#[allow(dead_code)] Connection),
}

/// The index database.
#[derive(Debug)]
pub struct Index {
    conn: Connection,
    path: PathBuf,
}

pub(crate) fn db_err(path: &Path) -> impl Fn(crate::db::Error) -> Error + '_ {
    move |source| Error::Db {
        path: path.to_path_buf(),
        source: crate::error::DbError(source),
    }
}

/// Whether SQLite said the database is busy or locked (another connection is writing).
fn is_busy(e: &crate::db::Error) -> bool {
    matches!(
        e.sqlite_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

pub(crate) fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl Index {
    /// Opens (creating if needed) the index database at `path`, creating its folder too.
    pub fn open(path: impl AsRef<Path>) -> Result<Index> {
        let path = path.as_ref();
        // Opening creates or completes the schema, one statement at a time. In WAL mode a
        // statement that read the schema and then must write finds the database busy at once
        // (SQLITE_BUSY_SNAPSHOT: the busy timeout does not apply) when another process — a scan
        // that began a moment earlier, or the server — committed in between; seen with two
        // scans started 30 ms apart on a new index. Every step is idempotent, so the whole
        // open is tried again for up to 30 s.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match Self::open_once(path) {
                Err(Error::Db { source, .. })
                    if is_busy(&source.0) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Index> {
        let path = path.to_path_buf();
        let pg = crate::db::is_url(&path);
        if let Some(parent) = path.parent().filter(|p| !pg && !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(&path).map_err(db_err(&path))?;
        // Closing the last connection would checkpoint the WAL into the database with an fsync
        // (~10-20 ms, as long as the whole rescan of a 20k-file tree). SQLite checkpoints on
        // its own as the WAL grows (every 1000 pages), so skip the one on close.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .map_err(db_err(&path))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db_err(&path))?;
        conn.execute_batch(PRAGMAS).map_err(db_err(&path))?;
        if pg {
            // One transaction, one maker at a time: a PostgreSQL index is made whole or not at
            // all, and two scans starting together do not make it twice.
            let tx = conn.unchecked_transaction().map_err(db_err(&path))?;
            tx.execute_batch("SELECT pg_advisory_xact_lock(7307001)")
                .map_err(db_err(&path))?;
            Self::schema(&tx, &path)?;
            tx.commit().map_err(db_err(&path))?;
        } else {
            Self::schema(&conn, &path)?;
        }
        Ok(Index { conn, path })
    }

    /// Makes or completes the schema of the database on `conn`.
    fn schema(conn: &Connection, path: &Path) -> Result<()> {
        let path = path.to_path_buf();
        let no_meta = conn.is_pg()
            && conn
                .query_row("SELECT to_regclass('meta') IS NULL", [], |r| {
                    r.get::<_, bool>(0)
                })
                .map_err(db_err(&path))?;
        let version: Option<String> = if no_meta {
            Ok(None)
        } else {
            conn.query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .or_else(|e| match e {
                // No `meta` table yet: a new database.
                crate::db::Error::Lite(rusqlite::Error::SqliteFailure(_, _)) => Ok(None),
                e => Err(e),
            })
        }
        .map_err(db_err(&path))?;
        match version.map(|v| v.parse::<i64>().unwrap_or(i64::MAX)) {
            // PostgreSQL: made whole by this build's schema in one transaction (and brought to
            // this build's way of making it there).
            Some(v) if v == SCHEMA_VERSION && conn.is_pg() => {
                return pg_layout(conn).map_err(db_err(&path));
            }
            Some(v) if v == SCHEMA_VERSION => {}
            Some(found) if (1..SCHEMA_VERSION).contains(&found) => {
                migrate(conn, found).map_err(db_err(&path))?;
            }
            Some(found) => {
                return Err(Error::SchemaVersion {
                    path,
                    found,
                    expected: SCHEMA_VERSION,
                })
            }
            None => {
                conn.execute_batch(SCHEMA).map_err(db_err(&path))?;
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
                    [SCHEMA_VERSION.to_string()],
                )
                .map_err(db_err(&path))?;
                if conn.is_pg() {
                    conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('pg_layout', ?1)",
                        [PG_LAYOUT],
                    )
                    .map_err(db_err(&path))?;
                }
            }
        }
        // Users, grants and sessions (the web page): added to any index that lacks them.
        conn.execute_batch(crate::users::AUTH_SCHEMA)
            .map_err(db_err(&path))?;
        // Additive tables (vision text and full-text search), on old databases too.
        conn.execute_batch(crate::search::SEARCH_SCHEMA)
            .map_err(db_err(&path))?;
        if conn.is_pg() {
            // Substring search over the search texts on a trigram index, when the server has
            // `pg_trgm` and the user may add it (else a scan of the texts, still correct).
            if let Ok(sp) = conn.unchecked_transaction() {
                if sp
                    .execute_batch(
                        "CREATE EXTENSION IF NOT EXISTS pg_trgm;
                         CREATE INDEX IF NOT EXISTS search_fts_trgm ON search_fts
                           USING gin (body gin_trgm_ops)",
                    )
                    .is_ok()
                {
                    let _ = sp.commit();
                }
            }
        }
        // Faces, people and tags (the vision pass), likewise.
        conn.execute_batch(crate::people::PEOPLE_SCHEMA)
            .map_err(db_err(&path))?;
        // Keywords (and search rows keyed by file id), on old databases too.
        crate::keywords::create(conn).map_err(db_err(&path))?;
        // The web page's undo history.
        conn.execute_batch(crate::undo::UNDO_SCHEMA)
            .map_err(db_err(&path))?;
        crate::keywords::key_search_rows(conn).map_err(db_err(&path))?;
        // Verify runs (`albumen verify`), on old databases too.
        conn.execute_batch(crate::verify_log::VERIFY_SCHEMA)
            .map_err(db_err(&path))?;
        // Previews and perceptual hashes (`scan --previews`), on old databases too.
        conn.execute_batch(crate::previews::PREVIEW_SCHEMA)
            .map_err(db_err(&path))?;
        // Image embeddings for "more like this" (`scan --vision`), on old databases too.
        conn.execute_batch(crate::embeddings::EMBEDDINGS_SCHEMA)
            .map_err(db_err(&path))?;
        // Items per day, kept by triggers (filled once on an older index).
        crate::days::create(conn).map_err(db_err(&path))?;
        // Map cells, kept by triggers (columns and table filled once on an older index).
        crate::maps::create(conn).map_err(db_err(&path))?;
        // Albums, share links and the trash's journal (the web page), on old databases too.
        conn.execute_batch(crate::albums::ALBUMS_SCHEMA)
            .map_err(db_err(&path))?;
        conn.execute_batch(crate::trash::TRASH_SCHEMA)
            .map_err(db_err(&path))?;
        // Per-user favourites and hidden people (schema step 3; new databases too).
        conn.execute_batch(crate::favorites::FAVORITES_SCHEMA)
            .map_err(db_err(&path))?;
        // Failed logins and link guesses (schema step 5; new databases too).
        conn.execute_batch(crate::throttle::THROTTLE_SCHEMA)
            .map_err(db_err(&path))?;
        Ok(())
    }

    pub(crate) fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SQLite connection. Only this crate speaks SQL: everything above it calls typed
    /// methods (the storage boundary; see ARCHITECTURE.md).
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    fn library_id(&self, name: &str) -> Result<Option<i64>> {
        self.conn
            .query_row("SELECT id FROM libraries WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err(&self.path))
    }

    /// Items per day of the library with id `library_id` (`libraries.id`), newest day first,
    /// items without a date last: read from the `day_counts` table, which the database's
    /// triggers keep equal to the rows (a Live Photo counts once, on its still's day).
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// let index = albumen_index::Index::open(dir.path().join("index.db")).unwrap();
    /// assert!(index.day_counts(1).unwrap().is_empty());
    /// ```
    pub fn day_counts(&self, library_id: i64) -> Result<Vec<crate::DayCount>> {
        crate::days::day_counts(&self.conn, library_id).map_err(db_err(&self.path))
    }

    /// The non-empty map cells of a library at H3 resolution `res`, read from the `map_cells`
    /// table the database keeps; `None` when `res` is finer than [`crate::MAP_RES_MAX`]. An item
    /// is a located file that is not the video of a Live Photo pair; positions at (0, 0) or out
    /// of range are left out, as [`albumen_geo::ClusterIndex`] leaves them out.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let index = albumen_index::Index::open(dir.path().join("i.db")).unwrap();
    /// assert_eq!(index.map_cells(1, 3).unwrap(), Some(vec![]));
    /// assert_eq!(index.map_cells(1, albumen_index::MAP_RES_MAX + 1).unwrap(), None);
    /// ```
    pub fn map_cells(&self, library_id: i64, res: u8) -> Result<Option<Vec<crate::MapCell>>> {
        crate::maps::map_cells(&self.conn, library_id, res).map_err(db_err(&self.path))
    }

    /// (file id, lat, lon) of the items of a library inside the H3 cells `cells` (ids of any
    /// resolution up to [`albumen_geo::FINE_RESOLUTION`]), in id order: the points to cluster
    /// for a part of the map.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let index = albumen_index::Index::open(dir.path().join("i.db")).unwrap();
    /// assert!(index.map_cell_points(1, &[0x8001fffffffffff]).unwrap().is_empty());
    /// ```
    pub fn map_cell_points(&self, library_id: i64, cells: &[u64]) -> Result<Vec<(i64, f64, f64)>> {
        crate::maps::cell_points(&self.conn, library_id, cells).map_err(db_err(&self.path))
    }

    /// Up to `limit` items (file ids) of a library inside H3 cell `cell` (any resolution up to
    /// [`albumen_geo::FINE_RESOLUTION`]), least fine cell then id first (so the first is the
    /// cluster's representative as [`albumen_geo::ClusterIndex`] picks it), and how many there
    /// are in all when `count` (else the number returned).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let index = albumen_index::Index::open(dir.path().join("i.db")).unwrap();
    /// let cell = 0x8001fffffffffff; // base cell 0 at resolution 0
    /// assert_eq!(index.map_cell_items(1, cell, 10, true).unwrap(), (vec![], 0));
    /// ```
    pub fn map_cell_items(
        &self,
        library_id: i64,
        cell: u64,
        limit: usize,
        count: bool,
    ) -> Result<(Vec<i64>, u64)> {
        crate::maps::cell_items(&self.conn, library_id, cell, limit, count)
            .map_err(db_err(&self.path))
    }

    /// What a library holds now.
    pub fn summary(&self, library: &str) -> Result<Summary> {
        let id = self
            .library_id(library)?
            .ok_or_else(|| Error::NoSuchLibrary(library.to_string()))?;
        self.summary_of(id).map_err(db_err(&self.path))
    }

    /// Reads the summary cached in `library_stats` (kept current by every scan that changed
    /// something), so that a rescan of an unchanged tree does not count 100k rows.
    fn summary_of(&self, library_id: i64) -> crate::db::Result<Summary> {
        let mut s = Summary::default();
        let mut st = self
            .conn
            .prepare_cached("SELECT what, key, n FROM library_stats WHERE library_id = ?1")?;
        let rows = st.query_map([library_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (what, key, n) = row?;
            let n = u64_of(n);
            match what.as_str() {
                "files" => s.files = n,
                "pairs" => s.pairs = n,
                "item" => {
                    s.items.insert(key, n);
                }
                "error" => {
                    s.errors.insert(key, n);
                }
                "pairing" => {
                    s.pairing.insert(key, n);
                }
                _ => {}
            }
        }
        Ok(s)
    }

    /// PostgreSQL: a session advisory lock named by `what`, on a connection of its own that
    /// holds it until dropped (also when the process dies); `None` when `wait` is false and
    /// another session holds it.
    pub(crate) fn advisory_lock(&self, what: &str, wait: bool) -> Result<Option<Connection>> {
        let c = Connection::open(&self.path).map_err(db_err(&self.path))?;
        let key = crate::db::key_of(what);
        let got: bool = if wait {
            c.execute_batch(&format!("SELECT pg_advisory_lock({key})"))
                .map_err(db_err(&self.path))?;
            true
        } else {
            c.query_row("SELECT pg_try_advisory_lock(?1)", [key], |r| r.get(0))
                .map_err(db_err(&self.path))?
        };
        Ok(got.then_some(c))
    }

    /// Takes the index's scan lock (an exclusive `flock` on `DB.scan-lock`, released when the
    /// returned file is dropped, also when the process dies), or says that another scan holds it.
    /// A separate file, not the database: SQLite's own POSIX locks on the database would be
    /// dropped when any other descriptor of that file is closed.
    ///
    /// On PostgreSQL the lock is per library (scans of different libraries, from any hosts, run
    /// at once): a session advisory lock on a connection of its own, released when the
    /// returned value is dropped or the process dies.
    fn scan_lock(&self, library: &str) -> Result<Held> {
        if self.conn.is_pg() {
            return match self.advisory_lock(&format!("scan {library}"), false)? {
                Some(c) => Ok(Held::Db(c)),
                None => Err(Error::ScanBusy(self.path.clone())),
            };
        }
        let mut name = self.path.clone().into_os_string();
        name.push(".scan-lock");
        let path = PathBuf::from(name);
        let f = fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
                    Error::IndexReadOnly {
                        db: self.path.clone(),
                        source,
                    }
                }
                _ => Error::Io {
                    path: path.clone(),
                    source,
                },
            })?;
        match f.try_lock() {
            Ok(()) => Ok(Held::File(f)),
            Err(fs::TryLockError::WouldBlock) => Err(Error::ScanBusy(self.path.clone())),
            Err(fs::TryLockError::Error(source)) => Err(Error::Io { path, source }),
        }
    }

    /// The database's part of a scan of `roots` (absolute, as the walk will see them) into
    /// the library `library` (created on first use): takes the scan lock, finishes a killed
    /// trash, records the run, hands `walk` the known folders, a channel to a writer thread and
    /// a [`DirReader`](crate::DirReader), and once it returns finishes the run (folders gone,
    /// moves, re-downloads, pairs, counts). `albumen-scan` provides the walk; see
    /// [`crate::ingest`].
    pub fn ingest(
        &mut self,
        library: &str,
        roots: &[PathBuf],
        opts: &IngestOptions,
        progress: &dyn Progress,
        walk: impl FnOnce(WalkInput) -> WalkOutput,
    ) -> Result<ScanReport> {
        let started = Instant::now();
        let _lock = self.scan_lock(library)?;
        // A killed trash or restore first: finished in the direction it was going, so the walk
        // below finds each file where the journal says it is.
        let trash_recovery = self.finish_trash()?;
        let roots = roots.to_vec();
        let path = self.path.clone();
        let dberr = db_err(&path);

        // Library, roots, run.
        let c = &self.conn;
        c.execute(
            "INSERT OR IGNORE INTO libraries (name, created_at) VALUES (?1, ?2)",
            params![library, now_text()],
        )
        .map_err(&dberr)?;
        let library_id = self.library_id(library)?.ok_or_else(|| {
            Error::Worker("library row vanished while the scan started".to_string())
        })?;
        let c = &self.conn;
        let first_scan: bool = c
            .query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM files WHERE library_id = ?1)",
                [library_id],
                |r| r.get(0),
            )
            .map_err(&dberr)?;
        // A run left `running` by a process that was killed.
        c.execute(
            "UPDATE scan_runs SET status = 'interrupted' WHERE library_id = ?1 AND status = 'running'",
            [library_id],
        )
        .map_err(&dberr)?;
        for r in &roots {
            c.execute(
                "INSERT OR IGNORE INTO library_roots (library_id, path, path_text) VALUES (?1, ?2, ?3)",
                params![library_id, r.as_os_str().as_encoded_bytes(), r.to_string_lossy()],
            )
            .map_err(&dberr)?;
        }
        c.execute(
            "INSERT INTO scan_runs (library_id, started_at, status, hash) VALUES (?1, ?2, 'running', ?3)",
            params![library_id, now_text(), opts.hash],
        )
        .map_err(&dberr)?;
        let run_id = c.last_insert_rowid();
        c.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS gone (path_text TEXT, dev INTEGER, inode INTEGER, \
             size INTEGER, mtime_ns INTEGER, hash BLOB, content_id TEXT, kind TEXT, \
             format TEXT, instant TEXT); DELETE FROM temp.gone;",
        )
        .map_err(&dberr)?;

        // Folders the index knows for this library.
        let mut known: HashMap<Vec<u8>, KnownDir> = HashMap::new();
        let mut dirs: HashMap<Vec<u8>, i64> = HashMap::new();
        {
            let mut st = c
                .prepare("SELECT id, path, fingerprint FROM dirs WHERE library_id = ?1")
                .map_err(&dberr)?;
            let rows = st
                .query_map([library_id], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, Option<Vec<u8>>>(2)?,
                    ))
                })
                .map_err(&dberr)?;
            for row in rows {
                let (id, p, fp) = row.map_err(&dberr)?;
                dirs.insert(p.clone(), id);
                known.insert(
                    p,
                    KnownDir {
                        id,
                        visited: AtomicBool::new(false),
                        fingerprint: fp.and_then(|f| <[u8; 16]>::try_from(f.as_slice()).ok()),
                    },
                );
            }
        }

        // The writer takes the connection for the walk and gives it back.
        let placeholder = Connection::open_in_memory().map_err(&dberr)?;
        let conn = std::mem::replace(&mut self.conn, placeholder);
        let (tx, rx) = sync_channel(WRITER_QUEUE);
        let writer = Writer {
            conn,
            run_id,
            library_id,
            dirs,
            batch: opts.batch.max(1),
            log_new: !first_scan,
            new_rows: Vec::new(),
        };
        let writer_thread = std::thread::Builder::new()
            .name("albumen-index-writer".to_string())
            .spawn(move || writer.run(rx))
            .map_err(|e| Error::Worker(e.to_string()))?;

        let t_walk = Instant::now();
        log::debug!("setup: {:?}", started.elapsed());
        let WalkOutput {
            known,
            counts: counters,
            cancelled,
            incomplete,
        } = walk(WalkInput {
            known,
            updates: tx,
            rows: DirReader::new(path.clone()),
        });
        log::debug!("walk: {:?}", t_walk.elapsed());
        let joined = writer_thread.join();
        let (conn, out) = match joined {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                self.conn = Connection::open(&path).map_err(&dberr)?;
                let _ = self.conn.execute(
                    "UPDATE scan_runs SET status = 'failed', finished_at = ?2 WHERE id = ?1",
                    params![run_id, now_text()],
                );
                return Err(dberr(e));
            }
            Err(_) => {
                self.conn = Connection::open(&path).map_err(&dberr)?;
                return Err(Error::Worker("the index writer panicked".to_string()));
            }
        };
        self.conn = conn;
        log::debug!("writer joined: {:?}", t_walk.elapsed());
        progress.finishing();

        let mut report = ScanReport {
            run_id,
            library: library.to_string(),
            roots: roots
                .iter()
                .map(|r| r.to_string_lossy().into_owned())
                .collect(),
            complete: !cancelled,
            seen: load(&counters.seen),
            unchanged: load(&counters.unchanged),
            new: load(&counters.new),
            changed: load(&counters.changed),
            deleted: load(&counters.deleted),
            read: load(&counters.read),
            hard_link_reuse: load(&counters.hard_link_reuse),
            hashed: load(&counters.hashed),
            vanished: load(&counters.vanished),
            dirs: load(&counters.dirs),
            skipped: load(&counters.skipped),
            trash_recovery,
            ..ScanReport::default()
        };
        report.errors = out.errors;
        let keywords_changed = out.keywords_changed;
        for (k, v) in out.read_errors {
            *report.errors.entry(k).or_default() += v;
        }

        // Finishing: folders gone, moves, items. Only after a complete walk: a cancelled walk
        // has not seen everything, so it must not delete anything.
        let tx = self.conn.transaction().map_err(&dberr)?;
        if !cancelled {
            let gone_dirs: Vec<i64> = known
                .iter()
                .filter(|(p, d)| {
                    !d.visited.load(Ordering::Relaxed)
                        && roots
                            .iter()
                            .any(|r| under(p, r.as_os_str().as_encoded_bytes()))
                        && !incomplete.iter().any(|i| under(p, i))
                })
                .map(|(_, d)| d.id)
                .collect();
            for id in gone_dirs {
                let ids: Vec<i64> = {
                    let mut st = tx
                        .prepare_cached("SELECT id FROM files WHERE dir_id = ?1")
                        .map_err(&dberr)?;
                    let rows = st.query_map([id], |r| r.get(0)).map_err(&dberr)?;
                    rows.collect::<crate::db::Result<_>>().map_err(&dberr)?
                };
                for fid in ids {
                    tx.execute(SAVE_GONE, [fid]).map_err(&dberr)?;
                    tx.execute(
                        "INSERT INTO changes (run_id, kind, path_text) \
                         SELECT ?2, 'deleted', path_text FROM files WHERE id = ?1",
                        params![fid, run_id],
                    )
                    .map_err(&dberr)?;
                    tx.execute(UNPAIR, [fid]).map_err(&dberr)?;
                    tx.execute("DELETE FROM files WHERE id = ?1", [fid])
                        .map_err(&dberr)?;
                    report.deleted += 1;
                }
                tx.execute("DELETE FROM dirs WHERE id = ?1", [id])
                    .map_err(&dberr)?;
            }
        }
        if report.deleted > 0 {
            crate::keywords::forget_orphans(&tx).map_err(&dberr)?;
        }
        for id in keywords_changed {
            crate::keywords::sync_search_text(&tx, id).map_err(&dberr)?;
        }
        if report.deleted > 0 {
            report.moved = detect_moves(&tx, library_id, run_id).map_err(&dberr)?;
            report.new = report.new.saturating_sub(report.moved);
            report.deleted = report.deleted.saturating_sub(report.moved);
        }
        if report.new > 0 && !first_scan {
            report.redownloads = detect_redownloads(&tx, library_id, run_id).map_err(&dberr)?;
            report.new = report.new.saturating_sub(report.redownloads);
        }
        if report.deleted > 0 {
            // A re-download whose earlier file is gone now is the asset's only file.
            tx.execute(
                "UPDATE files SET redownload_of = NULL WHERE library_id = ?1 \
                 AND redownload_of IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM files o WHERE o.id = files.redownload_of)",
                [library_id],
            )
            .map_err(&dberr)?;
        }
        let touched =
            report.new + report.changed + report.deleted + report.moved + report.redownloads > 0;
        let stats_missing: bool = tx
            .query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM library_stats WHERE library_id = ?1)",
                [library_id],
                |r| r.get(0),
            )
            .map_err(&dberr)?;
        if touched || stats_missing {
            let ps = crate::pairs::rebuild_pairs(&tx, library_id).map_err(&dberr)?;
            log::debug!("pairs: {:?}", t_walk.elapsed());
            refresh_stats(&tx, library_id, &ps).map_err(&dberr)?;
            log::debug!("stats: {:?}", t_walk.elapsed());
        }
        let errors: u64 = report.errors.values().sum();
        tx.execute(
            "UPDATE scan_runs SET finished_at = ?2, status = ?3, seen = ?4, unchanged = ?5, \
             new = ?6, changed = ?7, moved = ?8, deleted = ?9, read = ?10, errors = ?11, \
             duration_ms = ?12 WHERE id = ?1",
            params![
                run_id,
                now_text(),
                if cancelled { "interrupted" } else { "complete" },
                report.seen as i64,
                report.unchanged as i64,
                report.new as i64,
                report.changed as i64,
                report.moved as i64,
                report.deleted as i64,
                report.read as i64,
                errors as i64,
                started.elapsed().as_millis() as i64,
            ],
        )
        .map_err(&dberr)?;
        tx.commit().map_err(&dberr)?;
        if touched {
            // Copy the WAL into the database file now that something changed (the close does
            // not: see `open`), so the `.db` file alone holds the index; an unchanged rescan
            // skips this fsync.
            let _: crate::db::Result<(i64, i64, i64)> =
                self.conn
                    .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    });
        }
        log::debug!("finish committed: {:?}", t_walk.elapsed());
        if !cancelled {
            // Keywords of files indexed before the keywords table existed (once per library).
            let stop = || {
                opts.cancel
                    .as_ref()
                    .is_some_and(|c| c.load(Ordering::Relaxed))
            };
            let n =
                crate::keywords::backfill(&self.conn, library_id, run_id, &stop).map_err(&dberr)?;
            if n > 0 {
                log::info!("read the keywords of {n} files indexed before keywords were kept");
            }
        }
        report.summary = self.summary_of(library_id).map_err(&dberr)?;
        log::debug!("summary: {:?}", t_walk.elapsed());
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(report)
    }
}

/// How PostgreSQL's side of the schema is made, within one schema version: 2 = the day-count and
/// map-cell insert triggers run once per statement, and index columns sort `NULLS FIRST` (the
/// timeline index then serves `DESC NULLS LAST`). A database made by an earlier build is
/// brought to it on open (in the schema's transaction, under its lock).
const PG_LAYOUT: &str = "2";

fn pg_layout(c: &Connection) -> crate::db::Result<()> {
    let have: Option<String> = c
        .query_row("SELECT value FROM meta WHERE key = 'pg_layout'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if have.as_deref() == Some(PG_LAYOUT) {
        return Ok(());
    }
    c.execute_batch("DROP INDEX IF EXISTS files_timeline")?;
    c.execute_batch(crate::users::AUTH_SCHEMA)?;
    crate::days::create(c)?;
    crate::maps::create(c)?;
    c.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('pg_layout', ?1)",
        [PG_LAYOUT],
    )?;
    Ok(())
}

/// Brings a database of version `found` up to [`SCHEMA_VERSION`], in one transaction.
fn migrate(c: &Connection, found: i64) -> crate::db::Result<()> {
    let tx = c.unchecked_transaction()?;
    for (version, sql) in MIGRATIONS {
        if *version > found {
            tx.execute_batch(sql)?;
        }
    }
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
        [SCHEMA_VERSION.to_string()],
    )?;
    tx.commit()
}

/// Whether `path` is `root` or below it (byte paths, component boundary).
fn under(path: &[u8], root: &[u8]) -> bool {
    path.strip_prefix(root)
        .is_some_and(|rest| rest.is_empty() || rest.first() == Some(&b'/') || root.ends_with(b"/"))
}

/// Pairs rows deleted in this run with rows new in this run that have the same content (same
/// device+inode+size+mtime, or same hash), or are the same asset ([`SAME_ASSET`]: a file
/// downloaded again under another name, the old one gone): a move or rename. Returns how many.
fn detect_moves(c: &Connection, library_id: i64, run_id: i64) -> crate::db::Result<u64> {
    let moves: Vec<(String, String)> = {
        let sql = format!(
            "SELECT old_path, new_path FROM (SELECT g.path_text AS old_path, \
               (SELECT f.path_text FROM files f WHERE f.library_id = ?1 \
               AND f.first_run = ?2 AND ((f.dev = g.dev AND f.inode = g.inode AND f.size = g.size \
               AND f.mtime_ns = g.mtime_ns) OR (g.hash IS NOT NULL AND f.hash = g.hash) \
               OR ({})) LIMIT 1) \
             AS new_path FROM temp.gone g) AS m WHERE new_path IS NOT NULL",
            same_asset("f", "g", "g.instant")
        );
        let mut st = c.prepare(&sql)?;
        let rows = st.query_map(params![library_id, run_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<crate::db::Result<_>>()?
    };
    for (old, new) in &moves {
        c.execute(
            "DELETE FROM changes WHERE run_id = ?1 AND ((kind = 'deleted' AND path_text = ?2) \
             OR (kind = 'new' AND path_text = ?3))",
            params![run_id, old, new],
        )?;
        c.execute(
            "INSERT INTO changes (run_id, kind, path_text, old_path_text) VALUES (?1, 'moved', ?2, ?3)",
            params![run_id, new, old],
        )?;
    }
    Ok(moves.len() as u64)
}

/// When two files are the same asset of a photo library without being byte-compared: the same
/// Apple content identifier, kind and format, the same capture instant and the same size. The
/// identifier alone is not enough (a Live Photo's still and video share it, and so do an
/// original and its edited copy, which also share the instant; the size tells those apart).
pub const SAME_ASSET: &str = "same content identifier, kind, format, capture instant and size";

/// [`SAME_ASSET`] as SQL between the rows `a` and `b` (`b_instant`: `b`'s instant expression).
fn same_asset(a: &str, b: &str, b_instant: &str) -> String {
    format!(
        "{b}.content_id IS NOT NULL AND {a}.content_id = {b}.content_id AND {a}.kind IS {b}.kind \
         AND {a}.format IS {b}.format AND {a}.size = {b}.size \
         AND coalesce({a}.time_utc, {a}.capture_utc) = {b_instant}"
    )
}

/// Marks the rows new in this run that are an asset the library already held under another name
/// (same hash, or [`SAME_ASSET`]): icloudpd downloads an asset again when its metadata or the
/// folder structure changes. Their `changes` row becomes `redownload` (with the earlier path)
/// and `files.redownload_of` names the earlier row. Returns how many.
fn detect_redownloads(c: &Connection, library_id: i64, run_id: i64) -> crate::db::Result<u64> {
    let earlier = |cond: &str| {
        format!(
            "(SELECT o.id FROM files o WHERE o.library_id = ?1 AND o.first_run < ?2 \
               AND o.redownload_of IS NULL AND {cond} ORDER BY o.id LIMIT 1)"
        )
    };
    let sql = format!(
        "SELECT id, path_text, orig FROM (SELECT n.id AS id, n.path_text AS path_text, \
           coalesce({}, {}) AS orig FROM changes c \
         JOIN files n ON n.library_id = ?1 AND n.first_run = ?2 AND n.path_text = c.path_text \
         WHERE c.run_id = ?2 AND c.kind = 'new') AS m WHERE orig IS NOT NULL",
        earlier("n.hash IS NOT NULL AND o.hash = n.hash"),
        earlier(&same_asset("o", "n", "coalesce(n.time_utc, n.capture_utc)")),
    );
    let found: Vec<(i64, String, i64)> = {
        let mut st = c.prepare(&sql)?;
        let rows = st.query_map(params![library_id, run_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        rows.collect::<crate::db::Result<_>>()?
    };
    for (id, path, orig) in &found {
        c.execute(
            "UPDATE files SET redownload_of = ?2 WHERE id = ?1",
            params![id, orig],
        )?;
        c.execute(
            "UPDATE changes SET kind = 'redownload', \
             old_path_text = (SELECT path_text FROM files WHERE id = ?3) \
             WHERE run_id = ?1 AND kind = 'new' AND path_text = ?2",
            params![run_id, path, orig],
        )?;
    }
    Ok(found.len() as u64)
}

/// Recounts what a library holds into `library_stats` (the cached [`Summary`]).
pub(crate) fn refresh_stats(
    c: &Connection,
    library_id: i64,
    ps: &crate::pairs::PairStats,
) -> crate::db::Result<()> {
    c.execute(
        "DELETE FROM library_stats WHERE library_id = ?1",
        [library_id],
    )?;
    c.execute(
        "INSERT INTO library_stats (library_id, what, key, n) \
         SELECT ?1, 'files', '', count(*) FROM files WHERE library_id = ?1 \
         UNION ALL SELECT ?1, 'pairs', '', count(*) FROM pairs p WHERE library_id = ?1 \
           AND p.method NOT LIKE 'stack-%' \
         UNION ALL SELECT ?1, 'item', kind, count(*) FROM items WHERE library_id = ?1 GROUP BY kind \
         UNION ALL SELECT ?1, 'error', error_reason, count(*) FROM files \
           WHERE library_id = ?1 AND error_reason IS NOT NULL GROUP BY error_reason",
        [library_id],
    )?;
    let mut st = c.prepare(
        "INSERT INTO library_stats (library_id, what, key, n) VALUES (?1, 'pairing', ?2, ?3)",
    )?;
    st.execute(params![
        library_id,
        "orphan-stills",
        ps.orphan_stills as i64
    ])?;
    st.execute(params![
        library_id,
        "orphan-videos",
        ps.orphan_videos as i64
    ])?;
    st.execute(params![library_id, "conflicts", ps.conflicts as i64])?;
    st.execute(params![library_id, "stacks", ps.stacks as i64])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_respects_component_boundaries() {
        assert!(under(b"/a/b", b"/a/b"));
        assert!(under(b"/a/b/c", b"/a/b"));
        assert!(!under(b"/a/bc", b"/a/b"));
        assert!(under(b"/a", b"/"));
    }
}
