//! The timeline: items resolved together (neighbours lend zones), then grouped into days /
//! months / years, events and trips, with camera clocks that look off.

use std::collections::HashMap;
use std::time::SystemTime;

use albumen_meta::Metadata;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;
use rayon::prelude::*;
use serde::Serialize;

use crate::clock::{estimate_shift, ClockOptions, ClockShift};
use crate::events::{segment, EventOptions};
use crate::geo::{centroid, haversine_km};
use crate::resolve::{
    resolve_facts, MovieHeaderClock, MovieHeaderPolicy, ResolveOptions, ResolvedTime, TimeFacts,
    TimeSource,
};
use crate::zone;
use crate::Confidence;

/// Options of [`Timeline`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TimelineOptions {
    /// Single-file rules.
    pub resolve: ResolveOptions,
    /// How far (wall-clock seconds) a neighbour with a known zone may be to lend it (rule 4).
    pub neighbour_window_s: i64,
    /// Event segmentation.
    pub events: EventOptions,
    /// Home location for trips; `None`: inferred as the place seen on the most distinct days.
    pub home: Option<(f64, f64)>,
    /// An event whose centre is farther than this from home is "away" (km).
    pub home_radius_km: f64,
    /// Away events further apart than this are different trips (seconds).
    pub trip_max_gap_s: i64,
    /// Camera clock detection.
    pub clock: ClockOptions,
    /// Place the items of a camera whose clock looks off at the corrected time in this
    /// timeline (files are never touched; [`Timeline::clock_offsets`] holds the proposed edit).
    pub apply_clock_shifts: bool,
}

impl Default for TimelineOptions {
    fn default() -> Self {
        TimelineOptions {
            resolve: ResolveOptions::default(),
            neighbour_window_s: 3 * 3600,
            events: EventOptions::default(),
            home: None,
            home_radius_km: 80.0,
            trip_max_gap_s: 3 * 86_400,
            clock: ClockOptions::default(),
            apply_clock_shifts: true,
        }
    }
}

impl TimelineOptions {
    /// Sets the single-file options.
    pub fn resolve(mut self, r: ResolveOptions) -> Self {
        self.resolve = r;
        self
    }
    /// Sets the event options.
    pub fn events(mut self, e: EventOptions) -> Self {
        self.events = e;
        self
    }
    /// Sets whether detected camera clock shifts are applied in the timeline.
    pub fn apply_clock_shifts(mut self, yes: bool) -> Self {
        self.apply_clock_shifts = yes;
        self
    }
    /// Sets the home location.
    pub fn home(mut self, home: Option<(f64, f64)>) -> Self {
        self.home = home;
        self
    }
}

/// Names places (e.g. `albumen-geo`'s reverse geocoder); the seam through which the caller brings
/// place names, so this crate does not depend on a gazetteer.
pub trait PlaceNamer {
    /// A short name for a position ("Kyoto, Japan"), when known.
    fn name(&self, lat: f64, lon: f64) -> Option<String>;
}

/// Names places by the city of their time zone ("Asia/Tokyo" → "Tokyo"): coarse, always
/// available.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZoneCityNamer;

impl PlaceNamer for ZoneCityNamer {
    fn name(&self, lat: f64, lon: f64) -> Option<String> {
        let tz = zone::ZoneFinder::global()?.zone_at(lat, lon)?;
        zone_city(tz)
    }
}

fn zone_city(tz: Tz) -> Option<String> {
    let n = tz.name();
    if n.starts_with("Etc/") {
        return None;
    }
    n.rsplit('/').next().map(|c| c.replace('_', " "))
}

/// One item of the timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// Its resolved time (`None`: no time at all).
    pub time: Option<ResolvedTime>,
    /// Its camera (index into [`Timeline::cameras`]).
    pub camera: Option<u32>,
    /// GPS position.
    pub gps: Option<(f64, f64)>,
    /// The camera clock shift applied to its wall time before resolving (see
    /// [`TimelineOptions::apply_clock_shifts`]), seconds.
    pub clock_shift_s: Option<i64>,
}

/// Collects items, then [`Builder::build`]s the timeline.
#[derive(Debug, Default)]
pub struct Builder {
    opts: TimelineOptions,
    facts: Vec<TimeFacts>,
    cams: Vec<Option<u32>>,
    cameras: Vec<String>,
    cam_ids: HashMap<String, u32>,
}

