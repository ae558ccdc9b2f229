//! QuickTime / MP4 movies.
//!
//! - Dates: `mvhd`/`tkhd`/`mdhd` creation and modification times (UTC seconds since 1904) are
//!   shifted in place; the `keys`/`ilst` `com.apple.quicktime.creationdate` (local time with
//!   offset) and an ffmpeg `creation_time` are rewritten in their own format.
//! - Position: `com.apple.quicktime.location.ISO6709` (added when missing) and `udta/©xyz` when
//!   present.
//! - Rating, title, description, keywords: XMP in `moov/udta/XMP_`.
//!
//! Only `moov` is rebuilt, in place. When it changes size and media data follows it, every
//! `stco`/`co64` chunk offset pointing past it is moved by the same amount; the sample data
//! itself is never touched.

use chrono::{DateTime, NaiveDateTime};

use super::bmff::{boxes, Bx};
use crate::edit::{fmt_offset, parse_offset, Changes, Fields, TimeValue};
use crate::error::{malformed, Error, Result};
use crate::write::Piece;

const CREATIONDATE: &[u8] = b"com.apple.quicktime.creationdate";
const LOCATION: &[u8] = b"com.apple.quicktime.location.ISO6709";
const CREATION_TIME: &[u8] = b"creation_time";
const CONTAINERS: [&[u8; 4]; 5] = [b"moov", b"trak", b"mdia", b"minf", b"stbl"];

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn wrap(typ: &[u8; 4], body: &[u8]) -> Result<Vec<u8>> {
    let n = body.len() + 8;
    let n32 = u32::try_from(n).map_err(|_| Error::DoesNotFit {
        what: "box",
        len: n,
        limit: u32::MAX as usize,
    })?;
    let mut v = Vec::with_capacity(n);
    v.extend_from_slice(&n32.to_be_bytes());
    v.extend_from_slice(typ);
    v.extend_from_slice(body);
    Ok(v)
}

/// What the movie holds now.
#[derive(Debug, Default)]
pub(crate) struct Movie {
    pub fields: Fields,
    pub xmp: Option<String>,
    /// The time is the header's UTC instant (no local creation date in the file).
    pub utc_only: bool,
}

fn moov(b: &[u8]) -> Result<Bx> {
    let top = boxes(b, 0, b.len())?;
    top.iter()
        .find(|x| &x.typ == b"moov")
        .copied()
        .ok_or(Error::Malformed {
            what: "movie without moov box",
            offset: 0,
        })
}

/// The keys/ilst pairs: (key name, value text) from a meta box.
fn meta_items(b: &[u8], meta: &Bx) -> Vec<(Vec<u8>, String)> {
    let mut out = Vec::new();
    let Ok(kids) = meta_kids(b, meta) else {
        return out;
    };
    let Some(keys) = kids.iter().find(|k| &k.typ == b"keys") else {
        return out;
    };
    let names = key_names(b, keys);
    let Some(ilst) = kids.iter().find(|k| &k.typ == b"ilst") else {
        return out;
    };
    for it in boxes(b, ilst.start + ilst.hdr, ilst.end).unwrap_or_default() {
        let idx = u32::from_be_bytes(it.typ) as usize;
        let Some(name) = idx.checked_sub(1).and_then(|i| names.get(i)) else {
            continue;
        };
        if let Some(v) = item_text(b, &it) {
            out.push((name.clone(), v));
        }
    }
    out
}

fn meta_kids(b: &[u8], meta: &Bx) -> Result<Vec<Bx>> {
    let s = meta.start + meta.hdr;
    // QuickTime meta has no version/flags; MP4 (ISO) meta has.
    let first = if b.get(s + 4..s + 8) == Some(b"hdlr") {
        s
    } else {
        s + 4
    };
    boxes(b, first, meta.end)
}

fn key_names(b: &[u8], keys: &Bx) -> Vec<Vec<u8>> {
    let s = keys.start + keys.hdr;
    let n = u32_at(b, s + 4).unwrap_or(0) as usize;
    let mut v = Vec::new();
    let mut p = s + 8;
    for _ in 0..n.min(10_000) {
        let Some(sz) = u32_at(b, p).map(|x| x as usize) else {
            break;
        };
        if sz < 8 || p + sz > keys.end {
            break;
        }
        v.push(b[p + 8..p + sz].to_vec());
        p += sz;
    }
    v
}

