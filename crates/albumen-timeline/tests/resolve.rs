//! Every single-file rule of capture-time resolution, on synthetic metadata.
#![allow(clippy::unwrap_used)]

use albumen_meta::{
    CaptureTime, Format, GpsPosition, Metadata, Source, Sourced, TagValue, TimeCandidate, TimeKind,
};
use albumen_timeline::resolve::{MovieHeaderPolicy, ResolveOptions};
use albumen_timeline::{resolve, zone, Confidence, ResolvedTime, TimeSource};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

fn naive(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}
fn utc(s: &str) -> DateTime<Utc> {
    naive(s).and_utc()
}
fn floating(kind: TimeKind, s: &str) -> TimeCandidate {
    TimeCandidate {
        kind,
        time: CaptureTime::Floating { time: naive(s) },
        source: Source::ExifIfd,
    }
}
fn zoned(kind: TimeKind, s: &str, off_s: i32) -> TimeCandidate {
    let off = FixedOffset::east_opt(off_s).unwrap();
    TimeCandidate {
        kind,
        time: CaptureTime::Zoned {
            time: off.from_local_datetime(&naive(s)).unwrap(),
        },
        source: Source::ExifIfd,
    }
}
fn utc_cand(kind: TimeKind, s: &str) -> TimeCandidate {
    TimeCandidate {
        kind,
        time: CaptureTime::Utc { time: utc(s) },
        source: Source::QuickTimeMvhd,
    }
}
fn photo(dto: &str, gps: Option<(f64, f64)>) -> Metadata {
    let mut m = Metadata::default();
    m.format = Some(Format::Jpeg);
    m.times.push(floating(TimeKind::Original, dto));
    if let Some((lat, lon)) = gps {
        m.gps = Some(Sourced::new(
            GpsPosition::new(lat, lon, None).unwrap(),
            Source::ExifGps,
        ));
    }
    m
}
fn r(m: &Metadata) -> ResolvedTime {
    resolve(m, None, &ResolveOptions::default()).unwrap()
}
fn utc_str(t: &ResolvedTime) -> String {
    t.utc.format("%Y-%m-%dT%H:%M:%S").to_string()
}
fn zone_name(t: &ResolvedTime) -> Option<&'static str> {
    t.zone.map(|z| z.name())
}

// --- Rule 2: GPS position → zone, with the check fixtures' expectations. ---

#[test]
fn tokyo_gps_zone() {
    let t = r(&photo("2024-03-10 12:00:00", Some((35.6812, 139.7671))));
    assert_eq!(utc_str(&t), "2024-03-10T03:00:00");
    assert_eq!(zone_name(&t), Some("Asia/Tokyo"));
    assert_eq!(t.source, TimeSource::GpsZone);
    assert_eq!(t.confidence, Confidence::Inferred);
}

#[test]
fn kathmandu_quarter_hour_zone() {
    let t = r(&photo("2024-07-01 12:00:00", Some((27.7172, 85.3240))));
    assert_eq!(utc_str(&t), "2024-07-01T06:15:00");
    assert_eq!(albumen_timeline::resolve::format_offset(t.offset), "+05:45");
}

#[test]
fn half_hour_zones_india_and_newfoundland() {
    let t = r(&photo("2024-02-01 12:00:00", Some((19.076, 72.8777)))); // Mumbai
    assert_eq!(utc_str(&t), "2024-02-01T06:30:00");
    // St. John's: -03:30 in winter, -02:30 in summer.
    let w = r(&photo("2024-01-15 12:00:00", Some((47.5615, -52.7126))));
    assert_eq!(utc_str(&w), "2024-01-15T15:30:00");
    let s = r(&photo("2024-07-15 12:00:00", Some((47.5615, -52.7126))));
    assert_eq!(utc_str(&s), "2024-07-15T14:30:00");
}

#[test]
fn lord_howe_half_hour_dst() {
    // Lord Howe Island moves its clock by 30 minutes: +11:00 in summer, +10:30 in winter.
    let s = r(&photo("2024-01-15 12:00:00", Some((-31.5553, 159.0821))));
    assert_eq!(zone_name(&s), Some("Australia/Lord_Howe"));
    assert_eq!(utc_str(&s), "2024-01-15T01:00:00");
    let w = r(&photo("2024-07-15 12:00:00", Some((-31.5553, 159.0821))));
    assert_eq!(utc_str(&w), "2024-07-15T01:30:00");
}

