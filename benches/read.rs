//! Reading metadata: every corpus file (`ALBUMEN_CORPUS`, default `../shared/corpus`), one
//! thread, warm cache. Reports files/s through criterion's throughput.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn corpus_files() -> Vec<PathBuf> {
    let root = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "oracle.json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn bench(c: &mut Criterion) {
    let files = corpus_files();
    if files.is_empty() {
        eprintln!("skipped: no corpus (set ALBUMEN_CORPUS)");
        return;
    }
    let reader = albumen_meta::Reader::new();
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Elements(files.len() as u64));
    g.sample_size(20);
    g.bench_function("corpus", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for f in &files {
                ok += usize::from(reader.read_path(f).is_ok());
            }
            ok
        })
    });
    // The peer the brief names: nom-exif on the same files (EXIF for images, track info for
    // videos), one thread, its parser buffer reused as its docs advise.
    g.bench_function("nom-exif", |b| {
        b.iter(|| {
            let mut parser = nom_exif::MediaParser::new();
            let mut ok = 0usize;
            for f in &files {
                let Ok(ms) = nom_exif::MediaSource::open(f) else {
                    continue;
                };
                ok += usize::from(match ms.kind() {
                    nom_exif::MediaKind::Image => parser.parse_exif(ms).is_ok(),
                    nom_exif::MediaKind::Track => parser.parse_track(ms).is_ok(),
                });
            }
            ok
        })
    });
    // Bytes in memory: the parsing cost alone, without system calls.
    let blobs: Vec<Vec<u8>> = files
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .filter(|b| b.len() < 4 << 20)
        .collect();
    g.throughput(Throughput::Elements(blobs.len() as u64));
    g.bench_function("corpus-in-memory", |b| {
        b.iter(|| {
            blobs
                .iter()
                .filter(|x| reader.read_bytes(x).is_ok())
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
