//! Full-text search over what was seen in photos (OCR text, object tags, people's names) and
//! what the index knows of them (places, keywords, cameras, dates): the `vision` and
//! `search_fts` tables, with the faces, people and tags of [`crate::people`].
//!
//! Additive to the main schema, created on every [`Index::open`](crate::Index::open) when
//! absent. `search_fts` is an FTS5 table with the trigram tokenizer, which matches any
//! substring of three characters or more in any script (Chinese has no spaces between words);
//! shorter query terms (`北京`) are matched with `LIKE` on the same table.

use std::path::PathBuf;

use crate::db::params;
use serde::Serialize;

use crate::index::db_err;
use crate::pairs::path_of;
use crate::{Index, Result};

/// The search tables. Every statement is idempotent.
pub const SEARCH_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS vision (
  file_id   INTEGER PRIMARY KEY,
  size      INTEGER NOT NULL,
  mtime_ns  INTEGER NOT NULL,
  text      TEXT NOT NULL,
  error     TEXT,
  done_at   TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
  body, file_id UNINDEXED, tokenize = 'trigram'
);
";

/// A file the vision pass has not read in its current state (new, or changed since).
#[derive(Debug, Clone)]
pub struct VisionPending {
    /// `files.id`.
    pub file_id: i64,
    /// The file.
    pub path: PathBuf,
    /// Size when scanned.
    pub size: i64,
    /// Modification time when scanned, in nanoseconds.
    pub mtime_ns: i64,
    /// `files.lat`, `files.lon` when known.
    pub gps: Option<(f64, f64)>,
}

/// What is stored for one file after the vision pass.
#[derive(Debug, Clone, Default)]
pub struct VisionRecord {
    /// The OCR text (empty when none).
    pub text: String,
    /// Why the file could not be analysed.
    pub error: Option<String>,
    /// Extra searchable words from the file's metadata and place (place names, keywords,
    /// title, description); the camera and the dates are taken from the index itself.
    pub extra: Vec<String>,
    /// Faces found, each placed with a person when stored.
    pub faces: Vec<crate::FaceRecord>,
    /// Object tags (searchable in English and Chinese).
    pub tags: Vec<crate::TagRecord>,
}

/// One search result.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    /// The file.
    pub path: PathBuf,
    /// Its local capture time, when known.
    pub time: Option<String>,
    /// The OCR text.
    pub text: String,
}

