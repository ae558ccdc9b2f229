//! `albumen verify`: check that a backup folder holds every indexed file of a library.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use albumen_index::verify::{self, DiffReason};
use albumen_index::{NoProgress, VerifyOptions, VerifyReport};

use crate::cmd_export::human_bytes;

/// Arguments of `albumen verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The backup: a copy of the library root (read-only; nothing is written there).
    pub backup: PathBuf,
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

/// Runs the command. Exit status 0 when nothing is missing, different or unreadable, else 1.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = crate::open_existing_index(args.db)?;
    let mut opts = VerifyOptions::new(args.backup).hash(args.hash);
    opts.library = args.library;
    let report = verify::verify(&index, &opts, &NoProgress)?;
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
        "{} vs {}: {} indexed files ({}) checked by size{}",
        r.library,
        r.backup.display(),
        r.checked,
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
    if r.size_only > 0 {
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
