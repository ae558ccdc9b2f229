//! `albumen export`: copy (or archive) the indexed items of a time range to another folder.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use albumen_backup::export::{self, Action, Removal};
use albumen_backup::{ExportOptions, ExportReport, Layout, TimeRange};
use albumen_index::NoProgress;

/// Arguments of `albumen export`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Destination folder (created when needed; existing files there are never overwritten).
    pub dest: PathBuf,
    /// Index database (default: $XDG_DATA_HOME/albumen/index.db or
    /// ~/.local/share/albumen/index.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Library to export from (default: the index's only library).
    #[arg(long, value_name = "NAME")]
    pub library: Option<String>,
    /// Start of the range, local time where taken: YYYY-MM-DD (from the start of that day) or
    /// YYYY-MM-DDTHH:MM.
    #[arg(long, value_name = "WHEN")]
    pub from: String,
    /// End of the range, inclusive: YYYY-MM-DD (to the end of that day) or YYYY-MM-DDTHH:MM (to
    /// the end of that minute).
    #[arg(long, value_name = "WHEN")]
    pub to: String,
    /// `keep`: the path relative to the library root; `date`: DEST/YYYY/MM/DD/NAME.
    #[arg(long, value_enum, default_value_t = LayoutArg::Keep)]
    pub layout: LayoutArg,
    /// Archive: delete each original once its copy (and the copies of the rest of its item:
    /// Live Photo video, sidecars) verified. Nothing else in albumen deletes a file.
    #[arg(long)]
    pub remove_originals: bool,
    /// Remove every location from the copies, for sharing (EXIF GPS, XMP exif:GPS* and place
    /// names, QuickTime location, Live Photo videos too), losslessly through albumen-edit. A
    /// file whose location cannot be removed is not copied (reported as withheld).
    #[arg(long)]
    pub strip_location: bool,
    /// Remove camera and lens serial numbers from the copies (EXIF, DNG and XMP; not maker
    /// notes).
    #[arg(long)]
    pub strip_serials: bool,
    /// Show what would be copied and removed; write and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON on stdout (every file with its action).
    #[arg(long)]
    pub json: bool,
    /// Only the summary and the files that failed, not one line per file.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--layout`.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum LayoutArg {
    /// The path relative to the library root.
    Keep,
    /// DEST/YYYY/MM/DD/NAME by capture date.
    Date,
}

/// Runs the command. Exit status 0 when every selected file is at the destination (and every
/// original asked to go is gone), 1 on conflicts or failed copies or removals.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = crate::open_existing_index(args.db)?;
    let range = TimeRange::parse(&args.from, &args.to)?;
    let mut opts = ExportOptions::new(range, args.dest)
        .layout(match args.layout {
            LayoutArg::Keep => Layout::Keep,
            LayoutArg::Date => Layout::Date,
        })
        .remove_originals(args.remove_originals)
        .dry_run(args.dry_run)
        .strip_location(args.strip_location)
        .strip_serials(args.strip_serials)
        // Ctrl-C: items being copied are finished, the rest left alone; exit 130.
        .cancel(crate::stop_on_signals()?);
    opts.library = args.library;
    let report = export::export(&index, &opts, &NoProgress)?;
    if report.interrupted {
        eprintln!("albumen export: interrupted; items not started were left alone (run it again to finish)");
        crate::emit(
            args.json,
            &report,
            |out| print_text(out, &report, args.quiet),
            false,
        )?;
        return Ok(ExitCode::from(130));
    }
    let ok = report.ok();
    crate::emit(
        args.json,
        &report,
        |out| print_text(out, &report, args.quiet),
        ok,
    )
}

/// Bytes for people: 1.5 MB (powers of 1000).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

fn print_text(out: &mut dyn Write, r: &ExportReport, quiet: bool) -> std::io::Result<()> {
    // Conflicts and failures are printed under --quiet too: a quiet run that fails says why.
    for f in &r.files {
        let trouble = matches!(f.action, Action::Conflict | Action::Failed)
            || matches!(f.removal, Removal::Failed);
        if quiet && !trouble {
            continue;
        }
        {
            let (src, dest) = (f.source.display(), f.dest.display());
            let detail = f.detail.as_deref().unwrap_or("");
            match f.action {
                Action::WouldCopy if r.dry_run => writeln!(out, "would copy  {src} -> {dest}")?,
                Action::Identical if r.dry_run => writeln!(out, "already there  {dest}")?,
                Action::Conflict => writeln!(out, "CONFLICT  {src} -> {dest}: {detail}")?,
                Action::Failed => writeln!(out, "FAILED  {src} -> {dest}: {detail}")?,
                Action::Withheld => writeln!(out, "withheld  {src}: {detail}")?,
                _ => {}
            }
            let why = f.removal_detail.as_deref().unwrap_or("");
            match f.removal {
                Removal::WouldRemove => writeln!(out, "would remove  {src}")?,
                Removal::Removed => writeln!(out, "removed  {src}")?,
                Removal::Kept => writeln!(out, "kept  {src}: {why}")?,
                Removal::Failed => writeln!(out, "REMOVAL FAILED  {src}: {why}")?,
                _ => {}
            }
        }
    }
    if r.dry_run {
        writeln!(out, "dry run: nothing was written or removed")?;
    }
    writeln!(
        out,
        "{}: local times from {} until {} -> {} (layout {})",
        r.library,
        r.from,
        r.until,
        r.dest.display(),
        match r.layout {
            Layout::Date => "date",
            _ => "keep",
        }
    )?;
    writeln!(
        out,
        "  items: {} selected, {} complete at the destination; {} left out (capture time unknown)",
        r.items, r.items_complete, r.unknown_time
    )?;
    let verb = if r.dry_run { "to copy" } else { "copied" };
    writeln!(
        out,
        "  files: {} {verb} ({}), {} already there ({}), {} conflicts, {} failed",
        r.copied.files,
        human_bytes(r.copied.bytes),
        r.skipped.files,
        human_bytes(r.skipped.bytes),
        r.conflicts,
        r.failed
    )?;
    if r.withheld > 0 {
        writeln!(
            out,
            "  {} files withheld: what was to be stripped could not be removed from them",
            r.withheld
        )?;
    }
    if r.remove_originals {
        let verb = if r.dry_run { "to remove" } else { "removed" };
        writeln!(
            out,
            "  originals: {} {verb} ({}), {} kept{}",
            r.removed.files,
            human_bytes(r.removed.bytes),
            r.kept,
            if r.removal_failed > 0 {
                format!(", {} could not be removed", r.removal_failed)
            } else {
                String::new()
            }
        )?;
        if r.removed.files > 0 && !r.dry_run {
            writeln!(
                out,
                "  (run `albumen scan` on the library to drop the removed files from the index)"
            )?;
        }
    }
    if r.changed_since_scan > 0 {
        writeln!(
            out,
            "  {} sources changed since the last scan (copied as they are now)",
            r.changed_since_scan
        )?;
    }
    writeln!(out, "  took {:.2} s", r.elapsed_ms as f64 / 1000.0)?;
    Ok(())
}
