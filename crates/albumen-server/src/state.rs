//! What the server holds between requests: a pool of index connections, the preview cache,
//! per-library map clusters, places, timelines and search texts (caches rebuilt from the index
//! whenever its version moves or an edit invalidates them) and a few seconds' memo of sessions.
//! Nothing here is the only copy of anything: sessions, failed-login counts and each user's
//! undo list are in the index, so two servers on one database behave as one.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use albumen_geo::{ClusterIndex, Place};
use albumen_index::Index;
use albumen_preview::Cache;

use crate::error::{Error, Result};
use crate::Config;

/// Most index connections open at once: requests beyond this wait for one (SQLite work is
/// CPU-bound; opening a connection per request under load costs more than waiting).
const POOL_MAX: usize = 8;

/// How long a session looked up in the index is trusted without asking again.
pub(crate) const SESSION_MEMO: std::time::Duration = std::time::Duration::from_secs(5);
/// Most sessions remembered (beyond, the memo starts over).
const SESSION_MEMO_MAX: usize = 10_000;

/// The map points of one library: the cluster index and, for each of its items, the file id.
#[derive(Debug)]
pub(crate) struct MapPoints {
    pub index: ClusterIndex,
    pub ids: Vec<i64>,
    /// The index version the points were read at, and when: another process's change (a
    /// scan, another server's edit) makes them stale.
    pub version: Option<i64>,
    pub at: std::time::Instant,
}

/// (file id, place) of every located item of a library.
pub(crate) type Places = Arc<Vec<(i64, Option<Place>)>>;

/// The server's shared state.
#[derive(Debug)]
pub struct State {
    pub(crate) config: Config,
    pool: Mutex<Vec<Index>>,
    pub(crate) cache: Cache,
    /// At most this many previews are made at once (they are CPU-bound).
    pub(crate) preview_slots: tokio::sync::Semaphore,
    pub(crate) maps: Mutex<HashMap<i64, Arc<MapPoints>>>,
    /// Each library's places, with the map points they were found for.
    pub(crate) places: Mutex<HashMap<i64, (Arc<MapPoints>, Places)>>,
    /// Each library's timeline day counts, with the index version they were counted at.
    pub(crate) timelines: Mutex<HashMap<i64, (i64, axum::body::Bytes)>>,
    /// A connection that only watches the index's version ([`Index::data_version`]: it changes
    /// when any other connection, this server's or a scan's, commits).
    watch: Mutex<Index>,
    /// Held while a request uses an index connection (at most [`POOL_MAX`]).
    db_slots: tokio::sync::Semaphore,
    /// One map (cluster index, places) build at a time: concurrent first requests wait for
    /// the first one's result instead of each building it.
    pub(crate) map_build: tokio::sync::Mutex<()>,
    /// Sessions recently found in the index, by token, with when they were looked up: a
    /// request within [`SESSION_MEMO`] of the lookup does not ask the index again. Logout
    /// forgets its session at once; a session ended elsewhere (another process) lives on here
    /// for at most that long.
    pub(crate) sessions: Mutex<HashMap<String, (albumen_index::Session, std::time::Instant)>>,
    /// One edit at a time.
    pub(crate) edit_lock: tokio::sync::Mutex<()>,
    /// Each library's search texts (`/api/search`), with the version they were built at.
    pub(crate) search_docs: Mutex<HashMap<i64, Arc<crate::api::SearchBuilt>>>,
    /// One build of search texts at a time.
    pub(crate) search_build: Arc<tokio::sync::Mutex<()>>,
    /// What `serve --watch` is doing (`None` without `--watch`).
    pub(crate) watcher: Option<Arc<crate::watch::WatchStatus>>,
    /// Every stored image embedding of one length, with the index version they were read at
    /// (`/api/items/{id}/similar`): reading them is most of a search's time (0.46 s of 0.93 s
    /// at 100k; about 5 s at 1M), comparing them the rest.
    pub(crate) embeddings: Mutex<Option<(Option<i64>, Arc<albumen_index::Embeddings>)>>,
}

impl State {
    /// Opens the index (which must exist) and the preview cache.
    pub fn open(config: Config) -> Result<State> {
        if !albumen_index::is_database_url(&config.db) && !config.db.is_file() {
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
        let watching = config
            .watch
            .is_some()
            .then(|| Arc::new(crate::watch::WatchStatus::default()));
        Ok(State {
            config,
            pool: Mutex::new(vec![index]),
            watch,
            db_slots: tokio::sync::Semaphore::new(POOL_MAX),
            cache,
            preview_slots: tokio::sync::Semaphore::new(cpus.max(1)),
            maps: Mutex::new(HashMap::new()),
            timelines: Mutex::new(HashMap::new()),
            places: Mutex::new(HashMap::new()),
            edit_lock: tokio::sync::Mutex::new(()),
            sessions: Mutex::new(HashMap::new()),
            map_build: tokio::sync::Mutex::new(()),
            search_docs: Mutex::new(HashMap::new()),
            search_build: Arc::new(tokio::sync::Mutex::new(())),
            watcher: watching,
            embeddings: Mutex::new(None),
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
        w.data_version().ok()
    }

    /// The session of `token` if it was looked up less than [`SESSION_MEMO`] ago and has not
    /// expired.
    pub(crate) fn memo_session(&self, token: &str, now_s: i64) -> Option<albumen_index::Session> {
        let m = self.sessions.lock().ok()?;
        let (s, at) = m.get(token)?;
        (at.elapsed() < SESSION_MEMO && s.expires_at > now_s).then(|| s.clone())
    }

    /// Remembers (or, with `None`, forgets) the session of `token`.
    pub(crate) fn remember_session(&self, token: &str, s: Option<&albumen_index::Session>) {
        if let Ok(mut m) = self.sessions.lock() {
            match s {
                Some(s) => {
                    if m.len() >= SESSION_MEMO_MAX {
                        m.clear();
                    }
                    m.insert(token.to_string(), (s.clone(), std::time::Instant::now()));
                }
                None => {
                    m.remove(token);
                }
            }
        }
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
        if let Ok(mut m) = self.search_docs.lock() {
            m.remove(&library_id);
        }
    }

    /// Forgets every library's search texts (after people were named, merged or hidden).
    pub(crate) fn forget_search(&self) {
        if let Ok(mut m) = self.search_docs.lock() {
            m.clear();
        }
    }
}
