//! `albumen verify --rclone`: a plain (local) rclone remote and a `crypt` remote over a local
//! folder, with rclone's own config in a temporary RCLONE_CONFIG. A deleted Live Photo video and
//! a deleted sidecar are missing, one flipped byte is different, a moved file is found
//! elsewhere; an unknown remote, an unreachable one and a missing rclone are refused with exit
//! status 2 and one line. Skipped (with a printed reason) when rclone is not installed.

// Test helpers (outside `#[test]` functions, where clippy.toml already allows it) unwrap too.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::albumen;
use crate::fixtures::{library, scan};

struct Rc {
    _dir: tempfile::TempDir,
    root: PathBuf,
    db: PathBuf,
    conf: PathBuf,
    plain: String,
}

fn have_rclone() -> bool {
    let ok = Command::new("rclone")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: rclone is not installed (apt install rclone)");
    }
    ok
}

fn setup() -> Rc {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    library(&root);
    let db = dir.path().join("index.db");
    scan(&db, &root, true);
    let conf = dir.path().join("rclone.conf");
    let pw = Command::new("rclone")
        .args(["obscure", "a family secret"])
        .env("RCLONE_CONFIG", &conf)
        .output()
        .unwrap();
    assert!(pw.status.success(), "{pw:?}");
    let pw = String::from_utf8(pw.stdout).unwrap();
    std::fs::write(
        &conf,
        format!(
            "[nas2]\ntype = local\n\n[offsite]\ntype = crypt\nremote = {}\npassword = {}\n",
            dir.path().join("offsite-raw").display(),
            pw.trim()
        ),
    )
    .unwrap();
    let plain = format!("nas2:{}", dir.path().join("nas2").display());
    Rc {
        root,
        db,
        conf,
        plain,
        _dir: dir,
    }
}

fn rclone(rc: &Rc, args: &[&str]) {
    let out = Command::new("rclone")
        .args(args)
        .env("RCLONE_CONFIG", &rc.conf)
        .output()
        .unwrap();
    assert!(out.status.success(), "rclone {args:?}: {out:?}");
}