#[test]
fn kiritimati_and_honolulu_across_the_date_line() {
    // Same wall clock, same offset magnitude, a day apart.
    let k = r(&photo("2024-05-01 08:00:00", Some((1.87, -157.4))));
    assert_eq!(zone_name(&k), Some("Pacific/Kiritimati"));
    assert_eq!(utc_str(&k), "2024-04-30T18:00:00");
    let h = r(&photo("2024-05-01 08:00:00", Some((21.3069, -157.8583))));
    assert_eq!(utc_str(&h), "2024-05-01T18:00:00");
    // Samoa (+13) and American Samoa (-11): 24 hours apart for the same wall time.
    let ws = r(&photo("2024-05-01 08:00:00", Some((-13.8333, -171.7667))));
    let asm = r(&photo("2024-05-01 08:00:00", Some((-14.2756, -170.7020))));
    assert_eq!((asm.utc - ws.utc).num_hours(), 24);
}

#[test]
fn new_york_dst_and_winter() {
    let s = r(&photo("2024-07-04 20:00:00", Some((40.7128, -74.0060))));
    assert_eq!(utc_str(&s), "2024-07-05T00:00:00");
    assert_eq!(zone_name(&s), Some("America/New_York"));
    let w = r(&photo("2024-01-10 20:00:00", Some((40.7128, -74.0060))));
    assert_eq!(utc_str(&w), "2024-01-11T01:00:00");
}

#[test]
fn dst_skipped_hour_uses_offset_before_the_jump() {
    // 02:30 on 2024-03-10 never happened in New York; a camera not yet moved shows it in EST.
    let t = r(&photo("2024-03-10 02:30:00", Some((40.7128, -74.0060))));
    assert_eq!(utc_str(&t), "2024-03-10T07:30:00");
    assert_eq!(t.local, naive("2024-03-10 02:30:00"));
}

#[test]
fn dst_repeated_hour_earlier_unless_gps_clock_says_otherwise() {
    // 01:30 on 2024-11-03 happened twice in New York (EDT, then EST).
    let m = photo("2024-11-03 01:30:00", Some((40.7128, -74.0060)));
    assert_eq!(utc_str(&r(&m)), "2024-11-03T05:30:00");
    let mut m2 = m.clone();
    m2.gps_time = Some(utc("2024-11-03 06:30:05"));
    assert_eq!(utc_str(&r(&m2)), "2024-11-03T06:30:00");
}

#[test]
fn sydney_new_year_reykjavik_buenos_aires() {
    let s = r(&photo("2024-01-01 00:30:00", Some((-33.8688, 151.2093))));
    assert_eq!(utc_str(&s), "2023-12-31T13:30:00");
    let k = r(&photo("2024-02-02 10:00:00", Some((64.1466, -21.9426))));
    assert_eq!(utc_str(&k), "2024-02-02T10:00:00");
    let b = r(&photo("2024-09-09 09:00:00", Some((-34.6037, -58.3816))));
    assert_eq!(utc_str(&b), "2024-09-09T12:00:00");
}

#[test]
fn open_sea_gets_the_nautical_zone() {
    let t = r(&photo("2024-09-09 09:00:00", Some((-0.5, -30.0))));
    assert_eq!(utc_str(&t), "2024-09-09T11:00:00");
}

// --- Rule 1: an explicit offset wins over everything. ---

#[test]
fn explicit_offset_beats_gps_zone() {
    let mut m = Metadata::default();
    m.times
        .push(zoned(TimeKind::Original, "2024-01-15 12:00:00", 3600));
    m.gps = Some(Sourced::new(
        GpsPosition::new(35.6812, 139.7671, None).unwrap(),
        Source::ExifGps,
    ));
    let t = r(&m);
    assert_eq!(utc_str(&t), "2024-01-15T11:00:00");
    assert_eq!(t.source, TimeSource::ExplicitOffset);
    assert_eq!(t.confidence, Confidence::Exact);
    assert_eq!(t.zone, None, "Tokyo is not +01:00, so no zone is claimed");
}

#[test]
fn explicit_offset_names_the_gps_zone_when_they_agree() {
    let mut m = photo("2024-03-10 12:00:00", Some((35.6812, 139.7671)));
    m.times
        .push(zoned(TimeKind::Original, "2024-03-10 12:00:00", 9 * 3600));
    let t = r(&m);
    assert_eq!(t.source, TimeSource::ExplicitOffset);
    assert_eq!(zone_name(&t), Some("Asia/Tokyo"));
}

#[test]
fn offset_tag_not_merged_by_the_reader_is_used() {
    let mut m = photo("2024-01-15 12:00:00", None);
    m.tags.insert(
        "ExifIFD:OffsetTimeOriginal".into(),
        TagValue::Text("-03:00".into()),
    );
    let t = r(&m);
    assert_eq!(utc_str(&t), "2024-01-15T15:00:00");
    assert_eq!(t.source, TimeSource::ExplicitOffset);
}

