//! TIFF/EXIF structures: reading the few tags the editor touches, patching values in place, and
//! rewriting a directory by appending a new copy at the end of the block.
//!
//! Why append instead of re-serialising: maker notes (and some other blobs) contain offsets
//! relative to the TIFF header that no generic writer can know about. Keeping every original
//! byte where it was keeps all of them valid; only the pointer to a rewritten IFD changes.

use std::ops::Range;

pub(crate) use albumen_meta::tiff::types::{ASCII, BYTE, LONG, RATIONAL, SHORT};
use albumen_meta::tiff::{read_ifd, type_size, Walker};
pub(crate) use albumen_meta::tiff::{ByteOrder as Endian, Entry, Header, Ifd};

use crate::error::{malformed, Error, Result};

/// Tags.
pub(crate) mod tag {
    pub const IMAGE_DESCRIPTION: u16 = 0x010E;
    pub const MODIFY_DATE: u16 = 0x0132;
    pub const RATING: u16 = 0x4746;
    pub const RATING_PERCENT: u16 = 0x4749;
    pub const EXIF_IFD: u16 = 0x8769;
    pub const GPS_IFD: u16 = 0x8825;
    pub const BODY_SERIAL_NUMBER: u16 = 0xA431;
    pub const LENS_SERIAL_NUMBER: u16 = 0xA435;
    pub const CAMERA_SERIAL_NUMBER: u16 = 0xC62F;
    pub const DATE_TIME_ORIGINAL: u16 = 0x9003;
    pub const CREATE_DATE: u16 = 0x9004;
    pub const OFFSET_TIME: u16 = 0x9010;
    pub const OFFSET_TIME_ORIGINAL: u16 = 0x9011;
    pub const OFFSET_TIME_DIGITIZED: u16 = 0x9012;
    pub const SUB_SEC_TIME: u16 = 0x9290;
    pub const SUB_SEC_TIME_ORIGINAL: u16 = 0x9291;
    pub const SUB_SEC_TIME_DIGITIZED: u16 = 0x9292;
    pub const GPS_VERSION_ID: u16 = 0x0000;
    pub const GPS_LATITUDE_REF: u16 = 0x0001;
    pub const GPS_LATITUDE: u16 = 0x0002;
    pub const GPS_LONGITUDE_REF: u16 = 0x0003;
    pub const GPS_LONGITUDE: u16 = 0x0004;
    pub const GPS_ALTITUDE_REF: u16 = 0x0005;
    pub const GPS_ALTITUDE: u16 = 0x0006;
}

/// Where an entry's value is, as indices into the block `b`, when all of it is there.
pub(crate) fn range(x: &Entry, b: &[u8]) -> Option<Range<usize>> {
    let r = x.value_range()?;
    let r = usize::try_from(r.start).ok()?..usize::try_from(r.end).ok()?;
    (r.end <= b.len()).then_some(r)
}

/// Offset of an entry's 4-byte value-or-offset field.
pub(crate) fn field_at(x: &Entry) -> usize {
    x.field_pos as usize
}

/// Parses the TIFF header of an EXIF block (albumen-meta's parser); BigTIFF is not written.
pub(crate) fn header(b: &[u8]) -> Result<Header> {
    let h = Header::parse(b).map_err(|_| Error::Malformed {
        what: "TIFF header",
        offset: 0,
    })?;
    if h.big {
        return Err(Error::Unsupported("writing BigTIFF".into()));
    }
    Ok(h)
}

/// The IFD at `pos` (albumen-meta's walker); one whose entry table runs past the end of the
/// block is malformed here, since it cannot be rewritten.
pub(crate) fn parse_ifd(b: &[u8], e: Endian, pos: usize) -> Result<Ifd> {
    match read_ifd(b, &Header::with_order(e), pos as u64) {
        Ok(ifd) if ifd.complete => Ok(ifd),
        _ => malformed("TIFF IFD", pos),
    }
}

/// A plausibility check for IFDs found by scanning: every entry has a known type.
pub(crate) fn plausible(ifd: &Ifd) -> bool {
    ifd.entries.iter().all(|x| type_size(x.typ).is_some())
        && ifd
            .entries
            .windows(2)
            .filter(|w| w[0].tag >= w[1].tag)
            .count()
            <= 2
}

/// The directories of an EXIF block the editor cares about.
#[derive(Debug, Clone)]
pub(crate) struct Dirs {
    pub header: Header,
    pub ifd0: Ifd,
    pub exif: Option<Ifd>,
    pub gps: Option<Ifd>,
}

