//! Scan photo folders **in place** (read-only) into an [`albumen_index::Index`].
//!
//! # Brief overview
//! - [`scan`] (or [`Scan::scan`] on an `Index`) walks one library's roots in parallel (rayon),
//!   skips a documented list of system entries ([`DEFAULT_SKIP`]), `stat`s every media file
//!   ([`DEFAULT_EXTENSIONS`]) and compares it with the index folder by folder: a folder whose
//!   listing has the digest its rows had is not looked at further; in others, unchanged files
//!   (same size, mtime and inode) are not opened, new and changed ones are read with
//!   [`albumen_meta::Reader`], once per hard-linked inode. It never opens anything under the
//!   roots for writing.
//! - [`ScanOptions`] configures the walk (skip list, extensions, symlinks, BLAKE3 hashing,
//!   cancellation); [`Filter`] is its compiled form (which names are media, which are skipped).
//! - The index does the database's part ([`albumen_index::Index::ingest`]): the run's rows, a
//!   writer thread the walk sends rows to over a bounded channel, and the finishing steps
//!   (deletions, moves, re-downloads, Live Photo pairs and stacks, counts). This crate writes no
//!   SQL.
//! - [`Error`] is the crate's one error type; per-file problems are data, not errors.
//!
//! # Example
//! ```
//! use albumen_index::{Index, NoProgress};
//! use albumen_scan::{Scan, ScanOptions};
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

mod error;
mod options;
mod walk;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use albumen_index::{Index, IngestOptions, Progress, ScanReport, WalkInput, WalkOutput};

pub use error::{Error, Result};
pub use options::{Filter, ScanOptions, DEFAULT_EXTENSIONS, DEFAULT_SKIP};

/// Scans `roots` into the library `library` of `index` (created on first use). Read-only on
/// the roots. Returns what changed; per-file problems are in the report and the index, not
/// errors. Stops early (with `complete == false`) when [`ScanOptions::cancel`] is set.
pub fn scan(
    index: &mut Index,
    library: &str,
    roots: &[PathBuf],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Result<ScanReport> {
    let roots = resolve_roots(index.path(), roots, &Filter::new(opts))?;
    let ingest = IngestOptions {
        hash: opts.hash,
        batch: opts.batch,
        cancel: opts.cancel.clone(),
    };
    let report = index.ingest(library, &roots, &ingest, progress, |input: WalkInput| {
        let WalkInput {
            known,
            updates,
            rows,
        } = input;
        let walker = walk::Walker::new(opts, rows, known, updates, progress);
        walker.walk(&roots);
        let cancelled = walker.cancelled();
        let walk::Walker {
            tx,
            counters,
            known,
            incomplete,
            ..
        } = walker;
        // The writer finishes when the last sender is gone.
        drop::<SyncSender<_>>(tx);
        WalkOutput {
            known,
            counts: counters,
            cancelled,
            incomplete: incomplete.into_inner().unwrap_or_default(),
        }
    })?;
    Ok(report)
}

/// [`scan`] as a method of [`Index`]: `index.scan(library, roots, &opts, &progress)`.
pub trait Scan {
    /// See [`scan`].
    fn scan(
        &mut self,
        library: &str,
        roots: &[PathBuf],
        opts: &ScanOptions,
        progress: &dyn Progress,
    ) -> Result<ScanReport>;
}

impl Scan for Index {
    fn scan(
        &mut self,
        library: &str,
        roots: &[PathBuf],
        opts: &ScanOptions,
        progress: &dyn Progress,
    ) -> Result<ScanReport> {
        scan(self, library, roots, opts, progress)
    }
}

/// Absolute, symlink-resolved roots; refuses a database inside one of them, unless it is below
/// a folder the walk skips (`~/.local/share/albumen` when scanning `~`). A root inside another
/// is left out (it would be walked twice).
fn resolve_roots(db: &Path, roots: &[PathBuf], filter: &Filter) -> Result<Vec<PathBuf>> {
    let db_dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let db_dir = fs::canonicalize(db_dir).unwrap_or_else(|_| db_dir.to_path_buf());
    let mut out: Vec<PathBuf> = Vec::new();
    for r in roots {
        let abs = fs::canonicalize(r).map_err(|source| Error::Io {
            path: r.clone(),
            source,
        })?;
        if !abs.is_dir() {
            return Err(Error::NotADirectory(r.clone()));
        }
        let walked_into = db_dir
            .strip_prefix(&abs)
            .is_ok_and(|rel| !rel.components().any(|c| filter.skipped(c.as_os_str())));
        if walked_into {
            return Err(Error::DbInsideRoot {
                db: db.to_path_buf(),
                root: abs,
            });
        }
        out.push(abs);
    }
    let all = out.clone();
    out.retain(|r| !all.iter().any(|o| o != r && r.starts_with(o)));
    out.dedup();
    Ok(out)
}