fn item_text(b: &[u8], it: &Bx) -> Option<String> {
    let data = boxes(b, it.start + it.hdr, it.end)
        .ok()?
        .into_iter()
        .find(|d| &d.typ == b"data")?;
    let s = data.start + data.hdr;
    let v = b.get(s + 8..data.end)?;
    Some(String::from_utf8_lossy(v).into_owned())
}

/// Every meta box holding keys (moov/meta, moov/udta/meta).
fn metas(b: &[u8], m: &Bx) -> Vec<Bx> {
    let mut v = Vec::new();
    for k in boxes(b, m.start + m.hdr, m.end).unwrap_or_default() {
        if &k.typ == b"meta" {
            v.push(k);
        }
        if &k.typ == b"udta" {
            for u in boxes(b, k.start + k.hdr, k.end).unwrap_or_default() {
                if &u.typ == b"meta" {
                    v.push(u);
                }
            }
        }
    }
    v
}

/// QuickTime creation date `YYYY-MM-DDTHH:MM:SS[+-]HHMM` (also with `:` in the zone or `Z`).
fn parse_qt_date(s: &str) -> Option<(NaiveDateTime, Option<chrono::FixedOffset>)> {
    let s = s.trim_end_matches('\0').trim();
    let main = s.get(..19)?;
    let local = NaiveDateTime::parse_from_str(main, "%Y-%m-%dT%H:%M:%S").ok()?;
    let mut rest = s.get(19..)?;
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        rest = &r[n..];
    }
    let off = if rest.is_empty() {
        None
    } else {
        Some(parse_offset(rest)?)
    };
    Some((local, off))
}

fn parse_iso6709(s: &str) -> Option<(f64, f64, Option<f64>)> {
    let s = s.trim_end_matches('\0').trim().trim_end_matches('/');
    let mut nums = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if (c == '+' || c == '-') && !cur.is_empty() {
            nums.push(cur.clone());
            cur.clear();
        }
        if c.is_ascii_digit() || c == '.' || c == '+' || c == '-' {
            cur.push(c);
        } else {
            break;
        }
    }
    if !cur.is_empty() {
        nums.push(cur);
    }
    let f: Vec<f64> = nums.iter().filter_map(|n| n.parse().ok()).collect();
    match f.as_slice() {
        [lat, lon] => Some((*lat, *lon, None)),
        [lat, lon, alt, ..] => Some((*lat, *lon, Some(*alt))),
        _ => None,
    }
}

fn fmt_iso6709(p: &albumen_meta::GpsPosition) -> String {
    let mut s = format!("{:+010.6}{:+011.6}", p.lat, p.lon);
    if let Some(a) = p.alt {
        s.push_str(&format!("{a:+.3}"));
    }
    s.push('/');
    s
}

const EPOCH_1904: i64 = -2_082_844_800;

