//! Map clusters: the H3 [`ClusterIndex`] against two baselines written here, in the same run,
//! on the same 1M points, plus reverse-geocoding throughput.
//!
//! - `grid`: a plain lat/lon-pixel grid per zoom (Web Mercator, 60-px cells), precomputed for
//!   the 21 zoom levels (HashMap per zoom), queried by scanning the zoom's cells.
//! - `greedy`: supercluster-style greedy clustering (60-px radius), each zoom built from the
//!   clusters of the zoom above, queried through a per-zoom array sorted by x.
//!
//! `cargo bench -p albumen-geo --bench clusters` prints a summary table (build time, memory
//! bytes per point, slowest viewport query over zooms 0..=20) before criterion's own timings.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use albumen_geo::{Bbox, ClusterIndex, Geocoder};
use criterion::{criterion_group, criterion_main, Criterion};

const N: usize = 1_000_000;
const RADIUS_PX: f64 = 60.0;

/// A photo-library-like set: 90% around 60 hot spots (power-law weights, spreads from a street
/// to a region), 10% anywhere on Earth.
fn points(n: usize) -> Vec<(f64, f64)> {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let spots: Vec<(f64, f64, f64)> = (0..60)
        .map(|_| {
            let lat = (next() * 2.0 - 1.0).asin().to_degrees() * 0.8;
            let lon = next() * 360.0 - 180.0;
            (lat, lon, 10f64.powf(-3.0 + next() * 3.0))
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        if next() < 0.1 {
            out.push((
                (next() * 2.0 - 1.0).asin().to_degrees(),
                next() * 360.0 - 180.0,
            ));
            continue;
        }
        // spot k with probability ~ 1/(k+1)
        let k = ((61f64).powf(next()) - 1.0) as usize;
        let (lat, lon, spread) = spots[k.min(59)];
        let (u, v) = (next().max(1e-12), next());
        let r = (-2.0 * u.ln()).sqrt() * spread;
        let (dlat, dlon) = (
            r * (std::f64::consts::TAU * v).cos(),
            r * (std::f64::consts::TAU * v).sin(),
        );
        let lat = (lat + dlat).clamp(-89.9, 89.9);
        let mut lon = lon + dlon;
        if lon > 180.0 {
            lon -= 360.0;
        }
        if lon < -180.0 {
            lon += 360.0;
        }
        out.push((lat, lon));
    }
    out
}

/// Centre of the densest 0.01-degree cell (a street-level hot spot), for viewports that hold
/// points at every zoom.
fn hot_centre(points: &[(f64, f64)]) -> (f64, f64) {
    let mut grid: HashMap<(i32, i32), (usize, f64, f64)> = HashMap::new();
    for p in points.iter().step_by(10) {
        let e = grid
            .entry(((p.0 * 100.0).floor() as i32, (p.1 * 100.0).floor() as i32))
            .or_default();
        e.0 += 1;
        e.1 += p.0;
        e.2 += p.1;
    }
    let (_, (n, la, lo)) = grid.into_iter().max_by_key(|e| e.1 .0).unwrap();
    (la / n as f64, lo / n as f64)
}

/// A 1280x800-pixel viewport at `zoom` around a centre (256-px tiles).
fn viewport(c: (f64, f64), zoom: u8) -> Bbox {
    let w = 5.0 * 360.0 / f64::from(1u32 << zoom);
    let h = 3.125 * 360.0 / f64::from(1u32 << zoom) * c.0.to_radians().cos();
    if w >= 360.0 {
        return Bbox::WORLD;
    }
    let wrap = |l: f64| {
        if l > 180.0 {
            l - 360.0
        } else if l < -180.0 {
            l + 360.0
        } else {
            l
        }
    };
    Bbox::new(
        wrap(c.1 - w / 2.0),
        (c.0 - h / 2.0).max(-90.0),
        wrap(c.1 + w / 2.0),
        (c.0 + h / 2.0).min(90.0),
    )
    .unwrap()
}

fn merc(lat: f64, lon: f64, zoom: u8) -> (f64, f64) {
    let scale = 256.0 * f64::from(1u32 << zoom);
    let lat = lat.clamp(-85.05112878, 85.05112878).to_radians();
    let x = (lon + 180.0) / 360.0 * scale;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * scale;
    (x, y)
}

fn in_box(b: &Bbox, lat: f64, lon: f64) -> bool {
    b.contains(lat, lon)
}

// ---------------------------------------------------------------- baseline 1: plain grid
#[derive(Clone, Copy, Default)]
struct Agg {
    count: u32,
    rep: u32,
    sum_lat: f64,
    sum_lon: f64,
}

struct Grid {
    zooms: Vec<HashMap<(u32, u32), Agg>>,
}

impl Grid {
    fn build(pts: &[(f64, f64)]) -> Grid {
        let zooms = (0..=20u8)
            .map(|z| {
                let mut m: HashMap<(u32, u32), Agg> = HashMap::new();
                for (i, &(lat, lon)) in pts.iter().enumerate() {
                    let (x, y) = merc(lat, lon, z);
                    let a = m
                        .entry(((x / RADIUS_PX) as u32, (y / RADIUS_PX) as u32))
                        .or_insert(Agg {
                            rep: i as u32,
                            ..Agg::default()
                        });
                    a.count += 1;
                    a.sum_lat += lat;
                    a.sum_lon += lon;
                }
                m
            })
            .collect();
        Grid { zooms }
    }
    fn bytes(&self) -> usize {
        // hashbrown: key + value + 1 control byte per bucket, at 7/8 load
        self.zooms
            .iter()
            .map(|m| m.capacity() * (8 + std::mem::size_of::<Agg>() + 1))
            .sum()
    }
    /// (lat, lon, count, representative) of the clusters in the box.
    fn query(&self, b: &Bbox, z: u8) -> Vec<(f64, f64, u32, u32)> {
        self.zooms[z as usize]
            .values()
            .filter_map(|a| {
                let n = f64::from(a.count);
                let (lat, lon) = (a.sum_lat / n, a.sum_lon / n);
                in_box(b, lat, lon).then_some((lat, lon, a.count, a.rep))
            })
            .collect()
    }
}

// ------------------------------------------------- baseline 2: supercluster-style greedy
#[derive(Clone, Copy)]
struct Node {
    x: f64, // Mercator x at zoom 0 in [0, 256)
    y: f64,
    lat: f64,
    lon: f64,
    count: u32,
    rep: u32,
}

struct Greedy {
    /// Per zoom 0..=20, clusters sorted by x.
    zooms: Vec<Vec<Node>>,
}

impl Greedy {
    fn build(pts: &[(f64, f64)]) -> Greedy {
        let mut level: Vec<Node> = pts
            .iter()
            .enumerate()
            .map(|(i, &(lat, lon))| {
                let (x, y) = merc(lat, lon, 0);
                Node {
                    x,
                    y,
                    lat,
                    lon,
                    count: 1,
                    rep: i as u32,
                }
            })
            .collect();
        let mut zooms = vec![Vec::new(); 21];
        for z in (0..=20u8).rev() {
            let scale = f64::from(1u32 << z);
            let r = RADIUS_PX / scale; // radius in zoom-0 pixels
            let mut hash: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
            for (i, n) in level.iter().enumerate() {
                hash.entry(((n.x / r) as i64, (n.y / r) as i64))
                    .or_default()
                    .push(i as u32);
            }
            let mut used = vec![false; level.len()];
            let mut next = Vec::new();
            for i in 0..level.len() {
                if used[i] {
                    continue;
                }
                used[i] = true;
                let p = level[i];
                let (cx, cy) = ((p.x / r) as i64, (p.y / r) as i64);
                let mut acc = p;
                let (mut sx, mut sy) = (p.x * f64::from(p.count), p.y * f64::from(p.count));
                let (mut sla, mut slo) = (p.lat * f64::from(p.count), p.lon * f64::from(p.count));
                for dx in -1..=1 {
                    for dy in -1..=1 {
                        if let Some(list) = hash.get(&(cx + dx, cy + dy)) {
                            for &j in list {
                                let j = j as usize;
                                if used[j] {
                                    continue;
                                }
                                let q = level[j];
                                if (q.x - p.x).powi(2) + (q.y - p.y).powi(2) <= r * r {
                                    used[j] = true;
                                    let w = f64::from(q.count);
                                    acc.count += q.count;
                                    sx += q.x * w;
                                    sy += q.y * w;
                                    sla += q.lat * w;
                                    slo += q.lon * w;
                                }
                            }
                        }
                    }
                }
                let w = f64::from(acc.count);
                next.push(Node {
                    x: sx / w,
                    y: sy / w,
                    lat: sla / w,
                    lon: slo / w,
                    count: acc.count,
                    rep: p.rep,
                });
            }
            next.sort_by(|a, b| a.x.total_cmp(&b.x));
            zooms[z as usize] = next.clone();
            level = next;
        }
        Greedy { zooms }
    }
    fn bytes(&self) -> usize {
        self.zooms
            .iter()
            .map(|v| v.capacity() * std::mem::size_of::<Node>())
            .sum()
    }
    /// (lat, lon, count, representative) of the clusters in the box.
    fn query(&self, b: &Bbox, z: u8) -> Vec<(f64, f64, u32, u32)> {
        let v = &self.zooms[z as usize];
        let (w, s, e, n) = b.edges();
        let x = |lon: f64| merc(0.0, lon, 0).0;
        let mut out = Vec::new();
        let mut take = |x0: f64, x1: f64| {
            let a = v.partition_point(|c| c.x < x0);
            let bnd = v.partition_point(|c| c.x <= x1);
            out.extend(
                v[a..bnd]
                    .iter()
                    .filter(|c| c.lat >= s && c.lat <= n)
                    .map(|c| (c.lat, c.lon, c.count, c.rep)),
            );
        };
        if w <= e {
            take(x(w), x(e));
        } else {
            take(x(w), 256.0);
            take(0.0, x(e));
        }
        out
    }
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed())
}