impl Index {
    /// Image and video files whose vision record is missing or older than the file (size or
    /// modification time changed), in path order. Forgets the records of files no longer in
    /// the index.
    pub fn vision_pending(&self) -> Result<Vec<VisionPending>> {
        let e = db_err(self.path());
        let c = self.connection();
        c.execute_batch(
            "DELETE FROM vision WHERE file_id NOT IN (SELECT id FROM files);
             DELETE FROM search_fts WHERE file_id NOT IN (SELECT id FROM files);",
        )
        .map_err(&e)?;
        let gone: Vec<i64> = {
            let mut st = c
                .prepare(
                    "SELECT DISTINCT file_id FROM faces WHERE file_id NOT IN (SELECT id FROM files)
                     UNION SELECT DISTINCT file_id FROM tags WHERE file_id NOT IN (SELECT id FROM files)",
                )
                .map_err(&e)?;
            let rows = st.query_map([], |r| r.get(0)).map_err(&e)?;
            rows.collect::<std::result::Result<_, _>>().map_err(&e)?
        };
        crate::people::forget_files(c, &gone, &e)?;
        let mut st = c
            .prepare(
                "SELECT f.id, f.path, f.size, f.mtime_ns, f.lat, f.lon FROM files f
                 LEFT JOIN vision v ON v.file_id = f.id
                 WHERE f.kind IN ('photo', 'raw', 'motion-photo', 'video')
                   AND (v.file_id IS NULL OR v.size != f.size OR v.mtime_ns != f.mtime_ns)
                 ORDER BY f.path",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([], |r| {
                let lat: Option<f64> = r.get(4)?;
                let lon: Option<f64> = r.get(5)?;
                Ok(VisionPending {
                    file_id: r.get(0)?,
                    path: path_of(r.get(1)?),
                    size: r.get(2)?,
                    mtime_ns: r.get(3)?,
                    gps: lat.zip(lon),
                })
            })
            .map_err(&e)?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(e)
    }

    /// Stores the vision record of `item` and its searchable text (OCR text, tags, `extra`,
    /// camera, lens, capture dates, file name), its faces (each placed with a person) and
    /// tags, replacing any earlier ones, in one transaction. Returns the person of each face.
    pub fn store_vision(&mut self, item: &VisionPending, rec: &VisionRecord) -> Result<Vec<i64>> {
        let path = self.path().to_path_buf();
        let e = db_err(&path);
        let tx = self.connection_mut().transaction().map_err(&e)?;
        let Some(facts) = crate::keywords::facts_text(&tx, item.file_id).map_err(&e)? else {
            return Ok(Vec::new()); // The file left the index meanwhile.
        };
        let mut body = vec![rec.text.clone()];
        for t in &rec.tags {
            body.push(format!("{} {}", t.label, t.label_zh));
        }
        body.extend(rec.extra.iter().cloned());
        body.extend(facts);
        let keywords = crate::keywords::keywords_of(&tx, item.file_id).map_err(&e)?;
        tx.execute(
            "INSERT OR REPLACE INTO vision (file_id, size, mtime_ns, text, error, done_at)
             VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            params![item.file_id, item.size, item.mtime_ns, rec.text, rec.error],
        )
        .map_err(&e)?;
        tx.execute("DELETE FROM search_fts WHERE rowid = ?1", [item.file_id])
            .map_err(&e)?;
        // One row per file, keyed by its id; the file's keywords (kept by the index) last.
        tx.execute(
            "INSERT INTO search_fts (rowid, body, file_id) VALUES (?1, ?2, ?1)",
            params![
                item.file_id,
                crate::keywords::with_keywords(&body.join("\n"), &keywords)
            ],
        )
        .map_err(&e)?;
        let people = crate::people::store_faces(&tx, item.file_id, &rec.faces, &rec.tags, &e)?;
        tx.commit().map_err(e)?;
        Ok(people)
    }

    /// Files whose searchable text contains every whitespace-separated term of `query`
    /// (case-insensitive for ASCII), newest capture first, at most `limit`.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let index = albumen_index::Index::open(dir.path().join("i.db"))?;
    /// assert!(index.search("北京 2019", 10)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let e = db_err(self.path());
        let terms: Vec<&str> = query.split_whitespace().collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        // Each term must match the file's searchable text (FTS5 trigram for 3 characters or
        // more, LIKE for shorter) or the name of a person in it.
        let like = |t: &str| {
            let escaped = t
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        };
        let mut args: Vec<String> = Vec::new();
        let mut sql = String::from(
            "SELECT f.path, coalesce(f.time_local, f.capture_local), coalesce(v.text, ''),
               s.body
             FROM search_fts s JOIN files f ON f.id = s.file_id
             LEFT JOIN vision v ON v.file_id = f.id WHERE TRUE",
        );
        for t in &terms {
            // PostgreSQL has no FTS5: the search texts are matched as substrings there (on
            // `pg_trgm`'s trigram index when the server has it).
            let body = if t.chars().count() >= 3 && !self.connection().is_pg() {
                args.push(format!("\"{}\"", t.replace('"', "\"\"")));
                format!(
                    "s.rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?{})",
                    args.len()
                )
            } else {
                args.push(like(t));
                format!("s.body LIKE ?{} ESCAPE '\\'", args.len())
            };
            args.push(like(t));
            sql.push_str(&format!(
                " AND ({body} OR s.file_id IN (SELECT fa.file_id FROM faces fa
                   JOIN people p ON p.id = fa.person_id WHERE p.name LIKE ?{} ESCAPE '\\'))",
                args.len()
            ));
        }
        // Whole-word matches rank first (as in `SearchDocs::matching`), chosen among the
        // newest RANK_POOL x limit matches: enough for a page of results, bounded for a
        // query that matches most of a large library.
        let pool = limit.saturating_mul(RANK_POOL).max(RANK_POOL_MIN);
        sql.push_str(&format!(
            " ORDER BY coalesce(f.time_utc, f.capture_utc, f.time_local) DESC, f.path LIMIT {}",
            pool.min(i64::MAX as usize)
        ));
        let lower: Vec<String> = terms.iter().map(|t| t.to_lowercase()).collect();
        let mut st = self.connection().prepare(&sql).map_err(&e)?;
        let bind: Vec<&dyn rusqlite::ToSql> =
            args.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
        let rows = st
            .query_map(bind.as_slice(), |r| {
                let body: String = r.get::<_, Option<String>>(3)?.unwrap_or_default();
                let body = body.to_lowercase();
                let whole = lower.iter().all(|t| has_word(&body, t));
                Ok((
                    whole,
                    SearchHit {
                        path: path_of(r.get(0)?),
                        time: r.get(1)?,
                        text: r.get(2)?,
                    },
                ))
            })
            .map_err(&e)?;
        let mut hits = rows
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(e)?;
        // Stable: each group keeps its time order.
        hits.sort_by_key(|(whole, _)| !*whole);
        Ok(hits.into_iter().take(limit).map(|(_, h)| h).collect())
    }
}