fn verify(rc: &Rc, remote: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let out: Output = albumen()
        .args(["verify", "--json", "--db"])
        .arg(&rc.db)
        .args(["--rclone", remote])
        .args(extra)
        .env("RCLONE_CONFIG", &rc.conf)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn paths(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["path"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A copy of `from` with the byte in the middle flipped (same size).
fn flipped(from: &Path, to: &Path) {
    let mut b = std::fs::read(from).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0xFF;
    std::fs::write(to, b).unwrap();
}

#[test]
fn plain_and_crypt_remotes_find_what_is_missing_and_different() {
    if !have_rclone() {
        return;
    }
    let rc = setup();
    let src = rc.root.to_string_lossy().into_owned();
    for (remote, via) in [
        (rc.plain.clone(), "rclone"),
        ("offsite:photos".to_string(), "rclone-crypt"),
    ] {
        rclone(&rc, &["sync", &src, &remote]);
        let (st, v, err) = verify(&rc, &remote, &["--hash"]);
        assert_eq!(st, Some(0), "{remote}: {v:#} {err}");
        // Five indexed files (the Live Photo video is one), broken.jpg, and two sidecars.
        assert_eq!(
            (v["checked"].as_u64(), v["sidecars"].as_u64()),
            (Some(8), Some(2))
        );
        assert_eq!(v["ok"], 8, "{v:#}");
        assert_eq!(v["via"], via);

        // The Live Photo's video and a sidecar deleted; a photo with one byte flipped.
        rclone(
            &rc,
            &["deletefile", &format!("{remote}/2024-03/IMG_0002.MOV")],
        );
        rclone(
            &rc,
            &["deletefile", &format!("{remote}/2024-03/IMG_0001.xmp")],
        );
        let bad = rc.root.parent().unwrap().join("flipped.jpg");
        flipped(&rc.root.join("2024-03/IMG_0004.JPG"), &bad);
        rclone(
            &rc,
            &[
                "copyto",
                &bad.to_string_lossy(),
                &format!("{remote}/2024-03/IMG_0004.JPG"),
            ],
        );
        let (st, v, err) = verify(&rc, &remote, &["--hash"]);
        assert_eq!(st, Some(1), "{remote}: {err}");
        assert_eq!(
            paths(&v, "missing"),
            ["2024-03/IMG_0001.xmp", "2024-03/IMG_0002.MOV"],
            "{remote}: {v:#}"
        );
        assert_eq!(paths(&v, "different"), ["2024-03/IMG_0004.JPG"]);
        assert_eq!(v["different"][0]["reason"], "content");
        assert_eq!(v["ok"], 5);

        // Sizes only: the flipped byte is not seen, the missing files are.
        let (st, v, _) = verify(&rc, &remote, &[]);
        assert_eq!(st, Some(1));
        assert_eq!(paths(&v, "missing").len(), 2);
        assert!(paths(&v, "different").is_empty(), "{v:#}");

        // The repairing sync makes it whole again.
        rclone(&rc, &["sync", &src, &remote]);
        let (st, v, err) = verify(&rc, &remote, &["--hash"]);
        assert_eq!(st, Some(0), "{remote}: {v:#} {err}");
    }

    // On a remote with hashes, a moved photo is found where it went (and is not extra).
    rclone(
        &rc,
        &[
            "moveto",
            &format!("{}/2024-03/IMG_0003.JPG", rc.plain),
            &format!("{}/moved/holiday.jpg", rc.plain),
        ],
    );
    // As for a folder: the bytes are all there, so it passes.
    let (st, v, _) = verify(&rc, &rc.plain, &["--hash"]);
    assert_eq!(st, Some(0), "{v:#}");
    assert!(paths(&v, "missing").is_empty(), "{v:#}");
    assert_eq!(paths(&v, "found_elsewhere"), ["2024-03/IMG_0003.JPG"]);
    assert_eq!(v["found_elsewhere"][0]["at"][0], "moved/holiday.jpg");
    assert!(paths(&v, "extra").is_empty(), "{v:#}");
    // Without hashes it is missing, and the moved copy extra.
    let (st, v, _) = verify(&rc, &rc.plain, &[]);
    assert_eq!(st, Some(1));
    assert_eq!(paths(&v, "missing"), ["2024-03/IMG_0003.JPG"]);
    assert_eq!(paths(&v, "extra"), ["moved/holiday.jpg"]);

    // Every run is recorded, with no secret in it.
    let index = albumen_index::Index::open(&rc.db).unwrap();
    let lib = index.library(None).unwrap();
    let runs = index.verify_runs(lib.id, 100).unwrap();
    assert_eq!(runs.len(), 10);
    assert_eq!(runs[0].target, rc.plain);
    assert_eq!(runs[0].problems.missing, ["2024-03/IMG_0003.JPG"]);
    assert!(runs
        .iter()
        .any(|r| r.target == "offsite:photos" && r.via == "rclone-crypt"));
    let n: i64 = rusqlite::Connection::open(index.path())
        .unwrap()
        .query_row(
            "SELECT count(*) FROM verify_runs WHERE problems LIKE '%secret%' OR target LIKE '%password%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn unknown_unreachable_and_no_rclone_are_exit_2_with_one_line() {
    if !have_rclone() {
        return;
    }
    let rc = setup();
    let (st, _, err) = verify(&rc, "nowhere:photos", &[]);
    assert_eq!(st, Some(2), "{err}");
    assert!(
        err.contains("nowhere") && err.trim().lines().count() == 1,
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let missing_dir = format!("nas2:{}", rc.root.with_file_name("not-there").display());
    let (st, _, err) = verify(&rc, &missing_dir, &["--hash"]);
    assert_eq!(st, Some(2), "{err}");
    assert!(err.contains("directory not found"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let out = albumen()
        .args(["verify", "--db"])
        .arg(&rc.db)
        .args(["--rclone", "offsite:photos"])
        .env("ALBUMEN_RCLONE", rc.root.join("no-such-rclone"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("rclone is not installed"), "{err}");
}
