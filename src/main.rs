//! `albumen`: the command-line tool over the albumen crates.
//!
//! Each subcommand lives in its own module (`cmd_*.rs`); this file only parses the command line
//! and dispatches. Libraries never print; everything that reaches the terminal is decided here or
//! in the `cmd_*` modules.
// Argument doc comments are clap's --help text, written for the terminal (`LAT,LON[,ALT]`),
// not rustdoc links.
#![allow(rustdoc::broken_intra_doc_links)]

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

mod cmd_archive;
mod cmd_db;
mod cmd_demo;
mod cmd_edit;
mod cmd_export;
mod cmd_info;
mod cmd_map;
mod cmd_pairs;
mod cmd_people;
mod cmd_scan;
mod cmd_serve;
mod cmd_similar;
mod cmd_sync;
mod cmd_thumbs;
mod cmd_timeline;
mod cmd_trash;
mod cmd_verify;
mod cmd_vision;
mod demo_files;
mod enrich;

/// In-place photo library tools.
#[derive(Parser, Debug)]
#[command(name = "albumen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a small demo library of real-format files and show what albumen does with it.
    Demo(cmd_demo::Args),
    /// Print the metadata of files (one typed model for every format).
    Info(cmd_info::Args),
    /// Losslessly edit date/time, GPS, rating, title, description and keywords.
    Edit(cmd_edit::Args),
    /// Pair Live Photos and motion photos found under the given roots.
    Pairs(cmd_pairs::Args),
    /// Years / months / days and events of the photos under the given roots.
    Timeline(cmd_timeline::Args),
    /// Map clusters of the photos under the given roots, as GeoJSON.
    Map(cmd_map::MapArgs),
    /// Places (city / region / country) of the photos under the given roots.
    Places(cmd_map::PlacesArgs),
    /// Scan folders in place into the index, SQLite or PostgreSQL (read-only on the folders).
    Scan(cmd_scan::Args),
    /// Copy (or archive with --remove-originals) the indexed items of a time range to a folder.
    Export(cmd_export::Args),
    /// Check that a backup folder holds every indexed file of a library.
    Verify(cmd_verify::Args),
    /// Move a year (or range) of a live library into an archive library: files and index.
    Archive(cmd_archive::Args),
    /// Keep a folder a one-way mirror of a time range of a library (copies, updates, moves,
    /// trashes; never overwrites a file changed there).
    Sync(cmd_sync::Args),
    /// Previews of photos and videos into a cache outside the photo folders.
    Thumbs(cmd_thumbs::ThumbsArgs),
    /// One large preview of a photo or video, as a JPEG.
    Preview(cmd_thumbs::PreviewArgs),
    /// Exact and near duplicates (never deletes).
    Dupes(cmd_thumbs::DupesArgs),
    /// The web page over the index: timeline, map, items, edits (with --allow-edit).
    Serve(cmd_serve::ServeArgs),
    /// Users of the web page and the libraries each may see.
    User(cmd_serve::UserArgs),
    /// Text (OCR, Chinese and English), faces and object tags seen in photos, on the CPU.
    Vision(cmd_vision::Args),
    /// Search the index (text in photos, people, tags, places, keywords, cameras, dates;
    /// `scan --vision`).
    Search(cmd_vision::SearchArgs),
    /// People found in the photos by `scan --vision`: list, show, name, merge, split.
    People(cmd_people::Args),
    /// Back up the index itself (consistent while in use) and restore such a copy.
    Db(cmd_db::Args),
    /// The trash of the web page: list, add, restore, and empty (the only deletion).
    Trash(cmd_trash::Args),
    /// Photos that look like a given photo (same kind of scene or thing; `scan --vision`).
    Similar(cmd_similar::Args),
}

/// Opens the index at `db` (default: [`albumen_index::default_db_path`]) for a command that
/// reads it: a missing database is an error, not a new empty index.
fn open_existing_index(db: Option<std::path::PathBuf>) -> anyhow::Result<albumen_index::Index> {
    let db = match db {
        Some(p) => p,
        None => albumen_index::default_db_path()
            .context("no --db given and neither XDG_DATA_HOME nor HOME is set")?,
    };
    if !albumen_index::is_database_url(&db) && !db.is_file() {
        anyhow::bail!(
            "no index at {} (run `albumen scan` first, or give --db)",
            db.display()
        );
    }
    Ok(albumen_index::Index::open(&db)?)
}

