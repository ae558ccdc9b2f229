//! The typed metadata model.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

/// Where a value was read from, so that conflicts can be explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Source {
    /// TIFF/EXIF IFD0 (the main image directory).
    ExifIfd0,
    /// The EXIF sub-IFD.
    ExifIfd,
    /// The GPS sub-IFD.
    ExifGps,
    /// A maker note (e.g. Apple's).
    MakerNote,
    /// XMP embedded in the file.
    Xmp,
    /// IPTC-IIM (JPEG APP13, TIFF tag 33723, PSD and PNG profiles).
    Iptc,
    /// An XMP sidecar file beside the media file.
    XmpSidecar,
    /// QuickTime `meta`/`keys` (`com.apple.quicktime.*`).
    QuickTimeKeys,
    /// QuickTime `udta` atoms (`©xyz`, `©day`, ...).
    QuickTimeUdta,
    /// QuickTime movie header (`mvhd`) / track headers.
    QuickTimeMvhd,
    /// PNG text chunks (`tEXt`, `iTXt`, `zTXt`) other than XMP.
    PngText,
    /// The container itself (ISO-BMFF `ispe`, PNG `IHDR`, WebP `VP8X`, JPEG SOF, ...).
    Container,
    /// The file system (modification time).
    FileSystem,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Source::ExifIfd0 => "exif-ifd0",
            Source::ExifIfd => "exif-ifd",
            Source::ExifGps => "exif-gps",
            Source::MakerNote => "maker-note",
            Source::Xmp => "xmp",
            Source::Iptc => "iptc",
            Source::XmpSidecar => "xmp-sidecar",
            Source::QuickTimeKeys => "quicktime-keys",
            Source::QuickTimeUdta => "quicktime-udta",
            Source::QuickTimeMvhd => "quicktime-mvhd",
            Source::PngText => "png-text",
            Source::Container => "container",
            Source::FileSystem => "file-system",
        };
        f.write_str(s)
    }
}

/// A value together with where it was read from.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

impl<T> Sourced<T> {
    /// Wraps a value with its source.
    pub fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}

/// A capture time, keeping apart what is known about its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "kebab-case"))]
pub enum CaptureTime {
    /// Local wall time with a known UTC offset (`OffsetTimeOriginal`, an XMP date with a zone,
    /// QuickTime `creationdate`).
    Zoned {
        /// The local time and its offset.
        time: DateTime<FixedOffset>,
    },
    /// Local wall time, offset unknown (plain EXIF `DateTimeOriginal`).
    Floating {
        /// The wall-clock time where it was taken.
        time: NaiveDateTime,
    },
    /// A UTC instant with no local time (QuickTime `mvhd`, GPS time stamp).
    Utc {
        /// The instant.
        time: DateTime<Utc>,
    },
}

impl CaptureTime {
    /// The wall-clock time at [`CaptureTime::offset`]: the local time for `Zoned` and
    /// `Floating`, the UTC wall time for `Utc` (its offset is +00:00; the local time where it was
    /// taken is for the timeline to resolve).
    pub fn local(&self) -> Option<NaiveDateTime> {
        match self {
            CaptureTime::Zoned { time } => Some(time.naive_local()),
            CaptureTime::Floating { time } => Some(*time),
            CaptureTime::Utc { time } => Some(time.naive_utc()),
        }
    }

    /// The UTC offset, when known.
    pub fn offset(&self) -> Option<FixedOffset> {
        match self {
            CaptureTime::Zoned { time } => Some(*time.offset()),
            CaptureTime::Floating { .. } => None,
            CaptureTime::Utc { .. } => FixedOffset::east_opt(0),
        }
    }

    /// The UTC instant, when known (not for [`CaptureTime::Floating`]).
    pub fn utc(&self) -> Option<DateTime<Utc>> {
        match self {
            CaptureTime::Zoned { time } => Some(time.with_timezone(&Utc)),
            CaptureTime::Floating { .. } => None,
            CaptureTime::Utc { time } => Some(*time),
        }
    }
}

