//! `albumen`: the command-line tool over the albumen crates.
//!
//! Each subcommand lives in its own module (`cmd_*.rs`); this file only parses the command line
//! and dispatches. Libraries never print; everything that reaches the terminal is decided here or
//! in the `cmd_*` modules.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd_edit;
mod cmd_info;
mod cmd_map;
mod cmd_pairs;
mod cmd_scan;
mod cmd_timeline;
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
    /// Scan folders in place into the SQLite index (read-only on the folders).
    Scan(cmd_scan::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(a) => cmd_info::run(a),
        Command::Edit(a) => cmd_edit::run(a),
        Command::Pairs(a) => cmd_pairs::run(a),
        Command::Timeline(a) => cmd_timeline::run(a),
        Command::Map(a) => cmd_map::run_map(a),
        Command::Places(a) => cmd_map::run_places(a),
        Command::Scan(a) => cmd_scan::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("albumen: {e:#}");
            ExitCode::from(2)
        }
    }
}