/// A flag that Ctrl-C and SIGTERM set, for a long command to stop cleanly; a second signal
/// exits at once with status 130.
fn stop_on_signals() -> anyhow::Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    use std::sync::{atomic::AtomicBool, Arc};
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&stop))?;
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    Ok(stop)
}

/// Writes a command's report to stdout, as pretty JSON or as the command's text, and gives the
/// exit status: 0 when `ok`, 1 otherwise.
fn emit<R: serde::Serialize, W: FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>>(
    json: bool,
    report: &R,
    text: W,
    ok: bool,
) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if json {
        serde_json::to_writer_pretty(&mut out, report).context("writing JSON")?;
        writeln!(out)?;
    } else {
        text(&mut out)?;
    }
    out.flush()?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs one subcommand.
fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Demo(a) => cmd_demo::run(a),
        Command::Info(a) => cmd_info::run(a),
        Command::Edit(a) => cmd_edit::run(a),
        Command::Pairs(a) => cmd_pairs::run(a),
        Command::Timeline(a) => cmd_timeline::run(a),
        Command::Map(a) => cmd_map::run_map(a),
        Command::Places(a) => cmd_map::run_places(a),
        Command::Scan(a) => cmd_scan::run(a),
        Command::Export(a) => cmd_export::run(a),
        Command::Verify(a) => cmd_verify::run(a),
        Command::Archive(a) => cmd_archive::run(a),
        Command::Sync(a) => cmd_sync::run(a),
        Command::Thumbs(a) => cmd_thumbs::run_thumbs(a),
        Command::Preview(a) => cmd_thumbs::run_preview(a),
        Command::Dupes(a) => cmd_thumbs::run_dupes(a),
        Command::Serve(a) => cmd_serve::run_serve(a),
        Command::User(a) => cmd_serve::run_user(a),
        Command::Vision(a) => cmd_vision::run(a),
        Command::Search(a) => cmd_vision::run_search(a),
        Command::Similar(a) => cmd_similar::run(a),
        Command::People(a) => cmd_people::run(a),
        Command::Db(a) => cmd_db::run(a),
        Command::Trash(a) => cmd_trash::run(a),
    }
}

fn main() -> ExitCode {
    quiet_decoder_panics();
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("albumen: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// A panic inside a guarded decoder thread (albumen-preview names them `albumen-decode-…`)
/// is caught there and reported as that file's error line; the default hook would also print
/// a backtrace note to stderr for it. Every other panic keeps the default report, except
/// one: `println!` panics when stdout is a pipe whose reader has gone (`albumen info … |
/// head`); that is the reader's choice, not an error, so the command ends there quietly with
/// the status a shell gives a process ended by SIGPIPE (128 + 13), as Unix tools do.
fn quiet_decoder_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let guarded = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("albumen-decode-"));
        if guarded {
            return;
        }
        if stdout_closed(info.payload()) {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// Whether a panic is std's "failed printing to stdout" for a closed pipe.
fn stdout_closed(payload: &(dyn std::any::Any + Send)) -> bool {
    let msg = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    msg.starts_with("failed printing to stdout") && msg.contains("os error 32")
}

/// The error and its causes on one line, leaving out a cause the message so far already
/// holds (the libraries' errors print their source: "x: Read-only file system" twice, or
/// "No such file or directory (os error 2): No such file or directory (os error 2)").
fn one_line(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let c = cause.to_string();
        if !out.contains(&c) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&c);
        }
    }
    out
}

/// `path: error`, or the error alone when it names the path already (the libraries' errors
/// do: "x.jpg: No such file or directory", not "x.jpg: x.jpg: No such file or directory").
pub(crate) fn about(path: &std::path::Path, e: &dyn std::fmt::Display) -> String {
    let msg = e.to_string();
    let p = path.display().to_string();
    if msg.contains(&p) {
        msg
    } else {
        format!("{p}: {msg}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_say_their_path_and_cause_once() {
        let io = std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "No such file or directory (os error 2)",
        );
        let e = anyhow::Error::new(io).context("No such file or directory (os error 2)");
        assert_eq!(
            super::one_line(&e),
            "No such file or directory (os error 2)"
        );
        let e = anyhow::anyhow!("x.jpg: gone").context("reading x.jpg: gone");
        assert_eq!(super::one_line(&e), "reading x.jpg: gone");
        let p = std::path::Path::new("/a/x.jpg");
        assert_eq!(super::about(p, &"/a/x.jpg: gone"), "/a/x.jpg: gone");
        assert_eq!(super::about(p, &"gone"), "/a/x.jpg: gone");
    }
}