pub(crate) fn read(b: &[u8]) -> Result<Movie> {
    let m = moov(b)?;
    let mut mv = Movie::default();
    let mut items = Vec::new();
    for meta in metas(b, &m) {
        items.extend(meta_items(b, &meta));
    }
    for (k, v) in &items {
        if k == CREATIONDATE && mv.fields.time.is_none() {
            if let Some((local, offset)) = parse_qt_date(v) {
                mv.fields.time = Some(TimeValue {
                    local,
                    subsec: None,
                    offset,
                });
            }
        }
        if k == LOCATION && mv.fields.gps.is_none() {
            if let Some((lat, lon, alt)) = parse_iso6709(v) {
                mv.fields.gps = albumen_meta::GpsPosition::new(lat, lon, alt);
            }
        }
    }
    let kids = boxes(b, m.start + m.hdr, m.end)?;
    if mv.fields.time.is_none() {
        if let Some(h) = kids.iter().find(|k| &k.typ == b"mvhd") {
            let s = h.start + h.hdr;
            let secs = match b.get(s) {
                Some(0) => u32_at(b, s + 4).map(i64::from),
                Some(1) => b
                    .get(s + 4..s + 12)
                    .map(|x| i64::from_be_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]])),
                _ => None,
            };
            if let Some(t) = secs
                .filter(|&x| x > 0)
                .and_then(|x| DateTime::from_timestamp(x.checked_add(EPOCH_1904)?, 0))
            {
                mv.utc_only = true;
                mv.fields.time = Some(TimeValue {
                    local: t.naive_utc(),
                    subsec: None,
                    offset: chrono::FixedOffset::east_opt(0),
                });
            }
        }
    }
    if let Some(u) = kids.iter().find(|k| &k.typ == b"udta") {
        for x in boxes(b, u.start + u.hdr, u.end)? {
            if &x.typ == b"XMP_" {
                mv.xmp = Some(albumen_meta::decode_xmp_packet(&b[x.start + x.hdr..x.end]));
            }
            if &x.typ == b"loci" && mv.fields.gps.is_none() {
                if let Some((lat, lon, alt, _)) = loci(b, &x) {
                    mv.fields.gps = albumen_meta::GpsPosition::new(lat, lon, Some(alt));
                }
            }
            if &x.typ == b"\xa9xyz" && mv.fields.gps.is_none() {
                let v = String::from_utf8_lossy(b.get(x.start + x.hdr + 4..x.end).unwrap_or(&[]))
                    .into_owned();
                if let Some((lat, lon, alt)) = parse_iso6709(&v) {
                    mv.fields.gps = albumen_meta::GpsPosition::new(lat, lon, alt);
                }
            }
        }
    }
    if let Some(u) = uuid_xmp(b)? {
        mv.xmp = Some(albumen_meta::decode_xmp_packet(
            b.get(u.start + u.hdr + 16..u.end).unwrap_or(&[]),
        ));
    }
    Ok(mv)
}

/// The UUID of the top-level XMP box of MP4 files.
const XMP_UUID: [u8; 16] = [
    0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
];

fn uuid_xmp(b: &[u8]) -> Result<Option<Bx>> {
    Ok(boxes(b, 0, b.len())?.into_iter().find(|x| {
        &x.typ == b"uuid"
            && x.start + x.hdr + 16 <= x.end
            && b.get(x.start + x.hdr..x.start + x.hdr + 16) == Some(&XMP_UUID)
    }))
}

/// 3GPP `loci`: (lat, lon, alt, offset of the longitude field). Fixed-point 16.16 values follow
/// the name string and the role byte.
fn loci(b: &[u8], x: &Bx) -> Option<(f64, f64, f64, usize)> {
    let s = x.start + x.hdr + 4 + 2;
    let name = b.get(s..x.end)?.iter().position(|&c| c == 0)?;
    let at = s + name + 1 + 1;
    let f = |i: usize| u32_at(b, at + 4 * i).map(|v| f64::from(v as i32) / 65536.0);
    let (lon, lat, alt) = (f(0)?, f(1)?, f(2)?);
    (at + 12 <= x.end).then_some((lat, lon, alt, at))
}

fn fixed(v: f64) -> [u8; 4] {
    ((v * 65536.0).round() as i32).to_be_bytes()
}

