//! Map clusters at coarse resolutions, kept by the database itself: each located file's H3 cell
//! and unit vector as columns of `files` (`map_cell`, `map_x`, `map_y`, `map_z`, from
//! [`albumen_geo::map_key`], written with the position by the scan and `refresh_file`), and the
//! `map_cells` table of per-cell counts and vector sums at resolutions `0..=MAP_RES_MAX`, kept by
//! triggers like `day_counts`. So the whole-world and country views of a map are read from a few
//! thousand rows instead of clustering every located file (2 s for a million files).
//!
//! An item on the map is a file with a position that is not the video of a Live Photo pair (as
//! in the `items` view). A cell's ancestor at a coarse resolution is bit arithmetic on its id
//! ([`albumen_geo::ancestor_masks`]), which SQL can do, so the triggers need no H3 code and
//! follow every write to `files` and `pairs` from any connection.

use crate::db::{params, Connection, OptionalExtension};

/// The finest resolution kept in `map_cells` (res 6, ~3.7 km edge: zooms up to about 10).
pub const MAP_RES_MAX: u8 = 6;

/// The `meta` key set once the columns and `map_cells` have been filled from the rows (for
/// indexes made before they existed).
const FILLED: &str = "map_cells_filled";

/// Rows read at a time when filling the columns of an older index.
const FILL_CHUNK: i64 = 4096;

/// `(VALUES (res, or-mask), ...)` for resolutions `0..=MAP_RES_MAX`, and the shared and-mask.
fn masks() -> (String, i64) {
    let mut and = 0i64;
    let rows: Vec<String> = (0..=MAP_RES_MAX)
        .filter_map(|r| {
            let (a, o) = albumen_geo::ancestor_masks(r)?;
            and = a as i64;
            Some(format!("({r}, {})", o as i64))
        })
        .collect();
    (format!("(VALUES {})", rows.join(", ")), and)
}

/// SQL adding one file (columns `{f}.map_cell`, ...) to `map_cells`, for rows of `from` where
/// `cond` holds.
fn add(lib: &str, f: &str, from: &str, cond: &str) -> String {
    let (values, and) = masks();
    format!(
        "INSERT INTO map_cells (library_id, res, cell, n, sx, sy, sz) \
         SELECT {lib}, m.column1, ({f}.map_cell & ({and})) | m.column2, 1, {f}.map_x, {f}.map_y, \
         {f}.map_z FROM {from} {values} AS m WHERE {f}.map_cell IS NOT NULL AND {cond} \
         ON CONFLICT (library_id, res, cell) DO UPDATE SET n = map_cells.n + 1, sx = map_cells.sx + excluded.sx, \
         sy = map_cells.sy + excluded.sy, sz = map_cells.sz + excluded.sz;"
    )
}

/// On PostgreSQL, `map_cells_file_insert` (the SQLite trigger below, row by row) as one trigger
/// per statement over its new rows: a scan's multi-row `INSERT` adds each cell's files at once
/// instead of one file at a time. Same rule as the row trigger (the engine test compares the map
/// of one tree on both engines).
pub(crate) fn pg_insert_trigger() -> String {
    let (values, and) = masks();
    format!(
        "CREATE OR REPLACE FUNCTION albumen_map_cells_file_insert() RETURNS trigger \
         LANGUAGE plpgsql AS $albumen$ BEGIN \
         INSERT INTO map_cells (library_id, res, cell, n, sx, sy, sz) \
         SELECT r.library_id, m.column1, (r.map_cell & ({and})) | m.column2, count(*), \
         sum(r.map_x), sum(r.map_y), sum(r.map_z) FROM albumen_new_files r, {values} AS m \
         WHERE r.map_cell IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM pairs WHERE video_file_id = r.id) GROUP BY 1, 2, 3 \
         ON CONFLICT (library_id, res, cell) DO UPDATE SET n = map_cells.n + excluded.n, \
         sx = map_cells.sx + excluded.sx, sy = map_cells.sy + excluded.sy, \
         sz = map_cells.sz + excluded.sz; \
         RETURN NULL; END $albumen$;\n\
         DROP TRIGGER IF EXISTS map_cells_file_insert ON files;\n\
         CREATE TRIGGER map_cells_file_insert AFTER INSERT ON files \
         REFERENCING NEW TABLE AS albumen_new_files FOR EACH STATEMENT \
         EXECUTE FUNCTION albumen_map_cells_file_insert()"
    )
}

