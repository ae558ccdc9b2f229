//! When the system says no: a destination that fills up, a read-only destination, unreadable
//! files and folders in a scanned tree, the index on a read-only path, two scans of one index at
//! once and an edit during a scan. Each time: a clear error (or a clear wait), the originals
//! byte-identical, the index consistent (`PRAGMA integrity_check`, its rows matching the tree).
//!
//! The file-system cases mount small tmpfs file systems (root only): where `mount` is refused
//! they skip with a printed reason. We run as root in CI, and permissions do not stop root: the
//! unreadable-file cases run the scan as `nobody` through `setpriv`, and skip where it is absent.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::albumen;
use crate::fixtures::{files, jpeg, write};

/// A file system mounted for one test, unmounted when dropped (also when the test fails).
struct Mount(PathBuf);

impl Mount {
    /// A tmpfs of `size` (e.g. "1m") at `at`, or `None` (with the reason printed).
    fn tmpfs(at: &Path, size: &str) -> Option<Mount> {
        fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(at)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Mount(at.to_path_buf())),
            Ok(o) => {
                eprintln!(
                    "skipped: cannot mount a tmpfs here ({})",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("skipped: no mount command ({e})");
                None
            }
        }
    }

    /// `from` seen read-only at `at` (a read-only bind mount), or `None` with the reason.
    fn read_only_view(from: &Path, at: &Path) -> Option<Mount> {
        fs::create_dir_all(at).unwrap();
        let bind = Command::new("mount")
            .arg("--bind")
            .arg(from)
            .arg(at)
            .output()
            .ok()?;
        if !bind.status.success() {
            eprintln!(
                "skipped: cannot bind-mount here ({})",
                String::from_utf8_lossy(&bind.stderr).trim()
            );
            return None;
        }
        let m = Mount(at.to_path_buf());
        let ro = Command::new("mount")
            .args(["-o", "remount,bind,ro"])
            .arg(at)
            .output()
            .ok()?;
        if !ro.status.success() {
            eprintln!("skipped: cannot remount read-only here");
            return None;
        }
        Some(m)
    }

    fn remount_read_only(&self) -> bool {
        Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A library of `n` JPEGs of about `kb` KB each, in `n / 10` folders, dated 2024-03-10.
fn photos(root: &Path, n: usize, kb: usize) {
    for i in 0..n {
        let note: String = (0..kb * 1000)
            .map(|j| char::from(b'a' + ((i * 31 + j * 7) % 26) as u8))
            .collect();
        write(
            &root.join(format!("{:02}/IMG_{i:04}.JPG", i / 10)),
            &jpeg(
                &format!("2024:03:10 {:02}:{:02}:00", 8 + i % 10, i % 60),
                Some("+01:00"),
                &note[..note.len().min(60_000)],
            ),
        );
    }
}

fn scan(db: &Path, root: &Path) -> Output {
    albumen()
        .args(["scan", "-q", "--library", "lib", "--db"])
        .arg(db)
        .arg(root)
        .output()
        .unwrap()
}

fn export(db: &Path, dest: &Path) -> Output {
    albumen()
        .args([
            "export",
            "-q",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-31",
            "--db",
        ])
        .arg(db)
        .arg(dest)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What a run said, on either stream (export and sync list their failed files on stdout).
fn said(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `PRAGMA integrity_check` says ok, no scan is left `running`, and the library's rows are
/// exactly the media files below `root` (relative paths).
fn index_consistent(db: &Path, root: &Path) {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok", "integrity_check of {}", db.display());
    let running: i64 = c
        .query_row(
            "SELECT count(*) FROM scan_runs WHERE status = 'running'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(running, 0, "a scan is still marked running");
    let mut st = c.prepare("SELECT path_text FROM files").unwrap();
    let rows: Vec<PathBuf> = st
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|p| PathBuf::from(p.unwrap()))
        .collect();
    let mut in_index: Vec<PathBuf> = rows
        .iter()
        .map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf())
        .collect();
    in_index.sort();
    let on_disk: Vec<PathBuf> = files(root)
        .into_keys()
        .filter(|p| p.extension().is_some_and(|e| e == "JPG"))
        .collect();
    assert_eq!(in_index, on_disk, "the index rows do not match the tree");
}

/// Our temporary files (`.albumen-…`) below `dir`.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    files(dir)
        .into_keys()
        .filter(|p| {
            let s = p.to_string_lossy();
            s.contains(".albumen-") && !s.contains(".albumen-sync")
        })
        .collect()
}

#[test]
fn export_to_a_destination_that_fills_up_stops_with_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    photos(&root, 40, 60); // ~2.4 MB
    let db = d.path().join("index.db");
    assert!(scan(&db, &root).status.success());
    let before = files(&root);
    let dest = d.path().join("small");
    let Some(_m) = Mount::tmpfs(&dest, "1m") else {
        return;
    };
    let out = export(&db, &dest);
    assert!(!out.status.success(), "export into 1 MB succeeded: {out:?}");
    let err = said(&out);
    assert!(
        // The copy's own write or the sync journal's (SQLite words it its own way) may be
        // the first to find the disk full; either says so.
        err.contains("No space left on device") || err.contains("database or disk is full"),
        "the error does not say the disk is full: {err}"
    );
    assert_eq!(files(&root), before, "the originals changed");
    // What is at the destination is whole copies only, and no temporary file is left.
    for (rel, (bytes, _, _)) in files(&dest) {
        assert!(!rel.to_string_lossy().contains(".albumen-"), "left {rel:?}");
        let src = before
            .iter()
            .find(|(p, _)| p.file_name() == rel.file_name())
            .map(|(_, f)| &f.0);
        assert_eq!(src, Some(&bytes), "{rel:?} is not a whole copy");
    }
    index_consistent(&db, &root);
}

