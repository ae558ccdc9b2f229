//! The one bounded JPEG marker-segment walker of the workspace, and the reader's use of it.
//!
//! The reader, albumen-edit's JPEG writer (which copies every segment it does not replace byte
//! for byte, junk and fill bytes included) and its IPTC place check, and albumen-live's
//! motion-photo finder all walk JPEG segments through [`Segments`].
//!
//! - [`segments`] walks a JPEG in memory from its SOI; [`Segments::new`] walks any [`ReadAt`]
//!   source (a file read in small pieces) from a given offset, reading only the segment headers
//!   (payloads are read by the caller, from [`Segment::payload`]).
//! - Each [`Segment`] gives its marker, where its bytes start (`start`: junk and `0xFF` fill
//!   bytes before the marker belong to the segment that follows them), the offset of its marker
//!   (`offset`) and its payload range (after the 2-byte length; empty for the standalone
//!   markers SOI, TEM and RST0–7).
//! - The walk ends after yielding SOS (the scan data starts at its `payload.end`) or EOI; it
//!   never reads entropy-coded data.
//! - Bounds: a length under 2, a segment past the end of the data, more than [`MAX_JUNK`] junk
//!   bytes, data that ends before SOS or EOI, and more than [`MAX_SEGMENTS`] segments each
//!   yield one [`Error::Malformed`] and end the walk. Fill bytes are skipped in bulk (any
//!   number), and every step moves forward, so the walk ends.
//!
//! ```
//! use albumen_meta::jpeg::{segments, APP1, SOI, SOS};
//! // SOI, one APP1 with a 3-byte payload, fill bytes, SOS and two bytes of scan data.
//! let b = [0xFF, 0xD8, 0xFF, 0xE1, 0, 5, 1, 2, 3, 0xFF, 0xFF, 0xFF, 0xDA, 0, 2, 0x11, 0x22];
//! let segs: Vec<_> = segments(&b).collect::<Result<_, _>>()?;
//! assert_eq!(segs.iter().map(|s| s.marker).collect::<Vec<_>>(), [SOI, APP1, SOS]);
//! assert_eq!(segs[1].payload, 6..9);
//! assert_eq!(segs[1].payload_of(&b), [1, 2, 3]);
//! // The SOS segment starts at the first fill byte; its scan data starts at payload.end.
//! assert_eq!((segs[2].start, segs[2].offset, segs[2].payload.end), (9, 11, 15));
//! // A length past the end is an error, never a panic.
//! assert!(segments(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0]).any(|s| s.is_err()));
//! # Ok::<(), albumen_meta::Error>(())
//! ```

use std::ops::Range;

use crate::exif::{read_tiff, Root};
use crate::io::{be_u16, be_u32, Src};
use crate::xmp::{read_xmp, MotionHint};
use crate::{Error, Metadata, Source};

const XMP_SIG: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXT_SIG: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
/// Cap on the assembled extended XMP.
const MAX_EXT_XMP: u64 = 16 << 20;
/// Cap on the Photoshop resource block assembled from APP13 segments.
const MAX_IRB: usize = 16 << 20;

/// Start of image.
pub const SOI: u8 = 0xD8;
/// End of image.
pub const EOI: u8 = 0xD9;
/// Start of scan: the last segment before the entropy-coded data.
pub const SOS: u8 = 0xDA;
/// Temporary private use (standalone).
pub const TEM: u8 = 0x01;
/// APP0 (JFIF).
pub const APP0: u8 = 0xE0;
/// APP1 (Exif, XMP).
pub const APP1: u8 = 0xE1;
/// APP2 (ICC profile, MPF).
pub const APP2: u8 = 0xE2;
/// APP13 (Photoshop image resources: IPTC).
pub const APP13: u8 = 0xED;

/// Most segments one walk yields (standalone markers count; fill bytes do not).
pub const MAX_SEGMENTS: usize = 65_536;
/// Most junk bytes (not `0xFF`) skipped between two segments; some writers leave a few.
pub const MAX_JUNK: u64 = 4096;

/// Random access to the bytes walked: implemented for byte slices; implement it for a file or
/// stream read in pieces.
pub trait ReadAt {
    /// The length of the data.
    fn size(&self) -> u64;
    /// Reads up to `buf.len()` bytes at `offset` into `buf` and returns how many were read;
    /// 0 means the end of the data (a short read is allowed: the walker reads again).
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, Error>;
}

