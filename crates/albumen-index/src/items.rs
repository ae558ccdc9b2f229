//! The web page's item queries: a page of a library's items with its filters, items by id,
//! one day's items, one item's details and file, the located items of a library, the values
//! an edit changes. The server calls these; it writes no SQL of its own.
//!
//! An *item* is a `files` row that is not the video half of a Live Photo (the `items` view's
//! rule, written out here so that SQLite uses `files_library` and `pairs_video`). Its time is
//! `coalesce(time_local, capture_local, '')` (empty, unknown, sorts last), then its id.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::db::{params, OptionalExtension};
use rusqlite::types::ToSql;
use serde::Serialize;

use crate::index::db_err;
use crate::pairs::path_of;
use crate::{Index, Result};

/// The sort key of the timeline: local time (empty when unknown: last), then id.
const T: &str = "coalesce(f.time_local, f.capture_local, '')";

/// The columns [`item_of`] reads.
const ITEM_COLS: &str = "f.id, coalesce(f.kind, 'unreadable'), \
    coalesce(f.time_local, f.capture_local), f.width, f.height, f.orientation, f.lat, f.lon, \
    EXISTS (SELECT 1 FROM pairs p WHERE p.still_file_id = f.id AND p.method NOT LIKE 'stack-%'), \
    f.rating, (SELECT min(substr(p.method, 7)) || ':' || (count(*) + 1) FROM pairs p \
    WHERE p.still_file_id = f.id AND p.method LIKE 'stack-%')";

/// Not the video half of a Live Photo.
const NOT_VIDEO: &str = "NOT EXISTS (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id)";

/// One item of a list, as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ItemRow {
    /// `files.id`.
    pub id: i64,
    /// `live-photo` for a still with a paired video, else `files.kind` (`unreadable` when
    /// unknown).
    pub kind: String,
    /// Local time (`time_local`, else `capture_local`).
    pub t: Option<String>,
    /// Width as displayed (swapped with the height for EXIF orientations 5-8).
    pub w: Option<i64>,
    /// Height as displayed.
    pub h: Option<i64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Whether a Live Photo video is paired with it.
    pub video: bool,
    /// Rating (0-5; -1 rejected).
    pub rating: Option<i64>,
    /// The stack this item stands for (its face), or `None`.
    pub stack: Option<ItemStack>,
}

/// The stack an item stands for: its kind (`raw-jpeg`, `edited`, `burst`, …) and how many
/// files it holds (the face included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ItemStack {
    /// The kind (the `pairs.method` after `stack-`).
    pub kind: String,
    /// Files in the stack, the face included.
    pub members: i64,
}

fn item_of(r: &crate::db::Row<'_>) -> crate::db::Result<ItemRow> {
    let (w, h): (Option<i64>, Option<i64>) = (r.get(3)?, r.get(4)?);
    let o: Option<i64> = r.get(5)?;
    let (w, h) = if o.is_some_and(|o| o >= 5) {
        (h, w)
    } else {
        (w, h)
    };
    let video: bool = r.get(8)?;
    let kind: String = r.get(1)?;
    Ok(ItemRow {
        id: r.get(0)?,
        kind: if video { "live-photo".into() } else { kind },
        t: r.get(2)?,
        w,
        h,
        lat: r.get(6)?,
        lon: r.get(7)?,
        video,
        rating: r.get(9)?,
        stack: r.get::<_, Option<String>>(10)?.and_then(|s| {
            let (kind, n) = s.split_once(':')?;
            Some(ItemStack {
                kind: kind.to_owned(),
                members: n.parse().ok()?,
            })
        }),
    })
}

/// Where a page of items starts: after the item with this sort key (local time, empty when
/// unknown) and id. Written `time|id` in the page's `cursor` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemCursor {
    /// The local time of the last item of the previous page (`""` when unknown).
    pub t: String,
    /// Its id.
    pub id: i64,
}

