//! Hostile values never panic: extreme dates, offsets, positions and clocks, through resolution
//! and the whole timeline.
#![allow(clippy::unwrap_used)]

use albumen_timeline::resolve::{LocalKind, LocalReading, MovieHeaderClock};
use albumen_timeline::synth::Rng;
use albumen_timeline::{Builder, TimeFacts, TimelineOptions};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

fn date(r: &mut Rng) -> Option<chrono::NaiveDateTime> {
    let y = match r.range(0, 3) {
        0 => r.range(1, 9999),
        1 => r.range(1900, 2100),
        2 => r.range(-200_000, 200_000),
        _ => 2024,
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, 1, 1)?
        .and_hms_opt(0, 0, 0)
        .map(|d| d + chrono::Duration::seconds(r.range(0, 366 * 86_400)))
}

fn utc(r: &mut Rng) -> Option<DateTime<Utc>> {
    date(r).map(|d| d.and_utc())
}

#[test]
fn random_extreme_facts_do_not_panic() {
    let mut r = Rng::new(42);
    for round in 0..20 {
        let mut b = Builder::new(TimelineOptions::default());
        for _ in 0..2000 {
            let local = date(&mut r).map(|time| LocalReading {
                time,
                offset: if r.chance(0.5) {
                    FixedOffset::east_opt(i32::try_from(r.range(-86_399, 86_399)).unwrap())
                } else {
                    None
                },
                kind: if r.chance(0.8) {
                    LocalKind::Original
                } else {
                    LocalKind::Modified
                },
            });
            let gps = r.chance(0.5).then(|| {
                let bad = [f64::NAN, f64::INFINITY, 1e300, -91.0, 181.0];
                if r.chance(0.1) {
                    (bad[r.range(0, 4) as usize], r.f() * 360.0 - 180.0)
                } else {
                    (r.f() * 180.0 - 90.0, r.f() * 360.0 - 180.0)
                }
            });
            let f = TimeFacts {
                local: local.filter(|_| r.chance(0.8)),
                utc: if r.chance(0.1) { utc(&mut r) } else { None },
                movie_header: if r.chance(0.2) { utc(&mut r) } else { None },
                movie_header_clock: match r.range(0, 2) {
                    0 => MovieHeaderClock::Utc,
                    1 => MovieHeaderClock::Local,
                    _ => MovieHeaderClock::Unknown,
                },
                gps,
                gps_time: if r.chance(0.3) { utc(&mut r) } else { None },
                file_time: if r.chance(0.5) { utc(&mut r) } else { None },
            };
            let cam = ["A", "B", "C"][r.range(0, 2) as usize];
            b.push(f, r.chance(0.9).then_some(cam));
        }
        let tl = b.build();
        assert_eq!(tl.entries.len(), 2000, "round {round}");
        for e in &tl.events {
            let _ = e.title();
        }
        let _ =
            serde_json::to_string(&tl.entries.iter().map(|e| e.time).collect::<Vec<_>>()).unwrap();
    }
}