/// SQL taking one file out of `map_cells`; `cell`, `x`, `y`, `z` and `lib` are expressions.
fn sub(lib: &str, cell: &str, x: &str, y: &str, z: &str) -> String {
    let (values, and) = masks();
    format!(
        "UPDATE map_cells SET n = n - 1, sx = sx - {x}, sy = sy - {y}, sz = sz - {z} \
         WHERE library_id = {lib} AND (res, cell) IN \
         (SELECT m.column1, ({cell} & ({and})) | m.column2 FROM {values} AS m);"
    )
}

/// The columns, table and triggers. Every statement is idempotent (the columns are added by
/// [`create`]).
fn schema() -> String {
    let shown = |id: &str| format!("NOT EXISTS (SELECT 1 FROM pairs WHERE video_file_id = {id})");
    let add_new = add("NEW.library_id", "NEW", "", "TRUE");
    let sub_old = sub(
        "OLD.library_id",
        "OLD.map_cell",
        "OLD.map_x",
        "OLD.map_y",
        "OLD.map_z",
    );
    let v = |col: &str| format!("(SELECT {col} FROM files WHERE id = NEW.video_file_id)");
    let sub_video = sub(
        &v("library_id"),
        &v("map_cell"),
        &v("map_x"),
        &v("map_y"),
        &v("map_z"),
    );
    let add_video = add("f.library_id", "f", "files f,", "f.id = OLD.video_file_id");
    format!(
        "CREATE TABLE IF NOT EXISTS map_cells (
           library_id INTEGER NOT NULL,
           res        INTEGER NOT NULL,
           cell       INTEGER NOT NULL,
           n          INTEGER NOT NULL,
           sx         INTEGER NOT NULL,
           sy         INTEGER NOT NULL,
           sz         INTEGER NOT NULL,
           PRIMARY KEY (library_id, res, cell)
         ) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS files_map ON files (library_id, map_cell)
           WHERE map_cell IS NOT NULL;
         CREATE TRIGGER IF NOT EXISTS map_cells_file_insert AFTER INSERT ON files
           WHEN NEW.map_cell IS NOT NULL AND {shown_new} BEGIN {add_new} END;
         CREATE TRIGGER IF NOT EXISTS map_cells_file_delete AFTER DELETE ON files
           WHEN OLD.map_cell IS NOT NULL AND {shown_old} BEGIN {sub_old} END;
         CREATE TRIGGER IF NOT EXISTS map_cells_file_update
           AFTER UPDATE OF map_cell, map_x, map_y, map_z, library_id ON files
           WHEN {shown_new} AND (OLD.library_id IS NOT NEW.library_id
             OR OLD.map_cell IS NOT NEW.map_cell OR OLD.map_x IS NOT NEW.map_x
             OR OLD.map_y IS NOT NEW.map_y OR OLD.map_z IS NOT NEW.map_z)
           BEGIN {sub_old} {add_new} END;
         CREATE TRIGGER IF NOT EXISTS map_cells_pair_insert AFTER INSERT ON pairs
           WHEN (SELECT count(*) FROM pairs WHERE video_file_id = NEW.video_file_id) = 1
           BEGIN {sub_video} END;
         CREATE TRIGGER IF NOT EXISTS map_cells_pair_delete AFTER DELETE ON pairs
           WHEN {shown_old_video} BEGIN {add_video} END;
         CREATE TRIGGER IF NOT EXISTS map_cells_pair_update
           AFTER UPDATE OF video_file_id ON pairs BEGIN
             SELECT RAISE(ABORT, 'pairs are replaced, not updated (map_cells)');
           END;",
        shown_new = shown("NEW.id"),
        shown_old = shown("OLD.id"),
        shown_old_video = shown("OLD.video_file_id"),
    )
}