/// Shifts the 1904-based times of mvhd/tkhd/mdhd inside `r` by `d` seconds, in place.
fn shift_headers(b: &mut [u8], start: usize, end: usize, d: i64) -> Result<()> {
    for k in boxes(b, start, end)? {
        if CONTAINERS.contains(&&k.typ) {
            shift_headers(b, k.start + k.hdr, k.end, d)?;
            continue;
        }
        if !matches!(&k.typ, b"mvhd" | b"tkhd" | b"mdhd") {
            continue;
        }
        let s = k.start + k.hdr;
        match b.get(s) {
            Some(0) => {
                for at in [s + 4, s + 8] {
                    if let Some(v) = u32_at(b, at) {
                        if v != 0 {
                            let n = i64::from(v)
                                .checked_add(d)
                                .and_then(|x| u32::try_from(x).ok());
                            let Some(n) = n else {
                                return Err(Error::InvalidEdit("movie time out of range".into()));
                            };
                            b[at..at + 4].copy_from_slice(&n.to_be_bytes());
                        }
                    }
                }
            }
            Some(1) => {
                for at in [s + 4, s + 12] {
                    if let Some(x) = b.get(at..at + 8) {
                        let v =
                            u64::from_be_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
                        if v != 0 {
                            let n = (v as i64).checked_add(d).filter(|x| *x > 0);
                            let Some(n) = n else {
                                return Err(Error::InvalidEdit("movie time out of range".into()));
                            };
                            b[at..at + 8].copy_from_slice(&(n as u64).to_be_bytes());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Moves every `stco`/`co64` entry by the growth of the boxes replaced before it:
/// `moves` lists (old end of a replaced box, its size change).
fn shift_chunks(b: &mut [u8], start: usize, end: usize, moves: &[(u64, i64)]) -> Result<()> {
    let map = |v: u64| -> u64 {
        let d: i64 = moves.iter().filter(|(e, _)| v >= *e).map(|(_, d)| d).sum();
        (v as i64).saturating_add(d).max(0) as u64
    };
    for k in boxes(b, start, end)? {
        if CONTAINERS.contains(&&k.typ) {
            shift_chunks(b, k.start + k.hdr, k.end, moves)?;
            continue;
        }
        let w = match &k.typ {
            b"stco" => 4,
            b"co64" => 8,
            _ => continue,
        };
        let s = k.start + k.hdr;
        let n = u32_at(b, s + 4).unwrap_or(0) as usize;
        let Some(table_end) = n.checked_mul(w).and_then(|x| x.checked_add(s + 8)) else {
            return malformed("chunk offset table", s);
        };
        if table_end > k.end {
            return malformed("chunk offset table", s);
        }
        for i in 0..n {
            let at = s + 8 + i * w;
            if w == 4 {
                let v = map(u64::from(u32_at(b, at).unwrap_or(0)));
                let v = u32::try_from(v).map_err(|_| {
                    Error::Unsupported("chunk offsets would exceed 32 bits (stco)".into())
                })?;
                b[at..at + 4].copy_from_slice(&v.to_be_bytes());
            } else if let Some(x) = b.get(at..at + 8) {
                let v = map(u64::from_be_bytes([
                    x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7],
                ]));
                b[at..at + 8].copy_from_slice(&v.to_be_bytes());
            }
        }
    }
    Ok(())
}

fn data_item(value: &str) -> Result<Vec<u8>> {
    let mut d = vec![0, 0, 0, 1, 0, 0, 0, 0];
    d.extend_from_slice(value.as_bytes());
    wrap(b"data", &d)
}

/// Key edits: `Some(text)` sets, `None` removes the item.
type KeyEdits = Vec<(&'static [u8], Option<String>)>;

/// Rebuilds a meta box with keys/ilst edits.
fn rebuild_meta(b: &[u8], meta: &Bx, edits: &KeyEdits) -> Result<Vec<u8>> {
    let s = meta.start + meta.hdr;
    let kids = meta_kids(b, meta)?;
    let head = kids.first().map(|k| k.start).unwrap_or(meta.end);
    let mut names = kids
        .iter()
        .find(|k| &k.typ == b"keys")
        .map(|k| key_names(b, k))
        .unwrap_or_default();
    let old_count = names.len();
    // existing ilst items by index
    let mut items: Vec<(u32, Vec<u8>)> = Vec::new();
    if let Some(il) = kids.iter().find(|k| &k.typ == b"ilst") {
        for it in boxes(b, il.start + il.hdr, il.end)? {
            items.push((u32::from_be_bytes(it.typ), b[it.start..it.end].to_vec()));
        }
    }
    for (key, val) in edits {
        let idx = match names.iter().position(|n| n == key) {
            Some(i) => i + 1,
            None if val.is_none() => continue,
            None => {
                names.push(key.to_vec());
                names.len()
            }
        };
        let idx = u32::try_from(idx).map_err(|_| Error::Unsupported("too many keys".into()))?;
        match val {
            Some(v) => {
                let mut full = wrap(b"....", &data_item(v)?)?;
                full[4..8].copy_from_slice(&idx.to_be_bytes());
                // A changed value keeps its place in the list; a new one goes last.
                match items.iter_mut().find(|(i, _)| *i == idx) {
                    Some(slot) => slot.1 = full,
                    None => items.push((idx, full)),
                }
            }
            None => items.retain(|(i, _)| *i != idx),
        }
    }
    let mut body = b[s..head].to_vec();
    let mut saw_keys = false;
    let mut saw_ilst = false;
    let ilst_body: Vec<u8> = items.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    for k in &kids {
        match &k.typ {
            b"keys" => {
                saw_keys = true;
                body.extend_from_slice(&keys_box(b, k, &names[old_count..])?);
            }
            b"ilst" => {
                saw_ilst = true;
                body.extend_from_slice(&wrap(b"ilst", &ilst_body)?);
            }
            _ => body.extend_from_slice(&b[k.start..k.end]),
        }
    }
    if !saw_keys && !names.is_empty() {
        body.extend_from_slice(&keys_new(&names)?);
    }
    if !saw_ilst && !items.is_empty() {
        body.extend_from_slice(&wrap(b"ilst", &ilst_body)?);
    }
    wrap(b"meta", &body)
}

fn keys_box(b: &[u8], k: &Bx, extra: &[Vec<u8>]) -> Result<Vec<u8>> {
    let s = k.start + k.hdr;
    if s + 8 > k.end {
        return malformed("keys box", s);
    }
    let n = u32_at(b, s + 4).unwrap_or(0);
    let mut body = b[s..s + 4].to_vec();
    let total = n
        .checked_add(extra.len() as u32)
        .ok_or_else(|| Error::Unsupported("too many keys".into()))?;
    body.extend_from_slice(&total.to_be_bytes());
    body.extend_from_slice(&b[s + 8..k.end]);
    for e in extra {
        body.extend_from_slice(&((e.len() + 8) as u32).to_be_bytes());
        body.extend_from_slice(b"mdta");
        body.extend_from_slice(e);
    }
    wrap(b"keys", &body)
}

fn keys_new(names: &[Vec<u8>]) -> Result<Vec<u8>> {
    let mut body = vec![0, 0, 0, 0];
    body.extend_from_slice(&(names.len() as u32).to_be_bytes());
    for e in names {
        body.extend_from_slice(&((e.len() + 8) as u32).to_be_bytes());
        body.extend_from_slice(b"mdta");
        body.extend_from_slice(e);
    }
    wrap(b"keys", &body)
}

fn xyz_box(p: &albumen_meta::GpsPosition) -> Result<Vec<u8>> {
    let s = fmt_iso6709(p);
    let mut body = (s.len() as u16).to_be_bytes().to_vec();
    body.extend_from_slice(&0x15C7u16.to_be_bytes());
    body.extend_from_slice(s.as_bytes());
    wrap(b"\xa9xyz", &body)
}

/// The movie with the changes applied; `xmp` is the new packet for `udta/XMP_` when it changes.
pub(crate) fn rebuild(
    b: &[u8],
    ch: &Changes,
    before: &Fields,
    xmp: Option<&str>,
) -> Result<Option<Vec<Piece>>> {
    let m = moov(b)?;
    let t = &ch.time;
    let mut touched = false;
    // Without a local creation date the movie's time is only the header's UTC instant: a new
    // offset then says where it was local, not that the instant moved.
    let has_local = metas(b, &m)
        .iter()
        .any(|meta| meta_items(b, meta).iter().any(|(k, _)| k == CREATIONDATE));
    let mut tu = t.clone();
    if !has_local {
        tu.offset = None;
    }
    // The header times (mvhd/tkhd/mdhd) are shifted in the new moov once it is built, so the
    // file is never copied whole just to patch them.
    let mut header_shift = None;
    if tu.touches_dates() || tu.offset.is_some() {
        if let Some(d) = tu.utc_delta(before.time.as_ref()) {
            if !d.is_zero() {
                header_shift = Some(d.num_seconds());
                touched = true;
            }
        }
    }
    // keys edits
    let mut edits: KeyEdits = Vec::new();
    let mut items = Vec::new();
    for meta in metas(b, &m) {
        items.extend(meta_items(b, &meta));
    }
    if !t.is_empty() {
        for (k, v) in &items {
            if k == CREATIONDATE {
                if let Some((local, off)) = parse_qt_date(v) {
                    if let Some(n) = t.local(local) {
                        let off = t.offset.or(off);
                        let mut s = n.format("%Y-%m-%dT%H:%M:%S").to_string();
                        if let Some(o) = off {
                            // keep the writer's zone style (+0200 or +02:00)
                            let z = fmt_offset(o);
                            if v.trim_end_matches('\0').len() >= 25 {
                                s.push_str(&z);
                            } else {
                                s.push_str(&z.replace(':', ""));
                            }
                        }
                        edits.push((CREATIONDATE, Some(s)));
                    }
                }
            }
            if k == CREATION_TIME {
                let tv = v.trim_end_matches('\0');
                if let Ok(dt) = DateTime::parse_from_rfc3339(tv) {
                    let n = t
                        .utc_delta(before.time.as_ref())
                        .and_then(|d| dt.checked_add_signed(d))
                        .map(|n| n.with_timezone(&chrono::Utc));
                    if let Some(n) = n {
                        let frac = tv.contains('.');
                        let s = if frac {
                            n.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
                        } else {
                            n.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                        };
                        edits.push((CREATION_TIME, Some(s)));
                    }
                }
            }
        }
        if !items.iter().any(|(k, _)| k == CREATIONDATE) {
            if let Some(n) = t.set.and_then(|s| s.checked_add_signed(t.shift)) {
                let mut s = n.format("%Y-%m-%dT%H:%M:%S").to_string();
                if let Some(o) = t.offset.or(before.time.as_ref().and_then(|x| x.offset)) {
                    s.push_str(&fmt_offset(o).replace(':', ""));
                }
                edits.push((CREATIONDATE, Some(s)));
            }
        }
    }
    if let Some(g) = ch.gps {
        edits.push((LOCATION, g.as_ref().map(fmt_iso6709)));
    }
    if edits.is_empty() && xmp.is_none() && !touched {
        return Ok(None);
    }
    // rebuild moov's children
    let uuid = uuid_xmp(b)?;
    let udta_xmp = if uuid.is_some() { None } else { xmp };
    let kids = boxes(b, m.start + m.hdr, m.end)?;
    let meta_in_moov = kids
        .iter()
        .position(|k| &k.typ == b"meta" && has_keys(b, k));
    let udta = kids.iter().position(|k| &k.typ == b"udta");
    let meta_in_udta = udta.and_then(|u| {
        let ub = kids[u];
        boxes(b, ub.start + ub.hdr, ub.end)
            .ok()?
            .into_iter()
            .position(|k| &k.typ == b"meta" && has_keys(b, &k))
    });
    // Without a keys/ilst list in the file, the position goes to `udta/©xyz` rather than into
    // a new `meta` box: a new `hdlr` would change what readers report as the handler type.
    let has_list = meta_in_moov.is_some() || meta_in_udta.is_some();
    let xyz = if has_list { None } else { ch.gps };
    if !has_list {
        edits.clear();
    }
    let mut body = Vec::new();
    for (i, k) in kids.iter().enumerate() {
        if Some(i) == meta_in_moov && !edits.is_empty() {
            body.extend_from_slice(&rebuild_meta(b, k, &edits)?);
        } else if Some(i) == udta {
            body.extend_from_slice(&rebuild_udta(
                b,
                k,
                if meta_in_moov.is_none() && meta_in_udta.is_some() {
                    Some(&edits)
                } else {
                    None
                },
                ch.gps,
                xyz,
                udta_xmp,
            )?);
        } else {
            body.extend_from_slice(&b[k.start..k.end]);
        }
    }
    if udta.is_none() {
        let mut u = Vec::new();
        if let Some(Some(p)) = xyz {
            u.extend_from_slice(&xyz_box(&p)?);
        }
        if let Some(x) = udta_xmp {
            u.extend_from_slice(&wrap(b"XMP_", x.as_bytes())?);
        }
        if !u.is_empty() {
            body.extend_from_slice(&wrap(b"udta", &u)?);
        }
    }
    let mut new_moov = wrap(b"moov", &body)?;
    if let Some(secs) = header_shift {
        let n = new_moov.len();
        shift_headers(&mut new_moov, 8, n, secs)?;
    }
    // (old start, old end, new bytes) of every replaced top-level box
    let mut reps: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    if let (Some(u), Some(x)) = (uuid, xmp) {
        let mut v = XMP_UUID.to_vec();
        v.extend_from_slice(x.as_bytes());
        reps.push((u.start, u.end, wrap(b"uuid", &v)?));
    }
    let grow = |old: usize, new: usize| new as i64 - old as i64;
    let moves: Vec<(u64, i64)> = std::iter::once((m.end, grow(m.end - m.start, new_moov.len())))
        .chain(reps.iter().map(|r| (r.1, grow(r.1 - r.0, r.2.len()))))
        .map(|(e, d)| (e as u64, d))
        .filter(|(_, d)| *d != 0)
        .collect();
    if !moves.is_empty() {
        let n = new_moov.len();
        shift_chunks(&mut new_moov, 8, n, &moves)?;
    }
    reps.push((m.start, m.end, new_moov));
    reps.sort_by_key(|r| r.0);
    // The new file: the old one's bytes between the replaced boxes (copied from disk when
    // written: `mdat` is never in memory), the new boxes in between.
    let mut out = Vec::with_capacity(2 * reps.len() + 1);
    let mut at = 0;
    for (s, e, v) in reps {
        if s > at {
            out.push(Piece::Src(at as u64..s as u64));
        }
        out.push(Piece::New(v));
        at = e;
    }
    if at < b.len() {
        out.push(Piece::Src(at as u64..b.len() as u64));
    }
    Ok(Some(out))
}

fn has_keys(b: &[u8], meta: &Bx) -> bool {
    meta_kids(b, meta).is_ok_and(|k| k.iter().any(|x| &x.typ == b"keys"))
}

fn rebuild_udta(
    b: &[u8],
    u: &Bx,
    edits: Option<&KeyEdits>,
    gps: Option<Option<albumen_meta::GpsPosition>>,
    add_xyz: Option<Option<albumen_meta::GpsPosition>>,
    xmp: Option<&str>,
) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut xmp_done = false;
    let mut xyz_done = false;
    for k in boxes(b, u.start + u.hdr, u.end)? {
        match &k.typ {
            b"meta" if edits.is_some() && has_keys(b, &k) => {
                if let Some(e) = edits {
                    body.extend_from_slice(&rebuild_meta(b, &k, e)?);
                }
            }
            b"XMP_" if xmp.is_some() => {
                if let Some(x) = xmp {
                    body.extend_from_slice(&wrap(b"XMP_", x.as_bytes())?);
                    xmp_done = true;
                }
            }
            b"loci" if gps.is_some() => {
                if let (Some(Some(p)), Some((_, _, _, at))) = (gps, loci(b, &k)) {
                    let mut v = b[k.start..k.end].to_vec();
                    let o = at - k.start;
                    v[o..o + 4].copy_from_slice(&fixed(p.lon));
                    v[o + 4..o + 8].copy_from_slice(&fixed(p.lat));
                    v[o + 8..o + 12].copy_from_slice(&fixed(p.alt.unwrap_or(0.0)));
                    body.extend_from_slice(&v);
                    xyz_done = true;
                }
            }
            b"\xa9xyz" if gps.is_some() => {
                if let Some(Some(p)) = gps {
                    body.extend_from_slice(&xyz_box(&p)?);
                }
                xyz_done = true;
            }
            _ => body.extend_from_slice(&b[k.start..k.end]),
        }
    }
    if let (Some(Some(p)), false) = (add_xyz, xyz_done) {
        body.extend_from_slice(&xyz_box(&p)?);
    }
    if let (Some(x), false) = (xmp, xmp_done) {
        body.extend_from_slice(&wrap(b"XMP_", x.as_bytes())?);
    }
    wrap(b"udta", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso6709() {
        let (a, b, c) = parse_iso6709("+32.0929+034.8620+028.516/").unwrap();
        assert_eq!((a, b, c), (32.0929, 34.862, Some(28.516)));
        let p = albumen_meta::GpsPosition::new(48.85837, 2.294481, None).unwrap();
        let s = fmt_iso6709(&p);
        assert_eq!(s, "+48.858370+002.294481/");
        assert!(parse_iso6709("garbage").is_none());
    }

    #[test]
    fn qt_dates() {
        let (l, o) = parse_qt_date("2019-07-24T11:25:40+0300").unwrap();
        assert_eq!(l.to_string(), "2019-07-24 11:25:40");
        assert_eq!(o.unwrap().local_minus_utc(), 10800);
        assert!(parse_qt_date("2019").is_none());
    }
}
