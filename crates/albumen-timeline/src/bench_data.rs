//! Synthetic items for benchmarks (`benches/timeline.rs`): a mix of what a real library holds.

use chrono::{Duration, FixedOffset, NaiveDate};

use crate::resolve::{LocalKind, LocalReading, MovieHeaderClock, TimeFacts};
use crate::synth::Rng;

/// `n` items over ten years: 40% phone photos (offset tag + GPS), 25% camera photos with GPS
/// (zone looked up), 20% camera photos without zone (neighbours / no zone), 10% phone videos
/// (UTC movie header + GPS), 5% with no time (file time). Positions around twelve cities on all
/// continents. Returns (facts, camera name).
pub fn mixed_items(n: usize, seed: u64) -> Vec<(TimeFacts, &'static str)> {
    const CITIES: [(f64, f64, i32); 12] = [
        (48.8566, 2.3522, 1),
        (35.6812, 139.7671, 9),
        (40.7128, -74.0060, -5),
        (-33.8688, 151.2093, 10),
        (27.7172, 85.3240, 5),
        (-34.6037, -58.3816, -3),
        (64.1466, -21.9426, 0),
        (1.3521, 103.8198, 8),
        (-1.2921, 36.8219, 3),
        (19.4326, -99.1332, -6),
        (55.7558, 37.6173, 3),
        (37.7749, -122.4194, -8),
    ];
    let mut r = Rng::new(seed);
    let base = NaiveDate::from_ymd_opt(2015, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let span_s = 10 * 365 * 86_400;
    let mut t_s: i64 = 0;
    let step = span_s / n.max(1) as i64;
    (0..n)
        .map(|_| {
            t_s += r.range(0, 2 * step.max(1));
            let local = base + Duration::seconds(t_s);
            let (lat, lon, off_h) = CITIES[(t_s / (20 * 86_400)) as usize % CITIES.len()];
            let pos = (lat + (r.f() - 0.5) * 0.2, lon + (r.f() - 0.5) * 0.2);
            let off = FixedOffset::east_opt(off_h * 3600);
            let reading = |offset| LocalReading {
                time: local,
                offset,
                kind: LocalKind::Original,
            };
            match r.range(0, 19) {
                0..=7 => (
                    TimeFacts {
                        local: Some(reading(off)),
                        gps: Some(pos),
                        ..TimeFacts::default()
                    },
                    "Apple iPhone 15",
                ),
                8..=12 => (
                    TimeFacts {
                        local: Some(reading(None)),
                        gps: Some(pos),
                        ..TimeFacts::default()
                    },
                    "NIKON Z 6",
                ),
                13..=16 => (
                    TimeFacts {
                        local: Some(reading(None)),
                        ..TimeFacts::default()
                    },
                    "SONY ILCE-7M3",
                ),
                17 | 18 => (
                    TimeFacts {
                        movie_header: Some(local.and_utc() - Duration::hours(i64::from(off_h))),
                        movie_header_clock: MovieHeaderClock::Utc,
                        gps: Some(pos),
                        ..TimeFacts::default()
                    },
                    "Apple iPhone 15",
                ),
                _ => (
                    TimeFacts {
                        file_time: Some(local.and_utc()),
                        ..TimeFacts::default()
                    },
                    "",
                ),
            }
        })
        .collect()
}
