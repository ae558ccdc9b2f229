//! Archive on a generated library: the range's items (Live Photo video and sidecars included)
//! move to the archive tree, their rows move to the archive library with the same ids, rescans
//! of both trees find nothing to do; a dry run writes nothing; a run stopped after its removals
//! is completed by the next one.

#![allow(clippy::unwrap_used)]

#[path = "../../albumen-index/tests/common/mod.rs"]
mod common;
use common::Raw;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use albumen_backup::archive::{self, ArchiveOptions};
use albumen_backup::{Error, TimeRange};
use albumen_index::{Index, NoProgress, ScanReport};
use albumen_scan::{Scan, ScanOptions};
use common::{files, library, scan, setup, Setup, IN_RANGE};

fn opts(s: &Setup) -> ArchiveOptions {
    ArchiveOptions::new(
        "lib",
        TimeRange::parse("2024-03-10", "2024-03-11").unwrap(),
        "lib-archive",
        &s.dest,
    )
}

/// `files` rows by path: (id, library name).
fn rows(db: &Path) -> BTreeMap<String, (i64, String)> {
    let index = Index::open(db).unwrap();
    let c = index.raw();
    let mut st = c
        .prepare(
            "SELECT f.path_text, f.id, l.name FROM files f JOIN libraries l ON l.id = f.library_id",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn rescan(db: &Path, library: &str, root: &Path) -> ScanReport {
    let mut index = Index::open(db).unwrap();
    index
        .scan(
            library,
            &[root.to_path_buf()],
            &ScanOptions::new(),
            &NoProgress,
        )
        .unwrap()
}

fn nothing_to_do(r: &ScanReport) {
    assert_eq!(
        (r.new, r.changed, r.moved, r.deleted, r.read),
        (0, 0, 0, 0, 0),
        "{r:?}"
    );
}

#[test]
fn archive_moves_files_and_rows_and_rescans_find_nothing() {
    let s = setup("archive");
    let before = rows(&s.db);
    let tree_before = files(&s.root);
    let index = Index::open(&s.db).unwrap();
    let r = archive::archive(&index, &opts(&s), &NoProgress).unwrap();
    assert!(r.ok(), "{r:?}");
    // IMG_0001 and IMG_0002 (a Live Photo: still + video) move; sidecars travel along.
    assert_eq!((r.items_moved, r.rows_moved, r.rows_copied), (2, 3, 0));
    let archived = files(&s.dest);
    let left = files(&s.root);
    for rel in IN_RANGE {
        let rel = Path::new(rel);
        assert!(
            !left.contains_key(rel),
            "{} still in the live tree",
            rel.display()
        );
        // Byte-identical, same mtime and mode.
        assert_eq!(archived.get(rel), tree_before.get(rel), "{}", rel.display());
    }
    assert_eq!(archived.len(), IN_RANGE.len());

    // Same ids, now in the archive library at the new paths.
    let after = rows(&s.db);
    for rel in [
        "2024-03/IMG_0001.JPG",
        "2024-03/IMG_0002.JPG",
        "2024-03/IMG_0002.MOV",
    ] {
        let old = before[&s.root.join(rel).to_string_lossy().into_owned()].0;
        let new_path = fs::canonicalize(s.dest.join(rel)).unwrap();
        let (id, lib) = &after[&new_path.to_string_lossy().into_owned()];
        assert_eq!((*id, lib.as_str()), (old, "lib-archive"), "{rel}");
    }
    // The pair followed: the archive library has one Live Photo item.
    let summary = index.summary("lib-archive").unwrap();
    assert_eq!(summary.pairs, 1);
    assert_eq!(summary.items.get("live-photo"), Some(&1));
    assert_eq!(index.summary("lib").unwrap().pairs, 0);
    drop(index);

    nothing_to_do(&rescan(&s.db, "lib", &s.root));
    nothing_to_do(&rescan(&s.db, "lib-archive", &s.dest));

    // Again: nothing left to move.
    let index = Index::open(&s.db).unwrap();
    let again = archive::archive(&index, &opts(&s), &NoProgress).unwrap();
    assert_eq!((again.export.items, again.rows_moved), (0, 0));
}

#[test]
fn dry_run_changes_nothing() {
    let s = setup("archive");
    let tree = files(&s.root);
    let db_rows = rows(&s.db);
    let index = Index::open(&s.db).unwrap();
    let r = archive::archive(&index, &opts(&s).dry_run(true), &NoProgress).unwrap();
    assert_eq!((r.items_moved, r.rows_moved), (2, 3));
    assert_eq!(r.export.removed.files, IN_RANGE.len() as u64);
    assert_eq!(files(&s.root), tree);
    assert!(!s.dest.exists());
    assert_eq!(rows(&s.db), db_rows);
    assert!(index.library(Some("lib-archive")).is_err());
}

/// A run killed after its removals, before the index followed: the files are in the archive,
/// gone from the live tree, still indexed as live. The next run recognises them (size, mtime,
/// and the hash the index holds) and moves their rows.
#[test]
fn a_run_stopped_after_its_removals_is_completed_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    library(&root);
    let db = dir.path().join("index.db");
    scan(&db, &root, true);
    let dest = dir.path().join("archive");
    for rel in IN_RANGE {
        let (from, to) = (root.join(rel), dest.join(rel));
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&from, &to).unwrap();
        let mtime = fs::metadata(&from).unwrap().modified().unwrap();
        fs::File::options()
            .write(true)
            .open(&to)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        fs::remove_file(&from).unwrap();
    }
    let index = Index::open(&db).unwrap();
    let o = ArchiveOptions::new(
        "lib",
        TimeRange::parse("2024-03-10", "2024-03-11").unwrap(),
        "lib-archive",
        &dest,
    );
    let r = archive::archive(&index, &o, &NoProgress).unwrap();
    assert!(r.ok(), "{r:?}");
    assert_eq!((r.already_moved, r.rows_moved), (3, 3));
    drop(index);
    nothing_to_do(&rescan(&db, "lib", &root));
    nothing_to_do(&rescan(&db, "lib-archive", &dest));
}