#[test]
fn sync_to_a_destination_that_fills_up_stops_with_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    photos(&root, 40, 60);
    let db = d.path().join("index.db");
    assert!(scan(&db, &root).status.success());
    let before = files(&root);
    let dest = d.path().join("small");
    let Some(_m) = Mount::tmpfs(&dest, "1m") else {
        return;
    };
    let out = albumen()
        .args([
            "sync",
            "-q",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-31",
            "--db",
        ])
        .arg(&db)
        .arg(&dest)
        .output()
        .unwrap();
    assert!(!out.status.success(), "sync into 1 MB succeeded: {out:?}");
    let err = said(&out);
    assert!(
        // The copy's own write or the sync journal's (SQLite words it its own way) may be
        // the first to find the disk full; either says so.
        err.contains("No space left on device") || err.contains("database or disk is full"),
        "the error does not say the disk is full: {err}"
    );
    assert_eq!(files(&root), before, "the originals changed");
    assert_eq!(leftovers(&dest), Vec::<PathBuf>::new());
    index_consistent(&db, &root);
}

#[test]
fn export_to_a_read_only_destination_says_so_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    photos(&root, 10, 10);
    let db = d.path().join("index.db");
    assert!(scan(&db, &root).status.success());
    let before = files(&root);
    let dest = d.path().join("ro");
    let Some(m) = Mount::tmpfs(&dest, "8m") else {
        return;
    };
    assert!(m.remount_read_only(), "remount ro failed");
    let out = export(&db, &dest);
    assert!(!out.status.success(), "{out:?}");
    let err = said(&out);
    assert!(
        err.contains("Read-only file system"),
        "the error does not say read-only: {err}"
    );
    assert!(files(&dest).is_empty());
    assert_eq!(files(&root), before);
    index_consistent(&db, &root);
}

