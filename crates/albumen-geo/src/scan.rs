//! Walking folders for the positions of photos and videos (for `albumen map` / `places`).

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::Error;

/// Deepest folder nesting followed (a guard against pathological trees).
const MAX_DEPTH: usize = 64;

/// A file with a GPS position.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoFile {
    /// The file.
    pub path: PathBuf,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct GeoScan {
    /// Files with a position, sorted by path.
    pub files: Vec<GeoFile>,
    /// Media files read without a position (or with (0, 0), which counts as none).
    pub without_position: usize,
    /// Files that are not a known media format (skipped silently).
    pub not_media: usize,
    /// Files that could not be read: path and the reader's message.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Lists the files under `roots` (files given directly are kept), skipping hidden entries
/// (`.git`, `.thumbnails`), XMP sidecars (the reader merges them into their file) and symbolic
/// links to folders (no loops). Sorted.
pub fn walk(roots: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for root in roots {
        let meta = fs::metadata(root).map_err(|source| Error::Io {
            path: root.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk_dir(root, 0, &mut out)?;
        } else {
            out.push(root.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk_dir(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(io)?;
        if kind.is_dir() {
            walk_dir(&path, depth + 1, out)?;
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            let lower = name.to_ascii_lowercase();
            if !lower.ends_with(".xmp") {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// Reads the GPS position of every file under `roots`, in parallel (`albumen_meta::read_path`).
pub fn scan_positions(roots: &[PathBuf]) -> Result<GeoScan, Error> {
    let paths = walk(roots)?;
    enum One {
        Pos(GeoFile),
        NoPos,
        NotMedia,
        Bad(PathBuf, String),
    }
    let results: Vec<One> = paths
        .into_par_iter()
        .map(|path| match albumen_meta::read_path(&path) {
            Ok(md) => match md.gps {
                Some(g) if !(g.value.lat == 0.0 && g.value.lon == 0.0) => One::Pos(GeoFile {
                    path,
                    lat: g.value.lat,
                    lon: g.value.lon,
                }),
                _ => One::NoPos,
            },
            Err(albumen_meta::Error::UnknownFormat | albumen_meta::Error::Empty) => One::NotMedia,
            Err(e) => One::Bad(path, e.to_string()),
        })
        .collect();
    let mut scan = GeoScan::default();
    for r in results {
        match r {
            One::Pos(f) => scan.files.push(f),
            One::NoPos => scan.without_position += 1,
            One::NotMedia => scan.not_media += 1,
            One::Bad(p, e) => scan.unreadable.push((p, e)),
        }
    }
    Ok(scan)
}
