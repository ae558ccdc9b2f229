//! Reading the editable fields from an EXIF block and an XMP packet, and turning [`Changes`]
//! into a new EXIF block and a new XMP packet.

use albumen_meta::{GpsPosition, Rating};
use chrono::{FixedOffset, NaiveDateTime};

use crate::edit::{fmt_exif_date, fmt_offset, parse_exif_date, parse_offset, Changes, Fields};
use crate::edit::{TimeChange, TimeValue};
use crate::error::Result;
use crate::tiff::{self, tag, IfdChange, Value};
use crate::xmp::{self, NewKind, NewProp, Packet, NS_DC, NS_EXIF, NS_LR, NS_PHOTOSHOP, NS_XMP};

/// Fields from an EXIF (TIFF) block.
pub(crate) fn read_exif(b: &[u8]) -> Fields {
    let mut f = Fields::default();
    let Ok(d) = tiff::dirs(b) else {
        return f;
    };
    if let Some(x) = &d.exif {
        let s = |t: u16| x.get(t).and_then(|v| v.ascii(b));
        let dto = s(tag::DATE_TIME_ORIGINAL).and_then(|v| parse_exif_date(&v));
        let (local, sub, off) = match dto {
            Some(t) => (
                Some(t),
                tag::SUB_SEC_TIME_ORIGINAL,
                tag::OFFSET_TIME_ORIGINAL,
            ),
            None => (
                s(tag::CREATE_DATE).and_then(|v| parse_exif_date(&v)),
                tag::SUB_SEC_TIME_DIGITIZED,
                tag::OFFSET_TIME_DIGITIZED,
            ),
        };
        if let Some(local) = local {
            f.time = Some(TimeValue {
                local,
                subsec: s(sub).filter(|v| !v.is_empty()),
                offset: s(off)
                    .or_else(|| s(tag::OFFSET_TIME))
                    .and_then(|v| parse_offset(&v)),
            });
        }
    }
    if let Some(g) = &d.gps {
        f.gps = read_gps(b, g);
    }
    if let Some(r) = d.ifd0.get(tag::RATING).and_then(|v| v.uint(b)) {
        f.rating = i64::try_from(r).ok().and_then(Rating::new);
    }
    f.description = d
        .ifd0
        .get(tag::IMAGE_DESCRIPTION)
        .and_then(|v| v.ascii(b))
        .filter(|s| !s.trim().is_empty());
    f
}

fn read_gps(b: &[u8], g: &tiff::Ifd) -> Option<GpsPosition> {
    let dms = |t: u16| -> Option<f64> {
        let v = g.get(t)?.rationals(b)?;
        let mut x = 0.0;
        for (i, d) in v.iter().take(3).enumerate() {
            x += d / [1.0, 60.0, 3600.0][i];
        }
        x.is_finite().then_some(x)
    };
    let r = |t: u16| g.get(t).and_then(|v| v.ascii(b)).unwrap_or_default();
    let mut lat = dms(tag::GPS_LATITUDE)?;
    let mut lon = dms(tag::GPS_LONGITUDE)?;
    if r(tag::GPS_LATITUDE_REF).starts_with('S') {
        lat = -lat;
    }
    if r(tag::GPS_LONGITUDE_REF).starts_with('W') {
        lon = -lon;
    }
    let alt = g
        .get(tag::GPS_ALTITUDE)
        .and_then(|v| v.rationals(b))
        .and_then(|v| v.first().copied())
        .map(|a| {
            let below = g.get(tag::GPS_ALTITUDE_REF).and_then(|v| v.uint(b)) == Some(1);
            if below {
                -a
            } else {
                a
            }
        });
    GpsPosition::new(lat, lon, alt)
}