#[test]
fn zoned_xmp_copy_of_floating_exif_date_gives_the_offset() {
    let mut m = photo("2024-01-15 12:00:00", None);
    m.times.push(zoned(
        TimeKind::Digitized,
        "2024-01-15 12:00:00",
        5 * 3600 + 1800,
    ));
    let t = r(&m);
    assert_eq!(utc_str(&t), "2024-01-15T06:30:00");
}

// --- Rule 3: GPS clock vs local wall time. ---

#[test]
fn gps_clock_gives_the_offset() {
    let mut m = photo("2024-06-15 12:00:00", None);
    m.gps_time = Some(utc("2024-06-15 10:00:00"));
    let t = r(&m);
    assert_eq!(utc_str(&t), "2024-06-15T10:00:00");
    assert_eq!(t.source, TimeSource::GpsClock);
    assert_eq!(t.offset, FixedOffset::east_opt(7200).unwrap());
}

#[test]
fn gps_clock_lag_is_rounded_to_a_quarter_hour() {
    let mut m = photo("2024-06-15 12:00:00", None);
    m.gps_time = Some(utc("2024-06-15 06:33:20")); // India, fix 3 minutes old
    let t = r(&m);
    assert_eq!(t.offset, FixedOffset::east_opt(5 * 3600 + 1800).unwrap());
}

#[test]
fn implausible_gps_clock_is_ignored() {
    let mut m = photo("2024-06-15 12:00:00", None);
    m.gps_time = Some(utc("2024-06-13 10:00:00")); // two days stale
    assert_eq!(r(&m).source, TimeSource::NoZone);
}

// --- Rule 5 and the fallbacks. ---

#[test]
fn home_zone_for_a_camera_without_zone() {
    let m = photo("2024-07-01 12:00:00", None);
    let opts = ResolveOptions::default().home_zone(Some(zone::parse_zone("Europe/Paris").unwrap()));
    let t = resolve(&m, None, &opts).unwrap();
    assert_eq!(utc_str(&t), "2024-07-01T10:00:00");
    assert_eq!(t.source, TimeSource::HomeZone);
    assert_eq!(t.confidence, Confidence::Guess);
}

#[test]
fn no_zone_keeps_the_wall_time() {
    let t = r(&photo("2024-07-01 23:30:00", None));
    assert_eq!(t.local, naive("2024-07-01 23:30:00"));
    assert_eq!(t.source, TimeSource::NoZone);
    assert_eq!(t.confidence, Confidence::Guess);
}

#[test]
fn no_time_at_all_falls_back_to_file_time() {
    let m = Metadata::default();
    assert_eq!(resolve(&m, None, &ResolveOptions::default()), None);
    let mtime = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    let t = resolve(&m, Some(mtime), &ResolveOptions::default()).unwrap();
    assert_eq!(utc_str(&t), "2023-11-14T22:13:20");
    assert_eq!(t.source, TimeSource::FileTime);
    assert_eq!(t.confidence, Confidence::Guess);
    // With a home zone the wall time is in that zone.
    let opts = ResolveOptions::default().home_zone(Some(zone::parse_zone("Asia/Tokyo").unwrap()));
    let t = resolve(&m, Some(mtime), &opts).unwrap();
    assert_eq!(t.local, naive("2023-11-15 07:13:20"));
}

#[test]
fn file_time_is_not_used_when_the_file_has_a_time() {
    let mtime = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    let t = resolve(
        &photo("2020-01-01 10:00:00", None),
        Some(mtime),
        &ResolveOptions::default(),
    )
    .unwrap();
    assert_eq!(t.local, naive("2020-01-01 10:00:00"));
}

#[test]
fn modify_date_alone_is_never_exact() {
    let mut m = Metadata::default();
    m.times
        .push(zoned(TimeKind::Modified, "2024-01-15 12:00:00", 3600));
    let t = r(&m);
    assert_eq!(utc_str(&t), "2024-01-15T11:00:00");
    assert_eq!(t.confidence, Confidence::Inferred);
}

// --- QuickTime movie headers: UTC vs local. ---

fn video(make: Option<&str>, mvhd: &str) -> Metadata {
    let mut m = Metadata::default();
    m.format = Some(Format::Mov);
    m.make = make.map(str::to_string);
    m.times.push(utc_cand(TimeKind::MovieHeader, mvhd));
    m
}