/// Reads IFD0 and its Exif and GPS sub-directories.
pub(crate) fn dirs(b: &[u8]) -> Result<Dirs> {
    let header = header(b)?;
    let e = header.order;
    let ifd0 = parse_ifd(b, e, header.first_ifd as usize)?;
    let sub = |t: u16| -> Option<Ifd> {
        let off = ifd0.get(t)?.uint(b)? as usize;
        if off == 0 {
            return None;
        }
        parse_ifd(b, e, off).ok()
    };
    let exif = sub(tag::EXIF_IFD);
    let gps = sub(tag::GPS_IFD);
    Ok(Dirs {
        header,
        ifd0,
        exif,
        gps,
    })
}

/// How far past the end of a block a dangling pointer is looked for: appended directories are a
/// few hundred bytes, so only pointers that would land in them matter.
const DANGLING_WINDOW: usize = 4096;

/// The IFDs chained after IFD0 by next-IFD pointers, from `first` (IFD1 is the thumbnail's; a
/// few files have more), at most 8: each position reached and its directory, `None` (and the
/// end of the chain) where none parses there. albumen-meta's walker, so a loop ends.
pub(crate) fn chain(b: &[u8], first: u64) -> Vec<(usize, Option<Ifd>)> {
    let Ok(mut w) = Walker::new(b) else {
        return Vec::new();
    };
    w.chain(first, 8)
        .into_iter()
        .map(|(p, i)| (p as usize, i.filter(|i| i.complete)))
        .collect()
}

/// A place the block's directories point at: `size` bytes at `target`; `guess` when it is a
/// maker note's single LONG that may or may not be a sub-directory pointer.
#[derive(Debug, Clone, Copy)]
struct Pointee {
    target: usize,
    size: usize,
    guess: bool,
}

/// Every place the directories point at: the out-of-line values of IFD0, the Exif, GPS and
/// Interop directories, the chain of next IFDs and their thumbnails, and the entries of a maker
/// note laid out as an IFD (Nikon type 2 with its own header, or TIFF-relative ones such as
/// Canon's and Sanyo's), where a single LONG may be a sub-directory pointer.
fn pointees(b: &[u8], d: &Dirs) -> Vec<Pointee> {
    let mut out = Vec::new();
    let e = d.header.order;
    let scan =
        |blk: &[u8], e: Endian, ifd: &Ifd, base: usize, longs: bool, out: &mut Vec<Pointee>| {
            for x in &ifd.entries {
                let Some(n) = x.byte_len() else { continue };
                if n > 4 {
                    if let Some(off) = e.u32(blk, field_at(x)) {
                        let target = base.saturating_add(off as usize);
                        out.push(Pointee {
                            target,
                            size: n as usize,
                            guess: false,
                        });
                    }
                } else if longs && (x.typ == LONG || x.typ == 13) && x.count == 1 {
                    if let Some(v) = e.u32(blk, field_at(x)) {
                        let target = base.saturating_add(v as usize);
                        out.push(Pointee {
                            target,
                            size: 6,
                            guess: true,
                        });
                    }
                }
            }
        };
    let mut main: Vec<&Ifd> = vec![&d.ifd0];
    main.extend(d.exif.iter());
    main.extend(d.gps.iter());
    let interop = d
        .exif
        .as_ref()
        .and_then(|x| x.get(0xA005))
        .and_then(|x| x.uint(b))
        .and_then(|off| parse_ifd(b, e, off as usize).ok());
    main.extend(interop.iter());
    for ifd in &main {
        scan(b, e, ifd, 0, false, &mut out);
    }
    // The chain of next IFDs (IFD1 is the thumbnail; a few files have more).
    for (pos, ifd) in chain(b, d.ifd0.next) {
        out.push(Pointee {
            target: pos,
            size: 6,
            guess: false,
        });
        let Some(ifd) = ifd else { break };
        scan(b, e, &ifd, 0, false, &mut out);
        for (o, l) in [(0x0111, 0x0117), (0x0201, 0x0202)] {
            let v = |t: u16| ifd.get(t).and_then(|x| x.uint(b));
            if let (Some(o), Some(l)) = (v(o), v(l)) {
                out.push(Pointee {
                    target: o as usize,
                    size: l as usize,
                    guess: false,
                });
            }
        }
    }
    let Some(mn) = d
        .exif
        .as_ref()
        .and_then(|x| x.get(0x927C))
        .and_then(|x| range(x, b))
    else {
        return out;
    };
    let Some(m) = b.get(mn.clone()) else {
        return out;
    };
    if m.starts_with(b"Nikon\0\x02") && m.len() > 18 {
        // Own TIFF header at +10; offsets relative to it.
        let base = mn.start + 10;
        if let Some(sub) = b.get(base..) {
            if let Ok(h) = header(sub) {
                if let Ok(ifd) = parse_ifd(sub, h.order, h.first_ifd as usize) {
                    scan(sub, h.order, &ifd, base, true, &mut out);
                }
            }
        }
    } else {
        // An IFD at the start (Canon) or after a signature (`SANYO\0\x01\0`, `OLYMP\0`,
        // `SONY DSC \0\0\0`, `Panasonic\0\0\0`, `AOC\0II`): offsets relative to the TIFF
        // header, except new Olympus (`OLYMPUS\0II`) and Fujifilm, relative to the note.
        let fuji = m
            .starts_with(b"FUJIFILM")
            .then(|| {
                m.get(8..12)
                    .map(|v| u32::from_le_bytes([v[0], v[1], v[2], v[3]]) as usize)
            })
            .flatten();
        let cands: Vec<(usize, usize, Endian)> = if let Some(at) = fuji {
            vec![(at, mn.start, Endian::Little)]
        } else if m.starts_with(b"OLYMPUS\0") {
            let oe = if m.get(8..10) == Some(b"MM") {
                Endian::Big
            } else {
                Endian::Little
            };
            vec![(12, mn.start, oe)]
        } else {
            [0, 6, 8, 12].iter().map(|&k| (k, 0, e)).collect()
        };
        for (skip, base, ce) in cands {
            let ifd = match b.get(mn.start..) {
                Some(sub) if base == mn.start => parse_ifd(sub, ce, skip),
                _ => parse_ifd(b, ce, mn.start + skip),
            };
            if let Ok(ifd) = ifd {
                if plausible(&ifd) && ifd.entries.len() <= 512 {
                    if base == mn.start {
                        if let Some(sub) = b.get(mn.start..) {
                            scan(sub, ce, &ifd, base, true, &mut out);
                        }
                    } else {
                        scan(b, ce, &ifd, 0, true, &mut out);
                    }
                    break;
                }
            }
        }
    }
    out
}

