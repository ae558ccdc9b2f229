//! The map cells (`Index::map_cells`, read by the web map's world and country views) stay equal
//! to the clusters of a `ClusterIndex` of the rows, and each row's map key to its position,
//! through a scan, an edit of a place (`refresh_file`), a place found by a rescan, a removal
//! and an unchanged rescan.

#![allow(clippy::unwrap_used)]

mod common;
use common::Raw;

use std::path::Path;

use albumen_edit::{Edit, Options};
use albumen_index::Index;
use albumen_meta::GpsPosition;

/// (cell, items, centroid latitude and longitude in 1e-9 degrees).
type Cells = Vec<(u64, u64, i64, i64)>;
/// (lat, lon, map_cell, map_x, map_y, map_z) of a row.
type KeyRow = (
    Option<f64>,
    Option<f64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// (cell, items, centroid in 1e-9 degrees) at resolution 3 (zoom 6), from the kept cells, and
/// from a `ClusterIndex` of the rows as the server built it before the cells were kept.
fn both(db: &Path) -> (Cells, Cells) {
    let index = Index::open(db).unwrap();
    let c = index.raw();
    let lib: i64 = c
        .query_row("SELECT id FROM libraries WHERE name = 'lib'", [], |r| {
            r.get(0)
        })
        .unwrap();
    // Every row's key is the key of its position.
    let mut st = c
        .prepare("SELECT lat, lon, map_cell, map_x, map_y, map_z FROM files")
        .unwrap();
    let rows: Vec<KeyRow> = st
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (lat, lon, cell, x, y, z) in rows {
        let key = lat
            .zip(lon)
            .and_then(|(a, o)| albumen_geo::map_key(a, o).unwrap());
        assert_eq!(
            (cell, x, y, z),
            key.map_or((None, None, None, None), |k| (
                Some(k.cell as i64),
                Some(k.vector[0]),
                Some(k.vector[1]),
                Some(k.vector[2])
            ))
        );
    }
    let round = |(lat, lon): (f64, f64)| ((lat * 1e9).round() as i64, (lon * 1e9).round() as i64);
    let mut kept: Vec<_> = index
        .map_cells(lib, 3)
        .unwrap()
        .unwrap()
        .iter()
        .map(|m| {
            let (a, o) = round(albumen_geo::centroid(m.sum).unwrap());
            (m.cell, m.n, a, o)
        })
        .collect();
    kept.sort_unstable();
    let mut st = c
        .prepare(
            "SELECT f.lat, f.lon FROM files f WHERE f.library_id = ?1 AND f.lat IS NOT NULL \
             AND f.lon IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id) ORDER BY f.id",
        )
        .unwrap();
    let pts: Vec<(f64, f64)> = st
        .query_map([lib], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let idx = albumen_geo::ClusterIndex::build(&pts).unwrap();
    assert_eq!(u8::from(albumen_geo::resolution_for_zoom(6).unwrap()), 3);
    let mut built: Vec<_> = idx
        .clusters(albumen_geo::Bbox::WORLD, 6)
        .unwrap()
        .iter()
        .map(|k| {
            let (a, o) = round((k.lat, k.lon));
            (u64::from(k.cell), k.count, a, o)
        })
        .collect();
    built.sort_unstable();
    (kept, built)
}

fn check(db: &Path, what: &str) -> Cells {
    let (kept, built) = both(db);
    assert_eq!(kept, built, "after {what}");
    kept
}

fn place(path: &Path, lat: f64, lon: f64) {
    albumen_edit::apply(
        path,
        &[Edit::SetGps(GpsPosition::new(lat, lon, None).unwrap())],
        &Options::default(),
    )
    .unwrap();
}

fn id_of(db: &Path, name: &str) -> i64 {
    common::file_id(&Index::open(db).unwrap(), name)
}

#[test]
fn map_cells_follow_scans_place_edits_and_removals() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    common::library(&root);
    let d = root.join("2024-03");
    place(&d.join("IMG_0001.JPG"), 48.8584, 2.2945);
    place(&d.join("IMG_0003.JPG"), 48.8606, 2.3376);
    let db = dir.path().join("index.db");
    common::scan(&db, &root, false);
    let first = check(&db, "the first scan");
    assert_eq!(first.iter().map(|c| c.1).sum::<u64>(), 2, "{first:?}");

    // An edit of a place, as the web page's editor does: the file changes, then its row.
    place(&d.join("IMG_0003.JPG"), -33.8568, 151.2153);
    Index::open(&db)
        .unwrap()
        .refresh_file(id_of(&db, "IMG_0003.JPG"))
        .unwrap();
    let edited = check(&db, "an edit of a place");
    assert_eq!(edited.len(), 2, "{edited:?}");
    assert_ne!(edited, first);
    // A place given to another file, found by a rescan.
    place(&d.join("IMG_0004.JPG"), 40.7128, -74.006);
    common::scan(&db, &root, false);
    let rescanned = check(&db, "a rescan of an edited file");
    assert_eq!(
        rescanned.iter().map(|c| c.1).sum::<u64>(),
        3,
        "{rescanned:?}"
    );

    // A removal, and a rescan of an unchanged tree.
    std::fs::remove_file(d.join("IMG_0001.JPG")).unwrap();
    common::scan(&db, &root, false);
    common::scan(&db, &root, false);
    let last = check(&db, "a removal and an unchanged rescan");
    assert_eq!(last.iter().map(|c| c.1).sum::<u64>(), 2, "{last:?}");
}
