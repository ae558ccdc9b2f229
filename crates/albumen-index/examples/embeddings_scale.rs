//! Times the exact int8 nearest-neighbour scan of `albumen similar` on synthetic embeddings:
//! `cargo run --release -p albumen-index --example embeddings_scale [N...]` (default 10000
//! 100000 1000000), 1,280 numbers each like albumen-vision's classifier. Prints the in-memory
//! scan time (median of 5 queries), and for N up to 100,000 the time to store them in an
//! index and to load them back (what one `albumen similar` pays before the scan).

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const DIM: usize = 1280;
    let ns: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let ns = if ns.is_empty() {
        vec![10_000, 100_000, 1_000_000]
    } else {
        ns
    };
    // A cheap deterministic generator (xorshift), non-negative features like ReLU6 outputs.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    for n in ns {
        let mut set = albumen_index::Embeddings::new(DIM);
        let mut v = vec![0f32; DIM];
        for id in 0..n {
            v.iter_mut().for_each(|x| *x = next().powi(3));
            set.push(id as i64, &albumen_index::quantise(&v));
        }
        let mut times = Vec::new();
        for _ in 0..5 {
            let q: Vec<f32> = (0..DIM).map(|_| next().powi(3)).collect();
            let t = Instant::now();
            let hits = set.nearest(&q, 20, None);
            times.push(t.elapsed().as_secs_f64());
            assert_eq!(hits.len(), 20);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{n} vectors: scan {:.1} ms (median of 5), {} MiB in memory",
            times[2] * 1e3,
            n * DIM / (1 << 20)
        );
        if n <= 100_000 {
            let dir = tempfile::tempdir()?;
            let index = albumen_index::Index::open(dir.path().join("i.db"))?;
            let c = rusqlite::Connection::open(index.path())?;
            c.execute_batch(
                "INSERT INTO libraries (id, name, created_at) VALUES (1, 't', 'now');
                 INSERT INTO dirs (id, library_id, path, path_text) VALUES (1, 1, x'2f70', '/p');
                 BEGIN;",
            )?;
            let t = Instant::now();
            for id in 1..=n as i64 {
                c.execute(
                    "INSERT INTO files (id, library_id, dir_id, name, path, path_text, size,
                       mtime_ns, dev, inode, nlink, kind, first_run, read_run)
                     VALUES (?1, 1, 1, CAST(?1 AS BLOB), CAST(?1 AS BLOB), ?1, 1, 0, 0, ?1, 1, 'photo', 1, 1)",
                    [id],
                )?;
                v.iter_mut().for_each(|x| *x = next().powi(3));
                index.store_embedding(id, &v)?;
            }
            c.execute_batch("COMMIT;")?;
            let stored = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let loaded = index.embeddings(DIM)?;
            let load = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let hits = index.similar(&v, 20, None)?;
            let whole = t.elapsed().as_secs_f64();
            assert_eq!(loaded.len(), n);
            assert_eq!(hits.len(), 20);
            drop(index);
            let size = std::fs::metadata(dir.path().join("i.db"))?.len();
            println!(
                "  in an index: stored in {stored:.1} s, loaded in {:.0} ms, Index::similar {:.0} ms; database {:.0} bytes per photo (files row included)",
                load * 1e3,
                whole * 1e3,
                size as f64 / n as f64
            );
        }
    }
    Ok(())
}
