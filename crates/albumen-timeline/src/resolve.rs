//! Single-file capture-time resolution: the UTC instant and the local wall time where a photo was
//! taken, with the rule that decided it and how sure it is.

use std::fmt;
use std::time::SystemTime;

use albumen_meta::{CaptureTime, Format, Metadata, TagValue, TimeKind};
use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, Timelike, Utc};
use chrono_tz::Tz;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::zone::{self, ZoneFinder};

/// How sure a resolved time is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// An assumption (home zone, file time, a wall time with no zone at all).
    Guess,
    /// Derived from other evidence (GPS position → zone, GPS clock, neighbours, a QuickTime
    /// header of a device not known to write UTC).
    Inferred,
    /// Written by the device as an instant (an offset tag, a zoned QuickTime date, a QuickTime
    /// header of a device known to write UTC).
    Exact,
}

impl Confidence {
    /// The lowercase name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Guess => "guess",
            Confidence::Inferred => "inferred",
            Confidence::Exact => "exact",
        }
    }
}

/// The rule that fixed the UTC offset (or the instant) of a resolved time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TimeSource {
    /// An explicit offset in the file (`OffsetTimeOriginal`, an XMP date with a zone, a QuickTime
    /// creation date with a zone).
    ExplicitOffset,
    /// The GPS position's time zone at that wall time (DST included).
    GpsZone,
    /// The GPS UTC time stamp compared with the local wall time (rounded to 15 minutes).
    GpsClock,
    /// The QuickTime movie header, read as UTC (or compared as UTC with a local wall time).
    MovieHeaderUtc,
    /// The GPS UTC time stamp alone (no local wall time in the file).
    GpsTime,
    /// Zone taken from neighbouring items (same camera first) whose zone is known.
    Neighbour,
    /// The configured home zone.
    HomeZone,
    /// A local wall time with no zone evidence at all; reported as if it were UTC.
    NoZone,
    /// The file modification time.
    FileTime,
}

impl TimeSource {
    /// The kebab-case name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            TimeSource::ExplicitOffset => "explicit-offset",
            TimeSource::GpsZone => "gps-zone",
            TimeSource::GpsClock => "gps-clock",
            TimeSource::MovieHeaderUtc => "movie-header-utc",
            TimeSource::GpsTime => "gps-time",
            TimeSource::Neighbour => "neighbour",
            TimeSource::HomeZone => "home-zone",
            TimeSource::NoZone => "no-zone",
            TimeSource::FileTime => "file-time",
        }
    }
}

impl fmt::Display for TimeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A resolved capture time.
///
/// Serialises (JSON) to exactly
/// `{"utc": "2024-03-10T03:00:00Z", "local": "2024-03-10T12:00:00", "offset": "+09:00",
/// "zone": "Asia/Tokyo", "source": "gps-zone", "confidence": "inferred"}`, with `.fff`
/// milliseconds when the time has a fraction of a second and `zone` `null` when no IANA zone is
/// known. When nothing tells the zone (`source` `no-zone`), `local` is the wall time read and the
/// offset is reported as `+00:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedTime {
    /// The instant.
    pub utc: DateTime<Utc>,
    /// The wall-clock time where it was taken.
    pub local: NaiveDateTime,
    /// `local - utc`.
    pub offset: FixedOffset,
    /// The IANA zone, when known.
    pub zone: Option<Tz>,
    /// The rule that decided it.
    pub source: TimeSource,
    /// How sure it is.
    pub confidence: Confidence,
    /// Whether the offset came from evidence (an offset, a located zone, two clocks, neighbours)
    /// rather than an assumption (home zone, UTC by default).
    offset_evidence: bool,
}

impl ResolvedTime {
    /// Whether the offset (hence the local wall time or the instant) rests on evidence rather
    /// than on an assumption: false for `home-zone`, `no-zone`, `file-time` and UTC instants
    /// whose place is unknown. The timeline lends such items the zone of their neighbours.
    pub fn has_offset_evidence(&self) -> bool {
        self.offset_evidence
    }

