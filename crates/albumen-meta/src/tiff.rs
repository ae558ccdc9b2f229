//! The one bounded TIFF/EXIF directory walker of the workspace.
//!
//! The reader (EXIF in JPEG, PNG, WebP, HEIF, CR3, TIFF-based raw files), albumen-edit's EXIF
//! writer (which patches values in place and appends rewritten directories) and preview
//! extraction (thumbnail and raw-preview offsets) all walk IFDs through this module.
//!
//! - [`Header::parse`] reads the 8-byte (or BigTIFF 16-byte) header, including the ORF
//!   (`IIRO`, `IIRS`, `MMOR`) and RW2 (`IIU\0`) variants.
//! - [`read_ifd`] reads one directory: every [`Entry`] keeps where it is ([`Entry::pos`]),
//!   where its value-or-offset field is ([`Entry::field_pos`]) and where its value is
//!   ([`Entry::value_range`]), so a writer can patch it without parsing again.
//! - [`Walker`] follows pointers without looping: each IFD is visited at most once, at most
//!   [`MAX_IFDS`] of them, each with at most [`MAX_ENTRIES`] entries, and no value over
//!   [`MAX_VALUE`] bytes is read.
//!
//! Offsets are relative to the start of the TIFF structure (the `II`/`MM`), as in the format.
//! Data is anything that implements [`TiffSource`]: a byte slice here, a file region inside
//! the reader.
//!
//! ```
//! use albumen_meta::tiff::{read_ifd, Header, Walker};
//! // II*\0, IFD0 at 8 with one entry: Make (0x010F), ASCII, 6 bytes at offset 26.
//! let mut b = b"II*\0\x08\0\0\0\x01\0\x0f\x01\x02\0\x06\0\0\0\x1a\0\0\0\0\0\0\0".to_vec();
//! b.extend_from_slice(b"Canon\0");
//! let h = Header::parse(b.as_slice())?;
//! let ifd = read_ifd(b.as_slice(), &h, h.first_ifd)?;
//! let make = ifd.get(0x010F).unwrap();
//! assert_eq!((make.pos, make.field_pos), (10, 18));
//! assert_eq!(make.value_range(), Some(26..32));
//! assert_eq!(make.ascii(&b).as_deref(), Some("Canon"));
//! // The walker refuses to visit a directory twice (a loop of next-IFD pointers ends).
//! let mut w = Walker::new(b.as_slice())?;
//! assert!(w.ifd(8).is_some());
//! assert!(w.ifd(8).is_none());
//! # Ok::<(), albumen_meta::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

use crate::Error;

/// Most entries accepted in one IFD (real files have fewer than 300).
pub const MAX_ENTRIES: u64 = 1000;
/// Most IFDs one [`Walker`] visits.
pub const MAX_IFDS: usize = 64;
/// Largest single value a [`Walker`] reads, in bytes.
pub const MAX_VALUE: u64 = 16 << 20;

/// Field types.
pub mod types {
    /// 8-bit unsigned integer.
    pub const BYTE: u16 = 1;
    /// NUL-terminated 7-bit text.
    pub const ASCII: u16 = 2;
    /// 16-bit unsigned integer.
    pub const SHORT: u16 = 3;
    /// 32-bit unsigned integer.
    pub const LONG: u16 = 4;
    /// Two LONGs: numerator, denominator.
    pub const RATIONAL: u16 = 5;
    /// Opaque bytes.
    pub const UNDEFINED: u16 = 7;
    /// Two signed 32-bit integers.
    pub const SRATIONAL: u16 = 10;
    /// A 32-bit offset to a sub-directory.
    pub const IFD: u16 = 13;
}

/// Byte order of a TIFF structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// `II`, Intel.
    Little,
    /// `MM`, Motorola.
    Big,
}

