//! The trash and the features built beside it: a stack (an edited version beside its original,
//! each with an XMP sidecar) goes to the trash whole and comes back whole, under the same ids;
//! a scan run after a trash or a restore was killed half-way finishes the move first, so it
//! never takes the half-moved files for new ones.
//!
//! The photos are generated in code (tiny JPEGs with EXIF dates): no corpus needed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::Raw;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use albumen_index::{Index, NoProgress, TrashState};
use albumen_scan::{Scan, ScanOptions};
use common::{file_id, jpeg, write};

const XMP: &[u8] = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>";

/// A library with one edited stack (`A-edited.jpg` the face, `A.jpg` the member, a sidecar
/// each) and one plain photo. Returns the root.
fn library(dir: &Path) -> PathBuf {
    let root = dir.join("lib");
    let p = root.join("p");
    write(&p.join("A.jpg"), &jpeg("2023:07:04 12:15:00", None, "orig"));
    write(
        &p.join("A-edited.jpg"),
        &jpeg("2023:07:04 12:15:00", None, "edit"),
    );
    write(&p.join("A.jpg.xmp"), XMP);
    write(&p.join("A-edited.jpg.xmp"), XMP);
    write(
        &p.join("B.jpg"),
        &jpeg("2023:08:01 09:00:00", None, "other"),
    );
    root
}

fn scan(index: &mut Index, root: &Path) -> albumen_index::ScanReport {
    index
        .scan(
            "lib",
            &[root.to_path_buf()],
            &ScanOptions::new(),
            &NoProgress,
        )
        .unwrap()
}

/// Every file below `root` (relative path → bytes, mtime).
fn tree(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, i64)> {
    common::files(root)
        .into_iter()
        .map(|(p, (b, t, _))| (p, (b, t)))
        .collect()
}

/// The ids of the library's rows (parked rows excluded).
fn shown(index: &Index) -> Vec<i64> {
    let raw = index.raw();
    let mut st = raw
        .prepare("SELECT id FROM files WHERE library_id > 0 ORDER BY id")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<i64>, _>>()
        .unwrap()
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    trash: PathBuf,
    index: Index,
    face: i64,
    member: i64,
    before: BTreeMap<PathBuf, (Vec<u8>, i64)>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = library(dir.path());
    let mut index = Index::open(dir.path().join("index.db")).unwrap();
    scan(&mut index, &root);
    let face = file_id(&index, "A-edited.jpg");
    let member = file_id(&index, "A.jpg");
    let stack = index.stack_of(face).unwrap().expect("the edit stacks");
    assert_eq!(stack.face, face);
    assert_eq!(stack.kind, "edited");
    assert_eq!(index.stack_members(face).unwrap(), [member]);
    let before = tree(&root);
    Setup {
        trash: dir.path().join("index.trash"),
        root,
        index,
        face,
        member,
        before,
        _dir: dir,
    }
}

#[test]
fn a_stack_goes_to_the_trash_whole_and_comes_back_whole() {
    let s = setup();
    // A member alone is no item: it goes with its face or not at all.
    assert!(s.index.trash_item(s.member, None, &s.trash, 100).is_err());
    assert_eq!(tree(&s.root), s.before);

    let t = s.index.trash_item(s.face, None, &s.trash, 100).unwrap();
    let mut names: Vec<String> = t
        .files
        .iter()
        .map(|f| f.origin.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["A-edited.jpg", "A-edited.jpg.xmp", "A.jpg", "A.jpg.xmp"]
    );
    let left: Vec<PathBuf> = tree(&s.root).into_keys().collect();
    assert_eq!(
        left,
        [PathBuf::from("p/B.jpg")],
        "every member and sidecar left"
    );
    for f in &t.files {
        let rel = f.origin.strip_prefix(&s.root).unwrap();
        assert_eq!(fs::read(&f.stored).unwrap(), s.before[rel].0);
    }
    assert_eq!(shown(&s.index), [file_id(&s.index, "B.jpg")]);
    assert!(s.index.stack_of(s.face).unwrap().is_none());

    let back = s.index.restore_item(s.face).unwrap();
    assert_eq!(back.files.len(), 4);
    assert_eq!(tree(&s.root), s.before, "every file back, bytes and times");
    let stack = s.index.stack_of(s.face).unwrap().expect("stacked again");
    assert_eq!(stack.face, s.face);
    assert_eq!(
        s.index.stack_members(s.face).unwrap(),
        [s.member],
        "the same ids"
    );
    assert!(s.index.trash_list(None).unwrap().is_empty());
}

/// Sets the journal of `item` to `state`, as a run killed after writing it leaves it.
fn journal(index: &Index, item: i64, state: &str) {
    index
        .raw()
        .execute(
            "UPDATE trash SET state = ?2 WHERE item_id = ?1",
            rusqlite::params![item, state],
        )
        .unwrap();
}

#[test]
fn a_scan_finishes_a_killed_trash_before_it_walks() {
    let mut s = setup();
    let t = s.index.trash_item(s.face, None, &s.trash, 100).unwrap();
    // Killed between the link into the trash and the unlink of the origin: every file at both
    // places, the journal still `trashing`.
    journal(&s.index, s.face, "trashing");
    for f in &t.files {
        fs::hard_link(&f.stored, &f.origin).unwrap();
    }
    let r = scan(&mut s.index, &s.root);
    assert_eq!(r.trash_recovery.finished, [s.face]);
    assert!(r.trash_recovery.failed.is_empty());
    assert_eq!(r.new, 0, "half-moved files taken for new ones: {r:?}");
    let left: Vec<PathBuf> = tree(&s.root).into_keys().collect();
    assert_eq!(left, [PathBuf::from("p/B.jpg")]);
    assert_eq!(shown(&s.index), [file_id(&s.index, "B.jpg")]);
    let listed = s.index.trash_list(None).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, TrashState::Trashed);
}

#[test]
fn a_scan_finishes_a_killed_restore_before_it_walks() {
    let mut s = setup();
    let t = s.index.trash_item(s.face, None, &s.trash, 100).unwrap();
    // Killed while restoring: the member and its sidecar back, the face still in the trash.
    journal(&s.index, s.face, "restoring");
    for f in t.files.iter().filter(|f| {
        f.origin
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("A.jpg"))
    }) {
        fs::rename(&f.stored, &f.origin).unwrap();
    }
    let r = scan(&mut s.index, &s.root);
    assert_eq!(r.trash_recovery.finished, [s.face]);
    assert_eq!(r.new, 0, "restored files taken for new ones: {r:?}");
    assert_eq!(tree(&s.root), s.before);
    let mut ids = shown(&s.index);
    ids.sort();
    let mut want = vec![s.face, s.member, file_id(&s.index, "B.jpg")];
    want.sort();
    assert_eq!(ids, want, "the same ids came back");
    assert_eq!(
        s.index.stack_of(s.face).unwrap().map(|st| st.face),
        Some(s.face)
    );
    assert!(s.index.trash_list(None).unwrap().is_empty());
}
