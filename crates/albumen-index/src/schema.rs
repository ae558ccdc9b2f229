//! The SQLite schema (documented in `SCHEMA.md` beside this crate's `Cargo.toml`).

/// Version written to `meta.schema_version`; bump on every change, with a [`MIGRATIONS`] step.
pub const SCHEMA_VERSION: i64 = 5;

/// The steps that bring an older database up to [`SCHEMA_VERSION`]: `(version, SQL)` runs on a
/// database of version `version - 1`, in one transaction with the version update. Additive
/// only (new columns, tables, indexes), so that older rows stay valid.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        2,
        "ALTER TABLE files ADD COLUMN redownload_of INTEGER;
     CREATE INDEX IF NOT EXISTS files_redownload ON files (redownload_of)
       WHERE redownload_of IS NOT NULL;",
    ),
    // Stacks (RAW+JPEG, edited versions, bursts) are `pairs` rows with method `stack-<kind>`:
    // the view no longer takes them for a Live Photo's video; the user's stack choices. The
    // cached counts are dropped so that the next scan makes the stacks even if nothing changed.
    (
        3,
        "DROP VIEW IF EXISTS items;
     CREATE VIEW items AS
       SELECT f.id AS id, f.library_id AS library_id,
              CASE WHEN p.video_file_id IS NOT NULL THEN 'live-photo'
                   ELSE coalesce(f.kind, 'unreadable') END AS kind,
              f.id AS file_id, p.video_file_id AS video_file_id,
              coalesce(f.time_utc, f.capture_utc) AS time_utc,
              coalesce(f.time_local, f.capture_local) AS time_local
       FROM files f
       LEFT JOIN (SELECT still_file_id, min(video_file_id) AS video_file_id FROM pairs
                  WHERE method NOT LIKE 'stack-%' GROUP BY still_file_id) p
         ON p.still_file_id = f.id
       WHERE NOT EXISTS (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id);
     CREATE TABLE IF NOT EXISTS stack_choices (
       file_id INTEGER PRIMARY KEY REFERENCES files(id),
       choice  TEXT NOT NULL
     );
     DELETE FROM library_stats;",
    ),
    // Per-user favourites and hidden people (the web page); also created on every open.
    (4, crate::favorites::FAVORITES_SCHEMA),
    // Failed logins and share-link guesses, counted in the index so that every server on
    // one database counts them alike; also created on every open.
    (5, crate::throttle::THROTTLE_SCHEMA),
];

/// Connection settings applied to every connection that writes.
///
/// WAL lets the scan's readers (one per worker thread, comparing a folder with what the index
/// holds) read while the writer thread commits; `synchronous=NORMAL` in WAL mode keeps every
/// commit atomic (a crash loses at most the last transactions, never consistency) without an
/// fsync per commit.
pub const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA temp_store = MEMORY;
PRAGMA cache_size = -16384;
";