impl ReadAt for &[u8] {
    fn size(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, Error> {
        let from = usize::try_from(offset).map_or(&[][..], |o| self.get(o..).unwrap_or(&[]));
        let n = from.len().min(buf.len());
        buf[..n].copy_from_slice(&from[..n]);
        Ok(n)
    }
}

impl<S: ReadAt + ?Sized> ReadAt for &mut S {
    fn size(&self) -> u64 {
        (**self).size()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, Error> {
        (**self).read_at(offset, buf)
    }
}

/// One marker segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The marker code (the byte after `0xFF`): [`APP1`], [`SOS`], ...
    pub marker: u8,
    /// Where the segment's bytes start: the junk and fill bytes before its marker, if any.
    pub start: u64,
    /// Offset of the marker (its `0xFF`, the last one when fill bytes precede it).
    pub offset: u64,
    /// The payload, after the 2-byte length; empty (at `offset + 2`) for a standalone marker.
    /// For [`SOS`], the scan header: the entropy-coded data starts at `payload.end` (clipped to
    /// the end of the data when the header is cut).
    pub payload: Range<u64>,
    /// Junk bytes (not `0xFF`) skipped before the marker: `start..start + junk`.
    pub junk: u64,
}

impl Segment {
    /// Whether the marker has no length and payload (SOI, EOI, TEM, RST0–7).
    pub fn is_standalone(&self) -> bool {
        standalone(self.marker) || self.marker == EOI
    }
    /// Offset just past the segment.
    pub fn end(&self) -> u64 {
        self.payload.end
    }
    /// The whole segment (from `start`) as slice indices, for a walk over a slice.
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.payload.end as usize
    }
    /// The payload as slice indices, for a walk over a slice.
    pub fn payload_range(&self) -> Range<usize> {
        self.payload.start as usize..self.payload.end as usize
    }
    /// The payload within `b`, the slice walked.
    pub fn payload_of<'a>(&self, b: &'a [u8]) -> &'a [u8] {
        b.get(self.payload_range()).unwrap_or(&[])
    }
}

fn standalone(m: u8) -> bool {
    matches!(m, SOI | TEM | 0xD0..=0xD7)
}

/// Iterator over the segments of a JPEG; see [`segments`] and the [module docs](self).
#[derive(Debug, Clone)]
pub struct Segments<S> {
    src: S,
    size: u64,
    pos: u64,
    n: usize,
    done: bool,
}

/// The segments of the JPEG `b`, from its SOI (offsets relative to `b`).
pub fn segments(b: &[u8]) -> Segments<&[u8]> {
    Segments::new(b, 0)
}

impl<S: ReadAt> Segments<S> {
    /// Walks `src` from `offset` (an SOI there is yielded like any standalone marker).
    pub fn new(src: S, offset: u64) -> Self {
        let size = src.size();
        Segments {
            src,
            size,
            pos: offset,
            n: 0,
            done: false,
        }
    }
    /// The source, to read a payload between two steps of the walk.
    pub fn source(&mut self) -> &mut S {
        &mut self.src
    }

    /// The first offset at or after `from` whose byte is (`want_ff`) or is not `0xFF`, looking
    /// at most `limit` bytes ahead; `None` when not found.
    fn find(&mut self, from: u64, want_ff: bool, limit: u64) -> Result<Option<u64>, Error> {
        let mut buf = [0u8; 256];
        let mut at = from;
        while at < self.size && at - from <= limit {
            let n = self.src.read_at(at, &mut buf)?;
            if n == 0 {
                break;
            }
            if let Some(i) = buf[..n].iter().position(|&c| (c == 0xFF) == want_ff) {
                let hit = at + i as u64;
                return Ok((hit - from <= limit).then_some(hit));
            }
            at += n as u64;
        }
        Ok(None)
    }

    /// Reads up to `buf.len()` bytes at `at`, however the source splits its reads.
    fn fill(&mut self, at: u64, buf: &mut [u8]) -> Result<usize, Error> {
        let mut k = 0;
        while k < buf.len() {
            match self.src.read_at(at + k as u64, &mut buf[k..])? {
                0 => break,
                n => k += n.min(buf.len() - k),
            }
        }
        Ok(k)
    }

