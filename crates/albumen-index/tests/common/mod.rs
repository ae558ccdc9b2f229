//! Fixtures for the export and verify tests: tiny JPEGs with EXIF dates and QuickTime movies
//! with a header time and a duration, generated in code, arranged as a small library.

#![allow(clippy::unwrap_used, dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use albumen_index::{Index, NoProgress};
use albumen_meta::encode::{ExifBuilder, ExifValue, Ifd};
use albumen_scan::{Scan, ScanOptions};

pub mod raw;
pub use raw::Raw;

/// A JPEG (SOI, APP1 EXIF with DateTimeOriginal and optionally OffsetTimeOriginal, a comment
/// that makes its bytes unique, SOF0 64x48, SOS, EOI).
pub fn jpeg(local: &str, offset: Option<&str>, note: &str) -> Vec<u8> {
    let mut b = ExifBuilder::new(true).set(Ifd::Exif, 0x9003, ExifValue::Ascii(local.into()));
    if let Some(o) = offset {
        b = b.set(Ifd::Exif, 0x9011, ExifValue::Ascii(o.into()));
    }
    jpeg_with_exif(b.build().unwrap(), note)
}

/// A JPEG holding the TIFF block `tiff` as its EXIF (APP1), a comment that makes its bytes
/// unique (`note`), SOF0 64x48, SOS and EOI.
pub fn jpeg_with_exif(tiff: Vec<u8>, note: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(u16::try_from(2 + 6 + tiff.len()).unwrap().to_be_bytes());
    out.extend(b"Exif\0\0");
    out.extend(tiff);
    out.extend([0xFF, 0xFE]);
    out.extend(u16::try_from(2 + note.len()).unwrap().to_be_bytes());
    out.extend(note.as_bytes());
    out.extend([
        0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9,
    ]);
    out
}

fn qt_box(typ: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut b = u32::try_from(8 + payload.len())
        .unwrap()
        .to_be_bytes()
        .to_vec();
    b.extend(typ);
    b.extend(payload);
    b
}

/// A QuickTime movie: `ftyp qt`, `moov` with an `mvhd` (creation time as a Unix time, UTC;
/// duration), and an `mdat` holding `note`.
pub fn mov(created_unix: i64, duration_s: f64, note: &str) -> Vec<u8> {
    const QT_EPOCH: i64 = 2_082_844_800; // 1904-01-01 to 1970-01-01
    let created = u32::try_from(created_unix + QT_EPOCH).unwrap();
    let scale = 600u32;
    let mut mvhd = vec![0u8; 4]; // version 0, flags
    mvhd.extend(created.to_be_bytes());
    mvhd.extend(created.to_be_bytes());
    mvhd.extend(scale.to_be_bytes());
    mvhd.extend(((duration_s * f64::from(scale)) as u32).to_be_bytes());
    mvhd.extend(0x0001_0000u32.to_be_bytes()); // rate
    mvhd.extend(0x0100u16.to_be_bytes()); // volume
    mvhd.extend([0u8; 10]);
    for v in [0x0001_0000u32, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000] {
        mvhd.extend(v.to_be_bytes());
    }
    mvhd.extend([0u8; 24]);
    mvhd.extend(2u32.to_be_bytes()); // next track id
    let mut out = qt_box(b"ftyp", b"qt  \0\0\0\0qt  ");
    out.extend(qt_box(b"moov", &qt_box(b"mvhd", &mvhd)));
    out.extend(qt_box(b"mdat", note.as_bytes()));
    out
}

/// Writes a file (creating its folder) and gives it a fixed modification time (2001-09-09),
/// so tests can tell a kept mtime from a fresh one.
pub fn write(p: &Path, bytes: &[u8]) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
    let f = fs::File::options().write(true).open(p).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000))
        .unwrap();
}

/// 2024-03-10T23:00:03Z as a Unix time.
pub const VIDEO_UTC: i64 = 1_710_111_603;

