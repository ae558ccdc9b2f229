//! What the server holds between requests: a pool of index connections, the preview cache,
//! the login limiter, per-library map clusters and places (each user's undo list is in the
//! index: see `undo`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use albumen_geo::{ClusterIndex, Place};
use albumen_index::Index;
use albumen_preview::Cache;

use crate::auth::Limiter;
use crate::error::{Error, Result};
use crate::Config;

/// Most index connections open at once: requests beyond this wait for one (SQLite work is
/// CPU-bound; opening a connection per request under load costs more than waiting).
const POOL_MAX: usize = 8;

/// The map points of one library: the cluster index and, for each of its items, the file id.
#[derive(Debug)]
pub(crate) struct MapPoints {
    pub index: ClusterIndex,
    pub ids: Vec<i64>,
}

/// (file id, place) of every located item of a library.
pub(crate) type Places = Arc<Vec<(i64, Option<Place>)>>;

/// The server's shared state.
#[derive(Debug)]
pub struct State {
    pub(crate) config: Config,
    pool: Mutex<Vec<Index>>,
    pub(crate) cache: Cache,
    pub(crate) limiter: Limiter,
    /// At most this many previews are made at once (they are CPU-bound).
    pub(crate) preview_slots: tokio::sync::Semaphore,
    pub(crate) maps: Mutex<HashMap<i64, Arc<MapPoints>>>,
    pub(crate) places: Mutex<HashMap<i64, Places>>,
    /// Each library's timeline day counts, with the index version they were counted at.
    pub(crate) timelines: Mutex<HashMap<i64, (i64, axum::body::Bytes)>>,
    /// A connection that only watches the index's version (`PRAGMA data_version`: it changes
    /// when any other connection, this server's or a scan's, commits).
    watch: Mutex<Index>,
    /// Held while a request uses an index connection (at most [`POOL_MAX`]).
    db_slots: tokio::sync::Semaphore,
    /// One map (cluster index, places) build at a time: concurrent first requests wait for
    /// the first one's result instead of each building it.
    pub(crate) map_build: tokio::sync::Mutex<()>,
    /// One edit at a time.
    pub(crate) edit_lock: tokio::sync::Mutex<()>,
}

impl State {
    /// Opens the index (which must exist) and the preview cache.
    pub fn open(config: Config) -> Result<State> {
        if !config.db.is_file() {
            return Err(Error::Io {
                path: config.db.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no index here (run `albumen scan` first)",
                ),
            });
        }
        let index = Index::open(&config.db)?;
        let roots: Vec<PathBuf> = index
            .libraries()?
            .into_iter()
            .flat_map(|l| l.roots)
            .collect();
        let dir = match &config.cache {
            Some(d) => d.clone(),
            None => crate::default_cache_dir().ok_or_else(|| Error::Io {
                path: PathBuf::from("--cache"),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no --cache given and neither XDG_CACHE_HOME nor HOME is set",
                ),
            })?,
        };
        let cache = Cache::open(&dir, &roots)?;
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        let watch = Mutex::new(Index::open(&config.db)?);
        Ok(State {
            config,
            pool: Mutex::new(vec![index]),
            watch,
            db_slots: tokio::sync::Semaphore::new(POOL_MAX),
            timelines: Mutex::new(HashMap::new()),
            cache,
            limiter: Limiter::default(),
            preview_slots: tokio::sync::Semaphore::new(cpus.max(1)),
            maps: Mutex::new(HashMap::new()),
            places: Mutex::new(HashMap::new()),
            edit_lock: tokio::sync::Mutex::new(()),
            map_build: tokio::sync::Mutex::new(()),
        })
    }

    fn checkout(&self) -> Result<Index> {
        let got = self.pool.lock().ok().and_then(|mut p| p.pop());
        match got {
            Some(i) => Ok(i),
            None => Ok(Index::open(&self.config.db)?),
        }
    }

    fn checkin(&self, index: Index) {
        if let Ok(mut p) = self.pool.lock() {
            if p.len() < POOL_MAX {
                p.push(index);
            }
        }
    }

    /// Runs `f` with an index connection on the blocking thread pool.
    pub(crate) async fn with_index<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&State, &Index) -> Result<T> + Send + 'static,
    {
        let me = Arc::clone(self);
        let slot = self
            .db_slots
            .acquire()
            .await
            .map_err(|e| Error::Task(e.to_string()))?;
        let out = tokio::task::spawn_blocking(move || {
            let index = me.checkout()?;
            let out = f(&me, &index);
            me.checkin(index);
            out
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?;
        drop(slot);
        out
    }

    /// The index's version now (see `watch`); `None` when it cannot be read (then nothing
    /// cached is trusted).
    pub(crate) fn version(&self) -> Option<i64> {
        let w = self.watch.lock().ok()?;
        w.connection()
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .ok()
    }

    /// Forgets the map points and places of `library_id` (after an edit moved something).
    pub(crate) fn invalidate(&self, library_id: i64) {
        if let Ok(mut m) = self.maps.lock() {
            m.remove(&library_id);
        }
        if let Ok(mut m) = self.places.lock() {
            m.remove(&library_id);
        }
        if let Ok(mut m) = self.timelines.lock() {
            m.remove(&library_id);
        }
    }
}
