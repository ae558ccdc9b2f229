//! Listing the files of a folder tree: the one walker behind `albumen map`, `places`, `pairs`,
//! `timeline` and `thumbs`, and the one list of names every walk skips.
//!
//! The index's scan lists folders in parallel and compares them with what it holds, so it has
//! its own traversal; it skips the same names ([`DEFAULT_SKIP`], [`matches_skip`]).
//!
//! ```
//! use std::ffi::OsStr;
//! use albumen_meta::walk;
//!
//! assert!(walk::skipped_by_default(OsStr::new("@eaDir")));
//! assert!(walk::skipped_by_default(OsStr::new(".thumbnails")));
//! assert!(!walk::skipped_by_default(OsStr::new("2019")));
//!
//! let dir = std::env::temp_dir().join(format!("albumen-walk-doc-{}", std::process::id()));
//! std::fs::create_dir_all(dir.join("@eaDir"))?;
//! std::fs::write(dir.join("a.jpg"), b"x")?;
//! std::fs::write(dir.join("@eaDir/a.jpg"), b"x")?;
//! let found = walk::files(&[dir.clone()]);
//! assert_eq!(found.files, vec![dir.join("a.jpg")]);
//! assert!(found.errors.is_empty());
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::ffi::OsStr;
use std::fs;
use std::path::PathBuf;

use crate::Error;

/// Deepest folder nesting entered; a deeper folder is reported as [`Error::TooDeep`].
pub const MAX_DEPTH: usize = 64;

/// Names skipped by default, files and folders alike (matched against the entry's name;
/// a trailing `*` matches any suffix).
///
/// - `.DS_Store`, `._*` (AppleDouble), `.Spotlight-V100`, `.fseventsd`, `.Trashes`: macOS.
/// - `@eaDir`, `#recycle`, `#snapshot`: Synology DSM thumbnails, recycle bin, snapshots.
/// - `@Recycle`, `.@__thumb`: QNAP.
/// - `.thumbnails`, `.Trash-*`: freedesktop thumbnail cache and trash.
/// - `Thumbs.db`, `desktop.ini`, `$RECYCLE.BIN`, `System Volume Information`: Windows.
/// - `__MACOSX`: the resource forks of a Zip made on a Mac.
/// - `.git`, `lost+found`.
///
/// Hidden entries (names starting with `.`) are skipped by default as well.
pub const DEFAULT_SKIP: &[&str] = &[
    ".DS_Store",
    "._*",
    ".Spotlight-V100",
    ".fseventsd",
    ".Trashes",
    "@eaDir",
    "#recycle",
    "#snapshot",
    "@Recycle",
    ".@__thumb",
    ".thumbnails",
    ".Trash-*",
    "Thumbs.db",
    "desktop.ini",
    "$RECYCLE.BIN",
    "System Volume Information",
    "__MACOSX",
    ".git",
    "lost+found",
];

/// Whether `name` matches one of `patterns` (exactly, or by prefix for a pattern ending in `*`).
pub fn matches_skip<S: AsRef<str>>(name: &OsStr, patterns: &[S]) -> bool {
    let b = name.as_encoded_bytes();
    patterns.iter().any(|p| {
        let p = p.as_ref();
        match p.strip_suffix('*') {
            Some(prefix) => b.starts_with(prefix.as_bytes()),
            None => b == p.as_bytes(),
        }
    })
}

/// Whether a walk skips an entry of this name by default: hidden, or in [`DEFAULT_SKIP`].
pub fn skipped_by_default(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.') || matches_skip(name, DEFAULT_SKIP)
}

/// What [`files`] found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Regular files (and symbolic links to regular files), sorted, without repeats.
    pub files: Vec<PathBuf>,
    /// Roots and folders that could not be listed ([`Error::Io`]) or were nested too deep
    /// ([`Error::TooDeep`]); the walk went on without them.
    pub errors: Vec<Error>,
}

/// Lists the files under `roots`. A root that is a file is taken as it is; folders are walked
/// without following symbolic links to folders (no cycles), skipping the names
/// [`skipped_by_default`] skips, at most [`MAX_DEPTH`] folders deep. Never fails as a whole:
/// what could not be listed is in [`Walk::errors`].
pub fn files(roots: &[PathBuf]) -> Walk {
    let mut walk = Walk::default();
    let mut stack: Vec<(PathBuf, usize)> = Vec::new();
    for root in roots {
        match fs::metadata(root) {
            Ok(m) if m.is_dir() => stack.push((root.clone(), 0)),
            Ok(_) => walk.files.push(root.clone()),
            Err(source) => walk.errors.push(Error::Io {
                path: root.clone(),
                source,
            }),
        }
    }
    while let Some((dir, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            walk.errors.push(Error::TooDeep {
                path: dir,
                depth: MAX_DEPTH,
            });
            continue;
        }
        let entries = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(source) => {
                walk.errors.push(Error::Io { path: dir, source });
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(source) => {
                    walk.errors.push(Error::Io {
                        path: dir.clone(),
                        source,
                    });
                    break;
                }
            };
            if skipped_by_default(&entry.file_name()) {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                stack.push((path, depth + 1));
            } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
                walk.files.push(path);
            }
        }
    }
    walk.files.sort();
    walk.files.dedup();
    walk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_exactly_or_by_prefix() {
        assert!(matches_skip(OsStr::new("._IMG_1.JPG"), DEFAULT_SKIP));
        assert!(matches_skip(OsStr::new(".Trash-1000"), DEFAULT_SKIP));
        assert!(!matches_skip(OsStr::new("eaDir"), DEFAULT_SKIP));
        assert!(!skipped_by_default(OsStr::new("IMG_1.JPG")));
    }

    #[test]
    fn a_missing_root_and_a_deep_tree_are_reported_not_fatal() {
        let base = std::env::temp_dir().join(format!("albumen-walk-test-{}", std::process::id()));
        let mut deep = base.clone();
        for i in 0..=MAX_DEPTH + 1 {
            deep.push(format!("d{i}"));
        }
        fs::create_dir_all(&deep).unwrap();
        fs::write(base.join("d0/top.jpg"), b"x").unwrap();
        fs::write(deep.join("bottom.jpg"), b"x").unwrap();
        let w = files(&[base.clone(), base.join("missing")]);
        assert_eq!(w.files, vec![base.join("d0/top.jpg")]);
        assert_eq!(w.errors.len(), 2, "{:?}", w.errors);
        assert!(w.errors.iter().any(|e| matches!(e, Error::TooDeep { .. })));
        assert!(w.errors.iter().any(|e| matches!(e, Error::Io { .. })));
        fs::remove_dir_all(&base).unwrap();
    }
}
