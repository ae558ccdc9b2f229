//! Timeline-level rules: neighbours, local-day grouping, events, trips, camera clocks.
#![allow(clippy::unwrap_used)]

use albumen_timeline::resolve::{LocalKind, LocalReading, MovieHeaderClock};
use albumen_timeline::{Builder, Confidence, TimeFacts, TimeSource, Timeline, TimelineOptions};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

fn naive(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}
fn floating(s: &str, gps: Option<(f64, f64)>) -> TimeFacts {
    TimeFacts {
        local: Some(LocalReading {
            time: naive(s),
            offset: None,
            kind: LocalKind::Original,
        }),
        gps,
        ..TimeFacts::default()
    }
}
fn zoned(s: &str, off_h: i32, gps: Option<(f64, f64)>) -> TimeFacts {
    TimeFacts {
        local: Some(LocalReading {
            time: naive(s),
            offset: FixedOffset::east_opt(off_h * 3600),
            kind: LocalKind::Original,
        }),
        gps,
        ..TimeFacts::default()
    }
}
fn utc(s: &str) -> DateTime<Utc> {
    naive(s).and_utc()
}
const TOKYO: (f64, f64) = (35.6812, 139.7671);
const PARIS: (f64, f64) = (48.8566, 2.3522);
const KYOTO: (f64, f64) = (35.0116, 135.7681);

#[test]
fn neighbour_of_the_same_camera_lends_its_zone() {
    let mut b = Builder::new(TimelineOptions::default());
    b.push(floating("2024-03-10 12:00:00", Some(TOKYO)), Some("Cam A"));
    let lone = b.push(floating("2024-03-10 13:00:00", None), Some("Cam A"));
    let far = b.push(floating("2024-03-12 13:00:00", None), Some("Cam A"));
    let tl = b.build();
    let t = tl.entries[lone].time.unwrap();
    assert_eq!(t.source, TimeSource::Neighbour);
    assert_eq!(t.confidence, Confidence::Inferred);
    assert_eq!(t.zone.map(|z| z.name()), Some("Asia/Tokyo"));
    assert_eq!(t.utc, utc("2024-03-10 04:00:00"));
    // Two days away is not a neighbour.
    assert_eq!(tl.entries[far].time.unwrap().source, TimeSource::NoZone);
}

#[test]
fn neighbour_zone_applies_dst_at_the_items_own_time() {
    // Phone in Paris just before the autumn change; camera item just after it.
    let mut b = Builder::new(TimelineOptions::default());
    b.push(floating("2024-10-27 01:30:00", Some(PARIS)), Some("Phone"));
    let cam = b.push(floating("2024-10-27 03:30:00", None), Some("Cam"));
    let tl = b.build();
    let t = tl.entries[cam].time.unwrap();
    assert_eq!(
        t.confidence,
        Confidence::Guess,
        "another device's zone is only a guess"
    );
    assert_eq!(t.offset, FixedOffset::east_opt(3600).unwrap());
}

#[test]
fn utc_only_video_gets_local_time_from_neighbours() {
    let mut b = Builder::new(TimelineOptions::default());
    b.push(
        zoned("2024-06-01 12:00:00", 9, None),
        Some("Apple iPhone 12"),
    );
    let v = b.push(
        TimeFacts {
            movie_header: Some(utc("2024-06-01 03:10:00")),
            movie_header_clock: MovieHeaderClock::Utc,
            ..TimeFacts::default()
        },
        Some("Apple iPhone 12"),
    );
    let tl = b.build();
    let t = tl.entries[v].time.unwrap();
    assert_eq!(t.local, naive("2024-06-01 12:10:00"));
    assert_eq!(t.utc, utc("2024-06-01 03:10:00"));
}

#[test]
fn late_evening_in_tokyo_stays_on_the_tokyo_day() {
    let mut b = Builder::new(TimelineOptions::default());
    b.push(floating("2024-03-10 23:30:00", Some(TOKYO)), None);
    b.push(
        floating("2024-03-10 08:00:00", Some((40.7128, -74.0060))),
        None,
    );
    let tl = b.build();
    // UTC would put the Tokyo photo on the 10th 14:30 and the NY one on the 10th 12:00 — but a
    // server in UTC-10 would put Tokyo on the 10th and... the calendar uses local days only.
    let days: Vec<(NaiveDate, usize)> = tl.calendar.years[0].months[0]
        .days
        .iter()
        .map(|d| (d.date, d.count))
        .collect();
    assert_eq!(
        days,
        vec![(NaiveDate::from_ymd_opt(2024, 3, 10).unwrap(), 2)]
    );
    assert_eq!(tl.calendar.years[0].count, 2);
}

#[test]
fn calendar_counts_years_months_days() {
    let mut b = Builder::new(TimelineOptions::default());
    for s in [
        "2023-12-31 23:59:00",
        "2024-01-01 00:01:00",
        "2024-01-01 10:00:00",
        "2024-02-29 12:00:00",
    ] {
        b.push(floating(s, None), None);
    }
    b.push(TimeFacts::default(), None); // no time at all
    let tl = b.build();
    assert_eq!(tl.undated, vec![4]);
    let c = &tl.calendar;
    assert_eq!(
        c.years
            .iter()
            .map(|y| (y.year, y.count))
            .collect::<Vec<_>>(),
        vec![(2023, 1), (2024, 3)]
    );
    assert_eq!(
        c.years[1]
            .months
            .iter()
            .map(|m| (m.month, m.count))
            .collect::<Vec<_>>(),
        vec![(1, 2), (2, 1)]
    );
    assert_eq!(c.years[1].months[0].days[0].count, 2);
}

