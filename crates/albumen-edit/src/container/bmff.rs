//! ISO base media files: HEIF/AVIF images and QuickTime/MP4 movies.
//!
//! HEIF: the `meta` box is rebuilt in place (an `iloc` entry re-pointed for a changed Exif item;
//! an XMP item added to `iinf`/`iloc`/`iref` when there is none); the new item data goes into a
//! new `mdat` box at the end of the file. When `meta` grows, every `iloc` extent that pointed
//! past it is moved by the same amount, so item data (in `mdat`) is byte-identical. (Turning the
//! old `meta` into a `free` box and appending a new one was tried first: it avoids the offset
//! fix-up, but exiftool then reports the `free` box's content as a new `QuickTime:Free` tag.)

use super::Parts;
use crate::error::{malformed, Error, Result};

use albumen_meta::bmff::{item_infos, Extent, Iloc, ItemLocation as Loc};

/// One box as indices into the buffer: type, where it starts, header length, where it ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bx {
    pub typ: [u8; 4],
    pub start: usize,
    pub hdr: usize,
    pub end: usize,
}

/// The meta crate's walker errors are the same "malformed" here.
fn walk_error(e: albumen_meta::Error, at: usize) -> Error {
    match e {
        albumen_meta::Error::Malformed { what, offset } => Error::Malformed { what, offset },
        _ => Error::Malformed {
            what: "box",
            offset: at as u64,
        },
    }
}

/// The boxes in `b[start..end]` (albumen-meta's walker): all of them, or an error for the first
/// malformed one (a size past `end` or under its header, more than 100,000 boxes).
pub(crate) fn boxes(b: &[u8], start: usize, end: usize) -> Result<Vec<Bx>> {
    albumen_meta::bmff::boxes_in(b, start..end)
        .map(|r| {
            r.map(|h| Bx {
                typ: h.typ,
                start: h.start as usize,
                hdr: h.header_len as usize,
                end: h.end as usize,
            })
            .map_err(|e| walk_error(e, start))
        })
        .collect()
}

fn be(b: &[u8], at: usize, n: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(n)?)?;
    let mut v = 0u64;
    for &x in s {
        v = (v << 8) | u64::from(x);
    }
    Some(v)
}

fn put_be(out: &mut Vec<u8>, v: u64, n: usize) {
    for i in (0..n).rev() {
        out.push((v >> (8 * i)) as u8);
    }
}

fn find<'a>(v: &'a [Bx], t: &[u8; 4]) -> Option<&'a Bx> {
    v.iter().find(|x| &x.typ == t)
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

// ---------------------------------------------------------------- HEIF

/// The `iloc` box, all of it (albumen-meta's parser; an item cut short is malformed here).
fn parse_iloc(b: &[u8], bx: &Bx) -> Result<Iloc> {
    let s = bx.start + bx.hdr;
    match b.get(s..bx.end).map(Iloc::parse) {
        Some(Ok(l)) if l.complete => Ok(l),
        _ => malformed("iloc box", s),
    }
}

fn write_iloc(l: &Iloc) -> Result<Vec<u8>> {
    let mut v = vec![l.version, l.flags[0], l.flags[1], l.flags[2]];
    v.push(((l.offset_size as u8) << 4) | l.length_size as u8);
    v.push(((l.base_size as u8) << 4) | l.index_size as u8);
    let idw = if l.version < 2 { 2 } else { 4 };
    if idw == 2 && l.items.len() > 0xFFFF {
        return Err(Error::Unsupported("too many items for iloc v0/1".into()));
    }
    put_be(&mut v, l.items.len() as u64, idw);
    for it in &l.items {
        put_be(&mut v, u64::from(it.id), idw);
        if l.version > 0 {
            put_be(&mut v, u64::from(it.method), 2);
        }
        put_be(&mut v, u64::from(it.dref), 2);
        put_be(&mut v, it.base, l.base_size);
        put_be(&mut v, it.extents.len() as u64, 2);
        for e in &it.extents {
            put_be(&mut v, e.index, l.index_size);
            put_be(&mut v, e.offset, l.offset_size);
            put_be(&mut v, e.length, l.length_size);
        }
    }
    wrap(b"iloc", &v)
}

/// The items of the `iinf` box (albumen-meta's parser), whose children must all be well formed.
fn parse_iinf(b: &[u8], bx: &Bx) -> Result<Vec<albumen_meta::bmff::ItemInfo>> {
    let s = bx.start + bx.hdr;
    let Some(&version) = b.get(s) else {
        return malformed("iinf box", s);
    };
    boxes(b, s + if version == 0 { 6 } else { 8 }, bx.end)?;
    Ok(item_infos(b.get(s..bx.end).unwrap_or(&[])))
}