impl ByteOrder {
    /// The 2 bytes at `at`, or `None` past the end.
    pub fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            ByteOrder::Little => u16::from_le_bytes(s),
            ByteOrder::Big => u16::from_be_bytes(s),
        })
    }
    /// The 4 bytes at `at`, or `None` past the end.
    pub fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            ByteOrder::Little => u32::from_le_bytes(s),
            ByteOrder::Big => u32::from_be_bytes(s),
        })
    }
    /// The 8 bytes at `at`, or `None` past the end.
    pub fn u64(self, b: &[u8], at: usize) -> Option<u64> {
        let s: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(match self {
            ByteOrder::Little => u64::from_le_bytes(s),
            ByteOrder::Big => u64::from_be_bytes(s),
        })
    }
    /// `v` in this order.
    pub fn put_u16(self, v: u16) -> [u8; 2] {
        match self {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        }
    }
    /// `v` in this order.
    pub fn put_u32(self, v: u32) -> [u8; 4] {
        match self {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        }
    }

    /// Integer values of a field of type `typ` (BYTE, SHORT, LONG, LONG8, IFD; SSHORT and
    /// SLONG sign-extended); empty for other types.
    pub fn uints(self, typ: u16, b: &[u8]) -> Vec<u64> {
        match typ {
            1 | 7 => b.iter().map(|&x| u64::from(x)).collect(),
            3 => (0..b.len() / 2)
                .filter_map(|i| self.u16(b, i * 2))
                .map(u64::from)
                .collect(),
            4 | 13 => (0..b.len() / 4)
                .filter_map(|i| self.u32(b, i * 4))
                .map(u64::from)
                .collect(),
            16 | 18 => (0..b.len() / 8)
                .filter_map(|i| self.u64(b, i * 8))
                .collect(),
            8 => (0..b.len() / 2)
                .filter_map(|i| self.u16(b, i * 2))
                .map(|v| v as i16 as i64 as u64)
                .collect(),
            9 => (0..b.len() / 4)
                .filter_map(|i| self.u32(b, i * 4))
                .map(|v| v as i32 as i64 as u64)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Numeric values of a field as `f64` (rationals divided: a zero denominator gives no
    /// value).
    pub fn floats(self, typ: u16, b: &[u8]) -> Vec<f64> {
        match typ {
            5 => (0..b.len() / 8)
                .filter_map(|i| {
                    let (n, d) = (self.u32(b, i * 8)?, self.u32(b, i * 8 + 4)?);
                    (d != 0).then(|| f64::from(n) / f64::from(d))
                })
                .collect(),
            10 => (0..b.len() / 8)
                .filter_map(|i| {
                    let (n, d) = (self.u32(b, i * 8)? as i32, self.u32(b, i * 8 + 4)? as i32);
                    (d != 0).then(|| f64::from(n) / f64::from(d))
                })
                .collect(),
            11 => (0..b.len() / 4)
                .filter_map(|i| self.u32(b, i * 4))
                .map(|v| f64::from(f32::from_bits(v)))
                .collect(),
            12 => (0..b.len() / 8)
                .filter_map(|i| self.u64(b, i * 8))
                .map(f64::from_bits)
                .collect(),
            6 => b.iter().map(|&x| f64::from(x as i8)).collect(),
            8 | 9 => self
                .uints(typ, b)
                .into_iter()
                .map(|v| v as i64 as f64)
                .collect(),
            _ => self.uints(typ, b).into_iter().map(|v| v as f64).collect(),
        }
    }
}

/// Size in bytes of one value of a field type; `None` for unknown types.
pub fn type_size(typ: u16) -> Option<u64> {
    Some(match typ {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => return None,
    })
}

/// Random access to the bytes of a TIFF structure.
pub trait TiffSource {
    /// Length of the structure in bytes.
    fn len(&self) -> u64;
    /// Whether it is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `len` bytes at `off`, or `None` where they are not all there.
    fn get(&self, off: u64, len: u64) -> Option<Cow<'_, [u8]>>;
}

impl TiffSource for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn get(&self, off: u64, len: u64) -> Option<Cow<'_, [u8]>> {
        let s = usize::try_from(off).ok()?;
        let e = s.checked_add(usize::try_from(len).ok()?)?;
        self.get(s..e).map(Cow::Borrowed)
    }
}

/// The header of a TIFF structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Byte order.
    pub order: ByteOrder,
    /// BigTIFF (magic 43: 8-byte counts and offsets, 20-byte entries).
    pub big: bool,
    /// Offset of IFD0.
    pub first_ifd: u64,
}

impl Header {
    /// A header for directories of a known byte order without a TIFF header of their own
    /// (maker notes).
    pub fn with_order(order: ByteOrder) -> Header {
        Header {
            order,
            big: false,
            first_ifd: 0,
        }
    }

