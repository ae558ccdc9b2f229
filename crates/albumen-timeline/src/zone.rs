//! Time zones: from coordinates (offline polygons) and from local wall times (with DST).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use chrono::{DateTime, Duration, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::Error;

/// Finds the IANA zone of a position, offline.
///
/// Backed by `tzf-rs` over the `tzf-dist` "lite" boundary data compiled into the binary (4.1 MB),
/// so no file or network is needed at run time. Two finders over the same data, same answers:
///
/// - `EmbeddedFinder` queries the compressed data in place: loads in about 3 ms, answers in about
///   320 ns (measured by `examples/zone_speed.rs` on this machine);
/// - `DefaultFinder` expands the polygons first: about 116 ms to load, then about 80 ns.
///
/// A single `albumen info` must not pay 116 ms, and a million-item timeline should not pay
/// 240 ms of slow lookups, so this starts with the embedded finder and switches to the expanded
/// one after [`ZoneFinder::SWITCH_AFTER`] lookups (about where the load pays for itself).
pub struct ZoneFinder {
    embedded: tzf_rs::EmbeddedFinder,
    by_name: HashMap<String, Tz>,
    fast: OnceLock<Option<Expanded>>,
    lookups: AtomicUsize,
}

struct Expanded {
    finder: tzf_rs::DefaultFinder,
    /// The parsed zone of each name in the finder's table (same index).
    zones: Vec<Option<Tz>>,
}

impl std::fmt::Debug for ZoneFinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZoneFinder")
            .field("zones", &self.by_name.len())
            .field("expanded", &self.fast.get().is_some())
            .finish()
    }
}

impl ZoneFinder {
    /// Lookups after which the expanded finder is built.
    pub const SWITCH_AFTER: usize = 300_000;

    /// Opens the bundled boundary data (prefer [`ZoneFinder::global`], which does it once per
    /// process).
    pub fn new() -> Result<Self, Error> {
        let embedded = tzf_rs::EmbeddedFinder::from_tzb(tzf_dist::load_lite_tzb())
            .map_err(|e| Error::ZoneData(e.to_string()))?;
        let by_name = embedded
            .timezonenames()
            .into_iter()
            .filter_map(|n| Some((n.to_string(), n.parse::<Tz>().ok()?)))
            .collect();
        Ok(ZoneFinder {
            embedded,
            by_name,
            fast: OnceLock::new(),
            lookups: AtomicUsize::new(0),
        })
    }

    /// The process-wide finder, opened on first use; `None` (and a log error) if the bundled data
    /// is broken.
    pub fn global() -> Option<&'static ZoneFinder> {
        static GLOBAL: OnceLock<Option<ZoneFinder>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| match ZoneFinder::new() {
                Ok(f) => Some(f),
                Err(e) => {
                    log::error!("{e}");
                    None
                }
            })
            .as_ref()
    }

    /// Builds the expanded finder now (for a caller about to look up very many positions).
    pub fn expand(&self) -> bool {
        self.fast
            .get_or_init(|| {
                let finder = tzf_rs::DefaultFinder::from_tzb(tzf_dist::load_lite_tzb())
                    .map_err(|e| log::error!("time-zone data: {e}"))
                    .ok()?;
                let zones = finder
                    .timezonenames()
                    .into_iter()
                    .map(|n| n.parse::<Tz>().ok())
                    .collect();
                Some(Expanded { finder, zones })
            })
            .is_some()
    }

    /// The zone at a position (degrees). Over the open sea the data has the nautical zones
    /// (`Etc/GMT+2`, ...). `None` when the position is not finite or no zone covers it.
    pub fn zone_at(&self, lat: f64, lon: f64) -> Option<Tz> {
        if !(lat.is_finite() && lon.is_finite()) {
            return None;
        }
        let fast = match self.fast.get() {
            Some(f) => f.as_ref(),
            None if self.lookups.fetch_add(1, Ordering::Relaxed) >= Self::SWITCH_AFTER => {
                self.expand();
                self.fast.get().and_then(Option::as_ref)
            }
            None => None,
        };
        match fast {
            Some(x) => {
                let i = x.finder.get_tz_index(lon, lat)?;
                x.zones.get(i).copied().flatten()
            }
            None => self
                .by_name
                .get(self.embedded.get_tz_name(lon, lat))
                .copied(),
        }
    }
}

/// How a local wall time fitted its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalFit {
    /// The wall time exists once.
    Single,
    /// The wall time happened twice (the hour repeated when DST ends); one was chosen.
    Ambiguous,
    /// The wall time never happened (the hour skipped when DST starts); the offset in force just
    /// before the jump was used, as a camera whose clock had not yet been moved would show it.
    Skipped,
}

/// The UTC offset of a local wall time in a zone, daylight saving included.
///
/// In the repeated hour, `hint` (an independent UTC reading such as the GPS clock) picks the
/// occurrence it is closest to; without a hint the earlier (summer-time) occurrence is taken.
pub fn offset_for_local(
    tz: Tz,
    local: NaiveDateTime,
    hint: Option<DateTime<Utc>>,
) -> (FixedOffset, LocalFit) {
    match tz.offset_from_local_datetime(&local) {
        LocalResult::Single(o) => (o.fix(), LocalFit::Single),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.fix(), b.fix());
            let pick = match hint {
                Some(h) => {
                    let da = (utc_of(local, a) - h).num_seconds().abs();
                    let db = (utc_of(local, b) - h).num_seconds().abs();
                    if db < da {
                        b
                    } else {
                        a
                    }
                }
                None => a,
            };
            (pick, LocalFit::Ambiguous)
        }
        LocalResult::None => {
            // A day before, read as UTC, is safely before the transition (offsets are within
            // ±14 h and transitions months apart).
            let before = local
                .checked_sub_signed(Duration::days(1))
                .unwrap_or(local)
                .and_utc();
            (
                tz.offset_from_utc_datetime(&before.naive_utc()).fix(),
                LocalFit::Skipped,
            )
        }
    }
}

/// The offset of a zone at a UTC instant.
pub fn offset_at(tz: Tz, utc: DateTime<Utc>) -> FixedOffset {
    tz.offset_from_utc_datetime(&utc.naive_utc()).fix()
}

/// `local - offset` as a UTC instant (saturating at chrono's range, which file data cannot reach
/// through the reader's validated dates).
pub fn utc_of(local: NaiveDateTime, offset: FixedOffset) -> DateTime<Utc> {
    let secs = i64::from(offset.local_minus_utc());
    local
        .checked_sub_signed(Duration::seconds(secs))
        .unwrap_or(local)
        .and_utc()
}

/// `utc + offset` as a local wall time.
pub fn local_of(utc: DateTime<Utc>, offset: FixedOffset) -> NaiveDateTime {
    utc.with_timezone(&offset).naive_local()
}

/// Parses an IANA zone name (`Europe/Paris`, `UTC`, `Etc/GMT+2`).
pub fn parse_zone(name: &str) -> Result<Tz, Error> {
    name.parse::<Tz>().map_err(|_| Error::UnknownZone {
        name: name.to_string(),
    })
}
