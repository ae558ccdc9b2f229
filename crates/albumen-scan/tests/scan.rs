//! Scan behaviour on generated trees: read-only, incremental, robust.

// Test helpers (outside `#[test]` functions, where clippy.toml already allows it) unwrap too.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

#[path = "../../albumen-index/tests/common/raw.rs"]
mod raw;
use raw::Raw;

use albumen_index::{Index, NoProgress, Progress, ScanReport};
use albumen_scan::{Scan, ScanOptions};

/// A tiny but well-formed JPEG (SOI, APP0/JFIF, EOI).
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9";

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    p.is_dir().then_some(p)
}

fn write(p: &Path, bytes: &[u8]) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

/// A small library: some photos in nested folders, plus things the scan must skip.
fn tree(root: &Path) {
    write(&root.join("2020/IMG_0001.JPG"), JPEG);
    write(&root.join("2020/IMG_0002.jpg"), &[JPEG, b"x"].concat());
    write(&root.join("2021/trip/DSC_1.jpeg"), JPEG);
    write(
        &root.join("2021/trip/clip.MOV"),
        b"\0\0\0\x14ftypqt  \0\0\0\0qt  ",
    );
    write(&root.join("2021/notes.txt"), b"not media");
    write(&root.join(".DS_Store"), b"junk");
    write(
        &root.join("2020/@eaDir/IMG_0001.JPG/SYNOPHOTO_THUMB_XL.jpg"),
        JPEG,
    );
    write(&root.join("#recycle/old.jpg"), JPEG);
    write(&root.join(".hidden/secret.jpg"), JPEG);
    write(&root.join(".thumbnails/normal/x.png"), JPEG);
}

fn scan(db: &Path, root: &Path, opts: &ScanOptions) -> ScanReport {
    let mut index = Index::open(db).unwrap();
    index
        .scan("lib", &[root.to_path_buf()], opts, &NoProgress)
        .unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    let index = Index::open(db).unwrap();
    index.raw().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Mode, size, mtime (s, ns), ctime (s, ns), content.
type Observed = (u32, u64, i64, i64, i64, i64, Vec<u8>);

/// Everything observable about a tree: each entry's type, size, permissions, mtime, ctime and
/// content.
fn fingerprint(root: &Path) -> BTreeMap<PathBuf, Observed> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = fs::symlink_metadata(&p).unwrap();
        let content = if m.is_file() {
            fs::read(&p).unwrap()
        } else {
            Vec::new()
        };
        out.insert(
            p.clone(),
            (
                m.mode(),
                m.size(),
                m.mtime(),
                m.mtime_nsec(),
                m.ctime(),
                m.ctime_nsec(),
                content,
            ),
        );
        if m.is_dir() {
            for e in fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
    }
    out
}

#[test]
fn the_scan_never_changes_the_photo_tree_even_read_only() {
    let photos = tempfile::tempdir().unwrap();
    let root = photos.path().join("photos");
    tree(&root);
    if let Some(c) = corpus() {
        // Real files too, so the metadata reader really runs on them.
        for (i, rel) in [
            "crafted/live/iphone/2020-05/IMG_2929.HEIC",
            "crafted/live/iphone/2020-05/IMG_2929.MOV",
        ]
        .iter()
        .enumerate()
        {
            if let Ok(b) = fs::read(c.join(rel)) {
                write(
                    &root.join(format!(
                        "real/{i}-{}",
                        Path::new(rel).file_name().unwrap().to_string_lossy()
                    )),
                    &b,
                );
            }
        }
    } else {
        eprintln!("corpus not found (set ALBUMEN_CORPUS): read-only test on generated files only");
    }
    let dbdir = tempfile::tempdir().unwrap();
    let db = dbdir.path().join("index.db");
    let before = fingerprint(&root);
    let opts = ScanOptions::new().hash(true);
    let first = scan(&db, &root, &opts);
    assert!(first.new >= 4, "{first:?}");
    scan(&db, &root, &opts);
    assert_eq!(before, fingerprint(&root), "the scan changed the tree");

    // A read-only tree scans the same, into a new database.
    for (p, _) in before.iter().rev() {
        let m = fs::symlink_metadata(p).unwrap();
        let mode = if m.is_dir() { 0o555 } else { 0o444 };
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    }
    let ro_before = fingerprint(&root);
    let db2 = dbdir.path().join("index2.db");
    let r = scan(&db2, &root, &opts);
    assert_eq!(r.seen, first.seen);
    assert_eq!(
        ro_before,
        fingerprint(&root),
        "the scan changed the read-only tree"
    );
    for (p, _) in before.iter() {
        let m = fs::symlink_metadata(p).unwrap();
        let mode = if m.is_dir() { 0o755 } else { 0o644 };
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    }
}

