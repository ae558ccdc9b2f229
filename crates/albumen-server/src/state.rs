//! What the server holds between requests: a pool of index connections, the preview cache,
//! the login limiter, per-library map clusters and places, and each user's undo list.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use albumen_edit::Edit;
use albumen_geo::{ClusterIndex, Place};
use albumen_index::Index;
use albumen_preview::Cache;

use crate::auth::Limiter;
use crate::error::{Error, Result};
use crate::Config;

/// Connections kept open for reuse (more are opened under load and closed after).
const POOL_KEEP: usize = 8;

/// The map points of one library: the cluster index and, for each of its items, the file id.
#[derive(Debug)]
pub(crate) struct MapPoints {
    pub index: ClusterIndex,
    pub ids: Vec<i64>,
}

/// (file id, place) of every located item of a library.
pub(crate) type Places = Arc<Vec<(i64, Option<Place>)>>;

/// One undoable edit: the files it changed and, for each, the edits that put it back.
#[derive(Debug, Clone)]
pub(crate) struct UndoEntry {
    pub files: Vec<(i64, Vec<Edit>)>,
}

/// What a cached timeline was computed from: the newest scan run and file row of the index and
/// the library's file count. A scan by another process (a new run), an archive or new rows
/// change it; the server's own edits clear the cache ([`State::invalidate`]).
pub(crate) type TimelineKey = (i64, i64, i64);

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
    /// Each library's `/api/timeline` answer, with the index state it was computed from.
    pub(crate) timelines: Mutex<HashMap<i64, (TimelineKey, Arc<serde_json::Value>)>>,
    pub(crate) places: Mutex<HashMap<i64, Places>>,
    pub(crate) undo: Mutex<HashMap<i64, Vec<UndoEntry>>>,
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
        Ok(State {
            config,
            pool: Mutex::new(vec![index]),
            cache,
            limiter: Limiter::default(),
            preview_slots: tokio::sync::Semaphore::new(cpus.max(1)),
            maps: Mutex::new(HashMap::new()),
            timelines: Mutex::new(HashMap::new()),
            places: Mutex::new(HashMap::new()),
            undo: Mutex::new(HashMap::new()),
            edit_lock: tokio::sync::Mutex::new(()),
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
            if p.len() < POOL_KEEP {
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
        tokio::task::spawn_blocking(move || {
            let index = me.checkout()?;
            let out = f(&me, &index);
            me.checkin(index);
            out
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Forgets the map points, places and timeline of `library_id` (after an edit moved something).
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
