//! A minimal scanner for measuring the library alone, with the same arguments as
//! `albumen scan ROOT... --db PATH` (one library, "bench"). Prints the report's counts.

use std::path::PathBuf;

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};

/// Prints the library's `log` records (phase timings at debug level) when `ALBUMEN_LOG` is set.
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &log::Record<'_>) {
        eprintln!("{} {}", r.level(), r.args());
    }
    fn flush(&self) {}
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("ALBUMEN_LOG").is_some() {
        log::set_logger(&StderrLog).map_err(|e| e.to_string())?;
        log::set_max_level(log::LevelFilter::Debug);
    }
    let mut roots = Vec::new();
    let mut db = None;
    let mut hash = false;
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        if a == "--db" {
            db = args.next().map(PathBuf::from);
        } else if a == "--hash" {
            hash = true;
        } else {
            roots.push(PathBuf::from(a));
        }
    }
    let db = db.ok_or("usage: scan ROOT... --db PATH [--hash]")?;
    let mut index = Index::open(&db)?;
    let r = index.scan("bench", &roots, &ScanOptions::new().hash(hash), &NoProgress)?;
    println!(
        "seen {} unchanged {} new {} changed {} moved {} deleted {} read {} reuse {} errors {:?} items {:?} pairs {} in {} ms",
        r.seen, r.unchanged, r.new, r.changed, r.moved, r.deleted, r.read, r.hard_link_reuse,
        r.errors, r.summary.items, r.summary.pairs, r.elapsed_ms
    );
    Ok(())
}