#[test]
fn skip_list_hidden_entries_and_extensions() {
    let photos = tempfile::tempdir().unwrap();
    tree(photos.path());
    let dbdir = tempfile::tempdir().unwrap();
    let db = dbdir.path().join("i.db");
    let r = scan(&db, photos.path(), &ScanOptions::new());
    assert_eq!(r.seen, 4, "{r:?}");
    let n = count(
        &db,
        "SELECT count(*) FROM files WHERE path_text LIKE '%eaDir%' OR path_text LIKE '%recycle%' \
         OR path_text LIKE '%.hidden%' OR path_text LIKE '%thumbnails%' OR path_text LIKE '%.txt'",
    );
    assert_eq!(n, 0);
    // Hidden folders can be included; the skip list still applies.
    let db2 = dbdir.path().join("i2.db");
    let r = scan(
        &db2,
        photos.path(),
        &ScanOptions::new().include_hidden(true),
    );
    assert_eq!(r.seen, 5, "{r:?}");
}

#[test]
fn rescan_reads_nothing_and_detects_new_changed_deleted_moved() {
    let photos = tempfile::tempdir().unwrap();
    let root = photos.path();
    tree(root);
    let dbdir = tempfile::tempdir().unwrap();
    let db = dbdir.path().join("i.db");
    let opts = ScanOptions::new();
    let first = scan(&db, root, &opts);
    assert_eq!((first.seen, first.new, first.read), (4, 4, 4), "{first:?}");

    let again = scan(&db, root, &opts);
    assert_eq!(
        (
            again.seen,
            again.unchanged,
            again.read,
            again.new,
            again.changed,
            again.deleted
        ),
        (4, 4, 0, 0, 0, 0),
        "{again:?}"
    );

    // Same size, only the mtime moved: changed (the folder's fingerprint no longer matches).
    let clip = root.join("2021/trip/clip.MOV");
    let f = fs::File::options().write(true).open(&clip).unwrap();
    f.set_modified(
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000),
    )
    .unwrap();
    drop(f);
    let r = scan(&db, root, &opts);
    assert_eq!((r.changed, r.read, r.unchanged), (1, 1, 3), "{r:?}");
    let r = scan(&db, root, &opts);
    assert_eq!((r.changed, r.read, r.unchanged), (0, 0, 4), "{r:?}");

    // new, changed (size), deleted, moved to another folder.
    write(&root.join("2022/new.jpg"), JPEG);
    write(
        &root.join("2020/IMG_0002.jpg"),
        &[JPEG, b"longer now"].concat(),
    );
    fs::remove_file(root.join("2021/trip/DSC_1.jpeg")).unwrap();
    fs::create_dir_all(root.join("moved")).unwrap();
    fs::rename(
        root.join("2020/IMG_0001.JPG"),
        root.join("moved/renamed.jpg"),
    )
    .unwrap();
    let r = scan(&db, root, &opts);
    assert_eq!(
        (r.new, r.changed, r.deleted, r.moved, r.unchanged),
        (1, 1, 1, 1, 1),
        "{r:?}"
    );
    assert_eq!(
        r.read, 3,
        "only new, changed and moved files are read: {r:?}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM files"), 4);
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM changes WHERE run_id = {} AND kind = 'moved' AND old_path_text LIKE '%IMG_0001.JPG'", r.run_id)),
        1
    );
    // A whole folder removed.
    fs::remove_dir_all(root.join("2021")).unwrap();
    let r = scan(&db, root, &opts);
    assert_eq!(r.deleted, 1, "{r:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM files"), 3);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM files WHERE path_text LIKE '%2021%'"
        ),
        0
    );
}