struct Heif {
    meta: Bx,
    kids: Vec<Bx>,
    iloc: Iloc,
    infos: Vec<albumen_meta::bmff::ItemInfo>,
}

fn heif(b: &[u8]) -> Result<Heif> {
    let top = boxes(b, 0, b.len())?;
    let meta = *find(&top, b"meta").ok_or(Error::Malformed {
        what: "HEIF without meta box",
        offset: 0,
    })?;
    let kids = boxes(b, meta.start + meta.hdr + 4, meta.end)?;
    let iloc_bx = find(&kids, b"iloc").ok_or(Error::Malformed {
        what: "HEIF without iloc box",
        offset: meta.start as u64,
    })?;
    let iloc = parse_iloc(b, iloc_bx)?;
    let iinf_bx = find(&kids, b"iinf").ok_or(Error::Malformed {
        what: "HEIF without iinf box",
        offset: meta.start as u64,
    })?;
    let infos = parse_iinf(b, iinf_bx)?;
    Ok(Heif {
        meta,
        kids,
        iloc,
        infos,
    })
}

fn item_data(b: &[u8], h: &Heif, id: u32) -> Result<Vec<u8>> {
    let loc = h
        .iloc
        .items
        .iter()
        .find(|l| l.id == id)
        .ok_or(Error::Malformed {
            what: "item without location",
            offset: h.meta.start as u64,
        })?;
    let base: usize = match loc.method {
        0 => 0,
        1 => {
            let idat = find(&h.kids, b"idat").ok_or(Error::Malformed {
                what: "idat box",
                offset: h.meta.start as u64,
            })?;
            idat.start + idat.hdr
        }
        _ => return Err(Error::Unsupported("item stored by reference".into())),
    };
    let mut out = Vec::new();
    for e in &loc.extents {
        let start = (base as u64)
            .checked_add(loc.base)
            .and_then(|x| x.checked_add(e.offset))
            .ok_or(Error::Malformed {
                what: "iloc extent",
                offset: h.meta.start as u64,
            })?;
        let len = if e.length == 0 {
            (b.len() as u64).saturating_sub(start)
        } else {
            e.length
        };
        let end = start
            .checked_add(len)
            .filter(|&x| x <= b.len() as u64)
            .ok_or(Error::Malformed {
                what: "iloc extent",
                offset: start,
            })?;
        out.extend_from_slice(&b[start as usize..end as usize]);
        if out.len() > 64 << 20 {
            return Err(Error::Malformed {
                what: "metadata item too large",
                offset: start,
            });
        }
    }
    Ok(out)
}

fn exif_item(h: &Heif) -> Option<u32> {
    h.infos.iter().find(|i| &i.typ == b"Exif").map(|i| i.id)
}

fn xmp_item(h: &Heif) -> Option<u32> {
    h.infos
        .iter()
        .find(|i| &i.typ == b"mime" && i.content_type.contains("rdf+xml"))
        .map(|i| i.id)
}

/// Splits an Exif item into its prefix (the 4-byte header offset and what it skips) and the
/// TIFF block.
fn split_exif(d: &[u8]) -> Result<(usize, &[u8])> {
    let off = be(d, 0, 4).ok_or(Error::Malformed {
        what: "Exif item",
        offset: 0,
    })? as usize;
    let at = off
        .checked_add(4)
        .filter(|&x| x <= d.len())
        .ok_or(Error::Malformed {
            what: "Exif item header offset",
            offset: 0,
        })?;
    // Some writers point at "Exif\0\0" rather than past it.
    let at = if d.get(at..at + 6) == Some(b"Exif\0\0") {
        at + 6
    } else {
        at
    };
    Ok((at, &d[at..]))
}

pub(crate) fn heif_parts(b: &[u8]) -> Result<Parts> {
    let h = heif(b)?;
    let mut p = Parts::default();
    if let Some(id) = exif_item(&h) {
        let d = item_data(b, &h, id)?;
        let (_, t) = split_exif(&d)?;
        p.exif = Some(t.to_vec());
    }
    if let Some(id) = xmp_item(&h) {
        let d = item_data(b, &h, id)?;
        p.xmp = Some(albumen_meta::decode_xmp_packet(&d));
    }
    Ok(p)
}

/// Top-level boxes, with a final size-0 box given its real size.
fn fix_last_box(out: &mut [u8]) -> Result<()> {
    let top = boxes(out, 0, out.len())?;
    if let Some(last) = top.last() {
        if be(out, last.start, 4) == Some(0) {
            let n = u32::try_from(last.end - last.start).map_err(|_| {
                Error::Unsupported("last box extends to end of file and is over 4 GiB".into())
            })?;
            out[last.start..last.start + 4].copy_from_slice(&n.to_be_bytes());
        }
    }
    Ok(())
}

