//! A labelled synthetic year of shooting, for evaluating event segmentation (see
//! `examples/eval.rs`): home life with quiet weeks, weekday snapshots, weekend days out and
//! parties, and three trips abroad (Tokyo, Lisbon/Porto, New York across the end of US summer
//! time); a phone (offset tag + GPS, sometimes no fix) and a camera (wall time only, no GPS)
//! used side by side on days out and trips — its clock left on home time during the Tokyo trip. Every item carries the id of the event it was
//! generated in, and its true instant.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use chrono_tz::Tz;

use crate::resolve::{LocalKind, LocalReading, TimeFacts};
use crate::zone;

/// One synthetic item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthItem {
    /// What a reader would have found in the file.
    pub facts: TimeFacts,
    /// The device.
    pub camera: &'static str,
    /// The true event id.
    pub event: u32,
    /// The true instant.
    pub utc: DateTime<Utc>,
    /// How many seconds the device's clock is behind true local time (0: right).
    pub off_clock_s: i64,
}

/// The phone's camera name.
pub const PHONE: &str = "Apple iPhone 15";
/// The camera's name.
pub const CAMERA: &str = "SONY ILCE-7M3";

/// A small, seedable generator (SplitMix64), so runs are reproducible without a dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeds it.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform integer in [a, b].
    pub fn range(&mut self, a: i64, b: i64) -> i64 {
        if b <= a {
            return a;
        }
        let span = (b - a + 1) as u64;
        a + (self.next_u64() % span) as i64
    }
    /// True with probability p.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    /// Exponential with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.f()).max(1e-12).ln()
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Snapshot,
    Outing,
    Party,
    DayOut,
    /// A scenic drive or long hike: few photos, far apart in time and space.
    Sparse,
}

struct Gen {
    rng: Rng,
    /// How far the camera's clock is behind true local time (left on home time on a trip).
    camera_behind_s: i64,
    items: Vec<SynthItem>,
    next_event: u32,
}

const HOME: (f64, f64) = (45.7640, 4.8357); // Lyon
const HOME_ZONE: Tz = chrono_tz::Europe::Paris;

impl Gen {
    /// Generates one event starting at `start` (local wall time in `tz`) around `centre`;
    /// returns its local end.
    fn event(
        &mut self,
        start: NaiveDateTime,
        tz: Tz,
        centre: (f64, f64),
        kind: Kind,
        camera_share: f64,
    ) -> NaiveDateTime {
        let id = self.next_event;
        self.next_event += 1;
        let r = &mut self.rng;
        // Each event has its own shooting density (a party is dense, a drive sparse).
        let log_uniform = |r: &mut Rng, a: f64, b: f64| (a.ln() + r.f() * (b.ln() - a.ln())).exp();
        let (n, mean_gap, wander_km) = match kind {
            Kind::Snapshot => (r.range(1, 4), 90.0, 0.05),
            Kind::Outing => (r.range(8, 40), log_uniform(r, 60.0, 360.0), 2.0),
            Kind::Party => (r.range(40, 200), log_uniform(r, 30.0, 120.0), 0.02),
            Kind::DayOut => (r.range(30, 120), log_uniform(r, 120.0, 480.0), 10.0),
            Kind::Sparse => (r.range(6, 20), log_uniform(r, 720.0, 1800.0), 40.0),
        };
        // Long events may have one long lull (a meal, a drive) somewhere in them.
        let lull_at = (matches!(kind, Kind::Party | Kind::DayOut) && r.chance(0.3))
            .then(|| r.range(1, n - 1));
        let mut t = start;
        let mut pos = centre;
        let step_km = wander_km / (n as f64).sqrt().max(1.0);
        let mut i = 0;
        let mut lulled = false;
        while i < n {
            // Bursts of 2-8 frames a second or two apart, else a pause.
            let burst = if r.chance(0.2) { r.range(2, 8) } else { 1 };
            for _ in 0..burst {
                if i >= n {
                    break;
                }
                let (off, _) = zone::offset_for_local(tz, t, None);
                let utc = zone::utc_of(t, off);
                let use_camera = r.chance(camera_share);
                let facts = if use_camera {
                    TimeFacts {
                        local: Some(LocalReading {
                            time: t - Duration::seconds(self.camera_behind_s),
                            offset: None,
                            kind: LocalKind::Original,
                        }),
                        ..TimeFacts::default()
                    }
                } else {
                    TimeFacts {
                        local: Some(LocalReading {
                            time: t,
                            offset: Some(off),
                            kind: LocalKind::Original,
                        }),
                        gps: (!r.chance(0.1)).then_some(pos),
                        ..TimeFacts::default()
                    }
                };
                self.items.push(SynthItem {
                    facts,
                    camera: if use_camera { CAMERA } else { PHONE },
                    event: id,
                    utc,
                    off_clock_s: if use_camera { self.camera_behind_s } else { 0 },
                });
                i += 1;
                t += Duration::seconds(r.range(1, 2));
            }
            let gap = if !lulled && lull_at.is_some_and(|l| i >= l) {
                lulled = true;
                r.range(20 * 60, 50 * 60) as f64
            } else {
                r.exp(mean_gap).min(4.0 * mean_gap)
            };
            t += Duration::seconds(gap as i64 + 1);
            // Wander.
            let ang = r.f() * std::f64::consts::TAU;
            let d = step_km * r.f();
            pos.0 += d / 111.0 * ang.cos();
            pos.1 += d / (111.0 * pos.0.to_radians().cos().max(0.1)) * ang.sin();
        }
        t
    }