/// [`Index::search`] ranks whole-word matches first among the newest `RANK_POOL` x limit
/// matches (at least [`RANK_POOL_MIN`]).
const RANK_POOL: usize = 50;
/// See [`RANK_POOL`].
const RANK_POOL_MIN: usize = 2_000;

/// Whether `term` occurs in `text` as a whole word: not run on into a letter or digit on
/// either side. Both are lower-cased already. Han, kana and hangul are written without spaces,
/// so next to them any occurrence counts ("花" in "花园" is the word a user typed).
fn has_word(text: &str, term: &str) -> bool {
    if term.is_empty() {
        return false;
    }
    let (Some(first), Some(last)) = (term.chars().next(), term.chars().next_back()) else {
        return false;
    };
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find(term)) {
        let at = from + i;
        let end = at + term.len();
        let before = text.get(..at).and_then(|t| t.chars().next_back());
        let after = text.get(end..).and_then(|t| t.chars().next());
        let joins =
            |edge: char, next: Option<char>| next.is_some_and(|n| spelled(edge) && spelled(n));
        if !joins(first, before) && !joins(last, after) {
            return true;
        }
        from = at + first.len_utf8();
    }
    false
}

/// A letter or digit of a script written with spaces between words.
fn spelled(c: char) -> bool {
    c.is_alphanumeric()
        && !matches!(c as u32,
            0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
            | 0xAC00..=0xD7AF | 0x20000..=0x2FFFF)
}

/// What one search over a library's items looks at: for each item (a Live Photo's video is
/// part of its still), one lower-cased text of everything the index knows of it — file name,
/// kind, camera (make, model, lens), local capture date and time (`2023-07-14t10:00:00`, so
/// "2023", "2023-07" and "2023-07-14" match), keywords, the names of the people in it, the
/// place of its GPS position in English and Chinese (city, region, country), and what
/// `scan --vision` stored (text read, tags in English and Chinese, title, description).
///
/// Items are kept in timeline order (newest local time first, undated last); a search is a
/// substring search (SIMD `memchr::memmem`) over one buffer, so "巴黎" or "gate 9" match
/// without a tokenizer, in any script. Built by [`Index::search_docs`] (about a second for
/// 100k items; keep it while the index does not change).
#[derive(Debug, Default)]
pub struct SearchDocs {
    ids: Vec<i64>,
    /// Start of each item's text in `text` (ascending), and one past the end.
    starts: Vec<usize>,
    text: String,
}

/// Most terms looked at in one query (the rest are ignored).
pub const MAX_QUERY_TERMS: usize = 16;

impl SearchDocs {
    /// Number of items.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The item whose text holds byte `at`.
    fn doc_at(&self, at: usize) -> Option<usize> {
        let i = self.starts.partition_point(|&s| s <= at);
        i.checked_sub(1).filter(|&d| d < self.ids.len())
    }

    fn doc_text(&self, d: usize) -> &str {
        match (self.starts.get(d), self.starts.get(d + 1)) {
            (Some(&a), Some(&b)) => self.text.get(a..b).unwrap_or(""),
            _ => "",
        }
    }