    /// Parses the header at the start of `d`. Accepts magic 42, BigTIFF's 43, and the ORF
    /// (`IIRO`, `IIRS`, `MMOR`) and RW2 (`IIU\0`) variants.
    pub fn parse<D: TiffSource + ?Sized>(d: &D) -> Result<Header, Error> {
        let bad = |offset| Error::Malformed {
            what: "TIFF header",
            offset,
        };
        let h = d.get(0, 8).ok_or(bad(0))?;
        let order = match &h[..2] {
            b"II" => ByteOrder::Little,
            b"MM" => ByteOrder::Big,
            _ => return Err(bad(0)),
        };
        match order.u16(&h, 2) {
            Some(42 | 0x4f52 | 0x5352 | 0x55) => Ok(Header {
                order,
                big: false,
                first_ifd: u64::from(order.u32(&h, 4).ok_or(bad(4))?),
            }),
            Some(43) => {
                let h16 = d.get(0, 16).ok_or(bad(8))?;
                Ok(Header {
                    order,
                    big: true,
                    first_ifd: order.u64(&h16, 8).ok_or(bad(8))?,
                })
            }
            _ => Err(bad(2)),
        }
    }

    /// Bytes of an entry (12, or 20 in BigTIFF).
    pub fn entry_len(&self) -> u64 {
        if self.big {
            20
        } else {
            12
        }
    }
    /// Bytes of the entry count and of the next-IFD pointer (2 and 4, or 8 and 8).
    fn count_len(&self) -> u64 {
        if self.big {
            8
        } else {
            2
        }
    }
    fn field_len(&self) -> u64 {
        if self.big {
            8
        } else {
            4
        }
    }
}

/// One directory entry and where its parts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Tag number.
    pub tag: u16,
    /// Field type (see [`types`]).
    pub typ: u16,
    /// Number of values.
    pub count: u64,
    /// Offset of the entry itself.
    pub pos: u64,
    /// Offset of its value-or-offset field (4 bytes, 8 in BigTIFF).
    pub field_pos: u64,
    /// The raw value-or-offset field (4 or 8 bytes used).
    pub field: [u8; 8],
    /// Byte order of the structure it came from.
    pub order: ByteOrder,
    /// Where the value is: the field itself when it fits, else the offset it holds; `None`
    /// for an unknown type or a size that overflows.
    value_at: Option<u64>,
    /// Whether the value fits the field.
    inline: bool,
}

impl Entry {
    /// Byte length of the value; `None` for an unknown type or an overflowing count.
    pub fn byte_len(&self) -> Option<u64> {
        type_size(self.typ)?.checked_mul(self.count)
    }
    /// Whether the value sits in the entry's own field.
    pub fn is_inline(&self) -> bool {
        self.inline
    }
    /// The value's byte range in the structure (not checked against its length).
    pub fn value_range(&self) -> Option<Range<u64>> {
        let s = self.value_at?;
        Some(s..s.checked_add(self.byte_len()?)?)
    }
    /// The value within `b` (the whole TIFF structure), if all of it is there.
    pub fn value_in<'a>(&self, b: &'a [u8]) -> Option<&'a [u8]> {
        let r = self.value_range()?;
        b.get(usize::try_from(r.start).ok()?..usize::try_from(r.end).ok()?)
    }
    /// An ASCII (or UNDEFINED) value up to its first NUL, trailing spaces trimmed.
    pub fn ascii(&self, b: &[u8]) -> Option<String> {
        if self.typ != types::ASCII && self.typ != types::UNDEFINED {
            return None;
        }
        let v = self.value_in(b)?;
        let v = &v[..v.iter().position(|&c| c == 0).unwrap_or(v.len())];
        Some(String::from_utf8_lossy(v).trim_end().to_string())
    }
    /// The first value as an unsigned integer (see [`ByteOrder::uints`]).
    pub fn uint(&self, b: &[u8]) -> Option<u64> {
        let v = self.value_in(b)?;
        let one = v.get(..type_size(self.typ)? as usize)?;
        self.order.uints(self.typ, one).first().copied()
    }
    /// RATIONAL or SRATIONAL values (at most 16) as `f64`; a zero denominator gives NaN.
    pub fn rationals(&self, b: &[u8]) -> Option<Vec<f64>> {
        if self.typ != types::RATIONAL && self.typ != types::SRATIONAL {
            return None;
        }
        let v = self.value_in(b)?;
        let o = self.order;
        let mut out = Vec::new();
        for i in 0..(self.count.min(16) as usize) {
            let (n, d) = (o.u32(v, i * 8)?, o.u32(v, i * 8 + 4)?);
            let (n, d) = if self.typ == types::SRATIONAL {
                (f64::from(n as i32), f64::from(d as i32))
            } else {
                (f64::from(n), f64::from(d))
            };
            out.push(if d == 0.0 { f64::NAN } else { n / d });
        }
        Some(out)
    }
}

