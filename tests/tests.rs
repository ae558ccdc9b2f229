//! Integration tests of the `albumen` binary, one module per concern.

mod broken;
mod db_backup;
mod demo;
mod export;
mod icloudpd;
mod info;
mod kill;
mod memory;
mod refusals;
mod sync;
mod trash;
mod verify;
mod verify_rclone;
mod vision;

/// The generated library of albumen-index's export and verify tests, shared with them.
#[path = "../crates/albumen-index/tests/common/mod.rs"]
mod fixtures;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The built binary.
pub fn albumen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_albumen"))
}

/// The shared corpus, or `None` (with a printed reason) when it is absent.
pub fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: no corpus at {} (set ALBUMEN_CORPUS)", p.display());
        None
    }
}
