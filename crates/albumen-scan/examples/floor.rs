//! The floor a metadata scan is compared with: walk the tree in parallel (rayon, like the scan)
//! and read the first 64 KiB of every file, every path (hard links included), nothing else.
//! `floor ROOT...` prints the number of files and bytes read.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

fn walk<'s>(s: &rayon::Scope<'s>, dir: PathBuf, files: &'s AtomicU64, bytes: &'s AtomicU64) {
    let Ok(rd) = fs::read_dir(&dir) else { return };
    for e in rd.flatten() {
        match e.file_type() {
            Ok(t) if t.is_dir() => {
                let p = e.path();
                s.spawn(move |s| walk(s, p, files, bytes));
            }
            Ok(t) if t.is_file() => {
                files.fetch_add(1, Ordering::Relaxed);
                bytes.fetch_add(head(&e.path()), Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

fn head(p: &Path) -> u64 {
    let mut buf = [0u8; 64 * 1024];
    let Ok(mut f) = File::open(p) else { return 0 };
    let mut n = 0;
    while n < buf.len() {
        match f.read(buf.get_mut(n..).unwrap_or_default()) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n as u64
}

fn main() {
    let files = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    let roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    rayon::scope(|s| {
        for r in roots {
            let (f, b) = (&files, &bytes);
            s.spawn(move |s| walk(s, r, f, b));
        }
    });
    println!(
        "files {} bytes {}",
        files.load(Ordering::Relaxed),
        bytes.load(Ordering::Relaxed)
    );
}