/// One image file directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ifd {
    /// Offset of the directory (its entry count).
    pub pos: u64,
    /// Its entries, in file order (unknown types included).
    pub entries: Vec<Entry>,
    /// The next-IFD pointer (0 when none or when it is not there).
    pub next: u64,
    /// Offset of the next-IFD pointer.
    pub next_pos: u64,
    /// Whether the whole entry table was inside the data (when not, `entries` holds those
    /// that were and `next` is 0).
    pub complete: bool,
    /// Bytes of the next-IFD pointer (4, or 8 in BigTIFF).
    next_len: u64,
}

impl Ifd {
    /// The first entry with tag `tag`.
    pub fn get(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }
    /// Bytes of the directory structure itself: count, entries and next pointer.
    pub fn span(&self) -> u64 {
        (self.next_pos + self.next_len).saturating_sub(self.pos)
    }
}

/// Reads the directory at `pos` (an offset into `d`). An entry count of 0 or over
/// [`MAX_ENTRIES`], or a count that is not there, is an error; a table cut by the end of the
/// data gives the entries that fit, with [`Ifd::complete`] false.
pub fn read_ifd<D: TiffSource + ?Sized>(d: &D, h: &Header, pos: u64) -> Result<Ifd, Error> {
    let bad = |what| Error::Malformed { what, offset: pos };
    let (count_len, entry_len, field_len) = (h.count_len(), h.entry_len(), h.field_len());
    let o = h.order;
    let c = d.get(pos, count_len).ok_or(bad("TIFF IFD"))?;
    let n = if h.big {
        o.u64(&c, 0)
    } else {
        o.u16(&c, 0).map(u64::from)
    }
    .ok_or(bad("TIFF IFD"))?;
    if n == 0 || n > MAX_ENTRIES {
        return Err(bad("TIFF IFD entry count"));
    }
    let table_at = pos.checked_add(count_len).ok_or(bad("TIFF IFD"))?;
    let table_len = n * entry_len;
    let avail = d.len().saturating_sub(table_at);
    let complete = table_len <= avail;
    let table = d
        .get(table_at, table_len.min(avail - avail % entry_len))
        .ok_or(bad("TIFF IFD"))?;
    let inline = field_len;
    let fo = if h.big { 12 } else { 8 };
    let mut entries = Vec::with_capacity(table.len() / entry_len as usize);
    for (i, raw) in table.chunks_exact(entry_len as usize).enumerate() {
        let epos = table_at + i as u64 * entry_len;
        let (Some(tag), Some(typ)) = (o.u16(raw, 0), o.u16(raw, 2)) else {
            continue;
        };
        let count = if h.big {
            o.u64(raw, 4)
        } else {
            o.u32(raw, 4).map(u64::from)
        }
        .unwrap_or(0);
        let mut field = [0u8; 8];
        field[..inline as usize].copy_from_slice(&raw[fo..fo + inline as usize]);
        let field_pos = epos + fo as u64;
        let size = type_size(typ).and_then(|s| s.checked_mul(count));
        let is_inline = size.is_some_and(|s| s <= inline);
        let value_at = size.and_then(|size| {
            if size <= inline {
                Some(field_pos)
            } else if h.big {
                o.u64(&field, 0)
            } else {
                o.u32(&field, 0).map(u64::from)
            }
        });
        entries.push(Entry {
            tag,
            typ,
            count,
            pos: epos,
            field_pos,
            field,
            order: o,
            value_at,
            inline: is_inline,
        });
    }
    let next_pos = table_at + table_len;
    let next = if complete {
        d.get(next_pos, field_len)
            .and_then(|b| {
                if h.big {
                    o.u64(&b, 0)
                } else {
                    o.u32(&b, 0).map(u64::from)
                }
            })
            .unwrap_or(0)
    } else {
        0
    };
    Ok(Ifd {
        pos,
        entries,
        next,
        next_pos,
        complete,
        next_len: field_len,
    })
}

