//! Items per day, kept by the database itself: the `day_counts` table and the triggers that
//! maintain it, so that a timeline of the whole library is read from a few thousand rows instead
//! of counted over every file (2.7 s for a million files).
//!
//! An item is a file that is not the video of a Live Photo pair (as in the `items` view); its
//! day is the first ten characters of its local time (`time_local`, else `capture_local`), or
//! `''` when it has none. The triggers follow every write to `files` and `pairs` (scans, edits,
//! removals, archives, any connection), so the counts cannot drift from the rows: a file added
//! or removed, a date edited, a pair made or undone each move one count.

use crate::db::{Connection, OptionalExtension};

/// The `meta` key set once `day_counts` has been filled from the rows (for indexes made before
/// the table existed).
const FILLED: &str = "day_counts_filled";

/// The day of a `files` row, as SQL over the row alias `{r}`.
fn day(r: &str) -> String {
    format!("substr(coalesce({r}.time_local, {r}.capture_local, ''), 1, 10)")
}

/// On PostgreSQL, `day_counts_file_insert` (the SQLite trigger above, row by row) as one
/// trigger per statement over its new rows: a scan's multi-row `INSERT` then moves each day's
/// count once instead of once per file. Same rule as the row trigger (the engine test compares
/// the timelines of one tree on both engines).
pub(crate) fn pg_insert_trigger() -> String {
    format!(
        "CREATE OR REPLACE FUNCTION albumen_day_counts_file_insert() RETURNS trigger \
         LANGUAGE plpgsql AS $albumen$ BEGIN \
         INSERT INTO day_counts (library_id, day, n) \
         SELECT r.library_id, {day}, count(*) FROM albumen_new_files r \
         WHERE NOT EXISTS (SELECT 1 FROM pairs WHERE video_file_id = r.id) GROUP BY 1, 2 \
         ON CONFLICT (library_id, day) DO UPDATE SET n = day_counts.n + excluded.n; \
         RETURN NULL; END $albumen$;\n\
         DROP TRIGGER IF EXISTS day_counts_file_insert ON files;\n\
         CREATE TRIGGER day_counts_file_insert AFTER INSERT ON files \
         REFERENCING NEW TABLE AS albumen_new_files FOR EACH STATEMENT \
         EXECUTE FUNCTION albumen_day_counts_file_insert()",
        day = day("r"),
    )
}

/// The table and its triggers. Every statement is idempotent.
pub(crate) fn schema() -> String {
    let (new, old) = (day("NEW"), day("OLD"));
    let add = |lib: &str, d: &str| {
        format!(
            "INSERT INTO day_counts (library_id, day, n) VALUES ({lib}, {d}, 1) \
             ON CONFLICT (library_id, day) DO UPDATE SET n = day_counts.n + 1;"
        )
    };
    let sub = |lib: &str, d: &str| {
        format!("UPDATE day_counts SET n = n - 1 WHERE library_id = {lib} AND day = {d};")
    };
    let shown = |id: &str| format!("NOT EXISTS (SELECT 1 FROM pairs WHERE video_file_id = {id})");
    format!(
        "CREATE TABLE IF NOT EXISTS day_counts (
           library_id INTEGER NOT NULL,
           day        TEXT NOT NULL,
           n          INTEGER NOT NULL,
           PRIMARY KEY (library_id, day)
         ) WITHOUT ROWID;
         CREATE TRIGGER IF NOT EXISTS day_counts_file_insert AFTER INSERT ON files
           WHEN {shown_new} BEGIN {add_new} END;
         CREATE TRIGGER IF NOT EXISTS day_counts_file_delete AFTER DELETE ON files
           WHEN {shown_old} BEGIN {sub_old} END;
         CREATE TRIGGER IF NOT EXISTS day_counts_file_update
           AFTER UPDATE OF time_local, capture_local, library_id ON files
           WHEN {shown_new} AND (OLD.library_id IS NOT NEW.library_id OR {old} IS NOT {new})
           BEGIN {sub_old} {add_new} END;
         CREATE TRIGGER IF NOT EXISTS day_counts_pair_insert AFTER INSERT ON pairs
           WHEN (SELECT count(*) FROM pairs WHERE video_file_id = NEW.video_file_id) = 1
           BEGIN
             UPDATE day_counts SET n = n - 1 WHERE (library_id, day) =
               (SELECT f.library_id, {fday} FROM files f WHERE f.id = NEW.video_file_id);
           END;
         CREATE TRIGGER IF NOT EXISTS day_counts_pair_delete AFTER DELETE ON pairs
           WHEN {shown_old_video} BEGIN
             INSERT INTO day_counts (library_id, day, n)
               SELECT f.library_id, {fday}, 1 FROM files f WHERE f.id = OLD.video_file_id
               ON CONFLICT (library_id, day) DO UPDATE SET n = day_counts.n + 1;
           END;
         CREATE TRIGGER IF NOT EXISTS day_counts_pair_update
           AFTER UPDATE OF video_file_id ON pairs BEGIN
             SELECT RAISE(ABORT, 'pairs are replaced, not updated (day_counts)');
           END;",
        shown_new = shown("NEW.id"),
        shown_old = shown("OLD.id"),
        shown_old_video = shown("OLD.video_file_id"),
        add_new = add("NEW.library_id", &new),
        sub_old = sub("OLD.library_id", &old),
        fday = day("f"),
    )
}

