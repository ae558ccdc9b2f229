//! EXIF: from a TIFF structure to the model.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::tiff::{ByteOrder, Field, TiffSource, Walker};
use crate::{
    CaptureTime, GpsPosition, Metadata, Orientation, Rating, Source, Sourced, TagValue,
    TimeCandidate, TimeKind,
};

/// Which directory a TIFF structure's first IFD is (CR3 stores the EXIF and GPS IFDs as separate
/// TIFF structures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    Ifd0,
    Exif,
    Gps,
}

/// What the TIFF structure says about image size, for the container to pick from.
#[derive(Debug, Default, Clone)]
pub(crate) struct TiffDims {
    /// (subfile type, width, height) of IFD0 and every SubIFD, in order.
    pub ifds: Vec<(u64, u32, u32)>,
    /// ExifImageWidth/Height.
    pub exif: Option<(u32, u32)>,
    /// Panasonic sensor borders (top, left, bottom, right).
    pub rw2_borders: [Option<u32>; 4],
    /// Whether a DNGVersion tag is present.
    pub dng: bool,
    /// (offset, length) of JPEG data pointed to by an IFD, relative to the TIFF header:
    /// `JPEGInterchangeFormat`/`Length` (0x0201/0x0202), or a single strip of an IFD whose
    /// compression is JPEG (6 or 7).
    pub jpegs: Vec<(u64, u64)>,
}

fn tag_name(group: &str, tag: u16) -> Option<&'static str> {
    Some(match (group, tag) {
        ("GPS", 0x0000) => "GPSVersionID",
        ("GPS", 0x0001) => "GPSLatitudeRef",
        ("GPS", 0x0002) => "GPSLatitude",
        ("GPS", 0x0003) => "GPSLongitudeRef",
        ("GPS", 0x0004) => "GPSLongitude",
        ("GPS", 0x0005) => "GPSAltitudeRef",
        ("GPS", 0x0006) => "GPSAltitude",
        ("GPS", 0x0007) => "GPSTimeStamp",
        ("GPS", 0x0010) => "GPSImgDirectionRef",
        ("GPS", 0x0011) => "GPSImgDirection",
        ("GPS", 0x0012) => "GPSMapDatum",
        ("GPS", 0x001d) => "GPSDateStamp",
        ("GPS", _) => return None,
        ("Apple", 0x000b) => "BurstUUID",
        ("Apple", 0x0011) => "ContentIdentifier",
        ("Apple", _) => return None,
        (_, 0x00fe) => "SubfileType",
        (_, 0x0100) => "ImageWidth",
        (_, 0x0101) => "ImageHeight",
        (_, 0x0102) => "BitsPerSample",
        (_, 0x0103) => "Compression",
        (_, 0x0106) => "PhotometricInterpretation",
        (_, 0x010e) => "ImageDescription",
        (_, 0x010f) => "Make",
        (_, 0x0110) => "Model",
        (_, 0x0111) => "StripOffsets",
        (_, 0x0112) => "Orientation",
        (_, 0x0115) => "SamplesPerPixel",
        (_, 0x0116) => "RowsPerStrip",
        (_, 0x0117) => "StripByteCounts",
        (_, 0x011a) => "XResolution",
        (_, 0x011b) => "YResolution",
        (_, 0x0128) => "ResolutionUnit",
        (_, 0x0131) => "Software",
        (_, 0x0132) => "ModifyDate",
        (_, 0x013b) => "Artist",
        (_, 0x0201) => "ThumbnailOffset",
        (_, 0x0202) => "ThumbnailLength",
        (_, 0x0213) => "YCbCrPositioning",
        (_, 0x4746) => "Rating",
        (_, 0x8298) => "Copyright",
        (_, 0x829a) => "ExposureTime",
        (_, 0x829d) => "FNumber",
        (_, 0x8822) => "ExposureProgram",
        (_, 0x8827) => "ISO",
        (_, 0x9000) => "ExifVersion",
        (_, 0x9003) => "DateTimeOriginal",
        (_, 0x9004) => "CreateDate",
        (_, 0x9010) => "OffsetTime",
        (_, 0x9011) => "OffsetTimeOriginal",
        (_, 0x9012) => "OffsetTimeDigitized",
        (_, 0x9201) => "ShutterSpeedValue",
        (_, 0x9202) => "ApertureValue",
        (_, 0x9204) => "ExposureCompensation",
        (_, 0x9207) => "MeteringMode",
        (_, 0x9209) => "Flash",
        (_, 0x920a) => "FocalLength",
        (_, 0x9286) => "UserComment",
        (_, 0x9290) => "SubSecTime",
        (_, 0x9291) => "SubSecTimeOriginal",
        (_, 0x9292) => "SubSecTimeDigitized",
        (_, 0xa001) => "ColorSpace",
        (_, 0xa002) => "ExifImageWidth",
        (_, 0xa003) => "ExifImageHeight",
        (_, 0xa402) => "ExposureMode",
        (_, 0xa403) => "WhiteBalance",
        (_, 0xa405) => "FocalLengthIn35mmFormat",
        (_, 0xa420) => "ImageUniqueID",
        (_, 0xa431) => "SerialNumber",
        (_, 0xa432) => "LensInfo",
        (_, 0xa433) => "LensMake",
        (_, 0xa434) => "LensModel",
        (_, 0xc612) => "DNGVersion",
        (_, 0xc614) => "UniqueCameraModel",
        _ => return None,
    })
}