/// Adds the columns, table and triggers, and on an index made before them fills the columns
/// from the stored positions and the table from the rows, in one transaction.
pub(crate) fn create(c: &Connection) -> crate::db::Result<()> {
    let tx = c.unchecked_transaction()?;
    let has_columns = tx
        .query_row(
            if tx.is_pg() {
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND table_name = 'files' AND column_name = 'map_cell'"
            } else {
                "SELECT 1 FROM pragma_table_info('files') WHERE name = 'map_cell'"
            },
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !has_columns {
        tx.execute_batch(
            "ALTER TABLE files ADD COLUMN map_cell INTEGER;
             ALTER TABLE files ADD COLUMN map_x INTEGER;
             ALTER TABLE files ADD COLUMN map_y INTEGER;
             ALTER TABLE files ADD COLUMN map_z INTEGER;",
        )?;
    }
    let filled = tx
        .query_row("SELECT 1 FROM meta WHERE key = ?1", [FILLED], |_| Ok(()))
        .optional()?
        .is_some();
    if !filled {
        // Before the triggers exist, so that filling the columns counts nothing twice.
        fill_columns(&tx)?;
    }
    tx.execute_batch(&schema())?;
    if !filled {
        recount(&tx)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, '1')",
            [FILLED],
        )?;
    }
    tx.commit()
}

/// Fills the map columns of every row with a position, one chunk of rows at a time.
fn fill_columns(c: &Connection) -> crate::db::Result<()> {
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, f64, f64)> = c
            .prepare_cached(
                "SELECT id, lat, lon FROM files WHERE id > ?1 AND lat IS NOT NULL \
                 AND lon IS NOT NULL ORDER BY id LIMIT ?2",
            )?
            .query_map(params![after, FILL_CHUNK], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<crate::db::Result<_>>()?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.0;
        for (id, lat, lon) in rows {
            set_key(c, id, Some(lat), Some(lon))?;
        }
    }
}

/// Stores the map key of a file's position (NULL when it has none, it is (0, 0), or it is out
/// of range, as the map leaves such positions out); only a changed key is written.
/// The map columns of a position (`map_cell`, `map_x`, `map_y`, `map_z`), all `None` without
/// one.
pub(crate) fn columns(lat: Option<f64>, lon: Option<f64>) -> (Option<i64>, [Option<i64>; 3]) {
    let key = match (lat, lon) {
        (Some(lat), Some(lon)) => albumen_geo::map_key(lat, lon).ok().flatten(),
        _ => None,
    };
    let cell = key.map(|k| k.cell as i64);
    (cell, key.map_or([None; 3], |k| k.vector.map(Some)))
}

pub(crate) fn set_key(
    c: &Connection,
    id: i64,
    lat: Option<f64>,
    lon: Option<f64>,
) -> crate::db::Result<()> {
    let (cell, [x, y, z]) = columns(lat, lon);
    c.prepare_cached(
        "UPDATE files SET map_cell = ?2, map_x = ?3, map_y = ?4, map_z = ?5 WHERE id = ?1 \
         AND (map_cell IS NOT ?2 OR map_x IS NOT ?3 OR map_y IS NOT ?4 OR map_z IS NOT ?5)",
    )?
    .execute(params![id, cell, x, y, z])?;
    Ok(())
}

