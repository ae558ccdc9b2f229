//! ISO base media files: HEIF/HEIC/AVIF items, QuickTime/MP4 movies, Canon CR3.

use chrono::{DateTime, TimeZone, Utc};

use crate::bmff::{boxes, child, item_infos, BoxHeader, Iloc, ItemLocation};
use crate::exif::{read_tiff, Root};
use crate::io::{be_u16, be_u32, be_u64, Src};
use crate::xmp::{read_xmp, MotionHint};
use crate::{
    CaptureTime, Error, Format, GpsPosition, Metadata, MotionPhoto, MotionPhotoKind, Source,
    Sourced, TagValue, TimeCandidate, TimeKind,
};

const XMP_UUID: [u8; 16] = [
    0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
];
const CANON_UUID: [u8; 16] = [
    0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48,
];
/// Seconds from 1904-01-01 (QuickTime epoch) to 1970-01-01.
/// Canon CR3's top-level preview box (`uuid` holding a `PRVW` box: a 1620x1080 JPEG).
const CANON_PRVW_UUID: [u8; 16] = [
    0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16,
];
const QT_EPOCH: i64 = 2_082_844_800;
/// Top-level boxes of the file, read by header only.
struct Top {
    typ: [u8; 4],
    payload: u64,
    end: u64,
}

fn top_boxes(src: &Src<'_>, md: &mut Metadata) -> Vec<Top> {
    let mut out = Vec::new();
    let mut pos = 0u64;
    while pos + 8 <= src.len() && out.len() < 10_000 {
        let Ok(h) = src.read_at(pos, 16.min(src.len() - pos), "box header") else {
            break;
        };
        let Ok(bx) = BoxHeader::parse(&h, pos, src.len()) else {
            break;
        };
        if bx.end > src.len() {
            md.warnings.push(format!(
                "box {} at {pos} runs past the end of the file",
                String::from_utf8_lossy(&bx.typ)
            ));
            // A truncated last box: keep what fits so a cut-off mdat does not hide the moov.
            if bx.typ != *b"mdat" {
                out.push(Top {
                    typ: bx.typ,
                    payload: bx.payload().start,
                    end: src.len(),
                });
            }
            break;
        }
        out.push(Top {
            typ: bx.typ,
            payload: bx.payload().start,
            end: bx.end,
        });
        pos = bx.end;
    }
    out
}

pub(crate) fn read(
    src: &Src<'_>,
    format: Format,
    md: &mut Metadata,
) -> Result<Option<MotionHint>, Error> {
    let tops = top_boxes(src, md);
    let mut hint = None;
    for t in &tops {
        match &t.typ {
            b"meta" if !format.is_video() => {
                let b = src.read_at(t.payload, t.end - t.payload, "meta box")?;
                hint = read_heif_meta(src, b.get(4..).unwrap_or(&[]), md).or(hint);
            }
            b"moov" => {
                let b = src.read_at(t.payload, t.end - t.payload, "moov box")?;
                read_moov(&b, format, md);
                if format == Format::Cr3 {
                    cr3_thumbnail(&b, t.payload, src.len(), md);
                }
            }
            b"uuid" => {
                let u = src.read_upto(t.payload, 16, "uuid")?;
                if u.as_slice() == XMP_UUID {
                    let b = src.read_at(t.payload + 16, t.end - t.payload - 16, "XMP uuid")?;
                    hint = read_xmp(&b, Source::Xmp, md).or(hint);
                } else if u.as_slice() == CANON_PRVW_UUID && format == Format::Cr3 {
                    // uuid, 8 bytes, then the PRVW box: its small header, then the JPEG
                    if let Ok(head) = src.read_upto(t.payload + 16, 64, "CR3 PRVW") {
                        push_jpeg_at(&head, t.payload + 16, t.end.min(src.len()), md);
                    }
                }
            }
            b"mpvd" => {
                // Samsung/Google HEIC motion photo: the MP4 is the payload of a top-level box.
                md.motion_photo = Some(MotionPhoto {
                    video_offset: t.payload,
                    video_length: t.end - t.payload,
                    kind: MotionPhotoKind::Samsung,
                });
            }
            _ => {}
        }
    }
    Ok(hint)
}

// ---------------------------------------------------------------------------------------------
// HEIF