    fn near(&mut self, c: (f64, f64), km: f64) -> (f64, f64) {
        let ang = self.rng.f() * std::f64::consts::TAU;
        let d = km * self.rng.f();
        (
            c.0 + d / 111.0 * ang.cos(),
            c.1 + d / (111.0 * c.0.to_radians().cos().max(0.1)) * ang.sin(),
        )
    }

    fn at(day: NaiveDate, h: i64, m: i64) -> NaiveDateTime {
        day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(h * 60 + m)
    }

    /// A day of 2-4 events at different spots of a city, 15 min to 3 h apart.
    fn city_day(&mut self, day: NaiveDate, tz: Tz, city: (f64, f64)) {
        let h = self.rng.range(8, 11);
        let m = self.rng.range(0, 59);
        let mut t = Self::at(day, h, m);
        for _ in 0..self.rng.range(2, 4) {
            let spot = self.near(city, 8.0);
            let kind = match self.rng.range(0, 9) {
                0..=2 => Kind::Snapshot,
                3 => Kind::Sparse,
                4 => Kind::DayOut,
                _ => Kind::Outing,
            };
            let end = self.event(t, tz, spot, kind, 0.45);
            t = end + Duration::minutes(self.rng.range(15, 180));
            if t.date() != day
                || t.time() > chrono::NaiveTime::from_hms_opt(22, 0, 0).unwrap_or_default()
            {
                break;
            }
        }
    }
}

/// A trip: month, day, length in days, zone, first city, second city.
type Trip = (u32, u32, u32, Tz, (f64, f64), (f64, f64));

