//! True capture times, and the timeline built on them: days / months / years, events, trips and
//! camera clocks that are off.
//!
//! # Brief overview
//! - [`resolve`] turns one file's [`albumen_meta::Metadata`] into a [`ResolvedTime`]: the UTC
//!   instant, the local wall time where it was taken, the offset, the IANA zone when known, the
//!   rule that decided it ([`TimeSource`]) and a [`Confidence`]. Rules, in order: an explicit
//!   offset; the GPS position's zone ([`ZoneFinder`], offline) with daylight saving; the GPS UTC
//!   clock against the local clock; neighbours (timeline only); a home zone; the file time.
//!   QuickTime movie-header times are read as UTC or local per make/model
//!   ([`resolve::movie_header_clock`]).
//! - [`TimeFacts`] is the small `Copy` distillate of a file's time evidence that everything
//!   else works on, so millions of items fit in memory.
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
