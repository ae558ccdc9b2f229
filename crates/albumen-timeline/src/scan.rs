//! Reading a tree of files into timeline items: walk, read each file's metadata with
//! `albumen-meta` (in parallel), keep only the time facts.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use albumen_meta::Format;
use rayon::prelude::*;

use crate::resolve::TimeFacts;
use crate::timeline::camera_name;

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
    let walked = albumen_meta::walk::files(roots);
    let paths = walked.files;
    let results: Vec<(PathBuf, Result<Option<ScannedFile>, String>)> = paths
        .into_par_iter()
        .map(|p| {
            let r = read_one(&p);
            (p, r)
        })
        .collect();
    let mut scan = Scan::default();
    for e in walked.errors {
        let path = e.path().map(Path::to_path_buf).unwrap_or_default();
        let why = match e {
            albumen_meta::Error::Io { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        scan.errors.push((path, why));
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