fn summary(pts: &[(f64, f64)]) -> (ClusterIndex, Grid, Greedy, (f64, f64)) {
    let centre = hot_centre(pts);
    let (h3, h3_build) = time(|| ClusterIndex::build(pts).unwrap());
    let (grid, grid_build) = time(|| Grid::build(pts));
    let (greedy, greedy_build) = time(|| Greedy::build(pts));
    let worst = |q: &dyn Fn(&Bbox, u8) -> usize| {
        let mut worst = (Duration::ZERO, 0u8, 0usize);
        for z in 0..=20u8 {
            let b = viewport(centre, z);
            let (n, d) = time(|| {
                let mut n = 0;
                for _ in 0..5 {
                    n = black_box(q(&b, z));
                }
                n
            });
            let d = d / 5;
            if d > worst.0 {
                worst = (d, z, n);
            }
        }
        worst
    };
    let h3_q = worst(&|b, z| h3.clusters(*b, z).unwrap().len());
    let world_z20 = time(|| h3.clusters(Bbox::WORLD, 20).unwrap().len());
    let grid_q = worst(&|b, z| grid.query(b, z).len());
    let greedy_q = worst(&|b, z| greedy.query(b, z).len());
    let n = pts.len() as f64;
    println!("\n== map clusters, {} points (90% in 60 hot spots), 1280x800 viewport on the densest spot ==", pts.len());
    println!(
        "{:<8} {:>10} {:>12} {:>26}",
        "method", "build ms", "bytes/point", "slowest query (zoom, clusters)"
    );
    for (name, build, bytes, q) in [
        ("h3", h3_build, h3.memory_bytes(), h3_q),
        ("grid", grid_build, grid.bytes(), grid_q),
        ("greedy", greedy_build, greedy.bytes(), greedy_q),
    ] {
        println!(
            "{name:<8} {:>10.1} {:>12.1} {:>14.3} ms (z{}, {})",
            build.as_secs_f64() * 1e3,
            bytes as f64 / n,
            q.0.as_secs_f64() * 1e3,
            q.1,
            q.2
        );
    }
    println!(
        "h3 whole world at zoom 20 (not a viewport; output-bound): {:.1} ms, {} clusters",
        world_z20.1.as_secs_f64() * 1e3,
        world_z20.0
    );
    // Incremental: 10k inserts + 10k removes on the 1M index.
    let mut inc = h3.clone();
    let (_, ins) = time(|| {
        for i in 0..10_000u32 {
            let (lat, lon) = pts[i as usize];
            inc.insert(lat * 0.5, lon * 0.5).unwrap();
        }
        for i in 0..10_000u32 {
            inc.remove(i * 7);
        }
    });
    println!(
        "h3 incremental: 10k inserts + 10k removes on 1M in {:.1} ms ({:.2} us/op, merges included)",
        ins.as_secs_f64() * 1e3,
        ins.as_secs_f64() * 1e6 / 20_000.0
    );
    (h3, grid, greedy, centre)
}

