//! Reproducers found by the fuzzers (`fuzz/`, `scripts/fuzz.sh`), one file each in
//! tests/fuzz-regressions/: the fuzz target's standard edit through the in-memory editor and
//! `apply` on a copy must end in `Ok` or a typed error, the original byte-identical when
//! refused, and the new file no more than 1 MiB larger than the old (the edits add a few
//! hundred bytes; an unbounded fill once made one 400 MB).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use albumen_edit::{apply, edit_bytes, Edit, Options};
use albumen_meta::{GpsPosition, Rating};

fn edits() -> Vec<Edit> {
    vec![
        Edit::SetRating(Rating::new(4).unwrap()),
        Edit::SetGps(GpsPosition::new(48.85837, 2.294481, None).unwrap()),
        Edit::AddKeyword("fuzz".into()),
        Edit::ShiftTime(chrono::Duration::minutes(90)),
    ]
}

#[test]
fn fuzz_reproducers_edit_cleanly_and_boundedly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let data = std::fs::read(&p).unwrap();
        let bound = data.len() + (1 << 20);
        if let Ok(out) = edit_bytes(&data, &edits(), &Options::default()) {
            assert!(
                out.len() <= bound,
                "{}: grew to {} bytes",
                p.display(),
                out.len()
            );
        }
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("f");
        std::fs::write(&f, &data).unwrap();
        match apply(&f, &edits(), &Options::default()) {
            Ok(_) => {
                let len = std::fs::metadata(&f).unwrap().len();
                assert!(
                    len as usize <= bound,
                    "{}: apply wrote {len} bytes",
                    p.display()
                );
                let _ = albumen_meta::Reader::new().read_path(&f);
            }
            Err(_) => assert_eq!(std::fs::read(&f).unwrap(), data, "{}", p.display()),
        }
        n += 1;
    }
    assert!(n > 0, "no reproducers in {}", dir.display());
}
