//! Resolving and grouping a million items (no I/O): `cargo bench -p albumen-timeline`.
#![allow(missing_docs)] // criterion_group! generates undocumented items
use albumen_timeline::bench_data::mixed_items;
use albumen_timeline::{Builder, TimelineOptions, ZoneFinder};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn builder(items: &[(albumen_timeline::TimeFacts, &'static str)]) -> Builder {
    let mut b = Builder::new(TimelineOptions::default());
    for (f, c) in items {
        b.push(*f, (!c.is_empty()).then_some(*c));
    }
    b
}

fn bench(c: &mut Criterion) {
    // The zone polygons load once per process; not part of the per-run figure.
    let _ = ZoneFinder::global();
    let items = mixed_items(1_000_000, 7);
    let mut g = c.benchmark_group("timeline");
    g.sample_size(10);
    g.bench_function("resolve+group 1M items", |b| {
        b.iter_batched(|| builder(&items), |b| b.build(), BatchSize::PerIteration)
    });
    let small = mixed_items(10_000, 7);
    g.bench_function("resolve+group 10k items", |b| {
        b.iter_batched(|| builder(&small), |b| b.build(), BatchSize::SmallInput)
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
