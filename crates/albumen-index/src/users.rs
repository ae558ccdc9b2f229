//! Users of the web page, the libraries each may see, and their sessions.
//!
//! The index stores what the server needs and nothing it must not keep: a password hash (a PHC
//! string made by the caller, e.g. argon2id; the index never sees a password), grants (user ×
//! library) and sessions keyed by the BLAKE3 hash of their token (a stolen database gives no
//! usable session). These tables live beside the scan's tables and are created on every
//! [`Index::open`] when missing ([`AUTH_SCHEMA`]), so an index made by an older build gains
//! them without a schema version bump.

use std::path::PathBuf;

use crate::db::{params, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::files::{to_i64, Stat};
use crate::index::{db_err, Index};
use crate::pairs::path_of;

/// The tables of users, grants and sessions, and the timeline's index (a library's files by
/// local time, newest first, as the web page pages through them). Every statement is idempotent.
pub const AUTH_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS user_grants (
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  library_id INTEGER NOT NULL REFERENCES libraries(id),
  PRIMARY KEY (user_id, library_id)
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash BLOB PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
CREATE INDEX IF NOT EXISTS files_timeline
  ON files (library_id, coalesce(time_local, capture_local, ''), id);
";

/// A user as `albumen user list` shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct User {
    /// `users.id`.
    pub id: i64,
    /// The login name.
    pub name: String,
    /// The libraries the user may see, by name.
    pub libraries: Vec<String>,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Session {
    /// The user it belongs to.
    pub user_id: i64,
    /// The user's name.
    pub user: String,
    /// The CSRF token the page must echo on state-changing requests.
    pub csrf: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

/// A user name: 1 to 64 characters, letters, digits, `.`, `_`, `-`.
pub fn valid_user_name(name: &str) -> bool {
    (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn token_key(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

impl Index {
    fn user_id(&self, name: &str) -> Result<i64> {
        self.connection()
            .query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(db_err(self.path()))?
            .ok_or_else(|| Error::NoSuchUser(name.to_string()))
    }

    fn library_id_of(&self, name: &str) -> Result<i64> {
        self.connection()
            .query_row("SELECT id FROM libraries WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err(self.path()))?
            .ok_or_else(|| Error::NoSuchLibrary(name.to_string()))
    }

    /// Adds a user with a password hash (a PHC string such as argon2id's; the caller hashes).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// index.add_user("anna", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")?;
    /// assert!(index.add_user("anna", "x").is_err());
    /// assert_eq!(index.users()?[0].name, "anna");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_user(&self, name: &str, password_hash: &str) -> Result<i64> {
        if !valid_user_name(name) {
            return Err(Error::BadUserName(name.to_string()));
        }
        let c = self.connection();
        let n = c
            .execute(
                "INSERT OR IGNORE INTO users (name, password_hash, created_at) VALUES (?1, ?2, ?3)",
                params![name, password_hash, crate::index::now_text()],
            )
            .map_err(db_err(self.path()))?;
        if n == 0 {
            return Err(Error::UserExists(name.to_string()));
        }
        Ok(c.last_insert_rowid())
    }

    /// Replaces a user's password hash and ends their sessions.
    pub fn set_password(&self, name: &str, password_hash: &str) -> Result<()> {
        let id = self.user_id(name)?;
        let c = self.connection();
        let e = db_err(self.path());
        c.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![id, password_hash],
        )
        .map_err(&e)?;
        c.execute("DELETE FROM sessions WHERE user_id = ?1", [id])
            .map_err(&e)?;
        Ok(())
    }

    /// Removes a user, their grants, sessions, undo history and favourites.
    pub fn remove_user(&self, name: &str) -> Result<()> {
        let id = self.user_id(name)?;
        let c = self.connection();
        let e = db_err(self.path());
        c.execute("DELETE FROM sessions WHERE user_id = ?1", [id])
            .map_err(&e)?;
        c.execute("DELETE FROM user_grants WHERE user_id = ?1", [id])
            .map_err(&e)?;
        c.execute("DELETE FROM edit_undo WHERE user_id = ?1", [id])
            .map_err(&e)?;
        c.execute("DELETE FROM favorites WHERE user_id = ?1", [id])
            .map_err(&e)?;
        c.execute("DELETE FROM users WHERE id = ?1", [id])
            .map_err(&e)?;
        Ok(())
    }

    /// The user id and stored password hash of `name`, if there is such a user.
    pub fn password_hash(&self, name: &str) -> Result<Option<(i64, String)>> {
        self.connection()
            .query_row(
                "SELECT id, password_hash FROM users WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err(self.path()))
    }

    /// Lets `user` see `library` (no error when already granted).
    pub fn grant(&self, user: &str, library: &str) -> Result<()> {
        let (u, l) = (self.user_id(user)?, self.library_id_of(library)?);
        self.connection()
            .execute(
                "INSERT OR IGNORE INTO user_grants (user_id, library_id) VALUES (?1, ?2)",
                params![u, l],
            )
            .map_err(db_err(self.path()))?;
        Ok(())
    }

    /// Takes `library` away from `user`; returns whether there was such a grant.
    pub fn revoke(&self, user: &str, library: &str) -> Result<bool> {
        let (u, l) = (self.user_id(user)?, self.library_id_of(library)?);
        let n = self
            .connection()
            .execute(
                "DELETE FROM user_grants WHERE user_id = ?1 AND library_id = ?2",
                params![u, l],
            )
            .map_err(db_err(self.path()))?;
        Ok(n > 0)
    }

    /// Every user with their libraries, by name.
    pub fn users(&self) -> Result<Vec<User>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare(
                "SELECT u.id, u.name, l.name FROM users u \
                 LEFT JOIN user_grants g ON g.user_id = u.id \
                 LEFT JOIN libraries l ON l.id = g.library_id ORDER BY u.name, l.name",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(&e)?;
        let mut out: Vec<User> = Vec::new();
        for row in rows {
            let (id, name, lib) = row.map_err(&e)?;
            match out.last_mut() {
                Some(u) if u.id == id => u.libraries.extend(lib),
                _ => out.push(User {
                    id,
                    name,
                    libraries: lib.into_iter().collect(),
                }),
            }
        }
        Ok(out)
    }

    /// The libraries (id, name) user `user_id` may see, by name.
    pub fn user_libraries(&self, user_id: i64) -> Result<Vec<(i64, String)>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached(
                "SELECT l.id, l.name FROM user_grants g JOIN libraries l ON l.id = g.library_id \
                 WHERE g.user_id = ?1 ORDER BY l.name",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(&e)?;
        rows.collect::<crate::db::Result<Vec<_>>>().map_err(&e)
    }

    /// Stores a new session for `user_id` under the hash of `token` (the token itself is not
    /// stored), valid until `expires_at` (Unix seconds); expired sessions are purged.
    pub fn create_session(
        &self,
        user_id: i64,
        token: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let c = self.connection();
        let e = db_err(self.path());
        c.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])
            .map_err(&e)?;
        c.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&token_key(token)[..], user_id, csrf, now, expires_at],
        )
        .map_err(&e)?;
        Ok(())
    }

    /// The session of `token`, unless unknown or expired at `now`.
    pub fn session(&self, token: &str, now: i64) -> Result<Option<Session>> {
        self.connection()
            .prepare_cached(
                "SELECT s.user_id, u.name, s.csrf, s.expires_at FROM sessions s \
                 JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1 AND s.expires_at > ?2",
            )
            .and_then(|mut st| {
                st.query_row(params![&token_key(token)[..], now], |r| {
                    Ok(Session {
                        user_id: r.get(0)?,
                        user: r.get(1)?,
                        csrf: r.get(2)?,
                        expires_at: r.get(3)?,
                    })
                })
                .optional()
            })
            .map_err(db_err(self.path()))
    }

    /// Ends the session of `token`.
    pub fn end_session(&self, token: &str) -> Result<()> {
        self.connection()
            .execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                [&token_key(token)[..]],
            )
            .map_err(db_err(self.path()))?;
        Ok(())
    }

    /// Reads file `file_id` again (after an edit) and updates its row at once: its `stat`, the
    /// metadata columns, the resolved time and the keywords (and the file's search text), as a
    /// scan would. Returns the file's path.
    pub fn refresh_file(&self, file_id: i64) -> Result<PathBuf> {
        let e = db_err(self.path());
        let c = self.connection();
        let path: Vec<u8> = c
            .query_row("SELECT path FROM files WHERE id = ?1", [file_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(&e)?
            .ok_or(Error::NoSuchFile(file_id))?;
        let path = path_of(path);
        let m = std::fs::metadata(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let stat = Stat::of(&m);
        let content = match albumen_meta::read_path(&path) {
            Ok(meta) => {
                let mtime = u64::try_from(stat.mtime_ns)
                    .ok()
                    .map(|ns| std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns));
                crate::record::Content::from_metadata(
                    &meta,
                    mtime,
                    &albumen_timeline::ResolveOptions::default(),
                )
            }
            Err(err) => crate::record::Content::from_error(&err),
        };
        let k = &content;
        // The row, its keywords and its search text change together.
        let tx = c.unchecked_transaction().map_err(&e)?;
        tx.execute(
            "UPDATE files SET size = ?2, mtime_ns = ?3, dev = ?4, inode = ?5, \
             capture_kind = ?6, capture_local = ?7, capture_utc = ?8, capture_offset_s = ?9, \
             capture_source = ?10, lat = ?11, lon = ?12, alt = ?13, rating = ?14, \
             time_utc = ?15, time_local = ?16, time_offset_s = ?17, time_zone = ?18, \
             time_source = ?19, time_confidence = ?20, error_reason = ?21, error = ?22 \
             WHERE id = ?1",
            params![
                file_id,
                to_i64(stat.size),
                stat.mtime_ns,
                to_i64(stat.dev),
                to_i64(stat.inode),
                k.capture_kind,
                k.capture_local,
                k.capture_utc,
                k.capture_offset_s,
                k.capture_source,
                k.lat,
                k.lon,
                k.alt,
                k.rating,
                k.time_utc,
                k.time_local,
                k.time_offset_s,
                k.time_zone,
                k.time_source,
                k.time_confidence,
                k.error_reason,
                k.error,
            ],
        )
        .map_err(&e)?;
        crate::maps::set_key(&tx, file_id, k.lat, k.lon).map_err(&e)?;
        // Keywords, and the search text (its dates and keywords) at once.
        crate::keywords::store(&tx, file_id, &k.keywords, false).map_err(&e)?;
        crate::keywords::sync_search_text(&tx, file_id).map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_grants_sessions() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|source| Error::Io {
            path: PathBuf::new(),
            source,
        })?;
        let index = Index::open(dir.path().join("i.db"))?;
        index
            .connection()
            .execute(
                "INSERT INTO libraries (name, created_at) VALUES ('family', 'now')",
                [],
            )
            .map_err(db_err(index.path()))?;
        let anna = index.add_user("anna", "h1")?;
        assert!(matches!(
            index.add_user("anna", "h2"),
            Err(Error::UserExists(_))
        ));
        assert!(matches!(
            index.add_user("../x", "h"),
            Err(Error::BadUserName(_))
        ));
        assert!(matches!(
            index.grant("anna", "nope"),
            Err(Error::NoSuchLibrary(_))
        ));
        assert!(matches!(
            index.grant("bob", "family"),
            Err(Error::NoSuchUser(_))
        ));
        index.grant("anna", "family")?;
        index.grant("anna", "family")?;
        assert_eq!(index.user_libraries(anna)?.len(), 1);
        index.create_session(anna, "tok", "csrf", 100, 200)?;
        assert_eq!(
            index.session("tok", 150)?.map(|s| s.user),
            Some("anna".into())
        );
        assert_eq!(index.session("tok", 200)?, None);
        assert_eq!(index.session("other", 150)?, None);
        index.end_session("tok")?;
        assert_eq!(index.session("tok", 150)?, None);
        assert!(index.revoke("anna", "family")?);
        assert!(!index.revoke("anna", "family")?);
        assert!(index.user_libraries(anna)?.is_empty());
        index.remove_user("anna")?;
        assert!(index.users()?.is_empty());
        Ok(())
    }
}
