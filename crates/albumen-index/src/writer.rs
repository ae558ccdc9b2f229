//! The writer thread: the only code that writes to the database during a walk.
//!
//! It receives rows over a bounded channel and writes them in large transactions (a commit every
//! [`crate::IngestOptions::batch`] rows or every half second), with prepared statements. A
//! transaction only ever holds whole rows, so an interrupted scan leaves a consistent index:
//! what was committed is there, and the next scan sees it as unchanged and goes on from there.

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::db::{params, params_from_iter, Connection};
use rusqlite::types::ToSql;

use crate::files::to_i64;
use crate::ingest::{Change, FileRow, IndexUpdate as Msg};

/// What the writer did.
#[derive(Debug, Default)]
pub(crate) struct WriterOut {
    /// Walk and read problems, by reason, written to `errors`.
    pub errors: BTreeMap<String, u64>,
    /// Files read whose metadata could not be read, by reason (`files.error_reason`).
    pub read_errors: BTreeMap<String, u64>,
    /// Files whose keywords changed (their search text is brought up to date at the end).
    pub keywords_changed: Vec<i64>,
}

pub(crate) struct Writer {
    pub conn: Connection,
    pub run_id: i64,
    pub library_id: i64,
    /// Folder path → `dirs.id`.
    pub dirs: HashMap<Vec<u8>, i64>,
    pub batch: usize,
    /// Record `new` rows in `changes` (not on a library's first scan, where everything is new).
    pub log_new: bool,
    /// New files' rows waiting to go in as one multi-row `INSERT` (PostgreSQL only: there each
    /// statement is a round trip; SQLite takes them one by one), with their folder's id.
    pub new_rows: Vec<(FileRow, i64)>,
}

/// New rows sent to PostgreSQL in one `INSERT` (46 parameters each, well under its 65,535).
pub(crate) const PG_INSERT_ROWS: usize = 128;

/// The columns a new file's row is inserted with.
const INSERT_COLUMNS: &str = "library_id, dir_id, name, path, path_text, size, \
    mtime_ns, dev, inode, nlink, format, kind, capture_kind, capture_local, capture_utc, \
    capture_offset_s, capture_source, lat, lon, alt, make, model, lens, content_id, burst_id, \
    width, height, orientation, duration_s, motion_photo, rating, bytes_read, hash, \
    error_reason, error, time_utc, time_local, time_offset_s, time_zone, time_source, \
    time_confidence, first_run, read_run, map_cell, map_x, map_y, map_z";

/// Parameters per row of [`INSERT`] (`first_run` and `read_run` share one).
const INSERT_PARAMS: usize = 46;

/// `INSERT OR IGNORE … VALUES (…), (…)` for `n` rows; with `returning`, `RETURNING id, dir_id,
/// name`: the ids of the rows made (a row another scan made first is left out), matched back by
/// folder and name.
fn insert_rows(n: usize, returning: bool) -> String {
    let mut sql = format!("INSERT OR IGNORE INTO files ({INSERT_COLUMNS}) VALUES ");
    for k in 0..n {
        let b = k * INSERT_PARAMS;
        if k > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for i in 1..=INSERT_PARAMS {
            if i > 1 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("?{}", b + i));
            if i == 42 {
                sql.push_str(&format!(", ?{}", b + i));
            }
        }
        sql.push(')');
    }
    if returning {
        sql.push_str(" RETURNING id, dir_id, name");
    }
    sql
}

/// The values of a file's row that are computed, not borrowed from it.
struct Computed {
    size: i64,
    dev: i64,
    inode: i64,
    nlink: i64,
    bytes_read: Option<i64>,
    path_text: String,
    cell: Option<i64>,
    map: [Option<i64>; 3],
}

