//! `albumen timeline` (being written).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `albumen timeline`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files or folders.
    pub paths: Vec<PathBuf>,
}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`albumen timeline` is not implemented yet")
}