/// "Make Model" as one camera key (model alone when it already starts with the make).
pub fn camera_name(make: Option<&str>, model: Option<&str>) -> Option<String> {
    let make = make.map(str::trim).filter(|s| !s.is_empty());
    let model = model.map(str::trim).filter(|s| !s.is_empty());
    match (make, model) {
        (Some(a), Some(b)) if b.to_lowercase().starts_with(&a.to_lowercase()) => Some(b.into()),
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (Some(a), None) => Some(a.into()),
        (None, Some(b)) => Some(b.into()),
        (None, None) => None,
    }
}

impl Builder {
    /// An empty builder.
    pub fn new(opts: TimelineOptions) -> Self {
        Builder {
            opts,
            ..Builder::default()
        }
    }

    /// Adds an item; returns its index.
    pub fn push(&mut self, facts: TimeFacts, camera: Option<&str>) -> usize {
        let cam = camera.map(|c| match self.cam_ids.get(c) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.cameras.len()).unwrap_or(u32::MAX);
                self.cameras.push(c.to_string());
                self.cam_ids.insert(c.to_string(), id);
                id
            }
        });
        self.facts.push(facts);
        self.cams.push(cam);
        self.facts.len() - 1
    }

    /// Adds a file's metadata; returns its index.
    pub fn push_metadata(&mut self, meta: &Metadata, mtime: Option<SystemTime>) -> usize {
        let cam = camera_name(meta.make.as_deref(), meta.model.as_deref());
        self.push(TimeFacts::from_metadata(meta, mtime), cam.as_deref())
    }

    /// Number of items pushed.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// Resolves, lends zones, detects clocks, groups.
    pub fn build(self) -> Timeline {
        Timeline::build(self)
    }
}

/// Counts per day / month / year, in local time where each item was taken.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Calendar {
    /// Years, ascending.
    pub years: Vec<YearCount>,
}

/// A year and its months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearCount {
    /// The year.
    pub year: i32,
    /// Items in it.
    pub count: usize,
    /// Its months with items, ascending.
    pub months: Vec<MonthCount>,
}

/// A month and its days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthCount {
    /// 1..=12.
    pub month: u32,
    /// Items in it.
    pub count: usize,
    /// Its days with items, ascending.
    pub days: Vec<DayCount>,
}

/// A day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// The local date.
    pub date: NaiveDate,
    /// Items on it.
    pub count: usize,
}

/// Builds the calendar from local dates (any order).
pub fn calendar(dates: impl Iterator<Item = NaiveDate>) -> Calendar {
    let mut keys: Vec<i32> = dates.map(|d| d.num_days_from_ce()).collect();
    keys.sort_unstable();
    let mut cal = Calendar::default();
    for run in keys.chunk_by(|a, b| a == b) {
        let Some(date) = NaiveDate::from_num_days_from_ce_opt(run[0]) else {
            continue;
        };
        let n = run.len();
        if cal.years.last().is_none_or(|y| y.year != date.year()) {
            cal.years.push(YearCount {
                year: date.year(),
                count: 0,
                months: Vec::new(),
            });
        }
        let Some(y) = cal.years.last_mut() else {
            continue;
        };
        y.count += n;
        if y.months.last().is_none_or(|m| m.month != date.month()) {
            y.months.push(MonthCount {
                month: date.month(),
                count: 0,
                days: Vec::new(),
            });
        }
        if let Some(m) = y.months.last_mut() {
            m.count += n;
            m.days.push(DayCount { date, count: n });
        }
    }
    cal
}

/// An event ("moment"): consecutive items close in time and place.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position of its first item in [`Timeline::order`].
    pub first: usize,
    /// Number of items.
    pub len: usize,
    /// First instant.
    pub start: DateTime<Utc>,
    /// Last instant.
    pub end: DateTime<Utc>,
    /// First local wall time.
    pub start_local: NaiveDateTime,
    /// Last local wall time.
    pub end_local: NaiveDateTime,
    /// Centre of its located items.
    pub centre: Option<(f64, f64)>,
    /// The zone most of its items have.
    pub zone: Option<Tz>,
    /// Place name (from a [`PlaceNamer`]).
    pub place: Option<String>,
}