#[test]
fn video_in_utc_without_make() {
    let t = r(&video(None, "2024-06-01 10:00:00"));
    assert_eq!(utc_str(&t), "2024-06-01T10:00:00");
    assert_eq!(t.source, TimeSource::MovieHeaderUtc);
    assert_eq!(t.confidence, Confidence::Inferred);
}

#[test]
fn iphone_video_header_is_utc_and_gps_gives_local() {
    let mut m = video(Some("Apple"), "2019-07-24 08:25:57");
    m.gps = Some(Sourced::new(
        GpsPosition::new(32.0929, 34.862, None).unwrap(),
        Source::QuickTimeKeys,
    ));
    let t = r(&m);
    assert_eq!(utc_str(&t), "2019-07-24T08:25:57");
    assert_eq!(t.local, naive("2019-07-24 11:25:57"));
    assert_eq!(zone_name(&t), Some("Asia/Jerusalem"));
    assert_eq!(t.confidence, Confidence::Exact);
}

#[test]
fn nikon_video_header_is_local_time() {
    // immich#13009: a Nikon Z30 clip shot at 12:54 in UTC+8 stores 12:54 in `mvhd`.
    let mut m = video(Some("NIKON CORPORATION"), "2024-09-28 12:54:53");
    m.model = Some("Z 30".into());
    let shanghai = zone::parse_zone("Asia/Shanghai").unwrap();
    let t = resolve(
        &m,
        None,
        &ResolveOptions::default().home_zone(Some(shanghai)),
    )
    .unwrap();
    assert_eq!(t.local, naive("2024-09-28 12:54:53"));
    assert_eq!(utc_str(&t), "2024-09-28T04:54:53");
    assert_eq!(t.source, TimeSource::HomeZone);
    // The QuickTimeUTC override reads it as UTC instead.
    let opts = ResolveOptions::default()
        .home_zone(Some(shanghai))
        .movie_header(MovieHeaderPolicy::Utc);
    let t = resolve(&m, None, &opts).unwrap();
    assert_eq!(utc_str(&t), "2024-09-28T12:54:53");
    assert_eq!(t.local, naive("2024-09-28 20:54:53"));
}

#[test]
fn local_movie_header_with_gps_uses_the_zone() {
    let mut m = video(Some("GoPro"), "2026-04-23 19:07:00");
    m.gps = Some(Sourced::new(
        GpsPosition::new(13.7563, 100.5018, None).unwrap(),
        Source::QuickTimeUdta,
    ));
    let t = r(&m);
    assert_eq!(utc_str(&t), "2026-04-23T12:07:00");
    assert_eq!(zone_name(&t), Some("Asia/Bangkok"));
    assert_eq!(t.confidence, Confidence::Inferred);
}

#[test]
fn zoned_quicktime_creation_date_beats_the_header() {
    let mut m = video(Some("Apple"), "2021-07-01 07:00:00");
    m.times.push(zoned(
        TimeKind::QuickTimeCreation,
        "2021-07-01 09:00:00",
        7200,
    ));
    let t = r(&m);
    assert_eq!(utc_str(&t), "2021-07-01T07:00:00");
    assert_eq!(t.local, naive("2021-07-01 09:00:00"));
    assert_eq!(t.source, TimeSource::ExplicitOffset);
}

#[test]
fn floating_video_date_with_utc_header_gives_the_offset() {
    // A phone clip with a local `©day`-style date and a UTC header: the two clocks give +02:00.
    let mut m = video(Some("samsung"), "2024-06-01 10:00:03");
    m.times
        .push(floating(TimeKind::QuickTimeCreation, "2024-06-01 12:00:00"));
    let t = r(&m);
    assert_eq!(t.offset, FixedOffset::east_opt(7200).unwrap());
    assert_eq!(t.source, TimeSource::MovieHeaderUtc);
}

// --- Serialisation. ---

#[test]
fn json_shape() {
    let mut m = photo("2024-03-10 12:00:00.25", Some((35.6812, 139.7671)));
    m.make = Some("x".into());
    let v = serde_json::to_value(r(&m)).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"utc": "2024-03-10T03:00:00.250Z", "local": "2024-03-10T12:00:00.250",
            "offset": "+09:00", "zone": "Asia/Tokyo", "source": "gps-zone", "confidence": "inferred"})
    );
    let v =
        serde_json::to_value(r(&photo("2024-03-10 12:00:00", Some((-34.6037, -58.3816))))).unwrap();
    assert_eq!(v["offset"], "-03:00");
    assert_eq!(v["local"], "2024-03-10T12:00:00");
    let v = serde_json::to_value(r(&photo("2024-03-10 12:00:00", None))).unwrap();
    assert_eq!(v["zone"], serde_json::Value::Null);
}
