//! Against the real corpus and exiftool's reading of it (`oracle.json`): files that carry an
//! explicit offset resolve to exiftool's instant, and the movie-header table agrees with every
//! video that has both a header time and a zoned creation date.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use albumen_timeline::resolve::{movie_header_clock, MovieHeaderClock};
use albumen_timeline::{resolve, ResolveOptions, TimeSource};
use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    if p.join("oracle.json").is_file() {
        Some(p)
    } else {
        println!("skipped: no corpus at {} (set ALBUMEN_CORPUS)", p.display());
        None
    }
}

fn oracle(dir: &std::path::Path) -> Vec<Value> {
    let s = std::fs::read_to_string(dir.join("oracle.json")).unwrap();
    serde_json::from_str(&s).unwrap()
}

fn text<'a>(o: &'a Value, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

/// exiftool's `YYYY:MM:DD HH:MM:SS[.fff]` plus `+HH:MM`, as an instant.
fn instant(dt: &str, off: &str) -> Option<DateTime<chrono::FixedOffset>> {
    let dt = dt.get(..19)?;
    DateTime::parse_from_str(&format!("{dt}{off}"), "%Y:%m:%d %H:%M:%S%:z").ok()
}

#[test]
fn explicit_offsets_match_exiftool() {
    let Some(dir) = corpus() else { return };
    let (mut n, mut bad) = (0, Vec::new());
    for o in oracle(&dir) {
        let Some(file) = text(&o, "SourceFile") else {
            continue;
        };
        let want = match (
            text(&o, "ExifIFD:DateTimeOriginal"),
            text(&o, "ExifIFD:OffsetTimeOriginal"),
            text(&o, "Keys:CreationDate"),
        ) {
            (Some(d), Some(off), _) => instant(d, off),
            (_, _, Some(c)) => c.get(19..).and_then(|off| instant(c, off)),
            _ => None,
        };
        let Some(want) = want else { continue };
        let path = dir.join(file);
        let meta = match albumen_meta::read_path(&path) {
            Ok(m) => m,
            Err(e) => {
                bad.push(format!("{file}: read error {e}"));
                continue;
            }
        };
        n += 1;
        let got = resolve(&meta, None, &ResolveOptions::default());
        match got {
            Some(t)
                if t.utc.timestamp() == want.timestamp()
                    && t.source == TimeSource::ExplicitOffset => {}
            other => bad.push(format!("{file}: want {want}, got {other:?}")),
        }
    }
    println!(
        "{} files with an explicit offset; {} disagree",
        n,
        bad.len()
    );
    for b in &bad {
        println!("  {b}");
    }
    assert!(n >= 15, "only {n} files with offsets found");
    assert!(bad.is_empty());
}

#[test]
fn movie_header_table_agrees_with_zoned_creation_dates() {
    let Some(dir) = corpus() else { return };
    let mut checked = 0;
    for o in oracle(&dir) {
        let (Some(file), Some(mvhd), Some(c)) = (
            text(&o, "SourceFile"),
            text(&o, "QuickTime:CreateDate"),
            text(&o, "Keys:CreationDate"),
        ) else {
            continue;
        };
        let Some(zoned) = c.get(19..).and_then(|off| instant(c, off)) else {
            continue;
        };
        let Ok(header) = NaiveDateTime::parse_from_str(mvhd, "%Y:%m:%d %H:%M:%S") else {
            continue;
        };
        let meta = albumen_meta::read_path(dir.join(file)).unwrap();
        let clock = movie_header_clock(meta.make.as_deref(), meta.model.as_deref());
        let as_utc = (header.and_utc().timestamp() - zoned.timestamp()).abs();
        let as_local =
            (header.and_utc().timestamp() - zoned.naive_local().and_utc().timestamp()).abs();
        // A clip's header is written when recording stops, the creation date when it starts.
        let fits = |d: i64| d <= 120;
        match clock {
            MovieHeaderClock::Utc => {
                assert!(fits(as_utc), "{file}: header {mvhd} is not UTC of {c}")
            }
            MovieHeaderClock::Local => {
                assert!(fits(as_local), "{file}: header {mvhd} is not local {c}")
            }
            MovieHeaderClock::Unknown => {}
        }
        if clock != MovieHeaderClock::Unknown {
            checked += 1;
        }
        println!(
            "{file}: make {:?} → {clock:?}; header−UTC {as_utc} s, header−local {as_local} s",
            meta.make
        );
    }
    assert!(checked >= 3, "only {checked} videos checked");
}

#[test]
fn every_corpus_file_resolves_without_panicking() {
    let Some(dir) = corpus() else { return };
    let s = albumen_timeline::scan::scan(&[dir]);
    let mut b = albumen_timeline::Builder::new(albumen_timeline::TimelineOptions::default());
    for f in &s.files {
        b.push(f.facts, f.camera.as_deref());
    }
    let tl = b.build();
    println!(
        "{} files, {} dated, {} events, sources {:?}",
        tl.entries.len(),
        tl.order.len(),
        tl.events.len(),
        tl.source_counts()
    );
    assert!(tl.entries.len() >= 300);
    // Every file has at least its file time.
    assert!(tl.undated.is_empty());
}
