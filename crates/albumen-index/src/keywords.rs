//! Keywords (IPTC `Keywords`, XMP `dc:subject`, as `albumen-meta` reconciles them) of every
//! file, and their part of the full-text search text.
//!
//! A table beside the scan's tables ([`KEYWORDS_SCHEMA`]), created on every
//! [`Index::open`](crate::Index::open) when missing, so an index made by an older build gains it
//! without a schema version bump. A scan fills it for every file it reads; an index that had
//! files before the table existed has their keywords read by its next scan of each library
//! (`meta.keywords_since_run`: files last read by that run or an earlier one).
//! [`Index::refresh_file`](crate::Index::refresh_file) (after an edit) keeps it current at once.
//!
//! The search text of a file (`search_fts`, one row per file whose `rowid` is the file id) ends
//! with its keywords after a [`KEYWORDS_MARK`] line; what comes before is the vision pass's text
//! (or, for a file the vision pass has not read, what the index knows: camera, dates, name).

use crate::db::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::index::db_err;
use crate::{Index, Result};

/// The keywords table. Every statement is idempotent.
pub const KEYWORDS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS keywords (
  file_id INTEGER NOT NULL,
  keyword TEXT NOT NULL,
  PRIMARY KEY (file_id, keyword)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keywords_keyword ON keywords (keyword COLLATE NOCASE);
";

/// The line that starts the keyword part of a file's search text.
pub const KEYWORDS_MARK: &str = "\u{1e}keywords";

/// Most keywords kept per file (hostile files may carry millions).
pub const MAX_KEYWORDS: usize = 500;
/// Longest keyword kept, in characters (longer ones are cut).
pub const MAX_KEYWORD_CHARS: usize = 256;

/// A keyword and how many items of a library carry it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeywordCount {
    /// The keyword.
    pub keyword: String,
    /// Items carrying it.
    pub n: u64,
}

/// Trimmed, non-empty, at most [`MAX_KEYWORD_CHARS`] characters, without duplicates (first
/// occurrence kept), at most [`MAX_KEYWORDS`].
pub(crate) fn normalize(keywords: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in keywords {
        let k: String = k
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_KEYWORD_CHARS)
            .collect();
        if !k.is_empty() && !out.contains(&k) {
            out.push(k);
            if out.len() == MAX_KEYWORDS {
                break;
            }
        }
    }
    out
}

/// The stored keywords of `file_id`, in name order.
pub(crate) fn keywords_of(c: &Connection, file_id: i64) -> crate::db::Result<Vec<String>> {
    let mut st =
        c.prepare_cached("SELECT keyword FROM keywords WHERE file_id = ?1 ORDER BY keyword")?;
    let rows = st.query_map([file_id], |r| r.get(0))?;
    rows.collect()
}

/// Replaces the keywords of `file_id` with `keywords` (normalized). Returns whether they
/// changed (the search text then needs [`sync_search_text`]). `fresh`: the file's row was
/// just made with an id never used before (PostgreSQL's ids; SQLite may use an id again), so
/// it has no keywords yet and none are read.
pub(crate) fn store(
    c: &Connection,
    file_id: i64,
    keywords: &[String],
    fresh: bool,
) -> crate::db::Result<bool> {
    let mut new = normalize(keywords);
    new.sort();
    let old = if fresh {
        Vec::new()
    } else {
        keywords_of(c, file_id)?
    };
    if old == new {
        return Ok(false);
    }
    c.prepare_cached("DELETE FROM keywords WHERE file_id = ?1")?
        .execute([file_id])?;
    let mut ins =
        c.prepare_cached("INSERT OR IGNORE INTO keywords (file_id, keyword) VALUES (?1, ?2)")?;
    for k in &new {
        ins.execute(params![file_id, k])?;
    }
    Ok(true)
}

