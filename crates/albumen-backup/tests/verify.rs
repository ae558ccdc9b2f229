//! Verify on a generated library and a copy of it: a clean copy passes; a deleted, a
//! truncated, a modified (same size), a moved and an extra file are each reported as what they
//! are; both trees are left exactly as they were.

#![allow(clippy::unwrap_used)]

#[path = "../../albumen-index/tests/common/mod.rs"]
mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use albumen_backup::verify::{self, DiffReason};
use albumen_backup::{VerifyOptions, VerifyReport};
use albumen_index::{Index, NoProgress};
use common::{copy_tree, files, library, scan};

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    db: PathBuf,
    backup: PathBuf,
}

/// A library scanned (with or without stored hashes) and a faithful copy of it.
fn setup(hash_in_index: bool) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    library(&root);
    let db = dir.path().join("index.db");
    scan(&db, &root, hash_in_index);
    let backup = dir.path().join("backup");
    copy_tree(&root, &backup);
    Setup {
        root,
        db,
        backup,
        _dir: dir,
    }
}

fn check(s: &Setup, hash: bool) -> VerifyReport {
    let index = Index::open(&s.db).unwrap();
    verify::verify(
        &index,
        &VerifyOptions::new(&s.backup).hash(hash),
        &NoProgress,
    )
    .unwrap()
}