fn geocoder_summary() {
    let g = Geocoder::embedded().unwrap();
    let mut opts = g.options();
    opts.use_borders = false;
    let raw = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/places.bin.z")).unwrap();
    let nearest_only = Geocoder::from_compressed(&raw, opts).unwrap();
    let (_, load) = time(|| Geocoder::embedded().unwrap());
    // Random land-ish positions: near the places themselves, moved up to ~30 km.
    let pts = points(200_000);
    let (named, d) = time(|| {
        pts.iter()
            .filter(|p| g.lookup(p.0, p.1).unwrap().is_some())
            .count()
    });
    let (_, d2) = time(|| {
        pts.iter()
            .filter(|p| nearest_only.lookup(p.0, p.1).unwrap().is_some())
            .count()
    });
    // Border disagreement: where both name a country, how often nearest-only names another.
    let (mut both, mut differ) = (0usize, 0usize);
    for p in &pts {
        if let (Some(a), Some(b)) = (
            g.lookup(p.0, p.1).unwrap(),
            nearest_only.lookup(p.0, p.1).unwrap(),
        ) {
            both += 1;
            differ += usize::from(a.country_code != b.country_code);
        }
    }
    println!("\n== reverse geocoding, {} positions ==", pts.len());
    println!(
        "table load (decompress + parse + k-d tree + zone finder): {:.0} ms",
        load.as_secs_f64() * 1e3
    );
    println!(
        "border-checked: {:.0} lookups/s ({} named); nearest-only: {:.0} lookups/s",
        pts.len() as f64 / d.as_secs_f64(),
        named,
        pts.len() as f64 / d2.as_secs_f64()
    );
    println!(
        "nearest-only names a different country than the zone check for {differ} of {both} positions ({:.2}%)",
        100.0 * differ as f64 / both.max(1) as f64
    );
    // Land only (the positions that got a name): the slow path, nearest within a country set.
    let land: Vec<(f64, f64)> = pts
        .iter()
        .copied()
        .filter(|p| g.lookup(p.0, p.1).unwrap().is_some())
        .collect();
    let (_, d3) = time(|| {
        land.iter()
            .filter(|p| g.lookup(p.0, p.1).unwrap().is_some())
            .count()
    });
    println!(
        "border-checked on the {} named (land) positions only: {:.0} lookups/s",
        land.len(),
        land.len() as f64 / d3.as_secs_f64()
    );
}

