//! The one connection type every query of this crate goes through, with two engines behind it:
//! SQLite (embedded, a file path: the default) and PostgreSQL (a `postgres://` URL).
//!
//! The queries are written once, in SQLite's dialect, with the API shape of `rusqlite` (which
//! is what the SQLite engine is). On PostgreSQL each statement text is rewritten once into
//! PostgreSQL's dialect ([`crate::pg::translate`]: `?N` placeholders, `INSERT OR IGNORE`,
//! SQLite's column types, triggers, …), prepared on the server and cached per connection;
//! parameters are bound as the type the server inferred for them, and results come back as
//! [`Value`]s read like SQLite's. Nothing of either driver leaves this crate.
//!
//! A PostgreSQL connection lives on a thread of its own (the blocking client runs its own
//! runtime, which must not be entered from the server's asynchronous threads); each call is
//! one message to that thread and one answer.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;

pub(crate) use rusqlite::{params, OpenFlags};

/// A value as SQLite holds it; PostgreSQL's values are read into these.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    fn of(p: &dyn rusqlite::ToSql) -> Result<Value> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        let out = p.to_sql().map_err(Error::Lite)?;
        let r = match &out {
            ToSqlOutput::Borrowed(r) => *r,
            ToSqlOutput::Owned(v) => ValueRef::from(v),
            _ => return Err(Error::Conversion("unsupported parameter".into())),
        };
        Ok(match r {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Int(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        })
    }
}

/// An error of either engine.
#[derive(Debug)]
pub(crate) enum Error {
    Lite(rusqlite::Error),
    Pg(String),
    NoRows,
    Conversion(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Lite(e) => e.fmt(f),
            Error::Pg(e) => f.write_str(e),
            Error::NoRows => f.write_str("query returned no rows"),
            Error::Conversion(e) => write!(f, "cannot read a value: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Lite(e) => e.source(),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NoRows,
            e => Error::Lite(e),
        }
    }
}

impl Error {
    /// SQLite's error code, when SQLite said it.
    pub(crate) fn sqlite_code(&self) -> Option<rusqlite::ErrorCode> {
        match self {
            Error::Lite(e) => e.sqlite_error_code(),
            _ => None,
        }
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// `.optional()` on a single-row query, as rusqlite's.
pub(crate) trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Parameters of a statement.
pub(crate) trait Params {
    fn refs(&self) -> Vec<&dyn rusqlite::ToSql>;
}

impl Params for [&(dyn rusqlite::ToSql + Send + Sync); 0] {
    fn refs(&self) -> Vec<&dyn rusqlite::ToSql> {
        Vec::new()
    }
}

impl<T: rusqlite::ToSql + ?Sized> Params for &[&T] {
    fn refs(&self) -> Vec<&dyn rusqlite::ToSql> {
        self.iter().map(|p| p as &dyn rusqlite::ToSql).collect()
    }
}

impl<T: rusqlite::ToSql + ?Sized, const N: usize> Params for &[&T; N] {
    fn refs(&self) -> Vec<&dyn rusqlite::ToSql> {
        self.iter().map(|p| p as &dyn rusqlite::ToSql).collect()
    }
}

macro_rules! array_params {
    ($($n:literal)*) => {$(
        impl<T: rusqlite::ToSql> Params for [T; $n] {
            fn refs(&self) -> Vec<&dyn rusqlite::ToSql> {
                self.iter().map(|p| p as &dyn rusqlite::ToSql).collect()
            }
        }
    )*};
}
array_params!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

/// Parameters from an iterator, as rusqlite's `params_from_iter`.
pub(crate) struct ParamsFromIter<T>(Vec<T>);

/// Parameters from an iterator, as rusqlite's `params_from_iter`.
pub(crate) fn params_from_iter<I>(it: I) -> ParamsFromIter<I::Item>
where
    I: IntoIterator,
    I::Item: rusqlite::ToSql,
{
    ParamsFromIter(it.into_iter().collect())
}

impl<T: rusqlite::ToSql> Params for ParamsFromIter<T> {
    fn refs(&self) -> Vec<&dyn rusqlite::ToSql> {
        self.0.iter().map(|p| p as &dyn rusqlite::ToSql).collect()
    }
}

/// A type a column is read as.
pub(crate) trait FromSql: rusqlite::types::FromSql + Sized {
    fn from_value(v: Value) -> Result<Self>;
}

fn wrong(v: &Value, want: &str) -> Error {
    Error::Conversion(format!("{v:?} is not {want}"))
}

impl FromSql for i64 {
    fn from_value(v: Value) -> Result<i64> {
        match v {
            Value::Int(i) => Ok(i),
            Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(f as i64),
            Value::Text(ref t) => t.trim().parse().map_err(|_| wrong(&v, "an integer")),
            v => Err(wrong(&v, "an integer")),
        }
    }
}

macro_rules! int_from {
    ($($t:ty)*) => {$(
        impl FromSql for $t {
            fn from_value(v: Value) -> Result<$t> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| Error::Conversion(format!("{i} out of range")))
            }
        }
    )*};
}
int_from!(i32 u32 u64 i16 u16 u8 i8 usize);