impl Event {
    /// "Sun 10 Mar 2024 10:00–14:30, Tokyo" (a span over several days shows both dates).
    pub fn title(&self) -> String {
        let a = self.start_local;
        let b = self.end_local;
        let same_minute = a.date() == b.date() && (a.hour(), a.minute()) == (b.hour(), b.minute());
        let span = if same_minute {
            a.format("%a %-d %b %Y %H:%M").to_string()
        } else if a.date() == b.date() {
            format!(
                "{} {}–{}",
                a.format("%a %-d %b %Y"),
                a.format("%H:%M"),
                b.format("%H:%M")
            )
        } else {
            format!(
                "{} – {}",
                a.format("%a %-d %b %Y %H:%M"),
                b.format("%a %-d %b %H:%M")
            )
        };
        match &self.place {
            Some(p) => format!("{span}, {p}"),
            None => span,
        }
    }
}

/// A trip: a run of events away from home.
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    /// Index of its first event in [`Timeline::events`].
    pub first_event: usize,
    /// Number of events.
    pub events: usize,
    /// First instant.
    pub start: DateTime<Utc>,
    /// Last instant.
    pub end: DateTime<Utc>,
    /// First local date.
    pub start_date: NaiveDate,
    /// Last local date.
    pub end_date: NaiveDate,
    /// Farthest event centre from home (km).
    pub max_km: f64,
    /// Places visited, in order, without repeats.
    pub places: Vec<String>,
}

/// A camera whose clock looks off, with the proposed fix.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockOffset {
    /// The camera (index into [`Timeline::cameras`]).
    pub camera: u32,
    /// The estimate and its evidence (pair indices are item indices: camera item, reference
    /// item).
    pub shift: ClockShift,
    /// The camera's items the shift applies to (item indices).
    pub items: Vec<usize>,
}

/// The built timeline.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// Items, in the order pushed.
    pub entries: Vec<Entry>,
    /// Camera names.
    pub cameras: Vec<String>,
    /// Dated items (indices into `entries`) sorted by UTC instant.
    pub order: Vec<u32>,
    /// Items with no time at all.
    pub undated: Vec<usize>,
    /// Counts per local day / month / year.
    pub calendar: Calendar,
    /// Events, in time order.
    pub events: Vec<Event>,
    /// The home location used for trips.
    pub home: Option<(f64, f64)>,
    /// Trips, in time order.
    pub trips: Vec<Trip>,
    /// Cameras whose clocks look off.
    pub clock_offsets: Vec<ClockOffset>,
    /// Cameras whose video movie-header clock was decided from their own stills.
    pub movie_headers: Vec<MovieHeaderDecision>,
}

/// How a camera's video movie headers were read, decided from the same camera's stills.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MovieHeaderDecision {
    /// The camera (index into [`Timeline::cameras`]).
    pub camera: u32,
    /// What its headers hold.
    pub clock: MovieHeaderClock,
    /// Videos concerned.
    pub videos: usize,
    /// Median distance (seconds) from each video to the nearest still of the camera, read as
    /// UTC and read as local time.
    pub median_gap_s: (i64, i64),
    /// Whether this overrode the make/model table.
    pub overrode_table: bool,
}

