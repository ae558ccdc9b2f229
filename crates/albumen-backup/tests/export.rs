//! Export on a generated library: the right files, byte-identical with their mtimes, Live
//! Photo videos and sidecars included; reruns skip; conflicts are never overwritten; originals
//! are removed only after verification; a dry run writes nothing.

#![allow(clippy::unwrap_used)]

#[path = "../../albumen-index/tests/common/mod.rs"]
mod common;
use common::Raw;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use albumen_backup::export::{self, Action, Removal};
use albumen_backup::{ExportOptions, ExportReport, Layout, TimeRange};
use albumen_index::{Index, NoProgress};
use albumen_scan::Scan;
use common::{files, scan, setup, Setup, IN_RANGE};

fn run(
    s: &Setup,
    from: &str,
    to: &str,
    tweak: impl Fn(ExportOptions) -> ExportOptions,
) -> ExportReport {
    let index = Index::open(&s.db).unwrap();
    let opts = tweak(ExportOptions::new(
        TimeRange::parse(from, to).unwrap(),
        &s.dest,
    ));
    export::export(&index, &opts, &NoProgress).unwrap()
}

fn rels(root: &Path) -> BTreeSet<String> {
    files(root)
        .keys()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn exports_exactly_the_range_with_live_video_and_sidecars_byte_identical_with_mtimes() {
    let s = setup("out");
    let before = files(&s.root);
    let r = run(&s, "2024-03-10", "2024-03-11", |o| o);
    assert!(r.ok(), "{r:#?}");
    assert_eq!(rels(&s.dest), set(IN_RANGE), "{r:#?}");
    let copied = files(&s.dest);
    for (rel, got) in &copied {
        let want = &before[rel];
        assert_eq!(got.0, want.0, "{rel:?}: bytes differ");
        assert_eq!(got.1, want.1, "{rel:?}: mtime not kept");
        assert_eq!(got.2, want.2, "{rel:?}: permissions not kept");
    }
    assert_eq!((r.items, r.items_complete), (2, 2));
    assert_eq!(r.unknown_time, 1, "misc/broken.jpg has no time");
    assert_eq!(r.copied.files, 5);
    let bytes: u64 = copied.values().map(|v| v.0.len() as u64).sum();
    assert_eq!(r.copied.bytes, bytes);
    assert_eq!((r.skipped.files, r.conflicts, r.failed), (0, 0, 0));
    assert!(r.files.iter().all(|f| f.removal == Removal::NotAsked));
    // The sources are untouched.
    assert_eq!(files(&s.root), before);

    // A rerun copies nothing and changes nothing.
    let again = run(&s, "2024-03-10", "2024-03-11", |o| o);
    assert_eq!(
        (again.copied.files, again.skipped.files),
        (0, 5),
        "{again:#?}"
    );
    assert_eq!(again.skipped.bytes, bytes);
    assert!(again.files.iter().all(|f| f.action == Action::Identical));
    assert_eq!(files(&s.dest), copied);
}

#[test]
fn a_live_photo_video_travels_with_its_still_whatever_its_own_time() {
    let s = setup("out");
    // The video's own local time is 2024-03-10T23:00:03, outside this range: it travels with
    // its still (2024-03-11T00:00:02), with the still's AAE.
    let index = Index::open(&s.db).unwrap();
    let video_time: String = index
        .raw()
        .query_row(
            "SELECT time_local FROM files WHERE path_text LIKE '%IMG_0002.MOV'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(video_time.starts_with("2024-03-10"), "{video_time}");
    let r = run(&s, "2024-03-11", "2024-03-11", |o| o);
    assert_eq!(
        rels(&s.dest),
        set(&[
            "2024-03/IMG_0002.AAE",
            "2024-03/IMG_0002.JPG",
            "2024-03/IMG_0002.MOV"
        ]),
        "{r:#?}"
    );
    let roles: Vec<(String, export::Role)> = r
        .files
        .iter()
        .map(|f| {
            (
                f.source.file_name().unwrap().to_string_lossy().into_owned(),
                f.role,
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("IMG_0002.JPG".to_string(), export::Role::Item),
            ("IMG_0002.AAE".to_string(), export::Role::Sidecar),
            ("IMG_0002.MOV".to_string(), export::Role::LiveVideo),
        ]
    );
    // And the day of the video alone does not take it away from its still.
    fs::remove_dir_all(&s.dest).unwrap();
    run(&s, "2024-03-10", "2024-03-10", |o| o);
    assert_eq!(
        rels(&s.dest),
        set(&["2024-03/IMG_0001.JPG", "2024-03/IMG_0001.xmp"])
    );
}

#[test]
fn minute_bounds_are_inclusive() {
    let s = setup("out");
    run(&s, "2024-03-09T23:59", "2024-03-10T10:00", |o| o);
    assert_eq!(
        rels(&s.dest),
        set(&[
            "2024-03/IMG_0001.JPG",
            "2024-03/IMG_0001.xmp",
            "2024-03/IMG_0004.JPG"
        ])
    );
}

#[test]
fn a_different_file_at_the_destination_is_a_conflict_and_is_not_overwritten() {
    let s = setup("out");
    let there = s.dest.join("2024-03/IMG_0001.JPG");
    fs::create_dir_all(there.parent().unwrap()).unwrap();
    fs::write(&there, b"someone else's photo").unwrap();
    // Same size, other bytes: only the hash can tell.
    let same_size = s.dest.join("2024-03/IMG_0002.AAE");
    let mut b = fs::read(s.root.join("2024-03/IMG_0002.AAE")).unwrap();
    b[0] ^= 1;
    fs::write(&same_size, &b).unwrap();

    let r = run(&s, "2024-03-10", "2024-03-11", |o| o);
    assert!(!r.ok());
    assert_eq!(r.conflicts, 2, "{r:#?}");
    assert_eq!(fs::read(&there).unwrap(), b"someone else's photo");
    assert_eq!(fs::read(&same_size).unwrap(), b);
    let conflict: BTreeSet<_> = r
        .files
        .iter()
        .filter(|f| f.action == Action::Conflict)
        .map(|f| f.dest.clone())
        .collect();
    assert_eq!(
        conflict,
        [there.clone(), same_size.clone()].into_iter().collect()
    );
    // The others were copied.
    assert_eq!(r.copied.files, 3);
    assert_eq!(r.items_complete, 0);
}

#[test]
fn remove_originals_removes_only_verified_sources_of_complete_items() {
    let s = setup("out");
    let before = files(&s.root);
    // IMG_0001's destination is taken: that item (JPG + xmp) must stay at the source.
    let there = s.dest.join("2024-03/IMG_0001.JPG");
    fs::create_dir_all(there.parent().unwrap()).unwrap();
    fs::write(&there, b"taken").unwrap();

    let r = run(&s, "2024-03-10", "2024-03-11", |o| o.remove_originals(true));
    assert_eq!(r.conflicts, 1, "{r:#?}");
    let removed: BTreeSet<String> = r
        .files
        .iter()
        .filter(|f| f.removal == Removal::Removed)
        .map(|f| {
            f.source
                .strip_prefix(&s.root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        removed,
        set(&[
            "2024-03/IMG_0002.AAE",
            "2024-03/IMG_0002.JPG",
            "2024-03/IMG_0002.MOV"
        ])
    );
    assert_eq!(r.removed.files, 3);
    assert_eq!(r.kept, 2, "IMG_0001.JPG and its xmp are kept");
    let now = files(&s.root);
    for rel in IN_RANGE {
        let rel = Path::new(rel);
        let gone = removed.contains(&rel.to_string_lossy().into_owned());
        assert_eq!(now.contains_key(rel), !gone, "{rel:?}");
        if gone {
            // Its copy is there, byte-identical.
            assert_eq!(fs::read(s.dest.join(rel)).unwrap(), before[rel].0);
        }
    }
    // Everything outside the range is untouched.
    for (rel, v) in &before {
        if !IN_RANGE.contains(&rel.to_string_lossy().as_ref()) {
            assert_eq!(now.get(rel), Some(v), "{rel:?}");
        }
    }

    // Once the user has moved the other file away, the rest of the day goes.
    fs::remove_file(&there).unwrap();
    let r = run(&s, "2024-03-10", "2024-03-10", |o| o.remove_originals(true));
    assert!(r.ok(), "{r:#?}");
    assert_eq!(r.removed.files, 2);
    assert!(!s.root.join("2024-03/IMG_0001.JPG").exists());
    assert!(!s.root.join("2024-03/IMG_0001.xmp").exists());
}

#[test]
fn a_sidecar_shared_with_a_file_left_out_is_copied_but_not_removed() {
    let s = setup("out");
    // A raw file of another day with the name of an exported JPEG claims the same NAME.xmp.
    let raw = s.root.join("2024-03/IMG_0001.DNG");
    common::write(
        &raw,
        &common::jpeg("2024:03:12 10:00:00", Some("+01:00"), "raw of another day"),
    );
    scan(&s.db, &s.root, false);
    let r = run(&s, "2024-03-10", "2024-03-10", |o| o.remove_originals(true));
    let xmp = r
        .files
        .iter()
        .find(|f| f.source.ends_with("IMG_0001.xmp"))
        .unwrap();
    assert_eq!(xmp.action, Action::Copied);
    assert_eq!(xmp.removal, Removal::Kept, "{xmp:#?}");
    assert!(s.root.join("2024-03/IMG_0001.xmp").exists());
    assert!(!s.root.join("2024-03/IMG_0001.JPG").exists());
    assert!(raw.exists());
}

#[test]
fn dry_run_writes_nothing_and_shows_exactly_what_would_be_removed() {
    let s = setup("out");
    let before = files(&s.root);
    let r = run(&s, "2024-03-10", "2024-03-11", |o| {
        o.remove_originals(true).dry_run(true)
    });
    assert!(r.dry_run);
    assert!(!s.dest.exists(), "a dry run created the destination");
    assert_eq!(files(&s.root), before, "a dry run changed the sources");
    assert_eq!(r.copied.files, 5);
    let would: BTreeSet<String> = r
        .files
        .iter()
        .filter(|f| f.removal == Removal::WouldRemove)
        .map(|f| {
            f.source
                .strip_prefix(&s.root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(would, set(IN_RANGE));
    assert!(r.files.iter().all(|f| f.action == Action::WouldCopy));

    // With a conflict at the destination, the dry run says which item stays.
    let there = s.dest.join("2024-03/IMG_0002.MOV");
    fs::create_dir_all(there.parent().unwrap()).unwrap();
    fs::write(&there, b"other").unwrap();
    let dest_before = files(&s.dest);
    let r = run(&s, "2024-03-10", "2024-03-11", |o| {
        o.remove_originals(true).dry_run(true)
    });
    assert_eq!(files(&s.dest), dest_before);
    let would: BTreeSet<String> = r
        .files
        .iter()
        .filter(|f| f.removal == Removal::WouldRemove)
        .map(|f| {
            f.source
                .strip_prefix(&s.root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        would,
        set(&["2024-03/IMG_0001.JPG", "2024-03/IMG_0001.xmp"])
    );
    assert_eq!(r.conflicts, 1);
}

#[test]
fn date_layout_and_name_clashes() {
    let s = setup("out");
    // Another IMG_0001.JPG of the same day in another folder: both go to 2024/03/10/.
    common::write(
        &s.root.join("other/IMG_0001.JPG"),
        &common::jpeg(
            "2024:03:10 18:00:00",
            Some("+01:00"),
            "same name, other photo",
        ),
    );
    scan(&s.db, &s.root, false);
    let r = run(&s, "2024-03-10", "2024-03-11", |o| o.layout(Layout::Date));
    assert_eq!(
        rels(&s.dest),
        set(&[
            "2024/03/10/IMG_0001.JPG",
            "2024/03/10/IMG_0001.xmp",
            "2024/03/11/IMG_0002.AAE",
            "2024/03/11/IMG_0002.JPG",
            "2024/03/11/IMG_0002.MOV",
        ])
    );
    assert_eq!(r.conflicts, 1, "{r:#?}");
    let clash = r
        .files
        .iter()
        .find(|f| f.action == Action::Conflict)
        .unwrap();
    assert!(clash.source.ends_with("other/IMG_0001.JPG"), "{clash:#?}");
    // The first one (earliest) is the one copied.
    assert_eq!(
        fs::read(s.dest.join("2024/03/10/IMG_0001.JPG")).unwrap(),
        fs::read(s.root.join("2024-03/IMG_0001.JPG")).unwrap()
    );
}

#[test]
fn the_library_root_is_refused_as_destination() {
    let s = setup("out");
    let index = Index::open(&s.db).unwrap();
    let opts = ExportOptions::new(
        TimeRange::parse("2024-03-10", "2024-03-11").unwrap(),
        &s.root,
    )
    .remove_originals(true);
    let e = export::plan(&index, &opts).unwrap_err();
    assert!(matches!(e, albumen_backup::Error::DestIsRoot { .. }), "{e}");
}

#[test]
fn a_vanished_source_fails_and_nothing_of_its_item_is_removed() {
    let s = setup("out");
    fs::remove_file(s.root.join("2024-03/IMG_0002.MOV")).unwrap();
    let r = run(&s, "2024-03-11", "2024-03-11", |o| o.remove_originals(true));
    assert_eq!(r.failed, 1, "{r:#?}");
    assert_eq!(r.removed.files, 0);
    assert!(s.root.join("2024-03/IMG_0002.JPG").exists());
    assert!(s.root.join("2024-03/IMG_0002.AAE").exists());
    // No temporary file is left behind.
    assert!(files(&s.dest)
        .keys()
        .all(|p| !p.to_string_lossy().contains(".tmp")));
}

/// Copying reads the sources without updating their access times (like the scan).
#[test]
#[cfg(target_os = "linux")]
fn export_does_not_touch_the_sources_access_times() {
    use std::time::{Duration, SystemTime};
    let s = setup("out");
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(999_000_000);
    let sources: Vec<PathBuf> = files(&s.root).into_keys().map(|k| s.root.join(k)).collect();
    for p in &sources {
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
        sources
            .iter()
            .map(|p| fs::metadata(p).unwrap().accessed().unwrap())
            .collect()
    };
    let before = atimes();
    let r = run(&s, "2024-03-10", "2024-03-11", |o| o);
    assert_eq!(r.copied.files, 5);
    // And a rerun, which hashes sources and destinations to compare them.
    let r = run(&s, "2024-03-10", "2024-03-11", |o| o);
    assert_eq!(r.skipped.files, 5);
    assert_eq!(atimes(), before, "export updated access times");
}

/// Regression: a rescan after a Live Photo's files were removed (here by an archive; by hand or
/// with its whole folder as well) failed with "FOREIGN KEY constraint failed", because the
/// `pairs` row still pointed at the deleted `files` rows.
#[test]
fn a_rescan_after_archiving_a_live_photo_drops_it_from_the_index() {
    use albumen_scan::ScanOptions;
    let s = setup("out");
    let pair = files(&s.root);
    let r = run(&s, "2024-03-11", "2024-03-11", |o| o.remove_originals(true));
    assert_eq!(r.removed.files, 3, "{r:#?}");
    let mut index = Index::open(&s.db).unwrap();
    let mut rescan = || {
        index
            .scan(
                "lib",
                std::slice::from_ref(&s.root),
                &ScanOptions::new(),
                &NoProgress,
            )
            .unwrap()
    };
    let rep = rescan();
    assert_eq!(rep.deleted, 2, "{rep:?}");
    assert_eq!(rep.summary.pairs, 0);

    // The same pair in a folder of its own, then the whole folder removed.
    for name in ["IMG_0002.JPG", "IMG_0002.MOV"] {
        let (bytes, _, _) = &pair[Path::new("2024-03").join(name).as_path()];
        common::write(&s.root.join("again").join(name), bytes);
    }
    assert_eq!(rescan().summary.pairs, 1);
    fs::remove_dir_all(s.root.join("again")).unwrap();
    let rep = rescan();
    assert_eq!((rep.deleted, rep.summary.pairs), (2, 0), "{rep:?}");
    assert_eq!(rep.summary.files, 4);
}

/// Adds a `pairs` row as albumen-live writes for an edited copy (`IMG_E2929.HEIC` shares
/// `IMG_2929.MOV` with `IMG_2929.HEIC`): `still` is paired with IMG_0002.MOV too.
fn pair_with_the_video(s: &Setup, still: &str) {
    let index = Index::open(&s.db).unwrap();
    let n = index
        .raw()
        .execute(
            "INSERT INTO pairs (library_id, still_file_id, video_file_id, method, confidence, evidence) \
             SELECT s.library_id, s.id, v.id, 'apple-live', 1.0, 'test' FROM files s, files v \
             WHERE s.path_text LIKE '%/' || ?1 AND v.path_text LIKE '%/IMG_0002.MOV'",
            [still],
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_live_video_shared_with_a_still_left_out_is_copied_but_not_removed() {
    let s = setup("out");
    pair_with_the_video(&s, "IMG_0003.JPG"); // 2024-03-12: outside the range
    let r = run(&s, "2024-03-11", "2024-03-11", |o| o.remove_originals(true));
    let video = r
        .files
        .iter()
        .find(|f| f.source.ends_with("IMG_0002.MOV"))
        .unwrap();
    assert_eq!(video.action, Action::Copied);
    assert_eq!(video.removal, Removal::Kept, "{video:#?}");
    assert!(s.root.join("2024-03/IMG_0002.MOV").exists());
    assert!(!s.root.join("2024-03/IMG_0002.JPG").exists());
}

#[test]
fn items_sharing_a_live_video_are_removed_together_or_not_at_all() {
    let s = setup("out");
    // IMG_0001.JPG (2024-03-10, in the range too) shares the video. Without the AAE (which
    // both IMG_0002 files claim) only the video joins the two items.
    pair_with_the_video(&s, "IMG_0001.JPG");
    fs::remove_file(s.root.join("2024-03/IMG_0002.AAE")).unwrap();
    let there = s.dest.join("2024-03/IMG_0001.xmp");
    fs::create_dir_all(there.parent().unwrap()).unwrap();
    fs::write(&there, b"other").unwrap();
    let r = run(&s, "2024-03-10", "2024-03-11", |o| o.remove_originals(true));
    assert_eq!(r.conflicts, 1, "{r:#?}");
    // One unit of two items: the video is listed once, and nothing of either item goes.
    assert_eq!(
        r.files
            .iter()
            .filter(|f| f.source.ends_with("IMG_0002.MOV"))
            .count(),
        1
    );
    assert_eq!(r.removed.files, 0, "{r:#?}");
    assert_eq!(r.kept, 4);
    fs::remove_file(&there).unwrap();
    let r = run(&s, "2024-03-10", "2024-03-11", |o| o.remove_originals(true));
    assert_eq!((r.removed.files, r.items_complete), (4, 2), "{r:#?}");
}

#[test]
fn a_cancelled_export_leaves_items_not_started_alone() {
    let s = setup("out");
    let before = files(&s.root);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let r = run(&s, "2024-03-10", "2024-03-11", |o| {
        o.remove_originals(true).cancel(stop.clone())
    });
    assert!(r.interrupted);
    assert_eq!(r.copied.files, 0);
    assert_eq!(r.removed.files, 0);
    assert!(r.files.iter().all(|f| f.action == Action::Failed
        && f.detail.as_deref() == Some("not copied: the export was interrupted")));
    assert_eq!(
        files(&s.root),
        before,
        "a cancelled archive removed sources"
    );
    assert!(!s.dest.exists() || files(&s.dest).is_empty());
    // Not cancelled: the same export completes and says so.
    stop.store(false, std::sync::atomic::Ordering::Relaxed);
    let r = run(&s, "2024-03-10", "2024-03-11", |o| o.cancel(stop.clone()));
    assert!(!r.interrupted);
    assert_eq!(r.copied.files, 5);
}

/// A stack's other members go with its face under their own role, not as Live Photo videos.
#[test]
fn stack_members_are_planned_as_stack_members() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("lib");
    let p = root.join("p");
    common::write(
        &p.join("A.jpg"),
        &common::jpeg("2023:07:04 12:15:00", None, "orig"),
    );
    common::write(
        &p.join("A-edited.jpg"),
        &common::jpeg("2023:07:04 12:15:00", None, "edit"),
    );
    let db = dir.path().join("index.db");
    scan(&db, &root, false);
    let index = Index::open(&db).unwrap();
    let opts = ExportOptions::new(
        TimeRange::parse("2023-07-04", "2023-07-04").unwrap(),
        dir.path().join("out"),
    )
    .dry_run(true);
    let r = export::export(&index, &opts, &NoProgress).unwrap();
    let mut roles: Vec<(String, export::Role)> = r
        .files
        .iter()
        .map(|f| {
            (
                f.source.file_name().unwrap().to_string_lossy().into_owned(),
                f.role,
            )
        })
        .collect();
    roles.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        roles,
        [
            ("A-edited.jpg".to_string(), export::Role::Item),
            ("A.jpg".to_string(), export::Role::StackMember),
        ]
    );
}