/// Counts `map_cells` again from the rows, for every library.
pub(crate) fn recount(c: &Connection) -> crate::db::Result<()> {
    let (_, and) = masks();
    c.execute("DELETE FROM map_cells", [])?;
    // One resolution at a time: the sort of a GROUP BY over every resolution at once held
    // ~300 MB for a million files.
    for res in 0..=MAP_RES_MAX {
        let Some((_, or)) = albumen_geo::ancestor_masks(res) else {
            continue;
        };
        c.execute(
            &format!(
                "INSERT INTO map_cells (library_id, res, cell, n, sx, sy, sz) \
                 SELECT f.library_id, {res}, (f.map_cell & ({and})) | ({or}) AS cell, \
                 count(*), sum(f.map_x), sum(f.map_y), sum(f.map_z) FROM files f \
                 WHERE f.map_cell IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id) \
                 GROUP BY f.library_id, cell",
                or = or as i64
            ),
            [],
        )?;
    }
    Ok(())
}

/// One H3 cell of a library's map at a coarse resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MapCell {
    /// The H3 cell id.
    pub cell: u64,
    /// Items in it.
    pub n: u64,
    /// Sum of their [`albumen_geo::MapKey::vector`]s ([`albumen_geo::centroid`] of it is the
    /// cluster's centre).
    pub sum: [i64; 3],
}

/// The non-empty cells of a library at `res` (`None` above [`MAP_RES_MAX`]).
pub(crate) fn map_cells(
    c: &Connection,
    library_id: i64,
    res: u8,
) -> crate::db::Result<Option<Vec<MapCell>>> {
    if res > MAP_RES_MAX {
        return Ok(None);
    }
    let mut st = c.prepare_cached(
        "SELECT cell, n, sx, sy, sz FROM map_cells WHERE library_id = ?1 AND res = ?2 \
         AND n > 0 ORDER BY cell",
    )?;
    let rows = st.query_map(params![library_id, res], |r| {
        Ok(MapCell {
            cell: r.get::<_, i64>(0)? as u64,
            n: crate::index::u64_of(r.get(1)?),
            sum: [r.get(2)?, r.get(3)?, r.get(4)?],
        })
    })?;
    rows.collect::<crate::db::Result<Vec<_>>>().map(Some)
}