/// What a capture-time candidate is (which tag it came from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum TimeKind {
    /// EXIF `DateTimeOriginal` / XMP `exif:DateTimeOriginal` / `photoshop:DateCreated`.
    Original,
    /// EXIF `CreateDate` (`DateTimeDigitized`) / XMP `xmp:CreateDate`.
    Digitized,
    /// EXIF `ModifyDate` (IFD0 `DateTime`) / XMP `xmp:ModifyDate`.
    Modified,
    /// QuickTime `com.apple.quicktime.creationdate` or `©day`.
    QuickTimeCreation,
    /// QuickTime `mvhd` creation time (UTC by the spec).
    MovieHeader,
    /// GPS date and time stamp (UTC).
    Gps,
    /// File modification time (a guess).
    FileModified,
}

/// One capture-time candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TimeCandidate {
    /// Which tag it is.
    pub kind: TimeKind,
    /// The time.
    pub time: CaptureTime,
    /// Where it came from.
    pub source: Source,
}

/// A validated GPS position (WGS 84 degrees).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GpsPosition {
    /// Latitude in degrees, -90..=90, north positive.
    pub lat: f64,
    /// Longitude in degrees, -180..=180, east positive.
    pub lon: f64,
    /// Altitude in metres above sea level, when known.
    pub alt: Option<f64>,
}

impl GpsPosition {
    /// Validates a position: finite and in range. (0, 0) "null island" is rejected as a value
    /// written by broken apps.
    pub fn new(lat: f64, lon: f64, alt: Option<f64>) -> Option<Self> {
        let ok = lat.is_finite()
            && lon.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon)
            && !(lat == 0.0 && lon == 0.0);
        ok.then(|| GpsPosition {
            lat,
            lon,
            alt: alt.filter(|a| a.is_finite()),
        })
    }
}

/// EXIF orientation (1..=8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Orientation(u8);

impl Orientation {
    /// Validates an EXIF orientation value.
    pub fn new(v: u16) -> Option<Self> {
        (1..=8).contains(&v).then_some(Orientation(v as u8))
    }
    /// The EXIF value, 1..=8.
    pub fn get(self) -> u8 {
        self.0
    }
    /// Whether displaying the image swaps width and height (values 5..=8).
    pub fn swaps_dimensions(self) -> bool {
        self.0 >= 5
    }
}

/// A star rating 0..=5 (XMP `xmp:Rating`; -1 "rejected" is kept as `rejected`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Rating(i8);

impl Rating {
    /// Validates a rating: -1 (rejected) or 0..=5.
    pub fn new(v: i64) -> Option<Self> {
        (-1..=5).contains(&v).then_some(Rating(v as i8))
    }
    /// The rating value.
    pub fn get(self) -> i8 {
        self.0
    }
}

/// Container / file format, detected from magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum Format {
    Jpeg,
    Heic,
    Heif,
    Avif,
    Png,
    Webp,
    Tiff,
    Dng,
    Cr2,
    Cr3,
    Nef,
    Arw,
    Orf,
    Rw2,
    Raf,
    Mrw,
    X3f,
    Crw,
    Pef,
    Srw,
    Mov,
    Mp4,
    ThreeGp,
    Avi,
    Mkv,
    /// MPEG-2 transport stream (AVCHD `.MTS`/`.M2TS`, `.ts`).
    Mts,
    Gif,
    Bmp,
    Psd,
    Jxl,
    Xmp,
    Unknown,
}

