//! `albumen serve` (the web page over the index) and `albumen user` (who may log in to it and
//! which libraries each may see).

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Arguments of `albumen serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The index database, a SQLite file or a postgres:// URL (default: the one `albumen scan`
    /// uses).
    #[arg(long, value_name = "DB")]
    pub db: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Preview cache folder (default: $XDG_CACHE_HOME/albumen/previews); never inside a photo folder.
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Let the page write edits (time, place, rating, keywords) into the photo files.
    #[arg(long)]
    pub allow_edit: bool,
    /// Watch the libraries' folders: new, changed and removed files reach the index (then
    /// previews and, when the vision models are there, text, faces and tags) without a scan
    /// run by hand.
    #[arg(long)]
    pub watch: bool,
    /// With --watch: also rescan every library this often, in seconds, for folders where no
    /// change events arrive (network shares).
    #[arg(
        long,
        default_value_t = 600,
        value_name = "SECONDS",
        requires = "watch"
    )]
    pub rescan_every: u64,
    /// With --watch: the vision models folder (default: $ALBUMEN_MODELS, else models/ beside
    /// or above the program); without the models, only previews are made.
    #[arg(long, value_name = "DIR", requires = "watch")]
    pub models: Option<PathBuf>,
}

/// Arguments of `albumen user`.
#[derive(clap::Args, Debug)]
pub struct UserArgs {
    #[command(subcommand)]
    pub op: UserOp,
}

/// What `albumen user` does.
#[derive(clap::Subcommand, Debug)]
pub enum UserOp {
    /// Add a user; the password is read from the first line of stdin.
    Add {
        /// Login name (letters, digits, '.', '_', '-').
        name: String,
        /// The index database.
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
    },
    /// Set a user's password (first line of stdin); their sessions end.
    Passwd {
        /// Login name.
        name: String,
        /// The index database.
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
    },
    /// Let a user see a library.
    Grant {
        /// Login name.
        name: String,
        /// Library name (as given to `albumen scan --library`).
        library: String,
        /// The index database.
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
    },
    /// Take a library away from a user.
    Revoke {
        /// Login name.
        name: String,
        /// Library name.
        library: String,
        /// The index database.
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
    },
    /// Remove a user (grants and sessions too).
    Remove {
        /// Login name.
        name: String,
        /// The index database.
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
    },
    /// List users and their libraries.
    List {
        /// The index database.
        #[arg(long, value_name = "DB")]
        db: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.chars().count() < 8 {
        anyhow::bail!("the password (first line of stdin) must have at least 8 characters");
    }
    Ok(pw)
}

/// Runs `albumen user`.
pub fn run_user(a: UserArgs) -> anyhow::Result<ExitCode> {
    match a.op {
        UserOp::Add { name, db } => {
            let index = crate::open_existing_index(db)?;
            let pw = read_password()?;
            let hash = albumen_server::hash_password(&pw)?;
            index.add_user(&name, &hash)?;
            println!("added user {name}");
        }
        UserOp::Passwd { name, db } => {
            let index = crate::open_existing_index(db)?;
            let pw = read_password()?;
            index.set_password(&name, &albumen_server::hash_password(&pw)?)?;
            println!("password of {name} changed");
        }
        UserOp::Grant { name, library, db } => {
            crate::open_existing_index(db)?.grant(&name, &library)?;
            println!("{name} may see {library}");
        }
        UserOp::Revoke { name, library, db } => {
            if crate::open_existing_index(db)?.revoke(&name, &library)? {
                println!("{name} may no longer see {library}");
            } else {
                println!("{name} had no grant for {library}");
            }
        }
        UserOp::Remove { name, db } => {
            crate::open_existing_index(db)?.remove_user(&name)?;
            println!("removed user {name}");
        }
        UserOp::List { db, json } => {
            let users = crate::open_existing_index(db)?.users()?;
            return crate::emit(
                json,
                &users,
                |out| {
                    for u in &users {
                        writeln!(out, "{}\t{}", u.name, u.libraries.join(","))?;
                    }
                    Ok(())
                },
                true,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `albumen serve`.
pub fn run_serve(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let db = match a.db {
        Some(p) => p,
        None => albumen_index::default_db_path()
            .context("no --db given and neither XDG_DATA_HOME nor HOME is set")?,
    };
    let watch = a.watch.then(|| {
        albumen_server::WatchOptions::default()
            .rescan_every(std::time::Duration::from_secs(a.rescan_every.max(1)))
            .after_scan(after_scan(a.cache.clone(), a.models.clone()))
    });
    let config = albumen_server::Config::new(db, a.listen)
        .cache(a.cache)
        .allow_edit(a.allow_edit)
        .watch(watch);
    eprintln!(
        "albumen: serving http://{}/ ({}{})",
        a.listen,
        if a.allow_edit {
            "edits allowed"
        } else {
            "read-only"
        },
        if a.watch {
            ", watching the libraries' folders"
        } else {
            ""
        }
    );
    albumen_server::serve(config)?;
    Ok(ExitCode::SUCCESS)
}

/// What `serve --watch` does after a scan found changes: the previews of new and changed
/// files into the server's cache, then, when the vision models are there, their text, faces
/// and tags (as `scan --previews --vision` would).
fn after_scan(cache: Option<PathBuf>, models: Option<PathBuf>) -> albumen_server::AfterScan {
    let vision_off = std::sync::atomic::AtomicBool::new(false);
    albumen_server::AfterScan(std::sync::Arc::new(
        move |index: &mut albumen_index::Index,
              roots: &[PathBuf],
              stop: &std::sync::atomic::AtomicBool| {
            crate::cmd_thumbs::fill_index(index, cache.clone(), roots, true, stop)
                .map_err(|e| format!("previews: {e:#}"))?;
            let dir = models.clone().unwrap_or_else(albumen_vision::models_dir);
            if vision_off.load(std::sync::atomic::Ordering::Relaxed) || !dir.is_dir() {
                return Ok(());
            }
            let sources = crate::cmd_vision::Sources {
                models: Some(dir),
                previews: cache.clone(),
                roots,
            };
            if let Err(e) = crate::cmd_vision::fill_index(index, sources, true, stop) {
                // Models missing or unusable: say so once, keep making previews.
                vision_off.store(true, std::sync::atomic::Ordering::Relaxed);
                return Err(format!("vision (off from now on): {e:#}"));
            }
            Ok(())
        },
    ))
}
