//! Backing up and restoring the index itself: it holds what exists nowhere else (users and
//! grants, albums, people's names, the undo history, verify runs).
//!
//! [`Index::backup_to`] writes a consistent copy while the index is in use (SQLite's
//! `VACUUM INTO`, which reads in one transaction: a scan or the server may keep writing) to a
//! temporary file beside the destination, checks it (`PRAGMA quick_check`), syncs it and only
//! then links it to the destination name, which must not exist: a failed or interrupted backup
//! leaves no partial file under that name.
//!
//! [`restore`] puts such a copy back: it refuses a file that is not an albumen index (or one
//! from a newer build) and an index another process has open (unless forced), writes the copy
//! beside the index, checks and syncs it, keeps the replaced index as `NAME.before-restore`,
//! and renames the copy over the index in one step.
//!
//! The index stores absolute paths and each file's device and inode: a copy opened with
//! `--db` on the same machine, over the same folders, is the original (a rescan reads nothing).
//! Photos restored onto another disk have new inodes, so a rescan then re-reads them (and keeps
//! every item's id, user, grant and name: files are matched by path).

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::db::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::index::{db_err, Index};
use crate::schema::SCHEMA_VERSION;

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RestoreReport {
    /// The index now holding the backup's contents.
    pub db: PathBuf,
    /// Where the index it replaced was kept (`None`: there was none).
    pub previous: Option<PathBuf>,
    /// Libraries in the restored index.
    pub libraries: u64,
    /// Users in the restored index.
    pub users: u64,
    /// Indexed files in the restored index.
    pub files: u64,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `DIR/.NAME.TAG-PID`: a temporary name beside `path`.
fn beside(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index.db".to_string());
    path.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

fn sync_dir(path: &Path) {
    // Best effort: a file system without directory fsync still has the rename.
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// `VACUUM INTO tmp` from `conn`, then check and sync `tmp`.
fn vacuum_into(conn: &Connection, conn_path: &Path, tmp: &Path) -> Result<()> {
    let _ = fs::remove_file(tmp);
    let target = tmp.to_str().ok_or_else(|| Error::Io {
        path: tmp.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the backup's path must be UTF-8",
        ),
    })?;
    conn.execute("VACUUM INTO ?1", [target])
        .map_err(db_err(conn_path))?;
    check_copy(tmp)?;
    File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(io_err(tmp))
}

/// Whether `path` is a sound albumen index this build can open: `PRAGMA quick_check`, a
/// schema version, the libraries table.
fn check_copy(path: &Path) -> Result<()> {
    let not = |reason: String| Error::NotAnIndex {
        path: path.to_path_buf(),
        reason,
    };
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| not(e.to_string()))?;
    let check: String = c
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| not(e.to_string()))?;
    if check != "ok" {
        return Err(not(format!("integrity check: {check}")));
    }
    let version: Option<String> = c
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| not(e.to_string()))?;
    match version.and_then(|v| v.parse::<i64>().ok()) {
        None => Err(not("no schema version".to_string())),
        Some(v) if v > SCHEMA_VERSION => Err(Error::SchemaVersion {
            path: path.to_path_buf(),
            found: v,
            expected: SCHEMA_VERSION,
        }),
        Some(_) => {
            c.query_row("SELECT count(*) FROM libraries", [], |r| r.get::<_, i64>(0))
                .map_err(|e| not(e.to_string()))?;
            Ok(())
        }
    }
}

