//! `albumen serve --watch`: the libraries' roots are watched (inotify on Linux, through the
//! `notify` crate), and a periodic rescan catches what no event reported (network shares,
//! events lost to a full queue). A change is followed, once the folder has been quiet for
//! [`WatchOptions::settle`], by an incremental scan of the libraries concerned (unchanged
//! files are only `stat`ed), then by the caller's [`AfterScan`] work (previews, vision) in the
//! same background thread. `GET /api/status` tells the page what is pending.
//!
//! A scan run by another process at the same time is safe: the index's scan lock makes one of
//! the two wait (here: retry after [`BUSY_RETRY`]); SQLite's WAL and busy timeout keep every
//! other write atomic.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use albumen_index::{Index, NoProgress};
use albumen_scan::{Scan, ScanOptions};
use axum::extract::State as AxState;
use axum::{Extension, Json};
use notify::{EventKind, RecursiveMode, Watcher};

use crate::State;

/// How long to wait before trying again when another process holds the scan lock.
pub const BUSY_RETRY: Duration = Duration::from_secs(2);

/// Work done after each scan (previews, vision), given the index, the roots of the library
/// just scanned and the stop flag; an `Err` is logged and remembered for `/api/status`.
#[derive(Clone)]
pub struct AfterScan(
    #[allow(clippy::type_complexity)]
    pub  Arc<dyn Fn(&mut Index, &[PathBuf], &AtomicBool) -> Result<(), String> + Send + Sync>,
);

impl std::fmt::Debug for AfterScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AfterScan(..)")
    }
}

/// How `--watch` watches.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WatchOptions {
    /// A full (incremental) rescan of every library this often, events or not (default 10
    /// minutes).
    pub rescan_every: Duration,
    /// Quiet time after the last event before scanning (default 1 s): a copy of many files
    /// is one scan, not one per file.
    pub settle: Duration,
    /// Longest wait for quiet before scanning anyway (default 10 s).
    pub settle_max: Duration,
    /// What to do after each scan.
    pub after_scan: Option<AfterScan>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            rescan_every: Duration::from_secs(600),
            settle: Duration::from_secs(1),
            settle_max: Duration::from_secs(10),
            after_scan: None,
        }
    }
}

impl WatchOptions {
    /// Sets the periodic rescan interval.
    pub fn rescan_every(mut self, d: Duration) -> Self {
        self.rescan_every = d;
        self
    }

    /// Sets the work done after each scan.
    pub fn after_scan(mut self, f: AfterScan) -> Self {
        self.after_scan = Some(f);
        self
    }
}