fn tag_value<D: TiffSource + ?Sized>(t: &Walker<'_, D>, e: &Field) -> Option<TagValue> {
    let one_or_list = |v: Vec<TagValue>| match v.len() {
        0 => None,
        1 => v.into_iter().next(),
        _ => Some(TagValue::List(v)),
    };
    match e.typ {
        2 => t.text(e).map(TagValue::Text),
        5 | 10 | 11 | 12 => one_or_list(t.floats(e).into_iter().map(TagValue::Float).collect()),
        1 | 3 | 4 | 16 | 13 | 18 if e.count <= 64 => one_or_list(
            t.uints(e)
                .into_iter()
                .map(|v| TagValue::Int(v as i64))
                .collect(),
        ),
        8 | 9 | 6 if e.count <= 64 => one_or_list(
            t.floats(e)
                .into_iter()
                .map(|v| TagValue::Int(v as i64))
                .collect(),
        ),
        7 if e.bytes.len() <= 64 => Some(TagValue::Bytes(e.bytes.clone())),
        _ => Some(TagValue::Text(format!("({} bytes)", e.bytes.len()))),
    }
}

/// Parses an EXIF date "YYYY:MM:DD HH:MM:SS" (also with '-' or 'T', trailing garbage ignored).
pub(crate) fn parse_exif_datetime(s: &str) -> Option<NaiveDateTime> {
    let b = s.trim().as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(b.get(r)?).ok()?.trim().parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if y == 0 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(y as i32, mo, d)?;
    // 24:00:00 appears in real files; clamp rather than lose the date.
    let time = NaiveTime::from_hms_opt(h.min(23), mi, sec.min(59))?;
    Some(date.and_time(time))
}

/// Parses "+HH:MM" / "-HH:MM" / "Z".
pub(crate) fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s == "Z" {
        return FixedOffset::east_opt(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = s.get(1..)?;
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None if rest.len() == 4 => (rest.get(..2)?.parse().ok()?, rest.get(2..)?.parse().ok()?),
        None => (rest.parse().ok()?, 0),
    };
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn with_subsec(t: NaiveDateTime, subsec: Option<&str>) -> NaiveDateTime {
    let Some(ss) = subsec
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
    else {
        return t;
    };
    let digits = &ss[..ss.len().min(9)];
    let Ok(v) = digits.parse::<u32>() else {
        return t;
    };
    let nanos = v * 10u32.pow(9 - digits.len() as u32);
    t.with_nanosecond_checked(nanos)
}

trait WithNanos {
    fn with_nanosecond_checked(self, n: u32) -> Self;
}
impl WithNanos for NaiveDateTime {
    fn with_nanosecond_checked(self, n: u32) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(n).unwrap_or(self)
    }
}

pub(crate) fn make_time(local: NaiveDateTime, offset: Option<FixedOffset>) -> CaptureTime {
    match offset.and_then(|o| o.from_local_datetime(&local).single()) {
        Some(time) => CaptureTime::Zoned { time },
        None => CaptureTime::Floating { time: local },
    }
}