/// The tables. Every statement is idempotent.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS libraries (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS library_roots (
  library_id INTEGER NOT NULL REFERENCES libraries(id),
  path       BLOB NOT NULL,
  path_text  TEXT NOT NULL,
  PRIMARY KEY (library_id, path)
);
CREATE TABLE IF NOT EXISTS scan_runs (
  id          INTEGER PRIMARY KEY,
  library_id  INTEGER NOT NULL REFERENCES libraries(id),
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  status      TEXT NOT NULL,
  hash        INTEGER NOT NULL DEFAULT 0,
  seen        INTEGER NOT NULL DEFAULT 0,
  unchanged   INTEGER NOT NULL DEFAULT 0,
  new         INTEGER NOT NULL DEFAULT 0,
  changed     INTEGER NOT NULL DEFAULT 0,
  moved       INTEGER NOT NULL DEFAULT 0,
  deleted     INTEGER NOT NULL DEFAULT 0,
  read        INTEGER NOT NULL DEFAULT 0,
  errors      INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER
);
CREATE TABLE IF NOT EXISTS dirs (
  id         INTEGER PRIMARY KEY,
  library_id INTEGER NOT NULL REFERENCES libraries(id),
  path       BLOB NOT NULL,
  path_text  TEXT NOT NULL,
  fingerprint BLOB,
  UNIQUE (library_id, path)
);
CREATE TABLE IF NOT EXISTS files (
  id               INTEGER PRIMARY KEY,
  library_id       INTEGER NOT NULL REFERENCES libraries(id),
  dir_id           INTEGER NOT NULL REFERENCES dirs(id),
  name             BLOB NOT NULL,
  path             BLOB NOT NULL,
  path_text        TEXT NOT NULL,
  size             INTEGER NOT NULL,
  mtime_ns         INTEGER NOT NULL,
  dev              INTEGER NOT NULL,
  inode            INTEGER NOT NULL,
  nlink            INTEGER NOT NULL,
  format           TEXT,
  kind             TEXT,
  capture_kind     TEXT,
  capture_local    TEXT,
  capture_utc      TEXT,
  capture_offset_s INTEGER,
  capture_source   TEXT,
  lat              REAL,
  lon              REAL,
  alt              REAL,
  make             TEXT,
  model            TEXT,
  lens             TEXT,
  content_id       TEXT,
  burst_id         TEXT,
  width            INTEGER,
  height           INTEGER,
  orientation      INTEGER,
  duration_s       REAL,
  motion_photo     INTEGER NOT NULL DEFAULT 0,
  rating           INTEGER,
  bytes_read       INTEGER,
  time_utc         TEXT,
  time_local       TEXT,
  time_offset_s    INTEGER,
  time_zone        TEXT,
  time_source      TEXT,
  time_confidence  TEXT,
  hash             BLOB,
  error_reason     TEXT,
  error            TEXT,
  first_run        INTEGER NOT NULL,
  read_run         INTEGER NOT NULL,
  redownload_of    INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS files_dir_name ON files (dir_id, name);
CREATE INDEX IF NOT EXISTS files_content_id ON files (content_id) WHERE content_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS files_hash ON files (hash) WHERE hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS files_library ON files (library_id, first_run);
CREATE INDEX IF NOT EXISTS files_redownload ON files (redownload_of) WHERE redownload_of IS NOT NULL;
CREATE TABLE IF NOT EXISTS pairs (
  id            INTEGER PRIMARY KEY,
  library_id    INTEGER NOT NULL REFERENCES libraries(id),
  still_file_id INTEGER NOT NULL REFERENCES files(id),
  video_file_id INTEGER NOT NULL REFERENCES files(id),
  method        TEXT NOT NULL,
  confidence    REAL,
  evidence      TEXT NOT NULL
);
CREATE VIEW IF NOT EXISTS items AS
  SELECT f.id AS id, f.library_id AS library_id,
         CASE WHEN p.video_file_id IS NOT NULL THEN 'live-photo'
              ELSE coalesce(f.kind, 'unreadable') END AS kind,
         f.id AS file_id, p.video_file_id AS video_file_id,
         coalesce(f.time_utc, f.capture_utc) AS time_utc,
         coalesce(f.time_local, f.capture_local) AS time_local
  FROM files f
  LEFT JOIN (SELECT still_file_id, min(video_file_id) AS video_file_id FROM pairs
             WHERE method NOT LIKE 'stack-%' GROUP BY still_file_id) p ON p.still_file_id = f.id
  WHERE NOT EXISTS (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id);
CREATE TABLE IF NOT EXISTS library_stats (
  library_id INTEGER NOT NULL REFERENCES libraries(id),
  what       TEXT NOT NULL,
  key        TEXT NOT NULL,
  n          INTEGER NOT NULL,
  PRIMARY KEY (library_id, what, key)
);
CREATE INDEX IF NOT EXISTS pairs_still ON pairs (still_file_id);
CREATE TABLE IF NOT EXISTS stack_choices (
  file_id INTEGER PRIMARY KEY REFERENCES files(id),
  choice  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pairs_video ON pairs (video_file_id);
CREATE TABLE IF NOT EXISTS errors (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES scan_runs(id),
  library_id INTEGER NOT NULL REFERENCES libraries(id),
  path       BLOB NOT NULL,
  path_text  TEXT NOT NULL,
  reason     TEXT NOT NULL,
  detail     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS errors_run ON errors (run_id);
CREATE TABLE IF NOT EXISTS changes (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES scan_runs(id),
  kind          TEXT NOT NULL,
  path_text     TEXT NOT NULL,
  old_path_text TEXT
);
CREATE INDEX IF NOT EXISTS changes_run ON changes (run_id);
";
