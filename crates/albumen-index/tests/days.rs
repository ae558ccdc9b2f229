//! The per-day counts (`Index::day_counts`, read by the web timeline) stay equal to a count of
//! the rows through a scan, an edit of a date (`refresh_file`), a removal, a Live Photo pair
//! undone and made again, and rescans.

#![allow(clippy::unwrap_used)]

mod common;
use common::Raw;

use std::path::Path;

use albumen_index::Index;

/// (day, items) of library `lib`, counted from the rows as the server did before `day_counts`.
fn counted(index: &Index) -> Vec<(Option<String>, u64)> {
    let raw = index.raw();
    let mut st = raw
        .prepare(
            "SELECT substr(coalesce(f.time_local, f.capture_local, ''), 1, 10) AS d, count(*) \
             FROM files f JOIN libraries l ON l.id = f.library_id WHERE l.name = 'lib' \
             AND NOT EXISTS (SELECT 1 FROM pairs q WHERE q.video_file_id = f.id) \
             GROUP BY d ORDER BY d DESC",
        )
        .unwrap();
    st.query_map([], |r| {
        let d: String = r.get(0)?;
        Ok(((!d.is_empty()).then_some(d), r.get::<_, i64>(1)? as u64))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn kept(index: &Index) -> Vec<(Option<String>, u64)> {
    let lib: i64 = index
        .raw()
        .query_row("SELECT id FROM libraries WHERE name = 'lib'", [], |r| {
            r.get(0)
        })
        .unwrap();
    index
        .day_counts(lib)
        .unwrap()
        .into_iter()
        .map(|d| (d.day, d.n))
        .collect()
}

fn check(db: &Path, what: &str) -> Vec<(Option<String>, u64)> {
    let index = Index::open(db).unwrap();
    let (k, c) = (kept(&index), counted(&index));
    assert_eq!(k, c, "after {what}");
    k
}

fn id_of(db: &Path, name: &str) -> i64 {
    common::file_id(&Index::open(db).unwrap(), name)
}

#[test]
fn day_counts_follow_scans_edits_removals_and_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    common::library(&root);
    let db = dir.path().join("index.db");
    common::scan(&db, &root, false);
    let first = check(&db, "the first scan");
    // The Live Photo (IMG_0002.JPG + .MOV) counts once; the unreadable file has no day.
    assert!(first.contains(&(None, 1)), "{first:?}");
    let total: u64 = first.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 5, "{first:?}");

    // An edit of a date, as the web page's editor does: the file changes, then its row.
    let d = root.join("2024-03");
    common::write(
        &d.join("IMG_0003.JPG"),
        &common::jpeg("2023:12:25 08:00:00", Some("+01:00"), "three"),
    );
    Index::open(&db)
        .unwrap()
        .refresh_file(id_of(&db, "IMG_0003.JPG"))
        .unwrap();
    let edited = check(&db, "an edit of a date");
    assert!(
        edited.contains(&(Some("2023-12-25".into()), 1)),
        "{edited:?}"
    );
    // The same edit found by a rescan instead.
    common::write(
        &d.join("IMG_0004.JPG"),
        &common::jpeg("2022:01:01 12:00:00", None, "four"),
    );
    common::scan(&db, &root, false);
    let rescanned = check(&db, "a rescan of an edited file");
    assert!(
        rescanned.contains(&(Some("2022-01-01".into()), 1)),
        "{rescanned:?}"
    );

    // A removal of the Live Photo's video: the pair is undone, the still stays (one item).
    std::fs::remove_file(d.join("IMG_0002.MOV")).unwrap();
    common::scan(&db, &root, false);
    check(&db, "the removal of a paired video");
    // The video back: paired again, still one item.
    common::write(
        &d.join("IMG_0002.MOV"),
        &common::mov(common::VIDEO_UTC, 2.5, "two-video"),
    );
    common::scan(&db, &root, false);
    let again = check(&db, "the video back");
    assert_eq!(again.iter().map(|(_, n)| n).sum::<u64>(), 5, "{again:?}");
    // A removal of a still, and a rescan of an unchanged tree.
    std::fs::remove_file(d.join("IMG_0001.JPG")).unwrap();
    common::scan(&db, &root, false);
    common::scan(&db, &root, false);
    let last = check(&db, "a removal and an unchanged rescan");
    assert_eq!(last.iter().map(|(_, n)| n).sum::<u64>(), 4, "{last:?}");
}