impl Computed {
    fn of(row: &FileRow) -> Self {
        let s = row.stat;
        let (cell, map) = crate::maps::columns(row.content.lat, row.content.lon);
        Computed {
            size: to_i64(s.size),
            dev: to_i64(s.dev),
            inode: to_i64(s.inode),
            nlink: to_i64(s.nlink),
            bytes_read: row.content.bytes_read.map(to_i64),
            path_text: row.path.to_string_lossy().into_owned(),
            cell,
            map,
        }
    }
}

/// The parameters INSERT and UPDATE share, in the same order: ?6..?42 of INSERT (the last one,
/// `run_id`, fills both `first_run` and `read_run`), ?2..?38 of UPDATE; then the map columns.
fn shared_params<'a>(
    row: &'a FileRow,
    v: &'a Computed,
    run_id: &'a i64,
    hash: &'a Option<&'a [u8]>,
    out: &mut Vec<&'a dyn ToSql>,
) {
    let c = &*row.content;
    out.extend([
        &v.size as &dyn ToSql,
        &row.stat.mtime_ns,
        &v.dev,
        &v.inode,
        &v.nlink,
        &c.format,
        &c.kind,
        &c.capture_kind,
        &c.capture_local,
        &c.capture_utc,
        &c.capture_offset_s,
        &c.capture_source,
        &c.lat,
        &c.lon,
        &c.alt,
        &c.make,
        &c.model,
        &c.lens,
        &c.content_id,
        &c.burst_id,
        &c.width,
        &c.height,
        &c.orientation,
        &c.duration_s,
        &c.motion_photo,
        &c.rating,
        &v.bytes_read,
        hash,
        &c.error_reason,
        &c.error,
        &c.time_utc,
        &c.time_local,
        &c.time_offset_s,
        &c.time_zone,
        &c.time_source,
        &c.time_confidence,
        run_id,
    ]);
    // The map columns in the same statement (the map's triggers count the row once).
    out.extend([&v.cell as &dyn ToSql, &v.map[0], &v.map[1], &v.map[2]]);
}

// `OR IGNORE`: a row already there can only come from another scan of the same library running
// at the same time; its row is as good as ours. One row (SQLite takes rows one by one).
static INSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| insert_rows(1, false));

const UPDATE: &str = "UPDATE files SET size = ?2, mtime_ns = ?3, dev = ?4, inode = ?5, \
    nlink = ?6, format = ?7, kind = ?8, capture_kind = ?9, capture_local = ?10, \
    capture_utc = ?11, capture_offset_s = ?12, capture_source = ?13, lat = ?14, lon = ?15, \
    alt = ?16, make = ?17, model = ?18, lens = ?19, content_id = ?20, burst_id = ?21, \
    width = ?22, height = ?23, orientation = ?24, duration_s = ?25, motion_photo = ?26, \
    rating = ?27, bytes_read = ?28, hash = ?29, error_reason = ?30, error = ?31, \
    time_utc = ?32, time_local = ?33, time_offset_s = ?34, time_zone = ?35, time_source = ?36, \
    time_confidence = ?37, read_run = ?38, map_cell = ?39, map_x = ?40, map_y = ?41, \
    map_z = ?42 WHERE id = ?1";

/// Drops the Live Photo pair a row about to be deleted belongs to: `pairs` references `files`
/// (and SQLite enforces it), and a scan that deletes rows rebuilds the pairs at the end anyway.
pub(crate) const UNPAIR: &str = "DELETE FROM pairs WHERE still_file_id = ?1 OR video_file_id = ?1";

/// Copies a row about to be deleted into `temp.gone`, for move detection at the end.
pub(crate) const SAVE_GONE: &str = "INSERT INTO temp.gone (path_text, dev, inode, size, \
    mtime_ns, hash, content_id, kind, format, instant) SELECT path_text, dev, inode, size, \
    mtime_ns, hash, content_id, kind, format, coalesce(time_utc, capture_utc) FROM files \
    WHERE id = ?1";

