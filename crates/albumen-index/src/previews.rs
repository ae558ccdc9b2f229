//! Previews and perceptual hashes of indexed files: the `previews` table, filled by
//! `albumen scan --previews` and read by `albumen dupes --db`.
//!
//! Additive to the main schema, created on every [`Index::open`](crate::Index::open) when
//! absent (like the `vision` table). One row per file and preview size; a row is out of date
//! when the file's size or modification time changed since it was made. The index stores plain
//! values (the preview crate makes them), so it does not depend on any image decoder.

use std::path::PathBuf;

use crate::db::params;

use crate::index::db_err;
use crate::pairs::{bytes_of, path_of};
use crate::{Index, Result};

/// The previews table. Every statement is idempotent.
pub const PREVIEW_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS previews (
  file_id   INTEGER NOT NULL,
  long_side INTEGER NOT NULL,
  size      INTEGER NOT NULL,
  mtime_ns  INTEGER NOT NULL,
  thumb     BLOB,
  width     INTEGER,
  height    INTEGER,
  source    TEXT,
  phash     INTEGER,
  aspect    REAL,
  error     TEXT,
  done_at   TEXT NOT NULL,
  PRIMARY KEY (file_id, long_side)
);
";

/// A file whose preview at a given size is missing or older than the file.
#[derive(Debug, Clone)]
pub struct PreviewPending {
    /// `files.id`.
    pub file_id: i64,
    /// The file.
    pub path: PathBuf,
    /// Size when scanned.
    pub size: i64,
    /// Modification time when scanned, in nanoseconds.
    pub mtime_ns: i64,
}

/// What is stored for one file's preview.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreviewRecord {
    /// The cached preview file.
    pub thumb: Option<PathBuf>,
    /// Its width and height.
    pub dims: Option<(u32, u32)>,
    /// Where its pixels came from (`embedded`, `decoded`, `video-frame`).
    pub source: Option<String>,
    /// The 64-bit perceptual hash of the preview's pixels and the picture's aspect ratio.
    pub phash: Option<(u64, f32)>,
    /// Why there is no preview.
    pub error: Option<String>,
}