/// What the index knows of a file that search should find, as lines: camera and lens, local
/// and UTC capture times (`T` replaced by a space, so `2019-05` matches), file name. `None`
/// when the file is not in the index.
pub(crate) fn facts_text(c: &Connection, file_id: i64) -> crate::db::Result<Option<Vec<String>>> {
    let facts = c
        .prepare_cached(
            "SELECT path_text,
                    trim(coalesce(make, '') || ' ' || coalesce(model, '') || ' ' || coalesce(lens, '')),
                    coalesce(time_local, capture_local), time_utc
             FROM files WHERE id = ?1",
        )?
        .query_row([file_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    let Some((path_text, camera, local, utc)) = facts else {
        return Ok(None);
    };
    let mut body = Vec::new();
    if !camera.is_empty() {
        body.push(camera);
    }
    for t in [local, utc].into_iter().flatten() {
        body.push(t.replace('T', " "));
    }
    body.push(
        std::path::Path::new(&path_text)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    Ok(Some(body))
}

/// `base` (the text before the keywords) followed by the keyword part.
pub(crate) fn with_keywords(base: &str, keywords: &[String]) -> String {
    if keywords.is_empty() {
        return base.to_string();
    }
    format!("{base}\n{KEYWORDS_MARK}\n{}", keywords.join("\n"))
}

/// Brings the keyword part of `file_id`'s search text up to date. A file the vision pass has
/// read keeps its text before the mark; any other file's text is rebuilt from the index's
/// facts (and has no row at all when it has no keywords: it was never searchable).
pub(crate) fn sync_search_text(c: &Connection, file_id: i64) -> crate::db::Result<()> {
    let keywords = keywords_of(c, file_id)?;
    let has_vision: bool = c
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM vision WHERE file_id = ?1)")?
        .query_row([file_id], |r| r.get(0))?;
    let old: Option<String> = c
        .prepare_cached("SELECT body FROM search_fts WHERE rowid = ?1")?
        .query_row([file_id], |r| r.get(0))
        .optional()?;
    let base = match (&old, has_vision) {
        (Some(body), true) => match body.find(&format!("\n{KEYWORDS_MARK}\n")) {
            Some(i) => body.get(..i).unwrap_or(body).to_string(),
            None => body.clone(),
        },
        _ if keywords.is_empty() && !has_vision => {
            c.prepare_cached("DELETE FROM search_fts WHERE rowid = ?1")?
                .execute([file_id])?;
            return Ok(());
        }
        _ => match facts_text(c, file_id)? {
            Some(lines) => lines.join("\n"),
            None => return Ok(()),
        },
    };
    c.prepare_cached("DELETE FROM search_fts WHERE rowid = ?1")?
        .execute([file_id])?;
    c.prepare_cached("INSERT INTO search_fts (rowid, body, file_id) VALUES (?1, ?2, ?1)")?
        .execute(params![file_id, with_keywords(&base, &keywords)])?;
    Ok(())
}

/// Keys every `search_fts` row by its file id (`rowid = file_id`, one row per file), once per
/// index (`meta.search_fts_keyed`): rows written by older builds had any rowid.
pub(crate) fn key_search_rows(c: &Connection) -> crate::db::Result<()> {
    if c.is_pg() {
        // Made by this build: keyed from the start.
        c.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('search_fts_keyed', '1')",
            [],
        )?;
        return Ok(());
    }
    let done: bool = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'search_fts_keyed')",
        [],
        |r| r.get(0),
    )?;
    if done {
        return Ok(());
    }
    c.execute_batch(
        "SAVEPOINT key_fts;
         CREATE TEMP TABLE IF NOT EXISTS fts_copy (file_id INTEGER PRIMARY KEY, body TEXT);
         DELETE FROM temp.fts_copy;
         INSERT OR IGNORE INTO temp.fts_copy (file_id, body)
           SELECT file_id, body FROM search_fts WHERE file_id IS NOT NULL ORDER BY rowid DESC;
         DELETE FROM search_fts;
         INSERT INTO search_fts (rowid, body, file_id) SELECT file_id, body, file_id FROM temp.fts_copy;
         DROP TABLE temp.fts_copy;
         INSERT OR REPLACE INTO meta (key, value) VALUES ('search_fts_keyed', '1');
         RELEASE key_fts;",
    )
}

/// Creates the keywords table; when it is new and the index already has files, notes in
/// `meta.keywords_since_run` that files last read by that run or earlier have unread keywords.
pub(crate) fn create(c: &Connection) -> crate::db::Result<()> {
    if c.is_pg() {
        // A PostgreSQL index is made whole by this build (no older files to note).
        return c.execute_batch(KEYWORDS_SCHEMA);
    }
    let existed: bool = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'keywords')",
        [],
        |r| r.get(0),
    )?;
    if existed {
        return Ok(());
    }
    c.execute_batch("SAVEPOINT kw;")?;
    let made = (|| {
        c.execute_batch(KEYWORDS_SCHEMA)?;
        c.execute(
            "INSERT OR IGNORE INTO meta (key, value)
             SELECT 'keywords_since_run', CAST(max(read_run) AS TEXT) FROM files
             HAVING count(*) > 0",
            [],
        )?;
        Ok(())
    })();
    match made {
        Ok(()) => c.execute_batch("RELEASE kw;"),
        Err(e) => {
            let _ = c.execute_batch("ROLLBACK TO kw; RELEASE kw;");
            Err(e)
        }
    }
}

/// Drops the keywords and search text of files no longer in the index.
pub(crate) fn forget_orphans(c: &Connection) -> crate::db::Result<()> {
    c.execute_batch(
        "DELETE FROM keywords WHERE file_id NOT IN (SELECT id FROM files);
         DELETE FROM search_fts WHERE rowid NOT IN (SELECT id FROM files);",
    )
}

