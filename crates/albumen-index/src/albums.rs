//! Albums (a user's own sets of items of one library) and the share links that show one album
//! to anyone holding the link.
//!
//! The tables ([`ALBUMS_SCHEMA`]) live beside the scan's and are created on every
//! [`Index::open`] when missing. An album belongs to one user and one library; it holds item
//! ids (the still's file id for a Live Photo), never files: removing an album or an item from it
//! never touches a photo. What an album shows is always filtered through `files`: an item that
//! left the library (deleted, trashed, archived elsewhere) is not shown, and one whose owner lost
//! the library's grant is not shown either.
//!
//! A share link is stored as the BLAKE3 hash of its token (the token itself is only ever in the
//! link): a stolen database gives no usable link. Links expire and can be revoked; a revoked or
//! expired link is as unknown as a wrong one.

use crate::db::{params, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::index::{db_err, Index};

/// The album and link tables. Every statement is idempotent. `AUTOINCREMENT` so that an id
/// once used (in a link, in a page's URL) never names another album.
pub const ALBUMS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS albums (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  library_id    INTEGER NOT NULL REFERENCES libraries(id),
  name          TEXT NOT NULL,
  cover_file_id INTEGER,
  created_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS albums_user ON albums (user_id);
CREATE TABLE IF NOT EXISTS album_items (
  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
  file_id  INTEGER NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (album_id, file_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS album_items_file ON album_items (file_id);
CREATE TABLE IF NOT EXISTS share_links (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  album_id   INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
  token_hash BLOB NOT NULL UNIQUE,
  hint       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS share_links_album ON share_links (album_id);
";

/// Longest album name, in characters.
pub const MAX_ALBUM_NAME: usize = 200;

/// Most items one album holds.
pub const MAX_ALBUM_ITEMS: i64 = 100_000;

/// One album, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Album {
    /// `albums.id`.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The library its items come from, by name.
    pub library: String,
    /// The item shown on its card (`None`: the newest).
    pub cover: Option<i64>,
    /// Items it shows now (those still in the library).
    pub items: i64,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// Its share links that still work (not revoked, not expired).
    pub links: Vec<ShareLink>,
}

/// A share link, as its album's owner sees it (the token is not kept: only its first
/// characters, to tell links apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ShareLink {
    /// `share_links.id` (the owner may revoke by this id too).
    pub id: i64,
    /// The token's first characters.
    pub hint: String,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
}

/// What a working share link opens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharedAlbum {
    /// The link's id.
    pub link_id: i64,
    /// The album.
    pub album_id: i64,
    /// Its name.
    pub name: String,
    /// Its library.
    pub library_id: i64,
    /// When the link stops working (Unix seconds).
    pub expires_at: i64,
}

/// The key a share token is stored under.
pub fn link_key(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

/// Constant-time equality of two byte strings of the same length (false when the lengths
/// differ; the length is not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The condition "file `f` is in album `a`'s library and `a`'s owner may see that library".
const SHOWN: &str = "f.library_id = a.library_id AND EXISTS (SELECT 1 FROM user_grants g \
     WHERE g.user_id = a.user_id AND g.library_id = a.library_id)";

impl Index {
    /// Creates an album of `user_id` over library `library_id` (the caller checked the grant).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// let anna = index.add_user("anna", "h")?;
    /// # // A library without scanning one: a row put in with a connection of the example's own.
    /// # rusqlite::Connection::open(index.path())?
    /// #     .execute("INSERT INTO libraries (id, name, created_at) VALUES (1, 'fam', '')", [])?;
    /// index.grant("anna", "fam")?;
    /// let a = index.create_album(anna, 1, "Paris", 100)?;
    /// assert_eq!(index.albums(anna)?[0].id, a);
    /// assert!(index.album_owned(a, anna + 1)?.is_none(), "another user does not own it");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create_album(&self, user_id: i64, library_id: i64, name: &str, now: i64) -> Result<i64> {
        let name = clean_name(name)?;
        let c = self.connection();
        c.execute(
            "INSERT INTO albums (user_id, library_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![user_id, library_id, name, now],
        )
        .map_err(db_err(self.path()))?;
        Ok(c.last_insert_rowid())
    }

    /// The library id of album `album_id` when `user_id` owns it, else `None`.
    pub fn album_owned(&self, album_id: i64, user_id: i64) -> Result<Option<i64>> {
        self.connection()
            .query_row(
                "SELECT library_id FROM albums WHERE id = ?1 AND user_id = ?2",
                params![album_id, user_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err(self.path()))
    }

    /// The albums of `user_id`, newest first, with their working links at `now`.
    pub fn albums(&self, user_id: i64) -> Result<Vec<Album>> {
        self.albums_at(user_id, chrono::Utc::now().timestamp())
    }

    /// [`Index::albums`] with the links that work at `now`.
    pub fn albums_at(&self, user_id: i64, now: i64) -> Result<Vec<Album>> {
        let e = db_err(self.path());
        let c = self.connection();
        let mut st = c
            .prepare_cached(&format!(
                "SELECT a.id, a.name, l.name, a.cover_file_id, a.created_at, \
                 (SELECT count(*) FROM album_items i JOIN files f ON f.id = i.file_id \
                  WHERE i.album_id = a.id AND {SHOWN}) \
                 FROM albums a JOIN libraries l ON l.id = a.library_id \
                 WHERE a.user_id = ?1 ORDER BY a.id DESC"
            ))
            .map_err(&e)?;
        let rows = st
            .query_map([user_id], |r| {
                Ok(Album {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    library: r.get(2)?,
                    cover: r.get(3)?,
                    created_at: r.get(4)?,
                    items: r.get(5)?,
                    links: Vec::new(),
                })
            })
            .map_err(&e)?;
        let mut out = rows.collect::<crate::db::Result<Vec<_>>>().map_err(&e)?;
        for a in &mut out {
            a.links = self.album_links(a.id, now)?;
        }
        Ok(out)
    }

    /// Renames album `album_id` of `user_id`; false when the user does not own it.
    pub fn rename_album(&self, album_id: i64, user_id: i64, name: &str) -> Result<bool> {
        let name = clean_name(name)?;
        let n = self
            .connection()
            .execute(
                "UPDATE albums SET name = ?3 WHERE id = ?1 AND user_id = ?2",
                params![album_id, user_id, name],
            )
            .map_err(db_err(self.path()))?;
        Ok(n == 1)
    }

    /// Sets (or with `None` clears) the cover of album `album_id` of `user_id`: the item must be
    /// in the album. False when the user does not own it or the item is not shown in it.
    pub fn set_album_cover(&self, album_id: i64, user_id: i64, item: Option<i64>) -> Result<bool> {
        if self.album_owned(album_id, user_id)?.is_none() {
            return Ok(false);
        }
        if let Some(i) = item {
            if !self.album_shows(album_id, i)? {
                return Ok(false);
            }
        }
        self.connection()
            .execute(
                "UPDATE albums SET cover_file_id = ?2 WHERE id = ?1",
                params![album_id, item],
            )
            .map_err(db_err(self.path()))?;
        Ok(true)
    }

    /// Deletes album `album_id` of `user_id` with its links (never a photo); false when the user
    /// does not own it.
    pub fn delete_album(&self, album_id: i64, user_id: i64) -> Result<bool> {
        let e = db_err(self.path());
        let tx = self.connection().unchecked_transaction().map_err(&e)?;
        let n = tx
            .execute(
                "DELETE FROM albums WHERE id = ?1 AND user_id = ?2",
                params![album_id, user_id],
            )
            .map_err(&e)?;
        if n == 1 {
            tx.execute("DELETE FROM album_items WHERE album_id = ?1", [album_id])
                .map_err(&e)?;
            tx.execute("DELETE FROM share_links WHERE album_id = ?1", [album_id])
                .map_err(&e)?;
        }
        tx.commit().map_err(&e)?;
        Ok(n == 1)
    }

    /// Adds items to album `album_id` of `user_id`, all or nothing: every id must be an item
    /// (not a Live Photo's video) of the album's library, which the owner may see. Returns
    /// `Ok(None)` when the user does not own the album or an id is refused, else the number of
    /// items newly added.
    pub fn add_album_items(
        &self,
        album_id: i64,
        user_id: i64,
        items: &[i64],
        now: i64,
    ) -> Result<Option<usize>> {
        let e = db_err(self.path());
        let tx = self.connection().unchecked_transaction().map_err(&e)?;
        let ok: Option<i64> = tx
            .query_row(
                "SELECT a.library_id FROM albums a WHERE a.id = ?1 AND a.user_id = ?2 AND EXISTS \
                 (SELECT 1 FROM user_grants g WHERE g.user_id = a.user_id \
                  AND g.library_id = a.library_id)",
                params![album_id, user_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(&e)?;
        let Some(lib) = ok else { return Ok(None) };
        let mut added = 0;
        {
            let mut check = tx
                .prepare_cached(
                    "SELECT 1 FROM files f WHERE f.id = ?1 AND f.library_id = ?2 AND NOT EXISTS \
                     (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id)",
                )
                .map_err(&e)?;
            let mut ins = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO album_items (album_id, file_id, added_at) \
                     VALUES (?1, ?2, ?3)",
                )
                .map_err(&e)?;
            for &id in items {
                if !check.exists(params![id, lib]).map_err(&e)? {
                    return Ok(None);
                }
                added += ins.execute(params![album_id, id, now]).map_err(&e)?;
            }
        }
        let n: i64 = tx
            .query_row(
                "SELECT count(*) FROM album_items WHERE album_id = ?1",
                [album_id],
                |r| r.get(0),
            )
            .map_err(&e)?;
        if n > MAX_ALBUM_ITEMS {
            return Ok(None);
        }
        tx.commit().map_err(&e)?;
        Ok(Some(added))
    }

    /// Removes items from album `album_id` of `user_id` (the photos stay); `None` when the user
    /// does not own it, else how many were removed.
    pub fn remove_album_items(
        &self,
        album_id: i64,
        user_id: i64,
        items: &[i64],
    ) -> Result<Option<usize>> {
        if self.album_owned(album_id, user_id)?.is_none() {
            return Ok(None);
        }
        let e = db_err(self.path());
        let tx = self.connection().unchecked_transaction().map_err(&e)?;
        let mut n = 0;
        {
            let mut del = tx
                .prepare_cached("DELETE FROM album_items WHERE album_id = ?1 AND file_id = ?2")
                .map_err(&e)?;
            for &id in items {
                n += del.execute(params![album_id, id]).map_err(&e)?;
            }
            tx.execute(
                "UPDATE albums SET cover_file_id = NULL WHERE id = ?1 AND cover_file_id NOT IN \
                 (SELECT file_id FROM album_items WHERE album_id = ?1)",
                [album_id],
            )
            .map_err(&e)?;
        }
        tx.commit().map_err(&e)?;
        Ok(Some(n))
    }

    /// Whether album `album_id` shows item `file_id` now (in the album, in its library, the
    /// owner still granted it).
    pub fn album_shows(&self, album_id: i64, file_id: i64) -> Result<bool> {
        self.connection()
            .prepare_cached(&format!(
                "SELECT 1 FROM album_items i JOIN albums a ON a.id = i.album_id \
                 JOIN files f ON f.id = i.file_id \
                 WHERE i.album_id = ?1 AND i.file_id = ?2 AND {SHOWN}"
            ))
            .and_then(|mut st| st.exists(params![album_id, file_id]))
            .map_err(db_err(self.path()))
    }

    /// The item ids album `album_id` shows now, by local time (oldest first; undated last).
    pub fn album_item_ids(&self, album_id: i64) -> Result<Vec<i64>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached(&format!(
                "SELECT f.id FROM album_items i JOIN albums a ON a.id = i.album_id \
                 JOIN files f ON f.id = i.file_id WHERE i.album_id = ?1 AND {SHOWN} \
                 ORDER BY coalesce(f.time_local, f.capture_local) IS NULL, \
                 coalesce(f.time_local, f.capture_local), f.id"
            ))
            .map_err(&e)?;
        let rows = st.query_map([album_id], |r| r.get(0)).map_err(&e)?;
        rows.collect::<crate::db::Result<Vec<i64>>>().map_err(&e)
    }

    /// Stores a new share link for album `album_id` under the hash of `token`, working until
    /// `expires_at`. The caller checked that the user owns the album. Returns the link's id.
    pub fn create_link(
        &self,
        album_id: i64,
        token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<i64> {
        let hint: String = token.chars().take(6).collect();
        let c = self.connection();
        c.execute(
            "INSERT INTO share_links (album_id, token_hash, hint, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![album_id, &link_key(token)[..], hint, now, expires_at],
        )
        .map_err(db_err(self.path()))?;
        Ok(c.last_insert_rowid())
    }

    /// The working links of album `album_id` at `now`.
    pub fn album_links(&self, album_id: i64, now: i64) -> Result<Vec<ShareLink>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached(
                "SELECT id, hint, created_at, expires_at FROM share_links WHERE album_id = ?1 \
                 AND revoked_at IS NULL AND expires_at > ?2 ORDER BY id",
            )
            .map_err(&e)?;
        let rows = st
            .query_map(params![album_id, now], |r| {
                Ok(ShareLink {
                    id: r.get(0)?,
                    hint: r.get(1)?,
                    created_at: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<crate::db::Result<Vec<_>>>().map_err(&e)
    }

    /// Revokes the link of album `album_id` (owned by `user_id`) named by its token or, when
    /// `token` is `None`, by `link_id`. False when there is no such working link of an album of
    /// that user.
    pub fn revoke_link(
        &self,
        album_id: i64,
        user_id: i64,
        token: Option<&str>,
        link_id: Option<i64>,
        now: i64,
    ) -> Result<bool> {
        if self.album_owned(album_id, user_id)?.is_none() {
            return Ok(false);
        }
        let e = db_err(self.path());
        let n = match (token, link_id) {
            (Some(t), _) => self.connection().execute(
                "UPDATE share_links SET revoked_at = ?3 WHERE album_id = ?1 AND token_hash = ?2 \
                 AND revoked_at IS NULL",
                params![album_id, &link_key(t)[..], now],
            ),
            (None, Some(id)) => self.connection().execute(
                "UPDATE share_links SET revoked_at = ?3 WHERE album_id = ?1 AND id = ?2 \
                 AND revoked_at IS NULL",
                params![album_id, id, now],
            ),
            (None, None) => return Ok(false),
        }
        .map_err(&e)?;
        Ok(n == 1)
    }

    /// What the link with `token` opens at `now`: `None` when the token is unknown, revoked or
    /// expired, or the album's owner no longer may see its library.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// let anna = index.add_user("anna", "h")?;
    /// # // A library without scanning one: a row put in with a connection of the example's own.
    /// # rusqlite::Connection::open(index.path())?
    /// #     .execute("INSERT INTO libraries (id, name, created_at) VALUES (1, 'fam', '')", [])?;
    /// index.grant("anna", "fam")?;
    /// let a = index.create_album(anna, 1, "Paris", 100)?;
    /// let token = "0123456789abcdef0123456789abcdef";
    /// index.create_link(a, token, 100, 200)?;
    /// assert_eq!(index.shared_album(token, 150)?.map(|s| s.album_id), Some(a));
    /// assert!(index.shared_album(token, 200)?.is_none(), "expired");
    /// assert!(index.shared_album("0123456789abcdef0123456789abcdee", 150)?.is_none());
    /// assert!(index.revoke_link(a, anna, Some(token), None, 160)?);
    /// assert!(index.shared_album(token, 170)?.is_none(), "revoked");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shared_album(&self, token: &str, now: i64) -> Result<Option<SharedAlbum>> {
        let key = link_key(token);
        let row = self
            .connection()
            .prepare_cached(
                "SELECT s.id, s.token_hash, a.id, a.name, a.library_id, s.expires_at \
                 FROM share_links s JOIN albums a ON a.id = s.album_id \
                 WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 \
                 AND EXISTS (SELECT 1 FROM user_grants g WHERE g.user_id = a.user_id \
                   AND g.library_id = a.library_id)",
            )
            .and_then(|mut st| {
                st.query_row(params![&key[..], now], |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(1)?,
                        SharedAlbum {
                            link_id: r.get(0)?,
                            album_id: r.get(2)?,
                            name: r.get(3)?,
                            library_id: r.get(4)?,
                            expires_at: r.get(5)?,
                        },
                    ))
                })
                .optional()
            })
            .map_err(db_err(self.path()))?;
        // The lookup is by hash (what an attacker controls is the token, not its hash); the
        // stored hash is compared once more in constant time.
        Ok(row.and_then(|(stored, s)| ct_eq(&stored, &key).then_some(s)))
    }
}

fn clean_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > MAX_ALBUM_NAME || n.chars().any(char::is_control) {
        return Err(Error::BadAlbumName(name.chars().take(40).collect()));
    }
    Ok(n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, Index, i64, i64) {
        let d = tempfile::tempdir().unwrap();
        let ix = Index::open(d.path().join("i.db")).unwrap();
        let c = ix.connection();
        c.execute_batch(
            "INSERT INTO libraries (id, name, created_at) VALUES (1, 'fam', ''), (2, 'priv', '');
             INSERT INTO dirs (id, library_id, path, path_text) VALUES (1, 1, 'x', 'x'), (2, 2, 'y', 'y');",
        )
        .unwrap();
        for (id, lib) in [(10, 1), (11, 1), (12, 1), (20, 2)] {
            c.execute(
                "INSERT INTO files (id, library_id, dir_id, name, path, path_text, size, mtime_ns, \
                 dev, inode, nlink, first_run, read_run) VALUES (?1, ?2, ?2, ?1, ?1, ?1, 1, 1, 1, ?1, 1, 1, 1)",
                params![id, lib],
            )
            .unwrap();
        }
        let anna = ix.add_user("anna", "h").unwrap();
        let ben = ix.add_user("ben", "h").unwrap();
        ix.grant("anna", "fam").unwrap();
        ix.grant("anna", "priv").unwrap();
        ix.grant("ben", "fam").unwrap();
        (d, ix, anna, ben)
    }

    #[test]
    fn albums_hold_only_what_their_owner_may_see() {
        let (_d, ix, anna, ben) = setup();
        let a = ix.create_album(anna, 1, "Trip", 1).unwrap();
        assert_eq!(ix.add_album_items(a, anna, &[10, 11], 1).unwrap(), Some(2));
        assert_eq!(
            ix.add_album_items(a, anna, &[20], 1).unwrap(),
            None,
            "other library"
        );
        assert_eq!(
            ix.add_album_items(a, anna, &[999], 1).unwrap(),
            None,
            "no such item"
        );
        assert_eq!(
            ix.add_album_items(a, ben, &[12], 1).unwrap(),
            None,
            "not ben's"
        );
        assert_eq!(ix.album_item_ids(a).unwrap(), vec![10, 11]);
        assert!(ix.albums(ben).unwrap().is_empty());
        assert!(!ix.rename_album(a, ben, "x").unwrap());
        assert!(!ix.delete_album(a, ben).unwrap());
        assert!(ix.set_album_cover(a, anna, Some(11)).unwrap());
        assert!(
            !ix.set_album_cover(a, anna, Some(12)).unwrap(),
            "not in the album"
        );
        assert_eq!(ix.remove_album_items(a, anna, &[11]).unwrap(), Some(1));
        assert_eq!(
            ix.albums(anna).unwrap()[0].cover,
            None,
            "the cover left with its item"
        );
        // An item that leaves the library leaves the album's view at once.
        // (as the trash parks a row: a library id that names no library)
        ix.connection()
            .execute_batch(
                "PRAGMA foreign_keys = OFF; UPDATE files SET library_id = -1 WHERE id = 10",
            )
            .unwrap();
        assert!(ix.album_item_ids(a).unwrap().is_empty());
        ix.connection()
            .execute("UPDATE files SET library_id = 1 WHERE id = 10", [])
            .unwrap();
        // A grant taken away hides the album's items and kills its links.
        let t = "a".repeat(64);
        ix.create_link(a, &t, 1, i64::MAX).unwrap();
        assert!(ix.shared_album(&t, 2).unwrap().is_some());
        ix.revoke("anna", "fam").unwrap();
        assert!(ix.album_item_ids(a).unwrap().is_empty());
        assert!(ix.shared_album(&t, 2).unwrap().is_none());
        assert!(ix.create_album(anna, 1, " \u{7} ", 1).is_err());
        assert!(ix.delete_album(a, anna).unwrap());
        assert!(ix.albums(anna).unwrap().is_empty());
    }
}
