//! The one bounded ISO base media file (ISO-BMFF) box walker of the workspace: HEIF/HEIC/AVIF,
//! QuickTime/MP4 movies, Canon CR3.
//!
//! The reader, albumen-edit's HEIF and movie writers (which re-point `iloc` extents and
//! `stco`/`co64` chunk offsets), albumen-live's motion-photo finder and preview extraction all
//! read boxes through this module.
//!
//! - [`BoxHeader::parse`] decodes one header: 32-bit size, 64-bit `largesize` (size 1), size 0
//!   = "to the end of the enclosing range". It gives the header's offset, its length and the
//!   payload range, whether the data is in memory or read from a file.
//! - [`boxes`] / [`boxes_in`] iterate the boxes of a byte slice (a file in memory, or a box's
//!   payload for nested iteration); a box whose size runs past its parent's end, or a size
//!   smaller than its header, yields an error and ends the walk; at most [`MAX_BOXES`] are
//!   yielded.
//! - [`Iloc::parse`] and [`item_infos`] read the HEIF item location and item information
//!   boxes.
//!
//! ```
//! use albumen_meta::bmff::{boxes, BoxHeader};
//! // `ftyp` (16 bytes), then `meta` holding one `free` child.
//! let mut b = b"\0\0\0\x10ftypheic\0\0\0\0".to_vec();
//! b.extend_from_slice(b"\0\0\0\x14meta\0\0\0\0\0\0\0\x08free");
//! let top: Vec<BoxHeader> = boxes(&b).collect::<Result<_, _>>()?;
//! assert_eq!(&top[1].typ, b"meta");
//! assert_eq!((top[1].start, top[1].header_len, top[1].end), (16, 8, 36));
//! // Nested iteration: `meta` is a full box (4 bytes of version and flags first).
//! let inner = &b[top[1].payload_range()][4..];
//! let kid = boxes(inner).next().unwrap()?;
//! assert_eq!(&kid.typ, b"free");
//! // A size past the end is an error, never a panic.
//! assert!(boxes(b"\0\0\x10\0mdat").next().unwrap().is_err());
//! # Ok::<(), albumen_meta::Error>(())
//! ```

use std::ops::Range;

use crate::Error;

/// Most boxes one iterator yields.
pub const MAX_BOXES: usize = 100_000;

/// One box header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxHeader {
    /// The four-character type.
    pub typ: [u8; 4],
    /// Offset of the header (in the slice iterated, or in the file).
    pub start: u64,
    /// Header length: 8, or 16 with a 64-bit size.
    pub header_len: u64,
    /// Offset just past the box.
    pub end: u64,
    /// Whether the size field was 0 ("to the end").
    pub to_end: bool,
}

impl BoxHeader {
    /// Decodes the header whose bytes start `head` (8 bytes, 16 for a 64-bit size), found at
    /// offset `start`; `limit` is the end of the enclosing range (what size 0 extends to). The
    /// box may still run past `limit`: compare [`BoxHeader::end`] with it (the iterators do).
    pub fn parse(head: &[u8], start: u64, limit: u64) -> Result<BoxHeader, Error> {
        let bad = |what| Error::Malformed {
            what,
            offset: start,
        };
        let (Some(size), Some(typ)) = (
            head.get(..4)
                .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]])),
            head.get(4..8).map(|t| [t[0], t[1], t[2], t[3]]),
        ) else {
            return Err(bad("box header"));
        };
        let (size, header_len, to_end) = match size {
            0 => (limit.checked_sub(start).ok_or(bad("box header"))?, 8, true),
            1 => {
                let s = head.get(8..16).ok_or(bad("box header"))?;
                let v = u64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]);
                (v, 16, false)
            }
            n => (u64::from(n), 8, false),
        };
        if size < header_len {
            return Err(bad("box size"));
        }
        Ok(BoxHeader {
            typ,
            start,
            header_len,
            end: start.checked_add(size).ok_or(bad("box size"))?,
            to_end,
        })
    }

    /// The payload's range (after the header).
    pub fn payload(&self) -> Range<u64> {
        self.start + self.header_len..self.end
    }
    /// The whole box's range as slice indices (for a header yielded by [`boxes`]).
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
    /// The payload's range as slice indices (for a header yielded by [`boxes`]).
    pub fn payload_range(&self) -> Range<usize> {
        (self.start + self.header_len) as usize..self.end as usize
    }
    /// The payload within `b`, the slice the header was found in.
    pub fn payload_of<'a>(&self, b: &'a [u8]) -> &'a [u8] {
        b.get(self.payload_range()).unwrap_or(&[])
    }
}

