//! The CLI on broken files: `info`, `edit` (on a copy), `pairs`, `timeline`, `thumbs` and
//! `scan` on every file of the shared corpus, one file at a time (the fuzzed crash samples, the
//! truncated and crafted files and the good ones), each under a time limit. None may die on a
//! signal, panic (exit 101, "panicked at") or run past the limit; refusing a file with exit 1
//! or 2 and a message is the right answer to a broken one.
//!
//! By default the files whose names say they are broken (`.fuzzed`, `crafted/`, `broken`,
//! `corrupt`, `truncated`, `bad`) and one file per extension of the rest are run;
//! `ALBUMEN_BROKEN_ALL=1` runs every file (by hand: 397 files x 7 runs took 216 s on 29 Nov,
//! no failure; CI runs the default set for its time budget).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::{albumen, corpus};

/// Per command and file, far above what any takes (the slowest, a movie's thumbnail through
/// ffmpeg, takes about a second), so that only a hang reaches it on a loaded machine.
const LIMIT: Duration = Duration::from_secs(60);

/// What went wrong with one run, if anything.
fn run(mut c: Command, what: &str) -> Option<String> {
    let err_file = tempfile::NamedTempFile::new().unwrap();
    c.stdout(Stdio::null())
        .stderr(err_file.reopen().unwrap())
        .stdin(Stdio::null());
    let mut child = c.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Some(format!("{what}: still running after {LIMIT:?} (killed)"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = fs::read_to_string(err_file.path()).unwrap_or_default();
    match status.code() {
        None => Some(format!("{what}: died on a signal ({status})")),
        Some(101) => Some(format!("{what}: panicked: {}", stderr.trim())),
        _ if stderr.contains("panicked at") => Some(format!("{what}: panicked: {}", stderr.trim())),
        Some(0..=2) => None,
        Some(n) => Some(format!("{what}: exit {n}: {}", stderr.trim())),
    }
}

fn looks_broken(p: &Path) -> bool {
    let s = p.to_string_lossy().to_ascii_lowercase();
    ["fuzzed", "crafted", "broken", "corrupt", "truncat", "bad"]
        .iter()
        .any(|w| s.contains(w))
}

fn corpus_files(root: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p
                .extension()
                .is_some_and(|e| e == "md" || e == "json" || e == "txt")
            {
                all.push(p);
            }
        }
    }
    all.sort();
    if std::env::var_os("ALBUMEN_BROKEN_ALL").is_some() {
        return all;
    }
    let mut seen_ext = BTreeSet::new();
    all.into_iter()
        .filter(|p| {
            looks_broken(p)
                || seen_ext.insert(
                    p.extension()
                        .map(|e| e.to_ascii_lowercase())
                        .unwrap_or_default(),
                )
        })
        .collect()
}

/// Every command on one file, in a folder of its own (a copy, so `edit` may write it).
fn check_file(src: &Path, work: &Path) -> Vec<String> {
    let _ = fs::remove_dir_all(work);
    let one = work.join("one");
    fs::create_dir_all(&one).unwrap();
    let name = src.file_name().map(OsString::from).unwrap_or_default();
    let f = one.join(&name);
    fs::copy(src, &f).unwrap();
    let label = |cmd: &str| format!("{cmd} {}", src.display());
    let mut bad = Vec::new();
    let mut c = albumen();
    c.args(["info", "--json"]).arg(&f);
    bad.extend(run(c, &label("info")));
    let mut c = albumen();
    c.args(["pairs", "--json"]).arg(&one);
    bad.extend(run(c, &label("pairs")));
    let mut c = albumen();
    c.args(["timeline", "--json"]).arg(&one);
    bad.extend(run(c, &label("timeline")));
    let mut c = albumen();
    c.args(["thumbs", "--json", "--size", "128", "--cache"])
        .arg(work.join("cache"))
        .arg(&f);
    bad.extend(run(c, &label("thumbs")));
    let mut c = albumen();
    c.args(["scan", "-q", "--library", "l", "--db"])
        .arg(work.join("index.db"))
        .arg(&one);
    bad.extend(run(c, &label("scan")));
    let mut c = albumen();
    c.args([
        "edit",
        "--shift-time",
        "+01:00:00",
        "--rating",
        "3",
        "--add-keyword",
        "k",
    ])
    .arg(&f);
    bad.extend(run(c, &label("edit")));
    let mut c = albumen();
    c.args(["edit", "--in-place", "--set-gps", "48.8584,2.2945"])
        .arg(&f);
    bad.extend(run(c, &label("edit --in-place")));
    bad
}

#[test]
fn no_command_dies_or_hangs_on_any_corpus_file() {
    let Some(root) = corpus() else { return };
    let files = corpus_files(&root);
    let tmp = tempfile::tempdir().unwrap();
    let next = Mutex::new(files.iter().enumerate());
    let bad = Mutex::new(Vec::new());
    let start = Instant::now();
    std::thread::scope(|s| {
        for w in 0..2 {
            let (next, bad, tmp) = (&next, &bad, tmp.path());
            s.spawn(move || loop {
                let Some((i, f)) = next.lock().unwrap().next() else {
                    break;
                };
                let found = check_file(f, &tmp.join(format!("w{w}-{i}")));
                let _ = fs::remove_dir_all(tmp.join(format!("w{w}-{i}")));
                bad.lock().unwrap().extend(found);
            });
        }
    });
    let bad = bad.into_inner().unwrap();
    eprintln!(
        "broken files: {} files x 7 runs in {:.1} s, {} failures",
        files.len(),
        start.elapsed().as_secs_f64(),
        bad.len()
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
