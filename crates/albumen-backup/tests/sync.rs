//! Sync on a generated library: a mirror that reruns as a no-op, follows edits, renames and
//! deletions (to the trash), never overwrites what changed at the destination, and finishes
//! what an interrupted sync left.

#![allow(clippy::unwrap_used)]

#[path = "../../albumen-index/tests/common/mod.rs"]
mod common;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use albumen_backup::sync::{self, SyncAction, STATE_FILE, TRASH_DIR};
use albumen_backup::{SyncOptions, SyncReport, TimeRange};
use albumen_index::{Index, NoProgress};
use chrono::NaiveDate;
use common::{files, jpeg, scan, setup, write, Setup, IN_RANGE};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn run_range(
    s: &Setup,
    from: &str,
    to: &str,
    tweak: impl Fn(SyncOptions) -> SyncOptions,
) -> SyncReport {
    let index = Index::open(&s.db).unwrap();
    let opts = tweak(
        SyncOptions::new(TimeRange::parse(from, to).unwrap(), &s.dest).today(day("2026-11-29")),
    );
    sync::sync(&index, &opts, &NoProgress).unwrap()
}

fn run(s: &Setup) -> SyncReport {
    run_range(s, "2024-03-10", "2024-03-11", |o| o)
}

/// The mirrored files (state and trash left out): relative path → (bytes, mtime, mode).
/// A file as the tests compare it: relative path, (bytes, mtime ns, mode).
type Entry = (PathBuf, (Vec<u8>, i64, u32));

fn mirrored(dest: &Path) -> Vec<Entry> {
    files(dest)
        .into_iter()
        .filter(|(p, _)| !p.to_string_lossy().starts_with(".albumen"))
        .collect()
}

fn in_range(s: &Setup) -> Vec<Entry> {
    let src = files(&s.root);
    IN_RANGE
        .iter()
        .map(|r| (PathBuf::from(r), src[Path::new(r)].clone()))
        .collect()
}

fn trashed(dest: &Path) -> Vec<PathBuf> {
    files(&dest.join(TRASH_DIR)).into_keys().collect()
}

#[test]
fn mirrors_the_range_then_reruns_as_a_no_op() {
    let s = setup("mirror");
    let r = run(&s);
    assert!(r.ok(), "{r:?}");
    assert_eq!((r.copied, r.updated, r.moved, r.trashed), (5, 0, 0, 0));
    assert_eq!(
        mirrored(&s.dest),
        in_range(&s),
        "bytes, mtimes and modes kept"
    );
    assert!(s.dest.join(STATE_FILE).is_file());
    let r = run(&s);
    assert!(r.ok(), "{r:?}");
    assert_eq!((r.copied, r.updated, r.unchanged), (0, 0, 5));
    assert!(r.files.is_empty());
}

#[test]
fn an_edited_source_is_updated() {
    let s = setup("mirror");
    run(&s);
    let p = s.root.join("2024-03/IMG_0001.JPG");
    write(
        &p,
        &jpeg("2024:03:10 10:00:00", Some("+01:00"), "one, edited"),
    );
    scan(&s.db, &s.root, false);
    let r = run(&s);
    assert!(r.ok(), "{r:?}");
    assert_eq!((r.copied, r.updated, r.unchanged), (0, 1, 4));
    assert_eq!(mirrored(&s.dest), in_range(&s));
}

#[test]
fn a_moved_source_is_moved_at_the_destination_not_copied_again() {
    let s = setup("mirror");
    run(&s);
    let before = fs::metadata(s.dest.join("2024-03/IMG_0002.MOV"))
        .unwrap()
        .ino();
    fs::rename(s.root.join("2024-03"), s.root.join("march")).unwrap();
    scan(&s.db, &s.root, false);
    let r = run(&s);
    assert!(r.ok(), "{r:?}");
    assert_eq!((r.copied, r.moved, r.trashed), (0, 5, 0), "{r:?}");
    let after = fs::metadata(s.dest.join("march/IMG_0002.MOV"))
        .unwrap()
        .ino();
    assert_eq!(before, after, "the same file, moved");
    assert!(
        !s.dest.join("2024-03").exists(),
        "the emptied folder is removed"
    );
    let src = files(&s.root);
    for (rel, f) in mirrored(&s.dest) {
        assert_eq!(f, src[&rel], "{rel:?}");
    }
}

