//! Walking library folders and reading what the pairing needs, in parallel.

use std::fs;
use std::path::{Path, PathBuf};

use albumen_meta::{Format, Metadata};
use rayon::prelude::*;

use crate::{detect_motion_photo, Error, Pairer, Pairing};

/// A file that could not be read (the scan goes on without it).
#[derive(Debug)]
pub struct ScanFailure {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub error: Error,
}

/// The outcome of [`scan_roots`].
#[derive(Debug, Default)]
pub struct Scan {
    /// The pairing of every media file found.
    pub pairing: Pairing,
    /// How many files were looked at.
    pub files: usize,
    /// How many of them were recognised media files.
    pub media: usize,
    /// Files or folders that could not be read.
    pub failures: Vec<ScanFailure>,
    /// RAW+JPEG twins, edited versions and bursts (see [`crate::stack`]).
    pub stacks: Vec<crate::Stack>,
    /// Motion photos found by this crate's own detection because the metadata reader did not
    /// report them.
    pub motion_detected_here: usize,
}

/// Walks the roots (files or folders), reads the metadata of every file in parallel and pairs
/// them with the default [`Pairer`]. Hidden files and folders and NAS/OS housekeeping folders
/// (`@eaDir`, `#recycle`, ...) are skipped; symbolic links to folders are not followed.
pub fn scan_roots(roots: &[PathBuf]) -> Result<Scan, Error> {
    scan_roots_with(roots, &Pairer::default())
}

/// [`scan_roots`] with a configured [`Pairer`].
pub fn scan_roots_with(roots: &[PathBuf], pairer: &Pairer) -> Result<Scan, Error> {
    let mut failures = Vec::new();
    for root in roots {
        fs::metadata(root).map_err(|_| Error::NoSuchRoot(root.clone()))?;
    }
    let walked = albumen_meta::walk::files(roots);
    let files = walked.files;
    for e in walked.errors {
        failures.push(ScanFailure {
            path: e.path().map(Path::to_path_buf).unwrap_or_default(),
            error: Error::Walk(e),
        });
    }

    let read: Vec<(PathBuf, ReadOutcome)> =
        files.par_iter().map(|p| (p.clone(), read_one(p))).collect();

    let mut scan = Scan {
        files: files.len(),
        ..Scan::default()
    };
    let mut items = Vec::with_capacity(read.len());
    for (p, r) in read {
        match r {
            Ok(Some((m, detected_here))) => {
                scan.motion_detected_here += usize::from(detected_here);
                items.push((p, m));
            }
            Ok(None) => {}
            Err(error) => failures.push(ScanFailure { path: p, error }),
        }
    }
    scan.media = items.len();
    scan.pairing = pairer.pair(items.iter().map(|(p, m)| (p.as_path(), m)));
    scan.stacks = crate::stack(items.iter().map(|(p, m)| (p.as_path(), m)), &scan.pairing);
    scan.failures = failures;
    Ok(scan)
}

/// What reading one file gave: not media, or its metadata and whether the motion photo was
/// found here; or the error.
type ReadOutcome = Result<Option<(Metadata, bool)>, Error>;

/// Sniffs whether a file is JPEG or ISO-BMFF (the only containers of motion photos).
fn sniff_still(path: &Path) -> Option<Format> {
    use std::io::Read;
    let mut head = [0u8; 12];
    let mut f = fs::File::open(path).ok()?;
    f.read_exact(&mut head).ok()?;
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if &head[4..8] == b"ftyp"
        && matches!(&head[8..12], b"heic" | b"heix" | b"mif1" | b"msf1")
    {
        Some(Format::Heic)
    } else {
        None
    }
}

/// Reads one file: `Ok(None)` when it is not media, the metadata otherwise, and whether a
/// motion photo was found here rather than by the metadata reader.
fn read_one(path: &Path) -> ReadOutcome {
    let mut meta = match albumen_meta::read_path(path) {
        Ok(m) => m,
        Err(albumen_meta::Error::UnknownFormat | albumen_meta::Error::Empty) => {
            // The reader does not know the file; a motion photo can still be recognised from
            // its bytes.
            let Some(f) = sniff_still(path) else {
                return Ok(None);
            };
            let mut m = Metadata::default();
            m.format = Some(f);
            m
        }
        Err(source) => {
            return Err(Error::Meta {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let mut here = false;
    if meta.motion_photo.is_none()
        && matches!(
            meta.format,
            Some(Format::Jpeg | Format::Heic | Format::Heif)
        )
    {
        match detect_motion_photo(path) {
            Ok(Some(mp)) => {
                meta.motion_photo = Some(mp);
                here = true;
            }
            Ok(None) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Some((meta, here)))
}