pub(crate) fn heif_rebuild(b: &[u8], exif: Option<&[u8]>, xmp: Option<&str>) -> Result<Vec<u8>> {
    let h = heif(b)?;
    let mut src = b.to_vec();
    fix_last_box(&mut src)?;
    // New item data goes into a new `mdat` at the end: (item id, offset in data, length).
    let mut data = Vec::new();
    let mut new_locs: Vec<(u32, u64, u64)> = Vec::new();
    let exif_id = exif_item(&h);
    if let (Some(t), Some(id)) = (exif, exif_id) {
        let old = item_data(b, &h, id)?;
        let (at, _) = split_exif(&old)?;
        let off = data.len();
        data.extend_from_slice(&old[..at]);
        data.extend_from_slice(t);
        new_locs.push((id, off as u64, (data.len() - off) as u64));
    } else if exif.is_some() {
        return Err(Error::Unsupported(
            "adding an Exif item to a HEIF without one".into(),
        ));
    }
    let mut added: Option<u32> = None;
    if let Some(x) = xmp {
        let off = data.len();
        data.extend_from_slice(x.as_bytes());
        let id = match xmp_item(&h) {
            Some(id) => id,
            None => {
                let max = h
                    .infos
                    .iter()
                    .map(|i| i.id)
                    .chain(h.iloc.items.iter().map(|l| l.id))
                    .max()
                    .unwrap_or(0);
                let id = max
                    .checked_add(1)
                    .ok_or_else(|| Error::Unsupported("item IDs exhausted".into()))?;
                added = Some(id);
                id
            }
        };
        new_locs.push((id, off as u64, x.len() as u64));
    }
    let old_meta_len = (h.meta.end - h.meta.start) as u64;
    let meta_end = h.meta.end as u64;
    let build = |delta: u64| -> Result<Vec<u8>> {
        let data_start = src.len() as u64 + delta + 8;
        let mut iloc = h.iloc.clone();
        let need8 = data_start + data.len() as u64 > u64::from(u32::MAX);
        if iloc.offset_size == 0 || (need8 && iloc.offset_size < 8) {
            iloc.offset_size = if need8 { 8 } else { 4 };
        }
        if iloc.length_size == 0 {
            iloc.length_size = 4;
        }
        // Everything after the old meta box moves by `delta`.
        for l in iloc.items.iter_mut() {
            if l.method != 0 || l.dref != 0 {
                continue;
            }
            let too_far = || Error::Unsupported("iloc offset overflows".into());
            if iloc.base_size > 0 && l.base >= meta_end {
                l.base = l.base.checked_add(delta).ok_or_else(too_far)?;
                continue;
            }
            for e in l.extents.iter_mut() {
                if l.base.saturating_add(e.offset) >= meta_end {
                    e.offset = e.offset.checked_add(delta).ok_or_else(too_far)?;
                }
            }
        }
        for (id, off, len) in &new_locs {
            let loc = Loc {
                id: *id,
                method: 0,
                dref: 0,
                base: 0,
                extents: vec![Extent {
                    index: 0,
                    offset: data_start + off,
                    length: *len,
                }],
            };
            match iloc.items.iter_mut().find(|l| l.id == *id) {
                Some(l) => *l = loc,
                None => iloc.items.push(loc),
            }
        }
        let wide = |v: u64, n: usize| n >= 8 || v <= u64::from(u32::MAX);
        for l in &iloc.items {
            let ok = wide(l.base, iloc.base_size)
                && l.extents
                    .iter()
                    .all(|e| wide(e.offset, iloc.offset_size) && wide(e.length, iloc.length_size));
            if !ok {
                return Err(Error::Unsupported(
                    "iloc offsets do not fit their fields".into(),
                ));
            }
        }
        let ms = h.meta.start + h.meta.hdr;
        let mut body = match b.get(ms..ms + 4).filter(|_| ms + 4 <= h.meta.end) {
            Some(v) => v.to_vec(),
            None => return malformed("meta box", ms),
        };
        let mut have_iref = false;
        for k in &h.kids {
            match &k.typ {
                b"iloc" => body.extend_from_slice(&write_iloc(&iloc)?),
                b"iinf" if added.is_some() => body.extend_from_slice(&grow_iinf(b, k, added)?),
                b"iref" if added.is_some() => {
                    have_iref = true;
                    body.extend_from_slice(&grow_iref(b, Some(k), added, primary(b, &h))?)
                }
                _ => body.extend_from_slice(&b[k.start..k.end]),
            }
        }
        if added.is_some() && !have_iref {
            body.extend_from_slice(&grow_iref(b, None, added, primary(b, &h))?);
        }
        wrap(b"meta", &body)
    };
    let first = build(0)?;
    let delta = (first.len() as u64)
        .checked_sub(old_meta_len)
        .ok_or(Error::Malformed {
            what: "meta box",
            offset: h.meta.start as u64,
        })?;
    let meta = build(delta)?;
    if meta.len() != first.len() {
        return malformed("meta box", h.meta.start);
    }
    let mut out = Vec::with_capacity(src.len() + meta.len() + data.len() + 8);
    out.extend_from_slice(&src[..h.meta.start]);
    out.extend_from_slice(&meta);
    out.extend_from_slice(&src[h.meta.end..]);
    out.extend_from_slice(&wrap(b"mdat", &data)?);
    Ok(out)
}

