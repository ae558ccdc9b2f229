//! The index of albumen: the store of what was found in photo folders scanned **in place**,
//! on embedded SQLite (the default) or PostgreSQL, with every query as a typed method.
//!
//! # Brief overview
//! - [`Index`] is the database (SQLite, WAL; the schema is documented in `SCHEMA.md` and
//!   queryable by any tool): libraries, their roots, scan runs, folders, one `files` row per
//!   media file path, `items`, `pairs`, `errors` and `changes`; users and sessions, albums,
//!   people, search, undo, the trash. It is the only crate that speaks SQL: everything above
//!   it calls typed methods (timeline days, item pages, map cells, search, people, …) and gets
//!   typed rows back, whichever engine is underneath.
//! - [`Index::ingest`] is the database's part of a scan ([`ingest`]): the run's rows, a writer
//!   thread that takes the walk's [`IndexUpdate`]s in large transactions, and the finishing
//!   steps (files gone, moves and renames, re-downloads, Live Photo pairs and stacks, counts),
//!   reported in a [`ScanReport`]. The walk itself (listing, comparing, reading files) is the
//!   `albumen-scan` crate; [`Summary`] says what a library holds.
//! - [`Progress`] is the seam through which scans and copies report progress (the library
//!   never prints). [`Error`] is the crate's one error type; per-file problems are data.
//! - [`backup`] copies the index itself while in use and restores such a copy.
//! - Copies of a library (export, sync, archive, verify) are the `albumen-backup` crate, which
//!   reaches the index through [`Index::items_in_local_range`], [`Index::library_files`],
//!   [`Index::move_rows`], [`SyncState`] and the like; [`files`] is what the crates above share
//!   of files as the index sees them.
//!
//! # Example
//! ```
//! use albumen_index::{Index, ItemFilter, NoProgress};
//! use albumen_scan::{Scan, ScanOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let photos = tempfile::tempdir()?;
//! std::fs::write(photos.path().join("IMG_0001.JPG"), b"\xff\xd8\xff\xe0 not really a jpeg")?;
//! let db = tempfile::tempdir()?;
//!
//! // `albumen-scan` fills the index (a path: SQLite; a postgres:// URL: PostgreSQL) ...
//! let mut index = Index::open(db.path().join("index.db"))?;
//! index.scan("family", &[photos.path().to_path_buf()], &ScanOptions::new(), &NoProgress)?;
//!
//! // ... and everything else reads it through typed methods.
//! let family = index.library(Some("family"))?;
//! assert_eq!(index.summary("family")?.files, 1);
//! let page = index.item_page(family.id, &ItemFilter::new(), 100, 0)?;
//! assert_eq!(page.items.len(), 1);
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
pub mod ingest;
mod items;
mod keywords;
mod library;
mod maps;
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
pub use ingest::{
    Change, DirReader, FileRow, IndexUpdate, IngestOptions, KnownDir, KnownFile, WalkCounts,
    WalkInput, WalkOutput,
};
pub use items::{
    EditValues, ItemCursor, ItemDetail, ItemFile, ItemFilter, ItemPage, ItemRow, ItemStack,
};
pub use keywords::{KeywordCount, KEYWORDS_SCHEMA, MAX_KEYWORDS, MAX_KEYWORD_CHARS};
pub use library::Library;
pub use maps::{MapCell, MAP_RES_MAX};
pub use pairs::PAIR_BATCH;
pub use people::{
    FaceRecord, KnownPerson, Person, PersonFace, TagRecord, PEOPLE_SCHEMA, PERSON_THRESHOLD,
};
pub use people_view::{FaceBox, LibraryPerson, PersonAccess, PersonName, PersonState};
pub use previews::{PreviewPending, PreviewRecord, PREVIEW_SCHEMA};
pub use progress::{NoProgress, Progress};
pub use record::Content;
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