fn paths<T>(v: &[T], f: impl Fn(&T) -> &Path) -> Vec<String> {
    v.iter()
        .map(|x| f(x).to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_clean_copy_passes_with_and_without_hashes() {
    for hash_in_index in [false, true] {
        let s = setup(hash_in_index);
        for hash in [false, true] {
            let r = check(&s, hash);
            assert!(r.passed(), "{r:#?}");
            assert_eq!(
                (r.checked, r.sidecars),
                (8, 2),
                "five media files, broken.jpg, IMG_0001.xmp and IMG_0002.AAE (not the \
                 orphan IMG_0005.JPG.xmp)"
            );
            assert_eq!(r.ok, 8);
            assert!(r.extra.is_empty() && r.found_elsewhere.is_empty(), "{r:#?}");
            // Sidecars and notes.txt are not media: not extra.
            assert_eq!(r.non_media, 4, "{r:#?}");
            if hash {
                assert_eq!(r.backup_hashed, 8);
                // Without stored hashes the originals are the reference (sidecars have none).
                assert_eq!(r.originals_hashed, if hash_in_index { 2 } else { 8 });
            } else {
                assert_eq!(r.backup_hashed + r.originals_hashed, 0);
            }
        }
    }
}

#[test]
fn deleted_truncated_modified_moved_and_extra_files_are_each_reported() {
    for hash_in_index in [false, true] {
        let s = setup(hash_in_index);
        let b = &s.backup;
        fs::remove_file(b.join("2024-03/IMG_0003.JPG")).unwrap(); // deleted
        let t = b.join("2024-03/IMG_0004.JPG");
        let bytes = fs::read(&t).unwrap();
        fs::write(&t, &bytes[..bytes.len() - 10]).unwrap(); // truncated
        let m = b.join("2024-03/IMG_0002.JPG");
        let mut bytes = fs::read(&m).unwrap();
        let at = bytes.len() - 30;
        bytes[at] ^= 0xff;
        fs::write(&m, &bytes).unwrap(); // modified, same size
        fs::create_dir_all(b.join("renamed")).unwrap();
        fs::rename(
            b.join("2024-03/IMG_0001.JPG"),
            b.join("renamed/holiday.jpg"),
        )
        .unwrap(); // moved
        common::write(
            &b.join("2024-03/IMG_9999.JPG"),
            &common::jpeg("2024:05:01 12:00:00", None, "only in the backup"),
        ); // extra
        fs::write(b.join("2024-03/README.txt"), b"not media").unwrap();

        // Sizes only: the modified file passes, the moved one is missing + extra.
        let r = check(&s, false);
        assert!(!r.passed());
        assert_eq!(
            paths(&r.missing, |e| &e.path),
            ["2024-03/IMG_0001.JPG", "2024-03/IMG_0003.JPG"],
            "{r:#?}"
        );
        assert_eq!(paths(&r.different, |e| &e.path), ["2024-03/IMG_0004.JPG"]);
        assert_eq!(r.different[0].reason, DiffReason::Size);
        assert_eq!(r.different[0].backup_size + 10, r.different[0].index_size);
        assert_eq!(
            paths(&r.extra, |e| &e.path),
            ["2024-03/IMG_9999.JPG", "renamed/holiday.jpg"]
        );
        assert!(r.found_elsewhere.is_empty());
        assert_eq!(r.ok, 5);

        // With hashes: the modified file differs in content, the moved one is found where it
        // went (and is not extra).
        let r = check(&s, true);
        assert!(!r.passed());
        assert_eq!(
            paths(&r.missing, |e| &e.path),
            ["2024-03/IMG_0003.JPG"],
            "{r:#?}"
        );
        assert_eq!(
            paths(&r.different, |e| &e.path),
            ["2024-03/IMG_0002.JPG", "2024-03/IMG_0004.JPG"]
        );
        assert_eq!(r.different[0].reason, DiffReason::Content);
        assert_eq!(r.different[1].reason, DiffReason::Size);
        assert_eq!(
            paths(&r.found_elsewhere, |e| &e.path),
            ["2024-03/IMG_0001.JPG"]
        );
        assert_eq!(
            r.found_elsewhere[0].at,
            [PathBuf::from("renamed/holiday.jpg")]
        );
        assert_eq!(paths(&r.extra, |e| &e.path), ["2024-03/IMG_9999.JPG"]);
        assert_eq!(r.ok, 4);
    }
}

#[test]
fn a_moved_file_alone_passes_with_hashes() {
    let s = setup(true);
    fs::rename(
        s.backup.join("2024-03/IMG_0002.MOV"),
        s.backup.join("IMG_0002 (moved).MOV"),
    )
    .unwrap();
    assert!(!check(&s, false).passed());
    let r = check(&s, true);
    assert!(r.passed(), "{r:#?}");
    assert_eq!(r.found_elsewhere.len(), 1);
}

#[test]
fn the_library_root_is_not_a_backup_of_itself() {
    let s = setup(false);
    let index = Index::open(&s.db).unwrap();
    let e = verify::verify(&index, &VerifyOptions::new(&s.root), &NoProgress).unwrap_err();
    assert!(
        matches!(e, albumen_backup::Error::BackupIsRoot { .. }),
        "{e}"
    );
}

/// Verification reads both trees without changing anything, access times included.
#[test]
#[cfg(target_os = "linux")]
fn both_trees_are_left_exactly_as_they_were_access_times_included() {
    let s = setup(false);
    fs::remove_file(s.backup.join("2024-03/IMG_0003.JPG")).unwrap();
    // Contents first (reading them sets access times), then access times far in the past, so
    // relatime would update them on any read.
    let (root_before, backup_before) = (files(&s.root), files(&s.backup));
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(999_000_000);
    let all: Vec<PathBuf> = [&s.root, &s.backup]
        .iter()
        .flat_map(|r| files(r).into_keys().map(move |k| r.join(k)))
        .collect();
    for p in &all {
        let m = fs::metadata(p).unwrap();
        let f = fs::File::options().write(true).open(p).unwrap();
        f.set_times(
            fs::FileTimes::new()
                .set_accessed(old)
                .set_modified(m.modified().unwrap()),
        )
        .unwrap();
    }
    let atimes = || -> Vec<SystemTime> {
        all.iter()
            .map(|p| fs::metadata(p).unwrap().accessed().unwrap())
            .collect()
    };
    let at_before = atimes();
    let r = check(&s, true);
    assert_eq!(r.found_elsewhere.len() + r.missing.len(), 1);
    assert!(r.originals_hashed > 0 && r.backup_hashed > 0);
    assert_eq!(atimes(), at_before, "verify updated access times");
    assert_eq!(files(&s.root), root_before);
    assert_eq!(files(&s.backup), backup_before);
}

#[test]
fn a_sidecar_counts_as_part_of_its_item() {
    let s = setup(true);
    fs::remove_file(s.backup.join("2024-03/IMG_0002.AAE")).unwrap();
    fs::write(s.backup.join("2024-03/IMG_0001.xmp"), b"<x:xmpmeta/>").unwrap();
    let r = check(&s, true);
    assert!(!r.passed());
    assert_eq!(paths(&r.missing, |e| &e.path), ["2024-03/IMG_0002.AAE"]);
    assert_eq!(paths(&r.different, |e| &e.path), ["2024-03/IMG_0001.xmp"]);
    // The orphan sidecar (its photo is gone) is not checked.
    fs::remove_file(s.backup.join("2024-03/IMG_0005.JPG.xmp")).unwrap();
    assert_eq!(check(&s, true).missing.len(), 1);
}
