//! `albumen export`: exit status, JSON, dry run, conflicts, archive, bad input.

// Test helpers (outside `#[test]` functions, where clippy.toml already allows it) unwrap too.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use serde_json::Value;

use crate::albumen;
use crate::fixtures::{files, library, IN_RANGE};

/// A generated library scanned with the binary; returns (root, db).
fn scanned(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let root = dir.join("photos");
    library(&root);
    let db = dir.join("index.db");
    let out = albumen()
        .args(["scan", "-q", "--library", "lib", "--db"])
        .arg(&db)
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    (root, db)
}

fn export(db: &Path, dest: &Path, extra: &[&str]) -> std::process::Output {
    albumen()
        .args([
            "export",
            "--from",
            "2024-03-10",
            "--to",
            "2024-03-11",
            "--db",
        ])
        .arg(db)
        .arg(dest)
        .args(extra)
        .output()
        .unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn export_copies_reruns_as_no_op_and_reports_json() {
    let d = tempfile::tempdir().unwrap();
    let (root, db) = scanned(d.path());
    let dest = d.path().join("out");
    let out = export(&db, &dest, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["copied"]["files"], 5);
    assert_eq!(v["items"], 2);
    assert_eq!(v["unknown_time"], 1);
    assert_eq!(v["files"].as_array().unwrap().len(), 5);
    assert_eq!(v["files"][0]["action"], "copied");
    let src = files(&root);
    let got = files(&dest);
    let want: Vec<_> = IN_RANGE.iter().map(std::path::PathBuf::from).collect();
    assert_eq!(got.keys().cloned().collect::<Vec<_>>(), want);
    for (rel, f) in &got {
        assert_eq!(f, &src[rel], "{rel:?}: bytes, mtime or mode differ");
    }

    let out = export(&db, &dest, &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("0 copied (0 B), 5 already there"), "{text}");
}

#[test]
fn dry_run_lists_what_would_be_removed_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let (root, db) = scanned(d.path());
    let dest = d.path().join("out");
    let before = files(&root);
    let out = export(&db, &dest, &["--remove-originals", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = stdout(&out);
    let mut would: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("would remove  "))
        .map(|p| {
            Path::new(p)
                .strip_prefix(std::fs::canonicalize(&root).unwrap())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    would.sort();
    assert_eq!(would, IN_RANGE, "{text}");
    assert!(text.contains("dry run: nothing was written or removed"));
    assert!(!dest.exists());
    assert_eq!(files(&root), before);
}

#[test]
fn a_conflict_exits_1_and_archive_removes_only_complete_items() {
    let d = tempfile::tempdir().unwrap();
    let (root, db) = scanned(d.path());
    let dest = d.path().join("out");
    let taken = dest.join("2024-03/IMG_0002.MOV");
    std::fs::create_dir_all(taken.parent().unwrap()).unwrap();
    std::fs::write(&taken, b"not the video").unwrap();
    let out = export(&db, &dest, &["--remove-originals"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("CONFLICT"), "{text}");
    assert_eq!(std::fs::read(&taken).unwrap(), b"not the video");
    // IMG_0001 (complete) is archived, the Live Photo IMG_0002 stays whole at the source.
    assert!(!root.join("2024-03/IMG_0001.JPG").exists());
    assert!(!root.join("2024-03/IMG_0001.xmp").exists());
    for f in ["IMG_0002.JPG", "IMG_0002.MOV", "IMG_0002.AAE"] {
        assert!(root.join("2024-03").join(f).exists(), "{f}");
    }
    assert_eq!(
        text.lines().filter(|l| l.starts_with("removed  ")).count(),
        2,
        "{text}"
    );
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let d = tempfile::tempdir().unwrap();
    let (_, db) = scanned(d.path());
    let out = albumen()
        .args([
            "export",
            "--from",
            "2024-13-01",
            "--to",
            "2024-03-11",
            "--db",
        ])
        .arg(&db)
        .arg(d.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a date"));
    let out = albumen()
        .args([
            "export",
            "--from",
            "2024-03-10",
            "--to",
            "2024-03-11",
            "--db",
        ])
        .arg(d.path().join("nope.db"))
        .arg(d.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no index at"));
    assert!(
        !d.path().join("nope.db").exists(),
        "a missing index was created"
    );
}