/// Iterator over the boxes of a byte range; see [`boxes`].
#[derive(Debug, Clone)]
pub struct Boxes<'a> {
    b: &'a [u8],
    at: usize,
    end: usize,
    n: usize,
    done: bool,
}

/// The boxes of `b` (offsets relative to `b`).
pub fn boxes(b: &[u8]) -> Boxes<'_> {
    boxes_in(b, 0..b.len())
}

/// The boxes in `b[range]`, with offsets relative to `b` (so a parent's payload range iterates
/// its children in place). Fewer than 8 bytes left end the walk quietly.
pub fn boxes_in(b: &[u8], range: Range<usize>) -> Boxes<'_> {
    Boxes {
        b,
        at: range.start,
        end: range.end.min(b.len()),
        n: 0,
        done: false,
    }
}

impl Iterator for Boxes<'_> {
    type Item = Result<BoxHeader, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.at.checked_add(8).is_none_or(|e| e > self.end) {
            return None;
        }
        self.done = true;
        self.n += 1;
        if self.n > MAX_BOXES {
            return Some(Err(Error::Malformed {
                what: "box count",
                offset: self.at as u64,
            }));
        }
        let head = &self.b[self.at..self.end.min(self.at + 16)];
        let h = match BoxHeader::parse(head, self.at as u64, self.end as u64) {
            Ok(h) if h.end <= self.end as u64 => h,
            Ok(h) => {
                return Some(Err(Error::Malformed {
                    what: "box size past the end",
                    offset: h.start,
                }))
            }
            Err(e) => return Some(Err(e)),
        };
        self.at = h.end as usize;
        self.done = false;
        Some(Ok(h))
    }
}

/// The payload of the first child of type `typ` among the boxes of `b` (up to the first
/// malformed one).
pub fn child<'a>(b: &'a [u8], typ: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(b)
        .map_while(Result::ok)
        .find(|x| &x.typ == typ)
        .map(|x| x.payload_of(b))
}

fn be(b: &[u8], at: usize, n: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(n)?)?;
    Some(s.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
}

/// One extent of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extent {
    /// The extent index (0 unless `index_size` is set).
    pub index: u64,
    /// Offset, relative to the item's base offset.
    pub offset: u64,
    /// Length; 0 means "to the end of the file" (construction method 0).
    pub length: u64,
}

/// The location of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLocation {
    /// Item id.
    pub id: u32,
    /// Construction method: 0 file offset, 1 `idat` offset, 2 item offset.
    pub method: u16,
    /// Data reference index (0 = this file).
    pub dref: u16,
    /// Base offset added to every extent's offset.
    pub base: u64,
    /// The extents.
    pub extents: Vec<Extent>,
}

impl ItemLocation {
    /// The extents as (absolute offset, length) pairs; `None` when one overflows.
    pub fn spans(&self) -> Option<Vec<(u64, u64)>> {
        self.extents
            .iter()
            .map(|e| Some((self.base.checked_add(e.offset)?, e.length)))
            .collect()
    }
}