impl Index {
    /// Writes a consistent copy of the index to `out` while it may be in use (by this
    /// connection, a scan, the server). `out` must not exist; its folder is created. Returns the
    /// copy's size in bytes.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("index.db"))?;
    /// index.add_user("anna", "h")?;
    /// let out = dir.path().join("offsite").join("index-copy.db");
    /// index.backup_to(&out)?;
    /// let copy = albumen_index::Index::open(&out)?;
    /// assert_eq!(copy.users()?.len(), 1);
    /// assert!(index.backup_to(&out).is_err(), "an existing copy is not overwritten");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn backup_to(&self, out: &Path) -> Result<u64> {
        if self.connection().is_pg() {
            return Err(Error::PostgresHasItsOwn(
                "`db backup` copies a SQLite index; back up PostgreSQL with its own pg_dump",
            ));
        }
        if fs::symlink_metadata(out).is_ok() {
            return Err(Error::BackupExists(out.to_path_buf()));
        }
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        let tmp = beside(out, "partial");
        let done = vacuum_into(self.connection(), self.path(), &tmp).and_then(|()| {
            // A link, not a rename: it fails rather than replace a file made meanwhile.
            fs::hard_link(&tmp, out).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::BackupExists(out.to_path_buf())
                } else {
                    io_err(out)(e)
                }
            })
        });
        let _ = fs::remove_file(&tmp);
        done?;
        sync_dir(out);
        fs::metadata(out).map(|m| m.len()).map_err(io_err(out))
    }
}

/// Restores the index at `db` from `backup` (a copy made by [`Index::backup_to`], or any
/// albumen index). Refuses when another process has `db` open, unless `force` (that process
/// must then be stopped before it writes again: what it writes is lost). The replaced index is
/// kept as `DB.before-restore` (replacing an earlier one of that name).
pub fn restore(backup: &Path, db: &Path, force: bool) -> Result<RestoreReport> {
    if crate::db::is_url(db) {
        return Err(Error::PostgresHasItsOwn(
            "`db restore` replaces a SQLite index; restore PostgreSQL with its own pg_restore",
        ));
    }
    check_copy(backup)?;
    if let (Ok(a), Ok(b)) = (fs::canonicalize(backup), fs::canonicalize(db)) {
        if a == b {
            return Err(Error::NotAnIndex {
                path: backup.to_path_buf(),
                reason: "it is the index being restored".to_string(),
            });
        }
    }
    let exists = fs::symlink_metadata(db).is_ok();
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let shm = PathBuf::from(format!("{}-shm", db.display()));
    if exists {
        // Leaving WAL mode needs the only connection: it fails while another process has the
        // index open; on success every commit is in the main file.
        let c = Connection::open(db).map_err(db_err(db))?;
        c.busy_timeout(std::time::Duration::from_millis(500))
            .map_err(db_err(db))?;
        let alone = c
            .query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            })
            .is_ok_and(|m| m.eq_ignore_ascii_case("delete"));
        drop(c);
        if !alone && !force {
            return Err(Error::IndexInUse(db.to_path_buf()));
        }
    } else if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    let tmp = beside(db, "restore");
    let src = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(db_err(backup))?;
    let copied = vacuum_into(&src, backup, &tmp);
    drop(src);
    if let Err(e) = copied {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    let mut previous = None;
    if exists {
        let keep = PathBuf::from(format!("{}.before-restore", db.display()));
        let _ = fs::remove_file(&keep);
        if let Err(e) = fs::hard_link(db, &keep) {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&keep)(e));
        }
        if fs::symlink_metadata(&wal).is_ok() {
            // Forced while in use: keep the uncheckpointed commits beside the old index.
            let keep_wal = PathBuf::from(format!("{}-wal", keep.display()));
            let _ = fs::copy(&wal, keep_wal);
        }
        previous = Some(keep);
    }
    // A stale WAL beside the new file would be replayed into it.
    for f in [&wal, &shm] {
        match fs::remove_file(f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(io_err(f)(e));
            }
        }
    }
    if let Err(e) = fs::rename(&tmp, db) {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(db)(e));
    }
    sync_dir(db);
    // Open it as the tools will (migrating an older copy), and count what it holds.
    let index = Index::open(db)?;
    let c = index.connection();
    let count = |sql: &str| -> Result<u64> {
        c.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(db_err(db))
    };
    Ok(RestoreReport {
        db: db.to_path_buf(),
        previous,
        libraries: count("SELECT count(*) FROM libraries")?,
        users: count("SELECT count(*) FROM users")?,
        files: count("SELECT count(*) FROM files")?,
    })
}