impl Writer {
    /// Runs until the channel closes; returns the connection for the finishing steps.
    pub(crate) fn run(mut self, rx: Receiver<Msg>) -> crate::db::Result<(Connection, WriterOut)> {
        let mut out = WriterOut::default();
        let mut pending = 0usize;
        let mut since = Instant::now();
        let result = (|| {
            loop {
                let msg = match rx.recv_timeout(Duration::from_millis(500)) {
                    Ok(m) => Some(m),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => break,
                };
                if let Some(msg) = msg {
                    if pending == 0 {
                        self.conn.execute_batch("BEGIN")?;
                    }
                    self.apply(msg, &mut out)?;
                    pending += 1;
                }
                if pending > 0
                    && (pending >= self.batch || since.elapsed() >= Duration::from_millis(500))
                {
                    self.flush_new(&mut out)?;
                    self.conn.execute_batch("COMMIT")?;
                    pending = 0;
                    since = Instant::now();
                }
            }
            if pending > 0 {
                self.flush_new(&mut out)?;
                self.conn.execute_batch("COMMIT")?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            // Leave nothing half-written; the caller reports the error.
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(e);
        }
        Ok((self.conn, out))
    }

    fn dir_id(&mut self, row: &FileRow) -> crate::db::Result<i64> {
        if let Some(&id) = self.dirs.get(row.dir.as_slice()) {
            return Ok(id);
        }
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO dirs (library_id, path, path_text) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![self.library_id, row.dir.as_slice(), &*row.dir_text])?;
        let id: i64 = self
            .conn
            .prepare_cached("SELECT id FROM dirs WHERE library_id = ?1 AND path = ?2")?
            .query_row(params![self.library_id, row.dir.as_slice()], |r| r.get(0))?;
        self.dirs.insert(row.dir.to_vec(), id);
        Ok(id)
    }

    fn apply(&mut self, msg: Msg, out: &mut WriterOut) -> crate::db::Result<()> {
        match msg {
            Msg::Upsert(row) => self.upsert(*row, out),
            Msg::SetHash { id, hash } => {
                self.conn
                    .prepare_cached("UPDATE files SET hash = ?2 WHERE id = ?1")?
                    .execute(params![id, &hash[..]])?;
                Ok(())
            }
            Msg::Delete { id } => {
                self.conn.prepare_cached(SAVE_GONE)?.execute([id])?;
                self.conn
                    .prepare_cached(
                        "INSERT INTO changes (run_id, kind, path_text) \
                         SELECT ?2, 'deleted', path_text FROM files WHERE id = ?1",
                    )?
                    .execute(params![id, self.run_id])?;
                self.conn.prepare_cached(UNPAIR)?.execute([id])?;
                self.conn
                    .prepare_cached("DELETE FROM files WHERE id = ?1")?
                    .execute([id])?;
                Ok(())
            }
            Msg::DirFingerprint { dir, fingerprint } => {
                // A folder with no row has no `dirs` row either: nothing to record.
                if let Some(&id) = self.dirs.get(dir.as_slice()) {
                    self.conn
                        .prepare_cached("UPDATE dirs SET fingerprint = ?2 WHERE id = ?1")?
                        .execute(params![id, fingerprint.as_ref().map(|f| &f[..])])?;
                }
                Ok(())
            }
            Msg::Error {
                path,
                reason,
                detail,
            } => {
                *out.errors.entry(reason.to_string()).or_default() += 1;
                self.error(&path, reason, &detail)
            }
        }
    }

    fn error(
        &mut self,
        path: &std::path::Path,
        reason: &str,
        detail: &str,
    ) -> crate::db::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO errors (run_id, library_id, path, path_text, reason, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                self.run_id,
                self.library_id,
                path.as_os_str().as_encoded_bytes(),
                path.to_string_lossy(),
                reason,
                detail
            ])?;
        Ok(())
    }

    fn upsert(&mut self, row: FileRow, out: &mut WriterOut) -> crate::db::Result<()> {
        if let Some(reason) = row.content.error_reason {
            *out.read_errors.entry(reason.to_string()).or_default() += 1;
        }
        let v = Computed::of(&row);
        let log = match row.change {
            Change::New => self.log_new.then_some("new"),
            Change::Changed => Some("changed"),
        };
        if let Some(kind) = log {
            self.conn
                .prepare_cached(
                    "INSERT INTO changes (run_id, kind, path_text) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![self.run_id, kind, v.path_text])?;
        }
        let run_id = self.run_id;
        let hash = row.content.hash.as_ref().map(|h| &h[..]);
        let file_id = match row.id {
            None if self.conn.is_pg() => {
                let dir_id = self.dir_id(&row)?;
                self.new_rows.push((row, dir_id));
                if self.new_rows.len() >= PG_INSERT_ROWS {
                    self.flush_new(out)?;
                }
                return Ok(());
            }
            None => {
                let dir_id = self.dir_id(&row)?;
                let library_id = self.library_id;
                let path = row.path.as_os_str().as_encoded_bytes();
                let mut p: Vec<&dyn ToSql> =
                    vec![&library_id, &dir_id, &row.name, &path, &v.path_text];
                shared_params(&row, &v, &run_id, &hash, &mut p);
                let n = self
                    .conn
                    .prepare_cached(&INSERT)?
                    .execute(params_from_iter(p))?;
                (n > 0).then(|| self.conn.last_insert_rowid())
            }
            Some(id) => {
                let mut p: Vec<&dyn ToSql> = vec![&id];
                shared_params(&row, &v, &run_id, &hash, &mut p);
                self.conn
                    .prepare_cached(UPDATE)?
                    .execute(params_from_iter(p))?;
                Some(id)
            }
        };
        if let Some(id) = file_id {
            if crate::keywords::store(&self.conn, id, &row.content.keywords, false)? {
                out.keywords_changed.push(id);
            }
        }
        Ok(())
    }

    /// Writes the new rows waiting in [`Writer::new_rows`] with one statement per
    /// [`PG_INSERT_ROWS`], then their keywords.
    fn flush_new(&mut self, out: &mut WriterOut) -> crate::db::Result<()> {
        if self.new_rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.new_rows);
        let computed: Vec<Computed> = rows.iter().map(|(r, _)| Computed::of(r)).collect();
        let hashes: Vec<Option<&[u8]>> = rows
            .iter()
            .map(|(r, _)| r.content.hash.as_ref().map(|h| &h[..]))
            .collect();
        let paths: Vec<&[u8]> = rows
            .iter()
            .map(|(r, _)| r.path.as_os_str().as_encoded_bytes())
            .collect();
        let (library_id, run_id) = (self.library_id, self.run_id);
        let mut made: HashMap<(i64, Vec<u8>), i64> = HashMap::with_capacity(rows.len());
        for (at, chunk) in rows.chunks(PG_INSERT_ROWS).enumerate() {
            let base = at * PG_INSERT_ROWS;
            let mut p: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * INSERT_PARAMS);
            for (k, (row, dir_id)) in chunk.iter().enumerate() {
                let i = base + k;
                p.extend([
                    &library_id as &dyn ToSql,
                    dir_id,
                    &row.name,
                    &paths[i],
                    &computed[i].path_text,
                ]);
                shared_params(row, &computed[i], &run_id, &hashes[i], &mut p);
            }
            let sql = insert_rows(chunk.len(), true);
            let mut st = if chunk.len() == PG_INSERT_ROWS {
                self.conn.prepare_cached(&sql)?
            } else {
                self.conn.prepare(&sql)?
            };
            let mut got = st.query(params_from_iter(p))?;
            while let Some(r) = got.next()? {
                made.insert((r.get(1)?, r.get(2)?), r.get(0)?);
            }
        }
        for (row, dir_id) in &rows {
            let Some(&id) = made.get(&(*dir_id, row.name.clone())) else {
                continue;
            };
            // A new id (PostgreSQL never gives one twice): no keywords to read back.
            if crate::keywords::store(&self.conn, id, &row.content.keywords, true)? {
                out.keywords_changed.push(id);
            }
        }
        Ok(())
    }
}