/// Files read per transaction by [`backfill`].
const BACKFILL_CHUNK: usize = 256;

/// Reads the keywords of library `library_id`'s files indexed before the keywords table
/// existed (`read_run <= meta.keywords_since_run`), [`BACKFILL_CHUNK`] files per transaction,
/// and marks them read by `run_id`. Stops between chunks when `cancel` is set. Returns the
/// files read.
pub(crate) fn backfill(
    c: &Connection,
    library_id: i64,
    run_id: i64,
    cancel: &dyn Fn() -> bool,
) -> crate::db::Result<u64> {
    use rayon::prelude::*;
    let since: Option<i64> = c
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'keywords_since_run'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let Some(since) = since else { return Ok(0) };
    let mut done = 0u64;
    // One chunk in memory at a time (a million paths would be ~100 MB), in id order: a range of
    // the rowid (`+library_id` keeps SQLite from sorting the library's rows for every chunk).
    let mut after = i64::MIN;
    loop {
        if cancel() {
            break;
        }
        let chunk: Vec<(i64, std::path::PathBuf, bool)> = {
            let mut st = c.prepare_cached(
                "SELECT id, path, kind IS NOT NULL FROM files WHERE +library_id = ?1 \
                 AND read_run <= ?2 AND id > ?3 ORDER BY id LIMIT ?4",
            )?;
            let rows = st.query_map(
                params![library_id, since, after, BACKFILL_CHUNK as i64],
                |r| Ok((r.get(0)?, crate::pairs::path_of(r.get(1)?), r.get(2)?)),
            )?;
            rows.collect::<crate::db::Result<_>>()?
        };
        let Some(last) = chunk.last() else { break };
        after = last.0;
        let read: Vec<(i64, Vec<String>)> = chunk
            .par_iter()
            .map(|(id, path, readable)| {
                let kws = if *readable {
                    albumen_meta::read_path(path)
                        .map(|m| normalize(&m.keywords))
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                (*id, kws)
            })
            .collect();
        c.execute_batch("BEGIN IMMEDIATE")?;
        let wrote = (|| {
            for (id, kws) in &read {
                if store(c, *id, kws, false)? {
                    sync_search_text(c, *id)?;
                }
                c.prepare_cached("UPDATE files SET read_run = ?2 WHERE id = ?1")?
                    .execute(params![id, run_id])?;
            }
            Ok(())
        })();
        match wrote {
            Ok(()) => c.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = c.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        done += read.len() as u64;
    }
    Ok(done)
}

impl Index {
    /// The keywords of file `file_id` as last read (by a scan or after an edit), in name order.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// assert!(index.keywords(1)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keywords(&self, file_id: i64) -> Result<Vec<String>> {
        keywords_of(self.connection(), file_id).map_err(db_err(self.path()))
    }

    /// The keywords of library `library_id`'s files with how many files carry each, most used
    /// first, at most `limit`.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// assert!(index.keyword_counts(1, 100)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keyword_counts(&self, library_id: i64, limit: usize) -> Result<Vec<KeywordCount>> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare_cached(
                "SELECT k.keyword, count(*) AS n FROM keywords k JOIN files f ON f.id = k.file_id
                 WHERE f.library_id = ?1 GROUP BY k.keyword ORDER BY n DESC, k.keyword LIMIT ?2",
            )
            .map_err(&e)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = st
            .query_map(params![library_id, limit], |r| {
                Ok(KeywordCount {
                    keyword: r.get(0)?,
                    n: crate::index::u64_of(r.get(1)?),
                })
            })
            .map_err(&e)?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_trims_dedupes_and_bounds() {
        let many: Vec<String> = (0..2000).map(|i| format!("k{i}")).collect();
        assert_eq!(normalize(&many).len(), MAX_KEYWORDS);
        let v = vec![
            " a ".to_string(),
            "a".into(),
            "".into(),
            "b\u{0}c".into(),
            "x".repeat(1000),
        ];
        let n = normalize(&v);
        assert_eq!(n[..2], ["a".to_string(), "bc".into()]);
        assert_eq!(n[2].chars().count(), MAX_KEYWORD_CHARS);
        assert_eq!(n.len(), 3);
    }

    #[test]
    fn keyword_part_is_replaced_not_appended() {
        let base = "ocr text\nCanon";
        let a = with_keywords(base, &["paris".into()]);
        let i = a.find(&format!("\n{KEYWORDS_MARK}\n"));
        assert_eq!(i.map(|i| &a[..i]), Some(base));
        assert_eq!(with_keywords(base, &[]), base);
    }
}
