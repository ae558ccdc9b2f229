//! `albumen info`: JSON shape, exit status, broken input.

use serde_json::Value;

use crate::{albumen, corpus};

/// A minimal JPEG: SOI, SOF0 64x48, SOS.
const TINY_JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9,
];

#[test]
fn json_array_with_every_field_and_exit_status() {
    let d = tempfile::tempdir().unwrap();
    let ok = d.path().join("tiny.jpg");
    std::fs::write(&ok, TINY_JPEG).unwrap();
    let bad = d.path().join("notes.txt");
    std::fs::write(&bad, "not a photo").unwrap();

    let out = albumen()
        .args(["info", "--json"])
        .arg(&ok)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let o = &v.as_array().unwrap()[0];
    assert_eq!(o["path"], ok.to_string_lossy().as_ref());
    assert_eq!(o["format"], "jpeg");
    assert_eq!(
        (o["width"].as_u64(), o["height"].as_u64()),
        (Some(64), Some(48))
    );
    for k in [
        "capture",
        "gps",
        "make",
        "model",
        "lens",
        "orientation",
        "duration_s",
        "rating",
        "title",
        "description",
        "creator",
        "keywords",
        "content_id",
        "motion_photo",
        "warnings",
        "error",
        "time",
        "place",
    ] {
        assert!(o.get(k).is_some(), "missing key {k}");
    }

    // One unreadable file: still a JSON array, an error entry, exit 1.
    let out = albumen()
        .args(["info", "--json"])
        .arg(&ok)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert!(v[1]["error"].as_str().unwrap().contains("unrecognised"));
}

#[test]
fn exiftool_written_values_read_back() {
    if std::process::Command::new("exiftool")
        .arg("-ver")
        .output()
        .is_err()
    {
        eprintln!("skipped: exiftool not installed");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("a.jpg");
    std::fs::write(&f, TINY_JPEG).unwrap();
    let st = std::process::Command::new("exiftool")
        .args([
            "-q",
            "-overwrite_original",
            "-Make=TestCam",
            "-Model=T1",
            "-DateTimeOriginal=2024:03:10 23:30:00",
            "-OffsetTimeOriginal=+09:00",
            "-GPSLatitude=35.6812",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=139.7671",
            "-GPSLongitudeRef=E",
            "-XMP-xmp:Rating=3",
            "-XMP-dc:Subject=tokyo",
        ])
        .arg(&f)
        .status()
        .unwrap();
    assert!(st.success());
    let out = albumen().args(["info", "--json"]).arg(&f).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let o = &v[0];
    assert_eq!(o["make"], "TestCam");
    assert_eq!(o["capture"]["local"], "2024-03-10T23:30:00");
    assert_eq!(o["capture"]["offset"], "+09:00");
    assert_eq!(o["capture"]["utc"], "2024-03-10T14:30:00Z");
    assert!((o["gps"]["lat"].as_f64().unwrap() - 35.6812).abs() < 1e-6);
    assert_eq!(o["rating"], 3);
    assert_eq!(o["keywords"][0], "tokyo");
    assert_eq!(o["time"]["utc"], "2024-03-10T14:30:00Z");
    assert_eq!(o["place"]["country_code"], "JP");
}

#[test]
fn broken_corpus_files_exit_0_or_1() {
    let Some(c) = corpus() else { return };
    let dir = c.join("metadata-extractor-images/fuzzing");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    if files.is_empty() {
        eprintln!("skipped: no fuzzed files");
        return;
    }
    let out = albumen()
        .args(["info", "--json"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "status {:?}",
        out.status
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), files.len());
}

/// Regression: `albumen info FILES | head -1` panicked ("failed printing to stdout: Broken
/// pipe") with a backtrace on stderr once head had gone. Now the command ends quietly.
#[test]
fn a_reader_that_stops_early_is_not_a_panic() {
    use std::io::Read;
    let d = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for i in 0..400 {
        let p = d.path().join(format!("tiny{i}.jpg"));
        std::fs::write(&p, TINY_JPEG).unwrap();
        files.push(p);
    }
    let mut child = albumen()
        .arg("info")
        .args(&files)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line's worth, then hang up as `head -1` does.
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "stderr: {err}");
    assert!(matches!(status.code(), Some(0) | Some(141)), "{status:?}");
}
