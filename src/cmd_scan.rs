//! `albumen scan`: scan folders in place into the index, SQLite or PostgreSQL (read-only on the folders).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use albumen_index::{Index, Progress, ScanReport};
use albumen_scan::{Scan, ScanOptions};
use anyhow::Context;

/// Arguments of `albumen scan`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folders to scan (read-only).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Index database: a SQLite file (default: $XDG_DATA_HOME/albumen/index.db or
    /// ~/.local/share/albumen/index.db; never inside the scanned folders) or a PostgreSQL URL
    /// (postgres://user:password@host/database).
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<PathBuf>,
    /// Library the folders belong to (default: each folder is its own library, named after
    /// its absolute path).
    #[arg(long, value_name = "NAME")]
    pub library: Option<String>,
    /// Also compute a BLAKE3 hash of every new or changed file (finds exact duplicates and
    /// moves; reads whole files).
    #[arg(long)]
    pub hash: bool,
    /// Do not resolve capture times with the time zone of the GPS position (on by default).
    #[arg(long)]
    pub no_gps_zones: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Follow symbolic links (loops are detected).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Scan hidden files and folders too (the skip list still applies).
    #[arg(long)]
    pub include_hidden: bool,
    /// Also skip entries with this name (a trailing `*` matches any suffix); repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub skip: Vec<String>,
    /// Do not use the default skip list (.DS_Store, @eaDir, #recycle, .thumbnails, ...).
    #[arg(long)]
    pub no_default_skip: bool,
    /// Also read the text, faces (grouped into people) and object tags of new or changed
    /// photos for `albumen search` and `albumen people` (needs the models:
    /// scripts/vision-models.sh).
    #[arg(long)]
    pub vision: bool,
    /// The vision models folder (default: $ALBUMEN_MODELS, else models/ beside or above the
    /// program).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Also make the preview (256 px) of every new or changed photo and video into the
    /// preview cache, and store its perceptual hash in the index (for `albumen dupes --db`).
    #[arg(long)]
    pub previews: bool,
    /// Preview cache folder for --previews, and where --vision takes its pictures from and
    /// leaves them (default: $XDG_CACHE_HOME/albumen/previews, the web page's cache); never
    /// inside a scanned folder.
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// No progress bar, no summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A progress line on stderr, redrawn at most ten times a second (files/s, ETA); `albumen
/// archive` and `albumen sync` use it too.
pub(crate) struct Bar {
    label: &'static str,
    found: AtomicU64,
    done: AtomicU64,
    start: Instant,
    last: Mutex<Instant>,
}

impl Bar {
    /// A bar whose line starts with `label` (`scanning`, `archiving`, `syncing`).
    pub(crate) fn new(label: &'static str) -> Self {
        Bar {
            label,
            found: AtomicU64::new(0),
            done: AtomicU64::new(0),
            start: Instant::now(),
            last: Mutex::new(Instant::now()),
        }
    }

    fn draw(&self, force: bool) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if !force && last.elapsed() < Duration::from_millis(100) {
            return;
        }
        *last = Instant::now();
        let found = self.found.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed);
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        let rate = done as f64 / secs;
        let eta = if rate > 0.0 && found > done {
            format!(", ETA {:.0}s", (found - done) as f64 / rate)
        } else {
            String::new()
        };
        let label = self.label;
        eprint!("\r\x1b[2K{label}: {done}/{found} files, {rate:.0} files/s{eta}");
    }
}

impl Progress for Bar {
    fn found(&self, n: u64) {
        self.found.fetch_add(n, Ordering::Relaxed);
        self.draw(false);
    }
    fn done(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
        self.draw(false);
    }
    fn finishing(&self) {
        self.draw(true);
        eprint!("\r\x1b[2Kfinishing the index...");
    }
}

