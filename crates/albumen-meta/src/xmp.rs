//! XMP: an RDF/XML packet parsed with a namespace-aware XML reader, flattened into properties.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::exif::{make_time, parse_offset};
use crate::{
    CaptureTime, GpsPosition, Metadata, Orientation, Rating, Source, Sourced, TagValue,
    TimeCandidate, TimeKind,
};

const RDF: &[u8] = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const MAX_DEPTH: usize = 64;
const MAX_PROPS: usize = 20_000;

/// The canonical prefix of a namespace URI (as exiftool names the groups), when known.
fn prefix_of(uri: &[u8]) -> Option<&'static str> {
    Some(match uri {
        b"http://ns.adobe.com/exif/1.0/" => "exif",
        b"http://cipa.jp/exif/1.0/" => "exifEX",
        b"http://ns.adobe.com/tiff/1.0/" => "tiff",
        b"http://ns.adobe.com/xap/1.0/" => "xmp",
        b"http://ns.adobe.com/xap/1.0/mm/" => "xmpMM",
        b"http://purl.org/dc/elements/1.1/" => "dc",
        b"http://ns.adobe.com/photoshop/1.0/" => "photoshop",
        b"http://ns.adobe.com/lightroom/1.0/" => "lr",
        b"http://ns.adobe.com/exif/1.0/aux/" => "aux",
        b"http://ns.adobe.com/xmp/1.0/DynamicMedia/" => "xmpDM",
        b"http://ns.adobe.com/hdr-gain-map/1.0/" => "hdrgm",
        b"http://ns.google.com/photos/1.0/camera/" => "GCamera",
        b"http://ns.google.com/photos/1.0/container/" => "Container",
        b"http://ns.google.com/photos/1.0/container/item/" => "Item",
        b"http://ns.google.com/photos/dd/1.0/device/" => "Device",
        b"http://www.metadataworkinggroup.com/schemas/regions/" => "mwg-rs",
        b"http://ns.adobe.com/xmp/sType/Area#" => "stArea",
        b"http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" => "Iptc4xmpCore",
        b"http://iptc.org/std/Iptc4xmpExt/2008-02-29/" => "Iptc4xmpExt",
        b"http://ns.microsoft.com/photo/1.0/" => "MicrosoftPhoto",
        b"http://ns.microsoft.com/photo/1.2/" => "MP",
        b"http://ns.apple.com/faceinfo/1.0/" => "apple-fi",
        b"http://ns.apple.com/HDRGainMap/1.0/" => "HDRGainMap",
        b"http://ns.adobe.com/camera-raw-settings/1.0/" => "crs",
        b"http://www.digikam.org/ns/1.0/" => "digiKam",
        _ => return None,
    })
}

/// A motion-photo hint found in XMP; turned into a byte range once the file length is known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct MotionHint {
    /// The file claims to be a motion photo (`GCamera:MotionPhoto` / `MicroVideo` = 1).
    pub flagged: bool,
    /// Bytes from the end of the file where the video starts (`MicroVideoOffset`, or the
    /// `Container:Directory` item's length plus padding).
    pub from_end: Option<u64>,
    /// Length of the video when the directory gives it.
    pub length: Option<u64>,
}

#[derive(Default)]
struct Flat {
    props: Vec<(String, String)>,
    items: Vec<[Option<String>; 4]>, // semantic, length, padding, mime
}

fn key_of(ns: &ResolveResult<'_>, qname: &[u8], local: &[u8]) -> Option<String> {
    let local = std::str::from_utf8(local).ok()?;
    let prefix = match ns {
        ResolveResult::Bound(n) => match prefix_of(n.as_ref()) {
            Some(p) => p.to_string(),
            None => {
                let q = std::str::from_utf8(qname).ok()?;
                q.split_once(':').map_or("unknown", |(p, _)| p).to_string()
            }
        },
        _ => return None,
    };
    Some(format!("{prefix}:{local}"))
}

fn is_rdf(ns: &ResolveResult<'_>) -> bool {
    matches!(ns, ResolveResult::Bound(n) if n.as_ref() == RDF)
}