    /// The ids of the items whose text contains every whitespace-separated term of `query`
    /// (case-insensitive): first those where every term is a whole word (not run on into a letter or digit:
    /// "car" finds a car before a photo credited to "Carol"), then those where some term is
    /// only part of a word (typing "birth" still finds "birthday"), each group in timeline
    /// order; an empty query matches nothing.
    ///
    /// ```
    /// let docs = albumen_index::SearchDocs::from_texts(vec![
    ///     (1, "Paris 巴黎 2022-05-10".into()),
    ///     (2, "Berlin 柏林 2021-07-14".into()),
    /// ]);
    /// assert_eq!(docs.matching("巴黎"), [1]);
    /// assert_eq!(docs.matching("berlin 2021-07"), [2]);
    /// assert!(docs.matching("paris 2021").is_empty());
    ///
    /// let docs = albumen_index::SearchDocs::from_texts(vec![
    ///     (1, "IMG_1.jpg photo by Carol".into()),
    ///     (2, "IMG_2.jpg car 汽车".into()),
    /// ]);
    /// assert_eq!(docs.matching("car"), [2, 1]);
    /// ```
    pub fn matching(&self, query: &str) -> Vec<i64> {
        let q = query.to_lowercase();
        let mut terms: Vec<&str> = q.split_whitespace().take(MAX_QUERY_TERMS).collect();
        if terms.is_empty() {
            return Vec::new();
        }
        // The longest term first: usually the rarest, so the fewest candidates to check.
        terms.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        terms.dedup();
        let Some((first, rest)) = terms.split_first() else {
            return Vec::new();
        };
        let rest: Vec<memchr::memmem::Finder<'_>> =
            rest.iter().map(memchr::memmem::Finder::new).collect();
        let finder = memchr::memmem::Finder::new(first);
        let hay = self.text.as_bytes();
        let (mut words, mut parts) = (Vec::new(), Vec::new());
        let mut pos = 0usize;
        while let Some(hit) = hay.get(pos..).and_then(|h| finder.find(h)) {
            let at = pos + hit;
            let Some(d) = self.doc_at(at) else { break };
            let text = self.doc_text(d);
            if rest.iter().all(|f| f.find(text.as_bytes()).is_some()) {
                if let Some(id) = self.ids.get(d) {
                    if terms.iter().all(|t| has_word(text, t)) {
                        words.push(*id);
                    } else {
                        parts.push(*id);
                    }
                }
            }
            // On to the next item.
            pos = self.starts.get(d + 1).copied().unwrap_or(hay.len());
        }
        words.append(&mut parts);
        words
    }

    /// Docs from (id, text) pairs, in the given order (for tests and tools).
    pub fn from_texts(items: Vec<(i64, String)>) -> Self {
        let mut docs = SearchDocs::default();
        for (id, t) in items {
            docs.push(id, &t);
        }
        docs.finish();
        docs
    }

    fn push(&mut self, id: i64, text: &str) {
        self.ids.push(id);
        self.starts.push(self.text.len());
        // A separator no term can span (terms have no whitespace).
        self.text.push_str(&text.to_lowercase());
        self.text.push('\n');
    }

    fn finish(&mut self) {
        self.starts.push(self.text.len());
    }
}

