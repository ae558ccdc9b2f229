//! Bounded memory: `albumen scan` and `albumen thumbs` of the whole shared corpus (broken and
//! fuzzed files included) under `prlimit --as=1073741824` (1 GiB of address space, threads'
//! stacks and allocator arenas included; ffmpeg, a child, inherits it). An allocation the limit
//! refuses aborts the process, so "exit 0 or 1, no signal" means every file was handled within
//! 1 GiB. Skips where `prlimit` is absent.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use crate::corpus;

const LIMIT: &str = "--as=1073741824";

fn prlimit() -> Option<Command> {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("skipped: no prlimit here (util-linux)");
        return None;
    }
    let mut c = Command::new("prlimit");
    c.arg(LIMIT).arg(env!("CARGO_BIN_EXE_albumen"));
    Some(c)
}

#[test]
fn scan_and_thumbs_of_the_corpus_hold_in_1_gib() {
    let Some(root) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("index.db");
    let Some(mut scan) = prlimit() else { return };
    let out = scan
        .args(["scan", "-q", "--library", "corpus", "--db"])
        .arg(&db)
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "scan under {LIMIT}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let Some(mut thumbs) = prlimit() else { return };
    let out = thumbs
        .args(["thumbs", "--json", "--size", "256", "--cache"])
        .arg(tmp.path().join("cache"))
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "thumbs under {LIMIT}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let made = std::fs::read_dir(tmp.path().join("cache"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(made > 0, "no thumbnail was made");
}
