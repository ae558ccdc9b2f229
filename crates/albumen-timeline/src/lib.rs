//! True capture times, and the timeline built on them: days / months / years, events, trips and
//! camera clocks that are off.
//!
//! # Brief overview
//! - [`resolve()`] turns one file's [`albumen_meta::Metadata`] into a [`ResolvedTime`]: the UTC
//!   instant, the local wall time where it was taken, the offset, the IANA zone when known, the
//!   rule that decided it ([`TimeSource`]) and a [`Confidence`]. Rules, in order: an explicit
//!   offset; the GPS position's zone ([`ZoneFinder`], offline polygons) with daylight saving
//!   (skipped and repeated hours handled); the GPS UTC clock against the local clock (rounded to
//!   15 minutes); neighbours (timeline only); a home zone; the file time, as a guess. QuickTime
//!   movie-header times are read as UTC or local per make/model
//!   ([`resolve::movie_header_clock`], with the evidence in its docs).
//! - [`TimeFacts`] is the small `Copy` distillate of a file's time evidence that the timeline
//!   works on, so millions of items fit in memory.
//! - [`Timeline`] (built with a [`Builder`] and [`TimelineOptions`]) resolves many items
//!   together: items without zone evidence borrow their neighbours' zone (same camera first);
//!   a camera's video headers are read UTC or local by what puts them among its own stills
//!   ([`MovieHeaderDecision`]); cameras whose clock is off are found by lining their photos up
//!   with phone photos of the same events ([`ClockOffset`], the shift for `albumen edit
//!   --shift-time`, applied in the timeline only); then the [`Calendar`] of local days, months
//!   and years, [`Event`]s ([`events::segment`]: gaps adaptive to the shooting density, plus
//!   distance), and [`Trip`]s away from home. Places come through the [`PlaceNamer`] seam.
//! - [`scan::scan`] walks folders and reads files in parallel; [`synth`] and [`eval`] are the
//!   labelled synthetic year and the segmentation evaluation (`examples/eval.rs`).
//!
//! # Example
//! ```
//! use albumen_meta::{CaptureTime, GpsPosition, Metadata, Source, Sourced, TimeCandidate, TimeKind};
//! use albumen_timeline::{resolve, ResolveOptions};
//!
//! // A camera photo taken at noon (no offset tag) with a GPS position in Tokyo.
//! let mut meta = Metadata::default();
//! meta.times.push(TimeCandidate {
//!     kind: TimeKind::Original,
//!     time: CaptureTime::Floating { time: "2024-03-10T12:00:00".parse()? },
//!     source: Source::ExifIfd,
//! });
//! meta.gps = GpsPosition::new(35.6812, 139.7671, None).map(|p| Sourced::new(p, Source::ExifGps));
//!
//! let t = resolve(&meta, None, &ResolveOptions::default()).ok_or("no time")?;
//! assert_eq!(t.utc.to_rfc3339(), "2024-03-10T03:00:00+00:00");
//! assert_eq!(serde_json::to_string(&t)?,
//!     r#"{"utc":"2024-03-10T03:00:00Z","local":"2024-03-10T12:00:00","offset":"+09:00","zone":"Asia/Tokyo","source":"gps-zone","confidence":"inferred"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A timeline of facts (here made by hand; [`Builder::push_metadata`] takes a file's metadata):
//! ```
//! use albumen_timeline::resolve::{LocalKind, LocalReading};
//! use albumen_timeline::{Builder, TimeFacts, TimelineOptions};
//! use chrono::FixedOffset;
//!
//! let mut b = Builder::new(TimelineOptions::default());
//! for (t, off) in [("2024-03-10T23:30:00", Some(9)), ("2024-03-10T23:40:00", None)] {
//!     b.push(TimeFacts {
//!         local: Some(LocalReading {
//!             time: t.parse()?,
//!             offset: off.and_then(|h| FixedOffset::east_opt(h * 3600)),
//!             kind: LocalKind::Original,
//!         }),
//!         ..TimeFacts::default()
//!     }, Some("Camera"));
//! }
//! let tl = b.build();
//! // Both on the Tokyo day, although 23:30 in Tokyo is 14:30 UTC.
//! assert_eq!(tl.calendar.years[0].months[0].days[0].count, 2);
//! assert_eq!(tl.events.len(), 1);
//! // The second photo, with no offset, borrowed the first one's.
//! assert_eq!(tl.entries[1].time.map(|t| t.offset.local_minus_utc()), Some(9 * 3600));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

#[doc(hidden)]
pub mod bench_data;
pub mod clock;
mod error;
pub mod eval;
pub mod events;
pub mod geo;
pub mod resolve;
pub mod scan;
pub mod synth;
mod timeline;
pub mod zone;

pub use error::Error;
pub use resolve::{
    resolve, resolve_facts, Confidence, ResolveOptions, ResolvedTime, TimeFacts, TimeSource,
};
pub use timeline::{
    calendar, camera_name, Builder, Calendar, ClockOffset, DayCount, Entry, Event, MonthCount,
    MovieHeaderDecision, PlaceNamer, Timeline, TimelineOptions, Trip, YearCount, ZoneCityNamer,
};
pub use zone::ZoneFinder;