#[test]
fn a_file_changed_in_the_archive_is_not_taken_as_moved() {
    let s = setup("archive");
    let rel = "2024-03/IMG_0001.JPG";
    fs::create_dir_all(s.dest.join("2024-03")).unwrap();
    fs::write(s.dest.join(rel), b"other bytes").unwrap();
    fs::remove_file(s.root.join(rel)).unwrap();
    let index = Index::open(&s.db).unwrap();
    let r = archive::archive(&index, &opts(&s), &NoProgress).unwrap();
    assert_eq!(r.already_moved, 0);
    assert!(!r.ok());
    // Its row stays in the live library (the next scan of it reports the file deleted).
    let still_live = rows(&s.db)
        .into_iter()
        .any(|(p, (_, lib))| p.ends_with(rel) && lib == "lib");
    assert!(still_live);
}

#[test]
fn bad_destinations_are_refused() {
    let s = setup("archive");
    let index = Index::open(&s.db).unwrap();
    let mut o = opts(&s);
    o.to_library = "lib".into();
    assert!(matches!(
        archive::archive(&index, &o, &NoProgress),
        Err(Error::SameLibrary(_))
    ));
    for inside in [s.root.join("2023"), s.root.clone()] {
        let mut o = opts(&s);
        o.dest = inside;
        assert!(matches!(
            archive::archive(&index, &o, &NoProgress),
            Err(Error::ArchiveOverlaps { .. })
        ));
    }
    let mut o = opts(&s);
    o.from_library = "nope".into();
    assert!(matches!(
        archive::archive(&index, &o, &NoProgress),
        Err(Error::Index(albumen_index::Error::NoSuchLibrary(_)))
    ));
}

/// A Live Photo video also paired with a still outside the range is copied but stays in the
/// live tree; the archive library gets a row of its own for the copy, and both trees still
/// rescan clean.
#[test]
fn a_video_kept_in_the_live_tree_gets_a_row_for_its_copy() {
    let s = setup("archive");
    {
        let index = Index::open(&s.db).unwrap();
        let c = index.raw();
        let id = |name: &str| -> i64 {
            c.query_row(
                "SELECT id FROM files WHERE path_text LIKE '%/' || ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap()
        };
        // IMG_0003 (after the range) shares IMG_0002's video, as an edited copy would.
        c.execute(
            "INSERT INTO pairs (library_id, still_file_id, video_file_id, method, confidence, evidence) \
             SELECT library_id, ?1, ?2, 'apple-live', 1.0, 'test' FROM files WHERE id = ?1",
            [id("IMG_0003.JPG"), id("IMG_0002.MOV")],
        )
        .unwrap();
    }
    let index = Index::open(&s.db).unwrap();
    let r = archive::archive(&index, &opts(&s), &NoProgress).unwrap();
    assert!(r.ok(), "{r:?}");
    assert_eq!((r.rows_moved, r.rows_copied), (2, 1), "{r:?}");
    assert!(s.root.join("2024-03/IMG_0002.MOV").is_file());
    assert!(s.dest.join("2024-03/IMG_0002.MOV").is_file());
    let libs: Vec<String> = rows(&s.db)
        .into_iter()
        .filter(|(p, _)| p.ends_with("IMG_0002.MOV"))
        .map(|(_, (_, lib))| lib)
        .collect();
    assert_eq!(libs.len(), 2);
    assert!(libs.contains(&"lib".to_string()) && libs.contains(&"lib-archive".to_string()));
    drop(index);
    nothing_to_do(&rescan(&s.db, "lib", &s.root));
    nothing_to_do(&rescan(&s.db, "lib-archive", &s.dest));
}
