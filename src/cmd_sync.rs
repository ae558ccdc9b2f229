//! `albumen sync`: keep a folder a one-way mirror of a time range of a library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use albumen_backup::sync::{self, SyncAction};
use albumen_backup::{Layout, SyncOptions, SyncReport, TimeRange};
use albumen_index::NoProgress;

use crate::cmd_export::LayoutArg;

/// Arguments of `albumen sync`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Destination folder (created when needed). Files there that the sync did not write are
    /// never overwritten, moved or removed; what it wrote is remembered in
    /// DEST/.albumen-sync.db.
    pub dest: PathBuf,
    /// Index database (default: $XDG_DATA_HOME/albumen/index.db or
    /// ~/.local/share/albumen/index.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Library to mirror (default: the index's only library).
    #[arg(long, value_name = "NAME")]
    pub library: Option<String>,
    /// Start of the range, local time where taken: YYYY-MM-DD or YYYY-MM-DDTHH:MM.
    #[arg(long, value_name = "WHEN")]
    pub from: String,
    /// End of the range, inclusive: YYYY-MM-DD (to the end of that day) or YYYY-MM-DDTHH:MM.
    #[arg(long, value_name = "WHEN")]
    pub to: String,
    /// `keep`: the path relative to the library root; `date`: DEST/YYYY/MM/DD/NAME.
    #[arg(long, value_enum, default_value_t = LayoutArg::Keep)]
    pub layout: LayoutArg,
    /// Show what would be copied, updated, moved and trashed; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete the days of DEST/.albumen-trash older than this many days.
    #[arg(long, value_name = "DAYS")]
    pub empty_trash_older_than: Option<u32>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Only the summary and the files that failed, not one line per file; no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command. Exit status 0 when DEST mirrors the range, 1 on conflicts or failures,
/// 130 when interrupted.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = crate::open_existing_index(args.db)?;
    let range = TimeRange::parse(&args.from, &args.to)?;
    let mut opts = SyncOptions::new(range, args.dest)
        .layout(match args.layout {
            LayoutArg::Keep => Layout::Keep,
            LayoutArg::Date => Layout::Date,
        })
        .dry_run(args.dry_run)
        // Ctrl-C: files being copied are finished, the rest left for the next sync; exit 130.
        .cancel(crate::stop_on_signals()?);
    opts.library = args.library;
    opts.empty_trash_older_than = args.empty_trash_older_than;
    let report = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = crate::cmd_scan::Bar::new("syncing");
        let r = sync::sync(&index, &opts, &bar);
        eprint!("\r\x1b[2K");
        r?
    } else {
        sync::sync(&index, &opts, &NoProgress)?
    };
    let code = crate::emit(
        args.json,
        &report,
        |out| print_text(out, &report, args.quiet),
        report.ok(),
    )?;
    if report.interrupted {
        eprintln!("albumen sync: interrupted; run it again to finish");
        return Ok(ExitCode::from(130));
    }
    Ok(code)
}

fn print_text(out: &mut dyn Write, r: &SyncReport, quiet: bool) -> std::io::Result<()> {
    let would = if r.dry_run { "would be " } else { "" };
    // Conflicts and failures are printed under --quiet too: a quiet run that fails says why.
    for f in &r.files {
        if quiet && !matches!(f.action, SyncAction::Conflict | SyncAction::Failed) {
            continue;
        }
        {
            let path = f.path.display();
            let other = f.other.as_ref().map(|p| p.display().to_string());
            let why = f.reason.as_deref().unwrap_or("");
            match f.action {
                SyncAction::Copied => writeln!(out, "{would}copied  {path}")?,
                SyncAction::Updated => writeln!(out, "{would}updated  {path}")?,
                SyncAction::Moved => {
                    writeln!(out, "{would}moved  {} -> {path}", other.unwrap_or_default())?
                }
                SyncAction::Trashed => writeln!(
                    out,
                    "{would}trashed  {path} -> {}",
                    other.unwrap_or_default()
                )?,
                SyncAction::Conflict => writeln!(out, "CONFLICT  {path}: {why}")?,
                SyncAction::Failed => writeln!(out, "FAILED  {path}: {why}")?,
                _ => writeln!(out, "{path}: {why}")?,
            }
        }
    }
    if r.dry_run {
        writeln!(out, "dry run: nothing was changed")?;
    }
    writeln!(
        out,
        "{}: local times from {} until {} -> {}",
        r.library,
        r.from,
        r.until,
        r.dest.display()
    )?;
    writeln!(
        out,
        "  {} files in the range: {} copied, {} updated, {} moved, {} unchanged; {} trashed; {} conflicts, {} failed",
        r.selected,
        r.copied,
        r.updated,
        r.moved,
        r.unchanged,
        r.trashed,
        r.conflicts.len(),
        r.failed.len()
    )?;
    if r.trash_emptied > 0 {
        writeln!(
            out,
            "  {} files {would}deleted from the trash",
            r.trash_emptied
        )?;
    }
    if r.stale_temps_removed > 0 {
        writeln!(
            out,
            "  {} temporary files of an interrupted sync removed",
            r.stale_temps_removed
        )?;
    }
    writeln!(out, "  took {:.2} s", r.elapsed_ms as f64 / 1000.0)?;
    Ok(())
}