impl FromSql for f64 {
    fn from_value(v: Value) -> Result<f64> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            v => Err(wrong(&v, "a number")),
        }
    }
}

impl FromSql for f32 {
    fn from_value(v: Value) -> Result<f32> {
        f64::from_value(v).map(|f| f as f32)
    }
}

impl FromSql for bool {
    fn from_value(v: Value) -> Result<bool> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl FromSql for String {
    fn from_value(v: Value) -> Result<String> {
        match v {
            Value::Text(t) => Ok(t),
            Value::Int(i) => Ok(i.to_string()),
            Value::Real(f) => Ok(f.to_string()),
            Value::Blob(b) => String::from_utf8(b).map_err(|e| Error::Conversion(e.to_string())),
            Value::Null => Err(wrong(&Value::Null, "text")),
        }
    }
}

impl FromSql for Vec<u8> {
    fn from_value(v: Value) -> Result<Vec<u8>> {
        match v {
            Value::Blob(b) => Ok(b),
            Value::Text(t) => Ok(t.into_bytes()),
            v => Err(wrong(&v, "bytes")),
        }
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn from_value(v: Value) -> Result<Option<T>> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A column position.
pub(crate) trait RowIndex {
    fn at(self) -> usize;
}

impl RowIndex for usize {
    fn at(self) -> usize {
        self
    }
}

/// One row of a result.
pub(crate) enum Row<'a> {
    Lite(&'a rusqlite::Row<'a>),
    Pg(&'a [Value]),
}

impl Row<'_> {
    /// Column `idx` read as `T`.
    pub(crate) fn get<I: RowIndex, T: FromSql>(&self, idx: I) -> Result<T> {
        let i = idx.at();
        match self {
            Row::Lite(r) => r.get::<usize, T>(i).map_err(Error::from),
            Row::Pg(v) => match v.get(i) {
                Some(v) => T::from_value(v.clone()),
                None => Err(Error::Conversion(format!("no column {i}"))),
            },
        }
    }
}

/// Rows of a result, read one at a time.
pub(crate) enum Rows<'s> {
    Lite(rusqlite::Rows<'s>),
    Pg(std::vec::IntoIter<Vec<Value>>, Option<Vec<Value>>),
}

impl Rows<'_> {
    /// The next row, `None` after the last.
    pub(crate) fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Lite(r) => Ok(r.next()?.map(Row::Lite)),
            Rows::Pg(it, cur) => {
                *cur = it.next();
                Ok(cur.as_deref().map(Row::Pg))
            }
        }
    }
}

/// Rows each mapped by a function, read one at a time.
pub(crate) struct MappedRows<'s, F> {
    rows: Rows<'s>,
    f: F,
}