/// The length the block must be zero-filled to before anything is appended to it.
///
/// Some files carry pointers past the end of their EXIF block (a maker note written for a
/// larger block, then cut when the image was converted). Appending directories would put our
/// bytes where those pointers lead, so readers would decode them as the pointed-to directory
/// or value. Zero-filling the region first keeps them reading as empty. Only pointers landing
/// within [`DANGLING_WINDOW`] bytes past the end are covered.
///
/// The fill is at most [`MAX_DANGLING_RESERVE`] bytes past the end: a value's declared size is
/// the file's word, and a count of a billion once zero-filled 400 MB (a fuzzer's find,
/// tests/fuzz_regressions.rs). Filling the value's start is what matters: a directory there
/// reads as empty.
pub(crate) fn dangling_reserve(b: &[u8], d: &Dirs) -> usize {
    let len = b.len();
    let window = len..len.saturating_add(DANGLING_WINDOW);
    pointees(b, d)
        .iter()
        .filter(|p| window.contains(&p.target))
        .map(|p| p.target.saturating_add(p.size.max(6)))
        .fold(len, usize::max)
        .min(len.saturating_add(MAX_DANGLING_RESERVE))
}

/// Most bytes zero-filled past the end of a block before appending to it (see
/// [`dangling_reserve`]).
pub(crate) const MAX_DANGLING_RESERVE: usize = 64 << 10;

/// Whether a value starts inside the block and runs past its end (a maker-note thumbnail
/// declared longer than what is left). Growing such a block would make the value readable
/// (our bytes in its tail), so it must not grow.
pub(crate) fn overruns_end(b: &[u8], d: &Dirs) -> bool {
    let len = b.len();
    pointees(b, d)
        .iter()
        .any(|p| !p.guess && p.target < len && p.target.saturating_add(p.size) > len)
}

/// Zero-fills `buf` up to `reserve` (see [`dangling_reserve`]); a no-op once it is longer.
pub(crate) fn pad_to(buf: &mut Vec<u8>, reserve: usize) {
    if buf.len() < reserve {
        buf.resize(reserve, 0);
    }
}

/// A new value for an entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Value {
    pub typ: u16,
    pub count: u32,
    pub bytes: Vec<u8>,
}