#[test]
fn an_edit_on_a_full_disk_leaves_the_original_byte_identical() {
    let d = tempfile::tempdir().unwrap();
    let disk = d.path().join("disk");
    let Some(_m) = Mount::tmpfs(&disk, "1m") else {
        return;
    };
    let root = disk.join("photos");
    photos(&root, 3, 60); // three files of ~60 KB
                          // Fill the rest of the file system.
    let mut filler = fs::File::create(disk.join("filler")).unwrap();
    let chunk = vec![0u8; 4096];
    while std::io::Write::write_all(&mut filler, &chunk).is_ok() {}
    drop(filler);
    let before = files(&root);
    let targets: Vec<PathBuf> = before.keys().map(|p| root.join(p)).collect();
    for in_place in [false, true] {
        let mut c = albumen();
        c.args([
            "edit",
            "--title",
            "a title that needs room",
            "--rating",
            "3",
        ]);
        if in_place {
            c.arg("--in-place");
        }
        let out = c.args(&targets).output().unwrap();
        assert!(
            !out.status.success(),
            "edit on a full disk succeeded: {out:?}"
        );
        let err = stderr(&out);
        assert!(
            err.contains("No space left on device"),
            "the error does not say the disk is full: {err}"
        );
        assert_eq!(
            files(&root),
            before,
            "an original changed (in_place {in_place})"
        );
        assert_eq!(leftovers(&root), Vec::<PathBuf>::new());
    }
}

#[test]
fn a_scan_into_an_index_on_a_full_disk_fails_and_the_index_stays_usable() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    photos(&root, 30, 1);
    let disk = d.path().join("disk");
    let Some(_m) = Mount::tmpfs(&disk, "8m") else {
        return;
    };
    let db = disk.join("index.db");
    assert!(scan(&db, &root).status.success());
    index_consistent(&db, &root);
    // Many new files (their rows need more room than is left), then a full disk.
    photos(&root.join("more"), 3000, 0);
    let mut filler = fs::File::create(disk.join("filler")).unwrap();
    let chunk = vec![0u8; 4096];
    while std::io::Write::write_all(&mut filler, &chunk).is_ok() {}
    drop(filler);
    let out = scan(&db, &root);
    assert!(!out.status.success(), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("full") || err.contains("No space left"),
        "the error does not say the disk is full: {err}"
    );
    // Room again: the index is whole, and the next scan finishes the job.
    fs::remove_file(disk.join("filler")).unwrap();
    let c = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    drop(c);
    let out = scan(&db, &root);
    assert!(out.status.success(), "{out:?}");
    index_consistent(&db, &root);
}

#[test]
fn an_index_on_a_read_only_path_is_read_but_not_written() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    photos(&root, 10, 1);
    let home = d.path().join("idx");
    let db = home.join("index.db");
    assert!(scan(&db, &root).status.success());
    let db_before = fs::read(&db).unwrap();
    let view = d.path().join("ro-idx");
    let Some(_m) = Mount::read_only_view(&home, &view) else {
        return;
    };
    let ro_db = view.join("index.db");
    // Adding a file and scanning into the read-only index: a clear refusal.
    photos(&root.join("new"), 1, 1);
    let out = scan(&ro_db, &root);
    assert!(!out.status.success(), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("read-only") || err.contains("Read-only"),
        "the error does not say read-only: {err}"
    );
    // Reading it still works (an export plan is answered from the index alone).
    let out = albumen()
        .args([
            "export",
            "--dry-run",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-31",
            "--db",
        ])
        .arg(&ro_db)
        .arg(d.path().join("nowhere"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "export --dry-run from a read-only index: {}",
        stderr(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("would copy"),
        "{out:?}"
    );
    assert_eq!(fs::read(&db).unwrap(), db_before, "the index changed");
}

/// Runs the binary as `nobody` (permissions do not stop root), or `None` with the reason.
fn as_nobody(args: &[&std::ffi::OsStr]) -> Option<Output> {
    let probe = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("skipped: cannot drop privileges with setpriv here (needs root and setpriv)");
        return None;
    }
    Some(
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_albumen"))
            .args(args)
            .output()
            .unwrap(),
    )
}