/// What the watcher is doing, for `GET /api/status`.
#[derive(Debug, Default)]
pub struct WatchStatus {
    /// Paths changed and not yet scanned.
    pending: AtomicU64,
    /// A scan or its after-work is running.
    busy: AtomicBool,
    /// Scans done.
    scans: AtomicU64,
    /// Unix time of the last finished scan (0: none yet).
    last_scan_s: AtomicI64,
    /// Files the last scans found new, changed, moved or deleted.
    last_changes: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl WatchStatus {
    fn set_error(&self, e: Option<String>) {
        if let Ok(mut l) = self.last_error.lock() {
            *l = e;
        }
    }

    /// The status as the API sends it.
    pub fn to_json(&self) -> serde_json::Value {
        let last = self.last_scan_s.load(Ordering::Relaxed);
        serde_json::json!({
            "watching": true,
            "pending": self.pending.load(Ordering::Relaxed),
            "busy": self.busy.load(Ordering::Relaxed),
            "scans": self.scans.load(Ordering::Relaxed),
            "last_scan": (last > 0).then(|| chrono::DateTime::from_timestamp(last, 0)
                .map(|t| t.to_rfc3339())).flatten(),
            "last_changes": self.last_changes.load(Ordering::Relaxed),
            "last_error": self.last_error.lock().ok().and_then(|e| e.clone()),
        })
    }
}

/// `GET /api/status` → `{"watching", "pending", "busy", "scans", "last_scan", ...}`
/// (`{"watching": false, "pending": 0, "busy": false}` without `--watch`).
pub(crate) async fn status(
    AxState(state): AxState<Arc<State>>,
    Extension(_s): Extension<crate::api::Sess>,
) -> Json<serde_json::Value> {
    Json(match &state.watcher {
        Some(w) => w.to_json(),
        None => serde_json::json!({ "watching": false, "pending": 0, "busy": false }),
    })
}

/// Starts the watcher thread over `state` (which must have been opened with a
/// [`crate::Config::watch`]); it stops when `stop` is set. [`crate::serve`] does this itself.
pub fn spawn(
    state: Arc<State>,
    opts: WatchOptions,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("albumen-watch".into())
        .spawn(move || run(&state, &opts, &stop))
}

/// Whether an event says something about the files (reads and opens say nothing; the
/// server's own reads of the photos would otherwise wake it up again).
fn relevant(kind: &EventKind) -> bool {
    !matches!(kind, EventKind::Access(_))
}

fn libraries(db: &Path) -> Vec<albumen_index::Library> {
    match Index::open(db).and_then(|ix| ix.libraries()) {
        Ok(l) => l,
        Err(e) => {
            log::warn!("watch: reading the libraries: {e}");
            Vec::new()
        }
    }
}

fn run(state: &Arc<State>, opts: &WatchOptions, stop: &Arc<AtomicBool>) {
    let Some(status) = state.watcher.clone() else {
        return;
    };
    let db = state.config.db.clone();
    let (tx, rx) = channel::<notify::Result<notify::Event>>();
    let mut watcher = match notify::recommended_watcher(move |ev| {
        let _ = tx.send(ev);
    }) {
        Ok(w) => Some(w),
        Err(e) => {
            log::warn!(
                "watch: no file events ({e}); rescanning every {:?}",
                opts.rescan_every
            );
            status.set_error(Some(format!("no file events: {e}")));
            None
        }
    };
    let mut watched: HashSet<PathBuf> = HashSet::new();
    let mut add_watches = |watcher: &mut Option<notify::RecommendedWatcher>,
                           libs: &[albumen_index::Library]| {
        let Some(w) = watcher.as_mut() else { return };
        for root in libs.iter().flat_map(|l| &l.roots) {
            if watched.contains(root) {
                continue;
            }
            match w.watch(root, RecursiveMode::Recursive) {
                Ok(()) => {
                    log::info!("watching {}", root.display());
                    watched.insert(root.clone());
                }
                Err(e) => log::warn!("watch {}: {e}", root.display()),
            }
        }
    };
    let mut libs = libraries(&db);
    add_watches(&mut watcher, &libs);
    let mut next_full = Instant::now() + opts.rescan_every;
    // Paths changed since the last scan; `None` in the set's place: everything.
    let mut dirty: HashSet<PathBuf> = HashSet::new();
    let mut all = false;
    while !stop.load(Ordering::Relaxed) {
        let wait = next_full
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(500));
        let mut got = false;
        match rx.recv_timeout(wait) {
            Ok(ev) => got = take(ev, &mut dirty, &mut all),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                // The watcher is gone: periodic rescans only.
                std::thread::sleep(wait);
            }
        }
        if got {
            // Let a copy finish: scan once the folder is quiet (or after settle_max).
            let start = Instant::now();
            loop {
                status.pending.store(dirty.len() as u64, Ordering::Relaxed);
                if stop.load(Ordering::Relaxed) || start.elapsed() >= opts.settle_max {
                    break;
                }
                match rx.recv_timeout(opts.settle) {
                    Ok(ev) => {
                        take(ev, &mut dirty, &mut all);
                    }
                    Err(_) => break,
                }
            }
        }
        if Instant::now() >= next_full {
            all = true;
        }
        if !all && dirty.is_empty() {
            continue;
        }
        status
            .pending
            .store(dirty.len().max(1) as u64, Ordering::Relaxed);
        status.busy.store(true, Ordering::Relaxed);
        if all {
            libs = libraries(&db);
            add_watches(&mut watcher, &libs);
        }
        let todo: Vec<&albumen_index::Library> = libs
            .iter()
            .filter(|l| {
                all || dirty
                    .iter()
                    .any(|p| l.roots.iter().any(|r| p.starts_with(r)))
            })
            .collect();
        match scan(state, &db, &todo, opts, stop, &status) {
            Ok(()) => {
                dirty.clear();
                all = false;
                next_full = Instant::now() + opts.rescan_every;
                status.pending.store(0, Ordering::Relaxed);
            }
            Err(Retry) => {
                // Another process is scanning: keep what is dirty, try again soon.
                std::thread::sleep(BUSY_RETRY.min(opts.rescan_every));
            }
        }
        status.busy.store(false, Ordering::Relaxed);
    }
}