fn primary(b: &[u8], h: &Heif) -> Option<u32> {
    let p = find(&h.kids, b"pitm")?;
    let s = p.start + p.hdr;
    match b.get(s)? {
        0 => be(b, s + 4, 2).map(|v| v as u32),
        _ => be(b, s + 4, 4).map(|v| v as u32),
    }
}

fn grow_iinf(b: &[u8], k: &Bx, added: Option<u32>) -> Result<Vec<u8>> {
    let s = k.start + k.hdr;
    let Some(&version) = b.get(s) else {
        return malformed("iinf box", s);
    };
    let cw = if version == 0 { 2 } else { 4 };
    if s + 4 + cw > k.end {
        return malformed("iinf box", s);
    }
    let count = be(b, s + 4, cw).ok_or(Error::Malformed {
        what: "iinf box",
        offset: s as u64,
    })?;
    let mut body = b[s..s + 4].to_vec();
    let n = count + 1;
    if cw == 2 && n > 0xFFFF {
        return Err(Error::Unsupported("too many items".into()));
    }
    put_be(&mut body, n, cw);
    body.extend_from_slice(&b[s + 4 + cw..k.end]);
    if let Some(id) = added {
        let mut infe = Vec::new();
        if id <= 0xFFFF {
            infe.extend_from_slice(&[2, 0, 0, 0]);
            put_be(&mut infe, u64::from(id), 2);
        } else {
            infe.extend_from_slice(&[3, 0, 0, 0]);
            put_be(&mut infe, u64::from(id), 4);
        }
        infe.extend_from_slice(&[0, 0]);
        infe.extend_from_slice(b"mime");
        infe.extend_from_slice(b"XMP\0application/rdf+xml\0");
        body.extend_from_slice(&wrap(b"infe", &infe)?);
    }
    wrap(b"iinf", &body)
}

fn grow_iref(b: &[u8], k: Option<&Bx>, added: Option<u32>, to: Option<u32>) -> Result<Vec<u8>> {
    let (Some(id), Some(to)) = (added, to) else {
        return match k {
            Some(k) => Ok(b[k.start..k.end].to_vec()),
            None => Ok(Vec::new()),
        };
    };
    let (mut body, version) = match k {
        Some(k) => {
            let s = k.start + k.hdr;
            (b[s..k.end].to_vec(), b.get(s).copied().unwrap_or(0))
        }
        None => (vec![0, 0, 0, 0], 0),
    };
    let w = if version == 0 { 2 } else { 4 };
    if w == 2 && (id > 0xFFFF || to > 0xFFFF) {
        return Err(Error::Unsupported("item ID too large for iref v0".into()));
    }
    let mut r = Vec::new();
    put_be(&mut r, u64::from(id), w);
    put_be(&mut r, 1, 2);
    put_be(&mut r, u64::from(to), w);
    body.extend_from_slice(&wrap(b"cdsc", &r)?);
    wrap(b"iref", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_box_sizes_are_malformed() {
        // Past the end, under the header, a 64-bit size of 2^64-1.
        assert!(boxes(b"\0\0\x10\0meta", 0, 8).is_err());
        assert!(boxes(b"\0\0\0\x04meta", 0, 8).is_err());
        assert!(boxes(b"\0\0\0\x01mdat\xff\xff\xff\xff\xff\xff\xff\xff", 0, 16).is_err());
        // A HEIF whose meta box claims more than the file holds is refused, not read.
        let mut f = b"\0\0\0\x10ftypheic\0\0\0\0".to_vec();
        f.extend_from_slice(b"\0\0\xff\xffmeta\0\0\0\0");
        assert!(heif_parts(&f).is_err());
        assert!(heif_rebuild(&f, None, Some("<x/>")).is_err());
    }

    #[test]
    fn a_cut_iloc_is_malformed() {
        // iloc v0 declaring 2 items, holding 1.
        let mut body = vec![0, 0, 0, 0, 0x44, 0x00, 0, 2];
        body.extend_from_slice(&[0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4]);
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(b"iloc");
        b.extend_from_slice(&body);
        let bx = boxes(&b, 0, b.len()).unwrap()[0];
        assert!(parse_iloc(&b, &bx).is_err());
    }
}