impl Format {
    /// Whether the format is a video container.
    pub fn is_video(self) -> bool {
        matches!(
            self,
            Format::Mov | Format::Mp4 | Format::ThreeGp | Format::Avi | Format::Mts
        )
    }
    /// Whether the format is a camera raw format.
    pub fn is_raw(self) -> bool {
        matches!(
            self,
            Format::Dng
                | Format::Cr2
                | Format::Cr3
                | Format::Nef
                | Format::Arw
                | Format::Orf
                | Format::Rw2
                | Format::Raf
                | Format::Mrw
                | Format::X3f
                | Format::Crw
                | Format::Pef
                | Format::Srw
        )
    }
    /// Whether albumen-edit writes this format's edits to an XMP sidecar instead of inside the
    /// file: camera raws other than DNG (their maker notes and offsets are not rewritten), and
    /// the formats it reads but does not write inside (CRW, GIF, AVI, Matroska, MPEG-TS, PSD,
    /// JPEG XL, BMP). For these a `NAME.xmp` sidecar applies even beside an embedded XMP packet
    /// (see [`sidecar_paths`](crate::sidecar_paths)).
    ///
    /// ```
    /// use albumen_meta::Format;
    /// assert!(Format::Cr2.edited_through_sidecar());
    /// assert!(!Format::Dng.edited_through_sidecar());
    /// assert!(!Format::Jpeg.edited_through_sidecar());
    /// ```
    pub fn edited_through_sidecar(self) -> bool {
        !matches!(
            self,
            Format::Jpeg
                | Format::Png
                | Format::Webp
                | Format::Tiff
                | Format::Dng
                | Format::Heic
                | Format::Heif
                | Format::Avif
                | Format::Mov
                | Format::Mp4
                | Format::ThreeGp
        )
    }
    /// Short lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Heic => "heic",
            Format::Heif => "heif",
            Format::Avif => "avif",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Tiff => "tiff",
            Format::Dng => "dng",
            Format::Cr2 => "cr2",
            Format::Cr3 => "cr3",
            Format::Nef => "nef",
            Format::Arw => "arw",
            Format::Orf => "orf",
            Format::Rw2 => "rw2",
            Format::Raf => "raf",
            Format::Mrw => "mrw",
            Format::X3f => "x3f",
            Format::Crw => "crw",
            Format::Pef => "pef",
            Format::Srw => "srw",
            Format::Mov => "mov",
            Format::Mp4 => "mp4",
            Format::ThreeGp => "3gp",
            Format::Avi => "avi",
            Format::Mkv => "mkv",
            Format::Mts => "mts",
            Format::Gif => "gif",
            Format::Bmp => "bmp",
            Format::Psd => "psd",
            Format::Jxl => "jxl",
            Format::Xmp => "xmp",
            Format::Unknown => "unknown",
        }
    }
}

/// A motion photo: a video embedded at the end of a still (Google `GCamera`/`Container`, Samsung
/// `MotionPhoto_Data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MotionPhoto {
    /// Offset of the embedded video from the start of the file, in bytes.
    pub video_offset: u64,
    /// Length of the embedded video in bytes.
    pub video_length: u64,
    /// How it was found.
    pub kind: MotionPhotoKind,
}

/// How a motion photo was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum MotionPhotoKind {
    /// Google Camera XMP (`GCamera:MotionPhoto`/`MicroVideo` with `Container:Directory` or
    /// `MicroVideoOffset`).
    Google,
    /// Samsung `MotionPhoto_Data` trailer.
    Samsung,
}

/// Where an embedded JPEG preview lies in its file ([`Metadata::previews`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EmbeddedJpeg {
    /// Offset of the JPEG's first byte (its SOI marker) from the start of the file.
    pub offset: u64,
    /// Length in bytes, as the file declares it.
    pub length: u64,
}

/// A tag value kept raw, so nothing read is thrown away.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum TagValue {
    /// Text.
    Text(String),
    /// Integer(s).
    Int(i64),
    /// Floating point.
    Float(f64),
    /// A list.
    List(Vec<TagValue>),
    /// Bytes too long or not text (length only is kept for large blobs).
    Bytes(Vec<u8>),
}