/// Creates the table and triggers, and fills the table from the rows once (an index made before
/// it existed), in one transaction.
pub(crate) fn create(c: &Connection) -> crate::db::Result<()> {
    let tx = c.unchecked_transaction()?;
    tx.execute_batch(&schema())?;
    let filled = tx
        .query_row("SELECT 1 FROM meta WHERE key = ?1", [FILLED], |_| Ok(()))
        .optional()?
        .is_some();
    if !filled {
        recount(&tx)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, '1')",
            [FILLED],
        )?;
    }
    tx.commit()
}

/// Counts `day_counts` again from the rows, for every library.
pub(crate) fn recount(c: &Connection) -> crate::db::Result<()> {
    c.execute("DELETE FROM day_counts", [])?;
    c.execute(
        &format!(
            "INSERT INTO day_counts (library_id, day, n) \
             SELECT f.library_id, {d} AS d, count(*) FROM files f WHERE NOT EXISTS \
             (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id) GROUP BY f.library_id, d",
            d = day("f")
        ),
        [],
    )?;
    Ok(())
}

/// Items per day of a library, newest day first; `None` for items without a date (last).
pub(crate) fn day_counts(c: &Connection, library_id: i64) -> crate::db::Result<Vec<DayCount>> {
    let mut st = c.prepare_cached(
        "SELECT day, n FROM day_counts WHERE library_id = ?1 AND n > 0 ORDER BY day DESC",
    )?;
    let rows = st.query_map([library_id], |r| {
        let day: String = r.get(0)?;
        Ok(DayCount {
            day: (!day.is_empty()).then_some(day),
            n: crate::index::u64_of(r.get(1)?),
        })
    })?;
    rows.collect()
}

