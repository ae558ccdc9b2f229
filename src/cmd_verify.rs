//! `albumen verify`: check that a backup folder, or an rclone remote (`--rclone`, crypt remotes
//! too), holds every indexed file of a library; each run is recorded in the index (the page
//! shows the last ones).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use albumen_backup::verify::{self, DiffReason};
use albumen_backup::{rclone, RcloneOptions, VerifyOptions, VerifyReport};
use albumen_index::NoProgress;

use crate::cmd_export::human_bytes;

/// Arguments of `albumen verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The backup: a copy of the library root (read-only; nothing is written there).
    #[arg(required_unless_present = "rclone", conflicts_with = "rclone")]
    pub backup: Option<PathBuf>,
    /// Check an rclone remote instead (`REMOTE:PATH`, any backend, crypt too), through the
    /// `rclone` program and its own config (RCLONE_CONFIG honoured). Sizes from `rclone lsjson`;
    /// with --hash, contents by the remote's hashes (`rclone check`) or, on a crypt remote, by
    /// `rclone cryptcheck` against the library's files: nothing is downloaded.
    #[arg(long, value_name = "REMOTE:PATH")]
    pub rclone: Option<String>,
    /// With --rclone --hash on a remote that keeps no hash: read every file back
    /// (`rclone check --download`) rather than check it by size only.
    #[arg(long, requires = "rclone")]
    pub download: bool,
    /// Do not record this run in the index (the page shows the recorded runs).
    #[arg(long)]
    pub no_record: bool,
    /// Index database (default: $XDG_DATA_HOME/albumen/index.db or
    /// ~/.local/share/albumen/index.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Library to check (default: the index's only library).
    #[arg(long, value_name = "NAME")]
    pub library: Option<String>,
    /// Compare contents (BLAKE3; the hash stored by `scan --hash`, else the original is read),
    /// not only sizes, and find missing files moved elsewhere in the backup.
    #[arg(long)]
    pub hash: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Only the summary, not one line per problem.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command. Exit status 0 when nothing is missing, different or unreadable, 1 when
/// something is; 2 (one line on stderr) when rclone is missing, the remote unknown or
/// unreachable.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = crate::open_existing_index(args.db)?;
    // Progress on stderr: a redrawn line on a terminal, else a line every ten seconds.
    let tty = !args.quiet && std::io::stderr().is_terminal();
    let bar = crate::cmd_scan::Bar::new("verifying");
    let lines = Lines::default();
    let progress: &dyn albumen_index::Progress = if tty {
        &bar
    } else if args.quiet {
        &NoProgress
    } else {
        &lines
    };
    let report = match (args.rclone, args.backup) {
        (Some(remote), _) => {
            let mut opts = RcloneOptions::new(remote)
                .hash(args.hash)
                .download(args.download);
            if let Some(p) = std::env::var_os("ALBUMEN_RCLONE") {
                opts = opts.program(p);
            }
            opts.library = args.library;
            rclone::verify_rclone(&index, &opts, progress)
        }
        (None, Some(backup)) => {
            let mut opts = VerifyOptions::new(backup).hash(args.hash);
            opts.library = args.library;
            verify::verify(&index, &opts, progress)
        }
        (None, None) => anyhow::bail!("give a backup folder, or --rclone REMOTE:PATH"),
    };
    if tty {
        eprint!("\r\x1b[2K");
    }
    let report = report?;
    if !args.no_record {
        if let Err(e) = index.record_verify(&report.outcome()) {
            eprintln!("albumen: this run is not recorded in the index: {e}");
        }
    }
    let ok = report.passed();
    crate::emit(
        args.json,
        &report,
        |out| print_text(out, &report, args.quiet),
        ok,
    )
}

fn print_text(out: &mut dyn Write, r: &VerifyReport, quiet: bool) -> std::io::Result<()> {
    if !quiet {
        for e in &r.missing {
            writeln!(out, "missing  {}", e.path.display())?;
        }
        for d in &r.different {
            let why = match d.reason {
                DiffReason::Size => format!(
                    "{} bytes in the backup, {} indexed",
                    d.backup_size, d.index_size
                ),
                DiffReason::Content => "same size, other content".to_string(),
                _ => "not a regular file in the backup".to_string(),
            };
            writeln!(out, "different  {}: {why}", d.path.display())?;
        }
        for f in &r.found_elsewhere {
            let at: Vec<String> = f.at.iter().map(|p| p.display().to_string()).collect();
            writeln!(
                out,
                "elsewhere  {} (same content at {})",
                f.path.display(),
                at.join(", ")
            )?;
        }
        for e in &r.extra {
            writeln!(out, "extra  {}", e.path.display())?;
        }
        for u in &r.unreadable {
            writeln!(
                out,
                "unreadable  {} ({}): {}",
                u.path.display(),
                u.side,
                u.error
            )?;
        }
    }
    writeln!(
        out,
        "{} vs {}: {} files ({} sidecars; {}) checked by size{}",
        r.library,
        r.backup.display(),
        r.checked,
        r.sidecars,
        human_bytes(r.bytes),
        if r.hashed { " and content" } else { "" }
    )?;
    writeln!(
        out,
        "  {} ok, {} missing, {} different, {} unreadable; {} found elsewhere, {} extra",
        r.ok,
        r.missing.len(),
        r.different.len(),
        r.unreadable.len(),
        r.found_elsewhere.len(),
        r.extra.len()
    )?;
    if r.hashed && r.size_only > 0 && r.via == verify::Via::Rclone {
        writeln!(
            out,
            "  the remote keeps no hash: {} files checked by size only (--download reads them back)",
            r.size_only
        )?;
    } else if r.size_only > 0 {
        writeln!(
            out,
            "  {} files checked by size only (no stored hash, original unreadable)",
            r.size_only
        )?;
    }
    writeln!(
        out,
        "  {} in {:.2} s",
        if r.passed() { "OK" } else { "FAILED" },
        r.elapsed_ms as f64 / 1000.0
    )?;
    Ok(())
}

/// Progress for a log (stderr not a terminal): one line every ten seconds, from the second
/// one on (short checks print nothing).
#[derive(Default)]
struct Lines {
    found: AtomicU64,
    done: AtomicU64,
    last: Mutex<Option<Instant>>,
}

impl albumen_index::Progress for Lines {
    fn found(&self, n: u64) {
        self.found.fetch_add(n, Ordering::Relaxed);
    }
    fn done(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let now = Instant::now();
        match *last {
            None => *last = Some(now),
            Some(t) if now.duration_since(t) >= Duration::from_secs(10) => {
                *last = Some(now);
                eprintln!(
                    "verifying: {done}/{} files",
                    self.found.load(Ordering::Relaxed)
                );
            }
            Some(_) => {}
        }
    }
}
