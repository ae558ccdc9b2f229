//! `albumen db`: back up the index itself (a consistent copy while it is in use) and restore
//! such a copy. The index holds what exists nowhere else: users and grants, albums, people's
//! names, the undo history, verify runs.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Arguments of `albumen db`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub op: Op,
}

/// What `albumen db` does.
#[derive(clap::Subcommand, Debug)]
pub enum Op {
    /// Write a consistent copy of the index to OUT while it may be in use (a scan, the server):
    /// SQLite's VACUUM INTO, checked and synced before it gets its name. Put it beside the
    /// photos in the offsite set.
    Backup {
        /// The copy to write (must not exist; its folder is created).
        out: PathBuf,
        /// The index database (default: $XDG_DATA_HOME/albumen/index.db).
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
    },
    /// Put a copy made by `albumen db backup` back as the index, in one step; the index it
    /// replaces is kept as DB.before-restore.
    Restore {
        /// The copy to restore.
        backup: PathBuf,
        /// The index database to replace (default: $XDG_DATA_HOME/albumen/index.db).
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
        /// Restore even though another process has the index open (stop it first: what it
        /// writes afterwards is lost).
        #[arg(long)]
        force: bool,
    },
}

fn db_path(db: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match db {
        Some(p) => Ok(p),
        None => albumen_index::default_db_path()
            .context("no --db given and neither XDG_DATA_HOME nor HOME is set"),
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.op {
        Op::Backup { out, db } => {
            let index = crate::open_existing_index(db)?;
            let bytes = index.backup_to(&out)?;
            println!(
                "{} -> {} ({})",
                index.path().display(),
                out.display(),
                crate::cmd_export::human_bytes(bytes)
            );
        }
        Op::Restore { backup, db, force } => {
            let db = db_path(db)?;
            let r = albumen_index::backup::restore(&backup, &db, force)?;
            println!(
                "{} restored from {}: {} libraries, {} files, {} users",
                r.db.display(),
                backup.display(),
                r.libraries,
                r.files,
                r.users
            );
            if let Some(p) = r.previous {
                println!("the index it replaced is kept as {}", p.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