impl Value {
    pub(crate) fn ascii(s: &str) -> Value {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        Value {
            typ: ASCII,
            count: bytes.len() as u32,
            bytes,
        }
    }
    pub(crate) fn bytes(v: &[u8]) -> Value {
        Value {
            typ: BYTE,
            count: v.len() as u32,
            bytes: v.to_vec(),
        }
    }
    pub(crate) fn short(e: Endian, v: u16) -> Value {
        Value {
            typ: SHORT,
            count: 1,
            bytes: e.put_u16(v).to_vec(),
        }
    }
    pub(crate) fn long(e: Endian, v: u32) -> Value {
        Value {
            typ: LONG,
            count: 1,
            bytes: e.put_u32(v).to_vec(),
        }
    }
    pub(crate) fn rationals(e: Endian, v: &[(u32, u32)]) -> Value {
        let mut bytes = Vec::with_capacity(v.len() * 8);
        for (n, d) in v {
            bytes.extend_from_slice(&e.put_u32(*n));
            bytes.extend_from_slice(&e.put_u32(*d));
        }
        Value {
            typ: RATIONAL,
            count: v.len() as u32,
            bytes,
        }
    }
}

/// Changes to one IFD: entries to set (replace or add) and tags to remove.
#[derive(Debug, Clone, Default)]
pub(crate) struct IfdChange {
    pub set: Vec<(u16, Value)>,
    pub remove: Vec<u16>,
}

impl IfdChange {
    pub(crate) fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }
    pub(crate) fn set(&mut self, t: u16, v: Value) {
        self.set.retain(|(x, _)| *x != t);
        self.set.push((t, v));
    }
}

fn align(buf: &mut Vec<u8>) {
    if buf.len() % 2 == 1 {
        buf.push(0);
    }
}

/// Tries to apply the change in place: possible when only existing entries are set, each with
/// the same type and byte length (a shifted date string, a rating). Returns false (and changes
/// nothing) otherwise.
pub(crate) fn patch_in_place(b: &mut [u8], ifd: &Ifd, ch: &IfdChange) -> bool {
    if !ch.remove.is_empty() {
        return false;
    }
    let mut ranges = Vec::new();
    for (t, v) in &ch.set {
        let Some(entry) = ifd.get(*t) else {
            return false;
        };
        if entry.typ != v.typ || entry.count != u64::from(v.count) {
            return false;
        }
        match range(entry, b) {
            Some(r) if r.len() == v.bytes.len() => ranges.push((r, &v.bytes)),
            _ => return false,
        }
    }
    for (r, v) in ranges {
        if let Some(dst) = b.get_mut(r) {
            dst.copy_from_slice(v);
        }
    }
    true
}

/// Writes a new copy of `ifd` with `ch` applied at the end of `buf` (even offset) and returns its
/// offset. Kept entries are copied verbatim, so their out-of-line values stay where they were.
/// `ifd` may be `None` to create a new directory.
pub(crate) fn append_ifd(
    buf: &mut Vec<u8>,
    e: Endian,
    ifd: Option<&Ifd>,
    ch: &IfdChange,
) -> Result<u32> {
    // (tag, 12 raw bytes, out-of-line data)
    let mut rows: Vec<(u16, [u8; 12], Option<Vec<u8>>)> = Vec::new();
    if let Some(ifd) = ifd {
        for x in &ifd.entries {
            if ch.remove.contains(&x.tag) || ch.set.iter().any(|(t, _)| *t == x.tag) {
                continue;
            }
            let mut raw = [0u8; 12];
            let at = x.pos as usize;
            match buf.get(at..at + 12) {
                Some(s) => raw.copy_from_slice(s),
                None => return malformed("TIFF IFD entry", at),
            }
            if raw == [0u8; 12] {
                // An all-zero entry (tag 0, no type, no count) is filler some writers leave;
                // it holds nothing and readers report it as a bad entry.
                continue;
            }
            rows.push((x.tag, raw, None));
        }
    }
    for (t, v) in &ch.set {
        let mut raw = [0u8; 12];
        raw[0..2].copy_from_slice(&e.put_u16(*t));
        raw[2..4].copy_from_slice(&e.put_u16(v.typ));
        raw[4..8].copy_from_slice(&e.put_u32(v.count));
        if v.bytes.len() <= 4 {
            raw[8..8 + v.bytes.len()].copy_from_slice(&v.bytes);
            rows.push((*t, raw, None));
        } else {
            rows.push((*t, raw, Some(v.bytes.clone())));
        }
    }
    rows.sort_by_key(|r| r.0);
    // The next pointer of a 32-bit TIFF fits 32 bits.
    let next = ifd.map_or(0, |i| i.next as u32);
    align(buf);
    let start = buf.len();
    let too_big = |n: usize| -> Result<u32> {
        u32::try_from(n).map_err(|_| crate::Error::DoesNotFit {
            what: "TIFF block",
            len: n,
            limit: u32::MAX as usize,
        })
    };
    let start32 = too_big(start)?;
    buf.extend_from_slice(&e.put_u16(rows.len() as u16));
    let table = buf.len();
    buf.resize(table + 12 * rows.len(), 0);
    buf.extend_from_slice(&e.put_u32(next));
    for (i, (_, raw, data)) in rows.iter().enumerate() {
        let mut raw = *raw;
        if let Some(d) = data {
            align(buf);
            let off = too_big(buf.len())?;
            buf.extend_from_slice(d);
            raw[8..12].copy_from_slice(&e.put_u32(off));
        }
        buf[table + 12 * i..table + 12 * i + 12].copy_from_slice(&raw);
    }
    align(buf);
    Ok(start32)
}

