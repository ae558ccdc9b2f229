//! `albumen db backup` and `albumen db restore`: the copy keeps users and grants and is the
//! original to every command (a rescan reads nothing); an existing file is not overwritten; a
//! restore refuses an index another process has open, and replaces it in one step otherwise.

// Test helpers (outside `#[test]` functions, where clippy.toml already allows it) unwrap too.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use crate::albumen;
use crate::fixtures::library;

fn ok(args: &[&str], db: &Path, stdin: Option<&str>) -> String {
    use std::io::Write;
    let mut c = albumen();
    c.args(args).arg("--db").arg(db);
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn backup_keeps_users_and_grants_and_restore_replaces_the_index() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    library(&root);
    let db = d.path().join("index.db");
    let root_s = root.to_string_lossy().into_owned();
    ok(&["scan", "-q", "--library", "family", &root_s], &db, None);
    ok(
        &["user", "add", "anna"],
        &db,
        Some("correct horse battery\n"),
    );
    ok(&["user", "grant", "anna", "family"], &db, None);

    // While the index is open (here, by this process), the copy is consistent.
    let held = albumen_index::Index::open(&db).unwrap();
    let copy = d.path().join("offsite/index-copy.db");
    let out = albumen()
        .args(["db", "backup", "--db"])
        .arg(&db)
        .arg(&copy)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let users = ok(&["user", "list"], &copy, None);
    assert!(
        users.contains("anna") && users.contains("family"),
        "{users}"
    );
    // The copy is the original: a rescan reads nothing.
    let scan = ok(
        &["scan", "--json", "--library", "family", &root_s],
        &copy,
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&scan).unwrap();
    assert_eq!(v["read"], 0, "{v:#}");
    assert_eq!(v["unchanged"], 6, "{v:#}");
    // An existing file is never overwritten.
    let out = albumen()
        .args(["db", "backup", "--db"])
        .arg(&db)
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));

    // The index loses its user; restoring is refused while the index is open elsewhere.
    ok(&["user", "remove", "anna"], &db, None);
    let restore = |force: bool| {
        let mut c = albumen();
        c.args(["db", "restore"]).arg(&copy).arg("--db").arg(&db);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let out = restore(false);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("open in another process"));
    assert!(!ok(&["user", "list"], &db, None).contains("anna"));
    drop(held);
    let out = restore(false);
    assert!(out.status.success(), "{out:?}");
    assert!(ok(&["user", "list"], &db, None).contains("anna"));
    let before = d.path().join("index.db.before-restore");
    assert!(!ok(&["user", "list"], &before, None).contains("anna"));

    // Not an index: refused, the index untouched.
    let junk = d.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let out = albumen()
        .args(["db", "restore"])
        .arg(&junk)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an albumen index"));
    assert!(ok(&["user", "list"], &db, None).contains("anna"));
}