#[test]
fn unreadable_files_and_folders_are_reported_and_their_rows_kept() {
    let d = tempfile::tempdir().unwrap();
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let root = d.path().join("photos");
    photos(&root, 30, 1);
    let idx = d.path().join("idx");
    fs::create_dir_all(&idx).unwrap();
    fs::set_permissions(&idx, fs::Permissions::from_mode(0o777)).unwrap();
    let db = idx.join("index.db");
    let scan_as_nobody = || {
        as_nobody(&[
            "scan".as_ref(),
            "--library".as_ref(),
            "lib".as_ref(),
            "--db".as_ref(),
            db.as_os_str(),
            root.as_os_str(),
        ])
    };
    let Some(first) = scan_as_nobody() else {
        return;
    };
    assert!(first.status.success(), "{first:?}");
    index_consistent(&db, &root);
    let before = files(&root);
    // A folder that cannot be listed and a file that cannot be read.
    let locked_dir = root.join("01");
    let locked_file = root.join("02/IMG_0025.JPG");
    fs::set_permissions(&locked_dir, fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(&locked_file, fs::Permissions::from_mode(0o000)).unwrap();
    // A new file beside them, so the rescan has something to read.
    write(
        &root.join("02/IMG_9999.JPG"),
        &jpeg("2024:03:11 09:00:00", None, "new"),
    );
    let out = scan_as_nobody().unwrap();
    fs::set_permissions(&locked_dir, fs::Permissions::from_mode(0o755)).unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        said.contains("permission") || said.contains("Permission"),
        "the scan does not say what it could not read: {said}"
    );
    // The rows of what could not be read are kept: unreadable is not deleted.
    index_consistent(&db, &root);
    // The unreadable file's content read as nothing: its row says why.
    let c = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM files", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 31);
    fs::set_permissions(&locked_file, fs::Permissions::from_mode(0o644)).unwrap();
    let mut after = files(&root);
    after.remove(Path::new("02/IMG_9999.JPG"));
    let strip_mode = |m: BTreeMap<PathBuf, (Vec<u8>, i64, u32)>| {
        m.into_iter()
            .map(|(p, (b, t, _))| (p, (b, t)))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(strip_mode(after), strip_mode(before), "the tree changed");
}

#[test]
fn two_scans_of_one_index_at_once_do_not_mix() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    photos(&root, 3000, 0);
    let db = d.path().join("index.db");
    let spawn = || {
        albumen()
            .args(["scan", "--library", "lib", "--db"])
            .arg(&db)
            .arg(&root)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn();
    std::thread::sleep(Duration::from_millis(30));
    let b = spawn();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "the first scan failed: {}", stderr(&a));
    // The second waited and then had nothing left to do, or said why it could not run.
    eprintln!(
        "two scans: the second {}",
        if b.status.success() {
            "ran after the first".to_string()
        } else {
            format!("refused: {}", stderr(&b).trim())
        }
    );
    assert!(
        b.status.success() || stderr(&b).contains("another albumen scan"),
        "the second scan: {b:?}"
    );
    index_consistent(&db, &root);
}

#[test]
fn an_edit_during_a_scan_is_seen_by_the_next_scan() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    photos(&root, 3000, 0);
    let db = d.path().join("index.db");
    let victim = root.join("17/IMG_0170.JPG");
    let original = fs::read(&victim).unwrap();
    let scan_child = albumen()
        .args(["scan", "-q", "--library", "lib", "--db"])
        .arg(&db)
        .arg(&root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let edit = albumen()
        .args(["edit", "--rating", "5"])
        .arg(&victim)
        .output()
        .unwrap();
    let s = scan_child.wait_with_output().unwrap();
    assert!(
        edit.status.success(),
        "edit during a scan: {}",
        stderr(&edit)
    );
    assert!(s.status.success(), "scan during an edit: {}", stderr(&s));
    let edited = fs::read(&victim).unwrap();
    assert_ne!(edited, original, "the edit wrote nothing");
    index_consistent(&db, &root);
    // The next scan brings the row up to date with the edited file.
    assert!(scan(&db, &root).status.success());
    let c = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let size: i64 = c
        .query_row(
            "SELECT size FROM files WHERE path_text = ?1",
            [victim.to_string_lossy()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(size, i64::try_from(edited.len()).unwrap());
    let out = albumen()
        .args(["info", "--json"])
        .arg(&victim)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"rating\": 5")
            || String::from_utf8_lossy(&out.stdout).contains("\"rating\":5")
    );
}
