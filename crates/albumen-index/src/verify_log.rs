//! The record of verify runs: when a library was last checked against a backup, against
//! which one, and what was missing then (for the page and `GET /api/verify`).
//!
//! A table beside the scan's tables ([`VERIFY_SCHEMA`]), created on every
//! [`Index::open`](crate::Index::open) when missing (additive: older indexes gain it, older
//! builds ignore it). The target is the backup folder or the rclone `REMOTE:PATH` with any
//! connection-string parameters left out: never a password or a copy of rclone's config. Only the
//! first [`PROBLEMS_KEPT`] problem paths of a run are kept; [`RUNS_KEPT`] runs per library.

use crate::db::params;
use serde::{Deserialize, Serialize};

use crate::index::{db_err, now_text, u64_of};
use crate::{Index, Result};

/// The verify-runs table. Every statement is idempotent.
pub const VERIFY_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS verify_runs (
  id              INTEGER PRIMARY KEY,
  library_id      INTEGER NOT NULL REFERENCES libraries(id),
  finished_at     TEXT NOT NULL,
  target          TEXT NOT NULL,
  via             TEXT NOT NULL,
  hashed          INTEGER NOT NULL,
  checked         INTEGER NOT NULL,
  ok              INTEGER NOT NULL,
  missing         INTEGER NOT NULL,
  different       INTEGER NOT NULL,
  found_elsewhere INTEGER NOT NULL,
  extra           INTEGER NOT NULL,
  unreadable      INTEGER NOT NULL,
  passed          INTEGER NOT NULL,
  problems        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS verify_runs_library ON verify_runs (library_id, id);
";

/// Problem paths kept per run (the counts are always complete).
pub const PROBLEMS_KEPT: usize = 200;
/// Runs kept per library (older ones are dropped as new ones come).
pub const RUNS_KEPT: i64 = 100;

/// The paths of what a run found wrong (at most [`PROBLEMS_KEPT`] in all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Problems {
    /// Missing files, relative to the root.
    pub missing: Vec<String>,
    /// Different files.
    pub different: Vec<String>,
    /// Unreadable files.
    pub unreadable: Vec<String>,
}

/// One recorded verify run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VerifyRun {
    /// `verify_runs.id`.
    pub id: i64,
    /// When it finished (RFC 3339, UTC).
    pub finished_at: String,
    /// The backup folder, or `REMOTE:PATH`.
    pub target: String,
    /// `folder`, `rclone` or `rclone-crypt`.
    pub via: String,
    /// Whether contents were compared.
    pub hashed: bool,
    /// Files checked.
    pub checked: u64,
    /// Files intact.
    pub ok: u64,
    /// Files missing.
    pub missing: u64,
    /// Files different.
    pub different: u64,
    /// Files found at another path.
    pub found_elsewhere: u64,
    /// Media files only in the backup.
    pub extra: u64,
    /// Files that could not be read.
    pub unreadable: u64,
    /// Nothing missing, different or unreadable.
    pub passed: bool,
    /// The first problem paths.
    pub problems: Problems,
}

/// A finished verify run as it is recorded: what `albumen-backup`'s verify reports, in short
/// (its `VerifyReport::outcome`). The problem paths are relative to the library's root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyOutcome {
    /// The library checked.
    pub library: String,
    /// The backup folder, or `REMOTE:PATH` (never a connection string's parameters).
    pub target: String,
    /// `folder`, `rclone` or `rclone-crypt`.
    pub via: String,
    /// Whether contents were compared.
    pub hashed: bool,
    /// Files checked.
    pub checked: u64,
    /// Files intact.
    pub ok: u64,
    /// Missing files.
    pub missing: Vec<String>,
    /// Different files.
    pub different: Vec<String>,
    /// Files found at another path.
    pub found_elsewhere: u64,
    /// Media files only in the backup.
    pub extra: u64,
    /// Files that could not be read.
    pub unreadable: Vec<String>,
    /// Nothing missing, different or unreadable.
    pub passed: bool,
}