/// Fields from an XMP packet.
pub(crate) fn read_xmp(p: &Packet) -> Fields {
    let time = [
        (NS_EXIF, "DateTimeOriginal"),
        (NS_PHOTOSHOP, "DateCreated"),
        (NS_XMP, "CreateDate"),
    ]
    .iter()
    .find_map(|(ns, l)| p.text(ns, l).and_then(|s| parse_xmp_date(&s)))
    .map(|d| TimeValue {
        local: d.local,
        subsec: d.frac,
        offset: d.zone,
    });
    let mut f = Fields {
        time,
        ..Fields::default()
    };
    let lat = p
        .text(NS_EXIF, "GPSLatitude")
        .and_then(|s| parse_xmp_coord(&s));
    let lon = p
        .text(NS_EXIF, "GPSLongitude")
        .and_then(|s| parse_xmp_coord(&s));
    if let (Some(lat), Some(lon)) = (lat, lon) {
        let alt = p
            .text(NS_EXIF, "GPSAltitude")
            .and_then(|s| parse_rational(&s))
            .map(|a| {
                if p.text(NS_EXIF, "GPSAltitudeRef").as_deref() == Some("1") {
                    -a
                } else {
                    a
                }
            });
        f.gps = GpsPosition::new(lat, lon, alt);
    }
    f.rating = p
        .text(NS_XMP, "Rating")
        .and_then(|s| s.trim().parse::<f64>().ok())
        .and_then(|v| Rating::new(v.round() as i64));
    f.title = p.text(NS_DC, "title").filter(|s| !s.is_empty());
    f.description = p.text(NS_DC, "description").filter(|s| !s.is_empty());
    f.keywords = p.list(NS_DC, "subject");
    f.hierarchical = p.list(NS_LR, "hierarchicalSubject");
    f
}

/// `over` wins where it has a value.
pub(crate) fn merge(base: Fields, over: Fields) -> Fields {
    Fields {
        time: over.time.or(base.time),
        gps: over.gps.or(base.gps),
        rating: over.rating.or(base.rating),
        title: over.title.or(base.title),
        description: over.description.or(base.description),
        keywords: if over.keywords.is_empty() {
            base.keywords
        } else {
            over.keywords
        },
        hierarchical: if over.hierarchical.is_empty() {
            base.hierarchical
        } else {
            over.hierarchical
        },
    }
}

fn rational(x: f64, den: u32) -> (u32, u32) {
    let n = (x * f64::from(den)).round();
    if n.is_finite() && n >= 0.0 && n <= f64::from(u32::MAX) {
        (n as u32, den)
    } else {
        (0, 1)
    }
}

fn dms(x: f64) -> [(u32, u32); 3] {
    let a = x.abs();
    let d = a.trunc();
    let m = ((a - d) * 60.0).trunc();
    let s = (a - d - m / 60.0) * 3600.0;
    [
        (d as u32, 1),
        (m as u32, 1),
        rational(s.max(0.0), 1_000_000),
    ]
}

