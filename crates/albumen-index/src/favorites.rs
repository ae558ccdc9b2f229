//! Favourites, per user, kept in the index (never written into the photo file), and people
//! hidden from the web page's people view.
//!
//! Tables (schema step 3, [`FAVORITES_SCHEMA`]): `favorites (user_id, file_id, created_at)`,
//! one row per favourite; `people_hidden (person_id)`. A file that leaves the index leaves
//! its favourite rows behind harmlessly (every read joins `files`); a removed user's rows go
//! with the user ([`Index::remove_user`]).

use crate::db::params;

use crate::index::db_err;
use crate::{Error, Index, Result};

/// The favourites and hidden-people tables. Every statement is idempotent.
pub const FAVORITES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS favorites (
  user_id    INTEGER NOT NULL,
  file_id    INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, file_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS favorites_file ON favorites (file_id);
CREATE TABLE IF NOT EXISTS people_hidden (
  person_id INTEGER PRIMARY KEY
);
";

impl Index {
    /// Marks (or, with `favorite` false, unmarks) file `file_id` as a favourite of user
    /// `user_id`. Idempotent. [`Error::NoSuchFile`] when the file is not in the index.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// assert!(index.set_favorite(1, 42, true).is_err()); // no such file
    /// assert!(index.favorites(1, 1)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_favorite(&self, user_id: i64, file_id: i64, favorite: bool) -> Result<()> {
        let e = db_err(self.path());
        let c = self.connection();
        if favorite {
            let n = c
                .execute(
                    "INSERT OR IGNORE INTO favorites (user_id, file_id, created_at)
                     SELECT ?1, id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM files WHERE id = ?2",
                    params![user_id, file_id],
                )
                .map_err(&e)?;
            if n == 0 && !self.is_favorite(user_id, file_id)? {
                return Err(Error::NoSuchFile(file_id));
            }
        } else {
            c.execute(
                "DELETE FROM favorites WHERE user_id = ?1 AND file_id = ?2",
                params![user_id, file_id],
            )
            .map_err(&e)?;
        }
        Ok(())
    }

    /// Whether file `file_id` is a favourite of user `user_id`.
    pub fn is_favorite(&self, user_id: i64, file_id: i64) -> Result<bool> {
        self.connection()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM favorites WHERE user_id = ?1 AND file_id = ?2)",
            )
            .and_then(|mut st| st.query_row(params![user_id, file_id], |r| r.get(0)))
            .map_err(db_err(self.path()))
    }

    /// The favourites of user `user_id` in library `library_id`, by file id.
    pub fn favorites(&self, user_id: i64, library_id: i64) -> Result<Vec<i64>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached(
                "SELECT f.id FROM favorites v JOIN files f ON f.id = v.file_id
                 WHERE v.user_id = ?1 AND f.library_id = ?2 ORDER BY f.id",
            )
            .map_err(&e)?;
        let rows = st
            .query_map(params![user_id, library_id], |r| r.get(0))
            .map_err(&e)?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(e)
    }

    /// Hides (or shows again) person `id` in the web page's people view; its faces stay.
    pub fn hide_person(&self, id: i64, hidden: bool) -> Result<()> {
        let e = db_err(self.path());
        let c = self.connection();
        let exists: bool = c
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM people WHERE id = ?1)",
                [id],
                |r| r.get(0),
            )
            .map_err(&e)?;
        if !exists {
            return Err(Error::NoSuchPerson(id));
        }
        if hidden {
            c.execute(
                "INSERT OR IGNORE INTO people_hidden (person_id) VALUES (?1)",
                [id],
            )
        } else {
            c.execute("DELETE FROM people_hidden WHERE person_id = ?1", [id])
        }
        .map_err(e)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn favorites_are_per_user_and_follow_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let index = Index::open(dir.path().join("i.db")).unwrap_or_else(|e| panic!("{e}"));
        index
            .connection()
            .execute_batch(
                "INSERT INTO libraries (id, name, created_at) VALUES (1, 'a', 'now'), (2, 'b', 'now');
                 INSERT INTO dirs (id, library_id, path, path_text) VALUES (1, 1, x'2f70', '/p');
                 INSERT INTO files (id, library_id, dir_id, name, path, path_text, size, mtime_ns,
                   dev, inode, nlink, first_run, read_run)
                 VALUES (7, 1, 1, x'61', x'2f702f61', '/p/a', 1, 0, 0, 1, 1, 1, 1),
                        (8, 2, 1, x'62', x'2f702f62', '/p/b', 1, 0, 0, 2, 1, 1, 1);",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        index
            .set_favorite(1, 7, true)
            .unwrap_or_else(|e| panic!("{e}"));
        index
            .set_favorite(1, 7, true)
            .unwrap_or_else(|e| panic!("{e}"));
        index
            .set_favorite(1, 8, true)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(index.favorites(1, 1).unwrap_or_default(), [7]);
        assert_eq!(index.favorites(1, 2).unwrap_or_default(), [8]);
        assert!(index.favorites(2, 1).unwrap_or_default().is_empty());
        assert!(matches!(
            index.set_favorite(1, 99, true),
            Err(Error::NoSuchFile(99))
        ));
        index
            .set_favorite(1, 7, false)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!index.is_favorite(1, 7).unwrap_or(true));
        // A file that leaves the index is no longer listed.
        index
            .connection()
            .execute("DELETE FROM files WHERE id = 8", [])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(index.favorites(1, 2).unwrap_or_default().is_empty());
        assert!(matches!(
            index.hide_person(5, true),
            Err(Error::NoSuchPerson(5))
        ));
    }
}