/// Everything read from one file.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Metadata {
    /// The detected format.
    pub format: Option<Format>,
    /// The best capture time (by the priority documented on [`Metadata::capture`]).
    pub capture: Option<Sourced<CaptureTime>>,
    /// Every capture-time candidate found, in reading order.
    pub times: Vec<TimeCandidate>,
    /// GPS position.
    pub gps: Option<Sourced<GpsPosition>>,
    /// GPS image direction in degrees, when present.
    pub gps_direction: Option<f64>,
    /// GPS date/time stamp (UTC).
    pub gps_time: Option<DateTime<Utc>>,
    /// Camera make.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
    /// Lens model.
    pub lens: Option<String>,
    /// Body serial number.
    pub serial: Option<String>,
    /// Orientation.
    pub orientation: Option<Orientation>,
    /// Stored pixel width (before orientation).
    pub width: Option<u32>,
    /// Stored pixel height (before orientation).
    pub height: Option<u32>,
    /// Video duration in seconds.
    pub duration_s: Option<f64>,
    /// Video frame rate.
    pub frame_rate: Option<f64>,
    /// Video codec (four-character code or name).
    pub video_codec: Option<String>,
    /// Star rating.
    pub rating: Option<Rating>,
    /// Title (`dc:title`, or IPTC ObjectName by the MWG rule).
    pub title: Option<String>,
    /// Description / caption (EXIF `ImageDescription`, `dc:description`, or IPTC
    /// Caption-Abstract by the MWG rule).
    pub description: Option<String>,
    /// Creator / photographer (EXIF `Artist`, XMP `dc:creator`, IPTC By-line; by the MWG rule).
    pub creator: Option<String>,
    /// Keywords (`dc:subject`, or IPTC Keywords by the MWG rule: see the crate docs).
    pub keywords: Vec<String>,
    /// Hierarchical keywords (`lr:hierarchicalSubject`).
    pub hierarchical_keywords: Vec<String>,
    /// Names of people regions (XMP `mwg-rs`).
    pub people: Vec<String>,
    /// Apple Live Photo content identifier (still: MakerNote 0x0011; video:
    /// `com.apple.quicktime.content.identifier`).
    pub content_id: Option<String>,
    /// Apple burst UUID (MakerNote 0x000b).
    pub burst_id: Option<String>,
    /// Embedded motion-photo video.
    pub motion_photo: Option<MotionPhoto>,
    /// Whether an HDR gain map is present (Apple/ISO/Google).
    pub has_gain_map: bool,
    /// Whether the file carries an XMP packet of its own (a sidecar's does not count). Decides
    /// whether a `NAME.xmp` sidecar applies: see [`sidecar_paths`](crate::sidecar_paths).
    pub embedded_xmp: bool,
    /// HEIF/AVIF: whether the primary image carries a rotation (`irot`) or mirror (`imir`)
    /// property. When it does, those are the picture's orientation and EXIF `Orientation` must
    /// be ignored (HEIF/MIAF); when it does not, some writers (Windows Photos, Samsung) record
    /// the rotation in EXIF only.
    pub heif_transformed: bool,
    /// Embedded JPEG previews found by the container parser, with absolute file offsets: raw
    /// `PreviewImage`/`JpgFromRaw`/`ThumbnailImage` of TIFF-based raw files (IFD0, its chain and
    /// SubIFDs) and the RAF preview. Only located, never read or checked here.
    pub previews: Vec<EmbeddedJpeg>,
    /// Every tag read, raw, by path (`"ExifIFD:ExposureTime"`, `"XMP-dc:subject"`, ...).
    pub tags: BTreeMap<String, TagValue>,
    /// Problems met while reading that did not stop it.
    pub warnings: Vec<String>,
    /// Bytes read from the file (the reader reads metadata, not pixel data).
    pub bytes_read: u64,
}

impl Metadata {
    /// The local capture time, when known.
    pub fn capture_local(&self) -> Option<NaiveDateTime> {
        self.capture.as_ref().and_then(|c| c.value.local())
    }

    /// Dimensions as displayed (after orientation).
    pub fn display_size(&self) -> Option<(u32, u32)> {
        let (w, h) = (self.width?, self.height?);
        Some(match self.orientation {
            Some(o) if o.swaps_dimensions() => (h, w),
            _ => (w, h),
        })
    }
}