/// Reads an item's bytes (file offsets, or `idat` for construction method 1).
fn item_bytes(src: &Src<'_>, loc: &ItemLocation, idat: Option<&[u8]>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for (off, len) in loc.spans()? {
        match loc.method {
            0 => {
                let len = if len == 0 {
                    src.len().checked_sub(off)?
                } else {
                    len
                };
                out.extend(src.read_at(off, len, "HEIF item").ok()?);
            }
            1 => {
                let d = idat?;
                out.extend_from_slice(d.get(
                    usize::try_from(off).ok()?..usize::try_from(off.checked_add(len)?).ok()?,
                )?);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn read_heif_meta(src: &Src<'_>, meta: &[u8], md: &mut Metadata) -> Option<MotionHint> {
    let mut primary = None;
    let mut infos: Vec<(u32, [u8; 4], String)> = Vec::new();
    let mut locs = Vec::new();
    let mut idat = None;
    let mut props: Vec<(usize, [u8; 4], usize, usize)> = Vec::new(); // (index, type, start, end)
    let mut ipco: &[u8] = &[];
    let mut assoc: Vec<(u32, Vec<usize>)> = Vec::new();
    let mut described: Vec<(u32, Vec<u32>)> = Vec::new();
    for bx in boxes(meta).map_while(Result::ok) {
        let b = bx.payload_of(meta);
        match &bx.typ {
            b"pitm" => {
                primary = if b.first() == Some(&0) {
                    be_u16(b, 4).map(u32::from)
                } else {
                    be_u32(b, 4)
                };
            }
            b"iinf" => {
                infos = item_infos(b)
                    .into_iter()
                    .map(|i| (i.id, i.typ, i.content_type))
                    .collect();
            }
            b"iloc" => locs = Iloc::parse(b).map(|l| l.items).unwrap_or_default(),
            b"iref" => described = parse_cdsc(b),
            b"idat" => idat = Some(b),
            b"iprp" => {
                for x in boxes(b).map_while(Result::ok) {
                    let c = x.payload_of(b);
                    match &x.typ {
                        b"ipco" => {
                            ipco = c;
                            props = boxes(c)
                                .map_while(Result::ok)
                                .enumerate()
                                .map(|(i, p)| {
                                    let r = p.payload_range();
                                    (i + 1, p.typ, r.start, r.end)
                                })
                                .collect();
                        }
                        b"ipma" => assoc = parse_ipma(c),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    // Primary item size from its ispe property; whether it is rotated or mirrored.
    if let Some(pid) = primary {
        if let Some((_, idx)) = assoc.iter().find(|(id, _)| *id == pid) {
            for &i in idx {
                if let Some((_, typ, s, e)) = props.iter().find(|p| p.0 == i) {
                    let p = &ipco[*s..*e];
                    if typ == b"irot" || typ == b"imir" {
                        md.heif_transformed = true;
                    }
                    if typ == b"ispe" {
                        if let (Some(w), Some(h)) = (be_u32(p, 4), be_u32(p, 8)) {
                            md.width = Some(w);
                            md.height = Some(h);
                        }
                    }
                }
            }
        }
    }
    for (_, typ, s, e) in &props {
        if typ == b"auxC" {
            let urn = String::from_utf8_lossy(ipco.get(*s + 4..*e).unwrap_or(&[])).into_owned();
            if urn.contains("hdrgainmap") || urn.contains("gainmap") {
                md.has_gain_map = true;
            }
        }
    }
    if infos.iter().any(|i| &i.1 == b"tmap") {
        md.has_gain_map = true;
    }
    // Multi-image files (spatial photos, bursts) carry an Exif/XMP item per image, linked by
    // `cdsc` references: the primary item's are read first, so its values win; items that
    // describe another image come last (they only fill gaps).
    let rank = |id: u32| match described.iter().find(|d| d.0 == id) {
        Some((_, to)) if primary.is_some_and(|p| to.contains(&p)) => 0,
        Some(_) => 2,
        None => 1,
    };
    infos.sort_by_key(|i| rank(i.0));
    let mut hint = None;
    for (id, typ, ct) in &infos {
        let Some(loc) = locs.iter().find(|l| l.id == *id) else {
            continue;
        };
        match typ {
            b"Exif" => {
                let Some(data) = item_bytes(src, loc, idat) else {
                    md.warnings.push("unreadable Exif item".into());
                    continue;
                };
                let skip = be_u32(&data, 0).map_or(0, |v| v as usize);
                let tiff = data.get(4usize.saturating_add(skip)..).unwrap_or(&[]);
                let tiff = tiff.strip_prefix(b"Exif\0\0").unwrap_or(tiff);
                if read_tiff(tiff, Root::Ifd0, md).is_none() {
                    md.warnings.push("unreadable EXIF in Exif item".into());
                }
            }
            b"mime" if ct.contains("rdf+xml") || ct.contains("xmp") => {
                if let Some(data) = item_bytes(src, loc, idat) {
                    hint = read_xmp(&data, Source::Xmp, md).or(hint);
                }
            }
            _ => {}
        }
    }
    hint
}

/// `iref` `cdsc` ("content describes") references: (from item, to items).
fn parse_cdsc(b: &[u8]) -> Vec<(u32, Vec<u32>)> {
    let wide = b.first().is_some_and(|&v| v != 0);
    let id = |at: usize| {
        if wide {
            be_u32(b.get(4..).unwrap_or(&[]), at)
        } else {
            be_u16(b.get(4..).unwrap_or(&[]), at).map(u32::from)
        }
    };
    let w = if wide { 4 } else { 2 };
    let mut out = Vec::new();
    for r in boxes(b.get(4..).unwrap_or(&[]))
        .map_while(Result::ok)
        .filter(|r| &r.typ == b"cdsc")
    {
        let at = r.payload_range().start;
        let Some(from) = id(at) else { continue };
        let n = be_u16(b.get(4..).unwrap_or(&[]), at + w).unwrap_or(0);
        let to: Vec<u32> = (0..usize::from(n))
            .map_while(|i| id(at + w + 2 + i * w))
            .collect();
        out.push((from, to));
        if out.len() >= 10_000 {
            break;
        }
    }
    out
}

fn parse_ipma(b: &[u8]) -> Vec<(u32, Vec<usize>)> {
    let mut out = Vec::new();
    let version = b.first().copied().unwrap_or(0);
    let flags = b.get(3).copied().unwrap_or(0);
    let Some(n) = be_u32(b, 4) else { return out };
    let mut p = 8usize;
    for _ in 0..n.min(100_000) {
        let id = if version < 1 {
            let v = be_u16(b, p).map(u32::from);
            p += 2;
            v
        } else {
            let v = be_u32(b, p);
            p += 4;
            v
        };
        let (Some(id), Some(&cnt)) = (id, b.get(p)) else {
            break;
        };
        p += 1;
        let mut v = Vec::new();
        for _ in 0..cnt {
            if flags & 1 == 1 {
                let Some(x) = be_u16(b, p) else { return out };
                v.push(usize::from(x & 0x7fff));
                p += 2;
            } else {
                let Some(&x) = b.get(p) else { return out };
                v.push(usize::from(x & 0x7f));
                p += 1;
            }
        }
        out.push((id, v));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// QuickTime / MP4 / CR3

fn qt_time(secs: u64) -> Option<DateTime<Utc>> {
    if secs == 0 {
        return None;
    }
    let unix = i64::try_from(secs).ok()?.checked_sub(QT_EPOCH)?;
    Utc.timestamp_opt(unix, 0).single()
}

fn read_moov(moov: &[u8], format: Format, md: &mut Metadata) {
    let mut video_dims = None;
    for bx in boxes(moov).map_while(Result::ok) {
        let b = bx.payload_of(moov);
        match &bx.typ {
            b"mvhd" => {
                let v = b.first().copied().unwrap_or(0);
                let (created, scale, dur) = if v == 1 {
                    (be_u64(b, 4), be_u32(b, 20), be_u64(b, 24))
                } else {
                    (
                        be_u32(b, 4).map(u64::from),
                        be_u32(b, 12),
                        be_u32(b, 16).map(u64::from),
                    )
                };
                if let Some(t) = created.and_then(qt_time) {
                    md.times.push(TimeCandidate {
                        kind: TimeKind::MovieHeader,
                        time: CaptureTime::Utc { time: t },
                        source: Source::QuickTimeMvhd,
                    });
                    md.tags.insert(
                        "QuickTime:CreateDate".into(),
                        TagValue::Text(t.format("%Y:%m:%d %H:%M:%S").to_string()),
                    );
                }
                if let (Some(s), Some(d)) = (scale.filter(|s| *s > 0), dur) {
                    if d != u64::MAX && d != u64::from(u32::MAX) {
                        md.duration_s = Some(d as f64 / f64::from(s));
                    }
                }
            }
            b"trak" => {
                if let Some((w, h, codec, fps)) = read_trak(b) {
                    if video_dims.is_none() && w > 0 && h > 0 {
                        video_dims = Some((w, h));
                        md.video_codec = codec;
                        md.frame_rate = fps;
                    }
                }
            }
            b"meta" => read_qt_meta(b, md),
            b"udta" => read_udta(b, md),
            b"uuid" => {
                if b.get(..16) == Some(&CANON_UUID) {
                    read_canon_uuid(b.get(16..).unwrap_or(&[]), md);
                } else if b.get(..16) == Some(&XMP_UUID) {
                    read_xmp(b.get(16..).unwrap_or(&[]), Source::Xmp, md);
                }
            }
            _ => {}
        }
    }
    if format.is_video() || format == Format::Cr3 {
        if let Some((w, h)) = video_dims {
            if md.width.is_none() {
                md.width = Some(w);
                md.height = Some(h);
            }
        }
    }
}

/// (width, height, codec, frame rate) of a video track.
fn read_trak(trak: &[u8]) -> Option<(u32, u32, Option<String>, Option<f64>)> {
    let tkhd = child(trak, b"tkhd")?;
    let v = tkhd.first().copied()?;
    let wh_at = if v == 1 {
        4 + 8 + 8 + 4 + 4 + 8 + 8 + 2 + 2 + 2 + 2 + 36
    } else {
        4 + 4 + 4 + 4 + 4 + 4 + 8 + 2 + 2 + 2 + 2 + 36
    };
    let w = be_u32(tkhd, wh_at)? >> 16;
    let h = be_u32(tkhd, wh_at + 4)? >> 16;
    let mdia = child(trak, b"mdia")?;
    let hdlr = child(mdia, b"hdlr")?;
    if hdlr.get(8..12) != Some(b"vide") {
        return Some((0, 0, None, None));
    }
    let mut codec = None;
    let mut fps = None;
    if let Some(stbl) = child(mdia, b"minf").and_then(|m| child(m, b"stbl")) {
        if let Some(stsd) = child(stbl, b"stsd") {
            codec = stsd
                .get(12..16)
                .map(|c| String::from_utf8_lossy(c).trim().to_string());
        }
        let scale = child(mdia, b"mdhd").and_then(|m| {
            if m.first() == Some(&1) {
                be_u32(m, 20)
            } else {
                be_u32(m, 12)
            }
        });
        if let (Some(stts), Some(scale)) = (child(stbl, b"stts"), scale) {
            // Frame rate from the dominant sample delta.
            let n = be_u32(stts, 4).unwrap_or(0).min(10_000) as usize;
            let best = (0..n)
                .filter_map(|i| Some((be_u32(stts, 8 + i * 8)?, be_u32(stts, 12 + i * 8)?)))
                .max_by_key(|(count, _)| *count);
            if let Some((_, delta)) = best.filter(|(_, d)| *d > 0) {
                fps = Some(f64::from(scale) / f64::from(delta));
            }
        }
    }
    Some((w, h, codec, fps))
}

/// `meta` with `keys` + `ilst` (Apple `mdta` metadata), or `mdir` `ilst` (iTunes style).
fn read_qt_meta(meta: &[u8], md: &mut Metadata) {
    // QuickTime meta is a plain box; ISO meta is a full box (4 bytes of version/flags).
    let inner = if boxes(meta)
        .next()
        .is_some_and(|b| b.is_ok_and(|b| &b.typ == b"hdlr"))
    {
        meta
    } else {
        meta.get(4..).unwrap_or(&[])
    };
    let mut keys: Vec<String> = Vec::new();
    if let Some(k) = child(inner, b"keys") {
        let n = be_u32(k, 4).unwrap_or(0);
        let mut p = 8usize;
        for _ in 0..n.min(10_000) {
            let Some(size) = be_u32(k, p).map(|s| s as usize) else {
                break;
            };
            if size < 8 {
                break;
            }
            let name = k
                .get(p + 8..p + size)
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .unwrap_or_default();
            keys.push(name);
            p += size;
        }
    }
    let Some(ilst) = child(inner, b"ilst") else {
        return;
    };
    for item in boxes(ilst).map_while(Result::ok) {
        let b = item.payload_of(ilst);
        let key = if keys.is_empty() {
            String::from_utf8_lossy(&item.typ).into_owned()
        } else {
            let idx = u32::from_be_bytes(item.typ) as usize;
            match idx.checked_sub(1).and_then(|i| keys.get(i)) {
                Some(k) => k.clone(),
                None => continue,
            }
        };
        let Some(data) = child(b, b"data") else {
            continue;
        };
        let typ = be_u32(data, 0).unwrap_or(0) & 0xffffff;
        let payload = data.get(8..).unwrap_or(&[]);
        let value = match typ {
            1 => TagValue::Text(String::from_utf8_lossy(payload).into_owned()),
            23 if payload.len() == 4 => TagValue::Float(f64::from(f32::from_be_bytes([
                payload[0], payload[1], payload[2], payload[3],
            ]))),
            24 if payload.len() == 8 => {
                TagValue::Float(f64::from_be_bytes(payload.try_into().unwrap_or([0; 8])))
            }
            21 | 22 => {
                let v = payload
                    .iter()
                    .fold(0i64, |a, &c| a.wrapping_shl(8) | i64::from(c));
                TagValue::Int(v)
            }
            _ if payload.len() <= 64 => TagValue::Bytes(payload.to_vec()),
            _ => TagValue::Text(format!("({} bytes)", payload.len())),
        };
        apply_qt_key(&key, &value, md);
        md.tags.insert(format!("Keys:{key}"), value);
    }
}

fn apply_qt_key(key: &str, value: &TagValue, md: &mut Metadata) {
    let TagValue::Text(s) = value else { return };
    let s = s.trim();
    match key {
        "com.apple.quicktime.content.identifier" => md.content_id = Some(s.to_string()),
        "com.apple.quicktime.creationdate" | "\u{a9}day" => {
            if let Some(t) = parse_qt_date(s) {
                md.times.push(TimeCandidate {
                    kind: TimeKind::QuickTimeCreation,
                    time: t,
                    source: Source::QuickTimeKeys,
                });
            }
        }
        "com.apple.quicktime.location.ISO6709" | "\u{a9}xyz" if md.gps.is_none() => {
            if let Some(p) = parse_iso6709(s) {
                md.gps = Some(Sourced::new(p, Source::QuickTimeKeys));
            }
        }
        "com.apple.quicktime.make" | "\u{a9}mak" => {
            md.make.get_or_insert_with(|| s.to_string());
        }
        "com.apple.quicktime.model" | "\u{a9}mod" => {
            md.model.get_or_insert_with(|| s.to_string());
        }
        "com.apple.quicktime.title" | "\u{a9}nam" => {
            md.title.get_or_insert_with(|| s.to_string());
        }
        "com.apple.quicktime.description" | "\u{a9}des" => {
            md.description.get_or_insert_with(|| s.to_string());
        }
        _ => {}
    }
}

/// "2019-04-22T16:12:55+0200", "2019-04-22T16:12:55+02:00", "2019-04-22T14:12:55Z".
fn parse_qt_date(s: &str) -> Option<CaptureTime> {
    crate::xmp::parse_xmp_date(s)
}

/// ISO 6709: "+37.3861-122.0839+003.000/".
pub(crate) fn parse_iso6709(s: &str) -> Option<GpsPosition> {
    let s = s.trim().trim_end_matches('/');
    let idx: Vec<usize> = s
        .char_indices()
        .filter(|(_, c)| *c == '+' || *c == '-')
        .map(|(i, _)| i)
        .collect();
    let part = |k: usize| -> Option<f64> {
        let a = *idx.get(k)?;
        let b = idx.get(k + 1).copied().unwrap_or(s.len());
        s.get(a..b)?.parse().ok()
    };
    GpsPosition::new(part(0)?, part(1)?, part(2))
}

fn read_udta(udta: &[u8], md: &mut Metadata) {
    for bx in boxes(udta).map_while(Result::ok) {
        let b = bx.payload_of(udta);
        match &bx.typ {
            b"meta" => read_qt_meta(b, md),
            b"XMP_" => {
                read_xmp(b, Source::Xmp, md);
            }
            b"loci" if md.gps.is_none() => {
                // 3GPP location: full box, language, name\0, role, lon, lat, alt (16.16 fixed).
                let name_end = b
                    .get(6..)
                    .and_then(|r| r.iter().position(|&c| c == 0))
                    .map(|p| 6 + p + 1);
                if let Some(p) = name_end {
                    let fixed = |at: usize| be_u32(b, at).map(|v| f64::from(v as i32) / 65536.0);
                    if let (Some(lon), Some(lat)) = (fixed(p + 1), fixed(p + 5)) {
                        if let Some(g) = GpsPosition::new(lat, lon, fixed(p + 9)) {
                            md.gps = Some(Sourced::new(g, Source::QuickTimeUdta));
                        }
                    }
                }
            }
            t if t[0] == 0xa9 => {
                // Classic QuickTime text atom: u16 length, u16 language, text.
                let len = be_u16(b, 0).unwrap_or(0) as usize;
                if let Some(text) = b.get(4..4 + len) {
                    let key = format!("\u{a9}{}", String::from_utf8_lossy(&t[1..]));
                    let v = TagValue::Text(String::from_utf8_lossy(text).into_owned());
                    apply_qt_key(&key, &v, md);
                    md.tags.insert(format!("UserData:{key}"), v);
                }
            }
            _ => {}
        }
    }
}

/// Records the JPEG starting within `head` (bytes read at file offset `at`) and running to
/// `end` as an embedded preview.
fn push_jpeg_at(head: &[u8], at: u64, end: u64, md: &mut Metadata) {
    if let Some(i) = head.windows(3).position(|w| w == [0xFF, 0xD8, 0xFF]) {
        let offset = at + i as u64;
        if end > offset {
            md.previews.push(crate::EmbeddedJpeg {
                offset,
                length: end - offset,
            });
        }
    }
}

/// Canon CR3's small preview: the `THMB` box (a 160x120 JPEG after a 16-byte header) in the
/// Canon `uuid` box of `moov` (whose payload starts at file offset `moov_at`).
fn cr3_thumbnail(moov: &[u8], moov_at: u64, file_len: u64, md: &mut Metadata) {
    for bx in boxes(moov).map_while(Result::ok) {
        if &bx.typ != b"uuid"
            || moov
                .get(bx.payload_range().start..)
                .and_then(|p| p.get(..16))
                != Some(&CANON_UUID)
        {
            continue;
        }
        let inner = bx.payload_range().start + 16..bx.payload_range().end;
        for t in crate::bmff::boxes_in(moov, inner).map_while(Result::ok) {
            if &t.typ == b"THMB" {
                let p = t.payload_range();
                let head = moov.get(p.start..p.end.min(p.start + 64)).unwrap_or(&[]);
                push_jpeg_at(
                    head,
                    moov_at + p.start as u64,
                    (moov_at + t.end).min(file_len),
                    md,
                );
            }
        }
    }
}

/// Canon CR3: CMT1 = IFD0, CMT2 = EXIF IFD, CMT4 = GPS IFD, each a TIFF structure.
fn read_canon_uuid(b: &[u8], md: &mut Metadata) {
    for bx in boxes(b).map_while(Result::ok) {
        let d = bx.payload_of(b);
        let root = match &bx.typ {
            b"CMT1" => Root::Ifd0,
            b"CMT2" => Root::Exif,
            b"CMT4" => Root::Gps,
            _ => continue,
        };
        match read_tiff(d, root, md) {
            Some(dims) if root == Root::Ifd0 => {
                if let (None, Some(&(_, w, h))) = (md.width, dims.ifds.first()) {
                    md.width = Some(w);
                    md.height = Some(h);
                }
            }
            Some(_) => {}
            None => md.warnings.push(format!(
                "unreadable CR3 {}",
                String::from_utf8_lossy(&bx.typ)
            )),
        }
    }
}
