//! Measures the offline zone lookup: load time and lookups per second of tzf-rs's
//! `DefaultFinder` (used) and `EmbeddedFinder` (the low-memory alternative).
use std::time::Instant;

use albumen_timeline::bench_data::mixed_items;

fn main() {
    let pts: Vec<(f64, f64)> = mixed_items(200_000, 3)
        .iter()
        .filter_map(|(f, _)| f.gps)
        .collect();
    let t = Instant::now();
    let Some(d) = albumen_timeline::ZoneFinder::global() else {
        eprintln!("zone data failed to load");
        return;
    };
    println!(
        "ZoneFinder open (embedded): {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let n = pts
        .iter()
        .take(1000)
        .filter(|p| d.zone_at(p.0, p.1).is_some())
        .count();
    println!(
        "  first 1000 lookups ({n} found): {:.0} ns each",
        t.elapsed().as_secs_f64() * 1e6
    );
    let t = Instant::now();
    d.expand();
    println!(
        "DefaultFinder expand: {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let n = pts.iter().filter(|p| d.zone_at(p.0, p.1).is_some()).count();
    let el = t.elapsed().as_secs_f64();
    println!(
        "  {} lookups ({} found): {:.0} ns each",
        pts.len(),
        n,
        el * 1e9 / pts.len() as f64
    );
    let t = Instant::now();
    let e = tzf_rs::EmbeddedFinder::new();
    println!(
        "EmbeddedFinder load: {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let n = pts
        .iter()
        .filter(|p| !e.get_tz_name(p.1, p.0).is_empty())
        .count();
    let el = t.elapsed().as_secs_f64();
    println!(
        "  {} lookups ({} found): {:.0} ns each",
        pts.len(),
        n,
        el * 1e9 / pts.len() as f64
    );
    println!("bundled data: {} bytes", tzf_dist::load_lite_tzb().len());
}