    fn step(&mut self) -> Result<Segment, Error> {
        let start = self.pos;
        let bad = |what, offset| Error::Malformed { what, offset };
        let mut p = start;
        let mut junk = 0;
        let mut head = [0u8; 4];
        let k = loop {
            let k = self.fill(p, &mut head)?;
            if k == 0 {
                return Err(bad("JPEG data (it ends before the scan)", p));
            }
            if head[0] != 0xFF {
                let Some(ff) = self.find(p, true, MAX_JUNK)? else {
                    return Err(bad("JPEG marker", p));
                };
                junk = ff - start;
                p = ff;
                continue;
            }
            if k < 2 {
                return Err(bad("JPEG data (it ends before the scan)", p));
            }
            if head[1] == 0xFF {
                // Fill bytes: p moves to the last 0xFF before the marker code.
                let Some(code) = self.find(p + 1, false, u64::MAX)? else {
                    return Err(bad("JPEG data (it ends before the scan)", p));
                };
                p = code - 1;
                continue;
            }
            break k;
        };
        let marker = head[1];
        let seg = |payload: Range<u64>| Segment {
            marker,
            start,
            offset: p,
            payload,
            junk,
        };
        if standalone(marker) || marker == EOI {
            if marker == EOI {
                self.done = true;
            }
            self.pos = p + 2;
            return Ok(seg(p + 2..p + 2));
        }
        let len = if k == 4 {
            u64::from(u16::from_be_bytes([head[2], head[3]]))
        } else {
            0
        };
        if marker == SOS {
            self.done = true;
            let at = (p + 2).min(self.size);
            let end = if len >= 2 {
                (p + 2 + len).min(self.size)
            } else {
                at
            };
            return Ok(seg((p + 4).min(end)..end));
        }
        if len < 2 {
            return Err(bad("JPEG segment length", p + 2));
        }
        let end = p + 2 + len;
        if end > self.size {
            return Err(bad("JPEG segment (its length runs past the end)", p));
        }
        self.pos = end;
        Ok(seg(p + 4..end))
    }
}