impl<T, F: FnMut(&Row<'_>) -> Result<T>> Iterator for MappedRows<'_, F> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(r)) => Some((self.f)(&r)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// A prepared statement.
pub(crate) enum Statement<'c> {
    Lite(rusqlite::CachedStatement<'c>),
    LiteOwned(rusqlite::Statement<'c>),
    Pg(&'c PgConn, String),
}

impl<'c> Statement<'c> {
    fn lite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match self {
            Statement::Lite(s) => Some(s),
            Statement::LiteOwned(s) => Some(s),
            Statement::Pg(..) => None,
        }
    }

    /// Runs the statement; the number of rows changed.
    pub(crate) fn execute<P: Params>(&mut self, p: P) -> Result<usize> {
        if let Statement::Pg(c, sql) = self {
            return c.execute(sql, &p.refs());
        }
        let s = self.lite().ok_or(Error::NoRows)?;
        Ok(s.execute(rusqlite::params_from_iter(p.refs()))?)
    }

    /// The rows of the result.
    pub(crate) fn query<P: Params>(&mut self, p: P) -> Result<Rows<'_>> {
        if let Statement::Pg(c, sql) = self {
            let rows = c.query(sql, &p.refs())?;
            return Ok(Rows::Pg(rows.into_iter(), None));
        }
        let s = self.lite().ok_or(Error::NoRows)?;
        Ok(Rows::Lite(s.query(rusqlite::params_from_iter(p.refs()))?))
    }

    /// The rows of the result, each mapped by `f`.
    pub(crate) fn query_map<P: Params, T, F>(&mut self, p: P, f: F) -> Result<MappedRows<'_, F>>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows {
            rows: self.query(p)?,
            f,
        })
    }

    /// The first row of the result mapped by `f`; [`Error::NoRows`] without one.
    pub(crate) fn query_row<P: Params, T, F>(&mut self, p: P, f: F) -> Result<T>
    where
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let mut rows = self.query(p)?;
        match rows.next()? {
            Some(r) => f(&r),
            None => Err(Error::NoRows),
        }
    }

    /// Whether the result has a row.
    pub(crate) fn exists<P: Params>(&mut self, p: P) -> Result<bool> {
        let mut rows = self.query(p)?;
        Ok(rows.next()?.is_some())
    }
}

/// A connection to the index database.
#[derive(Debug)]
pub(crate) enum Connection {
    Lite(rusqlite::Connection),
    Pg(PgConn),
}