impl Index {
    /// Photo and video files whose preview of `long_side` pixels is missing or older than the
    /// file (size or modification time changed), in path order. Forgets the previews of files
    /// no longer in the index.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// assert!(index.previews_pending(256)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn previews_pending(&self, long_side: u32) -> Result<Vec<PreviewPending>> {
        let e = db_err(self.path());
        let c = self.connection();
        c.execute(
            "DELETE FROM previews WHERE file_id NOT IN (SELECT id FROM files)",
            [],
        )
        .map_err(&e)?;
        let mut st = c
            .prepare(
                "SELECT f.id, f.path, f.size, f.mtime_ns FROM files f
                 LEFT JOIN previews p ON p.file_id = f.id AND p.long_side = ?1
                 WHERE f.kind IN ('photo', 'raw', 'motion-photo', 'video')
                   AND (p.file_id IS NULL OR p.size != f.size OR p.mtime_ns != f.mtime_ns)
                 ORDER BY f.path",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([long_side], |r| {
                Ok(PreviewPending {
                    file_id: r.get(0)?,
                    path: path_of(r.get(1)?),
                    size: r.get(2)?,
                    mtime_ns: r.get(3)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(e)
    }

    /// Stores the previews of `items` (with the file state they were made from), replacing
    /// earlier ones, in one transaction.
    pub fn store_previews(
        &mut self,
        long_side: u32,
        items: &[(PreviewPending, PreviewRecord)],
    ) -> Result<()> {
        let path = self.path().to_path_buf();
        let e = db_err(&path);
        let tx = self.connection_mut().transaction().map_err(&e)?;
        {
            let mut st = tx
                .prepare(
                    "INSERT OR REPLACE INTO previews (file_id, long_side, size, mtime_ns, thumb,
                       width, height, source, phash, aspect, error, done_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                )
                .map_err(&e)?;
            for (item, rec) in items {
                st.execute(params![
                    item.file_id,
                    long_side,
                    item.size,
                    item.mtime_ns,
                    rec.thumb.as_deref().map(bytes_of),
                    rec.dims.map(|d| d.0),
                    rec.dims.map(|d| d.1),
                    rec.source,
                    // SQLite integers are signed: the 64 bits are stored as they are.
                    rec.phash.map(|h| h.0 as i64),
                    rec.phash.map(|h| f64::from(h.1)),
                    rec.error,
                ])
                .map_err(&e)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// The stored perceptual hashes (64 bits, aspect ratio) of every file whose preview of
    /// `long_side` pixels is up to date, by path.
    pub fn preview_hashes(&self, long_side: u32) -> Result<Vec<(PathBuf, u64, f32)>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare(
                "SELECT f.path, p.phash, p.aspect FROM previews p JOIN files f ON f.id = p.file_id
                 WHERE p.long_side = ?1 AND p.size = f.size AND p.mtime_ns = f.mtime_ns
                   AND p.phash IS NOT NULL AND p.aspect IS NOT NULL
                 ORDER BY f.path",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([long_side], |r| {
                let bits: i64 = r.get(1)?;
                let aspect: f64 = r.get(2)?;
                Ok((path_of(r.get(0)?), bits as u64, aspect as f32))
            })
            .map_err(&e)?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add_file(index: &Index, id: i64, name: &str, size: i64) {
        index
            .connection()
            .execute(
                "INSERT OR REPLACE INTO files (id, library_id, dir_id, name, path, path_text, size,
                   mtime_ns, dev, inode, nlink, kind, first_run, read_run)
                 VALUES (?1, 1, 1, ?2, ?5, ?3, ?4, 0, 0, ?1, 1, 'photo', 1, 1)",
                params![
                    id,
                    name.as_bytes(),
                    format!("/p/{name}"),
                    size,
                    format!("/p/{name}").into_bytes()
                ],
            )
            .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn pending_store_hashes_and_changed_files() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut index = Index::open(dir.path().join("i.db")).unwrap_or_else(|e| panic!("{e}"));
        index
            .connection()
            .execute_batch(
                "INSERT INTO libraries (id, name, created_at) VALUES (1, 't', 'now');
                 INSERT INTO dirs (id, library_id, path, path_text) VALUES (1, 1, x'2f70', '/p');",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        add_file(&index, 1, "a.jpg", 10);
        add_file(&index, 2, "b.jpg", 10);
        let pending = index
            .previews_pending(256)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pending.len(), 2);
        let ok = PreviewRecord {
            thumb: Some(PathBuf::from("/cache/ab/cd.jpg")),
            dims: Some((256, 171)),
            source: Some("decoded".into()),
            phash: Some((0xF000_0000_0000_0001, 1.5)),
            error: None,
        };
        let bad = PreviewRecord {
            error: Some("no decodable frame".into()),
            ..PreviewRecord::default()
        };
        index
            .store_previews(
                256,
                &[(pending[0].clone(), ok), (pending[1].clone(), bad.clone())],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(index
            .previews_pending(256)
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty());
        // another size is pending on its own
        assert_eq!(
            index
                .previews_pending(1440)
                .unwrap_or_else(|e| panic!("{e}"))
                .len(),
            2
        );
        // the high bit survives the signed column
        let h = index.preview_hashes(256).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(h, [(PathBuf::from("/p/a.jpg"), 0xF000_0000_0000_0001, 1.5)]);
        // a changed file is pending again and its stale hash is not used; a removed one is
        // forgotten
        add_file(&index, 1, "a.jpg", 11);
        index
            .connection()
            .execute("DELETE FROM files WHERE id = 2", [])
            .unwrap_or_else(|e| panic!("{e}"));
        let pending = index
            .previews_pending(256)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pending.iter().map(|p| p.file_id).collect::<Vec<_>>(), [1]);
        assert!(index
            .preview_hashes(256)
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty());
    }
}