/// Flattens a packet; on malformed XML, what was read before the error is kept with the error.
fn flatten(bytes: &[u8]) -> (Flat, Option<quick_xml::Error>) {
    let mut flat = Flat::default();
    let err = flatten_into(bytes, &mut flat).err();
    (flat, err)
}

fn flatten_into(bytes: &[u8], flat: &mut Flat) -> Result<(), quick_xml::Error> {
    let mut r = NsReader::from_reader(bytes);
    r.config_mut().trim_text(true);
    // Real packets have mismatched end tags; keep reading rather than lose the packet.
    r.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    // Stack of property keys (None for rdf:* and container elements).
    let mut stack: Vec<Option<String>> = Vec::new();
    let mut in_rdf = false;
    let mut rdf_level = 0usize;
    // Text, CDATA and entity pieces of one value arrive as several events: join them.
    let mut text: Option<(String, String)> = None;
    // rdf:nodeID: (property key, node id) links, resolved at the end.
    let mut links: Vec<(String, String)> = Vec::new();
    loop {
        let (ns, ev) = r.read_resolved_event_into(&mut buf)?;
        if !matches!(ev, Event::Text(_) | Event::CData(_)) {
            if let Some((k, v)) = text.take() {
                push(flat, k, v);
            }
        }
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let local = e.local_name();
                let rdf = is_rdf(&ns);
                if rdf && local.as_ref() == b"RDF" {
                    in_rdf = true;
                    rdf_level = stack.len();
                }
                let elem_key = if rdf {
                    None
                } else {
                    key_of(&ns, e.name().as_ref(), local.as_ref())
                };
                // One pass over the attributes (quick-xml's duplicate check is quadratic, and
                // rdf:Description elements carry dozens of them).
                let mut node_id = None;
                let mut resource = None;
                let mut attr_props = Vec::new();
                for a in e.attributes().with_checks(false).flatten() {
                    let (ans, alocal) = r.resolve_attribute(a.key);
                    if is_rdf(&ans) {
                        let v = || a.unescape_value().ok().map(|v| v.into_owned());
                        match alocal.as_ref() {
                            b"nodeID" => node_id = v(),
                            b"resource" => resource = v(),
                            _ => {}
                        }
                        continue;
                    }
                    let raw = a.key.as_ref();
                    if !in_rdf
                        || matches!(ans, ResolveResult::Unbound)
                        || raw.starts_with(b"xmlns")
                        || raw.starts_with(b"xml:")
                    {
                        continue;
                    }
                    if let Some(k) = key_of(&ans, raw, alocal.as_ref()) {
                        attr_props.push((
                            k,
                            a.unescape_value()
                                .map(|v| v.into_owned())
                                .unwrap_or_default(),
                        ));
                    }
                }
                let outside_property = in_rdf && stack.len() == rdf_level + 1;
                let key = match (rdf, node_id) {
                    // Outside rdf:RDF nothing is a property.
                    _ if !in_rdf => None,
                    // A top-level node referenced elsewhere: collect its values under its id.
                    (true, Some(id)) if outside_property && local.as_ref() != b"Description" => {
                        Some(format!("#{id}"))
                    }
                    (true, _) => None,
                    (false, id) => {
                        let k = elem_key;
                        if let (Some(k), Some(id)) = (&k, id) {
                            links.push((k.clone(), id));
                        }
                        k
                    }
                };
                if in_rdf {
                    if key.as_deref() == Some("Container:Item") {
                        flat.items.push(Default::default());
                    }
                    for (k, v) in attr_props {
                        push(flat, k, v);
                    }
                    // rdf:resource on a property element is its value.
                    if let (Some(k), Some(v)) = (&key, resource) {
                        push(flat, k.clone(), v);
                    }
                }
                if !empty {
                    if stack.len() >= MAX_DEPTH {
                        return Err(quick_xml::Error::Io(std::sync::Arc::new(
                            std::io::Error::other("XMP nested too deep"),
                        )));
                    }
                    stack.push(key);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(ref t) if in_rdf => {
                if let (Some(Some(k)), Ok(v)) =
                    (stack.iter().rev().find(|k| k.is_some()), t.unescape())
                {
                    text.get_or_insert_with(|| (k.clone(), String::new()))
                        .1
                        .push_str(&v);
                }
            }
            Event::CData(ref t) if in_rdf => {
                if let Some(Some(k)) = stack.iter().rev().find(|k| k.is_some()) {
                    text.get_or_insert_with(|| (k.clone(), String::new()))
                        .1
                        .push_str(&String::from_utf8_lossy(t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if flat.props.len() > MAX_PROPS {
            break;
        }
        buf.clear();
    }
    for (key, id) in links {
        let node = format!("#{id}");
        let values: Vec<String> = flat
            .props
            .iter()
            .filter(|(k, _)| *k == node)
            .map(|(_, v)| v.clone())
            .collect();
        for v in values {
            push(flat, key.clone(), v);
        }
    }
    Ok(())
}

fn push(flat: &mut Flat, key: String, value: String) {
    if let Some(field) = key.strip_prefix("Item:") {
        let slot = match field {
            "Semantic" => 0,
            "Length" => 1,
            "Padding" => 2,
            "Mime" => 3,
            _ => usize::MAX,
        };
        if slot != usize::MAX {
            if flat.items.is_empty() {
                flat.items.push(Default::default());
            }
            if let Some(item) = flat.items.last_mut() {
                item[slot] = Some(value.clone());
            }
        }
    }
    flat.props.push((key, value));
}

/// Whether a packet is UTF-16 (little-endian?, bytes to skip), from a BOM or a "<" byte pair.
fn utf16_order(b: &[u8]) -> Option<(bool, usize)> {
    match b {
        [0xFF, 0xFE, ..] => Some((true, 2)),
        [0xFE, 0xFF, ..] => Some((false, 2)),
        [0, b'<', ..] => Some((false, 0)),
        [b'<', 0, ..] => Some((true, 0)),
        _ => None,
    }
}

/// The text of an XMP packet stored as UTF-8 or UTF-16 (either byte order, with or without a
/// byte-order mark; XMP allows all three). Invalid sequences become U+FFFD.
///
/// ```
/// let utf16: Vec<u8> = "<x/>".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
/// assert_eq!(albumen_meta::decode_xmp_packet(&utf16), "<x/>");
/// assert_eq!(albumen_meta::decode_xmp_packet(b"<x/>"), "<x/>");
/// ```
pub fn decode_packet(bytes: &[u8]) -> String {
    match utf16_order(bytes) {
        Some((le, skip)) => {
            let units = bytes[skip..].chunks_exact(2).map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            });
            char::decode_utf16(units)
                .map(|c| c.unwrap_or('\u{fffd}'))
                .collect()
        }
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Trims XML whitespace (space, tab, CR, LF) only: other Unicode spaces are content.
fn xml_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r'])
}

/// Parses an XMP date: `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]` (also with ':' date separators).
pub(crate) fn parse_xmp_date(s: &str) -> Option<CaptureTime> {
    let s = s.trim();
    if s.len() < 16 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        s.get(0..4)?.parse().ok()?,
        s.get(5..7)?.parse().ok()?,
        s.get(8..10)?.parse().ok()?,
    )?;
    if !matches!(s.as_bytes().get(10), Some(b'T' | b' ')) {
        return None;
    }
    let rest = s.get(11..)?;
    let zpos = rest.find(['Z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zpos);
    let mut parts = clock.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let (sec, nanos) = match parts.next() {
        Some(sf) => {
            let (s, f) = sf.split_once('.').unwrap_or((sf, ""));
            let frac = f.get(..f.len().min(9)).unwrap_or("");
            let n = if frac.is_empty() {
                0
            } else {
                frac.parse::<u32>().ok()? * 10u32.pow(9 - frac.len() as u32)
            };
            (s.parse::<u32>().ok()?, n)
        }
        None => (0, 0),
    };
    let local: NaiveDateTime =
        date.and_time(NaiveTime::from_hms_nano_opt(h, m, sec.min(59), nanos)?);
    let offset: Option<FixedOffset> = if zone.is_empty() {
        None
    } else {
        parse_offset(zone)
    };
    Some(make_time(local, offset))
}

/// Parses an XMP GPS coordinate: "DDD,MM.mmmmR", "DDD,MM,SSR" or a decimal number.
fn parse_xmp_coord(s: &str) -> Option<f64> {
    let s = s.trim();
    let (body, neg) = match s.chars().last()? {
        'N' | 'E' => (&s[..s.len() - 1], false),
        'S' | 'W' => (&s[..s.len() - 1], true),
        _ => (s, false),
    };
    let mut v = 0.0;
    for (i, p) in body.split(',').enumerate() {
        let x: f64 = p.trim().parse().ok()?;
        v += x / [1.0, 60.0, 3600.0].get(i)?;
    }
    Some(if neg { -v } else { v })
}

fn rational(s: &str) -> Option<f64> {
    match s.split_once('/') {
        Some((n, d)) => {
            let (n, d): (f64, f64) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
            (d != 0.0).then(|| n / d)
        }
        None => s.trim().parse().ok(),
    }
}

/// Reads an XMP packet into `md`; returns a motion-photo hint when the packet has one.
pub(crate) fn read_xmp(bytes: &[u8], source: Source, md: &mut Metadata) -> Option<MotionHint> {
    if source == Source::Xmp {
        md.embedded_xmp = true;
    }
    // UTF-16 packets (with or without a byte-order mark) are transcoded first.
    let utf8;
    let bytes = match utf16_order(bytes) {
        Some(_) => {
            utf8 = decode_packet(bytes);
            utf8.as_bytes()
        }
        None => bytes,
    };
    // Packets may carry a BOM, padding, or trailing NULs.
    let start = bytes
        .windows(5)
        .position(|w| w == b"<?xpa" || w == b"<x:xm" || w == b"<rdf:")
        .unwrap_or(0);
    let end = bytes
        .iter()
        .rposition(|&b| b == b'>')
        .map_or(bytes.len(), |p| p + 1);
    let body = bytes.get(start..end.max(start)).unwrap_or(&[]);
    let (flat, err) = flatten(body);
    if let Some(e) = err {
        md.warnings.push(format!("XMP: {e}"));
    }
    let mut index: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    for (k, v) in &flat.props {
        index.entry(k.as_str()).or_default().push(v.as_str());
    }
    let get = |k: &str| index.get(k).and_then(|v| v.first().copied());
    let all = |k: &str| {
        index
            .get(k)
            .map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap_or_default()
    };

    for (k, v) in &flat.props {
        let key = format!("XMP-{k}");
        match md.tags.get_mut(&key) {
            None => {
                md.tags.insert(key, TagValue::Text(v.clone()));
            }
            Some(TagValue::List(l)) => l.push(TagValue::Text(v.clone())),
            Some(old) => {
                let first = std::mem::replace(old, TagValue::List(Vec::new()));
                *old = TagValue::List(vec![first, TagValue::Text(v.clone())]);
            }
        }
    }

    let dates = [
        ("exif:DateTimeOriginal", TimeKind::Original),
        ("photoshop:DateCreated", TimeKind::Original),
        ("xmp:CreateDate", TimeKind::Digitized),
        ("exif:DateTimeDigitized", TimeKind::Digitized),
        ("xmp:ModifyDate", TimeKind::Modified),
    ];
    for (k, kind) in dates {
        if let Some(t) = get(k).and_then(parse_xmp_date) {
            md.times.push(TimeCandidate {
                kind,
                time: t,
                source,
            });
        }
    }
    if let (Some(lat), Some(lon)) = (
        get("exif:GPSLatitude").and_then(parse_xmp_coord),
        get("exif:GPSLongitude").and_then(parse_xmp_coord),
    ) {
        let alt = get("exif:GPSAltitude").and_then(rational).map(|a| {
            if get("exif:GPSAltitudeRef").map(str::trim) == Some("1") {
                -a
            } else {
                a
            }
        });
        // An explicit sidecar position wins over the file's; embedded XMP never beats EXIF.
        if let Some(p) = GpsPosition::new(lat, lon, alt) {
            if md.gps.is_none() || source == Source::XmpSidecar {
                md.gps = Some(Sourced::new(p, source));
            }
        }
    }
    let sidecar = source == Source::XmpSidecar;
    let text = |slot: &mut Option<String>, v: Option<&str>| {
        if let Some(v) = v.map(xml_trim).filter(|v| !v.is_empty()) {
            if slot.is_none() || sidecar {
                *slot = Some(v.to_string());
            }
        }
    };
    // Camera facts only fill gaps, even from a sidecar: a sidecar corrects what the user
    // edits (time, place, rating, text), not which camera took the picture.
    let fill = |slot: &mut Option<String>, v: Option<&str>| {
        if let Some(v) = v.map(xml_trim).filter(|v| !v.is_empty()) {
            slot.get_or_insert_with(|| v.to_string());
        }
    };
    fill(&mut md.make, get("tiff:Make"));
    fill(&mut md.model, get("tiff:Model"));
    fill(&mut md.lens, get("aux:Lens").or(get("exifEX:LensModel")));
    fill(
        &mut md.serial,
        get("aux:SerialNumber").or(get("exifEX:BodySerialNumber")),
    );
    text(&mut md.title, get("dc:title"));
    text(&mut md.creator, get("dc:creator"));
    text(&mut md.description, get("dc:description"));
    if md.orientation.is_none() {
        if let Some(o) = get("tiff:Orientation")
            .and_then(|v| v.trim().parse().ok())
            .and_then(Orientation::new)
        {
            md.orientation = Some(o);
        }
    }
    if let Some(r) = get("xmp:Rating")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|v| Rating::new(v.round() as i64))
    {
        if md.rating.is_none() || sidecar {
            md.rating = Some(r);
        }
    }
    for (slot, k) in [
        (&mut md.keywords, "dc:subject"),
        (&mut md.hierarchical_keywords, "lr:hierarchicalSubject"),
    ] {
        for v in all(k) {
            if !slot.contains(&v) {
                slot.push(v);
            }
        }
    }
    for v in all("mwg-rs:Name")
        .into_iter()
        .chain(all("MP:PersonDisplayName"))
    {
        if !md.people.contains(&v) {
            md.people.push(v);
        }
    }
    if get("hdrgm:Version").is_some() || get("HDRGainMap:HDRGainMapVersion").is_some() {
        md.has_gain_map = true;
    }
    if md.content_id.is_none() {
        // Some exporters copy the Live Photo identifier into XMP.
        if let Some(v) = get("apple-fi:ContentIdentifier") {
            md.content_id = Some(v.to_string());
        }
    }

    let flag = |k: &str| {
        get(k)
            .map(str::trim)
            .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
    };
    let flagged = flag("GCamera:MotionPhoto") || flag("GCamera:MicroVideo");
    let mut hint = MotionHint {
        flagged,
        ..Default::default()
    };
    if let Some(off) = get("GCamera:MicroVideoOffset").and_then(|v| v.trim().parse::<u64>().ok()) {
        hint.from_end = Some(off);
        hint.length = Some(off);
    }
    // Container:Directory: items after the primary are stored back to back at the end.
    let mut tail = 0u64;
    let mut video = None;
    for item in flat.items.iter().rev() {
        let len = item[1]
            .as_deref()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        let pad = item[2]
            .as_deref()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        let semantic = item[0].as_deref().unwrap_or("");
        if semantic == "Primary" {
            break;
        }
        tail = tail.saturating_add(len).saturating_add(pad);
        if semantic == "MotionPhoto" && len > 0 {
            video = Some((tail, len));
        }
    }
    if let Some((from_end, len)) = video {
        hint.from_end = Some(from_end);
        hint.length = Some(len);
        hint.flagged = true;
    }
    (hint.flagged || hint.from_end.is_some()).then_some(hint)
}
