//! The libraries of an index (name, id, root folders), and where a file sits below its root.

use std::path::{Path, PathBuf};

use crate::db::OptionalExtension;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::index::{db_err, Index};
use crate::pairs::path_of;

/// A library of the index: its name and the root folders scanned into it.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Library {
    /// `libraries.id`.
    pub id: i64,
    /// `libraries.name`.
    pub name: String,
    /// The roots (absolute, as the scan resolved them).
    #[serde(serialize_with = "crate::library::lossy_paths")]
    pub roots: Vec<PathBuf>,
}

impl Library {
    /// The path of `path` relative to the library root that holds it (the deepest one when
    /// roots nest), or `None` when no root holds it.
    pub fn relative<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        self.roots
            .iter()
            .filter_map(|r| path.strip_prefix(r).ok())
            .min_by_key(|rel| rel.as_os_str().len())
    }
}

impl Index {
    /// Every library of the index, by name.
    pub fn libraries(&self) -> Result<Vec<Library>> {
        let c = self.connection();
        let dberr = db_err(self.path());
        let mut st = c
            .prepare("SELECT id, name FROM libraries ORDER BY name")
            .map_err(&dberr)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(&dberr)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name) = row.map_err(&dberr)?;
            out.push(Library {
                id,
                name,
                roots: self.roots_of(id)?,
            });
        }
        Ok(out)
    }

    /// The library called `name`; with `None`, the index's only library (an error names the
    /// choices when there are several).
    pub fn library(&self, name: Option<&str>) -> Result<Library> {
        let dberr = db_err(self.path());
        match name {
            Some(name) => {
                let id: i64 = self
                    .connection()
                    .query_row("SELECT id FROM libraries WHERE name = ?1", [name], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(&dberr)?
                    .ok_or_else(|| Error::NoSuchLibrary(name.to_string()))?;
                Ok(Library {
                    id,
                    name: name.to_string(),
                    roots: self.roots_of(id)?,
                })
            }
            None => {
                let mut all = self.libraries()?;
                match all.len() {
                    0 => Err(Error::NoLibrary),
                    1 => all.pop().ok_or(Error::NoLibrary),
                    _ => Err(Error::LibraryNeeded(
                        all.into_iter().map(|l| l.name).collect(),
                    )),
                }
            }
        }
    }

    /// The paths of every indexed photo and video (all libraries), sorted: the input of
    /// `albumen thumbs --db` and `albumen dupes --db`.
    pub fn media_paths(&self) -> Result<Vec<PathBuf>> {
        let dberr = db_err(self.path());
        let mut st = self
            .connection()
            .prepare("SELECT path FROM files WHERE kind IN ('photo', 'video', 'raw', 'motion-photo') ORDER BY path")
            .map_err(&dberr)?;
        let rows = st
            .query_map([], |r| r.get::<_, Vec<u8>>(0))
            .map_err(&dberr)?;
        rows.map(|r| r.map(path_of).map_err(&dberr)).collect()
    }

    fn roots_of(&self, library_id: i64) -> Result<Vec<PathBuf>> {
        let dberr = db_err(self.path());
        let mut st = self
            .connection()
            .prepare("SELECT path FROM library_roots WHERE library_id = ?1 ORDER BY path")
            .map_err(&dberr)?;
        let rows = st
            .query_map([library_id], |r| r.get::<_, Vec<u8>>(0))
            .map_err(&dberr)?;
        rows.map(|r| r.map(path_of).map_err(&dberr)).collect()
    }
}

/// Serializes a path as (lossy) UTF-8 text: reports are for people and JSON tools, and the
/// raw bytes of a non-UTF-8 name are in the index.
pub fn lossy_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// [`lossy_path`] for a list.
pub fn lossy_paths<S: serde::Serializer>(v: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|p| p.to_string_lossy()))
}
