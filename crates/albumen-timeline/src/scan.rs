//! Reading a tree of files into timeline items: walk, read each file's metadata with
//! `albumen-meta` (in parallel), keep only the time facts.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use albumen_meta::Format;
use rayon::prelude::*;

use crate::resolve::TimeFacts;
use crate::timeline::camera_name;
use crate::Error;

/// Deepest folder nesting walked (a bound against pathological trees).
pub const MAX_DEPTH: usize = 64;

/// One file read.
#[derive(Debug, Clone)]
pub struct ScannedFile {
    /// Its path.
    pub path: PathBuf,
    /// Its time facts.
    pub facts: TimeFacts,
    /// "Make Model".
    pub camera: Option<String>,
    /// Its format.
    pub format: Option<Format>,
}

/// The result of [`scan`].
#[derive(Debug, Default)]
pub struct Scan {
    /// Media files read, sorted by path.
    pub files: Vec<ScannedFile>,
    /// Files that are not media (unknown format, XMP sidecars): skipped.
    pub skipped: usize,
    /// Files or folders that could not be read, with the reason.
    pub errors: Vec<(PathBuf, String)>,
}

/// Lists the regular files under `roots` (files given directly are taken as they are). Symbolic
/// links to folders are not followed (no cycles); hidden entries (`.name`) are skipped.
pub fn walk(roots: &[PathBuf]) -> (Vec<PathBuf>, Vec<Error>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut stack: Vec<(PathBuf, usize)> = roots.iter().map(|r| (r.clone(), 0)).collect();
    stack.reverse();
    while let Some((p, depth)) = stack.pop() {
        let md = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(source) => {
                errors.push(Error::Walk { path: p, source });
                continue;
            }
        };
        let ft = md.file_type();
        let is_root = depth == 0;
        if ft.is_dir() || (is_root && p.is_dir()) {
            if depth >= MAX_DEPTH {
                continue;
            }
            let rd = match std::fs::read_dir(&p) {
                Ok(rd) => rd,
                Err(source) => {
                    errors.push(Error::Walk { path: p, source });
                    continue;
                }
            };
            let mut children: Vec<PathBuf> = rd
                .filter_map(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.path())
                .collect();
            children.sort();
            for c in children.into_iter().rev() {
                stack.push((c, depth + 1));
            }
        } else if ft.is_file() || (ft.is_symlink() && p.is_file()) {
            files.push(p);
        }
    }
    (files, errors)
}

fn read_one(path: &Path) -> Result<Option<ScannedFile>, String> {
    let mtime: Option<SystemTime> = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    match albumen_meta::read_path(path) {
        Ok(meta) => {
            if matches!(
                meta.format,
                None | Some(Format::Xmp) | Some(Format::Unknown)
            ) {
                return Ok(None);
            }
            Ok(Some(ScannedFile {
                path: path.to_path_buf(),
                facts: TimeFacts::from_metadata(&meta, mtime),
                camera: camera_name(meta.make.as_deref(), meta.model.as_deref()),
                format: meta.format,
            }))
        }
        Err(albumen_meta::Error::UnknownFormat) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Walks `roots` and reads every media file's time facts, in parallel.
pub fn scan(roots: &[PathBuf]) -> Scan {
    let (paths, walk_errors) = walk(roots);
    let results: Vec<(PathBuf, Result<Option<ScannedFile>, String>)> = paths
        .into_par_iter()
        .map(|p| {
            let r = read_one(&p);
            (p, r)
        })
        .collect();
    let mut scan = Scan::default();
    for e in walk_errors {
        let Error::Walk { path, source } = e else {
            continue;
        };
        scan.errors.push((path, source.to_string()));
    }
    for (p, r) in results {
        match r {
            Ok(Some(f)) => scan.files.push(f),
            Ok(None) => scan.skipped += 1,
            Err(e) => scan.errors.push((p, e)),
        }
    }
    scan
}
