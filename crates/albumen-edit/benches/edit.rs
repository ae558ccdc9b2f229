//! Edit throughput against exiftool, on the same files in one run.
//!
//! `cargo bench -p albumen-edit --bench edit` copies the sample of `checks/edit-lossless` (up to
//! 6 dated files per extension under 40 MB; `ALBUMEN_CORPUS` overrides the corpus path) twice,
//! applies the standard edit (shift +1h30, set GPS, rating 4, add a keyword) to one copy with
//! `albumen_edit::apply` and to the other with a single `exiftool` process
//! (`-overwrite_original`, in-file, every file in one invocation, which is exiftool's fastest
//! mode), and prints files/s, MB/s and the ratio. Repeats `ALBUMEN_BENCH_ROUNDS` times (default 3)
//! and reports the best round of each.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use albumen_edit::{apply, Edit, Options};
use albumen_meta::{GpsPosition, Rating};

fn sample(root: &Path) -> Vec<PathBuf> {
    let oracle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("oracle.json")).unwrap()).unwrap();
    let mut per: std::collections::BTreeMap<String, Vec<PathBuf>> = Default::default();
    for r in oracle.as_array().into_iter().flatten() {
        if r.get("ExifTool:Error").is_some()
            || (r.get("ExifIFD:DateTimeOriginal").is_none() && r.get("Keys:CreationDate").is_none())
        {
            continue;
        }
        let p = root.join(r["SourceFile"].as_str().unwrap_or_default());
        let ext = p
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let v = per.entry(ext).or_default();
        if v.len() < 6 && std::fs::metadata(&p).is_ok_and(|m| m.len() < 40_000_000) {
            v.push(p);
        }
    }
    per.into_values().flatten().collect()
}

fn copy_all(files: &[PathBuf], dir: &Path) -> Vec<PathBuf> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let d = dir.join(format!("{i}_{}", f.file_name().unwrap().to_string_lossy()));
            std::fs::copy(f, &d).unwrap();
            d
        })
        .collect()
}

fn main() {
    let root = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if !root.join("oracle.json").is_file() {
        println!("skipped: no corpus at {}", root.display());
        return;
    }
    let files = sample(&root);
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let mb = bytes as f64 / 1e6;
    let rounds: usize = std::env::var("ALBUMEN_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let tmp = tempfile::tempdir().unwrap();
    let edits = [
        Edit::ShiftTime(chrono::Duration::minutes(90)),
        Edit::SetGps(GpsPosition::new(48.858370, 2.294481, None).unwrap()),
        Edit::SetRating(Rating::new(4).unwrap()),
        Edit::AddKeyword("albumen-bar".into()),
    ];
    let have_exiftool = Command::new("exiftool").arg("-ver").output().is_ok();
    let (mut best_a, mut best_e) = (Duration::MAX, Duration::MAX);
    let (mut ok_a, mut ok_e) = (0, 0);
    for _ in 0..rounds {
        let a = copy_all(&files, &tmp.path().join("a"));
        let t = Instant::now();
        ok_a = a
            .iter()
            .filter(|p| apply(p, &edits, &Options::default()).is_ok())
            .count();
        best_a = best_a.min(t.elapsed());
        if have_exiftool {
            let e = copy_all(&files, &tmp.path().join("e"));
            let t = Instant::now();
            let out = Command::new("exiftool")
                .args([
                    "-overwrite_original",
                    "-q",
                    "-q",
                    "-m",
                    "-AllDates+=01:30:00",
                    "-GPSLatitude=48.858370",
                    "-GPSLatitudeRef=N",
                    "-GPSLongitude=2.294481",
                    "-GPSLongitudeRef=E",
                    "-Rating=4",
                    "-Subject+=albumen-bar",
                ])
                .args(&e)
                .output()
                .unwrap();
            best_e = best_e.min(t.elapsed());
            let _ = out;
            ok_e = e
                .iter()
                .zip(&files)
                .filter(|(c, o)| std::fs::read(c).ok() != std::fs::read(o).ok())
                .count();
        }
    }
    let rate = |d: Duration| (files.len() as f64 / d.as_secs_f64(), mb / d.as_secs_f64());
    let (fa, ma) = rate(best_a);
    println!(
        "albumen-edit: {} files ({mb:.1} MB), {ok_a} edited, best of {rounds}: {:.3} s = {fa:.1} files/s, {ma:.1} MB/s",
        files.len(),
        best_a.as_secs_f64()
    );
    if have_exiftool {
        let (fe, me) = rate(best_e);
        println!(
            "exiftool:     {} files ({mb:.1} MB), {ok_e} changed, best of {rounds}: {:.3} s = {fe:.1} files/s, {me:.1} MB/s",
            files.len(),
            best_e.as_secs_f64()
        );
        println!(
            "ratio (albumen / exiftool throughput): {:.1}x",
            best_e.as_secs_f64() / best_a.as_secs_f64()
        );
    } else {
        println!("exiftool not installed: no comparison");
    }
}