impl Index {
    /// The [`SearchDocs`] of library `library_id` (see there for what an item's text holds).
    pub fn search_docs(&self, library_id: i64) -> Result<SearchDocs> {
        let e = db_err(self.path());
        let mut st = self
            .connection()
            .prepare(
                "SELECT f.id, f.name, coalesce(f.kind, ''), coalesce(f.make, ''),
                   coalesce(f.model, ''), coalesce(f.lens, ''),
                   coalesce(f.time_local, f.capture_local, ''), f.lat, f.lon,
                   (SELECT group_concat(k.keyword, '\n') FROM keywords k WHERE k.file_id = f.id),
                   (SELECT s.body FROM search_fts s WHERE s.rowid = f.id),
                   (SELECT group_concat(p.name, '\n') FROM faces fa JOIN people p
                      ON p.id = fa.person_id WHERE fa.file_id = f.id AND p.name IS NOT NULL),
                   EXISTS (SELECT 1 FROM pairs p WHERE p.still_file_id = f.id)
                 FROM files f WHERE f.library_id = ?1
                   AND NOT EXISTS (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id)
                 ORDER BY coalesce(f.time_local, f.capture_local, '') DESC, f.id DESC",
            )
            .map_err(&e)?;
        let mut rows = st.query([library_id]).map_err(&e)?;
        let mut docs = SearchDocs::default();
        // Place names by position rounded to about 10 m: photos are taken in bursts.
        let mut places: std::collections::HashMap<(i64, i64), String> =
            std::collections::HashMap::new();
        let mut text = String::new();
        while let Some(r) = rows.next().map_err(&e)? {
            text.clear();
            let get_s = |i: usize| -> crate::db::Result<String> {
                Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default())
            };
            let id: i64 = r.get(0).map_err(&e)?;
            let name: Vec<u8> = r.get(1).map_err(&e)?;
            text.push_str(&String::from_utf8_lossy(&name));
            for i in 2..7 {
                text.push('\n');
                text.push_str(&get_s(i).map_err(&e)?);
            }
            if r.get::<_, bool>(12).map_err(&e)? {
                text.push_str("\nlive photo");
            }
            let lat: Option<f64> = r.get(7).map_err(&e)?;
            let lon: Option<f64> = r.get(8).map_err(&e)?;
            if let (Some(lat), Some(lon)) = (lat, lon) {
                let key = ((lat * 1e4).round() as i64, (lon * 1e4).round() as i64);
                let place = places
                    .entry(key)
                    .or_insert_with(|| place_words(lat, lon).unwrap_or_default());
                text.push('\n');
                text.push_str(place);
            }
            for i in 9..12 {
                text.push('\n');
                text.push_str(&get_s(i).map_err(&e)?);
            }
            docs.push(id, &text);
        }
        docs.finish();
        Ok(docs)
    }
}