fn benches(c: &mut Criterion) {
    let pts = points(N);
    let (h3, grid, greedy, centre) = summary(&pts);
    geocoder_summary();

    let mut g = c.benchmark_group("build_1M");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("h3", |b| {
        b.iter(|| ClusterIndex::build(black_box(&pts)).unwrap())
    });
    g.bench_function("grid", |b| b.iter(|| Grid::build(black_box(&pts))));
    g.finish();

    let mut g = c.benchmark_group("viewport_query_1M");
    g.sample_size(20).measurement_time(Duration::from_secs(2));
    for z in [2u8, 8, 14, 20] {
        let b = viewport(centre, z);
        g.bench_function(format!("h3/z{z}"), |bn| {
            bn.iter(|| h3.clusters(black_box(b), z).unwrap().len())
        });
        g.bench_function(format!("grid/z{z}"), |bn| {
            bn.iter(|| grid.query(black_box(&b), z).len())
        });
        g.bench_function(format!("greedy/z{z}"), |bn| {
            bn.iter(|| greedy.query(black_box(&b), z).len())
        });
    }
    g.finish();

    let geo = Geocoder::embedded().unwrap();
    let sample = points(1000);
    c.bench_function("reverse_geocode_1000", |b| {
        b.iter(|| {
            sample
                .iter()
                .filter(|p| geo.lookup(p.0, p.1).unwrap().is_some())
                .count()
        })
    });
}

criterion_group!(all, benches);
criterion_main!(all);
