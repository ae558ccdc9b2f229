//! How a scan reports progress: the library never prints, the caller decides.

/// Receives progress while a scan runs. Called from the scan's worker threads, a folder (or a
/// file being read) at a time, so implementations must be cheap and thread-safe. Every method
/// has a no-op default.
pub trait Progress: Sync {
    /// `n` more media files were found (listed and `stat`ed).
    fn found(&self, n: u64) {
        let _ = n;
    }
    /// `n` more files were dealt with (found unchanged, or read).
    fn done(&self, n: u64) {
        let _ = n;
    }
    /// The walk is over; the index is being finished (deletions, moves, items).
    fn finishing(&self) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}
