//! `albumen archive`: move a year (or a time range) of a live library into an archive library,
//! files and index together.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use albumen_backup::archive::{self, ArchiveOptions, ArchiveReport};
use albumen_backup::export::{Action, Removal};
use albumen_backup::{Layout, TimeRange};
use albumen_index::NoProgress;

use crate::cmd_export::{human_bytes, LayoutArg};

/// Arguments of `albumen archive`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The archive library's folder the files move to (created when needed; existing files
    /// there are never overwritten).
    pub dest: PathBuf,
    /// Index database (default: $XDG_DATA_HOME/albumen/index.db or
    /// ~/.local/share/albumen/index.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The library the items leave (the "live" one).
    #[arg(long, value_name = "NAME")]
    pub library: String,
    /// The library they join (created when needed, with DEST as its root).
    #[arg(long, value_name = "NAME")]
    pub to_library: String,
    /// A whole calendar year, local time where taken.
    #[arg(long, value_name = "YYYY", conflicts_with_all = ["from", "to"],
          required_unless_present_all = ["from", "to"],
          value_parser = clap::value_parser!(i32).range(1..=9999))]
    pub year: Option<i32>,
    /// Start of the range: YYYY-MM-DD or YYYY-MM-DDTHH:MM (with --to).
    #[arg(long, value_name = "WHEN", requires = "to")]
    pub from: Option<String>,
    /// End of the range, inclusive: YYYY-MM-DD or YYYY-MM-DDTHH:MM (with --from).
    #[arg(long, value_name = "WHEN", requires = "from")]
    pub to: Option<String>,
    /// `keep`: the same path relative to the library root; `date`: DEST/YYYY/MM/DD/NAME.
    #[arg(long, value_enum, default_value_t = LayoutArg::Keep)]
    pub layout: LayoutArg,
    /// Show what would be moved; copy, remove and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON on stdout (every file with its action).
    #[arg(long)]
    pub json: bool,
    /// No progress bar; only the summary, not one line per file.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command. Exit status 0 when every selected item moved, 1 on conflicts or failed
/// copies or removals, 130 when interrupted (run it again to finish).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = crate::open_existing_index(args.db)?;
    let range = match (args.year, &args.from, &args.to) {
        (Some(y), _, _) => archive::year_range(y)?,
        (None, Some(from), Some(to)) => TimeRange::parse(from, to)?,
        _ => anyhow::bail!("give --year YYYY, or --from and --to"),
    };
    let opts = ArchiveOptions::new(args.library, range, args.to_library, args.dest)
        .layout(match args.layout {
            LayoutArg::Keep => Layout::Keep,
            LayoutArg::Date => Layout::Date,
        })
        .dry_run(args.dry_run)
        // Ctrl-C: items being moved are finished (index included), the rest left alone.
        .cancel(crate::stop_on_signals()?);
    let report = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = crate::cmd_scan::Bar::new("archiving");
        let r = archive::archive(&index, &opts, &bar);
        eprint!("\r\x1b[2K");
        r?
    } else {
        archive::archive(&index, &opts, &NoProgress)?
    };
    let text = |out: &mut dyn Write| print_text(out, &report, args.quiet);
    if report.export.interrupted {
        eprintln!(
            "albumen archive: interrupted; items not started were left in place (run it again to finish)"
        );
        crate::emit(args.json, &report, text, false)?;
        return Ok(ExitCode::from(130));
    }
    crate::emit(args.json, &report, text, report.ok())
}

fn print_text(out: &mut dyn Write, r: &ArchiveReport, quiet: bool) -> std::io::Result<()> {
    let e = &r.export;
    if !quiet {
        for f in &e.files {
            let (src, dest) = (f.source.display(), f.dest.display());
            let detail = f.detail.as_deref().unwrap_or("");
            match (f.action, f.removal) {
                (Action::Conflict, _) => writeln!(out, "CONFLICT  {src} -> {dest}: {detail}")?,
                (Action::Failed, _) => writeln!(out, "FAILED  {src} -> {dest}: {detail}")?,
                (_, Removal::WouldRemove) => writeln!(out, "would move  {src} -> {dest}")?,
                (_, Removal::Removed) => writeln!(out, "moved  {src} -> {dest}")?,
                (_, Removal::Kept) => writeln!(
                    out,
                    "copied, kept  {src} -> {dest}: {}",
                    f.removal_detail.as_deref().unwrap_or("")
                )?,
                (_, Removal::Failed) => writeln!(
                    out,
                    "copied, REMOVAL FAILED  {src}: {}",
                    f.removal_detail.as_deref().unwrap_or("")
                )?,
                _ => {}
            }
        }
    }
    if r.dry_run {
        writeln!(out, "dry run: nothing was copied, removed or written")?;
    }
    writeln!(
        out,
        "{} -> {}: local times from {} until {} -> {}",
        r.from_library,
        r.to_library,
        e.from,
        e.until,
        r.dest.display()
    )?;
    let verb = if r.dry_run { "to move" } else { "moved" };
    writeln!(
        out,
        "  items: {} selected, {} {verb}; {} left out (capture time unknown)",
        e.items, r.items_moved, e.unknown_time
    )?;
    writeln!(
        out,
        "  files: {} {verb} ({}), {} copied and kept, {} conflicts, {} failed{}",
        e.removed.files,
        human_bytes(e.removed.bytes),
        e.kept,
        e.conflicts,
        e.failed,
        if r.already_moved > 0 {
            format!("; {} moved by an earlier run", r.already_moved)
        } else {
            String::new()
        }
    )?;
    if r.stale_temp_removed > 0 {
        writeln!(
            out,
            "  removed {} temporary files left by a killed run",
            r.stale_temp_removed
        )?;
    }
    writeln!(
        out,
        "  index: {} rows {verb} to {}, {} added for kept copies",
        r.rows_moved, r.to_library, r.rows_copied
    )?;
    writeln!(out, "  took {:.2} s", e.elapsed_ms as f64 / 1000.0)?;
    Ok(())
}
