//! `albumen trash`: what the web page's trash holds (list), put items in it (add), give them
//! back (restore), and delete for good what has been there long enough (empty; the only way
//! albumen deletes a photo). Every run first finishes any move a killed run left half done.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Arguments of `albumen trash`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub op: Op,
}

/// What `albumen trash` does.
#[derive(clap::Subcommand, Debug)]
pub enum Op {
    /// List the items in the trash.
    List {
        /// Only this library's.
        #[arg(long, value_name = "NAME")]
        library: Option<String>,
        /// The index database.
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Move items (by id, as the page and `--json` outputs name them) with their Live Photo
    /// videos and sidecars into the trash beside the index.
    Add {
        /// Item ids.
        #[arg(required = true)]
        ids: Vec<i64>,
        /// The index database.
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
    },
    /// Put items back where they were, byte for byte with their times, under the same ids.
    Restore {
        /// Item ids.
        #[arg(required = true)]
        ids: Vec<i64>,
        /// The index database.
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
    },
    /// Delete for good the items trashed longer ago than --older-than.
    Empty {
        /// How long an item must have been in the trash: a number and a unit, `d` (days),
        /// `h` (hours) or `w` (weeks): `30d`. `0d` empties the whole trash.
        #[arg(long, value_name = "AGE", required = true)]
        older_than: String,
        /// The index database.
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `30d`, `12h`, `2w` in seconds.
fn parse_age(s: &str) -> anyhow::Result<i64> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = n
        .parse()
        .ok()
        .filter(|n| *n >= 0)
        .with_context(|| format!("--older-than {s:?}: a number and d, h or w (30d)"))?;
    let per = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "w" => 7 * 86_400,
        _ => anyhow::bail!("--older-than {s:?}: a number and d, h or w (30d)"),
    };
    n.checked_mul(per).context("--older-than: too long")
}

fn open(db: Option<PathBuf>) -> anyhow::Result<albumen_index::Index> {
    let index = crate::open_existing_index(db)?;
    let r = index.finish_trash()?;
    for id in &r.finished {
        eprintln!("albumen: finished the interrupted move of item {id}");
    }
    for (id, why) in &r.failed {
        eprintln!("albumen: item {id}: the interrupted move cannot be finished: {why}");
    }
    Ok(index)
}

fn print(out: &mut dyn Write, items: &[albumen_index::TrashedItem]) -> std::io::Result<()> {
    for t in items {
        let when = chrono::DateTime::from_timestamp(t.trashed_at, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        writeln!(out, "{}\t{}\t{}\t{:?}", t.item_id, t.library, when, t.state)?;
        for f in &t.files {
            writeln!(out, "\t{}", f.origin.display())?;
        }
    }
    Ok(())
}

/// Runs the command.
pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let now = chrono::Utc::now().timestamp();
    match a.op {
        Op::List { library, db, json } => {
            let index = open(db)?;
            let lib = match library {
                Some(name) => Some(
                    index
                        .libraries()?
                        .into_iter()
                        .find(|l| l.name == name)
                        .map(|l| l.id)
                        .with_context(|| format!("no library named {name:?}"))?,
                ),
                None => None,
            };
            let items = index.trash_list(lib)?;
            crate::emit(json, &items, |out| print(out, &items), true)
        }
        Op::Add { ids, db } => {
            let index = open(db)?;
            let dir = albumen_index::default_trash_dir(index.path());
            let mut ok = true;
            for id in ids {
                match index.trash_item(id, None, &dir, now) {
                    Ok(t) => println!("trashed item {id} ({} files)", t.files.len()),
                    Err(e) => {
                        eprintln!("albumen: item {id}: {e}");
                        ok = false;
                    }
                }
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Op::Restore { ids, db } => {
            let index = open(db)?;
            let mut ok = true;
            for id in ids {
                match index.restore_item(id) {
                    Ok(t) => println!("restored item {id} ({} files)", t.files.len()),
                    Err(e) => {
                        eprintln!("albumen: item {id}: {e}");
                        ok = false;
                    }
                }
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Op::Empty {
            older_than,
            db,
            json,
        } => {
            let age = parse_age(&older_than)?;
            let index = open(db)?;
            let gone =
                index.empty_trash(now.saturating_sub(age).saturating_add(i64::from(age == 0)))?;
            crate::emit(
                json,
                &gone,
                |out| {
                    print(out, &gone)?;
                    writeln!(out, "deleted {} item(s) for good", gone.len())
                },
                true,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("30d").unwrap(), 30 * 86_400);
        assert_eq!(parse_age("12h").unwrap(), 12 * 3_600);
        assert_eq!(parse_age("0d").unwrap(), 0);
        assert!(parse_age("30").is_err());
        assert!(parse_age("-1d").is_err());
        assert!(parse_age("d").is_err());
    }
}