/// The `iloc` (item location) box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iloc {
    /// Box version (0, 1 or 2).
    pub version: u8,
    /// Box flags.
    pub flags: [u8; 3],
    /// Bytes of each extent offset (0, 4 or 8).
    pub offset_size: usize,
    /// Bytes of each extent length (0, 4 or 8).
    pub length_size: usize,
    /// Bytes of each base offset (0, 4 or 8).
    pub base_size: usize,
    /// Bytes of each extent index (0, 4 or 8; versions 1 and 2 only).
    pub index_size: usize,
    /// The items, in box order.
    pub items: Vec<ItemLocation>,
    /// Whether every item the box declares was read (when not, `items` holds those before the
    /// first one cut by the end of the box).
    pub complete: bool,
}

impl Iloc {
    /// Parses an `iloc` payload (from the version byte on). A version over 2 or a field size
    /// other than 0, 4 or 8 is an error; items are read until the payload ends.
    pub fn parse(b: &[u8]) -> Result<Iloc, Error> {
        let bad = || Error::Malformed {
            what: "iloc box",
            offset: 0,
        };
        let head = b.get(..6).ok_or_else(bad)?;
        let version = head[0];
        if version > 2 {
            return Err(bad());
        }
        let (offset_size, length_size) = (usize::from(head[4] >> 4), usize::from(head[4] & 15));
        let base_size = usize::from(head[5] >> 4);
        let index_size = if version > 0 {
            usize::from(head[5] & 15)
        } else {
            0
        };
        if [offset_size, length_size, base_size, index_size]
            .iter()
            .any(|x| !matches!(x, 0 | 4 | 8))
        {
            return Err(bad());
        }
        let idw = if version < 2 { 2 } else { 4 };
        let count = be(b, 6, idw).ok_or_else(bad)?;
        let mut p = 6 + idw;
        let mut rd = |n: usize| -> Option<u64> {
            let v = be(b, p, n)?;
            p += n;
            Some(v)
        };
        let mut items = Vec::new();
        let mut complete = true;
        for _ in 0..count {
            let item = (|| {
                let id = rd(idw)? as u32;
                let method = if version > 0 { (rd(2)? & 15) as u16 } else { 0 };
                let dref = rd(2)? as u16;
                let base = rd(base_size)?;
                let n = rd(2)?;
                let mut extents = Vec::new();
                for _ in 0..n {
                    let index = rd(index_size)?;
                    let offset = rd(offset_size)?;
                    let length = rd(length_size)?;
                    extents.push(Extent {
                        index,
                        offset,
                        length,
                    });
                }
                Some(ItemLocation {
                    id,
                    method,
                    dref,
                    base,
                    extents,
                })
            })();
            match item {
                Some(i) => items.push(i),
                None => {
                    complete = false;
                    break;
                }
            }
        }
        Ok(Iloc {
            version,
            flags: [head[1], head[2], head[3]],
            offset_size,
            length_size,
            base_size,
            index_size,
            items,
            complete,
        })
    }

    /// The location of item `id`.
    pub fn item(&self, id: u32) -> Option<&ItemLocation> {
        self.items.iter().find(|l| l.id == id)
    }
}

/// One item's information (`infe` version 2 or 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemInfo {
    /// Item id.
    pub id: u32,
    /// Item type (`hvc1`, `Exif`, `mime`, `grid`, ...).
    pub typ: [u8; 4],
    /// Content type of a `mime` item (`application/rdf+xml` for XMP), else empty.
    pub content_type: String,
}