/// Overwrites a 4-byte pointer (an entry's value field or the header's IFD0 offset).
pub(crate) fn put_pointer(buf: &mut [u8], e: Endian, at: usize, v: u32) -> Result<()> {
    match buf.get_mut(at..at + 4) {
        Some(s) => {
            s.copy_from_slice(&e.put_u32(v));
            Ok(())
        }
        None => malformed("TIFF pointer", at),
    }
}

/// Zeroes an IFD and the out-of-line values of its entries (used when removing location data,
/// so that the orphaned bytes do not still carry it).
pub(crate) fn wipe_ifd(buf: &mut [u8], ifd: &Ifd) {
    let (at, span) = (ifd.pos as usize, ifd.span() as usize);
    for x in &ifd.entries {
        if let Some(r) = range(x, buf) {
            if r.start >= at + span || r.end <= at {
                if let Some(s) = buf.get_mut(r) {
                    s.fill(0);
                }
            }
        }
    }
    let end = (at + span).min(buf.len());
    if let Some(s) = buf.get_mut(at..end) {
        s.fill(0);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn tiny(e: Endian) -> Vec<u8> {
        // header + IFD0 with one ASCII entry pointing out of line
        let mut b = Vec::new();
        b.extend_from_slice(if e == Endian::Little { b"II" } else { b"MM" });
        b.extend_from_slice(&e.put_u16(42));
        b.extend_from_slice(&e.put_u32(8));
        b.extend_from_slice(&e.put_u16(1));
        b.extend_from_slice(&e.put_u16(tag::MODIFY_DATE));
        b.extend_from_slice(&e.put_u16(ASCII));
        b.extend_from_slice(&e.put_u32(20));
        b.extend_from_slice(&e.put_u32(26));
        b.extend_from_slice(&e.put_u32(0));
        b.extend_from_slice(b"2020:01:02 03:04:05\0");
        b
    }

    #[test]
    fn append_keeps_old_values_and_adds_new() {
        for e in [Endian::Little, Endian::Big] {
            let mut b = tiny(e);
            let d = dirs(&b).unwrap();
            let mut ch = IfdChange::default();
            ch.set(tag::RATING, Value::short(e, 4));
            let off = append_ifd(&mut b, e, Some(&d.ifd0), &ch).unwrap();
            put_pointer(&mut b, e, 4, off).unwrap();
            let d2 = dirs(&b).unwrap();
            assert_eq!(d2.ifd0.entries.len(), 2);
            assert_eq!(
                d2.ifd0.get(tag::MODIFY_DATE).unwrap().ascii(&b).unwrap(),
                "2020:01:02 03:04:05"
            );
            assert_eq!(d2.ifd0.get(tag::RATING).unwrap().uint(&b), Some(4));
        }
    }

    #[test]
    fn in_place_only_when_same_size() {
        let e = Endian::Little;
        let mut b = tiny(e);
        let d = dirs(&b).unwrap();
        let mut ch = IfdChange::default();
        ch.set(tag::MODIFY_DATE, Value::ascii("2021:01:02 03:04:05"));
        assert!(patch_in_place(&mut b, &d.ifd0, &ch));
        ch.set(tag::MODIFY_DATE, Value::ascii("2021"));
        assert!(!patch_in_place(&mut b, &d.ifd0, &ch));
        let d = dirs(&b).unwrap();
        assert_eq!(
            d.ifd0.get(tag::MODIFY_DATE).unwrap().ascii(&b).unwrap(),
            "2021:01:02 03:04:05"
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut b = tiny(Endian::Big);
        for i in 0..b.len() {
            for v in [0u8, 0xFF, 0x7F] {
                let old = b[i];
                b[i] = v;
                if let Ok(d) = dirs(&b) {
                    for x in &d.ifd0.entries {
                        let _ = x.ascii(&b);
                        let _ = x.rationals(&b);
                    }
                }
                b[i] = old;
            }
        }
        for n in 0..b.len() {
            let _ = dirs(&b[..n]);
        }
    }

    /// IFD0 -> Exif IFD -> a Nikon type-2 maker note whose one entry (a LONG, like
    /// NikonScanIFD) points 3 bytes past the end of the 80-byte block.
    pub(crate) fn dangling_nikon() -> Vec<u8> {
        let e = Endian::Little;
        let mut b = b"II*\0\x08\0\0\0".to_vec();
        let entry = |b: &mut Vec<u8>, t: u16, typ: u16, n: u32, v: u32| {
            b.extend_from_slice(&e.put_u16(t));
            b.extend_from_slice(&e.put_u16(typ));
            b.extend_from_slice(&e.put_u32(n));
            b.extend_from_slice(&e.put_u32(v));
        };
        b.extend_from_slice(&e.put_u16(1));
        entry(&mut b, tag::EXIF_IFD, LONG, 1, 26);
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&e.put_u16(1));
        entry(&mut b, 0x927C, 7, 36, 44);
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(b"Nikon\0\x02\x10\0\0II*\0\x08\0\0\0");
        b.extend_from_slice(&e.put_u16(1));
        entry(&mut b, 0x0E10, LONG, 1, 80 + 3 - 54);
        b.extend_from_slice(&[0; 4]);
        assert_eq!(b.len(), 80);
        b
    }

    #[test]
    fn dangling_maker_note_pointer_is_reserved() {
        let b = dangling_nikon();
        let d = dirs(&b).unwrap();
        assert_eq!(dangling_reserve(&b, &d), 80 + 3 + 6);
        // Nothing dangling: no reserve.
        let t = tiny(Endian::Big);
        assert_eq!(dangling_reserve(&t, &dirs(&t).unwrap()), t.len());
        // Pointers far past the end are not ours to protect (and not padded for).
        let mut far = dangling_nikon();
        far[72..76].copy_from_slice(&Endian::Little.put_u32(1 << 20));
        assert_eq!(dangling_reserve(&far, &dirs(&far).unwrap()), 80);
    }

    #[test]
    fn hostile_directories_are_refused() {
        let e = Endian::Little;
        // An entry count of 65535 with a few bytes behind it.
        let mut b = b"II*\0\x08\0\0\0\xff\xff".to_vec();
        b.extend_from_slice(&[0; 30]);
        assert!(dirs(&b).is_err());
        // An IFD1 chain that loops back on itself ends after one visit.
        let mut t = tiny(e);
        let next = 8 + 2 + 12;
        t[next..next + 4].copy_from_slice(&e.put_u32(8));
        let d = dirs(&t).unwrap();
        let c = chain(&t, d.ifd0.next);
        assert_eq!(c.len(), 2);
        assert!(c[0].1.is_some() && c[1].1.is_none());
    }

    #[test]
    fn all_zero_entries_are_dropped_on_rewrite() {
        let e = Endian::Little;
        let mut b = tiny(e);
        // Turn IFD0 into two entries, the second all zero.
        b[8] = 2;
        b.truncate(22);
        b.extend_from_slice(&[0; 12]);
        b.extend_from_slice(&[0; 4]);
        let date = b.len() as u32;
        b[18..22].copy_from_slice(&e.put_u32(date));
        b.extend_from_slice(b"2020:01:02 03:04:05\0");
        let d = dirs(&b).unwrap();
        assert_eq!(d.ifd0.entries.len(), 2);
        let mut ch = IfdChange::default();
        ch.set(tag::RATING, Value::short(e, 4));
        let off = append_ifd(&mut b, e, Some(&d.ifd0), &ch).unwrap();
        put_pointer(&mut b, e, 4, off).unwrap();
        let d2 = dirs(&b).unwrap();
        let tags: Vec<u16> = d2.ifd0.entries.iter().map(|x| x.tag).collect();
        assert_eq!(tags, vec![tag::MODIFY_DATE, tag::RATING]);
    }
}