/// Whether `path` names a PostgreSQL database (`postgres://…` or `postgresql://…`).
pub(crate) fn is_url(path: &Path) -> bool {
    path.to_str()
        .is_some_and(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// A 64-bit number for `text` (the first bytes of its BLAKE3 hash): PostgreSQL's advisory lock
/// keys and the snapshot's version.
pub(crate) fn key_of(text: &str) -> i64 {
    let h = blake3::hash(text.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h.as_bytes()[..8]);
    i64::from_le_bytes(b)
}

/// `url` without its password, for messages.
pub(crate) fn shown(path: &Path) -> String {
    let s = path.to_string_lossy();
    if !is_url(path) {
        return s.into_owned();
    }
    match (s.find("://"), s.rfind('@')) {
        (Some(a), Some(at)) if at > a => {
            let cred = &s[a + 3..at];
            let user = cred.split(':').next().unwrap_or("");
            format!("{}{}@{}", &s[..a + 3], user, &s[at + 1..])
        }
        _ => s.into_owned(),
    }
}

impl Connection {
    /// Opens the database at `path`: a SQLite file, or PostgreSQL for a `postgres://` URL.
    pub(crate) fn open(path: impl AsRef<Path>) -> Result<Connection> {
        let path = path.as_ref();
        if is_url(path) {
            return Ok(Connection::Pg(PgConn::connect(&path.to_string_lossy())?));
        }
        Ok(Connection::Lite(rusqlite::Connection::open(path)?))
    }

    /// Opens with SQLite's `flags` (a PostgreSQL URL ignores them).
    pub(crate) fn open_with_flags(path: impl AsRef<Path>, flags: OpenFlags) -> Result<Connection> {
        let path = path.as_ref();
        if is_url(path) {
            return Connection::open(path);
        }
        Ok(Connection::Lite(rusqlite::Connection::open_with_flags(
            path, flags,
        )?))
    }

    /// SQLite's busy timeout (PostgreSQL waits for locks on its own).
    pub(crate) fn busy_timeout(&self, t: std::time::Duration) -> Result<()> {
        match self {
            Connection::Lite(c) => Ok(c.busy_timeout(t)?),
            Connection::Pg(_) => Ok(()),
        }
    }

    /// A SQLite configuration flag (nothing on PostgreSQL).
    pub(crate) fn set_db_config(&self, k: rusqlite::config::DbConfig, v: bool) -> Result<()> {
        match self {
            Connection::Lite(c) => c.set_db_config(k, v).map(|_| ()).map_err(Error::from),
            Connection::Pg(_) => Ok(()),
        }
    }

    /// A new in-memory SQLite database.
    pub(crate) fn open_in_memory() -> Result<Connection> {
        Ok(Connection::Lite(rusqlite::Connection::open_in_memory()?))
    }

    /// Whether this is PostgreSQL.
    pub(crate) fn is_pg(&self) -> bool {
        matches!(self, Connection::Pg(_))
    }

    /// Prepares `sql` (cached: every query text of this crate is a constant or made of one).
    pub(crate) fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        match self {
            Connection::Lite(c) => Ok(Statement::Lite(c.prepare_cached(sql)?)),
            Connection::Pg(c) => Ok(Statement::Pg(c, sql.to_string())),
        }
    }

    /// Prepares `sql` without keeping it.
    pub(crate) fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        match self {
            Connection::Lite(c) => Ok(Statement::LiteOwned(c.prepare(sql)?)),
            Connection::Pg(c) => Ok(Statement::Pg(c, sql.to_string())),
        }
    }

    /// Runs one statement; the number of rows changed.
    pub(crate) fn execute<P: Params>(&self, sql: &str, p: P) -> Result<usize> {
        match self {
            Connection::Lite(c) => Ok(c.execute(sql, rusqlite::params_from_iter(p.refs()))?),
            Connection::Pg(c) => c.execute(sql, &p.refs()),
        }
    }

    /// Runs statements separated by `;`, without parameters.
    pub(crate) fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Lite(c) => Ok(c.execute_batch(sql)?),
            Connection::Pg(c) => c.batch(sql),
        }
    }

    /// The first row of a query mapped by `f`; [`Error::NoRows`] without one.
    pub(crate) fn query_row<P: Params, T, F>(&self, sql: &str, p: P, f: F) -> Result<T>
    where
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare_cached(sql)?.query_row(p, f)
    }

    /// The id of the row the last `INSERT` made.
    pub(crate) fn last_insert_rowid(&self) -> i64 {
        match self {
            Connection::Lite(c) => c.last_insert_rowid(),
            Connection::Pg(c) => c.last_insert_rowid().unwrap_or(0),
        }
    }

    /// Begins a transaction (`IMMEDIATE` on SQLite), rolled back when dropped uncommitted.
    pub(crate) fn transaction(&mut self) -> Result<Transaction<'_>> {
        self.unchecked_transaction()
    }

    /// Begins a transaction through a shared reference.
    /// On PostgreSQL a transaction begun inside another is a savepoint of it (the schema is
    /// made in one transaction there, whose steps have transactions of their own).
    pub(crate) fn unchecked_transaction(&self) -> Result<Transaction<'_>> {
        let depth = match self {
            Connection::Pg(c) => c.depth.get(),
            Connection::Lite(_) => 0,
        };
        if depth == 0 {
            // Every transaction of this crate writes: on SQLite it takes the write lock at its
            // start (waiting out the busy timeout) rather than at its first write, where a
            // commit by another connection since its first read makes SQLite refuse at once
            // (SQLITE_BUSY_SNAPSHOT, "database is locked", no busy timeout).
            self.execute_batch(if self.is_pg() {
                "BEGIN"
            } else {
                "BEGIN IMMEDIATE"
            })?;
        } else {
            self.execute_batch(&format!("SAVEPOINT albumen_{depth}"))?;
        }
        if let Connection::Pg(c) = self {
            c.depth.set(depth + 1);
        }
        Ok(Transaction {
            conn: self,
            depth,
            done: false,
        })
    }

    fn end(&self, depth: u32, commit: bool) -> Result<()> {
        if let Connection::Pg(c) = self {
            c.depth.set(depth);
        }
        match (depth, commit) {
            (0, true) => self.execute_batch("COMMIT"),
            (0, false) => self.execute_batch("ROLLBACK"),
            (d, true) => self.execute_batch(&format!("RELEASE albumen_{d}")),
            (d, false) => {
                self.execute_batch(&format!("ROLLBACK TO albumen_{d}; RELEASE albumen_{d}"))
            }
        }
    }
}

/// A transaction: derefs to its connection; commit it, or it is rolled back when dropped.
pub(crate) struct Transaction<'c> {
    conn: &'c Connection,
    depth: u32,
    done: bool,
}

impl Transaction<'_> {
    /// Commits.
    ///
    /// A commit that fails (SQLite: busy) leaves the transaction open; it is then rolled back
    /// when this is dropped, as rusqlite's transaction does, so that the connection holds no
    /// lock afterwards.
    pub(crate) fn commit(mut self) -> Result<()> {
        let r = self.conn.end(self.depth, true);
        self.done = r.is_ok();
        r
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.end(self.depth, false);
        }
    }
}

/// What the connection's thread is asked to do.
enum Job {
    Query(
        std::sync::Arc<str>,
        Vec<Value>,
        mpsc::SyncSender<Result<Vec<Vec<Value>>>>,
    ),
    Execute(
        std::sync::Arc<str>,
        Vec<Value>,
        mpsc::SyncSender<Result<u64>>,
    ),
    Batch(String, mpsc::SyncSender<Result<()>>),
}