/// The new EXIF block, or `None` when the block needs no change.
pub(crate) fn edit_exif(b: &[u8], ch: &Changes, new: &Fields) -> Result<Option<Vec<u8>>> {
    let d = tiff::dirs(b)?;
    let e = d.header.order;
    let mut buf = b.to_vec();
    let mut c0 = IfdChange::default();
    let mut cx = IfdChange::default();
    let mut cg = IfdChange::default();
    let t = &ch.time;
    let date = |ifd: Option<&tiff::Ifd>, tg: u16| -> Option<NaiveDateTime> {
        ifd?.get(tg)?.ascii(b).and_then(|s| parse_exif_date(&s))
    };
    if t.touches_dates() {
        if let Some(old) = date(Some(&d.ifd0), tag::MODIFY_DATE) {
            if let Some(n) = t.local(old) {
                c0.set(tag::MODIFY_DATE, Value::ascii(&fmt_exif_date(n)));
            }
        }
        if let Some(x) = &d.exif {
            for tg in [tag::DATE_TIME_ORIGINAL, tag::CREATE_DATE] {
                match date(Some(x), tg) {
                    Some(old) => {
                        if let Some(n) = t.local(old) {
                            cx.set(tg, Value::ascii(&fmt_exif_date(n)));
                        }
                    }
                    None => {
                        if let Some(n) = t.set.and_then(|s| s.checked_add_signed(t.shift)) {
                            cx.set(tg, Value::ascii(&fmt_exif_date(n)));
                        }
                    }
                }
            }
        }
    }
    if let Some(x) = &d.exif {
        if t.set.is_some() || t.subsec.is_some() {
            let tags = [
                tag::SUB_SEC_TIME_ORIGINAL,
                tag::SUB_SEC_TIME_DIGITIZED,
                tag::SUB_SEC_TIME,
            ];
            for tg in tags {
                match &t.subsec {
                    Some(s) if tg != tag::SUB_SEC_TIME || x.get(tg).is_some() => {
                        cx.set(tg, Value::ascii(s))
                    }
                    Some(_) => {}
                    None if x.get(tg).is_some() => cx.remove.push(tg),
                    None => {}
                }
            }
        }
        if let Some(o) = t.offset {
            for tg in [
                tag::OFFSET_TIME,
                tag::OFFSET_TIME_ORIGINAL,
                tag::OFFSET_TIME_DIGITIZED,
            ] {
                cx.set(tg, Value::ascii(&fmt_offset(o)));
            }
        }
    }
    let mut wipe_gps = false;
    match ch.gps {
        Some(Some(p)) => {
            if d.gps
                .as_ref()
                .and_then(|g| g.get(tag::GPS_VERSION_ID))
                .is_none()
            {
                cg.set(tag::GPS_VERSION_ID, Value::bytes(&[2, 3, 0, 0]));
            }
            cg.set(
                tag::GPS_LATITUDE_REF,
                Value::ascii(if p.lat < 0.0 { "S" } else { "N" }),
            );
            cg.set(tag::GPS_LATITUDE, Value::rationals(e, &dms(p.lat)));
            cg.set(
                tag::GPS_LONGITUDE_REF,
                Value::ascii(if p.lon < 0.0 { "W" } else { "E" }),
            );
            cg.set(tag::GPS_LONGITUDE, Value::rationals(e, &dms(p.lon)));
            match p.alt {
                Some(a) => {
                    cg.set(tag::GPS_ALTITUDE_REF, Value::bytes(&[u8::from(a < 0.0)]));
                    cg.set(
                        tag::GPS_ALTITUDE,
                        Value::rationals(e, &[rational(a.abs(), 1000)]),
                    );
                }
                None => {
                    for tg in [tag::GPS_ALTITUDE_REF, tag::GPS_ALTITUDE] {
                        if d.gps.as_ref().and_then(|g| g.get(tg)).is_some() {
                            cg.remove.push(tg);
                        }
                    }
                }
            }
        }
        Some(None) if d.ifd0.get(tag::GPS_IFD).is_some() => {
            c0.remove.push(tag::GPS_IFD);
            wipe_gps = true;
        }
        Some(None) | None => {}
    }
    if ch.strip_serials {
        // The values are zeroed too, so the bytes left behind do not still carry them.
        let mut gone = |ifd: &tiff::Ifd, tg: u16, c: &mut IfdChange| {
            if let Some(x) = ifd.get(tg) {
                c.remove.push(tg);
                if let Some(r) = tiff::range(x, b) {
                    let (at, span) = (ifd.pos as usize, ifd.span() as usize);
                    let outside = r.start >= at + span || r.end <= at;
                    if let (true, Some(s)) = (outside, buf.get_mut(r)) {
                        s.fill(0);
                    }
                }
            }
        };
        if let Some(x) = &d.exif {
            gone(x, tag::BODY_SERIAL_NUMBER, &mut cx);
            gone(x, tag::LENS_SERIAL_NUMBER, &mut cx);
        }
        gone(&d.ifd0, tag::CAMERA_SERIAL_NUMBER, &mut c0);
    }
    if let (Some(r), Some(_)) = (ch.rating, d.ifd0.get(tag::RATING)) {
        let v = r.get().max(0) as u16;
        c0.set(tag::RATING, Value::short(e, v));
        if d.ifd0.get(tag::RATING_PERCENT).is_some() {
            let pct = [0u16, 1, 25, 50, 75, 99][usize::from(v.min(5))];
            c0.set(tag::RATING_PERCENT, Value::short(e, pct));
        }
    }
    if let (Some(desc), Some(_)) = (&ch.description, d.ifd0.get(tag::IMAGE_DESCRIPTION)) {
        if desc.is_empty() {
            c0.remove.push(tag::IMAGE_DESCRIPTION);
        } else {
            c0.set(tag::IMAGE_DESCRIPTION, Value::ascii(desc));
        }
    }
    let _ = new;
    if c0.is_empty() && cx.is_empty() && cg.is_empty() {
        return Ok(None);
    }
    let reserve = tiff::dangling_reserve(b, &d);
    let mut ptrs: Vec<(u16, u32)> = Vec::new();
    if let Some(x) = &d.exif {
        if !cx.is_empty() && !tiff::patch_in_place(&mut buf, x, &cx) {
            tiff::pad_to(&mut buf, reserve);
            ptrs.push((tag::EXIF_IFD, tiff::append_ifd(&mut buf, e, Some(x), &cx)?));
        }
    }
    if !cg.is_empty() {
        let in_place = match &d.gps {
            Some(g) => tiff::patch_in_place(&mut buf, g, &cg),
            None => false,
        };
        if !in_place {
            tiff::pad_to(&mut buf, reserve);
            ptrs.push((
                tag::GPS_IFD,
                tiff::append_ifd(&mut buf, e, d.gps.as_ref(), &cg)?,
            ));
        }
    }
    if wipe_gps {
        if let Some(g) = &d.gps {
            tiff::wipe_ifd(&mut buf, g);
        }
    }
    let missing = ptrs.iter().any(|(tg, _)| d.ifd0.get(*tg).is_none());
    let mut rewrite0 = missing;
    if !missing && !c0.is_empty() && !tiff::patch_in_place(&mut buf, &d.ifd0, &c0) {
        rewrite0 = true;
    }
    if rewrite0 {
        for (tg, off) in &ptrs {
            c0.set(*tg, Value::long(e, *off));
        }
        tiff::pad_to(&mut buf, reserve);
        let off = tiff::append_ifd(&mut buf, e, Some(&d.ifd0), &c0)?;
        tiff::put_pointer(&mut buf, e, 4, off)?;
        // ExifTool sizes the IFDs chained after IFD0 (IFD1, the thumbnail's) by what follows
        // IFD0; with IFD0 now last, it would report IFD1 as short. Zero-fill so it fits.
        let need = tiff::chain(b, d.ifd0.next)
            .iter()
            .filter_map(|(_, ifd)| ifd.as_ref().map(tiff::Ifd::span))
            .max()
            .unwrap_or(0);
        tiff::pad_to(&mut buf, off as usize + need as usize);
    } else {
        for (tg, off) in &ptrs {
            if let Some(x) = d.ifd0.get(*tg) {
                tiff::put_pointer(&mut buf, e, tiff::field_at(x), *off)?;
            }
        }
    }
    Ok(Some(buf))
}

