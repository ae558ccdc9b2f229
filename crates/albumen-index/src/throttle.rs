//! Failed attempts (logins, share-link tokens) counted in the index, so that every server on
//! one database counts the same ones: a guesser cannot go on by moving to another server or
//! by waiting for a restart.
//!
//! Table (schema step 5, [`THROTTLE_SCHEMA`]): `auth_failures (scope, key, n, since)`, one row
//! per counted key, `since` the Unix second the window of `n` failures began. Rows whose window
//! has passed are deleted as new failures come in, and at most [`THROTTLE_KEYS`] rows are kept
//! (the oldest go first), so a flood of names cannot grow the file without bound.

use crate::db::params;

use crate::index::db_err;
use crate::{Index, Result};

/// The failures table. Every statement is idempotent.
pub const THROTTLE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS auth_failures (
  scope TEXT NOT NULL,
  key   TEXT NOT NULL,
  n     INTEGER NOT NULL,
  since INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS auth_failures_since ON auth_failures (since);
";

/// Most keys counted at once (beyond, the oldest are forgotten).
pub const THROTTLE_KEYS: u64 = 100_000;

/// What a failure is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle<'a> {
    /// Failed logins from a client address.
    LoginFrom(&'a str),
    /// Failed logins for a user name (known or not).
    LoginAs(&'a str),
    /// Wrong share-link tokens from a client address.
    LinkFrom(&'a str),
}

impl Throttle<'_> {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Throttle::LoginFrom(k) => ("login-ip", k),
            Throttle::LoginAs(k) => ("login-name", k),
            Throttle::LinkFrom(k) => ("link-ip", k),
        }
    }
}

impl Index {
    /// Whether any of `keys` has `max` or more failures in the window that began less than
    /// `window_s` seconds before `now` (Unix seconds).
    ///
    /// ```
    /// use albumen_index::Throttle;
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// let keys = [Throttle::LoginFrom("10.0.0.1"), Throttle::LoginAs("ben")];
    /// for _ in 0..3 {
    ///     assert!(!index.throttled(&keys, 1000, 3, 600)?);
    ///     index.count_failure(&keys, 1000, 600)?;
    /// }
    /// assert!(index.throttled(&keys, 1000, 3, 600)?);
    /// assert!(index.throttled(&[Throttle::LoginAs("ben")], 1599, 3, 600)?);
    /// assert!(!index.throttled(&[Throttle::LoginAs("ben")], 1600, 3, 600)?); // window over
    /// assert!(!index.throttled(&[Throttle::LinkFrom("10.0.0.1")], 1000, 3, 600)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn throttled(
        &self,
        keys: &[Throttle<'_>],
        now: i64,
        max: u32,
        window_s: i64,
    ) -> Result<bool> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM auth_failures WHERE scope = ?1 AND key = ?2 \
                 AND n >= ?3 AND since > ?4)",
            )
            .map_err(&e)?;
        for k in keys {
            let (scope, key) = k.parts();
            let hit: bool = st
                .query_row(params![scope, key, max, now - window_s], |r| r.get(0))
                .map_err(&e)?;
            if hit {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Counts one failure against each of `keys` at `now` (a key whose window of `window_s`
    /// seconds has passed starts a new one).
    pub fn count_failure(&self, keys: &[Throttle<'_>], now: i64, window_s: i64) -> Result<()> {
        let e = db_err(self.path());
        let c = self.connection();
        let start = now - window_s;
        c.execute("DELETE FROM auth_failures WHERE since <= ?1", [start])
            .map_err(&e)?;
        for k in keys {
            let (scope, key) = k.parts();
            c.prepare_cached(
                "INSERT INTO auth_failures (scope, key, n, since) VALUES (?1, ?2, 1, ?3) \
                 ON CONFLICT (scope, key) DO UPDATE SET n = auth_failures.n + 1",
            )
            .and_then(|mut st| st.execute(params![scope, key, now]))
            .map_err(&e)?;
        }
        c.execute(
            "DELETE FROM auth_failures WHERE (scope, key) IN (SELECT scope, key FROM auth_failures \
             ORDER BY since LIMIT (SELECT CASE WHEN count(*) > ?1 THEN count(*) - ?1 ELSE 0 END \
             FROM auth_failures))",
            [THROTTLE_KEYS as i64],
        )
        .map_err(&e)?;
        Ok(())
    }
}
