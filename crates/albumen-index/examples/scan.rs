//! A minimal scanner for measuring the library alone: `scan DB ROOT...` (one library, "bench").
//! Prints the report's counts and the elapsed time on stdout.

use std::path::PathBuf;

use albumen_index::{Index, NoProgress, ScanOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let db = PathBuf::from(args.next().ok_or("usage: scan DB ROOT...")?);
    let roots: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let hash = std::env::var_os("ALBUMEN_HASH").is_some();
    let mut index = Index::open(&db)?;
    let r = index.scan("bench", &roots, &ScanOptions::new().hash(hash), &NoProgress)?;
    println!(
        "seen {} unchanged {} new {} changed {} moved {} deleted {} read {} reuse {} errors {:?} items {:?} in {} ms",
        r.seen, r.unchanged, r.new, r.changed, r.moved, r.deleted, r.read, r.hard_link_reuse,
        r.errors, r.summary.items, r.elapsed_ms
    );
    Ok(())
}