#[test]
fn deleted_and_out_of_range_files_go_to_the_trash_until_emptied() {
    let s = setup("mirror");
    run(&s);
    // Deleted at the source: the photo goes, and its sidecar, which no file claims now.
    fs::remove_file(s.root.join("2024-03/IMG_0001.JPG")).unwrap();
    scan(&s.db, &s.root, false);
    let r = run(&s);
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.trashed, 2, "{r:?}");
    let day_dir = Path::new("2026-11-29/2024-03");
    assert_eq!(
        trashed(&s.dest),
        vec![day_dir.join("IMG_0001.JPG"), day_dir.join("IMG_0001.xmp")]
    );
    // Out of the range now: the Live Photo (still, video, AAE) leaves too.
    let r = run_range(&s, "2024-03-10", "2024-03-10", |o| o);
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.trashed, 3, "{r:?}");
    assert!(mirrored(&s.dest).is_empty());
    // Trash of 2026-11-29 is kept while young, emptied when older than asked.
    let r = run_range(&s, "2024-03-10", "2024-03-10", |o| {
        o.empty_trash_older_than(30).today(day("2026-12-05"))
    });
    assert_eq!(r.trash_emptied, 0);
    let r = run_range(&s, "2024-03-10", "2024-03-10", |o| {
        o.empty_trash_older_than(3).today(day("2026-12-05"))
    });
    assert_eq!(r.trash_emptied, 5);
    assert!(trashed(&s.dest).is_empty());
}

#[test]
fn a_file_changed_at_the_destination_is_never_overwritten() {
    let s = setup("mirror");
    run(&s);
    let victim = s.dest.join("2024-03/IMG_0001.JPG");
    let mut theirs = fs::read(&victim).unwrap();
    theirs.extend_from_slice(b"changed at the destination");
    fs::write(&victim, &theirs).unwrap();
    // The source changes too: still not overwritten.
    write(
        &s.root.join("2024-03/IMG_0001.JPG"),
        &jpeg("2024:03:10 10:00:00", Some("+01:00"), "one, edited"),
    );
    scan(&s.db, &s.root, false);
    let r = run(&s);
    assert!(!r.ok());
    assert_eq!(r.conflicts.len(), 1, "{r:?}");
    assert_eq!(r.conflicts[0].path, victim);
    assert_eq!(fs::read(&victim).unwrap(), theirs);
    // Deleted at the source as well: a changed file is not trashed either.
    fs::remove_file(s.root.join("2024-03/IMG_0001.JPG")).unwrap();
    scan(&s.db, &s.root, false);
    let r = run(&s);
    assert_eq!(r.conflicts.len(), 1, "{r:?}");
    assert_eq!(fs::read(&victim).unwrap(), theirs);
    // Removed at the destination by its owner: the conflict is gone.
    fs::remove_file(&victim).unwrap();
    let r = run(&s);
    assert!(r.ok(), "{r:?}");
}

#[test]
fn a_file_the_sync_did_not_write_is_left_alone() {
    let s = setup("mirror");
    let theirs = s.dest.join("2024-03/IMG_0002.JPG");
    write(&theirs, b"someone else's file");
    let mine_too = s.dest.join("2024-03/holiday.txt");
    write(&mine_too, b"not in the library");
    let r = run(&s);
    assert_eq!(r.copied, 4);
    assert_eq!(r.conflicts.len(), 1);
    assert_eq!(r.conflicts[0].action, SyncAction::Conflict);
    assert_eq!(fs::read(&theirs).unwrap(), b"someone else's file");
    // A file that is not the sync's own is never trashed.
    let r = run_range(&s, "2024-03-01", "2024-03-02", |o| o);
    assert_eq!(r.trashed, 4, "{r:?}");
    assert_eq!(fs::read(&theirs).unwrap(), b"someone else's file");
    assert_eq!(fs::read(&mine_too).unwrap(), b"not in the library");
}

#[test]
fn an_interrupted_sync_is_finished_by_the_next() {
    let s = setup("mirror");
    // Cancelled before it started anything: nothing copied, reported interrupted.
    let stop = Arc::new(AtomicBool::new(true));
    let r = run_range(&s, "2024-03-10", "2024-03-11", |o| {
        o.cancel(Arc::clone(&stop))
    });
    assert!(r.interrupted && !r.ok());
    assert_eq!(r.copied, 0);
    // What a kill leaves: a copy in flight (a temporary file of a process that is gone), and
    // copies in place whose records were never written.
    let stale = s.dest.join("2024-03/.albumen-export-4000000000-7.tmp");
    write(&stale, b"half a copy");
    run(&s);
    assert!(
        !stale.exists(),
        "the temporary file of a dead sync is removed"
    );
    fs::remove_file(s.dest.join(STATE_FILE)).unwrap();
    let r = run(&s);
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        (r.copied, r.unchanged),
        (0, 5),
        "copies in place are adopted"
    );
    assert_eq!(mirrored(&s.dest), in_range(&s));
}

#[test]
fn a_dry_run_changes_nothing() {
    let s = setup("mirror");
    let r = run_range(&s, "2024-03-10", "2024-03-11", |o| o.dry_run(true));
    assert_eq!(r.copied, 5);
    assert!(!s.dest.exists());
    run(&s);
    fs::remove_file(s.root.join("2024-03/IMG_0001.JPG")).unwrap();
    scan(&s.db, &s.root, false);
    let before = files(&s.dest);
    let r = run_range(&s, "2024-03-10", "2024-03-11", |o| o.dry_run(true));
    assert_eq!(r.trashed, 2);
    let after = files(&s.dest);
    let changed: Vec<_> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    assert!(
        changed.is_empty() && after.len() == before.len(),
        "{changed:?}"
    );
}