fn secs(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

impl Timeline {
    /// A builder.
    pub fn builder(opts: TimelineOptions) -> Builder {
        Builder::new(opts)
    }

    fn build(b: Builder) -> Timeline {
        let opts = &b.opts;
        let mut times: Vec<Option<ResolvedTime>> = b
            .facts
            .par_iter()
            .with_min_len(4096)
            .map(|f| resolve_facts(f, &opts.resolve))
            .collect();
        let movie_headers = decide_movie_headers(&b, &mut times);
        let clock_offsets = detect_clocks(&b, &times);
        let mut shifts: Vec<Option<i64>> = Vec::new();
        let mut b = b;
        if b.opts.apply_clock_shifts && !clock_offsets.is_empty() {
            shifts = vec![None; b.facts.len()];
            for o in &clock_offsets {
                let d = chrono::Duration::seconds(o.shift.shift_s);
                for &i in &o.items {
                    let (Some(f), Some(slot), Some(sh)) =
                        (b.facts.get_mut(i), times.get_mut(i), shifts.get_mut(i))
                    else {
                        continue;
                    };
                    if let Some(l) = f.local.as_mut() {
                        l.time = l.time.checked_add_signed(d).unwrap_or(l.time);
                        *slot = resolve_facts(f, &b.opts.resolve);
                        *sh = Some(o.shift.shift_s);
                    }
                }
            }
        }
        let b = b;
        let opts = &b.opts;
        lend_neighbour_zones(&b, &mut times);
        let entries: Vec<Entry> = times
            .iter()
            .zip(&b.facts)
            .zip(&b.cams)
            .enumerate()
            .map(|(i, ((t, f), c))| Entry {
                time: *t,
                camera: *c,
                gps: f.gps,
                clock_shift_s: shifts.get(i).copied().flatten(),
            })
            .collect();
        let mut keyed: Vec<(i64, u32, u32)> = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let t = e.time?;
                Some((
                    t.utc.timestamp(),
                    t.utc.timestamp_subsec_millis(),
                    u32::try_from(i).ok()?,
                ))
            })
            .collect();
        keyed.par_sort_unstable();
        let order: Vec<u32> = keyed.iter().map(|k| k.2).collect();
        let undated = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.time.is_none())
            .map(|(i, _)| i)
            .collect();
        let calendar = calendar(
            entries
                .iter()
                .filter_map(|e| e.time.map(|t| t.local.date())),
        );
        let mut tl = Timeline {
            entries,
            cameras: b.cameras.clone(),
            order,
            undated,
            calendar,
            events: Vec::new(),
            home: None,
            trips: Vec::new(),
            clock_offsets,
            movie_headers,
        };
        let ts: Vec<i64> = keyed.iter().map(|k| k.0).collect();
        drop(keyed);
        tl.events = tl.segment_events(&ts, &opts.events);
        tl.home = opts.home.or_else(|| tl.infer_home());
        tl.trips = tl.find_trips(opts);
        tl
    }

    fn segment_events(&self, ts: &[i64], eo: &EventOptions) -> Vec<Event> {
        let gps: Vec<Option<(f64, f64)>> = self
            .order
            .iter()
            .map(|&i| self.entries.get(i as usize).and_then(|e| e.gps))
            .collect();
        let cuts = segment(ts, &gps, eo);
        let mut bounds = Vec::with_capacity(cuts.len() + 2);
        bounds.push(0);
        bounds.extend(cuts);
        bounds.push(self.order.len());
        bounds
            .par_windows(2)
            .filter(|w| w[1] > w[0])
            .filter_map(|w| self.make_event(w[0], w[1]))
            .collect()
    }

    fn make_event(&self, a: usize, b: usize) -> Option<Event> {
        let items = self.order.get(a..b)?;
        let entry = |i: &u32| self.entries.get(*i as usize);
        let first = entry(items.first()?)?.time?;
        let last = entry(items.last()?)?.time?;
        let (mut start_local, mut end_local) = (first.local, first.local);
        let mut zones: Vec<(Tz, usize)> = Vec::new();
        for e in items.iter().filter_map(entry) {
            if let Some(t) = e.time {
                start_local = start_local.min(t.local);
                end_local = end_local.max(t.local);
                if let Some(z) = t.zone {
                    match zones.iter_mut().find(|(x, _)| *x == z) {
                        Some((_, n)) => *n += 1,
                        None => zones.push((z, 1)),
                    }
                }
            }
        }
        let zone = zones
            .into_iter()
            .max_by_key(|(z, n)| (*n, z.name()))
            .map(|(z, _)| z);
        Some(Event {
            first: a,
            len: b - a,
            start: first.utc,
            end: last.utc,
            start_local,
            end_local,
            centre: local_centre(items.iter().filter_map(|i| entry(i)?.gps)),
            zone,
            place: zone.and_then(zone_city),
        })
    }

    /// The item indices of an event.
    pub fn event_items(&self, e: &Event) -> &[u32] {
        self.order.get(e.first..e.first + e.len).unwrap_or(&[])
    }

    /// Names events and trips with a place namer (replacing the zone-city names).
    pub fn name_places(&mut self, namer: &dyn PlaceNamer) {
        for e in &mut self.events {
            if let Some((lat, lon)) = e.centre {
                if let Some(n) = namer.name(lat, lon) {
                    e.place = Some(n);
                }
            }
        }
        let events = &self.events;
        for t in &mut self.trips {
            t.places = trip_places(
                events
                    .get(t.first_event..t.first_event + t.events)
                    .unwrap_or(&[]),
            );
        }
    }

    /// The place seen on the most distinct local days (half-degree cells, about 50 km).
    fn infer_home(&self) -> Option<(f64, f64)> {
        let mut cell_days: Vec<((i32, i32), i32)> = self
            .entries
            .iter()
            .filter_map(|e| {
                let (lat, lon) = e.gps?;
                let t = e.time?;
                Some((cell(lat, lon), t.local.date().num_days_from_ce()))
            })
            .collect();
        cell_days.par_sort_unstable();
        cell_days.dedup();
        let best = cell_days
            .chunk_by(|a, b| a.0 == b.0)
            .max_by_key(|g| g.len())
            .and_then(|g| g.first())?
            .0;
        centroid(
            self.entries
                .iter()
                .filter_map(|e| e.gps)
                .filter(|&(lat, lon)| cell(lat, lon) == best),
        )
    }

    fn find_trips(&self, opts: &TimelineOptions) -> Vec<Trip> {
        let Some(home) = self.home else {
            return Vec::new();
        };
        let home_zone = zone::ZoneFinder::global().and_then(|f| f.zone_at(home.0, home.1));
        // Away: located far from home; unlocated events with a zone other than home's count as
        // away too, others are unknown and neither start nor end a trip.
        let away: Vec<Option<bool>> = self
            .events
            .iter()
            .map(|e| match e.centre {
                Some(c) => Some(haversine_km(home, c) > opts.home_radius_km),
                None => match (e.zone, home_zone) {
                    (Some(z), Some(h)) if z != h => Some(true),
                    _ => None,
                },
            })
            .collect();
        let mut trips = Vec::new();
        let mut cur: Option<(usize, usize)> = None; // first and last away event
        let close = |cur: (usize, usize), trips: &mut Vec<Trip>| {
            if let Some(t) = self.make_trip(cur.0, cur.1, home) {
                trips.push(t);
            }
        };
        for (i, a) in away.iter().enumerate() {
            match a {
                Some(true) => {
                    cur = match cur {
                        Some((f, l)) => {
                            let gap = self
                                .events
                                .get(i)
                                .zip(self.events.get(l))
                                .map_or(0, |(e, p)| (e.start - p.end).num_seconds());
                            if gap > opts.trip_max_gap_s {
                                close((f, l), &mut trips);
                                Some((i, i))
                            } else {
                                Some((f, i))
                            }
                        }
                        None => Some((i, i)),
                    }
                }
                Some(false) => {
                    if let Some(c) = cur.take() {
                        close(c, &mut trips);
                    }
                }
                None => {}
            }
        }
        if let Some(c) = cur {
            close(c, &mut trips);
        }
        trips
    }

    fn make_trip(&self, f: usize, l: usize, home: (f64, f64)) -> Option<Trip> {
        let evs = self.events.get(f..=l)?;
        let (a, b) = (evs.first()?, evs.last()?);
        Some(Trip {
            first_event: f,
            events: l - f + 1,
            start: a.start,
            end: b.end,
            start_date: a.start_local.date(),
            end_date: b.end_local.date(),
            max_km: evs
                .iter()
                .filter_map(|e| e.centre)
                .map(|c| haversine_km(home, c))
                .fold(0.0, f64::max),
            places: trip_places(evs),
        })
    }

    /// Counts of items by [`TimeSource`] and [`Confidence`] (for reports).
    pub fn source_counts(&self) -> Vec<(TimeSource, Confidence, usize)> {
        let mut m: HashMap<(TimeSource, Confidence), usize> = HashMap::new();
        for t in self.entries.iter().filter_map(|e| e.time) {
            *m.entry((t.source, t.confidence)).or_default() += 1;
        }
        let mut v: Vec<_> = m.into_iter().map(|((s, c), n)| (s, c, n)).collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        v
    }
}