/// A walker over one TIFF structure that visits each directory at most once.
#[derive(Debug)]
pub struct Walker<'d, D: TiffSource + ?Sized> {
    data: &'d D,
    header: Header,
    visited: HashSet<u64>,
}

impl<'d, D: TiffSource + ?Sized> Walker<'d, D> {
    /// A walker over a structure that starts with a TIFF header.
    pub fn new(data: &'d D) -> Result<Self, Error> {
        Ok(Walker {
            data,
            header: Header::parse(data)?,
            visited: HashSet::new(),
        })
    }

    /// A walker over directories without a TIFF header of their own but with a known byte
    /// order (maker notes); offsets are relative to the start of `data`.
    pub fn with_order(data: &'d D, order: ByteOrder) -> Self {
        Walker {
            data,
            header: Header::with_order(order),
            visited: HashSet::new(),
        }
    }

    /// The header (or, for [`Walker::with_order`], the byte order it was given).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The directory at `pos`, or `None` when it was visited already, is inside the header,
    /// is past the end or malformed, or the walker has visited [`MAX_IFDS`] already.
    pub fn ifd(&mut self, pos: u64) -> Option<Ifd> {
        if pos < 8
            || pos >= self.data.len()
            || self.visited.len() >= MAX_IFDS
            || !self.visited.insert(pos)
        {
            return None;
        }
        read_ifd(self.data, &self.header, pos).ok()
    }

    /// The chain of directories linked by next-IFD pointers from `first`, at most `max`:
    /// each position reached and its directory, `None` (and the end) where none can be read.
    pub fn chain(&mut self, first: u64, max: usize) -> Vec<(u64, Option<Ifd>)> {
        let mut out = Vec::new();
        let mut next = first;
        while next != 0 && out.len() < max {
            let ifd = self.ifd(next);
            let following = ifd.as_ref().map_or(0, |i| i.next);
            let end = ifd.is_none();
            out.push((next, ifd));
            if end {
                break;
            }
            next = following;
        }
        out
    }

    /// The value of an entry, if all of it is inside the data and it is at most
    /// [`MAX_VALUE`] bytes.
    pub fn value(&self, e: &Entry) -> Option<Cow<'d, [u8]>> {
        let len = e.byte_len()?;
        if e.is_inline() {
            return Some(Cow::Owned(e.field.get(..len as usize)?.to_vec()));
        }
        if len > MAX_VALUE {
            return None;
        }
        self.data.get(e.value_at?, len)
    }
}

// ---------------------------------------------------------------------------------------------
// The reader's view: entries with their values resolved.

/// An entry with its value bytes (for the EXIF reader).
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub tag: u16,
    pub typ: u16,
    pub count: u64,
    pub bytes: Vec<u8>,
}

impl<D: TiffSource + ?Sized> Walker<'_, D> {
    /// The entries of the IFD at `off` whose values can be read, and the next-IFD pointer.
    pub(crate) fn fields(&mut self, off: u64) -> Option<(Vec<Field>, u64)> {
        let ifd = self.ifd(off)?;
        let fields = ifd
            .entries
            .iter()
            .filter_map(|e| {
                Some(Field {
                    tag: e.tag,
                    typ: e.typ,
                    count: e.count,
                    bytes: self.value(e)?.into_owned(),
                })
            })
            .collect();
        Some((fields, ifd.next))
    }
    pub(crate) fn uints(&self, e: &Field) -> Vec<u64> {
        self.header.order.uints(e.typ, &e.bytes)
    }
    pub(crate) fn uint(&self, e: &Field) -> Option<u64> {
        self.uints(e).first().copied()
    }
    pub(crate) fn floats(&self, e: &Field) -> Vec<f64> {
        self.header.order.floats(e.typ, &e.bytes)
    }
    /// ASCII (or UNDEFINED/BYTE holding text) as a trimmed string; invalid UTF-8 is replaced.
    pub(crate) fn text(&self, e: &Field) -> Option<String> {
        let b = &e.bytes;
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        let s = String::from_utf8_lossy(&b[..end]);
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_string())
    }
}