#[derive(Default)]
struct Raw {
    dto: Option<String>,
    cd: Option<String>,
    md: Option<String>,
    ss: [Option<String>; 3],
    off: [Option<String>; 3],
    gps: GpsRaw,
}

#[derive(Default)]
struct GpsRaw {
    lat: Vec<f64>,
    lat_ref: Option<String>,
    lon: Vec<f64>,
    lon_ref: Option<String>,
    alt: Option<f64>,
    alt_ref: Option<u64>,
    time: Vec<f64>,
    date: Option<String>,
    dir: Option<f64>,
}

fn dms(v: &[f64]) -> Option<f64> {
    let d = *v.first()?;
    let m = v.get(1).copied().unwrap_or(0.0);
    let s = v.get(2).copied().unwrap_or(0.0);
    Some(d + m / 60.0 + s / 3600.0)
}

/// Reads a TIFF structure into `md`. `root` says what its first IFD is.
pub(crate) fn read_tiff<D: TiffSource + ?Sized>(
    data: &D,
    root: Root,
    md: &mut Metadata,
) -> Option<TiffDims> {
    let mut t = Walker::new(data).ok()?;
    let mut raw = Raw::default();
    let mut dims = TiffDims::default();
    let first = t.header().first_ifd;
    match root {
        Root::Ifd0 => {
            let mut off = first;
            let mut idx = 0;
            while off != 0 && idx < 8 {
                let Some((entries, next)) = t.fields(off) else {
                    if idx == 0 {
                        md.warnings.push(format!("unreadable IFD0 at {off}"));
                    }
                    break;
                };
                let group = if idx == 0 {
                    "IFD0".to_string()
                } else {
                    format!("IFD{idx}")
                };
                walk_ifd(&mut t, &entries, &group, &mut raw, &mut dims, md, idx == 0);
                off = next;
                idx += 1;
            }
        }
        Root::Exif => {
            if let Some((entries, _)) = t.fields(first) {
                walk_ifd(&mut t, &entries, "ExifIFD", &mut raw, &mut dims, md, false);
            }
        }
        Root::Gps => {
            if let Some((entries, _)) = t.fields(first) {
                walk_ifd(&mut t, &entries, "GPS", &mut raw, &mut dims, md, false);
            }
        }
    }
    finish(raw, md);
    Some(dims)
}