#[test]
fn hard_links_are_read_once() {
    let photos = tempfile::tempdir().unwrap();
    let root = photos.path();
    write(&root.join("a/one.jpg"), JPEG);
    fs::create_dir_all(root.join("b")).unwrap();
    fs::hard_link(root.join("a/one.jpg"), root.join("b/one.jpg")).unwrap();
    fs::hard_link(root.join("a/one.jpg"), root.join("b/two.jpg")).unwrap();
    let dbdir = tempfile::tempdir().unwrap();
    let r = scan(&dbdir.path().join("i.db"), root, &ScanOptions::new());
    assert_eq!((r.seen, r.read, r.hard_link_reuse), (3, 1, 2), "{r:?}");
}

#[test]
fn hashes_find_exact_duplicates_and_are_added_later() {
    let photos = tempfile::tempdir().unwrap();
    let root = photos.path();
    write(&root.join("a.jpg"), JPEG);
    write(&root.join("copy/a copy.jpg"), JPEG);
    write(&root.join("b.jpg"), &[JPEG, b"other"].concat());
    let dbdir = tempfile::tempdir().unwrap();
    let db = dbdir.path().join("i.db");
    let r = scan(&db, root, &ScanOptions::new());
    assert_eq!(r.hashed, 0);
    // Asking for hashes later hashes the files indexed without one, and reads nothing else.
    let r = scan(&db, root, &ScanOptions::new().hash(true));
    assert_eq!((r.hashed, r.read, r.unchanged), (3, 0, 3), "{r:?}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM (SELECT hash FROM files GROUP BY hash HAVING count(*) = 2)"
        ),
        1
    );
    let expected = blake3::hash(JPEG);
    let index = Index::open(&db).unwrap();
    let h: Vec<u8> = index
        .raw()
        .query_row(
            "SELECT hash FROM files WHERE path_text LIKE '%/a.jpg'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(h, expected.as_bytes());
}

#[test]
fn non_utf8_names_round_trip() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let photos = tempfile::tempdir().unwrap();
    let name = OsStr::from_bytes(b"caf\xe9 \xff.jpg");
    let dir = OsStr::from_bytes(b"f\xf6lder");
    let p = photos.path().join(dir).join(name);
    write(&p, JPEG);
    let dbdir = tempfile::tempdir().unwrap();
    let db = dbdir.path().join("i.db");
    let r = scan(&db, photos.path(), &ScanOptions::new());
    assert_eq!(r.new, 1, "{r:?}");
    let index = Index::open(&db).unwrap();
    let (bytes, text): (Vec<u8>, String) = index
        .raw()
        .query_row("SELECT path, path_text FROM files", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let canonical = fs::canonicalize(&p).unwrap();
    assert_eq!(bytes, canonical.as_os_str().as_bytes());
    assert!(text.contains('\u{fffd}'));
    drop(index);
    // And a rescan recognises it as unchanged.
    let r = scan(&db, photos.path(), &ScanOptions::new());
    assert_eq!((r.unchanged, r.read), (1, 0), "{r:?}");
}

#[test]
fn symlinks_are_not_followed_by_default_and_loops_end() {
    let photos = tempfile::tempdir().unwrap();
    let root = photos.path();
    write(&root.join("a/x.jpg"), JPEG);
    std::os::unix::fs::symlink(root.join("a"), root.join("a/loop")).unwrap();
    std::os::unix::fs::symlink(root, root.join("a/up")).unwrap();
    std::os::unix::fs::symlink(root.join("a/x.jpg"), root.join("link.jpg")).unwrap();
    std::os::unix::fs::symlink(root.join("missing.jpg"), root.join("broken.jpg")).unwrap();
    let dbdir = tempfile::tempdir().unwrap();
    let r = scan(&dbdir.path().join("i.db"), root, &ScanOptions::new());
    assert_eq!(r.seen, 1, "{r:?}");
    let r = scan(
        &dbdir.path().join("j.db"),
        root,
        &ScanOptions::new().follow_symlinks(true),
    );
    // x.jpg and link.jpg; the loops are entered once at most and reported.
    assert_eq!(r.seen, 2, "{r:?}");
    assert!(
        r.errors.get("symlink-loop").copied().unwrap_or(0) >= 1,
        "{r:?}"
    );
    assert_eq!(r.errors.get("broken-symlink"), Some(&1), "{r:?}");
}