/// The place of a position in English and Chinese, one name a line.
fn place_words(lat: f64, lon: f64) -> Option<String> {
    let (p, zh) = albumen_geo::reverse_geocode_zh(lat, lon)?;
    let mut out: Vec<String> = Vec::new();
    out.extend(p.city);
    out.extend(p.region);
    out.push(p.country);
    out.extend(zh.city);
    out.extend(zh.country);
    Some(out.join("\n"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_words_are_told_from_parts_of_words() {
        assert!(has_word("photo by carol", "carol"));
        assert!(!has_word("photo by carol", "car"));
        assert!(has_word("a red car.", "car"));
        assert!(has_word("car", "car"));
        assert!(has_word("carol's car", "car"));
        assert!(has_word("img_1234.jpg", "1234"));
        assert!(has_word("2023-07-14t10:00:00", "2023-07"));
        assert!(!has_word("2023-07-14t10:00:00", "023"));
        // Han next to Han counts: no spaces in Chinese.
        assert!(has_word("公园 花园", "花"));
        assert!(has_word("car汽车", "汽车"));
        assert!(!has_word("", "car"));
        assert!(!has_word("car", ""));
    }

    use super::*;

    fn add_file(index: &Index, id: i64, name: &str, size: i64) {
        index
            .connection()
            .execute(
                "INSERT OR REPLACE INTO files (id, library_id, dir_id, name, path, path_text, size,
                   mtime_ns, dev, inode, nlink, kind, make, model, time_local, first_run, read_run)
                 VALUES (?1, 1, 1, ?2, ?5, ?3, ?4, 0, 0, ?1, 1, 'photo', 'Canon', 'EOS 5D',
                   '2019-10-01T12:00:00', 1, 1)",
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
    fn search_finds_all_terms_in_any_script_and_rereads_changed_files() {
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
        let pending = index.vision_pending().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pending.len(), 2);
        let rec = |t: &str, extra: &[&str]| VisionRecord {
            text: t.into(),
            error: None,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            ..VisionRecord::default()
        };
        index
            .store_vision(
                &pending[0],
                &rec("北京欢迎你\nGate 9", &["Beijing", "China", "Carolina"]),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        index
            .store_vision(&pending[1], &rec("", &["Paris", "car"]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(index
            .vision_pending()
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty());
        let found = |q: &str| -> Vec<String> {
            let hits = index.search(q, 10).unwrap_or_else(|e| panic!("{e}"));
            hits.iter().map(|h| h.path.display().to_string()).collect()
        };
        assert_eq!(found("北京 2019"), ["/p/a.jpg"]);
        assert_eq!(found("欢迎你"), ["/p/a.jpg"]);
        assert!(found("北京 2020").is_empty());
        assert_eq!(found("paris"), ["/p/b.jpg"]);
        assert_eq!(found("canon 2019-10").len(), 2);
        assert_eq!(found("gate 9"), ["/p/a.jpg"]);
        assert!(found("50%").is_empty());
        // A whole word first, then a word that only starts with it (a is older-first by path).
        assert_eq!(found("car"), ["/p/b.jpg", "/p/a.jpg"]);
        assert_eq!(found("carol"), ["/p/a.jpg"]);
        // A changed file (new size) is pending again; a removed one is forgotten.
        add_file(&index, 2, "b.jpg", 11);
        index
            .connection()
            .execute("DELETE FROM files WHERE id = 1", [])
            .unwrap_or_else(|e| panic!("{e}"));
        let pending = index.vision_pending().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pending.iter().map(|p| p.file_id).collect::<Vec<_>>(), [2]);
        assert!(found("北京").is_empty());
    }

    #[test]
    fn search_docs_find_places_in_chinese_cameras_dates_keywords_and_people() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut index = Index::open(dir.path().join("i.db")).unwrap_or_else(|e| panic!("{e}"));
        index
            .connection()
            .execute_batch(
                "INSERT INTO libraries (id, name, created_at) VALUES (1, 't', 'now'), (2, 'u', 'now');
                 INSERT INTO dirs (id, library_id, path, path_text) VALUES (1, 1, x'2f70', '/p');",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        add_file(&index, 1, "a.jpg", 10);
        add_file(&index, 2, "b.jpg", 10);
        add_file(&index, 3, "c.jpg", 10);
        index
            .connection()
            .execute_batch(
                "UPDATE files SET lat = 48.8566, lon = 2.3522, time_local = '2022-05-10T12:00:00' WHERE id = 1;
                 UPDATE files SET lat = 52.52, lon = 13.40, make = 'albumen', model = 'Check Camera' WHERE id = 2;
                 UPDATE files SET library_id = 2 WHERE id = 3;
                 INSERT INTO keywords (file_id, keyword) VALUES (2, 'Birthday');
                 INSERT INTO people (id, name, centroid) VALUES (1, 'Zoé Test', x'');
                 INSERT INTO faces (file_id, x, y, w, h, score, embedding, person_id)
                   VALUES (1, 0, 0, 1, 1, 1, x'', 1);",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let docs = index.search_docs(1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(docs.len(), 2);
        assert_eq!(docs.matching("Paris"), [1]);
        assert_eq!(docs.matching("巴黎"), [1]);
        assert_eq!(docs.matching("法国"), [1]);
        assert_eq!(docs.matching("柏林 birthday"), [2]);
        assert_eq!(docs.matching("check camera"), [2]);
        assert_eq!(docs.matching("2022"), [1]);
        assert_eq!(docs.matching("2022-05"), [1]);
        assert_eq!(docs.matching("2019-10-01"), [2]);
        assert_eq!(docs.matching("zoé"), [1]);
        assert_eq!(docs.matching("ZOÉ TEST"), [1]);
        // Newest first; the other library's file is not there.
        assert_eq!(docs.matching("jpg"), [1, 2]);
        assert!(docs.matching("c.jpg").is_empty());
        assert!(docs.matching("").is_empty());
        assert!(docs.matching("birthday zzz").is_empty());
        // A term cannot span two fields or two items.
        assert!(docs.matching("birthday\nzoé").is_empty());
        // What `scan --vision` stored is found too.
        let pending = index.vision_pending().unwrap_or_else(|e| panic!("{e}"));
        let rec = VisionRecord {
            text: "北京欢迎你".into(),
            ..VisionRecord::default()
        };
        index
            .store_vision(&pending[1], &rec)
            .unwrap_or_else(|e| panic!("{e}"));
        let docs = index.search_docs(1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(docs.matching("欢迎").len(), 1);
    }
}