impl ItemCursor {
    /// Reads `time|id`; `None` when malformed.
    ///
    /// ```
    /// use albumen_index::ItemCursor;
    /// let c = ItemCursor::parse("2021-07-14T10:00:00|42").unwrap();
    /// assert_eq!((c.t.as_str(), c.id), ("2021-07-14T10:00:00", 42));
    /// assert_eq!(c.to_string(), "2021-07-14T10:00:00|42");
    /// assert!(ItemCursor::parse("no id").is_none());
    /// ```
    pub fn parse(c: &str) -> Option<ItemCursor> {
        let (t, id) = c.rsplit_once('|')?;
        Some(ItemCursor {
            t: t.to_string(),
            id: id.parse().ok()?,
        })
    }
}

impl std::fmt::Display for ItemCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}|{}", self.t, self.id)
    }
}

/// Which items of a library a page holds (every filter optional; all given ones apply).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ItemFilter {
    /// Only items after this one (newest first).
    pub after: Option<ItemCursor>,
    /// Local time at or after this (a prefix such as `2021-07` or a date works).
    pub from: Option<String>,
    /// Local time at or before this; a date (10 characters) takes the whole day. Items without
    /// a time are left out when this is given.
    pub to: Option<String>,
    /// `make model` contains this (case-insensitive for ASCII).
    pub camera: Option<String>,
    /// A keyword contains this (case-insensitive for ASCII).
    pub keyword: Option<String>,
    /// Only the favourites of this user (`users.id`).
    pub favorite_of: Option<i64>,
    /// Only items where this person (`people.id`) was seen.
    pub person: Option<i64>,
    /// Only these item ids.
    pub ids: Option<Vec<i64>>,
}

impl ItemFilter {
    /// No filter: every item of the library.
    pub fn new() -> ItemFilter {
        ItemFilter::default()
    }
}