impl<S: ReadAt> Iterator for Segments<S> {
    type Item = Result<Segment, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.n += 1;
        if self.n > MAX_SEGMENTS {
            self.done = true;
            return Some(Err(Error::Malformed {
                what: "JPEG segment count",
                offset: self.pos,
            }));
        }
        let r = self.step();
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

/// The reader's source, read in pieces (counted in `bytes_read`).
impl ReadAt for &Src<'_> {
    fn size(&self) -> u64 {
        Src::len(self)
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, Error> {
        let b = self.read_upto(offset, buf.len() as u64, "JPEG marker")?;
        let n = b.len().min(buf.len());
        buf[..n].copy_from_slice(&b[..n]);
        Ok(n)
    }
}

/// What the JPEG reader hands back to the caller beyond `md`.
#[derive(Default)]
pub(crate) struct JpegInfo {
    pub motion: Option<MotionHint>,
}

/// Reads a JPEG starting at `base` in `src` (RAF embeds one).
pub(crate) fn read(src: &Src<'_>, base: u64, md: &mut Metadata) -> Result<JpegInfo, Error> {
    let mut info = JpegInfo::default();
    let after_soi = base.checked_add(2).ok_or(Error::Malformed {
        what: "JPEG",
        offset: base,
    })?;
    let mut ext_xmp: Vec<u8> = Vec::new();
    let mut saw_sof = false;
    let mut main_xmp: Option<Vec<u8>> = None;
    // Photoshop writes an image-resource block longer than one segment across consecutive APP13
    // segments, each starting "Photoshop 3.0\0": the block is their payloads end to end (as
    // exiftool reads it), so a resource split at a segment boundary is read whole.
    let mut irb: Vec<u8> = Vec::new();
    for seg in Segments::new(src, after_soi) {
        let seg = match seg {
            Ok(s) => s,
            Err(e) => {
                md.warnings.push(match e {
                    Error::Malformed { what, offset } if what.starts_with("JPEG data") => {
                        format!("JPEG ends before the image data (at byte {offset})")
                    }
                    Error::Malformed {
                        what: "JPEG marker",
                        offset,
                    } => {
                        format!("JPEG marker expected at byte {offset}")
                    }
                    Error::Malformed {
                        what: "JPEG segment count",
                        ..
                    } => "too many JPEG segments".into(),
                    e => format!("bad JPEG segment: {e}"),
                });
                break;
            }
        };
        if seg.junk > 0 {
            md.warnings.push(format!(
                "skipped {} unknown bytes at byte {}",
                seg.junk, seg.start
            ));
        }
        let marker = seg.marker;
        if marker == EOI || marker == SOS {
            break;
        }
        if seg.is_standalone() {
            continue;
        }
        let body_at = seg.payload.start;
        let body_len = seg.payload.end - seg.payload.start;
        if marker != APP13 && !irb.is_empty() {
            // The APP13 run has ended: read it where it stood among the segments (an IIM block
            // in EXIF tag 33723 that comes later must not take its place).
            crate::iptc::read_resources(&irb, md, false);
            irb.clear();
        }
        match marker {
            APP1 => {
                let body = src.read_at(body_at, body_len, "APP1")?;
                if body.starts_with(b"Exif\0") {
                    let tiff = body.get(6..).unwrap_or(&[]);
                    if read_tiff(tiff, Root::Ifd0, md).is_none() {
                        md.warnings.push("unreadable EXIF block".into());
                    }
                } else if body.starts_with(XMP_SIG) {
                    // Parsed after the EXIF, whatever the segment order: EXIF values win.
                    main_xmp = Some(body[XMP_SIG.len()..].to_vec());
                } else if body.starts_with(XMP_EXT_SIG) {
                    // GUID (32) + full length (4) + offset (4) + data.
                    let at = XMP_EXT_SIG.len();
                    let full = be_u32(&body, at + 32).map(u64::from).unwrap_or(0);
                    let off = be_u32(&body, at + 36).map(u64::from).unwrap_or(u64::MAX);
                    let data = body.get(at + 40..).unwrap_or(&[]);
                    if full <= MAX_EXT_XMP && off.saturating_add(data.len() as u64) <= full {
                        if ext_xmp.len() as u64 != full {
                            ext_xmp.resize(full as usize, b' ');
                        }
                        ext_xmp[off as usize..off as usize + data.len()].copy_from_slice(data);
                    }
                }
            }
            APP13 => {
                let body = src.read_at(body_at, body_len, "APP13")?;
                if let Some(p) = body.strip_prefix(b"Photoshop 3.0\0") {
                    if irb.len() + p.len() <= MAX_IRB {
                        irb.extend_from_slice(p);
                    } else {
                        md.warnings.push(
                            "Photoshop APP13 segments over 16 MiB: the rest is ignored".into(),
                        );
                    }
                }
            }
            APP2 => {
                let body = src.read_upto(body_at, body_len.min(64), "APP2")?;
                if body.starts_with(b"MPF\0") {
                    md.tags
                        .entry("MPF:Present".into())
                        .or_insert(crate::TagValue::Int(1));
                }
            }
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) && !saw_sof => {
                let b = src.read_at(body_at, 5.min(body_len), "SOF")?;
                if let (Some(h), Some(w)) = (be_u16(&b, 1), be_u16(&b, 3)) {
                    // Height 0 means "defined by a DNL marker later": report it as stored.
                    if md.width.is_none() && w > 0 {
                        md.width = Some(u32::from(w));
                        md.height = Some(u32::from(h));
                    }
                }
                saw_sof = true;
            }
            _ => {}
        }
    }
    if !irb.is_empty() {
        crate::iptc::read_resources(&irb, md, false);
    }
    if let Some(x) = main_xmp {
        let hint = read_xmp(&x, Source::Xmp, md);
        info.motion = info.motion.or(hint);
    }
    if !ext_xmp.is_empty() {
        let hint = read_xmp(&ext_xmp, Source::Xmp, md);
        info.motion = info.motion.or(hint);
    }
    Ok(info)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod walker_tests {
    use super::*;

    fn markers(b: &[u8]) -> Vec<Result<u8, &'static str>> {
        segments(b)
            .map(|s| match s {
                Ok(s) => Ok(s.marker),
                Err(Error::Malformed { what, .. }) => Err(what),
                Err(_) => Err("other"),
            })
            .collect()
    }