/// A file region starting at `base` (offsets in the TIFF are relative to it).
pub(crate) struct FileTiff<'s, 'a> {
    pub src: &'s crate::io::Src<'a>,
    pub base: u64,
}

impl TiffSource for FileTiff<'_, '_> {
    fn len(&self) -> u64 {
        self.src.len().saturating_sub(self.base)
    }
    fn get(&self, off: u64, len: u64) -> Option<Cow<'_, [u8]>> {
        if len > MAX_VALUE {
            return None;
        }
        self.src
            .read_at(self.base.checked_add(off)?, len, "TIFF value")
            .ok()
            .map(Cow::Owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(b: &mut Vec<u8>, tag: u16, typ: u16, n: u32, v: u32) {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&typ.to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&v.to_le_bytes());
    }

    #[test]
    fn ifd_loop_ends() {
        // IFD0 at 8 whose next pointer is 8 again.
        let mut b = b"II*\0\x08\0\0\0\x01\0".to_vec();
        entry(&mut b, 0x0100, 3, 1, 64);
        b.extend_from_slice(&8u32.to_le_bytes());
        let mut w = Walker::new(b.as_slice()).unwrap();
        let c = w.chain(8, 100);
        assert_eq!(c.len(), 2);
        assert!(c[0].1.is_some() && c[1].1.is_none());
    }

    #[test]
    fn huge_entry_count_is_refused_without_allocating() {
        let mut b = b"II*\0\x08\0\0\0\xff\xff".to_vec();
        b.extend_from_slice(&[0; 24]);
        let h = Header::parse(b.as_slice()).unwrap();
        assert!(read_ifd(b.as_slice(), &h, 8).is_err());
        // BigTIFF with a count of 2^63.
        let mut big = b"II+\0\x08\0\0\0\x10\0\0\0\0\0\0\0".to_vec();
        big.extend_from_slice(&(1u64 << 63).to_le_bytes());
        let h = Header::parse(big.as_slice()).unwrap();
        assert!(h.big);
        assert!(read_ifd(big.as_slice(), &h, 16).is_err());
    }

    #[test]
    fn cut_table_and_values_past_the_end() {
        // Two entries declared, one and a half there; the first points past the end.
        let mut b = b"II*\0\x08\0\0\0\x02\0".to_vec();
        entry(&mut b, 0x010f, 2, 0xFFFF_FFFF, 0xFFFF_FFF0);
        b.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        let h = Header::parse(b.as_slice()).unwrap();
        let ifd = read_ifd(b.as_slice(), &h, 8).unwrap();
        assert!(!ifd.complete);
        assert_eq!(ifd.entries.len(), 1);
        assert_eq!(ifd.next, 0);
        assert!(ifd.entries[0].value_in(&b).is_none());
        let w = Walker::new(b.as_slice()).unwrap();
        assert!(w.value(&ifd.entries[0]).is_none());
    }

    #[test]
    fn garbage_never_panics() {
        let mut b = b"MM\0*\0\0\0\x08\0\x02".to_vec();
        b.extend_from_slice(&[0x01, 0x0f, 0, 2, 0, 0, 0, 9, 0, 0, 0, 0x22]);
        b.extend_from_slice(&[0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 8]);
        b.extend_from_slice(&[0, 0, 0, 8]);
        b.extend_from_slice(b"Make\0\0\0\0\0");
        for i in 0..b.len() {
            for v in [0u8, 0xFF, 0x7F, 1] {
                let mut c = b.clone();
                c[i] = v;
                for n in [c.len(), c.len() / 2] {
                    let s = &c[..n];
                    if let Ok(mut w) = Walker::new(s) {
                        let first = w.header().first_ifd;
                        for (_, ifd) in w.chain(first, 8) {
                            for e in ifd.iter().flat_map(|i| &i.entries) {
                                let _ = (e.ascii(s), e.uint(s), e.rationals(s), w.value(e));
                            }
                        }
                    }
                }
            }
        }
    }
}
