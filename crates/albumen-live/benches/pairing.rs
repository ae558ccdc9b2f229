//! Pairing 1 million synthetic items (the issue asks for well under a second).
//!
//! The items are what a library of Live Photos looks like: 40 % Apple stills and 40 % their
//! videos (content identifiers, same folder), 10 % identifier-less still/video pairs for the
//! name-time fallback, 10 % plain photos; 1000 files per folder.
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::PathBuf;

use albumen_live::Pairer;
use albumen_meta::{CaptureTime, Format, Metadata, Source, Sourced};
use chrono::{NaiveDate, TimeDelta};
use criterion::{criterion_group, Criterion};

fn items(n: usize) -> Vec<(PathBuf, Metadata)> {
    let base = NaiveDate::from_ymd_opt(2020, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap();
    let mut v = Vec::with_capacity(n);
    let mut i = 0usize;
    while v.len() < n {
        let folder = format!("/lib/{:04}", i / 500);
        let time = base + TimeDelta::seconds(i as i64 * 7);
        let capture = Some(Sourced::new(
            CaptureTime::Floating { time },
            Source::ExifIfd,
        ));
        let mut still = Metadata::default();
        still.format = Some(Format::Heic);
        still.capture = capture.clone();
        let mut video = Metadata::default();
        video.format = Some(Format::Mov);
        video.duration_s = Some(2.5);
        video.capture = capture;
        match i % 10 {
            0..=7 => {
                let id = format!("{:08X}-0000-4000-8000-{:012X}", i, i);
                still.content_id = Some(id.clone());
                video.content_id = Some(id);
                v.push((PathBuf::from(format!("{folder}/IMG_{i:06}.HEIC")), still));
                v.push((PathBuf::from(format!("{folder}/IMG_{i:06}.MOV")), video));
            }
            8 => {
                v.push((PathBuf::from(format!("{folder}/IMG_{i:06}.JPG")), still));
                v.push((PathBuf::from(format!("{folder}/IMG_{i:06}.MOV")), video));
            }
            _ => {
                v.push((PathBuf::from(format!("{folder}/IMG_{i:06}.HEIC")), still));
                v.push((
                    PathBuf::from(format!("{folder}/DSC_{i:06}.HEIC")),
                    Metadata::default(),
                ));
            }
        }
        i += 1;
    }
    v.truncate(n);
    v
}

fn bench(c: &mut Criterion) {
    let data = items(1_000_000);
    let pairer = Pairer::default();
    let check = pairer.pair(data.iter().map(|(p, m)| (p.as_path(), m)));
    assert_eq!(check.pairs.len(), 450_000);
    c.bench_function("pair 1M items", |b| {
        b.iter_with_large_drop(|| pairer.pair(data.iter().map(|(p, m)| (p.as_path(), m))))
    });
}

/// On-CPU time of this thread in nanoseconds (Linux `schedstat`), so that the figure means
/// something on a machine busy with other work, where wall time does not.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}

fn main() {
    let data = items(1_000_000);
    let pairer = Pairer::default();
    for _ in 0..3 {
        let (c0, t0) = (thread_cpu_ns(), std::time::Instant::now());
        let p = pairer.pair(data.iter().map(|(p, m)| (p.as_path(), m)));
        let (c1, wall) = (thread_cpu_ns(), t0.elapsed());
        drop(p);
        let cpu = c0.zip(c1).map(|(a, b)| (b - a) as f64 / 1e9);
        println!(
            "pair 1M items: wall {:.3} s, on-CPU {} s",
            wall.as_secs_f64(),
            cpu.map_or("?".into(), |c| format!("{c:.3}"))
        );
    }
    drop(data);
    benches();
    Criterion::default().configure_from_args().final_summary();
}