/// (id, lat, lon) of the items of a library inside the H3 cells `cells`, in id order.
pub(crate) fn cell_points(
    c: &Connection,
    library_id: i64,
    cells: &[u64],
) -> crate::db::Result<Vec<(i64, f64, f64)>> {
    let mut st = c.prepare_cached(
        "SELECT f.id, f.lat, f.lon FROM files f WHERE f.library_id = ?1 \
         AND f.map_cell BETWEEN ?2 AND ?3 AND f.lat IS NOT NULL AND f.lon IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id)",
    )?;
    let mut out = Vec::new();
    for &cell in cells {
        let Some((lo, hi)) = albumen_geo::fine_range(cell) else {
            continue;
        };
        let rows = st.query_map(params![library_id, lo as i64, hi as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        for r in rows {
            out.push(r?);
        }
    }
    out.sort_unstable_by_key(|r| r.0);
    out.dedup_by_key(|r| r.0);
    Ok(out)
}

/// Up to `limit` items of a library whose fine cell descends from `cell` (least fine cell, then
/// id, first), and how many there are in all (counted only when `count`).
pub(crate) fn cell_items(
    c: &Connection,
    library_id: i64,
    cell: u64,
    limit: usize,
    count: bool,
) -> crate::db::Result<(Vec<i64>, u64)> {
    let Some((lo, hi)) = albumen_geo::fine_range(cell) else {
        return Ok((Vec::new(), 0));
    };
    let (lo, hi) = (lo as i64, hi as i64);
    let shown = "NOT EXISTS (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id)";
    let ids = c
        .prepare_cached(&format!(
            "SELECT f.id FROM files f WHERE f.library_id = ?1 AND f.map_cell BETWEEN ?2 AND ?3 \
             AND {shown} ORDER BY f.map_cell, f.id LIMIT ?4"
        ))?
        .query_map(
            params![library_id, lo, hi, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| r.get(0),
        )?
        .collect::<crate::db::Result<Vec<i64>>>()?;
    let total = if count {
        c.prepare_cached(&format!(
            "SELECT count(*) FROM files f WHERE f.library_id = ?1 \
             AND f.map_cell BETWEEN ?2 AND ?3 AND {shown}"
        ))?
        .query_row(params![library_id, lo, hi], |r| r.get(0))
        .map(crate::index::u64_of)?
    } else {
        ids.len() as u64
    };
    Ok((ids, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(c: &Connection) -> Vec<(i64, i64, i64, i64, i64, i64, i64)> {
        let mut st = c
            .prepare(
                "SELECT library_id, res, cell, n, sx, sy, sz FROM map_cells WHERE n > 0 \
                 ORDER BY 1, 2, 3",
            )
            .unwrap();
        st.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .collect::<crate::db::Result<_>>()
        .unwrap()
    }

    fn recounted(c: &Connection) -> Vec<(i64, i64, i64, i64, i64, i64, i64)> {
        let sp = c.unchecked_transaction().unwrap();
        recount(&sp).unwrap();
        let v = kept(&sp);
        drop(sp); // rolled back
        v
    }

    /// The clusters of library `lib` at every kept resolution, from `map_cells` and
    /// `cell_items`, against an [`albumen_geo::ClusterIndex`] built from the rows as the server
    /// builds it (items in id order, paired videos left out).
    fn same_as_cluster_index(c: &Connection, lib: i64) {
        let mut st = c
            .prepare(
                "SELECT f.id, f.lat, f.lon FROM files f WHERE f.library_id = ?1 \
                 AND f.lat IS NOT NULL AND f.lon IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id) ORDER BY f.id",
            )
            .unwrap();
        let rows: Vec<(i64, f64, f64)> = st
            .query_map([lib], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<crate::db::Result<_>>()
            .unwrap();
        let pts: Vec<(f64, f64)> = rows.iter().map(|r| (r.1, r.2)).collect();
        let idx = albumen_geo::ClusterIndex::build(&pts).unwrap();
        let mut compared = 0;
        for res in 0..=MAP_RES_MAX {
            // The coarsest zoom that uses this resolution.
            let zoom = (0..=20u8)
                .find(|&z| u8::from(albumen_geo::resolution_for_zoom(z).unwrap()) >= res)
                .unwrap();
            let r = u8::from(albumen_geo::resolution_for_zoom(zoom).unwrap());
            if r != res {
                continue;
            }
            let mut want: Vec<(u64, u64, i64, i64, i64)> = idx
                .clusters(albumen_geo::Bbox::WORLD, zoom)
                .unwrap()
                .iter()
                .map(|k| {
                    (
                        u64::from(k.cell),
                        k.count,
                        rows[k.representative as usize].0,
                        (k.lat * 1e9).round() as i64,
                        (k.lon * 1e9).round() as i64,
                    )
                })
                .collect();
            want.sort_unstable();
            let got: Vec<(u64, u64, i64, i64, i64)> = map_cells(c, lib, res)
                .unwrap()
                .unwrap()
                .iter()
                .map(|m| {
                    let (lat, lon) = albumen_geo::centroid(m.sum).unwrap();
                    let (items, n) = cell_items(c, lib, m.cell, 1, true).unwrap();
                    assert_eq!(n, m.n, "cell {:x} res {res}", m.cell);
                    (
                        m.cell,
                        m.n,
                        items[0],
                        (lat * 1e9).round() as i64,
                        (lon * 1e9).round() as i64,
                    )
                })
                .collect();
            assert_eq!(got, want, "library {lib} res {res} zoom {zoom}");
            compared += usize::from(!want.is_empty());
        }
        assert!(compared >= 4, "{compared} resolutions compared");
    }

    /// Random inserts, position edits (some to (0, 0) or none), removals, library moves, pairs
    /// made and undone: the kept cells always equal a recount, and give the clusters a
    /// `ClusterIndex` of the same rows gives; columns and cells filled from existing rows too.
    #[test]
    fn the_triggers_keep_the_cells_equal_to_a_recount_and_to_the_cluster_index() {
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
        // A few places (one across the antimeridian), jittered; some missing or at (0, 0).
        let places = [
            (48.85, 2.35),
            (40.71, -74.0),
            (-33.87, 151.21),
            (64.0, 179.999),
            (64.0, -179.999),
            (89.9, 10.0),
        ];
        let pos = move |k: u64, j: u64| -> (Option<f64>, Option<f64>) {
            match k % 9 {
                0 => (None, None),
                1 => (Some(0.0), Some(0.0)),
                _ => {
                    let (la, lo) = places[(k % 6) as usize];
                    let d = (j % 1000) as f64 * 1e-4;
                    (Some(la + d * 0.1), Some((lo + d).clamp(-180.0, 180.0)))
                }
            }
        };
        // Rows of an index made before the columns existed (`SCHEMA` has none of them):
        // `create` adds the columns and fills them and the cells.
        for id in 1..=40i64 {
            let lib = 1 + id % 2;
            let (lat, lon) = pos(next(1000), next(1000));
            c.execute(
                "INSERT INTO files (id, library_id, dir_id, name, path, path_text, size, \
                 mtime_ns, dev, inode, nlink, first_run, read_run, lat, lon) \
                 VALUES (?1, ?2, ?2, ?1, ?1, ?1, 0, 0, 0, 0, 1, 1, 1, ?3, ?4)",
                crate::db::params![id, lib, lat, lon],
            )
            .unwrap();
        }
        create(&c).unwrap();
        assert!(!kept(&c).is_empty());
        assert_eq!(kept(&c), recounted(&c));
        same_as_cluster_index(&c, 1);
        same_as_cluster_index(&c, 2);
        let mut next_id = 41i64;
        for step in 0..500 {
            let id = 1 + next(next_id as u64) as i64;
            match next(7) {
                0 | 1 => {
                    let lib = 1 + next(2) as i64;
                    let (lat, lon) = pos(next(1000), next(1000));
                    c.execute(
                        "INSERT INTO files (id, library_id, dir_id, name, path, path_text, \
                         size, mtime_ns, dev, inode, nlink, first_run, read_run, lat, lon) \
                         VALUES (?1, ?2, ?2, ?1, ?1, ?1, 0, 0, 0, 0, 1, 1, 1, ?3, ?4)",
                        crate::db::params![next_id, lib, lat, lon],
                    )
                    .unwrap();
                    set_key(&c, next_id, lat, lon).unwrap();
                    next_id += 1;
                }
                2 => {
                    c.execute(
                        "DELETE FROM pairs WHERE still_file_id = ?1 OR video_file_id = ?1",
                        [id],
                    )
                    .unwrap();
                    c.execute("DELETE FROM files WHERE id = ?1", [id]).unwrap();
                }
                3 => {
                    // A place edited (as refresh_file writes it).
                    let (lat, lon) = pos(next(1000), next(1000));
                    c.execute(
                        "UPDATE files SET lat = ?2, lon = ?3 WHERE id = ?1",
                        crate::db::params![id, lat, lon],
                    )
                    .unwrap();
                    set_key(&c, id, lat, lon).unwrap();
                }
                4 => {
                    // Archived into the other library.
                    c.execute(
                        "UPDATE files SET library_id = 3 - library_id, dir_id = 3 - dir_id \
                         WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM pairs WHERE \
                         still_file_id = ?1 OR video_file_id = ?1)",
                        [id],
                    )
                    .unwrap();
                }
                5 => {
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
            assert_eq!(kept(&c), recounted(&c), "after step {step}");
            if step % 50 == 49 {
                same_as_cluster_index(&c, 1);
                same_as_cluster_index(&c, 2);
            }
        }
        let pairs: i64 = c
            .query_row("SELECT count(DISTINCT video_file_id) FROM pairs", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(pairs > 3, "{pairs}");
        // Opening again changes nothing.
        let before = kept(&c);
        create(&c).unwrap();
        assert_eq!(kept(&c), before);
    }
}