/// Runs as an unprivileged user when this process is root (root ignores permissions).
#[test]
fn permission_denied_folder_is_reported_and_its_rows_kept() {
    let photos = tempfile::tempdir().unwrap();
    let root = photos.path().to_path_buf();
    write(&root.join("open/a.jpg"), JPEG);
    write(&root.join("closed/b.jpg"), JPEG);
    let dbdir = tempfile::tempdir().unwrap();
    let db = dbdir.path().join("i.db");
    // First scan with everything readable.
    let r = scan(&db, &root, &ScanOptions::new());
    assert_eq!(r.new, 2);
    for p in [photos.path(), dbdir.path()] {
        fs::set_permissions(p, fs::Permissions::from_mode(0o777)).unwrap();
    }
    for p in ["open", "open/a.jpg"] {
        let mode = if p.ends_with(".jpg") { 0o644 } else { 0o755 };
        fs::set_permissions(root.join(p), fs::Permissions::from_mode(mode)).unwrap();
    }
    for f in fs::read_dir(dbdir.path()).unwrap() {
        fs::set_permissions(f.unwrap().path(), fs::Permissions::from_mode(0o666)).unwrap();
    }
    fs::set_permissions(root.join("closed"), fs::Permissions::from_mode(0o000)).unwrap();

    let privileged = fs::read_dir(root.join("closed")).is_ok();
    let report: String = if privileged {
        // Re-run this very test binary as `nobody`, in child mode.
        use std::os::unix::process::CommandExt;
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_scan_as_unprivileged_user",
                "--nocapture",
                "--include-ignored",
            ])
            .env(
                "ALBUMEN_INDEX_CHILD",
                format!("{}\n{}", db.display(), root.display()),
            )
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    } else {
        format!("{:?}", scan(&db, &root, &ScanOptions::new()))
    };
    fs::set_permissions(root.join("closed"), fs::Permissions::from_mode(0o755)).unwrap();
    assert!(report.contains("\"permission-denied\": 1"), "{report}");
    assert!(report.contains("deleted: 0"), "{report}");
    // The unreadable folder's file is still indexed (not deleted because unseen).
    assert_eq!(count(&db, "SELECT count(*) FROM files"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM errors WHERE reason = 'permission-denied'"
        ),
        1
    );
}

/// The child half of the test above (does nothing unless started by it).
#[test]
#[ignore = "run by permission_denied_folder_is_reported_and_its_rows_kept"]
fn child_scan_as_unprivileged_user() {
    let Some(spec) = std::env::var_os("ALBUMEN_INDEX_CHILD") else {
        return;
    };
    let spec = spec.to_string_lossy().into_owned();
    let (db, root) = spec.split_once('\n').unwrap();
    let r = scan(Path::new(db), Path::new(root), &ScanOptions::new());
    println!("{r:?}");
}

/// Sets the cancel flag once `after` files are done.
struct CancelAfter {
    after: u64,
    done: AtomicU64,
    flag: Arc<AtomicBool>,
}

impl Progress for CancelAfter {
    fn done(&self, n: u64) {
        if self.done.fetch_add(n, Ordering::SeqCst) + n >= self.after {
            self.flag.store(true, Ordering::SeqCst);
        }
    }
}

