//! Walking folders for the positions of photos and videos (for `albumen map` / `places`).

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::Error;

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

/// Reads the GPS position of every file under `roots`, in parallel (`albumen_meta::read_path`).
pub fn scan_positions(roots: &[PathBuf]) -> Result<GeoScan, Error> {
    for root in roots {
        std::fs::metadata(root).map_err(|source| Error::Io {
            path: root.clone(),
            source,
        })?;
    }
    let walked = albumen_meta::walk::files(roots);
    // XMP sidecars are merged into their file by the reader; alone they are not photos.
    let paths: Vec<PathBuf> = walked
        .files
        .into_iter()
        .filter(|p| {
            roots.contains(p) || !p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xmp"))
        })
        .collect();
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
    for e in walked.errors {
        let path = e.path().map(Path::to_path_buf).unwrap_or_default();
        let why = match e {
            albumen_meta::Error::Io { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        scan.unreadable.push((path, why));
    }
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
