//! `albumen map` and `albumen places` (being written).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `albumen map`.
#[derive(clap::Args, Debug)]
pub struct MapArgs {
    /// Folders.
    pub paths: Vec<PathBuf>,
}

/// Arguments of `albumen places`.
#[derive(clap::Args, Debug)]
pub struct PlacesArgs {
    /// Folders.
    pub paths: Vec<PathBuf>,
}

/// Runs `map`.
pub fn run_map(_args: MapArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`albumen map` is not implemented yet")
}

/// Runs `places`.
pub fn run_places(_args: PlacesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`albumen places` is not implemented yet")
}
