//! Re-downloads: a rescan that finds an asset the library already holds under another name
//! reports it as a re-download, not as a new item; a renamed one (the old name gone) is a move.
//! Also: a version-1 database is migrated in place.

#![allow(clippy::unwrap_used)]

mod common;
use common::Raw;

use std::fs;
use std::path::{Path, PathBuf};

use albumen_index::{Index, NoProgress, ScanReport, SCHEMA_VERSION};
use albumen_scan::{Scan, ScanOptions};
use common::{jpeg, write};

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    p.is_dir().then_some(p)
}

fn scan(db: &Path, root: &Path, hash: bool) -> ScanReport {
    let mut index = Index::open(db).unwrap();
    index
        .scan(
            "lib",
            &[root.to_path_buf()],
            &ScanOptions::new().hash(hash),
            &NoProgress,
        )
        .unwrap()
}

/// `(path, redownload_of's path)` of every re-download row.
fn redownloads(db: &Path) -> Vec<(String, String)> {
    let index = Index::open(db).unwrap();
    let raw = index.raw();
    let mut st = raw
        .prepare(
            "SELECT n.path_text, o.path_text FROM files n JOIN files o ON o.id = n.redownload_of \
             ORDER BY n.path_text",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn tail(p: &str) -> String {
    p.rsplit('/').take(2).collect::<Vec<_>>().join("<")
}

#[test]
fn same_hash_under_a_new_name_is_a_redownload() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("live");
    write(
        &root.join("2024/03/10/IMG_0001.JPG"),
        &jpeg("2024:03:10 10:00:00", Some("+01:00"), "one"),
    );
    write(
        &root.join("2024/03/10/IMG_0002.JPG"),
        &jpeg("2024:03:10 11:00:00", Some("+01:00"), "two"),
    );
    let db = d.path().join("index.db");
    scan(&db, &root, true);
    // A week later: one genuinely new photo, and IMG_0001 again under another folder and name.
    fs::create_dir_all(root.join("2024-03-10")).unwrap();
    fs::copy(
        root.join("2024/03/10/IMG_0001.JPG"),
        root.join("2024-03-10/IMG_0001-12345.JPG"),
    )
    .unwrap();
    write(
        &root.join("2024/03/17/IMG_0003.JPG"),
        &jpeg("2024:03:17 09:00:00", Some("+01:00"), "three"),
    );
    let r = scan(&db, &root, true);
    assert_eq!(
        (r.new, r.redownloads, r.moved, r.deleted),
        (1, 1, 0, 0),
        "{r:?}"
    );
    let rd = redownloads(&db);
    assert_eq!(rd.len(), 1);
    assert!(rd[0].0.ends_with("2024-03-10/IMG_0001-12345.JPG"), "{rd:?}");
    assert!(rd[0].1.ends_with("2024/03/10/IMG_0001.JPG"), "{rd:?}");
    let index = Index::open(&db).unwrap();
    let kinds: Vec<String> = {
        let raw = index.raw();
        let mut st = raw
            .prepare("SELECT kind FROM changes WHERE run_id = ?1 ORDER BY kind")
            .unwrap();
        st.query_map([r.run_id], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(kinds, ["new", "redownload"]);
    drop(index);
    // A rescan finds nothing new; removing the earlier file makes the re-download the only one.
    let again = scan(&db, &root, true);
    assert_eq!((again.new, again.redownloads), (0, 0));
    fs::remove_file(root.join("2024/03/10/IMG_0001.JPG")).unwrap();
    let r = scan(&db, &root, true);
    assert_eq!(r.deleted, 1);
    assert!(redownloads(&db).is_empty());
}

#[test]
fn without_hash_or_identifier_a_copy_is_new() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("live");
    let bytes = jpeg("2024:03:10 10:00:00", Some("+01:00"), "one");
    write(&root.join("a/IMG_0001.JPG"), &bytes);
    let db = d.path().join("index.db");
    scan(&db, &root, false);
    write(&root.join("b/IMG_0001-12345.JPG"), &bytes);
    let r = scan(&db, &root, false);
    assert_eq!((r.new, r.redownloads), (1, 0));
}

/// With Apple's content identifier: the same asset (identifier, kind, format, instant, size)
/// under a new name is a re-download without any hashing; a file with the identifier and
/// instant but other bytes (an edited copy) is not; renamed with the old name gone, it is a
/// move.
#[test]
fn corpus_same_asset_by_content_identifier() {
    let Some(c) = corpus() else {
        eprintln!("skipped: corpus not found (set ALBUMEN_CORPUS)");
        return;
    };
    let src = c.join("crafted/live/iphone/2020-05");
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("live");
    let day = root.join("2020/05/04");
    fs::create_dir_all(&day).unwrap();
    fs::copy(src.join("IMG_2929.HEIC"), day.join("IMG_2929.HEIC")).unwrap();
    fs::copy(src.join("IMG_2929.MOV"), day.join("IMG_2929_HEVC.MOV")).unwrap();
    let db = d.path().join("index.db");
    scan(&db, &root, false);

    let other = root.join("2020-05-04");
    fs::create_dir_all(&other).unwrap();
    fs::copy(src.join("IMG_2929.HEIC"), other.join("IMG_2929.HEIC")).unwrap();
    fs::copy(
        src.join("IMG_2929.MOV"),
        other.join("IMG_2929_HEVC-52016.MOV"),
    )
    .unwrap();
    // Same identifier and instant, other bytes: not the same asset's file.
    let mut edited = fs::read(src.join("IMG_2929.HEIC")).unwrap();
    edited.extend_from_slice(b"edited");
    fs::write(day.join("IMG_E2929.HEIC"), edited).unwrap();
    let r = scan(&db, &root, false);
    assert_eq!((r.new, r.redownloads), (1, 2), "{r:?}");
    let rd: Vec<(String, String)> = redownloads(&db)
        .into_iter()
        .map(|(a, b)| (tail(&a), tail(&b)))
        .collect();
    assert_eq!(
        rd,
        [
            (
                "IMG_2929.HEIC<2020-05-04".to_string(),
                "IMG_2929.HEIC<04".to_string()
            ),
            (
                "IMG_2929_HEVC-52016.MOV<2020-05-04".to_string(),
                "IMG_2929_HEVC.MOV<04".to_string()
            )
        ]
    );

    // Renamed: the old name is gone, the asset is under a new one. A move, not a re-download.
    fs::rename(day.join("IMG_2929.HEIC"), d.path().join("aside.heic")).unwrap();
    fs::copy(
        d.path().join("aside.heic"),
        day.join("IMG_2929-2712264.HEIC"),
    )
    .unwrap();
    let r = scan(&db, &root, false);
    assert_eq!(
        (r.new, r.deleted, r.moved, r.redownloads),
        (0, 0, 1, 0),
        "{r:?}"
    );
}

#[test]
fn a_version_1_database_is_migrated() {
    let d = tempfile::tempdir().unwrap();
    let db = d.path().join("index.db");
    {
        let index = Index::open(&db).unwrap();
        index
            .raw()
            .execute_batch(
                "DROP INDEX files_redownload; ALTER TABLE files DROP COLUMN redownload_of; \
                 UPDATE meta SET value = '1' WHERE key = 'schema_version';",
            )
            .unwrap();
    }
    let root = d.path().join("live");
    write(
        &root.join("IMG_0001.JPG"),
        &jpeg("2024:03:10 10:00:00", None, "one"),
    );
    let r = scan(&db, &root, false);
    assert_eq!(r.new, 1);
    let index = Index::open(&db).unwrap();
    let c = index.raw();
    let v: String = c
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION.to_string());
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM files WHERE redownload_of IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}