/// A page of items, newest first.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ItemPage {
    /// The items.
    pub items: Vec<ItemRow>,
    /// Where the next page starts, when this one is full (`limit` items).
    pub next: Option<ItemCursor>,
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl Index {
    /// Items of library `library_id` (Live Photo videos counted with their still).
    pub fn library_item_count(&self, library_id: i64) -> Result<u64> {
        self.connection()
            .prepare_cached(&format!(
                "SELECT count(*) FROM files f WHERE f.library_id = ?1 AND {NOT_VIDEO}"
            ))
            .and_then(|mut st| st.query_row([library_id], |r| r.get::<_, i64>(0)))
            .map(crate::index::u64_of)
            .map_err(db_err(self.path()))
    }

    /// A page of at most `limit` items of library `library_id` that pass `filter`, newest
    /// first (items without a time last), skipping `offset` items.
    pub fn item_page(
        &self,
        library_id: i64,
        filter: &ItemFilter,
        limit: u32,
        offset: u32,
    ) -> Result<ItemPage> {
        let mut sql =
            format!("SELECT {ITEM_COLS}, {T} FROM files f WHERE f.library_id = ?1 AND {NOT_VIDEO}");
        let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(library_id)];
        let mut add = |sql: &mut String, cond: &str, v: Box<dyn ToSql>| {
            args.push(v);
            sql.push_str(&cond.replace('?', &format!("?{}", args.len())));
        };
        if let Some(c) = &filter.after {
            add(
                &mut sql,
                &format!(" AND ({T}, f.id) < (?"),
                Box::new(c.t.clone()),
            );
            add(&mut sql, ", ?)", Box::new(c.id));
        }
        if let Some(f) = &filter.from {
            add(&mut sql, &format!(" AND {T} >= ?"), Box::new(f.clone()));
        }
        if let Some(t) = &filter.to {
            // `to` is inclusive: a date takes the whole day.
            let t = if t.len() == 10 {
                format!("{t}T99")
            } else {
                t.clone()
            };
            add(
                &mut sql,
                &format!(" AND {T} <= ? AND {T} != ''"),
                Box::new(t),
            );
        }
        if let Some(c) = &filter.camera {
            add(
                &mut sql,
                " AND (coalesce(f.make, '') || ' ' || coalesce(f.model, '')) LIKE ? ESCAPE '\\'",
                Box::new(format!("%{}%", like_escape(c))),
            );
        }
        if let Some(k) = &filter.keyword {
            add(
                &mut sql,
                " AND f.id IN (SELECT file_id FROM keywords WHERE keyword LIKE ? ESCAPE '\\')",
                Box::new(format!("%{}%", like_escape(k))),
            );
        }
        if let Some(u) = filter.favorite_of {
            add(
                &mut sql,
                " AND f.id IN (SELECT file_id FROM favorites WHERE user_id = ?)",
                Box::new(u),
            );
        }
        if let Some(p) = filter.person {
            add(
                &mut sql,
                " AND f.id IN (SELECT file_id FROM faces WHERE person_id = ?)",
                Box::new(p),
            );
        }
        if let Some(ids) = &filter.ids {
            let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
            add(
                &mut sql,
                " AND f.id IN (SELECT value FROM json_each(?))",
                Box::new(json),
            );
        }
        sql.push_str(&format!(" ORDER BY {T} DESC, f.id DESC LIMIT {limit}"));
        if offset > 0 {
            sql.push_str(&format!(" OFFSET {offset}"));
        }
        let e = db_err(self.path());
        let c = self.connection();
        let mut st = c.prepare(&sql).map_err(&e)?;
        let rows = st
            .query_map(crate::db::params_from_iter(args.iter()), |r| {
                let key: String = r.get(11)?;
                Ok((item_of(r)?, key))
            })
            .map_err(&e)?;
        let mut page = ItemPage::default();
        let mut last = None;
        for row in rows {
            let (it, key) = row.map_err(&e)?;
            last = Some(ItemCursor { t: key, id: it.id });
            page.items.push(it);
        }
        if page.items.len() == limit as usize {
            page.next = last;
        }
        Ok(page)
    }

    /// Item `id` (any library), or `None` when it is not in the index.
    pub fn item_row(&self, id: i64) -> Result<Option<ItemRow>> {
        self.connection()
            .prepare_cached(&format!("SELECT {ITEM_COLS} FROM files f WHERE f.id = ?1"))
            .and_then(|mut st| st.query_row([id], item_of).optional())
            .map_err(db_err(self.path()))
    }

    /// Item `id` if it is in library `library_id`.
    pub fn item_row_in(&self, id: i64, library_id: i64) -> Result<Option<ItemRow>> {
        self.connection()
            .prepare_cached(&format!(
                "SELECT {ITEM_COLS} FROM files f WHERE f.id = ?1 AND f.library_id = ?2"
            ))
            .and_then(|mut st| st.query_row([id, library_id], item_of).optional())
            .map_err(db_err(self.path()))
    }

    /// The first `limit` items of library `library_id` whose local time is on `day`
    /// (`YYYY-MM-DD`), oldest first.
    pub fn day_items(&self, library_id: i64, day: &str, limit: u32) -> Result<Vec<ItemRow>> {
        let e = db_err(self.path());
        let c = self.connection();
        let mut st = c
            .prepare_cached(&format!(
                "SELECT {ITEM_COLS} FROM files f WHERE f.library_id = ?1 \
                 AND {T} >= ?2 AND {T} < ?3 AND {NOT_VIDEO} \
                 ORDER BY {T}, f.id LIMIT ?4"
            ))
            .map_err(&e)?;
        let rows = st
            .query_map(
                params![library_id, day, format!("{day}\u{10FFFF}"), limit],
                item_of,
            )
            .map_err(&e)?;
        rows.collect::<crate::db::Result<Vec<_>>>().map_err(e)
    }

    /// Which of `ids` are favourites of user `user_id`.
    pub fn favorite_among(&self, user_id: i64, ids: &[i64]) -> Result<HashSet<i64>> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let e = db_err(self.path());
        let c = self.connection();
        let mut st = c
            .prepare_cached(
                "SELECT file_id FROM favorites WHERE user_id = ?1 \
                 AND file_id IN (SELECT value FROM json_each(?2))",
            )
            .map_err(&e)?;
        let rows = st
            .query_map(params![user_id, json], |r| r.get(0))
            .map_err(&e)?;
        rows.collect::<crate::db::Result<HashSet<i64>>>().map_err(e)
    }

    /// The file of item `id` if user `user_id` may see it (its library is granted to them).
    pub fn visible_file(&self, user_id: i64, id: i64) -> Result<Option<ItemFile>> {
        self.connection()
            .prepare_cached(
                "SELECT f.id, f.library_id, f.path, f.format, f.kind, \
                 (SELECT min(p.video_file_id) FROM pairs p WHERE p.still_file_id = f.id \
                 AND p.method NOT LIKE 'stack-%') \
                 FROM files f WHERE f.id = ?1 AND f.library_id IN \
                 (SELECT library_id FROM user_grants WHERE user_id = ?2)",
            )
            .and_then(|mut st| st.query_row(params![id, user_id], file_of).optional())
            .map_err(db_err(self.path()))
    }

    /// The file of item `id` (any library; not a file in the trash).
    pub fn item_file(&self, id: i64) -> Result<Option<ItemFile>> {
        self.connection()
            .prepare_cached(
                "SELECT f.id, f.library_id, f.path, f.format, f.kind, \
                 (SELECT min(p.video_file_id) FROM pairs p WHERE p.still_file_id = f.id \
                 AND p.method NOT LIKE 'stack-%') \
                 FROM files f WHERE f.id = ?1 AND f.library_id > 0",
            )
            .and_then(|mut st| st.query_row([id], file_of).optional())
            .map_err(db_err(self.path()))
    }

    /// Whether file `id` is the video half of a Live Photo (it goes where its still goes).
    pub fn is_paired_video(&self, id: i64) -> Result<bool> {
        self.connection()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM pairs WHERE video_file_id = ?1)")
            .and_then(|mut st| st.query_row([id], |r| r.get(0)))
            .map_err(db_err(self.path()))
    }

    /// Everything the index holds about item `id` that its detail view shows.
    pub fn item_detail(&self, id: i64) -> Result<Option<ItemDetail>> {
        self.connection()
            .prepare_cached(
                "SELECT f.id, f.name, f.size, f.format, f.kind, f.make, f.model, f.lens, \
                 f.width, f.height, f.duration_s, f.lat, f.lon, f.alt, f.rating, \
                 f.time_local, f.time_utc, f.time_offset_s, f.time_zone, f.time_source, \
                 f.time_confidence, l.name, f.motion_photo \
                 FROM files f JOIN libraries l ON l.id = f.library_id WHERE f.id = ?1",
            )
            .and_then(|mut st| {
                st.query_row([id], |r| {
                    let name: Vec<u8> = r.get(1)?;
                    Ok(ItemDetail {
                        id: r.get(0)?,
                        name: String::from_utf8_lossy(&name).into_owned(),
                        size: r.get(2)?,
                        format: r.get(3)?,
                        kind: r.get(4)?,
                        make: r.get(5)?,
                        model: r.get(6)?,
                        lens: r.get(7)?,
                        width: r.get(8)?,
                        height: r.get(9)?,
                        duration_s: r.get(10)?,
                        lat: r.get(11)?,
                        lon: r.get(12)?,
                        alt: r.get(13)?,
                        rating: r.get(14)?,
                        time_local: r.get(15)?,
                        time_utc: r.get(16)?,
                        time_offset_s: r.get(17)?,
                        time_zone: r.get(18)?,
                        time_source: r.get(19)?,
                        time_confidence: r.get(20)?,
                        library: r.get(21)?,
                        motion_photo: r.get(22)?,
                    })
                })
                .optional()
            })
            .map_err(db_err(self.path()))
    }

    /// (file id, latitude, longitude) of every located item of library `library_id`, by id.
    pub fn located_items(&self, library_id: i64) -> Result<Vec<(i64, f64, f64)>> {
        let e = db_err(self.path());
        let c = self.connection();
        let mut q = c
            .prepare(&format!(
                "SELECT f.id, f.lat, f.lon FROM files f WHERE f.library_id = ?1 \
                 AND f.lat IS NOT NULL AND f.lon IS NOT NULL AND {NOT_VIDEO} ORDER BY f.id"
            ))
            .map_err(&e)?;
        let rows = q
            .query_map([library_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(&e)?;
        rows.collect::<crate::db::Result<Vec<_>>>().map_err(e)
    }

    /// The ids of the files with an embedding in the libraries granted to user `user_id`.
    pub fn embedded_visible_to(&self, user_id: i64) -> Result<HashSet<i64>> {
        let e = db_err(self.path());
        let c = self.connection();
        let mut st = c
            .prepare_cached(
                "SELECT f.id FROM files f JOIN embeddings e ON e.file_id = f.id \
                 WHERE f.library_id IN (SELECT library_id FROM user_grants WHERE user_id = ?1)",
            )
            .map_err(&e)?;
        let rows = st.query_map([user_id], |r| r.get(0)).map_err(&e)?;
        rows.collect::<crate::db::Result<HashSet<i64>>>().map_err(e)
    }

    /// The values of file `file_id` that the page's edits change, as the index holds them.
    pub fn edit_values(&self, file_id: i64) -> Result<Option<EditValues>> {
        self.connection()
            .prepare_cached(
                "SELECT capture_local, capture_utc, lat, lon, rating FROM files WHERE id = ?1",
            )
            .and_then(|mut st| {
                st.query_row([file_id], |r| {
                    Ok(EditValues {
                        capture_local: r.get(0)?,
                        capture_utc: r.get(1)?,
                        lat: r.get(2)?,
                        lon: r.get(3)?,
                        rating: r.get(4)?,
                    })
                })
                .optional()
            })
            .map_err(db_err(self.path()))
    }

    /// The database's version: it changes whenever *another* connection (another of this
    /// process's, a scan's, another server's) commits; caches built at one version are good
    /// while it stays.
    ///
    /// On PostgreSQL it is the server's snapshot (`pg_current_snapshot()`: the transactions
    /// under way and the next to begin), which changes whenever a write begins or ends
    /// anywhere on the server: never missed, sometimes a change that was not one.
    pub fn data_version(&self) -> Result<i64> {
        let c = self.connection();
        if c.is_pg() {
            let snap: String = c
                .query_row("SELECT pg_current_snapshot()::text", [], |r| r.get(0))
                .map_err(db_err(self.path()))?;
            return Ok(crate::db::key_of(&snap) & i64::MAX);
        }
        c.query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(db_err(self.path()))
    }
}

/// The file behind an item: what serving its thumbnail, preview, original or video needs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ItemFile {
    /// `files.id`.
    pub id: i64,
    /// `files.library_id`.
    pub library_id: i64,
    /// The file's absolute path.
    pub path: PathBuf,
    /// Container format (`jpeg`, `heic`, …).
    pub format: Option<String>,
    /// Kind (`photo`, `raw`, `video`, …).
    pub kind: Option<String>,
    /// The paired Live Photo video's file id.
    pub video_id: Option<i64>,
}