    #[test]
    fn lengths_0_and_1_are_errors() {
        for len in [0u8, 1] {
            let b = [0xFF, 0xD8, 0xFF, 0xE1, 0, len, 0xFF, 0xDA, 0, 2];
            assert_eq!(markers(&b), [Ok(SOI), Err("JPEG segment length")]);
        }
        // A length cut by the end of the data.
        assert_eq!(
            markers(&[0xFF, 0xD8, 0xFF, 0xE1, 0]),
            [Ok(SOI), Err("JPEG segment length")]
        );
    }

    #[test]
    fn a_length_past_the_end_is_an_error_and_ends_the_walk() {
        let b = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xF0, 1, 2, 3];
        let r: Vec<_> = segments(&b).collect();
        assert_eq!(r.len(), 2);
        assert!(matches!(r[1], Err(Error::Malformed { offset: 2, .. })));
        // And the reader keeps what it had, with a warning.
        let md = crate::Reader::new().read_bytes(&b).unwrap();
        assert!(!md.warnings.is_empty());
    }

    #[test]
    fn a_hundred_thousand_fill_bytes_are_skipped() {
        let mut b = vec![0xFF, 0xD8];
        b.resize(2 + 100_000, 0xFF);
        b.extend_from_slice(&[0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0]);
        b.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x11]);
        let segs: Vec<_> = segments(&b).collect::<Result<_, _>>().unwrap();
        assert_eq!(segs.len(), 3);
        assert_eq!((segs[1].marker, segs[1].start), (0xC0, 2));
        assert_eq!(segs[1].offset, 2 + 100_000 - 1);
        // The scan data (one byte here) starts at the SOS payload's end.
        assert_eq!(segs[2].payload.end, b.len() as u64 - 1);
        let md = crate::Reader::new().read_bytes(&b).unwrap();
        assert_eq!((md.width, md.height), (Some(64), Some(48)));
        // Fill bytes up to the end of the data: the walk ends with an error.
        let mut c = vec![0xFF, 0xD8];
        c.resize(100_002, 0xFF);
        assert!(matches!(markers(&c).last(), Some(Err(_))));
    }

    #[test]
    fn data_without_sos_or_eoi_ends_with_an_error() {
        let b = [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2];
        let m = markers(&b);
        assert_eq!(m[..2], [Ok(SOI), Ok(APP0)]);
        assert!(matches!(m[2], Err(w) if w.starts_with("JPEG data")));
        assert_eq!(m.len(), 3);
        // EOI ends the walk too.
        assert_eq!(
            markers(&[0xFF, 0xD8, 0xFF, 0xD9, 0xFF, 0xE1]),
            [Ok(SOI), Ok(EOI)]
        );
    }

    #[test]
    fn standalone_markers_junk_and_a_cut_sos() {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0x01, 0xFF, 0xD3];
        b.extend_from_slice(b"junk");
        b.extend_from_slice(&[0xFF, 0xFF, 0xDA]);
        let segs: Vec<_> = segments(&b).collect::<Result<_, _>>().unwrap();
        let m: Vec<_> = segs.iter().map(|s| (s.marker, s.is_standalone())).collect();
        assert_eq!(m, [(SOI, true), (TEM, true), (0xD3, true), (SOS, false)]);
        let sos = &segs[3];
        assert_eq!((sos.start, sos.junk, sos.offset), (6, 4, 11));
        assert_eq!(sos.payload, 13..13);
        // More junk than MAX_JUNK is not skipped.
        let mut c = vec![0xFF, 0xD8];
        c.resize(2 + MAX_JUNK as usize + 1, b'x');
        c.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
        assert_eq!(markers(&c), [Ok(SOI), Err("JPEG marker")]);
        c.remove(2);
        assert_eq!(markers(&c), [Ok(SOI), Ok(SOS)]);
    }

    #[test]
    fn the_segment_count_is_bounded() {
        let mut b = vec![0xFF, 0xD8];
        for _ in 0..MAX_SEGMENTS {
            b.extend_from_slice(&[0xFF, 0xD0]);
        }
        let m = markers(&b);
        assert_eq!(m.len(), MAX_SEGMENTS + 1);
        assert_eq!(m.last(), Some(&Err("JPEG segment count")));
    }

    /// A source read in pieces gives the same walk as the slice.
    #[test]
    fn a_piecewise_source_walks_like_the_slice() {
        struct Pieces<'a>(&'a [u8]);
        impl ReadAt for Pieces<'_> {
            fn size(&self) -> u64 {
                self.0.len() as u64
            }
            fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, Error> {
                // At most 3 bytes per read.
                let n = buf.len().min(3);
                (&mut &*self.0).read_at(offset, &mut buf[..n])
            }
        }
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE1, 0, 4, 1, 2, 0, 0, 0xFF, 0xFF, 0xFF];
        b.extend_from_slice(&[0xED, 0, 2, 0xFF, 0xDA, 0, 3, 9, 1, 2, 3]);
        let a: Vec<_> = segments(&b).map(Result::unwrap).collect();
        let c: Vec<_> = Segments::new(Pieces(&b), 0).map(Result::unwrap).collect();
        assert_eq!(a, c);
        assert_eq!(a.len(), 4);
        assert_eq!(a[2].junk, 2);
    }
}