/// A year of shooting (`year`, seeded): about 5,000-8,000 items in about 300 events, sorted by
/// true instant.
pub fn synthetic_year(seed: u64, year: i32) -> Vec<SynthItem> {
    let mut g = Gen {
        camera_behind_s: 0,
        rng: Rng::new(seed),
        items: Vec::new(),
        next_event: 0,
    };
    let trips: [Trip; 3] = [
        (
            4,
            10,
            9,
            chrono_tz::Asia::Tokyo,
            (35.6812, 139.7671),
            (35.0116, 135.7681),
        ),
        (
            7,
            20,
            12,
            chrono_tz::Europe::Lisbon,
            (38.7223, -9.1393),
            (41.1579, -8.6291),
        ),
        (
            10,
            26,
            10,
            chrono_tz::America::New_York,
            (40.7128, -74.0060),
            (42.3601, -71.0589),
        ),
    ];
    let quiet: Vec<u32> = (0..6).map(|_| g.rng.range(1, 51) as u32).collect();
    let Some(mut day) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    while day.year() == year {
        let trip = trips.iter().find(|(m, d, len, ..)| {
            NaiveDate::from_ymd_opt(year, *m, *d)
                .is_some_and(|s| day >= s && day < s + Duration::days(i64::from(*len)))
        });
        if let Some(&(m, d, len, tz, city_a, city_b)) = trip {
            let first = NaiveDate::from_ymd_opt(year, m, d).unwrap_or(day);
            let k = (day - first).num_days();
            // On the first trip the camera stays on home time (Tokyo is 7 hours ahead of Paris
            // in April): its wall times are 7 hours behind, which the clock detection must find.
            g.camera_behind_s = if m == 4 { 7 * 3600 } else { 0 };
            let city = if k < i64::from(len) / 2 {
                city_a
            } else {
                city_b
            };
            if k == 0 {
                // Departure: a snapshot at home in the morning, the arrival in the evening.
                let t = Gen::at(day, 7, g.rng.range(0, 50));
                g.event(t, HOME_ZONE, HOME, Kind::Snapshot, 0.0);
                let t = Gen::at(day, 19, g.rng.range(0, 50));
                g.event(t, tz, city, Kind::Snapshot, 0.0);
            } else {
                g.city_day(day, tz, city);
            }
        } else {
            g.camera_behind_s = 0;
            let week = day.iso_week().week();
            let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            if quiet.contains(&week) {
                if g.rng.chance(0.05) {
                    let t = Gen::at(day, g.rng.range(9, 20), g.rng.range(0, 59));
                    g.event(t, HOME_ZONE, HOME, Kind::Snapshot, 0.0);
                }
            } else if weekend {
                if g.rng.chance(0.55) {
                    let t = Gen::at(day, g.rng.range(8, 11), g.rng.range(0, 59));
                    let spot = g.near(HOME, 60.0);
                    let kind = match g.rng.range(0, 5) {
                        0 | 1 => Kind::DayOut,
                        2 => Kind::Sparse,
                        _ => Kind::Outing,
                    };
                    g.event(t, HOME_ZONE, spot, kind, 0.4);
                }
                if g.rng.chance(0.3) {
                    let t = Gen::at(day, g.rng.range(16, 17), g.rng.range(0, 59));
                    let spot = g.near(HOME, 3.0);
                    g.event(t, HOME_ZONE, spot, Kind::Snapshot, 0.0);
                }
                if g.rng.chance(0.1) {
                    // A party running past midnight.
                    let t = Gen::at(day, g.rng.range(19, 21), g.rng.range(0, 59));
                    let spot = g.near(HOME, 5.0);
                    g.event(t, HOME_ZONE, spot, Kind::Party, 0.2);
                }
            } else if g.rng.chance(0.35) {
                let t = Gen::at(day, g.rng.range(8, 20), g.rng.range(0, 59));
                let spot = g.near(HOME, 4.0);
                let end = g.event(t, HOME_ZONE, spot, Kind::Snapshot, 0.0);
                if g.rng.chance(0.25) {
                    let t = end + Duration::minutes(g.rng.range(60, 300));
                    let spot = g.near(HOME, 4.0);
                    g.event(t, HOME_ZONE, spot, Kind::Snapshot, 0.0);
                }
            }
        }
        day += Duration::days(1);
    }
    g.items.sort_by_key(|i| i.utc);
    g.items
}

/// Boundary precision, recall and F1 of a segmentation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Predicted boundaries that are true boundaries / predicted boundaries.
    pub precision: f64,
    /// True boundaries found / true boundaries.
    pub recall: f64,
    /// Harmonic mean.
    pub f1: f64,
    /// Number of predicted events.
    pub events: usize,
}

/// Scores predicted event ids against true ones, item by item in the same (true-time) order: a
/// boundary is a place where the id changes.
pub fn boundary_score(truth: &[u32], predicted: &[u32]) -> Score {
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    for i in 1..truth.len().min(predicted.len()) {
        let t = truth[i] != truth[i - 1];
        let p = predicted[i] != predicted[i - 1];
        match (t, p) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fneg += 1,
            (false, false) => {}
        }
    }
    let precision = if tp + fp == 0 {
        1.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let recall = if tp + fneg == 0 {
        1.0
    } else {
        tp as f64 / (tp + fneg) as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let mut ids = predicted.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Score {
        precision,
        recall,
        f1,
        events: ids.len(),
    }
}

/// Event ids from boundary positions (`n` items).
pub fn ids_from_boundaries(n: usize, cuts: &[usize]) -> Vec<u32> {
    let mut out = Vec::with_capacity(n);
    let mut id = 0u32;
    let mut k = 0;
    for i in 0..n {
        while cuts.get(k).is_some_and(|&c| c <= i) {
            if cuts.get(k) == Some(&i) {
                id += 1;
            }
            k += 1;
        }
        out.push(id);
    }
    out
}