fn file_of(r: &crate::db::Row<'_>) -> crate::db::Result<ItemFile> {
    Ok(ItemFile {
        id: r.get(0)?,
        library_id: r.get(1)?,
        path: path_of(r.get(2)?),
        format: r.get(3)?,
        kind: r.get(4)?,
        video_id: r.get(5)?,
    })
}

/// One item's details (the `files` row and its library's name).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ItemDetail {
    /// `files.id`.
    pub id: i64,
    /// File name (lossy UTF-8).
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// Container format.
    pub format: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Camera maker.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
    /// Lens.
    pub lens: Option<String>,
    /// Stored width (before orientation).
    pub width: Option<i64>,
    /// Stored height.
    pub height: Option<i64>,
    /// Duration of a video, seconds.
    pub duration_s: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Altitude, metres.
    pub alt: Option<f64>,
    /// Rating.
    pub rating: Option<i64>,
    /// Resolved local time.
    pub time_local: Option<String>,
    /// Resolved UTC time.
    pub time_utc: Option<String>,
    /// Offset from UTC, seconds.
    pub time_offset_s: Option<i64>,
    /// Time zone name.
    pub time_zone: Option<String>,
    /// Where the time came from.
    pub time_source: Option<String>,
    /// How sure that is.
    pub time_confidence: Option<String>,
    /// The library's name.
    pub library: String,
    /// Whether it is a motion photo (a video inside the still).
    pub motion_photo: bool,
}

/// The values of a file's row that the page's edits change.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct EditValues {
    /// `capture_local`.
    pub capture_local: Option<String>,
    /// `capture_utc`.
    pub capture_utc: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Rating.
    pub rating: Option<i64>,
}