/// A PostgreSQL connection on its own thread.
pub(crate) struct PgConn {
    jobs: mpsc::Sender<Job>,
    /// Statement texts already translated to PostgreSQL's dialect.
    texts: RefCell<HashMap<String, std::sync::Arc<str>>>,
    /// Transactions open (the outer one and its savepoints).
    depth: std::cell::Cell<u32>,
    /// The id the last `INSERT` into a table of made ids returned.
    last_id: std::cell::Cell<Option<i64>>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgConn")
    }
}

fn hung_up() -> Error {
    Error::Pg("the connection's thread ended".into())
}

impl PgConn {
    fn connect(url: &str) -> Result<PgConn> {
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<()>>(1);
        let (jobs, rx) = mpsc::channel::<Job>();
        let url = url.to_string();
        std::thread::Builder::new()
            .name("albumen-pg".into())
            .spawn(move || {
                let client = match postgres::Client::connect(&url, postgres::NoTls) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(crate::pg::pg_err(e)));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                let mut worker = crate::pg::Worker::new(client, url);
                for job in rx {
                    // A server restarted or a network cut: connect again (what was prepared
                    // and any transaction under way are gone; the call in flight failed).
                    worker.reconnect_if_closed();
                    match job {
                        Job::Query(sql, params, reply) => {
                            let _ = reply.send(worker.query(&sql, &params));
                        }
                        Job::Execute(sql, params, reply) => {
                            let _ = reply.send(worker.execute(&sql, &params));
                        }
                        Job::Batch(sql, reply) => {
                            let _ = reply.send(worker.batch(&sql));
                        }
                    }
                }
            })
            .map_err(|e| Error::Pg(e.to_string()))?;
        ready_rx.recv().map_err(|_| hung_up())??;
        Ok(PgConn {
            jobs,
            texts: RefCell::new(HashMap::new()),
            depth: std::cell::Cell::new(0),
            last_id: std::cell::Cell::new(None),
        })
    }

    fn text(&self, sql: &str) -> std::sync::Arc<str> {
        if let Some(t) = self.texts.borrow().get(sql) {
            return t.clone();
        }
        let t: std::sync::Arc<str> = crate::pg::translate(sql).into();
        self.texts.borrow_mut().insert(sql.to_string(), t.clone());
        t
    }

    fn values(params: &[&dyn rusqlite::ToSql]) -> Result<Vec<Value>> {
        params.iter().map(|p| Value::of(*p)).collect()
    }

    /// Sends one job to the connection's thread and waits for its answer.
    fn ask<T>(&self, job: impl FnOnce(mpsc::SyncSender<Result<T>>) -> Job) -> Result<T> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.jobs.send(job(tx)).map_err(|_| hung_up())?;
        rx.recv().map_err(|_| hung_up())?
    }

    fn query(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<Vec<Vec<Value>>> {
        let (text, values) = (self.text(sql), Self::values(params)?);
        self.ask(|tx| Job::Query(text, values, tx))
    }

    fn execute(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<usize> {
        let (text, values) = (self.text(sql), Self::values(params)?);
        if text.ends_with(" RETURNING id") {
            // an INSERT that made ids: the last is `last_insert_rowid`'s, as on SQLite
            let rows = self.ask(|tx| Job::Query(text, values, tx))?;
            if let Some(Value::Int(id)) = rows.last().and_then(|r| r.first()) {
                self.last_id.set(Some(*id));
            }
            return Ok(rows.len());
        }
        let n = self.ask(|tx| Job::Execute(text, values, tx))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn batch(&self, sql: &str) -> Result<()> {
        let text = crate::pg::translate(sql);
        self.ask(|tx| Job::Batch(text, tx))
    }

    fn last_insert_rowid(&self) -> Result<i64> {
        if let Some(id) = self.last_id.get() {
            return Ok(id);
        }
        let rows = self.query("SELECT lastval()", &[])?;
        match rows.first().and_then(|r| r.first()) {
            Some(Value::Int(i)) => Ok(*i),
            _ => Err(Error::NoRows),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_password() {
        let p = Path::new("postgres://anna:secret@db.local:5432/albumen");
        assert!(is_url(p));
        assert_eq!(shown(p), "postgres://anna@db.local:5432/albumen");
        assert!(!is_url(Path::new("/srv/index.db")));
        assert_eq!(shown(Path::new("/srv/index.db")), "/srv/index.db");
    }
}
