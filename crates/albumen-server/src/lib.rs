//! The web page over the albumen index (`albumen serve`): users, sessions, libraries, a
//! timeline, a map, items, and edits.
//!
//! # Brief overview
//! - [`Config`] says where the index is, where to listen, where previews are cached and
//!   whether edits are allowed; [`serve`] runs the HTTP server (axum on tokio) until Ctrl-C.
//! - [`router`] builds the routes over a [`State`]: the page and its assets (built into the
//!   binary, see [`assets`]), and the JSON API under `/api/`. Every `/api/` route but
//!   `POST /api/login` answers 401 without a session; every item is checked against the
//!   libraries granted to the session's user; no file path is ever taken from a URL (items are
//!   named by their index id, the path comes from the index).
//! - Users and sessions are kept in the index ([`albumen_index::Index::add_user`] and
//!   friends); passwords are hashed with argon2id ([`hash_password`]).
//! - Thumbnails and large previews come from `albumen-preview`'s [`albumen_preview::Cache`];
//!   map clusters from `albumen-geo`'s [`albumen_geo::ClusterIndex`]; edits go through
//!   `albumen-edit` and the index row is read again at once, with an undo history per user kept
//!   in the index (it survives a restart).
//!
//! ```no_run
//! let config = albumen_server::Config::new("index.db".into(), "127.0.0.1:8080".parse()?);
//! albumen_server::serve(config)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod api;
mod api_albums;
mod api_verify;
pub mod assets;
mod auth;
mod error;
mod media;
mod share;
mod state;
mod undo;
pub mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use api::router;
pub use auth::{hash_password, verify_password, MAX_FAILURES, WINDOW};
pub use error::{ApiError, Error, Result};
pub use state::State;
pub use watch::{AfterScan, WatchOptions, WatchStatus};

/// How the server runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The index database (it must exist).
    pub db: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Preview cache folder (default: `$XDG_CACHE_HOME/albumen/previews`, else
    /// `$HOME/.cache/albumen/previews`).
    pub cache: Option<PathBuf>,
    /// Whether edits (time, place, rating, keywords) may be written to the photo files.
    pub allow_edit: bool,
    /// Session lifetime in seconds (default 30 days).
    pub session_s: i64,
    /// Watch the libraries' roots and scan what changes (`serve --watch`); `None`: no.
    pub watch: Option<WatchOptions>,
}

impl Config {
    /// Read-only, default cache, 30-day sessions.
    pub fn new(db: PathBuf, listen: SocketAddr) -> Self {
        Config {
            db,
            listen,
            cache: None,
            allow_edit: false,
            session_s: 30 * 24 * 3600,
            watch: None,
        }
    }

    /// Sets the preview cache folder.
    pub fn cache(mut self, dir: Option<PathBuf>) -> Self {
        self.cache = dir;
        self
    }

    /// Watches the libraries' roots (see [`watch`]).
    pub fn watch(mut self, w: Option<WatchOptions>) -> Self {
        self.watch = w;
        self
    }

    /// Allows or forbids edits.
    pub fn allow_edit(mut self, yes: bool) -> Self {
        self.allow_edit = yes;
        self
    }
}

/// The default preview cache folder.
pub fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|b| b.join("albumen").join("previews"))
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn serve(config: Config) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            path: PathBuf::from("tokio runtime"),
            source,
        })?;
    rt.block_on(async move {
        let listen = config.listen;
        api_albums::finish_trash(&config.db);
        let watch = config.watch.clone();
        let state = Arc::new(State::open(config)?);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = match watch {
            Some(w) => Some(
                watch::spawn(Arc::clone(&state), w, Arc::clone(&stop)).map_err(|source| {
                    Error::Io {
                        path: PathBuf::from("watch thread"),
                        source,
                    }
                })?,
            ),
            None => None,
        };
        let app = router(state);
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| Error::Io {
                path: PathBuf::from(listen.to_string()),
                source,
            })?;
        log::info!("listening on http://{listen}/");
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|source| Error::Io {
            path: PathBuf::from(listen.to_string()),
            source,
        });
        // The watcher stops its scan at the next file and ends.
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(w) = watcher {
            let _ = tokio::task::spawn_blocking(move || w.join()).await;
        }
        served
    })
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