#[test]
fn an_interrupted_scan_leaves_a_consistent_index_and_resumes() {
    let photos = tempfile::tempdir().unwrap();
    let root = photos.path();
    for d in 0..20 {
        for f in 0..10 {
            write(
                &root.join(format!("d{d:02}/f{f}.jpg")),
                &[JPEG, format!("{d}-{f}").as_bytes()].concat(),
            );
        }
    }
    let dbdir = tempfile::tempdir().unwrap();
    let db = dbdir.path().join("i.db");
    let flag = Arc::new(AtomicBool::new(false));
    let mut opts = ScanOptions::new().cancel(flag.clone());
    opts.batch = 7;
    let progress = CancelAfter {
        after: 30,
        done: AtomicU64::new(0),
        flag: flag.clone(),
    };
    let mut index = Index::open(&db).unwrap();
    let r = index
        .scan("lib", &[root.to_path_buf()], &opts, &progress)
        .unwrap();
    assert!(!r.complete, "{r:?}");
    assert!(r.new < 200, "{r:?}");
    let ok: String = index
        .raw()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let status: String = index
        .raw()
        .query_row(
            "SELECT status FROM scan_runs WHERE id = ?1",
            [r.run_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "interrupted");
    let committed = count(&db, "SELECT count(*) FROM files");
    assert_eq!(committed as u64, r.new);

    // Resume: what was committed is not read again.
    let r2 = index
        .scan(
            "lib",
            &[root.to_path_buf()],
            &ScanOptions::new(),
            &NoProgress,
        )
        .unwrap();
    assert!(r2.complete);
    assert_eq!(r2.unchanged, committed as u64, "{r2:?}");
    assert_eq!(r2.new + r2.unchanged, 200, "{r2:?}");
    assert_eq!(r2.read, r2.new);
    assert_eq!(count(&db, "SELECT count(*) FROM files"), 200);
}

#[test]
fn a_database_inside_the_scanned_folder_is_refused() {
    let photos = tempfile::tempdir().unwrap();
    write(&photos.path().join("a.jpg"), JPEG);
    let db = photos.path().join("sub/index.db");
    let mut index = Index::open(&db).unwrap();
    let e = index
        .scan(
            "lib",
            &[photos.path().to_path_buf()],
            &ScanOptions::new(),
            &NoProgress,
        )
        .unwrap_err();
    assert!(matches!(e, albumen_scan::Error::DbInsideRoot { .. }), "{e}");
    // Below a folder the walk skips (like ~/.local/share/albumen when scanning ~), it is fine.
    let db = photos.path().join(".local/share/albumen/index.db");
    let mut index = Index::open(&db).unwrap();
    let r = index
        .scan(
            "lib",
            &[photos.path().to_path_buf()],
            &ScanOptions::new(),
            &NoProgress,
        )
        .unwrap();
    assert_eq!(r.seen, 1);
}

#[test]
fn huge_folder_of_100k_files() {
    if std::env::var_os("ALBUMEN_SLOW_TESTS").is_none() {
        eprintln!("skipped: set ALBUMEN_SLOW_TESTS=1 for the 100k-file folder");
        return;
    }
    let photos = tempfile::tempdir().unwrap();
    let dir = photos.path().join("all");
    fs::create_dir_all(&dir).unwrap();
    for i in 0..100_000 {
        fs::write(dir.join(format!("IMG_{i:06}.JPG")), JPEG).unwrap();
    }
    let dbdir = tempfile::tempdir().unwrap();
    let db = dbdir.path().join("i.db");
    let r = scan(&db, photos.path(), &ScanOptions::new());
    assert_eq!(r.new, 100_000);
    let r = scan(&db, photos.path(), &ScanOptions::new());
    assert_eq!((r.unchanged, r.read), (100_000, 0));
}

#[test]
fn corpus_scan_pairs_live_photos() {
    let Some(c) = corpus() else {
        eprintln!("skipped: corpus not found (set ALBUMEN_CORPUS)");
        return;
    };
    let dbdir = tempfile::tempdir().unwrap();
    let db = dbdir.path().join("i.db");
    let r = scan(&db, &c, &ScanOptions::new());
    assert!(r.seen >= 200, "{r:?}");
    assert_eq!(r.seen, r.new);
    let n = count(
        &db,
        "SELECT count(*) FROM pairs p JOIN files s ON s.id = p.still_file_id \
         JOIN files v ON v.id = p.video_file_id \
         WHERE s.path_text LIKE '%crafted/live/iphone/2020-05/IMG_2929.HEIC' \
         AND v.path_text LIKE '%crafted/live/iphone/2020-05/IMG_2929.MOV'",
    );
    assert_eq!(n, 1, "IMG_2929 pair missing; pairs: {}", r.summary.pairs);
    assert_eq!(
        count(&db, "SELECT count(*) FROM items WHERE kind = 'live-photo'") as u64,
        count(&db, "SELECT count(DISTINCT still_file_id) FROM pairs") as u64
    );
}

/// The child half of `a_killed_scan_leaves_a_consistent_index_and_resumes`.
#[test]
#[ignore = "run by a_killed_scan_leaves_a_consistent_index_and_resumes"]
fn child_scan_to_be_killed() {
    let Some(spec) = std::env::var_os("ALBUMEN_INDEX_KILL_CHILD") else {
        return;
    };
    let spec = spec.to_string_lossy().into_owned();
    let (db, root) = spec.split_once('\n').unwrap();
    let mut opts = ScanOptions::new();
    opts.batch = 64;
    scan(Path::new(db), Path::new(root), &opts);
}

#[test]
fn a_killed_scan_leaves_a_consistent_index_and_resumes() {
    let photos = tempfile::tempdir().unwrap();
    let root = photos.path();
    let total = 20_000;
    for d in 0..200 {
        let dir = root.join(format!("d{d:03}"));
        fs::create_dir_all(&dir).unwrap();
        for f in 0..total / 200 {
            fs::write(dir.join(format!("f{f}.jpg")), format!("{JPEG:?}{d}-{f}")).unwrap();
        }
    }
    let dbdir = tempfile::tempdir().unwrap();
    let db = dbdir.path().join("i.db");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_scan_to_be_killed", "--include-ignored"])
        .env(
            "ALBUMEN_INDEX_KILL_CHILD",
            format!("{}\n{}", db.display(), root.display()),
        )
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL: no chance to clean up) as soon as some rows are committed.
    let start = std::time::Instant::now();
    loop {
        let rows = rusqlite_count(&db);
        if rows > 0 || start.elapsed().as_secs() > 60 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let mut index = Index::open(&db).unwrap();
    let ok: String = index
        .raw()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let committed = count(&db, "SELECT count(*) FROM files");
    let killed_mid_scan = committed < total;
    if !killed_mid_scan {
        eprintln!("the child finished before it was killed: only the resume is checked");
    }
    let r = index
        .scan(
            "lib",
            &[root.to_path_buf()],
            &ScanOptions::new(),
            &NoProgress,
        )
        .unwrap();
    assert_eq!(r.unchanged, committed as u64, "{r:?}");
    assert_eq!(r.new + r.unchanged, total as u64, "{r:?}");
    assert_eq!(r.read, r.new, "{r:?}");
    if killed_mid_scan {
        let st: String = index
            .raw()
            .query_row(
                "SELECT status FROM scan_runs ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(st, "interrupted");
    }
}

/// Rows in `files`, 0 while the database or the table does not exist yet.
fn rusqlite_count(db: &Path) -> i64 {
    use rusqlite::{Connection, OpenFlags};
    let Ok(c) = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    c.query_row("SELECT count(*) FROM files", [], |r| r.get(0))
        .unwrap_or(0)
}

/// Reading for the index does not update access times either: every file's atime is set far in
/// the past (so relatime would update it on any read), the tree is scanned with hashing, and the
/// atimes must be unchanged.
#[test]
#[cfg(target_os = "linux")]
fn the_scan_does_not_touch_access_times() {
    use std::time::{Duration, SystemTime};
    let photos = tempfile::tempdir().unwrap();
    let root = photos.path().join("photos");
    tree(&root);
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p);
            } else if m.is_file() {
                let f = fs::File::options().write(true).open(&p).unwrap();
                f.set_times(
                    fs::FileTimes::new()
                        .set_accessed(old)
                        .set_modified(m.modified().unwrap()),
                )
                .unwrap();
                files.push(p);
            }
        }
    }
    assert!(!files.is_empty());
    let atimes = |fs_: &[PathBuf]| -> Vec<SystemTime> {
        fs_.iter()
            .map(|p| fs::metadata(p).unwrap().accessed().unwrap())
            .collect()
    };
    let before = atimes(&files);
    let dbdir = tempfile::tempdir().unwrap();
    scan(
        &dbdir.path().join("index.db"),
        &root,
        &ScanOptions::new().hash(true),
    );
    assert_eq!(before, atimes(&files), "the scan updated access times");
}
