//! `albumen info` (being written).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `albumen info`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files.
    pub paths: Vec<PathBuf>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`albumen info` is not implemented yet")
}