/// Patches the capture dates of a TIFF block in place, only where the new value has the same
/// size (used inside raw files, which are never rewritten). Returns how many values changed.
pub(crate) fn patch_dirs_dates(b: &mut [u8], d: &tiff::Dirs, t: &TimeChange) -> Result<usize> {
    let mut n = 0;
    let mut one = |b: &mut [u8], ifd: &tiff::Ifd, tg: u16| {
        let Some(old) = ifd
            .get(tg)
            .and_then(|x| x.ascii(b))
            .and_then(|s| parse_exif_date(&s))
        else {
            return;
        };
        let Some(new) = t.local(old) else { return };
        let mut ch = IfdChange::default();
        ch.set(tg, Value::ascii(&fmt_exif_date(new)));
        if tiff::patch_in_place(b, ifd, &ch) {
            n += 1;
        }
    };
    if t.touches_dates() {
        one(b, &d.ifd0, tag::MODIFY_DATE);
        one(b, &d.ifd0, tag::DATE_TIME_ORIGINAL);
        if let Some(x) = &d.exif {
            one(b, x, tag::DATE_TIME_ORIGINAL);
            one(b, x, tag::CREATE_DATE);
        }
    }
    if let (Some(o), Some(x)) = (t.offset, &d.exif) {
        for tg in [
            tag::OFFSET_TIME,
            tag::OFFSET_TIME_ORIGINAL,
            tag::OFFSET_TIME_DIGITIZED,
        ] {
            let mut ch = IfdChange::default();
            ch.set(tg, Value::ascii(&fmt_offset(o)));
            if tiff::patch_in_place(b, x, &ch) {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// An XMP date: local time, fraction digits, zone, and whether it had seconds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct XmpDate {
    pub local: NaiveDateTime,
    pub frac: Option<String>,
    pub zone: Option<FixedOffset>,
    pub seconds: bool,
}

pub(crate) fn parse_xmp_date(s: &str) -> Option<XmpDate> {
    let s = s.trim();
    let date = s.get(..10)?;
    let rest = s.get(10..)?;
    let rest = rest.strip_prefix('T')?;
    let zpos = rest.find(['+', '-', 'Z']).unwrap_or(rest.len());
    let (time, zone) = rest.split_at(zpos);
    let zone = if zone.is_empty() {
        None
    } else {
        Some(parse_offset(zone)?)
    };
    let (hms, frac) = match time.split_once('.') {
        Some((a, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            (a, Some(f.to_string()))
        }
        Some(_) => return None,
        None => (time, None),
    };
    let seconds = hms.len() == 8;
    let full = if seconds {
        format!("{date}T{hms}")
    } else {
        format!("{date}T{hms}:00")
    };
    let local = NaiveDateTime::parse_from_str(&full, "%Y-%m-%dT%H:%M:%S").ok()?;
    Some(XmpDate {
        local,
        frac,
        zone,
        seconds,
    })
}

pub(crate) fn fmt_xmp_date(d: &XmpDate) -> String {
    let mut s = if d.seconds || d.frac.is_some() {
        d.local.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        d.local.format("%Y-%m-%dT%H:%M").to_string()
    };
    if let Some(f) = &d.frac {
        s.push('.');
        s.push_str(f);
    }
    if let Some(z) = d.zone {
        s.push_str(&fmt_offset(z));
    }
    s
}

fn transform_xmp_date(s: &str, t: &TimeChange) -> Option<String> {
    let mut d = parse_xmp_date(s)?;
    if t.touches_dates() {
        d.local = t.local(d.local)?;
        d.seconds = true;
    }
    if t.set.is_some() || t.subsec.is_some() {
        d.frac.clone_from(&t.subsec);
    }
    if t.offset.is_some() {
        d.zone = t.offset;
    }
    Some(fmt_xmp_date(&d))
}

/// XMP coordinate `DDD,MM.mmmK` or `DDD,MM,SSK`.
pub(crate) fn parse_xmp_coord(s: &str) -> Option<f64> {
    let s = s.trim();
    let last = s.chars().last()?;
    let sign = match last.to_ascii_uppercase() {
        'N' | 'E' => 1.0,
        'S' | 'W' => -1.0,
        _ => return s.parse::<f64>().ok(),
    };
    let body = &s[..s.len() - last.len_utf8()];
    let mut parts = body.split(',');
    let d: f64 = parts.next()?.trim().parse().ok()?;
    let m: f64 = parts
        .next()
        .map(|p| p.trim().parse().ok())
        .unwrap_or(Some(0.0))?;
    let sec: f64 = parts
        .next()
        .map(|p| p.trim().parse().ok())
        .unwrap_or(Some(0.0))?;
    Some(sign * (d + m / 60.0 + sec / 3600.0))
}

fn fmt_xmp_coord(x: f64, pos: char, neg: char) -> String {
    let a = x.abs();
    let d = a.trunc();
    let m = (a - d) * 60.0;
    format!("{},{:.8}{}", d as u32, m, if x < 0.0 { neg } else { pos })
}

fn parse_rational(s: &str) -> Option<f64> {
    match s.split_once('/') {
        Some((n, d)) => {
            let n: f64 = n.trim().parse().ok()?;
            let d: f64 = d.trim().parse().ok()?;
            (d != 0.0).then(|| n / d)
        }
        None => s.trim().parse().ok(),
    }
}

/// Where an XMP packet sits: in the file beside EXIF, or a sidecar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Embedded; whether the file's EXIF holds the time / GPS (then XMP copies are only kept in
    /// step where they already exist).
    Embedded { exif_time: bool, exif_gps: bool },
    /// A sidecar: everything edited is written.
    Sidecar,
}

const DATE_PROPS: [(&str, &str, &str); 5] = [
    (NS_EXIF, "exif", "DateTimeOriginal"),
    (NS_EXIF, "exif", "DateTimeDigitized"),
    (NS_XMP, "xmp", "CreateDate"),
    (NS_XMP, "xmp", "ModifyDate"),
    (NS_PHOTOSHOP, "photoshop", "DateCreated"),
];

const GPS_PROPS: [&str; 8] = [
    "GPSLatitude",
    "GPSLongitude",
    "GPSAltitude",
    "GPSAltitudeRef",
    "GPSVersionID",
    "GPSTimeStamp",
    "GPSMapDatum",
    "GPSImgDirection",
];

/// XMP namespaces of serial-number properties.
const NS_AUX: &str = "http://ns.adobe.com/exif/1.0/aux/";
const NS_EXIF_EX: &str = "http://cipa.jp/exif/1.0/";

/// Whether an XMP property holds a location ([`crate::Edit::RemoveLocation`]): GPS values and
/// place names (`exif:GPS*`, `photoshop:City`/`State`/`Country`, `Iptc4xmpCore:Location`/
/// `CountryCode`, `Iptc4xmpExt:LocationCreated`/`LocationShown`), in whatever namespace:
/// vendors such as Photo Mechanic keep their own copies, and erring towards removal is the
/// point of the edit.
fn is_location_prop(_ns: &str, local: &str) -> bool {
    local.starts_with("GPS")
        || matches!(
            local,
            "City"
                | "State"
                | "Country"
                | "CountryCode"
                | "CountryName"
                | "Location"
                | "Sublocation"
                | "ProvinceState"
                | "LocationCreated"
                | "LocationShown"
        )
}

/// Whether an XMP property holds a serial number ([`crate::Edit::RemoveSerials`]).
fn is_serial_prop(ns: &str, local: &str) -> bool {
    (ns == NS_AUX && matches!(local, "SerialNumber" | "LensSerialNumber"))
        || (ns == NS_EXIF_EX && matches!(local, "BodySerialNumber" | "LensSerialNumber"))
}

/// The new packet text, or `None` when XMP needs no change.
pub(crate) fn edit_xmp(
    old: Option<&Packet>,
    ch: &Changes,
    new: &Fields,
    role: Role,
) -> Option<String> {
    let mut add: Vec<NewProp> = Vec::new();
    let mut remove: Vec<(&str, &str)> = Vec::new();
    let has = |ns: &str, l: &str| old.is_some_and(|p| p.has(ns, l));
    let sidecar = role == Role::Sidecar;
    let t = &ch.time;
    if !t.is_empty() {
        let mut any = false;
        for (ns, prefix, local) in DATE_PROPS {
            let Some(p) = old else { break };
            let Some(s) = p.text(ns, local) else { continue };
            if let Some(v) = transform_xmp_date(&s, t) {
                any |= ns == NS_EXIF && local == "DateTimeOriginal";
                if v != s {
                    add.push(NewProp {
                        ns,
                        prefix,
                        local,
                        kind: NewKind::Text(v),
                    });
                }
            }
        }
        let exif_time = matches!(
            role,
            Role::Embedded {
                exif_time: true,
                ..
            }
        );
        if !any && !exif_time {
            if let Some(tv) = &new.time {
                let d = XmpDate {
                    local: tv.local,
                    frac: tv.subsec.clone(),
                    zone: tv.offset,
                    seconds: true,
                };
                add.push(NewProp {
                    ns: NS_EXIF,
                    prefix: "exif",
                    local: "DateTimeOriginal",
                    kind: NewKind::Text(fmt_xmp_date(&d)),
                });
            }
        }
    }
    if let Some(g) = ch.gps {
        let exif_gps = matches!(role, Role::Embedded { exif_gps: true, .. });
        let write = sidecar || !exif_gps || has(NS_EXIF, "GPSLatitude");
        for l in GPS_PROPS {
            if has(NS_EXIF, l) {
                remove.push((NS_EXIF, l));
            }
        }
        if let (Some(p), true) = (g, write) {
            let mut put = |local: &'static str, v: String| {
                add.push(NewProp {
                    ns: NS_EXIF,
                    prefix: "exif",
                    local,
                    kind: NewKind::Text(v),
                })
            };
            put("GPSVersionID", "2.3.0.0".into());
            put("GPSLatitude", fmt_xmp_coord(p.lat, 'N', 'S'));
            put("GPSLongitude", fmt_xmp_coord(p.lon, 'E', 'W'));
            if let Some(a) = p.alt {
                put("GPSAltitudeRef", if a < 0.0 { "1" } else { "0" }.into());
                let (n, d) = rational(a.abs(), 1000);
                put("GPSAltitude", format!("{n}/{d}"));
            }
        }
    }
    if let Some(p) = old {
        for (ns, l) in p.names() {
            let location = ch.strip_location && is_location_prop(ns, l);
            let serial = ch.strip_serials && is_serial_prop(ns, l);
            if (location || serial) && !remove.contains(&(ns, l)) {
                remove.push((ns, l));
            }
        }
    }
    let text = |add: &mut Vec<NewProp>,
                remove: &mut Vec<(&str, &str)>,
                ns,
                prefix,
                local,
                v: &Option<String>,
                alt: bool| {
        match v {
            Some(v) if !v.is_empty() => add.push(NewProp {
                ns,
                prefix,
                local,
                kind: if alt {
                    NewKind::Alt(v.clone())
                } else {
                    NewKind::Text(v.clone())
                },
            }),
            _ => remove.push((ns, local)),
        }
    };
    if let Some(r) = ch.rating {
        text(
            &mut add,
            &mut remove,
            NS_XMP,
            "xmp",
            "Rating",
            &Some(r.get().to_string()),
            false,
        );
    }
    if ch.title.is_some() {
        text(
            &mut add,
            &mut remove,
            NS_DC,
            "dc",
            "title",
            &new.title,
            true,
        );
    }
    if ch.description.is_some() {
        text(
            &mut add,
            &mut remove,
            NS_DC,
            "dc",
            "description",
            &new.description,
            true,
        );
    }
    let bag = |add: &mut Vec<NewProp>,
               remove: &mut Vec<(&str, &str)>,
               ns,
               prefix,
               local,
               v: &Vec<String>| {
        if v.is_empty() {
            remove.push((ns, local));
        } else {
            add.push(NewProp {
                ns,
                prefix,
                local,
                kind: NewKind::Bag(v.clone()),
            });
        }
    };
    if ch.keywords.is_some() {
        bag(&mut add, &mut remove, NS_DC, "dc", "subject", &new.keywords);
    }
    if ch.hierarchical.is_some() {
        bag(
            &mut add,
            &mut remove,
            NS_LR,
            "lr",
            "hierarchicalSubject",
            &new.hierarchical,
        );
    }
    match old {
        Some(p) => {
            remove.retain(|(ns, l)| p.has(ns, l));
            if add.is_empty() && remove.is_empty() {
                return None;
            }
            Some(p.rewrite(&remove, &add))
        }
        None if add.is_empty() => None,
        None => Some(xmp::new_packet(&add)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmp_dates_round_trip() {
        for s in [
            "2020-01-02T03:04:05",
            "2020-01-02T03:04:05.120+02:00",
            "2020-01-02T03:04Z",
            "2020-01-02T03:04:05-07:30",
        ] {
            let d = parse_xmp_date(s).unwrap();
            let out = fmt_xmp_date(&d);
            let s2 = if s.ends_with('Z') {
                s.replace('Z', "+00:00")
            } else {
                s.to_string()
            };
            assert_eq!(out, s2);
        }
        assert!(parse_xmp_date("2020-01-02").is_none());
        assert!(parse_xmp_date("garbage").is_none());
    }

    #[test]
    fn coords() {
        let s = fmt_xmp_coord(48.85837, 'N', 'S');
        assert!((parse_xmp_coord(&s).unwrap() - 48.85837).abs() < 1e-9);
        let s = fmt_xmp_coord(-2.294481, 'E', 'W');
        assert!(s.ends_with('W'));
        assert!((parse_xmp_coord(&s).unwrap() + 2.294481).abs() < 1e-9);
        assert!((parse_xmp_coord("10,30,36N").unwrap() - 10.51).abs() < 1e-9);
    }

    #[test]
    fn dms_is_exact_enough() {
        let v = dms(48.858370);
        let back = v[0].0 as f64 + v[1].0 as f64 / 60.0 + v[2].0 as f64 / v[2].1 as f64 / 3600.0;
        assert!((back - 48.85837).abs() < 1e-8);
    }

    #[test]
    fn appended_gps_avoids_a_dangling_maker_note_pointer() {
        let b = tiff::tests::dangling_nikon();
        let ch = Changes {
            gps: Some(GpsPosition::new(48.85837, 2.294481, None)),
            ..Changes::default()
        };
        let out = edit_exif(&b, &ch, &Fields::default()).unwrap().unwrap();
        // IFD0 gains a GPS pointer, so only the header pointer changes in the old bytes.
        assert_eq!(&out[8..80], &b[8..80]);
        assert!(
            out[80..89].iter().all(|&x| x == 0),
            "the pointed-to bytes read as an empty IFD"
        );
        let d = tiff::dirs(&out).unwrap();
        let g = d.gps.unwrap();
        assert!(g.pos >= 89);
        let lat = g.get(tag::GPS_LATITUDE).unwrap().rationals(&out).unwrap();
        assert_eq!(lat.len(), 3);
    }
}