fn print_summary(r: &ScanReport) {
    for id in &r.trash_recovery.finished {
        eprintln!("finished the interrupted trash move of item {id} before scanning");
    }
    for (id, why) in &r.trash_recovery.failed {
        eprintln!("item {id}: the interrupted trash move cannot be finished: {why}");
    }
    let secs = (r.elapsed_ms as f64 / 1000.0).max(1e-3);
    eprintln!(
        "{}: {} files in {:.2}s ({:.0} files/s){}",
        r.library,
        r.seen,
        secs,
        r.seen as f64 / secs,
        if r.complete {
            ""
        } else {
            " (interrupted: run again to resume)"
        }
    );
    eprintln!(
        "  unchanged {}, new {}, changed {}, moved {}, deleted {}; read {} (hard links reused {}), hashed {}",
        r.unchanged, r.new, r.changed, r.moved, r.deleted, r.read, r.hard_link_reuse, r.hashed
    );
    if r.redownloads > 0 {
        eprintln!(
            "  re-downloads {} (an asset already in the library under another name; see `changes`)",
            r.redownloads
        );
    }
    let items: Vec<String> = r
        .summary
        .items
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    eprintln!(
        "  library: {} files; items: {}; pairs {}",
        r.summary.files,
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        },
        r.summary.pairs
    );
    if !r.errors.is_empty() {
        let e: Vec<String> = r.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
        eprintln!("  problems this scan: {}", e.join(", "));
    }
    if !r.summary.errors.is_empty() {
        let e: Vec<String> = r
            .summary
            .errors
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        eprintln!("  unreadable files in the library: {}", e.join(", "));
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let db = match args.db {
        Some(p) => p,
        None => albumen_index::default_db_path()
            .context("no --db given and neither XDG_DATA_HOME nor HOME is set")?,
    };
    let mut opts = ScanOptions::new()
        .hash(args.hash)
        .follow_symlinks(args.follow_symlinks)
        .include_hidden(args.include_hidden)
        .gps_zones(!args.no_gps_zones);
    if args.no_default_skip {
        opts.skip.clear();
    }
    for s in args.skip {
        opts = opts.skip(s);
    }
    // Ctrl-C (or SIGTERM) stops the scan cleanly: what was committed stays and the next scan
    // resumes from there. A second Ctrl-C exits at once (also safe: the index commits in
    // transactions).
    let stop = crate::stop_on_signals()?;
    opts = opts.cancel(Arc::clone(&stop));
    let mut index = Index::open(&db)?;

    let roots: Vec<PathBuf> = args
        .paths
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    // One library for all roots when named, else one library per root.
    let jobs: Vec<(String, Vec<PathBuf>)> = match args.library {
        Some(name) => vec![(name, args.paths)],
        None => args
            .paths
            .into_iter()
            .map(|p| {
                let name = std::fs::canonicalize(&p)
                    .unwrap_or_else(|_| p.clone())
                    .to_string_lossy()
                    .into_owned();
                (name, vec![p])
            })
            .collect(),
    };
    let tty = !args.quiet && std::io::stderr().is_terminal();
    let mut reports = Vec::new();
    for (library, roots) in jobs {
        let report = if tty {
            let bar = Bar::new("scanning");
            let r = index.scan(&library, &roots, &opts, &bar);
            eprint!("\r\x1b[2K");
            r?
        } else {
            index.scan(&library, &roots, &opts, &albumen_index::NoProgress)?
        };
        if !args.quiet && !args.json {
            print_summary(&report);
        }
        reports.push(report);
    }
    if args.json {
        let v = if reports.len() == 1 {
            serde_json::to_value(&reports[0])?
        } else {
            serde_json::to_value(&reports)?
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
    }
    let mut complete = reports.iter().all(|r| r.complete);
    if args.previews && !stop.load(Ordering::Relaxed) {
        let p = crate::cmd_thumbs::fill_index(
            &mut index,
            args.cache.clone(),
            &roots,
            args.quiet,
            &stop,
        )?;
        if !args.quiet {
            eprintln!(
                "previews: {} made, {} reused from the cache, {} without a preview{}",
                p.made,
                p.reused,
                p.errors,
                if p.complete { "" } else { " (stopped)" }
            );
        }
        complete &= p.complete;
    }
    if args.vision && !stop.load(Ordering::Relaxed) {
        let v = crate::cmd_vision::fill_index(
            &mut index,
            crate::cmd_vision::Sources {
                models: args.models,
                previews: args.cache,
                roots: &roots,
            },
            args.quiet,
            &stop,
        )?;
        if !args.quiet {
            eprintln!(
                "vision: {} files read, {} with text, {} faces, {} with tags, {} errors{}",
                v.read,
                v.with_text,
                v.faces,
                v.with_tags,
                v.errors,
                if v.complete { "" } else { " (stopped)" }
            );
        }
        complete &= v.complete;
    }
    Ok(if complete {
        ExitCode::SUCCESS
    } else if stop.load(Ordering::Relaxed) {
        ExitCode::from(130)
    } else {
        ExitCode::from(1)
    })
}