/// The library used by the tests, below `root`:
///
/// | file | local time | note |
/// |---|---|---|
/// | `2024-03/IMG_0001.JPG` (+ `IMG_0001.xmp`) | 2024-03-10 10:00 +01:00 | mode 0640 |
/// | `2024-03/IMG_0002.JPG` (+ `IMG_0002.AAE`) | 2024-03-11 00:00:02 +01:00 | Live Photo still |
/// | `2024-03/IMG_0002.MOV` | 2024-03-10T23:00:03Z | its video (name + time pair) |
/// | `2024-03/IMG_0003.JPG` | 2024-03-12 08:00 | after the range |
/// | `2024-03/IMG_0004.JPG` | 2024-03-09 23:59:59 | just before the range |
/// | `2024-03/IMG_0005.JPG.xmp` | — | sidecar whose file is gone: not exported |
/// | `2024-03/notes.txt` | — | not media |
/// | `misc/broken.jpg` | unknown (unreadable) | |
pub fn library(root: &Path) {
    let d = root.join("2024-03");
    write(
        &d.join("IMG_0001.JPG"),
        &jpeg("2024:03:10 10:00:00", Some("+01:00"), "one"),
    );
    fs::set_permissions(d.join("IMG_0001.JPG"), fs::Permissions::from_mode(0o640)).unwrap();
    write(
        &d.join("IMG_0001.xmp"),
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>",
    );
    write(
        &d.join("IMG_0002.JPG"),
        &jpeg("2024:03:11 00:00:02", Some("+01:00"), "two"),
    );
    write(&d.join("IMG_0002.MOV"), &mov(VIDEO_UTC, 2.5, "two-video"));
    write(&d.join("IMG_0002.AAE"), b"<?xml version='1.0'?><plist/>");
    write(
        &d.join("IMG_0003.JPG"),
        &jpeg("2024:03:12 08:00:00", Some("+01:00"), "three"),
    );
    write(
        &d.join("IMG_0004.JPG"),
        &jpeg("2024:03:09 23:59:59", Some("+01:00"), "four"),
    );
    write(
        &d.join("IMG_0005.JPG.xmp"),
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>",
    );
    write(&d.join("notes.txt"), b"not media");
    write(&root.join("misc/broken.jpg"), b"definitely not a jpeg");
}

/// What the export of 2024-03-10 .. 2024-03-11 must copy (relative paths).
pub const IN_RANGE: &[&str] = &[
    "2024-03/IMG_0001.JPG",
    "2024-03/IMG_0001.xmp",
    "2024-03/IMG_0002.AAE",
    "2024-03/IMG_0002.JPG",
    "2024-03/IMG_0002.MOV",
];

/// Scans `root` into the library `lib` of the database `db`.
pub fn scan(db: &Path, root: &Path, hash: bool) {
    let mut index = Index::open(db).unwrap();
    index
        .scan(
            "lib",
            &[root.to_path_buf()],
            &ScanOptions::new().hash(hash),
            &NoProgress,
        )
        .unwrap();
}

/// Every regular file below `root`: relative path → (content, mtime ns, mode).
pub fn files(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, i64, u32)> {
    let mut out = BTreeMap::new();
    if !root.exists() {
        return out;
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    (
                        fs::read(&p).unwrap(),
                        m.mtime() * 1_000_000_000 + m.mtime_nsec(),
                        m.permissions().mode(),
                    ),
                );
            }
        }
    }
    out
}

/// Copies a tree (contents, mtimes and permissions).
pub fn copy_tree(from: &Path, to: &Path) {
    for (rel, (bytes, mtime_ns, mode)) in files(from) {
        let p = to.join(&rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, bytes).unwrap();
        let f = fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_nanos(mtime_ns as u64))
            .unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// A scanned copy of [`library`] in a temporary folder, with a destination folder (not yet
/// made) named `dest` beside it: the starting point of the export, sync and archive tests.
pub struct Setup {
    /// Keeps the temporary folder alive.
    pub _dir: tempfile::TempDir,
    /// The library's root.
    pub root: PathBuf,
    /// The index, scanned.
    pub db: PathBuf,
    /// The destination.
    pub dest: PathBuf,
}

/// See [`Setup`].
pub fn setup(dest: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    library(&root);
    let db = dir.path().join("index.db");
    scan(&db, &root, false);
    let dest = dir.path().join(dest);
    Setup {
        root,
        db,
        dest,
        _dir: dir,
    }
}

/// The id of the indexed file whose name is `name` (the first match).
pub fn file_id(index: &Index, name: &str) -> i64 {
    index
        .raw()
        .query_row(
            "SELECT id FROM files WHERE path_text LIKE '%/' || ?1",
            [name],
            |r| r.get(0),
        )
        .unwrap()
}
