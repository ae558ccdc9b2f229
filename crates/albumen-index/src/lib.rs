//! Scan photo folders **in place** (read-only) into an incremental index, and keep it: the
//! store of albumen, on embedded SQLite or PostgreSQL.
//!
//! # Brief overview
//! - [`Index`] is the database (SQLite, WAL; the schema is documented in `SCHEMA.md` and
//!   queryable by any tool): libraries, their roots, scan runs, folders, one `files` row per
//!   media file path, `items`, `pairs`, `errors` and `changes`.
//! - [`Index::scan`] walks one library's roots in parallel (rayon), skips a documented list of
//!   system entries ([`DEFAULT_SKIP`]), `stat`s every media file ([`DEFAULT_EXTENSIONS`]) and
//!   compares it with the index folder by folder: unchanged files (same size, mtime and inode)
//!   are not opened; new and changed ones are read with [`albumen_meta::read_path`], once per
//!   hard-linked inode. Deleted, moved and renamed files are detected. It never opens anything
//!   under the roots for writing.
//! - [`ScanOptions`] configures the walk (skip list, symlinks, BLAKE3 hashing, cancellation);
//!   [`Progress`] is the seam through which a scan reports progress (the library never prints);
//!   [`ScanReport`] and [`Summary`] say what happened and what the library holds.
//! - [`Error`] is the crate's one error type; per-file problems are data, not errors.
//! - [`backup`] copies the index itself while in use and restores such a copy.
//! - This crate is the store: the schema and every query are its own, as typed methods on
//!   [`Index`] (timeline days, item pages, map cells, search, people, albums, users and
//!   sessions, undo, the trash), on SQLite or PostgreSQL. Copies of a library (export, sync,
//!   archive, verify) are the `albumen-backup` crate, which reaches the index through
//!   [`Index::items_in_local_range`], [`Index::library_files`], [`Index::move_rows`],
//!   [`SyncState`] and the like; [`files`] is what the crates above share of files as the index
//!   sees them.
//!
//! # Example
//! ```
//! use albumen_index::{Index, NoProgress, ScanOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let photos = tempfile::tempdir()?;
//! std::fs::write(photos.path().join("IMG_0001.JPG"), b"\xff\xd8\xff\xe0 not really a jpeg")?;
//! std::fs::write(photos.path().join("notes.txt"), b"not media")?;
//! let db = tempfile::tempdir()?;
//!
//! let mut index = Index::open(db.path().join("index.db"))?;
//! let opts = ScanOptions::new();
//! let first = index.scan("family", &[photos.path().to_path_buf()], &opts, &NoProgress)?;
//! assert_eq!((first.seen, first.new), (1, 1));
//!
//! // Nothing changed: the rescan only stats the file.
//! let again = index.scan("family", &[photos.path().to_path_buf()], &opts, &NoProgress)?;
//! assert_eq!((again.unchanged, again.read), (1, 0));
//!
//! assert_eq!(index.summary("family")?.files, 1);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

pub mod albums;
pub mod backup;
mod copies;
mod days;
mod db;
mod embeddings;
mod error;
mod favorites;
pub mod files;
mod index;
mod items;
mod keywords;
mod library;
mod maps;
mod options;
mod pairs;
mod people;
mod people_view;
mod pg;
mod previews;
mod progress;
mod record;
mod schema;
mod search;
mod stacks;
mod throttle;
pub mod trash;
mod undo;
mod users;
mod verify_log;
mod walk;
mod writer;

pub use albums::{Album, ShareLink, SharedAlbum, ALBUMS_SCHEMA};
pub use backup::RestoreReport;
pub use copies::{
    IndexedFile, LibraryFile, RangeItem, RowMove, RowsMoved, SourceStamp, SyncRecord, SyncState,
};
pub use days::DayCount;
pub use embeddings::{
    quantise, Embeddings, Neighbour, SimilarHit, EMBEDDINGS_SCHEMA, MAX_EMBEDDING_LEN,
};
pub use error::{DbError, Error, Result};
pub use favorites::FAVORITES_SCHEMA;
pub use index::{default_db_path, Index, ScanReport, Summary, SAME_ASSET, WRITER_QUEUE};
pub use items::{
    EditValues, ItemCursor, ItemDetail, ItemFile, ItemFilter, ItemPage, ItemRow, ItemStack,
};
pub use keywords::{KeywordCount, KEYWORDS_SCHEMA, MAX_KEYWORDS, MAX_KEYWORD_CHARS};
pub use library::Library;
pub use maps::{MapCell, MAP_RES_MAX};
pub use options::{ScanOptions, DEFAULT_EXTENSIONS, DEFAULT_SKIP};
pub use pairs::PAIR_BATCH;
pub use people::{
    FaceRecord, KnownPerson, Person, PersonFace, TagRecord, PEOPLE_SCHEMA, PERSON_THRESHOLD,
};
pub use people_view::{FaceBox, LibraryPerson, PersonAccess, PersonName, PersonState};
pub use previews::{PreviewPending, PreviewRecord, PREVIEW_SCHEMA};
pub use progress::{NoProgress, Progress};
pub use schema::{MIGRATIONS, SCHEMA_VERSION};
pub use search::{
    SearchDocs, SearchHit, VisionPending, VisionRecord, MAX_QUERY_TERMS, SEARCH_SCHEMA,
};
pub use stacks::{stack_kind, StackInfo, StackMember, LIVE_PAIR, STACK_METHOD_PREFIX};
pub use throttle::{Throttle, THROTTLE_KEYS, THROTTLE_SCHEMA};
pub use trash::{
    default_trash_dir, TrashRecovery, TrashState, TrashedFile, TrashedItem, TRASH_SCHEMA,
};
pub use undo::{UndoEntry, UNDO_KEEP, UNDO_SCHEMA};
pub use users::{valid_user_name, Session, User, AUTH_SCHEMA};
pub use verify_log::{Problems, VerifyOutcome, VerifyRun, PROBLEMS_KEPT, RUNS_KEPT, VERIFY_SCHEMA};

/// Whether `db` names a PostgreSQL database (`postgres://…` or `postgresql://…`) rather than
/// a SQLite file: every `--db` takes either.
///
/// ```
/// assert!(albumen_index::is_database_url(std::path::Path::new("postgres://anna@nas/albumen")));
/// assert!(!albumen_index::is_database_url(std::path::Path::new("/srv/photos/index.db")));
/// ```
pub fn is_database_url(db: &std::path::Path) -> bool {
    db::is_url(db)
}
