//! Scan benchmarks: first scan and rescan of
//! - `corpus`: `../shared/corpus` itself (when present, or `ALBUMEN_CORPUS`);
//! - `linked-20k`: 20,000+ paths made from the corpus's real media files under many names
//!   (hard links in 200 folders, as a photo library with duplicates looks on disk);
//! - `synthetic-100k`: 100,000 small distinct files in 1,000 folders (walk, stat and database
//!   cost at scale; set `ALBUMEN_BENCH_100K=0` to skip it).
//!
//! `cargo bench -p albumen-index --bench scan`

// A benchmark whose setup fails has nothing to measure: abort loudly. `criterion_group!`
// generates undocumented items.
#![allow(clippy::expect_used, missing_docs)]

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions, DEFAULT_EXTENSIONS};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    p.is_dir().then_some(p)
}

fn media_files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(root) else { return };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => media_files(&p, out),
            Ok(t) if t.is_file() => {
                let ext = p
                    .extension()
                    .map(|x| x.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                if DEFAULT_EXTENSIONS.contains(&ext.as_str()) {
                    out.push(p);
                }
            }
            _ => {}
        }
    }
}

/// 20,000+ names for the corpus's media files: one private copy of each file, then hard links
/// to it under new names in 200 folders.
fn linked_tree(corpus: &Path, dst: &Path, n: usize) -> usize {
    let mut files = Vec::new();
    media_files(corpus, &mut files);
    files.sort();
    let originals = dst.join("originals");
    fs::create_dir_all(&originals).expect("mkdir");
    let mut copies = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let c = originals.join(format!("{i:04}-{name}"));
        fs::copy(f, &c).expect("copy");
        copies.push((c, name));
    }
    let mut made = copies.len();
    let mut i = 0;
    while made < n {
        for (c, name) in &copies {
            let dir = dst.join(format!("folder{:03}", i % 200));
            fs::create_dir_all(&dir).expect("mkdir");
            fs::hard_link(c, dir.join(format!("{i:06}-{name}"))).expect("link");
            i += 1;
            made += 1;
        }
    }
    made
}

fn synthetic_tree(dst: &Path, n: usize) {
    for i in 0..n {
        let dir = dst.join(format!("{:04}", i / 100));
        if i % 100 == 0 {
            fs::create_dir_all(&dir).expect("mkdir");
        }
        let body = format!("\u{ff}synthetic {i}");
        fs::write(dir.join(format!("IMG_{i:06}.JPG")), body).expect("write");
    }
}

fn bench_tree(c: &mut Criterion, name: &str, root: &Path, samples: usize) {
    let dbdir = tempfile::tempdir().expect("tempdir");
    let db = dbdir.path().join("index.db");
    let opts = ScanOptions::new();
    let roots = vec![root.to_path_buf()];
    let mut g = c.benchmark_group(name);
    g.sample_size(samples)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("first-scan", |b| {
        b.iter_batched(
            || {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = fs::remove_file(format!("{}{suffix}", db.display()));
                }
            },
            |()| {
                let mut index = Index::open(&db).expect("open");
                index
                    .scan("bench", &roots, &opts, &NoProgress)
                    .expect("scan")
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("rescan", |b| {
        b.iter(|| {
            let mut index = Index::open(&db).expect("open");
            index
                .scan("bench", &roots, &opts, &NoProgress)
                .expect("scan")
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let Some(corpus) = corpus() else {
        eprintln!("corpus not found (set ALBUMEN_CORPUS): only the synthetic tree is measured");
        let t = tempfile::tempdir().expect("tempdir");
        synthetic_tree(t.path(), 100_000);
        bench_tree(c, "synthetic-100k", t.path(), 10);
        return;
    };
    bench_tree(c, "corpus", &corpus, 20);

    let linked = tempfile::tempdir().expect("tempdir");
    let n = linked_tree(&corpus, linked.path(), 20_000);
    eprintln!("linked tree: {n} paths");
    bench_tree(c, "linked-20k", linked.path(), 10);

    if std::env::var("ALBUMEN_BENCH_100K").as_deref() != Ok("0") {
        let t = tempfile::tempdir().expect("tempdir");
        synthetic_tree(t.path(), 100_000);
        bench_tree(c, "synthetic-100k", t.path(), 10);
    }
}

criterion_group!(scan, benches);
criterion_main!(scan);
