//! `albumen sync`: the JSON report, exit status 1 on a conflict, and a sync killed (SIGKILL)
//! at moments spread over its run, then run again to the end.

// Test helpers (outside `#[test]` functions, where clippy.toml already allows it) unwrap too.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use crate::albumen;
use crate::fixtures::{files, jpeg, library, write};

fn scan(db: &Path, root: &Path) {
    let out = albumen()
        .args(["scan", "-q", "--library", "lib", "--db"])
        .arg(db)
        .arg(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

fn sync(db: &Path, dest: &Path) -> std::process::Output {
    albumen()
        .args([
            "sync",
            "--json",
            "--from",
            "2024-03-10",
            "--to",
            "2024-03-11",
            "--db",
        ])
        .arg(db)
        .arg(dest)
        .output()
        .unwrap()
}

/// The mirrored files, leaving out the sync's own state and trash.
fn mirrored(dest: &Path) -> BTreeMap<PathBuf, (Vec<u8>, i64, u32)> {
    files(dest)
        .into_iter()
        .filter(|(p, _)| !p.to_string_lossy().contains(".albumen"))
        .collect()
}

#[test]
fn sync_reports_json_and_exits_1_on_a_conflict() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    library(&root);
    let db = d.path().join("index.db");
    scan(&db, &root);
    let dest = d.path().join("mirror");
    let out = sync(&db, &dest);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in ["copied", "updated", "moved", "trashed", "unchanged"] {
        assert!(v[k].is_u64(), "{k}: {v}");
    }
    assert_eq!(v["copied"], 5);
    assert_eq!(v["conflicts"], Value::Array(vec![]));
    let victim = dest.join("2024-03/IMG_0001.JPG");
    std::fs::write(&victim, b"changed here").unwrap();
    write(
        &root.join("2024-03/IMG_0001.JPG"),
        &jpeg("2024:03:10 10:00:00", Some("+01:00"), "edited"),
    );
    scan(&db, &root);
    let out = sync(&db, &dest);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["conflicts"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"changed here");
}

#[test]
fn a_sync_killed_at_any_moment_is_finished_by_the_next() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("photos");
    library(&root);
    // Enough files, with enough bytes, that kills land in the middle of the copies.
    let pad = "x".repeat(200_000);
    for i in 0..150 {
        let note = format!("{i}{pad}");
        write(
            &root.join(format!("bulk/{:02}/P{i:04}.JPG", i % 10)),
            &jpeg("2024:03:10 12:00:00", None, &note[..60_000.min(note.len())]),
        );
    }
    let db = d.path().join("index.db");
    scan(&db, &root);
    let dest = d.path().join("mirror");
    // The same kill moments every run: spread over the first ~0.4 s.
    for ms in [5u64, 40, 90, 160, 250, 400] {
        let mut child = albumen()
            .args([
                "sync",
                "-q",
                "--from",
                "2024-03-10",
                "--to",
                "2024-03-11",
                "--db",
            ])
            .arg(&db)
            .arg(&dest)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        child.wait().unwrap();
        // Whatever it left, nothing at DEST differs from its source.
        let src = files(&root);
        for (rel, f) in mirrored(&dest) {
            assert!(
                rel.to_string_lossy().ends_with(".tmp") || src.get(&rel) == Some(&f),
                "{rel:?} differs from its source after a kill"
            );
        }
    }
    let out = sync(&db, &dest);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["conflicts"], Value::Array(vec![]), "{v}");
    let src = files(&root);
    let got = mirrored(&dest);
    assert_eq!(got.len(), 155, "{:?}", got.keys().collect::<Vec<_>>());
    for (rel, f) in &got {
        assert_eq!(Some(f), src.get(rel), "{rel:?}");
    }
    // And the next one has nothing to do.
    let v: Value = serde_json::from_slice(&sync(&db, &dest).stdout).unwrap();
    assert_eq!(
        (v["copied"].as_u64(), v["unchanged"].as_u64()),
        (Some(0), Some(155))
    );
}