fn trip_places(evs: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in evs.iter().filter_map(|e| e.place.as_ref()) {
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}

/// Mean position of the points of one event (small in extent): longitudes are averaged as
/// differences from the first point, so an event on the antimeridian stays there. Cheaper than
/// [`centroid`]'s trigonometry, which matters at a million items.
fn local_centre(points: impl Iterator<Item = (f64, f64)>) -> Option<(f64, f64)> {
    let mut first: Option<(f64, f64)> = None;
    let (mut la, mut dlo, mut n) = (0.0, 0.0, 0usize);
    for (lat, lon) in points {
        let f = *first.get_or_insert((lat, lon));
        let mut d = lon - f.1;
        if d > 180.0 {
            d -= 360.0;
        } else if d < -180.0 {
            d += 360.0;
        }
        la += lat;
        dlo += d;
        n += 1;
    }
    let f = first?;
    let mut lon = f.1 + dlo / n as f64;
    if lon > 180.0 {
        lon -= 360.0;
    } else if lon < -180.0 {
        lon += 360.0;
    }
    Some((la / n as f64, lon))
}

fn cell(lat: f64, lon: f64) -> (i32, i32) {
    ((lat * 2.0).floor() as i32, (lon * 2.0).floor() as i32)
}

/// Whether an item had a wall time but nothing to place it (rule 4 applies).
fn wants_zone(t: &ResolvedTime) -> bool {
    !t.has_offset_evidence() && t.source != TimeSource::FileTime
}

/// A reference for rule 4: key (seconds), camera, offset, zone.
#[derive(Clone, Copy)]
struct Ref {
    key: i64,
    cam: Option<u32>,
    offset: chrono::FixedOffset,
    zone: Option<Tz>,
}

fn nearest_ref(v: &[Ref], s: i64, window: i64, cam: Option<u32>) -> Option<Ref> {
    let k = v.partition_point(|x| x.key < s);
    let in_window = |x: &&Ref| x.key.abs_diff(s) <= window.unsigned_abs();
    let mut best: Option<Ref> = None;
    // Walk outwards from the insertion point, within the window, for the nearest (of `cam` when
    // given).
    let mut lo = k;
    let mut hi = k;
    loop {
        let left = lo.checked_sub(1).and_then(|j| v.get(j)).filter(in_window);
        let right = v.get(hi).filter(in_window);
        let pick = match (left, right) {
            (None, None) => break,
            (Some(l), None) => {
                lo -= 1;
                l
            }
            (None, Some(r)) => {
                hi += 1;
                r
            }
            (Some(l), Some(r)) => {
                if s - l.key <= r.key - s {
                    lo -= 1;
                    l
                } else {
                    hi += 1;
                    r
                }
            }
        };
        if cam.is_none() || pick.cam == cam {
            best = Some(*pick);
            break;
        }
        if hi - lo > 4096 {
            break; // bounded: a camera's own neighbour this far down the list is not near
        }
    }
    best
}

/// Rule 4: an item without zone evidence takes the zone of the nearest item with one, within the
/// neighbour window — of the same camera first (inferred), else of any device (guess). Wall-clock
/// items are matched on wall time (a camera and a phone at the same place read the same clock);
/// UTC-only items on UTC.
fn lend_neighbour_zones(b: &Builder, times: &mut [Option<ResolvedTime>]) {
    let window = b.opts.neighbour_window_s;
    let has_wall = |i: usize, t: &ResolvedTime| {
        t.source == TimeSource::NoZone
            || t.source == TimeSource::HomeZone
            || b.facts
                .get(i)
                .is_some_and(|f| f.local.is_some_and(|l| l.offset.is_none()))
    };
    let (mut want_wall, mut want_utc) = (false, false);
    for (i, t) in times.iter().enumerate() {
        if let Some(t) = t {
            if wants_zone(t) {
                if has_wall(i, t) {
                    want_wall = true;
                } else {
                    want_utc = true;
                }
            }
        }
    }
    if !want_wall && !want_utc {
        return;
    }
    let mut by_local: Vec<Ref> = Vec::new();
    let mut by_utc: Vec<Ref> = Vec::new();
    for (t, cam) in times.iter().zip(&b.cams) {
        let Some(t) = t else { continue };
        if t.has_offset_evidence() {
            let r = |key| Ref {
                key,
                cam: *cam,
                offset: t.offset,
                zone: t.zone,
            };
            if want_wall {
                by_local.push(r(secs(t.local)));
            }
            if want_utc {
                by_utc.push(r(t.utc.timestamp()));
            }
        }
    }
    by_local.par_sort_unstable_by_key(|r| r.key);
    by_utc.par_sort_unstable_by_key(|r| r.key);
    times.par_iter_mut().enumerate().for_each(|(i, slot)| {
        let Some(t) = slot else { return };
        if !wants_zone(t) {
            return;
        }
        let wall = has_wall(i, t);
        let cam = b.cams.get(i).copied().flatten();
        let (key, refs) = if wall {
            (secs(t.local), &by_local)
        } else {
            (t.utc.timestamp(), &by_utc)
        };
        let same = cam.and_then(|c| nearest_ref(refs, key, window, Some(c)));
        let (r, conf) = match same {
            Some(r) => (r, Confidence::Inferred),
            None => match nearest_ref(refs, key, window, None) {
                Some(r) => (r, Confidence::Guess),
                None => return,
            },
        };
        *slot = Some(if wall {
            let off = match r.zone {
                Some(z) => zone::offset_for_local(z, t.local, None).0,
                None => r.offset,
            };
            ResolvedTime::from_local(t.local, off, r.zone, TimeSource::Neighbour, conf)
        } else {
            let off = match r.zone {
                Some(z) => zone::offset_at(z, t.utc),
                None => r.offset,
            };
            ResolvedTime::from_utc(t.utc, off, r.zone, TimeSource::Neighbour, conf)
        });
    });
}

/// For each camera with videos dated only by their movie header and stills whose offset is known,
/// tries both readings of the header — UTC, or the local wall time in the offset of the nearest
/// still — and keeps the one that puts the videos nearer the stills when it is clearly (4×)
/// nearer; otherwise the make/model table stands. A camera shoots stills and clips of the same
/// scenes, so the right reading is the one that interleaves them.
fn decide_movie_headers(
    b: &Builder,
    times: &mut [Option<ResolvedTime>],
) -> Vec<MovieHeaderDecision> {
    if b.opts.resolve.movie_header != MovieHeaderPolicy::Auto {
        return Vec::new();
    }
    let header_only =
        |f: &TimeFacts| f.local.is_none() && f.utc.is_none() && f.movie_header.is_some();
    let mut cams: Vec<u32> = b
        .facts
        .iter()
        .zip(&b.cams)
        .filter(|(f, _)| header_only(f))
        .filter_map(|(_, c)| *c)
        .collect();
    cams.sort_unstable();
    cams.dedup();
    let mut out = Vec::new();
    for cam in cams {
        // The camera's stills with a known offset: (utc, local, offset).
        let mut stills: Vec<(i64, i64, FixedOffset)> = Vec::new();
        let mut videos: Vec<(usize, i64, MovieHeaderClock)> = Vec::new();
        for (i, ((f, c), t)) in b.facts.iter().zip(&b.cams).zip(times.iter()).enumerate() {
            if *c != Some(cam) {
                continue;
            }
            if header_only(f) {
                if let Some(m) = f.movie_header {
                    videos.push((i, m.timestamp(), f.movie_header_clock));
                }
            } else if let Some(t) = t.filter(|t| t.has_offset_evidence() && f.local.is_some()) {
                stills.push((t.utc.timestamp(), secs(t.local), t.offset));
            }
        }
        if stills.is_empty() || videos.is_empty() {
            continue;
        }
        let mut by_utc: Vec<i64> = stills.iter().map(|s| s.0).collect();
        by_utc.sort_unstable();
        let mut by_local: Vec<(i64, FixedOffset)> = stills.iter().map(|s| (s.1, s.2)).collect();
        by_local.sort_unstable_by_key(|s| s.0);
        let gap = |u: i64| -> i64 {
            let k = by_utc.partition_point(|&x| x < u);
            [k.checked_sub(1), Some(k)]
                .into_iter()
                .flatten()
                .filter_map(|j| by_utc.get(j))
                .map(|&x| (x - u).abs())
                .min()
                .unwrap_or(i64::MAX)
        };
        let offset_near = |m: i64| -> Option<FixedOffset> {
            let k = by_local.partition_point(|x| x.0 < m);
            [k.checked_sub(1), Some(k)]
                .into_iter()
                .flatten()
                .filter_map(|j| by_local.get(j))
                .min_by_key(|x| (x.0 - m).abs())
                .map(|x| x.1)
        };
        let mut as_utc: Vec<i64> = Vec::new();
        let mut as_local: Vec<i64> = Vec::new();
        for &(_, m, _) in &videos {
            as_utc.push(gap(m));
            let o = offset_near(m).map_or(0, |o| i64::from(o.local_minus_utc()));
            as_local.push(gap(m - o));
        }
        as_utc.sort_unstable();
        as_local.sort_unstable();
        let med = |v: &[i64]| v.get(v.len() / 2).copied().unwrap_or(i64::MAX);
        let (gu, gl) = (med(&as_utc), med(&as_local));
        let clock = if gl.saturating_mul(4) < gu && gu - gl > 1800 {
            MovieHeaderClock::Local
        } else if gu.saturating_mul(4) < gl && gl - gu > 1800 {
            MovieHeaderClock::Utc
        } else {
            continue;
        };
        let policy = match clock {
            MovieHeaderClock::Local => MovieHeaderPolicy::Local,
            _ => MovieHeaderPolicy::Utc,
        };
        let ropts = b.opts.resolve.clone().movie_header(policy);
        let mut overrode = false;
        for &(i, _, table) in &videos {
            overrode |= table != clock;
            if let (Some(slot), Some(f)) = (times.get_mut(i), b.facts.get(i)) {
                *slot = resolve_facts(f, &ropts);
            }
        }
        out.push(MovieHeaderDecision {
            camera: cam,
            clock,
            videos: videos.len(),
            median_gap_s: (gu, gl),
            overrode_table: overrode,
        });
    }
    out
}

/// Cameras with mostly unplaced wall times, compared with the devices whose zone is known.
/// A break of this long (seconds) in a camera's shooting starts a new session for clock
/// detection (a trip is a session).
const CLOCK_SESSION_GAP_S: i64 = 36 * 3600;

fn detect_clocks(b: &Builder, times: &[Option<ResolvedTime>]) -> Vec<ClockOffset> {
    let n_cams = b.cameras.len();
    let mut placed = vec![0usize; n_cams];
    let mut total = vec![0usize; n_cams];
    for (t, c) in times.iter().zip(&b.cams) {
        if let (Some(t), Some(c)) = (t, c) {
            if let Some(x) = total.get_mut(*c as usize) {
                *x += 1;
            }
            if t.has_offset_evidence() {
                if let Some(x) = placed.get_mut(*c as usize) {
                    *x += 1;
                }
            }
        }
    }
    let mut out = Vec::new();
    for cam in 0..n_cams {
        let (p, n) = (placed[cam], total[cam]);
        if n < b.opts.clock.min_matches || p * 2 >= n {
            continue; // a reference device, or too few items
        }
        let Ok(cam32) = u32::try_from(cam) else {
            continue;
        };
        let mut mine: Vec<(i64, usize)> = Vec::new();
        let mut refs: Vec<(i64, usize)> = Vec::new();
        for (i, (t, c)) in times.iter().zip(&b.cams).enumerate() {
            let Some(t) = t else { continue };
            if *c == Some(cam32) {
                if !t.has_offset_evidence() && t.source != TimeSource::FileTime {
                    mine.push((secs(t.local), i));
                }
            } else if t.has_offset_evidence() {
                refs.push((secs(t.local), i));
            }
        }
        mine.sort_unstable();
        refs.sort_unstable();
        let rs: Vec<i64> = refs.iter().map(|x| x.0).collect();
        let to_offset = |mut s: ClockShift, part: &[(i64, usize)]| {
            s.pairs = s
                .pairs
                .iter()
                .filter_map(|&(a, r)| Some((part.get(a)?.1, refs.get(r)?.1)))
                .collect();
            ClockOffset {
                camera: cam32,
                shift: s,
                items: part.iter().map(|x| x.1).collect(),
            }
        };
        // A clock off all year (never set, drifted) is one proposal for all the camera's items.
        let ms: Vec<i64> = mine.iter().map(|x| x.0).collect();
        if let Some(s) = estimate_shift(&ms, &rs, &b.opts.clock) {
            out.push(to_offset(s, &mine));
            continue;
        }
        // A clock off for one trip (left on home time): look at each session (runs of the
        // camera's items without a break of CLOCK_SESSION_GAP_S) and merge neighbouring
        // sessions with the same shift.
        let sessions = mine
            .chunk_by(|a, b| b.0 - a.0 <= CLOCK_SESSION_GAP_S)
            .count();
        if sessions < 2 {
            continue; // one session: the same question as the whole camera's
        }
        let mut found: Vec<(usize, ClockOffset)> = Vec::new();
        for (k, part) in mine
            .chunk_by(|a, b| b.0 - a.0 <= CLOCK_SESSION_GAP_S)
            .enumerate()
        {
            let ms: Vec<i64> = part.iter().map(|x| x.0).collect();
            let Some(s) = estimate_shift(&ms, &rs, &b.opts.clock) else {
                continue;
            };
            let o = to_offset(s, part);
            match found.last_mut() {
                Some((pk, prev))
                    if *pk + 1 == k && (prev.shift.shift_s - o.shift.shift_s).abs() <= 300 =>
                {
                    *pk = k;
                    prev.shift.compared += o.shift.compared;
                    prev.shift.matched += o.shift.matched;
                    prev.shift.matched_unshifted += o.shift.matched_unshifted;
                    prev.items.extend(o.items);
                }
                _ => found.push((k, o)),
            }
        }
        out.extend(found.into_iter().map(|(_, o)| o));
    }
    out
}