/// How many items a library holds on one day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct DayCount {
    /// `YYYY-MM-DD` (local time of the capture), or `None` for items without a date.
    pub day: Option<String>,
    /// Items (a Live Photo counts once).
    pub n: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counting from the rows, as the server did before the table existed.
    fn counted(c: &Connection) -> Vec<(i64, String, i64)> {
        let mut st = c
            .prepare(&format!(
                "SELECT f.library_id, {d} AS d, count(*) FROM files f WHERE NOT EXISTS \
                 (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id) \
                 GROUP BY f.library_id, d ORDER BY 1, 2",
                d = day("f")
            ))
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<crate::db::Result<_>>()
            .unwrap()
    }

    fn kept(c: &Connection) -> Vec<(i64, String, i64)> {
        let mut st = c
            .prepare("SELECT library_id, day, n FROM day_counts WHERE n > 0 ORDER BY 1, 2")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<crate::db::Result<_>>()
            .unwrap()
    }

    /// Random inserts, deletions, date edits, pairs made and undone: the kept counts always
    /// equal a recount; a table filled from existing rows too.
    #[test]
    fn the_triggers_keep_the_counts_equal_to_a_recount() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(crate::schema::SCHEMA).unwrap();
        c.execute_batch(
            "INSERT INTO libraries (id, name, created_at) VALUES (1, 'a', ''), (2, 'b', '');
             INSERT INTO dirs (id, library_id, path, path_text) VALUES (1, 1, 'x', 'x'), (2, 2, 'y', 'y');",
        )
        .unwrap();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let day_of = |k: u64| -> Option<String> {
            (!k.is_multiple_of(5)).then(|| format!("2024-03-{:02}T10:00:00", 1 + k % 4))
        };
        // Half of the rows exist before the triggers: the first fill counts them.
        for id in 1..=40i64 {
            let lib = 1 + id % 2;
            c.execute(
                "INSERT INTO files (id, library_id, dir_id, name, path, path_text, size, \
                 mtime_ns, dev, inode, nlink, first_run, read_run, time_local, capture_local) \
                 VALUES (?1, ?2, ?2, ?1, ?1, ?1, 0, 0, 0, 0, 1, 1, 1, ?3, ?4)",
                crate::db::params![id, lib, day_of(next(20)), day_of(next(20))],
            )
            .unwrap();
        }
        create(&c).unwrap();
        assert_eq!(kept(&c), counted(&c));
        assert!(!kept(&c).is_empty());
        let mut next_id = 41i64;
        for step in 0..600 {
            let id = 1 + next(next_id as u64) as i64;
            match next(6) {
                0 => {
                    let lib = 1 + next(2) as i64;
                    c.execute(
                        "INSERT INTO files (id, library_id, dir_id, name, path, path_text, size, \
                         mtime_ns, dev, inode, nlink, first_run, read_run, time_local) \
                         VALUES (?1, ?2, ?2, ?1, ?1, ?1, 0, 0, 0, 0, 1, 1, 1, ?3)",
                        crate::db::params![next_id, lib, day_of(next(20))],
                    )
                    .unwrap();
                    next_id += 1;
                }
                1 => {
                    // A removal: its pairs go first (as the scan and the removals do).
                    c.execute(
                        "DELETE FROM pairs WHERE still_file_id = ?1 OR video_file_id = ?1",
                        [id],
                    )
                    .unwrap();
                    c.execute("DELETE FROM files WHERE id = ?1", [id]).unwrap();
                }
                2 => {
                    let col = if next(2) == 0 {
                        "time_local"
                    } else {
                        "capture_local"
                    };
                    c.execute(
                        &format!("UPDATE files SET {col} = ?2 WHERE id = ?1"),
                        crate::db::params![id, day_of(next(20))],
                    )
                    .unwrap();
                }
                3 | 4 => {
                    let still = 1 + next(next_id as u64) as i64;
                    c.execute(
                        "INSERT INTO pairs (library_id, still_file_id, video_file_id, method, \
                         evidence) SELECT library_id, ?1, id, 'name-time', '' FROM files \
                         WHERE id = ?2 AND EXISTS (SELECT 1 FROM files WHERE id = ?1)",
                        [still, id],
                    )
                    .unwrap();
                }
                _ => {
                    c.execute("DELETE FROM pairs WHERE video_file_id = ?1", [id])
                        .unwrap();
                }
            }
            assert_eq!(kept(&c), counted(&c), "after step {step}");
        }
        let pairs: i64 = c
            .query_row("SELECT count(DISTINCT video_file_id) FROM pairs", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(pairs > 3, "{pairs}");
        // The public reading: newest first, the undated last.
        let days = day_counts(&c, 1).unwrap();
        assert!(days
            .windows(2)
            .all(|w| w[0].day > w[1].day || w[1].day.is_none()));
    }
}