    fn with_evidence(mut self, e: bool) -> Self {
        self.offset_evidence = e;
        self
    }

    /// Builds from a local wall time and its offset.
    pub fn from_local(
        local: NaiveDateTime,
        offset: FixedOffset,
        zone: Option<Tz>,
        source: TimeSource,
        confidence: Confidence,
    ) -> Self {
        ResolvedTime {
            utc: zone::utc_of(local, offset),
            local,
            offset,
            zone,
            source,
            confidence,
            offset_evidence: source_is_evidence(source),
        }
    }

    /// Builds from an instant and the offset where it was taken.
    pub fn from_utc(
        utc: DateTime<Utc>,
        offset: FixedOffset,
        zone: Option<Tz>,
        source: TimeSource,
        confidence: Confidence,
    ) -> Self {
        ResolvedTime {
            utc,
            local: zone::local_of(utc, offset),
            offset,
            zone,
            source,
            confidence,
            offset_evidence: source_is_evidence(source),
        }
    }
}

fn source_is_evidence(s: TimeSource) -> bool {
    matches!(
        s,
        TimeSource::ExplicitOffset
            | TimeSource::GpsZone
            | TimeSource::GpsClock
            | TimeSource::Neighbour
    )
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]`.
pub fn format_naive(t: NaiveDateTime) -> String {
    let ms = t.nanosecond() % 1_000_000_000 / 1_000_000;
    if ms == 0 {
        t.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        format!("{}.{ms:03}", t.format("%Y-%m-%dT%H:%M:%S"))
    }
}

/// `+HH:MM` (seconds of historical local-mean-time offsets are dropped).
pub fn format_offset(o: FixedOffset) -> String {
    let s = o.local_minus_utc();
    let sign = if s < 0 { '-' } else { '+' };
    let m = s.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

impl Serialize for ResolvedTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ResolvedTime", 6)?;
        st.serialize_field("utc", &format!("{}Z", format_naive(self.utc.naive_utc())))?;
        st.serialize_field("local", &format_naive(self.local))?;
        st.serialize_field("offset", &format_offset(self.offset))?;
        st.serialize_field("zone", &self.zone.map(|z| z.name()))?;
        st.serialize_field("source", self.source.name())?;
        st.serialize_field("confidence", self.confidence.name())?;
        st.end()
    }
}

/// What a device writes in the QuickTime movie header (`mvhd`) creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MovieHeaderClock {
    /// UTC, as the QuickTime specification asks.
    Utc,
    /// The camera's local wall time.
    Local,
    /// Not known for this device: read as UTC (the specification) with confidence "inferred".
    #[default]
    Unknown,
}

/// How to read QuickTime movie-header times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MovieHeaderPolicy {
    /// Decide per make/model ([`movie_header_clock`]).
    #[default]
    Auto,
    /// Always UTC (exiftool's `-api QuickTimeUTC`).
    Utc,
    /// Always local wall time.
    Local,
}

/// What is known of a make/model's movie-header clock, from evidence:
///
/// - UTC: Apple (every iPhone clip in the corpus: `mvhd` = Keys `CreationDate` minus its offset,
///   e.g. `with-gps.mov` 08:25:57 vs 11:25:40+03:00), Android phones (Samsung, Google, OnePlus,
///   Xiaomi, ... write through the platform's `MediaMuxer`, which stores UTC; photoprism#1388
///   shows Samsung/OnePlus clips whose header is UTC), FLIR (`FLIR Thermal.mp4`: header 19:27:55 =
///   `DateTimeOriginal` 19:27:55Z), Sony Xperia phones.
/// - Local: Nikon (immich#13009 Z30, immich#17495 Z50II: 8 h off in UTC+8), GoPro
///   (immich#28059), and the other camera makers exiftool does not convert by default
///   (Canon outside CR3, Sony Alpha/Cyber-shot, Panasonic, Fujifilm, Olympus/OM, Pentax/Ricoh,
///   Leica, Casio, Kodak), which have no time-zone setting older than their video support.
/// - Unknown: everything else, including files with no make (screen recorders, ffmpeg).
pub fn movie_header_clock(make: Option<&str>, model: Option<&str>) -> MovieHeaderClock {
    let Some(make) = make else {
        return MovieHeaderClock::Unknown;
    };
    let make = make.trim().to_ascii_lowercase();
    let model = model.unwrap_or("").trim().to_ascii_lowercase();
    const UTC_MAKES: &[&str] = &[
        "apple",
        "google",
        "samsung",
        "oneplus",
        "xiaomi",
        "redmi",
        "poco",
        "huawei",
        "honor",
        "oppo",
        "vivo",
        "realme",
        "motorola",
        "lge",
        "lg electronics",
        "nokia",
        "hmd global",
        "fairphone",
        "nothing",
        "asus",
        "zte",
        "flir",
    ];
    const LOCAL_MAKES: &[&str] = &[
        "nikon",
        "gopro",
        "canon",
        "sony",
        "panasonic",
        "fujifilm",
        "olympus",
        "om digital",
        "pentax",
        "ricoh",
        "leica",
        "casio",
        "kodak",
        "eastman kodak",
        "sigma",
    ];
    if make == "sony"
        && (model.starts_with("xq-") || model.starts_with("so-") || model.contains("xperia"))
    {
        return MovieHeaderClock::Utc;
    }
    if UTC_MAKES.iter().any(|m| make.starts_with(m)) {
        MovieHeaderClock::Utc
    } else if LOCAL_MAKES.iter().any(|m| make.starts_with(m)) {
        MovieHeaderClock::Local
    } else {
        MovieHeaderClock::Unknown
    }
}

/// Options of [`resolve`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ResolveOptions {
    /// The zone assumed for wall times with no other evidence (rule 5). `None`: such times are
    /// reported with `source` `no-zone`.
    pub home_zone: Option<Tz>,
    /// How to read QuickTime movie-header times.
    pub movie_header: MovieHeaderPolicy,
    /// Skip the GPS position → zone lookup (rule 2), e.g. when the boundary data is not wanted.
    pub no_gps_zone: bool,
}

impl ResolveOptions {
    /// Sets the home zone.
    pub fn home_zone(mut self, tz: Option<Tz>) -> Self {
        self.home_zone = tz;
        self
    }
    /// Sets the movie-header policy.
    pub fn movie_header(mut self, p: MovieHeaderPolicy) -> Self {
        self.movie_header = p;
        self
    }
}

/// Which tag a local wall time came from; earlier is stronger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LocalKind {
    /// `DateTimeOriginal` and equivalents.
    Original,
    /// A QuickTime creation date.
    QuickTimeCreation,
    /// `CreateDate` / `DateTimeDigitized`.
    Digitized,
    /// The QuickTime movie header, of a device that writes local time there.
    MovieHeader,
    /// `ModifyDate` (often the time of an edit, so never better than "inferred").
    Modified,
}

/// A local wall-clock reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalReading {
    /// The wall time.
    pub time: NaiveDateTime,
    /// Its offset when the file says it.
    pub offset: Option<FixedOffset>,
    /// Where it came from.
    pub kind: LocalKind,
}

/// The time evidence of one item, distilled from its [`Metadata`]: small and `Copy`, so that a
/// timeline of millions of items can be resolved and grouped without the full metadata.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TimeFacts {
    /// The best local wall-clock reading.
    pub local: Option<LocalReading>,
    /// A UTC instant written as such other than the movie header or GPS (e.g. an MP4
    /// `DateTimeOriginal` with `Z`, read as a UTC instant by the reader).
    pub utc: Option<DateTime<Utc>>,
    /// The QuickTime movie-header time, as stored (UTC by the specification).
    pub movie_header: Option<DateTime<Utc>>,
    /// What this device writes in the movie header.
    pub movie_header_clock: MovieHeaderClock,
    /// GPS position (lat, lon).
    pub gps: Option<(f64, f64)>,
    /// GPS UTC time stamp.
    pub gps_time: Option<DateTime<Utc>>,
    /// File modification time.
    pub file_time: Option<DateTime<Utc>>,
}

fn local_kind(k: TimeKind) -> Option<LocalKind> {
    Some(match k {
        TimeKind::Original => LocalKind::Original,
        TimeKind::QuickTimeCreation => LocalKind::QuickTimeCreation,
        TimeKind::Digitized => LocalKind::Digitized,
        TimeKind::Modified => LocalKind::Modified,
        _ => return None,
    })
}

/// Parses `+09:00`, `-05:45`, `Z`.
fn parse_offset_text(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") {
        return FixedOffset::east_opt(0);
    }
    let b = s.as_bytes();
    if b.len() != 6 || b.get(3) != Some(&b':') {
        return None;
    }
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let h: i32 = s.get(1..3)?.parse().ok()?;
    let m: i32 = s.get(4..6)?.parse().ok()?;
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn offset_tag(meta: &Metadata, kind: LocalKind) -> Option<FixedOffset> {
    let names: &[&str] = match kind {
        LocalKind::Original => &[
            "ExifIFD:OffsetTimeOriginal",
            "EXIF:OffsetTimeOriginal",
            "OffsetTimeOriginal",
        ],
        LocalKind::Digitized => &[
            "ExifIFD:OffsetTimeDigitized",
            "EXIF:OffsetTimeDigitized",
            "OffsetTimeDigitized",
        ],
        LocalKind::Modified => &["ExifIFD:OffsetTime", "EXIF:OffsetTime", "OffsetTime"],
        _ => return None,
    };
    names.iter().find_map(|n| match meta.tags.get(*n) {
        Some(TagValue::Text(t)) => parse_offset_text(t),
        _ => None,
    })
}

impl TimeFacts {
    /// Distils the time evidence of a file's metadata. `file_mtime` is the file's modification
    /// time, used only when nothing else dates the file.
    pub fn from_metadata(meta: &Metadata, file_mtime: Option<SystemTime>) -> Self {
        let mut f = TimeFacts {
            gps: meta.gps.as_ref().map(|g| (g.value.lat, g.value.lon)),
            gps_time: meta.gps_time,
            file_time: file_mtime.map(DateTime::<Utc>::from),
            movie_header_clock: movie_header_clock(meta.make.as_deref(), meta.model.as_deref()),
            ..TimeFacts::default()
        };
        let mut cands: Vec<(TimeKind, CaptureTime)> =
            meta.times.iter().map(|c| (c.kind, c.time)).collect();
        if cands.is_empty() {
            if let Some(c) = &meta.capture {
                cands.push((TimeKind::Original, c.value));
            }
        }
        // The strongest local reading: by tag kind, a zoned one before a floating one.
        let mut best: Option<LocalReading> = None;
        for (kind, t) in &cands {
            match (kind, t) {
                (TimeKind::MovieHeader, CaptureTime::Utc { time }) => {
                    f.movie_header = f.movie_header.or(Some(*time));
                }
                (TimeKind::MovieHeader, CaptureTime::Floating { time }) => {
                    f.movie_header = f.movie_header.or(Some(time.and_utc()));
                }
                (TimeKind::Gps, CaptureTime::Utc { time }) => {
                    f.gps_time = f.gps_time.or(Some(*time));
                }
                (TimeKind::FileModified, t) => {
                    if f.file_time.is_none() {
                        f.file_time = t.utc().or_else(|| t.local().map(|l| l.and_utc()));
                    }
                }
                (k, CaptureTime::Utc { time }) => {
                    if local_kind(*k).is_some() {
                        f.utc = f.utc.or(Some(*time));
                    }
                }
                (k, t) => {
                    let (Some(lk), Some(time)) = (local_kind(*k), t.local()) else {
                        continue;
                    };
                    let r = LocalReading {
                        time,
                        offset: t.offset(),
                        kind: lk,
                    };
                    let better = match &best {
                        None => true,
                        Some(b) => (r.kind, r.offset.is_none()) < (b.kind, b.offset.is_none()),
                    };
                    if better {
                        best = Some(r);
                    }
                }
            }
        }
        if let Some(b) = &mut best {
            if b.offset.is_none() {
                // Another zoned reading of the same moment (an XMP copy of the EXIF date), or an
                // offset tag the reader did not merge.
                b.offset = cands
                    .iter()
                    .filter(|(k, _)| {
                        matches!(
                            k,
                            TimeKind::Original | TimeKind::Digitized | TimeKind::QuickTimeCreation
                        )
                    })
                    .find_map(|(_, t)| match t {
                        CaptureTime::Zoned { time }
                            if (time.naive_local() - b.time).num_seconds().abs() < 60 =>
                        {
                            Some(*time.offset())
                        }
                        _ => None,
                    })
                    .or_else(|| offset_tag(meta, b.kind));
            }
        }
        f.local = best;
        let video = meta.format.is_some_and(Format::is_video);
        if !video && f.local.is_some() {
            // A still's movie header (HEIF has none; some raw containers do) is not needed.
            f.movie_header = None;
        }
        f
    }
}

/// Resolves the capture time of one file from its metadata (single-file rules 1, 2, 3, 5 and the
/// file-time fallback; the neighbour rule needs the other items: see [`crate::Timeline`]).
///
/// `None` when the file has no time at all and no `file_mtime` was given.
pub fn resolve(
    meta: &Metadata,
    file_mtime: Option<SystemTime>,
    opts: &ResolveOptions,
) -> Option<ResolvedTime> {
    resolve_facts(&TimeFacts::from_metadata(meta, file_mtime), opts)
}

/// Largest offset the GPS-clock rule accepts (the zones in use span -12:00 ..= +14:00).
const MIN_OFFSET_S: i64 = -12 * 3600;
const MAX_OFFSET_S: i64 = 14 * 3600;

/// `local - utc` rounded to 15 minutes, when it is a plausible UTC offset.
pub fn offset_from_clocks(local: NaiveDateTime, utc: DateTime<Utc>) -> Option<FixedOffset> {
    let diff = local.signed_duration_since(utc.naive_utc()).num_seconds();
    let q = 15 * 60;
    let rounded = diff.checked_add(q / 2)?.div_euclid(q).checked_mul(q)?;
    if !(MIN_OFFSET_S..=MAX_OFFSET_S).contains(&rounded) {
        return None;
    }
    FixedOffset::east_opt(i32::try_from(rounded).ok()?)
}

fn gps_zone(f: &TimeFacts, opts: &ResolveOptions) -> Option<Tz> {
    if opts.no_gps_zone {
        return None;
    }
    let (lat, lon) = f.gps?;
    ZoneFinder::global()?.zone_at(lat, lon)
}

fn utc0() -> FixedOffset {
    Utc.fix()
}

/// Resolves from distilled facts (what [`resolve`] does after [`TimeFacts::from_metadata`]).
pub fn resolve_facts(f: &TimeFacts, opts: &ResolveOptions) -> Option<ResolvedTime> {
    let mvhd_clock = match opts.movie_header {
        MovieHeaderPolicy::Auto => f.movie_header_clock,
        MovieHeaderPolicy::Utc => MovieHeaderClock::Utc,
        MovieHeaderPolicy::Local => MovieHeaderClock::Local,
    };
    let mut local = f.local;
    if local.is_none() && f.utc.is_none() && mvhd_clock == MovieHeaderClock::Local {
        local = f.movie_header.map(|m| LocalReading {
            time: m.naive_utc(),
            offset: None,
            kind: LocalKind::MovieHeader,
        });
    }
    if let Some(l) = local {
        let cap = if matches!(l.kind, LocalKind::Modified | LocalKind::MovieHeader) {
            Confidence::Inferred
        } else {
            Confidence::Exact
        };
        let r = resolve_local(&l, f, mvhd_clock, opts);
        return Some(ResolvedTime {
            confidence: r.confidence.min(cap),
            ..r
        });
    }
    // An instant with no local wall time.
    let (utc, source, conf) = if let Some(u) = f.utc {
        (u, TimeSource::ExplicitOffset, Confidence::Exact)
    } else if let Some(m) = f.movie_header {
        let c = if mvhd_clock == MovieHeaderClock::Utc {
            Confidence::Exact
        } else {
            Confidence::Inferred
        };
        (m, TimeSource::MovieHeaderUtc, c)
    } else if let Some(g) = f.gps_time {
        (g, TimeSource::GpsTime, Confidence::Inferred)
    } else if let Some(t) = f.file_time {
        let (off, zone) = match opts.home_zone {
            Some(tz) => (zone::offset_at(tz, t), Some(tz)),
            None => (utc0(), None),
        };
        return Some(ResolvedTime::from_utc(
            t,
            off,
            zone,
            TimeSource::FileTime,
            Confidence::Guess,
        ));
    } else {
        return None;
    };
    if let Some(tz) = gps_zone(f, opts) {
        return Some(
            ResolvedTime::from_utc(utc, zone::offset_at(tz, utc), Some(tz), source, conf)
                .with_evidence(true),
        );
    }
    // The instant is known; the wall time is only assumed.
    let conf = conf.min(Confidence::Inferred);
    Some(
        match opts.home_zone {
            Some(tz) => {
                ResolvedTime::from_utc(utc, zone::offset_at(tz, utc), Some(tz), source, conf)
            }
            None => ResolvedTime::from_utc(utc, utc0(), None, source, conf),
        }
        .with_evidence(false),
    )
}

fn resolve_local(
    l: &LocalReading,
    f: &TimeFacts,
    mvhd_clock: MovieHeaderClock,
    opts: &ResolveOptions,
) -> ResolvedTime {
    let gz = gps_zone(f, opts);
    // Rule 1: an explicit offset. The GPS zone is named only when it agrees with the offset.
    if let Some(off) = l.offset {
        let utc = zone::utc_of(l.time, off);
        let zone = gz.filter(|tz| zone::offset_at(*tz, utc) == off);
        return ResolvedTime::from_local(
            l.time,
            off,
            zone,
            TimeSource::ExplicitOffset,
            Confidence::Exact,
        );
    }
    // Rule 2: the GPS position's zone at that wall time.
    if let Some(tz) = gz {
        let hint = f.gps_time.or(f
            .movie_header
            .filter(|_| mvhd_clock == MovieHeaderClock::Utc));
        let (off, _fit) = zone::offset_for_local(tz, l.time, hint);
        return ResolvedTime::from_local(
            l.time,
            off,
            Some(tz),
            TimeSource::GpsZone,
            Confidence::Inferred,
        );
    }
    // Rule 3: an independent UTC clock in the same file (GPS stamp, a UTC movie header).
    if let Some(off) = f.gps_time.and_then(|g| offset_from_clocks(l.time, g)) {
        return ResolvedTime::from_local(
            l.time,
            off,
            None,
            TimeSource::GpsClock,
            Confidence::Inferred,
        );
    }
    if l.kind != LocalKind::MovieHeader && mvhd_clock == MovieHeaderClock::Utc {
        if let Some(off) = f.movie_header.and_then(|m| offset_from_clocks(l.time, m)) {
            return ResolvedTime::from_local(
                l.time,
                off,
                None,
                TimeSource::MovieHeaderUtc,
                Confidence::Inferred,
            )
            .with_evidence(true);
        }
    }
    // Rule 5: the home zone (rule 4, neighbours, is applied by the timeline).
    if let Some(tz) = opts.home_zone {
        let (off, _) = zone::offset_for_local(tz, l.time, None);
        return ResolvedTime::from_local(
            l.time,
            off,
            Some(tz),
            TimeSource::HomeZone,
            Confidence::Guess,
        );
    }
    ResolvedTime::from_local(l.time, utc0(), None, TimeSource::NoZone, Confidence::Guess)
}
