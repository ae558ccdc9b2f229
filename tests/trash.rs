//! The trash killed at any moment: `albumen trash add` of 60 photos (each with an XMP sidecar)
//! and `albumen trash restore` of them are killed (SIGKILL) at random moments. After every kill,
//! and the next run's recovery, every file is at its place in the library or in the trash (never
//! both, never neither), byte for byte with its mtime, and the index agrees: a photo in the
//! library is in the timeline, one in the trash is listed there. In the end everything is
//! restored and a rescan finds nothing new or deleted.
//!
//! The moments are drawn from a seed printed by the test (set `ALBUMEN_KILL_SEED` to replay).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::albumen;
use crate::fixtures;

const ITEMS: usize = 60;
const KILLS: usize = 12;

fn seed() -> u64 {
    let s = std::env::var("ALBUMEN_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1;
    eprintln!("trash kill test seed: ALBUMEN_KILL_SEED={s}");
    s
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// name → (bytes, mtime ns) of every file under `dir`.
fn files(dir: &Path) -> BTreeMap<String, Vec<(Vec<u8>, i64, PathBuf)>> {
    let mut v = Vec::new();
    walk(dir, &mut v);
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for p in v {
        let m = fs::metadata(&p).unwrap();
        out.entry(p.file_name().unwrap().to_string_lossy().into_owned())
            .or_default()
            .push((
                fs::read(&p).unwrap(),
                m.mtime() * 1_000_000_000 + m.mtime_nsec(),
                p,
            ));
    }
    out
}

fn ids(db: &Path, sql: &str) -> Vec<i64> {
    let ix = rusqlite::Connection::open(db).unwrap();
    let mut st = ix.prepare(sql).unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<i64>, _>>()
        .unwrap()
}

fn cmd(db: &Path, op: &str, ids: &[i64]) -> Command {
    let mut c = albumen();
    c.args(["trash", op, "--db"]).arg(db);
    c.args(ids.iter().map(|i| i.to_string()));
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// Runs the recovery (any `albumen trash` command does) and checks files and index agree.
fn check(db: &Path, root: &Path, trash: &Path, originals: &BTreeMap<String, (Vec<u8>, i64)>) {
    let out = albumen()
        .args(["trash", "list", "--json", "--db"])
        .arg(db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for t in listed.as_array().unwrap() {
        assert_eq!(
            t["state"], "trashed",
            "an unfinished move after recovery: {t}"
        );
    }
    let lib = files(root);
    let bin = files(trash);
    for (name, (bytes, mtime)) in originals {
        let here: Vec<_> = lib
            .get(name)
            .into_iter()
            .flatten()
            .chain(bin.get(name).into_iter().flatten())
            .collect();
        assert_eq!(here.len(), 1, "{name}: {} copies", here.len());
        assert_eq!(&here[0].0, bytes, "{name}: bytes differ");
        assert_eq!(here[0].1, *mtime, "{name}: mtime differs");
    }
    let extra: Vec<_> = lib
        .keys()
        .chain(bin.keys())
        .filter(|n| !originals.contains_key(*n))
        .collect();
    assert!(extra.is_empty(), "files nobody made: {extra:?}");
    // The index: a photo in the library is an item of it, one in the trash is listed there.
    let shown = ids(
        db,
        "SELECT id FROM files WHERE library_id > 0 AND path_text LIKE '%.jpg'",
    )
    .len();
    let in_lib = lib.keys().filter(|n| n.ends_with(".jpg")).count();
    assert_eq!(shown, in_lib, "index rows vs photos in the library");
    let trashed = ids(db, "SELECT item_id FROM trash").len();
    assert_eq!(trashed, ITEMS - in_lib, "trash rows vs photos in the trash");
}

#[test]
fn trash_and_restore_killed_at_random_moments() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("photos");
    let mut originals = BTreeMap::new();
    for i in 0..ITEMS {
        let dir = root.join(format!("{:02}", i % 5));
        fs::create_dir_all(&dir).unwrap();
        let jpg = dir.join(format!("IMG_{i:04}.jpg"));
        let xmp = dir.join(format!("IMG_{i:04}.xmp"));
        let note = "x".repeat(20_000 + i);
        fs::write(
            &jpg,
            fixtures::jpeg(&format!("2024:03:{:02} 10:00:00", 1 + i % 28), None, &note),
        )
        .unwrap();
        fs::write(
            &xmp,
            format!("<x:xmpmeta xmlns:x='adobe:ns:meta/'><!-- {i} --></x:xmpmeta>"),
        )
        .unwrap();
        for (k, p) in [&jpg, &xmp].into_iter().enumerate() {
            let t = SystemTime::UNIX_EPOCH
                + Duration::from_nanos(1_600_000_000_000_000_000 + (i * 2 + k) as u64 * 1_000_123);
            fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(t)
                .unwrap();
            let m = fs::metadata(p).unwrap();
            originals.insert(
                p.file_name().unwrap().to_string_lossy().into_owned(),
                (
                    fs::read(p).unwrap(),
                    m.mtime() * 1_000_000_000 + m.mtime_nsec(),
                ),
            );
        }
    }
    let db = tmp.path().join("index.db");
    let trash = tmp.path().join("index.trash");
    let out = albumen()
        .args(["scan", "-q", "--library", "lib", "--db"])
        .arg(&db)
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let all = ids(&db, "SELECT id FROM files WHERE library_id > 0 ORDER BY id");
    assert_eq!(all.len(), ITEMS);

    // How long an uninterrupted run takes, to kill within it.
    let t0 = Instant::now();
    assert!(cmd(&db, "add", &all).status().unwrap().success());
    let add_time = t0.elapsed();
    check(&db, &root, &trash, &originals);
    let t0 = Instant::now();
    assert!(cmd(&db, "restore", &all).status().unwrap().success());
    let restore_time = t0.elapsed();
    check(&db, &root, &trash, &originals);
    eprintln!("uninterrupted: add {add_time:?}, restore {restore_time:?}");

    let mut rng = seed();
    let mut next = move || {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for k in 0..KILLS {
        let (op, list, span) = if k % 2 == 0 {
            (
                "add",
                ids(&db, "SELECT id FROM files WHERE library_id > 0 ORDER BY id"),
                add_time,
            )
        } else {
            (
                "restore",
                ids(&db, "SELECT item_id FROM trash ORDER BY item_id"),
                restore_time,
            )
        };
        if list.is_empty() {
            continue;
        }
        let wait = Duration::from_micros(next() % u64::try_from(span.as_micros()).unwrap().max(1));
        let mut child = cmd(&db, op, &list).spawn().unwrap();
        std::thread::sleep(wait);
        let _ = child.kill();
        let _ = child.wait();
        check(&db, &root, &trash, &originals);
    }
    // Everything back, and the rescan agrees.
    let rest = ids(&db, "SELECT item_id FROM trash ORDER BY item_id");
    if !rest.is_empty() {
        assert!(cmd(&db, "restore", &rest).status().unwrap().success());
    }
    check(&db, &root, &trash, &originals);
    let out = albumen()
        .args(["scan", "--json", "--library", "lib", "--db"])
        .arg(&db)
        .arg(&root)
        .output()
        .unwrap();
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (rep["new"].as_u64(), rep["deleted"].as_u64()),
        (Some(0), Some(0)),
        "{rep}"
    );
    assert_eq!(
        ids(&db, "SELECT id FROM files WHERE library_id > 0 ORDER BY id"),
        all,
        "ids changed"
    );
}