fn walk_ifd<D: TiffSource + ?Sized>(
    t: &mut Walker<'_, D>,
    entries: &[Field],
    group: &str,
    raw: &mut Raw,
    dims: &mut TiffDims,
    md: &mut Metadata,
    is_ifd0: bool,
) {
    let mut w = None;
    let mut h = None;
    let mut subfile = 0;
    let mut subs: Vec<(u64, &'static str)> = Vec::new();
    let (mut jif, mut jif_len, mut compression) = (None, None, None);
    let (mut strips, mut strip_lens) = (Vec::new(), Vec::new());
    for e in entries {
        let name = tag_name(group, e.tag);
        if let Some(v) = tag_value(t, e) {
            let key = match name {
                Some(n) => format!("{group}:{n}"),
                None => format!("{group}:0x{:04x}", e.tag),
            };
            md.tags.entry(key).or_insert(v);
        }
        match (group, e.tag) {
            ("GPS", 0x01) => raw.gps.lat_ref = t.text(e),
            ("GPS", 0x02) => raw.gps.lat = t.floats(e),
            ("GPS", 0x03) => raw.gps.lon_ref = t.text(e),
            ("GPS", 0x04) => raw.gps.lon = t.floats(e),
            ("GPS", 0x05) => raw.gps.alt_ref = t.uint(e),
            ("GPS", 0x06) => raw.gps.alt = t.floats(e).first().copied(),
            ("GPS", 0x07) => raw.gps.time = t.floats(e),
            ("GPS", 0x11) => raw.gps.dir = t.floats(e).first().copied(),
            ("GPS", 0x1d) => raw.gps.date = t.text(e),
            ("GPS", _) => {}
            (_, 0x00fe) => subfile = t.uint(e).unwrap_or(0),
            (_, 0x0100) => w = t.uint(e),
            (_, 0x0103) => compression = t.uint(e),
            (_, 0x0111) if e.count == 1 => strips = t.uints(e),
            (_, 0x0117) if e.count == 1 => strip_lens = t.uints(e),
            (_, 0x0201) => jif = t.uint(e),
            (_, 0x0202) => jif_len = t.uint(e),
            (_, 0x0101) => h = t.uint(e),
            (_, 0x0004) if is_ifd0 => dims.rw2_borders[0] = t.uint(e).map(|v| v as u32),
            (_, 0x0005) if is_ifd0 => dims.rw2_borders[1] = t.uint(e).map(|v| v as u32),
            (_, 0x0006) if is_ifd0 => dims.rw2_borders[2] = t.uint(e).map(|v| v as u32),
            (_, 0x0007) if is_ifd0 => dims.rw2_borders[3] = t.uint(e).map(|v| v as u32),
            (_, 0x010f) if is_ifd0 || md.make.is_none() => set_text(&mut md.make, t.text(e)),
            (_, 0x0110) if is_ifd0 || md.model.is_none() => set_text(&mut md.model, t.text(e)),
            (_, 0x0112) if is_ifd0 => {
                md.orientation = t.uint(e).and_then(|v| Orientation::new(v as u16))
            }
            (_, 0x010e) if is_ifd0 => set_text(&mut md.description, t.text(e)),
            (_, 0x0132) if is_ifd0 => raw.md = t.text(e),
            (_, 0x4746) if is_ifd0 && md.rating.is_none() => {
                md.rating = t.uint(e).and_then(|v| Rating::new(v as i16 as i64));
            }
            (_, 0x013b) if is_ifd0 => set_text(&mut md.creator, t.text(e)),
            // IPTC-NAA: the IIM block itself (often typed LONG, its bytes are the datasets).
            (_, 0x83bb) if is_ifd0 => crate::iptc::read_block(&e.bytes, md),
            // Photoshop resources: their IPTC and digest; EXIF/XMP inside are not followed.
            (_, 0x8649) if is_ifd0 => crate::iptc::read_resources(&e.bytes, md, false),
            (_, 0x02bc) if is_ifd0 => {
                crate::xmp::read_xmp(&e.bytes, Source::Xmp, md);
            }
            (_, 0xc612) => dims.dng = true,
            (_, 0x8769) => subs.extend(t.uint(e).map(|o| (o, "ExifIFD"))),
            (_, 0x8825) => subs.extend(t.uint(e).map(|o| (o, "GPS"))),
            (_, 0xa005) => subs.extend(t.uint(e).map(|o| (o, "InteropIFD"))),
            (_, 0x014a) => subs.extend(t.uints(e).into_iter().take(8).map(|o| (o, "SubIFD"))),
            (_, 0x9003) => raw.dto = t.text(e),
            (_, 0x9004) => raw.cd = t.text(e),
            (_, 0x9010) => raw.off[2] = t.text(e),
            (_, 0x9011) => raw.off[0] = t.text(e),
            (_, 0x9012) => raw.off[1] = t.text(e),
            (_, 0x9290) => raw.ss[2] = t.text(e),
            (_, 0x9291) => raw.ss[0] = t.text(e),
            (_, 0x9292) => raw.ss[1] = t.text(e),
            (_, 0xa002) => {
                dims.exif = Some((t.uint(e).unwrap_or(0) as u32, dims.exif.map_or(0, |d| d.1)))
            }
            (_, 0xa003) => {
                dims.exif = Some((dims.exif.map_or(0, |d| d.0), t.uint(e).unwrap_or(0) as u32))
            }
            (_, 0xa434) => set_text(&mut md.lens, t.text(e)),
            (_, 0xa431) => set_text(&mut md.serial, t.text(e)),
            (_, 0x927c) => read_maker_note(e, md),
            _ => {}
        }
    }
    if let (Some(o), Some(l)) = (jif, jif_len) {
        dims.jpegs.push((o, l));
    } else if let (Some(6 | 7), [o], [l]) = (compression, strips.as_slice(), strip_lens.as_slice())
    {
        dims.jpegs.push((*o, *l));
    }
    if is_ifd0 || group == "SubIFD" {
        if let (Some(w), Some(h)) = (w, h) {
            dims.ifds.push((subfile, w as u32, h as u32));
        }
    }
    for (off, g) in subs {
        if let Some((entries, _)) = t.fields(off) {
            walk_ifd(t, &entries, g, raw, dims, md, false);
        }
    }
}

fn set_text(slot: &mut Option<String>, v: Option<String>) {
    if slot.is_none() {
        *slot = v;
    }
}

/// Apple's maker note: "Apple iOS\0" header, a big-endian IFD at 14, offsets from its start.
fn read_maker_note(e: &Field, md: &mut Metadata) {
    let b = &e.bytes;
    if !b.starts_with(b"Apple iOS\0") {
        return;
    }
    let order = if b.get(12..14) == Some(b"II") {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };
    let mut t = Walker::with_order(b.as_slice(), order);
    let Some((entries, _)) = t.fields(14) else {
        md.warnings.push("unreadable Apple maker note".into());
        return;
    };
    for e in &entries {
        let name = tag_name("Apple", e.tag);
        if let Some(v) = tag_value(&t, e) {
            let key = match name {
                Some(n) => format!("Apple:{n}"),
                None => format!("Apple:0x{:04x}", e.tag),
            };
            md.tags.entry(key).or_insert(v);
        }
        match e.tag {
            0x0011 => set_text(&mut md.content_id, t.text(e)),
            0x000b => set_text(&mut md.burst_id, t.text(e)),
            _ => {}
        }
    }
}

fn finish(raw: Raw, md: &mut Metadata) {
    let kinds = [
        (
            TimeKind::Original,
            raw.dto.as_deref(),
            0usize,
            Source::ExifIfd,
        ),
        (TimeKind::Digitized, raw.cd.as_deref(), 1, Source::ExifIfd),
        (TimeKind::Modified, raw.md.as_deref(), 2, Source::ExifIfd0),
    ];
    for (kind, s, i, source) in kinds {
        let Some(s) = s else { continue };
        match parse_exif_datetime(s) {
            Some(local) => {
                let local = with_subsec(local, raw.ss[i].as_deref());
                let offset = raw.off[i].as_deref().and_then(parse_offset);
                md.times.push(TimeCandidate {
                    kind,
                    time: make_time(local, offset),
                    source,
                });
            }
            None if !s.starts_with("0000") && !s.trim().is_empty() => {
                md.warnings.push(format!("unparseable EXIF date {s:?}"));
            }
            None => {}
        }
    }
    let g = raw.gps;
    if let (Some(lat), Some(lon)) = (dms(&g.lat), dms(&g.lon)) {
        let lat = if g.lat_ref.as_deref().is_some_and(|r| r.starts_with('S')) {
            -lat
        } else {
            lat
        };
        let lon = if g.lon_ref.as_deref().is_some_and(|r| r.starts_with('W')) {
            -lon
        } else {
            lon
        };
        let alt = g.alt.map(|a| if g.alt_ref == Some(1) { -a } else { a });
        match GpsPosition::new(lat, lon, alt) {
            Some(p) if md.gps.is_none() => md.gps = Some(Sourced::new(p, Source::ExifGps)),
            Some(_) => {}
            None if !(lat == 0.0 && lon == 0.0) => md
                .warnings
                .push(format!("GPS position out of range: {lat}, {lon}")),
            None => {}
        }
    }
    if md.gps_direction.is_none() {
        md.gps_direction = g.dir;
    }
    if let (Some(date), [h, m, s]) = (g.date.as_deref(), g.time.as_slice()) {
        let d = NaiveDate::parse_from_str(date.trim(), "%Y:%m:%d").ok();
        let secs = h * 3600.0 + m * 60.0 + s;
        if let Some(d) = d.filter(|_| secs.is_finite() && (0.0..86400.0).contains(&secs)) {
            let nanos = ((secs.fract()) * 1e9) as u32;
            if let Some(t) = NaiveTime::from_num_seconds_from_midnight_opt(secs as u32, nanos) {
                let utc: DateTime<Utc> = Utc.from_utc_datetime(&d.and_time(t));
                md.gps_time = Some(utc);
                md.times.push(TimeCandidate {
                    kind: TimeKind::Gps,
                    time: CaptureTime::Utc { time: utc },
                    source: Source::ExifGps,
                });
            }
        }
    }
}
