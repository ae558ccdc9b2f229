//! The undo history of edits made from the web page, per user, kept across server restarts.
//!
//! A table beside the scan's tables ([`UNDO_SCHEMA`]), created on every
//! [`Index::open`](crate::Index::open) when missing. Each row is one edit request of one user:
//! what it changed, as the server wrote it (JSON text; the index does not read it), newest last.
//! Only the [`UNDO_KEEP`] newest entries of a user are kept. Removing a user removes theirs.

use crate::db::{params, OptionalExtension};

use crate::index::db_err;
use crate::{Index, Result};

/// The undo table. Every statement is idempotent.
pub const UNDO_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS edit_undo (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  body       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS edit_undo_user ON edit_undo (user_id, id);
";

/// Entries kept per user (older ones are dropped as new ones come).
pub const UNDO_KEEP: i64 = 100;

/// One undo entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UndoEntry {
    /// `edit_undo.id`.
    pub id: i64,
    /// When the edit was made (Unix seconds).
    pub created_at: i64,
    /// What the server stored.
    pub body: String,
}

impl Index {
    /// Records an undo entry for `user_id` (newest), dropping the user's entries beyond
    /// [`UNDO_KEEP`]. Returns its id.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// let (anna, ben) = (index.add_user("anna", "h1")?, index.add_user("ben", "h2")?);
    /// let id = index.push_undo(anna, 100, "[]")?;
    /// assert_eq!(index.last_undo(anna)?.map(|e| e.id), Some(id));
    /// assert_eq!(index.last_undo(ben)?, None);
    /// assert!(!index.drop_undo(ben, id)?, "another user's entry is not dropped");
    /// assert!(index.drop_undo(anna, id)?);
    /// assert_eq!(index.last_undo(anna)?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_undo(&self, user_id: i64, created_at: i64, body: &str) -> Result<i64> {
        let e = db_err(self.path());
        let tx = self.connection().unchecked_transaction().map_err(&e)?;
        tx.execute(
            "INSERT INTO edit_undo (user_id, created_at, body) VALUES (?1, ?2, ?3)",
            params![user_id, created_at, body],
        )
        .map_err(&e)?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "DELETE FROM edit_undo WHERE user_id = ?1 AND id NOT IN
               (SELECT id FROM edit_undo WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2)",
            params![user_id, UNDO_KEEP],
        )
        .map_err(&e)?;
        tx.commit().map_err(e)?;
        Ok(id)
    }

    /// The newest undo entry of `user_id`.
    pub fn last_undo(&self, user_id: i64) -> Result<Option<UndoEntry>> {
        self.connection()
            .prepare_cached(
                "SELECT id, created_at, body FROM edit_undo WHERE user_id = ?1
                 ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut st| {
                st.query_row([user_id], |r| {
                    Ok(UndoEntry {
                        id: r.get(0)?,
                        created_at: r.get(1)?,
                        body: r.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(db_err(self.path()))
    }

    /// How many undo entries `user_id` has.
    pub fn undo_count(&self, user_id: i64) -> Result<u64> {
        self.connection()
            .query_row(
                "SELECT count(*) FROM edit_undo WHERE user_id = ?1",
                [user_id],
                |r| r.get::<_, i64>(0),
            )
            .map(crate::index::u64_of)
            .map_err(db_err(self.path()))
    }

    /// Removes entry `id` if it is `user_id`'s. Returns whether it was.
    pub fn drop_undo(&self, user_id: i64, id: i64) -> Result<bool> {
        let n = self
            .connection()
            .execute(
                "DELETE FROM edit_undo WHERE id = ?1 AND user_id = ?2",
                params![id, user_id],
            )
            .map_err(db_err(self.path()))?;
        Ok(n > 0)
    }
}