impl Index {
    /// Records a verify run of its library; returns the run's id.
    ///
    /// ```
    /// # use albumen_index::{Index, NoProgress, VerifyOutcome};
    /// # use albumen_scan::{Scan, ScanOptions};
    /// let dir = tempfile::tempdir()?;
    /// let photos = dir.path().join("photos");
    /// std::fs::create_dir_all(&photos)?;
    /// std::fs::write(photos.join("a.jpg"), b"\xff\xd8\xff\xd9")?;
    /// let mut index = Index::open(dir.path().join("i.db"))?;
    /// index.scan("family", &[photos.clone()], &ScanOptions::new(), &NoProgress)?;
    /// index.record_verify(&VerifyOutcome {
    ///     library: "family".into(),
    ///     target: "/mnt/copy".into(),
    ///     via: "folder".into(),
    ///     checked: 1,
    ///     missing: vec!["a.jpg".into()],
    ///     ..VerifyOutcome::default()
    /// })?;
    /// let runs = index.verify_runs(index.library(Some("family"))?.id, 10)?;
    /// assert_eq!(runs.len(), 1);
    /// assert_eq!((runs[0].missing, runs[0].passed), (1, false));
    /// assert_eq!(runs[0].problems.missing, ["a.jpg"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_verify(&self, report: &VerifyOutcome) -> Result<i64> {
        let library = self.library(Some(&report.library))?;
        let e = db_err(self.path());
        let mut left = PROBLEMS_KEPT;
        let mut take = |paths: &[String]| -> Vec<String> {
            let v: Vec<String> = paths.iter().take(left).cloned().collect();
            left -= v.len();
            v
        };
        let problems = Problems {
            missing: take(&report.missing),
            different: take(&report.different),
            unreadable: take(&report.unreadable),
        };
        let problems = serde_json::to_string(&problems).unwrap_or_else(|_| "{}".to_string());
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        let u = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let tx = self.connection().unchecked_transaction().map_err(&e)?;
        tx.execute(
            "INSERT INTO verify_runs (library_id, finished_at, target, via, hashed, checked, ok, \
             missing, different, found_elsewhere, extra, unreadable, passed, problems) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                library.id,
                now_text(),
                report.target,
                report.via,
                report.hashed,
                u(report.checked),
                u(report.ok),
                n(report.missing.len()),
                n(report.different.len()),
                u(report.found_elsewhere),
                u(report.extra),
                n(report.unreadable.len()),
                report.passed,
                problems,
            ],
        )
        .map_err(&e)?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "DELETE FROM verify_runs WHERE library_id = ?1 AND id NOT IN \
             (SELECT id FROM verify_runs WHERE library_id = ?1 ORDER BY id DESC LIMIT ?2)",
            params![library.id, RUNS_KEPT],
        )
        .map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(id)
    }

    /// The library's recorded verify runs, newest first, at most `limit`.
    pub fn verify_runs(&self, library_id: i64, limit: i64) -> Result<Vec<VerifyRun>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare(
                "SELECT id, finished_at, target, via, hashed, checked, ok, missing, different, \
                 found_elsewhere, extra, unreadable, passed, problems FROM verify_runs \
                 WHERE library_id = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(&e)?;
        let rows = st
            .query_map(params![library_id, limit.max(0)], |r| {
                let problems: String = r.get(13)?;
                Ok(VerifyRun {
                    id: r.get(0)?,
                    finished_at: r.get(1)?,
                    target: r.get(2)?,
                    via: r.get(3)?,
                    hashed: r.get(4)?,
                    checked: u64_of(r.get(5)?),
                    ok: u64_of(r.get(6)?),
                    missing: u64_of(r.get(7)?),
                    different: u64_of(r.get(8)?),
                    found_elsewhere: u64_of(r.get(9)?),
                    extra: u64_of(r.get(10)?),
                    unreadable: u64_of(r.get(11)?),
                    passed: r.get(12)?,
                    problems: serde_json::from_str(&problems).unwrap_or_default(),
                })
            })
            .map_err(&e)?;
        rows.collect::<crate::db::Result<Vec<_>>>().map_err(&e)
    }
}