#[cfg(test)]
mod tests {
    use crate::{Reader, TagValue};

    /// A JPEG whose IPTC resource (two keywords) is split across two APP13 segments.
    #[test]
    fn app13_split_over_two_segments_is_read_whole() {
        let mut iim = Vec::new();
        for k in [&b"first"[..], b"second"] {
            iim.extend_from_slice(&[0x1C, 2, 25, 0, k.len() as u8]);
            iim.extend_from_slice(k);
        }
        let mut irb = b"8BIM\x04\x04\0\0".to_vec();
        irb.extend_from_slice(&(iim.len() as u32).to_be_bytes());
        irb.extend_from_slice(&iim);
        let cut = irb.len() - 4; // inside the second keyword
        let mut j = vec![0xFF, 0xD8];
        for part in [&irb[..cut], &irb[cut..]] {
            let body = [&b"Photoshop 3.0\0"[..], part].concat();
            j.extend_from_slice(&[0xFF, 0xED]);
            j.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            j.extend_from_slice(&body);
        }
        j.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0, 0xFF, 0xDA]);
        let md = Reader::new().read_bytes(&j).unwrap();
        assert_eq!(md.keywords, ["first", "second"]);
        assert!(matches!(md.tags.get("IPTC:Keywords"), Some(TagValue::List(v)) if v.len() == 2));
    }

    /// An APP13 before the EXIF APP1 keeps its place: its IPTC is read first, as before the
    /// APP13 run was joined (Issue 122.jpg of the corpus has this order and an IIM in EXIF).
    #[test]
    fn app13_is_read_in_segment_order() {
        let title = |t: &[u8]| {
            let mut v = vec![0x1C, 2, 5, 0, t.len() as u8];
            v.extend_from_slice(t);
            v
        };
        let mut irb = b"8BIM\x04\x04\0\0".to_vec();
        let a = title(b"from APP13");
        irb.extend_from_slice(&(a.len() as u32).to_be_bytes());
        irb.extend_from_slice(&a);
        let b = title(b"from EXIF");
        let mut tiff = b"II*\0\x08\0\0\0\x01\0\xbb\x83\x07\0".to_vec();
        tiff.extend_from_slice(&(b.len() as u32).to_le_bytes());
        tiff.extend_from_slice(&26u32.to_le_bytes());
        tiff.extend_from_slice(&[0; 4]);
        tiff.extend_from_slice(&b);
        let mut j = vec![0xFF, 0xD8];
        for (m, body) in [
            (0xED, [&b"Photoshop 3.0\0"[..], &irb].concat()),
            (0xE1, [&b"Exif\0\0"[..], &tiff].concat()),
        ] {
            j.extend_from_slice(&[0xFF, m]);
            j.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            j.extend_from_slice(&body);
        }
        j.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0, 0xFF, 0xDA]);
        let md = Reader::new().read_bytes(&j).unwrap();
        assert_eq!(md.title.as_deref(), Some("from APP13"));
    }
}
