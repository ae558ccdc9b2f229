//! A family's icloudpd download tree, end to end with the binary (issue 18): four libraries
//! (Anna's and the shared library, each live and archived) built from corpus files with
//! icloudpd's names; Live Photos pair (with and without content identifiers, `_HEVC` and
//! de-duplication ids, `YYYY/MM/DD` and `YYYY-MM-DD` folders) and a same-name decoy does not; a
//! week of new downloads with a renamed re-download is reported as such; a year moves from
//! Anna's live library to her archive with `albumen archive`, the index follows (same item ids)
//! and rescans of every tree find nothing to do.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde_json::Value;

use crate::{albumen, corpus};

/// Copies a corpus file to `root/rel`.
fn put(src: &Path, root: &Path, rel: &str) {
    let dst = root.join(rel);
    fs::create_dir_all(dst.parent().unwrap()).unwrap();
    fs::copy(src, &dst).unwrap();
}

fn json(args: &[&str], extra: &[&Path]) -> Value {
    let out = albumen().args(args).args(extra).output().unwrap();
    assert!(
        out.status.success(),
        "albumen {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn scan(db: &Path, root: &Path, library: &str) -> Value {
    json(
        &["scan", "-q", "--json", "--library", library, "--db"],
        &[db, root],
    )
}

fn nothing_to_do(r: &Value, what: &str) {
    for k in ["new", "changed", "moved", "deleted", "redownloads"] {
        assert_eq!(r[k], 0, "{what}: {k} in {r}");
    }
}

/// Pairs `albumen pairs --json` finds under `root`, as relative (still, video) paths.
fn pairs(root: &Path) -> BTreeSet<(String, String)> {
    let v = json(&["pairs", "--json"], &[root]);
    let rel = |p: &Value| {
        Path::new(p.as_str().unwrap())
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (rel(&p["still"]), rel(&p["video"])))
        .collect()
}

fn set(v: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// `files` rows: path → (id, library).
fn rows(db: &Path) -> BTreeMap<String, (i64, String)> {
    let c = Connection::open(db).unwrap();
    let mut st = c
        .prepare(
            "SELECT f.path_text, f.id, l.name FROM files f JOIN libraries l ON l.id = f.library_id",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn tree(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out
}

#[test]
fn icloudpd_family_tree() {
    let Some(c) = corpus() else { return };
    let live = c.join("crafted/live");
    if !live.is_dir() || !c.join("oracle.json").is_file() {
        eprintln!("skipped: the corpus has no crafted/live or oracle.json");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let base = fs::canonicalize(d.path()).unwrap();
    let (anna, anna_arch) = (base.join("anna-live"), base.join("anna-archive"));
    let (shared, shared_arch) = (base.join("shared-live"), base.join("shared-archive"));
    for r in [&anna, &anna_arch, &shared, &shared_arch] {
        fs::create_dir_all(r).unwrap();
    }
    let db = base.join("index.db");

    // Anna's live library: `YYYY/MM/DD`, icloudpd-rs style names.
    let lp = |rel: &str| live.join(rel);
    put(
        &lp("iphone/2020-05/IMG_2929.HEIC"),
        &anna,
        "2020/05/04/IMG_2929.HEIC",
    );
    put(
        &lp("iphone/2020-05/IMG_2929.MOV"),
        &anna,
        "2020/05/04/IMG_2929_HEVC.MOV",
    );
    put(&lp("no-id/IMG_0042.JPG"), &anna, "2014/09/16/IMG_0042.JPG");
    put(
        &lp("no-id/IMG_0042.MOV"),
        &anna,
        "2014/09/16/IMG_0042_HEVC.MOV",
    );
    put(
        &lp("exports/Boston harbour.heic"),
        &anna,
        "2020/05/04/FullSizeRender-2369959.HEIC",
    );
    put(
        &lp("videos-elsewhere/clip 0007.mov"),
        &anna,
        "2020/05/04/FullSizeRender_HEVC-4559592.MOV",
    );
    // The decoy: same name, a day later, 4 s long.
    put(&lp("no-id/IMG_0043.JPG"), &anna, "2012/09/29/IMG_0043.JPG");
    put(
        &lp("no-id/IMG_0043.MOV"),
        &anna,
        "2012/09/29/IMG_0043_HEVC.MOV",
    );
    // The shared library: `YYYY-MM-DD`, older icloudpd's `_HEIC` and de-duplication ids.
    put(
        &lp("no-id/IMG_0042.JPG"),
        &shared,
        "2014-09-16/FullSizeRender-1111111.JPG",
    );
    put(
        &lp("no-id/IMG_0042.MOV"),
        &shared,
        "2014-09-16/FullSizeRender_HEVC-2222222.MOV",
    );
    put(
        &lp("iphone/2020-05/IMG_2929.HEIC"),
        &shared,
        "2020-05-04/IMG_2929.HEIC",
    );
    put(
        &lp("iphone/2020-05/IMG_2929.MOV"),
        &shared,
        "2020-05-04/IMG_2929_HEIC.MOV",
    );
    // Older years, by their EXIF date (Anna: 2004-2005, shared: 2001-2002).
    let oracle: Value = serde_json::from_slice(&fs::read(c.join("oracle.json")).unwrap()).unwrap();
    let mut n = 0;
    let mut later: Vec<PathBuf> = Vec::new();
    for r in oracle.as_array().unwrap() {
        let dt = r["ExifIFD:DateTimeOriginal"].as_str().unwrap_or("");
        let src = c.join(r["SourceFile"].as_str().unwrap_or(""));
        let s = src.to_string_lossy().to_lowercase();
        if dt.len() < 10 || !s.ends_with(".jpg") || s.contains("fuzzing") {
            continue;
        }
        let (y, m, day) = (&dt[..4], &dt[5..7], &dt[8..10]);
        n += 1;
        match y {
            "2004" | "2005" => put(
                &src,
                &anna,
                &format!("{y}/{m}/{day}/IMG_{:04}.JPG", 1000 + n),
            ),
            "2001" | "2002" => put(
                &src,
                &shared,
                &format!("{y}-{m}-{day}/IMG_{:04}.JPG", 1000 + n),
            ),
            "2006" | "2007" => later.push(src),
            _ => {}
        }
    }
    let year_files: BTreeSet<String> = tree(&anna)
        .into_iter()
        .filter(|p| p.starts_with("2005/"))
        .collect();
    assert!(year_files.len() >= 3, "the corpus has too few 2005 JPEGs");
    assert!(!later.is_empty(), "the corpus has no 2006/2007 JPEG");

    // Pairs, as `albumen pairs` finds them in each live tree.
    assert_eq!(
        pairs(&anna),
        set(&[
            ("2014/09/16/IMG_0042.JPG", "2014/09/16/IMG_0042_HEVC.MOV"),
            (
                "2020/05/04/FullSizeRender-2369959.HEIC",
                "2020/05/04/FullSizeRender_HEVC-4559592.MOV"
            ),
            ("2020/05/04/IMG_2929.HEIC", "2020/05/04/IMG_2929_HEVC.MOV"),
        ])
    );
    assert_eq!(
        pairs(&shared),
        set(&[
            (
                "2014-09-16/FullSizeRender-1111111.JPG",
                "2014-09-16/FullSizeRender_HEVC-2222222.MOV"
            ),
            ("2020-05-04/IMG_2929.HEIC", "2020-05-04/IMG_2929_HEIC.MOV"),
        ])
    );

    // Four libraries in one index; each pairs only its own files.
    for (root, lib) in [
        (&anna, "anna-live"),
        (&anna_arch, "anna-archive"),
        (&shared, "shared-live"),
        (&shared_arch, "shared-archive"),
    ] {
        scan(&db, root, lib);
    }
    let summary = |lib: &str| {
        let c = Connection::open(&db).unwrap();
        c.query_row(
            "SELECT count(*) FROM pairs p JOIN libraries l ON l.id = p.library_id WHERE l.name = ?1",
            [lib],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
    };
    assert_eq!(
        (summary("anna-live"), summary("shared-live")),
        (3, 2),
        "pairs in the index"
    );
    for (path, (_, lib)) in rows(&db) {
        let want = if path.starts_with(&*anna.to_string_lossy()) {
            "anna-live"
        } else {
            "shared-live"
        };
        assert_eq!(lib, want, "{path}");
    }

    // A week of new downloads: a new photo, and IMG_2929 again after a folder-structure change.
    put(&later[0], &anna, "2006/07/01/IMG_2000.JPG");
    put(
        &lp("iphone/2020-05/IMG_2929.HEIC"),
        &anna,
        "2020-05-04/IMG_2929.HEIC",
    );
    let r = scan(&db, &anna, "anna-live");
    assert_eq!(
        (r["new"].as_u64(), r["redownloads"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    {
        let c = Connection::open(&db).unwrap();
        let (new, old): (String, String) = c
            .query_row(
                "SELECT path_text, old_path_text FROM changes WHERE kind = 'redownload'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(new.ends_with("anna-live/2020-05-04/IMG_2929.HEIC"), "{new}");
        assert!(old.ends_with("anna-live/2020/05/04/IMG_2929.HEIC"), "{old}");
    }

    // Archive 2005: a dry run first (nothing moves), then the real one.
    let before = rows(&db);
    let archive = |extra: &[&str]| {
        let mut a = vec![
            "archive",
            "--db",
            "",
            "--library",
            "anna-live",
            "--year",
            "2005",
            "--to-library",
            "anna-archive",
            "--json",
        ];
        a.extend_from_slice(extra);
        let db_s = db.to_string_lossy().into_owned();
        a[2] = &db_s;
        json(&a, &[&anna_arch])
    };
    let dry = archive(&["--dry-run"]);
    assert_eq!(
        dry["rows_moved"].as_u64(),
        Some(year_files.len() as u64),
        "{dry}"
    );
    assert_eq!(rows(&db), before);
    assert!(tree(&anna_arch).is_empty());
    let r = archive(&[]);
    assert_eq!(r["export"]["failed"], 0, "{r}");
    assert_eq!(
        r["rows_moved"].as_u64(),
        Some(year_files.len() as u64),
        "{r}"
    );
    let left = tree(&anna);
    let arrived = tree(&anna_arch);
    for f in &year_files {
        assert!(!left.contains(f), "{f} is still in the live tree");
        assert!(arrived.contains(f), "{f} did not arrive in the archive");
    }
    // Same item ids, now in the archive library.
    let after = rows(&db);
    for f in &year_files {
        let old = &before[&*anna.join(f).to_string_lossy()];
        let new = &after[&*anna_arch.join(f).to_string_lossy()];
        assert_eq!((new.0, new.1.as_str()), (old.0, "anna-archive"), "{f}");
    }

    // Rescans of every tree find nothing to do; pairs are intact; archiving again moves nothing.
    for (root, lib) in [
        (&anna, "anna-live"),
        (&anna_arch, "anna-archive"),
        (&shared, "shared-live"),
        (&shared_arch, "shared-archive"),
    ] {
        nothing_to_do(&scan(&db, root, lib), lib);
    }
    assert_eq!((summary("anna-live"), summary("shared-live")), (3, 2));
    let again = archive(&[]);
    assert_eq!(again["rows_moved"], 0, "{again}");
    // The re-download is still known as one.
    let c = Connection::open(&db).unwrap();
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM files WHERE redownload_of IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}
