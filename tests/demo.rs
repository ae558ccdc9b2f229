//! `albumen demo`: the README's first command. It must work with nothing beside the binary, and
//! what it writes must be real files that other tools read the same way.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::albumen;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-ver")
        .output()
        .or_else(|_| Command::new(tool).arg("-version").output())
        .is_ok_and(|o| o.status.success())
}

#[test]
fn demo_runs_the_tour_and_finds_what_it_planted() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("demo");
    let out = albumen()
        .args(["demo", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    // The scan's summary goes to stderr (its progress stream), the rest to stdout.
    let stdout = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    // The scan indexed every file, with the Live Photo and motion photo as one item each.
    assert!(stdout.contains("new 18"), "{stdout}");
    assert!(stdout.contains("live-photo 1, motion-photo 1"), "{stdout}");
    // The wrong camera clock is found (6 h behind, less the 40 s the camera lagged).
    assert!(
        stdout.contains("NIKON D750 looks off by +05:59"),
        "{stdout}"
    );
    // Pairs: the Live Photo by its identifier, the motion photo's embedded video.
    assert!(stdout.contains("apple-live"), "{stdout}");
    assert!(stdout.contains("content id 5B1F0A7E"), "{stdout}");
    assert!(stdout.contains("motion-photo"), "{stdout}");
    // Places from the bundled table.
    for place in ["France (FR)", "Kyoto, Japan (JP)", "Australia (AU)"] {
        assert!(stdout.contains(place), "{place} missing:\n{stdout}");
    }
    // The index is beside the photos, not among them.
    assert!(dir.join("index.db").is_file());
    assert!(!dir.join("photos").join("index.db").exists());
}

#[test]
fn demo_refuses_a_folder_that_is_not_empty() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("keep.txt"), "mine").unwrap();
    let out = albumen()
        .args(["demo", "--files-only", "--dir"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(d.path().join("keep.txt")).unwrap(), b"mine");
}

/// Writes the demo library only (`demo --files-only`) into a new temporary folder: the folder
/// (kept alive by the caller) and the photos' root.
#[allow(clippy::unwrap_used)] // a test fixture: a failed step should stop the test
fn demo_files() -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("demo");
    let out = albumen()
        .args(["demo", "--files-only", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    (d, dir.join("photos"))
}

/// The reader agrees with itself on the demo files: each planted value reads back.
#[test]
fn demo_files_read_back_as_written() {
    let (_d, photos) = demo_files();
    let info = |rel: &str| -> Value {
        let out = albumen()
            .args(["info", "--json"])
            .arg(photos.join(rel))
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v[0].clone()
    };
    let heif = info("2024/Kyoto/IMG_2001.HEIC");
    assert_eq!(heif["make"], "Apple");
    assert_eq!(heif["time"]["zone"], "Asia/Tokyo", "{heif}");
    let still = info("2023/Paris/IMG_0107.JPG");
    let video = info("2023/Paris/IMG_0107.MOV");
    assert_eq!(still["content_id"], video["content_id"]);
    assert!(still["content_id"].is_string(), "{still}");
    let clip = info("2024/Sydney/clip_0001.MOV");
    assert!(clip["gps"].is_object(), "{clip}");
}

/// Other tools read the demo files as real files: exiftool finds nothing to warn about, and
/// ffmpeg decodes every frame of the movies. Skips where a tool is missing.
#[test]
fn demo_files_are_valid_for_other_tools() {
    let (_d, photos) = demo_files();
    if have("exiftool") {
        let out = Command::new("exiftool")
            .args(["-q", "-q", "-r", "-validate", "-warning", "-a", "-j"])
            .arg(&photos)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        for f in v.as_array().unwrap() {
            assert_eq!(f["Validate"], "OK", "{f}");
        }
    } else {
        eprintln!("skipped the exiftool part: exiftool not installed");
    }
    if have("ffmpeg") {
        for rel in ["2023/Paris/IMG_0107.MOV", "2024/Sydney/clip_0001.MOV"] {
            let p: &Path = &photos.join(rel);
            let out = Command::new("ffmpeg")
                .args(["-v", "error", "-i"])
                .arg(p)
                .args(["-f", "framemd5", "-"])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{rel}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let frames = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| !l.starts_with('#'))
                .count();
            assert!(frames >= 20, "{rel}: {frames} frames decoded");
        }
    } else {
        eprintln!("skipped the ffmpeg part: ffmpeg not installed");
    }
}