/// The items listed in an `iinf` payload (from the version byte on); `infe` boxes of versions
/// 0 and 1 are skipped, the walk ends at the first malformed box.
pub fn item_infos(iinf: &[u8]) -> Vec<ItemInfo> {
    let skip = if iinf.first() == Some(&0) { 6 } else { 8 };
    let mut out = Vec::new();
    for bx in boxes_in(iinf, skip.min(iinf.len())..iinf.len()).map_while(Result::ok) {
        if &bx.typ != b"infe" {
            continue;
        }
        let e = bx.payload_of(iinf);
        let (id, at) = match e.first() {
            Some(2) => (be(e, 4, 2), 8),
            Some(3) => (be(e, 4, 4), 10),
            _ => continue,
        };
        let (Some(id), Some(t)) = (id, e.get(at..at + 4)) else {
            continue;
        };
        let typ = [t[0], t[1], t[2], t[3]];
        let mut strs = e.get(at + 4..).unwrap_or(&[]).split(|&c| c == 0);
        let _name = strs.next();
        let content_type = match (&typ, strs.next()) {
            (b"mime", Some(c)) => String::from_utf8_lossy(c).into_owned(),
            _ => String::new(),
        };
        out.push(ItemInfo {
            id: id as u32,
            typ,
            content_type,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_64_bit_and_to_end() {
        let mut b = b"\0\0\0\x01mdat\0\0\0\0\0\0\0\x14abcd".to_vec();
        b.extend_from_slice(b"\0\0\0\0free1234");
        let v: Vec<_> = boxes(&b).collect::<Result<_, _>>().unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].header_len, v[0].payload_range()), (16, 16..20));
        assert!(v[1].to_end);
        assert_eq!(v[1].end as usize, b.len());
    }

    #[test]
    fn hostile_sizes_end_the_walk() {
        // Size past the end, size smaller than the header, 64-bit size of 2^64-1, a 64-bit
        // size cut off, and a size-0 box inside a range.
        for b in [
            &b"\0\0\x10\0mdat"[..],
            b"\0\0\0\x04mdat",
            b"\0\0\0\x01mdat\xff\xff\xff\xff\xff\xff\xff\xff",
            b"\0\0\0\x01mdat\0\0",
        ] {
            let v: Vec<_> = boxes(b).collect();
            assert!(v.len() <= 1 && v.iter().all(Result::is_err), "{b:?}");
        }
        // A box past its parent's end, though inside the slice.
        let b = b"\0\0\0\x10free\0\0\0\x08skip";
        assert!(boxes_in(b, 8..12).next().is_none());
        assert!(boxes_in(b, 0..12).next().unwrap().is_err());
        // Many tiny boxes: capped.
        let many = b"\0\0\0\x08free".repeat(MAX_BOXES + 10);
        assert_eq!(boxes(&many).count(), MAX_BOXES + 1);
    }

    #[test]
    fn iloc_and_iinf() {
        // iloc v1, offset 4, length 4, base 0, index 0; one item (id 7, method 0) with one
        // extent; then a second item cut short.
        let mut b = vec![1, 0, 0, 0, 0x44, 0x00, 0, 2];
        b.extend_from_slice(&[0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 9]);
        b.extend_from_slice(&[0, 8, 0]);
        let l = Iloc::parse(&b).unwrap();
        assert!(!l.complete);
        assert_eq!(l.item(7).unwrap().spans(), Some(vec![(256, 9)]));
        assert!(Iloc::parse(&[3, 0, 0, 0, 0x44, 0]).is_err());
        assert!(Iloc::parse(&[1, 0, 0, 0, 0x33, 0, 0, 1]).is_err());
        // A huge item count with no items: no allocation, incomplete.
        let l = Iloc::parse(&[2, 0, 0, 0, 0x44, 0, 0xff, 0xff, 0xff, 0xff]).unwrap();
        assert!(l.items.is_empty() && !l.complete);
        let mut infe = vec![2, 0, 0, 0, 0, 3, 0, 0];
        infe.extend_from_slice(b"mimeXMP\0application/rdf+xml\0");
        let mut iinf = vec![0, 0, 0, 0, 0, 1];
        iinf.extend_from_slice(&((infe.len() + 8) as u32).to_be_bytes());
        iinf.extend_from_slice(b"infe");
        iinf.extend_from_slice(&infe);
        let i = item_infos(&iinf);
        assert_eq!(i.len(), 1);
        assert_eq!((i[0].id, &i[0].typ), (3, b"mime"));
        assert_eq!(i[0].content_type, "application/rdf+xml");
    }
}