/// Adds the paths of an event to `dirty`; whether it was relevant.
fn take(ev: notify::Result<notify::Event>, dirty: &mut HashSet<PathBuf>, all: &mut bool) -> bool {
    match ev {
        Ok(ev) if relevant(&ev.kind) => {
            if ev.need_rescan() || ev.paths.is_empty() {
                *all = true;
            }
            // Bounded: past this many distinct paths, everything is rescanned anyway.
            if dirty.len() < 100_000 {
                dirty.extend(ev.paths);
            } else {
                *all = true;
            }
            true
        }
        Ok(_) => false,
        Err(e) => {
            log::warn!("watch: {e}; rescanning");
            *all = true;
            true
        }
    }
}

/// The scan lock was held by another process.
struct Retry;

fn scan(
    state: &Arc<State>,
    db: &Path,
    libs: &[&albumen_index::Library],
    opts: &WatchOptions,
    stop: &Arc<AtomicBool>,
    status: &WatchStatus,
) -> Result<(), Retry> {
    let mut index = match Index::open(db) {
        Ok(i) => i,
        Err(e) => {
            status.set_error(Some(e.to_string()));
            return Ok(());
        }
    };
    let scan_opts = ScanOptions::new().cancel(Arc::clone(stop));
    let mut changes = 0u64;
    let mut error = None;
    for lib in libs {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        match index.scan(&lib.name, &lib.roots, &scan_opts, &NoProgress) {
            Ok(r) => {
                // The scan finished interrupted trash moves before it walked.
                for id in &r.trash_recovery.finished {
                    log::warn!("watch: finished the interrupted trash move of item {id}");
                }
                for (id, why) in &r.trash_recovery.failed {
                    log::error!(
                        "watch: item {id}: the interrupted trash move cannot be finished: {why}"
                    );
                }
                let n = r.new + r.changed + r.moved + r.deleted + r.redownloads;
                changes += n;
                if n > 0 {
                    log::info!(
                        "watch: {}: new {}, changed {}, moved {}, deleted {}",
                        lib.name,
                        r.new,
                        r.changed,
                        r.moved,
                        r.deleted
                    );
                }
                // The page's caches of this library (map, places, timeline, search).
                state.invalidate(lib.id);
                status.scans.fetch_add(1, Ordering::Relaxed);
                status
                    .last_scan_s
                    .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
                if n > 0 {
                    if let Some(after) = &opts.after_scan {
                        if let Err(e) = (after.0)(&mut index, &lib.roots, stop) {
                            log::warn!("watch: after the scan of {}: {e}", lib.name);
                            error = Some(e);
                        }
                        state.invalidate(lib.id);
                    }
                }
            }
            Err(albumen_scan::Error::Index(albumen_index::Error::ScanBusy(_))) => {
                return Err(Retry)
            }
            Err(e) => {
                log::warn!("watch: scan of {}: {e}", lib.name);
                error = Some(e.to_string());
            }
        }
    }
    status.last_changes.store(changes, Ordering::Relaxed);
    status.set_error(error);
    Ok(())
}