#[test]
fn events_split_by_gap_and_distance_and_trips_found() {
    let mut b = Builder::new(TimelineOptions::default());
    // Home in Paris: several days.
    for d in 1..=5 {
        for k in 0..5 {
            b.push(
                floating(&format!("2024-05-0{d} 1{k}:00:00"), Some(PARIS)),
                Some("Phone"),
            );
        }
    }
    // A trip to Japan: Tokyo then Kyoto the same day (distance split), then home again.
    for k in 0..4 {
        b.push(
            floating(&format!("2024-05-10 10:{k}0:00"), Some(TOKYO)),
            Some("Phone"),
        );
    }
    for k in 0..4 {
        b.push(
            floating(&format!("2024-05-10 11:{k}0:00"), Some(KYOTO)),
            Some("Phone"),
        );
    }
    for k in 0..3 {
        b.push(
            floating(&format!("2024-05-11 09:{k}0:00"), Some(KYOTO)),
            Some("Phone"),
        );
    }
    b.push(floating("2024-05-14 10:00:00", Some(PARIS)), Some("Phone"));
    let tl = b.build();
    let home = tl.home.unwrap();
    assert!((home.0 - PARIS.0).abs() < 0.1, "{home:?}");
    let sizes: Vec<usize> = tl.events.iter().map(|e| e.len).collect();
    assert_eq!(sizes, vec![5, 5, 5, 5, 5, 4, 4, 3, 1]);
    assert_eq!(tl.trips.len(), 1);
    let t = &tl.trips[0];
    assert_eq!(t.events, 3);
    assert_eq!(
        t.places,
        vec!["Tokyo".to_string()],
        "zone-city names: Kyoto is in Asia/Tokyo"
    );
    assert_eq!(t.start_date, NaiveDate::from_ymd_opt(2024, 5, 10).unwrap());
    assert!(t.max_km > 9000.0);
    assert!(
        tl.events[5].title().contains("Fri 10 May 2024 10:00–10:30"),
        "{}",
        tl.events[5].title()
    );
}

#[test]
fn camera_left_on_home_time_is_detected() {
    // In Tokyo (+9) with a phone; the camera still on Paris summer time (+2): 7 hours behind.
    let mut b = Builder::new(TimelineOptions::default());
    for d in 10..16 {
        for k in 0..10 {
            let s = format!("2024-07-{d} 1{}:{}0:00", k / 6, k % 6);
            b.push(zoned(&s, 9, Some(TOKYO)), Some("Apple iPhone 15"));
            let c = naive(&s) - chrono::Duration::hours(7) + chrono::Duration::seconds(95);
            b.push(
                floating(&c.format("%Y-%m-%d %H:%M:%S").to_string(), None),
                Some("FUJIFILM X-T5"),
            );
        }
    }
    let tl = b.build();
    assert_eq!(tl.clock_offsets.len(), 1, "{:?}", tl.clock_offsets);
    let o = &tl.clock_offsets[0];
    assert_eq!(tl.cameras[o.camera as usize], "FUJIFILM X-T5");
    assert!(
        (o.shift.shift_s - (7 * 3600 - 95)).abs() <= 60,
        "{:?}",
        o.shift
    );
    assert_eq!(o.items.len(), 60);
    assert!(o.shift.matched >= 55);
}

#[test]
fn no_clock_proposal_when_clocks_agree() {
    let mut b = Builder::new(TimelineOptions::default());
    for k in 0..30 {
        let s = format!("2024-07-10 1{}:{}0:00", k / 6, k % 6);
        b.push(zoned(&s, 9, Some(TOKYO)), Some("Phone"));
        b.push(floating(&s, None), Some("Camera"));
    }
    let tl = Timeline::builder(TimelineOptions::default());
    drop(tl);
    assert!(b.build().clock_offsets.is_empty());
}

fn header_video(h: &str) -> TimeFacts {
    TimeFacts {
        movie_header: Some(utc(h)),
        movie_header_clock: MovieHeaderClock::Unknown,
        ..TimeFacts::default()
    }
}

#[test]
fn unknown_camera_header_read_as_local_when_its_stills_say_so() {
    // A drone not in the table writes local wall time in its clips; its stills carry +02:00.
    let mut b = Builder::new(TimelineOptions::default());
    for m in ["10:00", "10:20", "10:40", "14:00"] {
        b.push(
            zoned(&format!("2024-06-01 {m}:00"), 2, None),
            Some("DJI FC3582"),
        );
    }
    let v = b.push(header_video("2024-06-01 10:30:00"), Some("DJI FC3582"));
    let tl = b.build();
    assert_eq!(tl.movie_headers.len(), 1, "{:?}", tl.movie_headers);
    assert_eq!(tl.movie_headers[0].clock, MovieHeaderClock::Local);
    let t = tl.entries[v].time.unwrap();
    assert_eq!(t.utc, utc("2024-06-01 08:30:00"));
    assert_eq!(t.local, naive("2024-06-01 10:30:00"));
}

#[test]
fn unknown_camera_header_kept_as_utc_when_its_stills_say_so() {
    let mut b = Builder::new(TimelineOptions::default());
    for m in ["10:00", "10:20", "10:40", "14:00"] {
        b.push(
            zoned(&format!("2024-06-01 {m}:00"), 2, None),
            Some("DJI FC3582"),
        );
    }
    let v = b.push(header_video("2024-06-01 08:30:00"), Some("DJI FC3582"));
    let tl = b.build();
    assert_eq!(tl.movie_headers[0].clock, MovieHeaderClock::Utc);
    let t = tl.entries[v].time.unwrap();
    assert_eq!(t.utc, utc("2024-06-01 08:30:00"));
    assert_eq!(
        t.local,
        naive("2024-06-01 10:30:00"),
        "local from the neighbouring stills"
    );
}
