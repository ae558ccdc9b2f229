//! A bounded TIFF/EXIF IFD walker over an in-memory block or a file.
//!
//! Every offset is checked against the data length, every IFD is visited at most once (loops of
//! IFD offsets end), and the number of entries and IFDs is capped.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::io::Src;

/// Most entries accepted in one IFD (real files have < 300).
const MAX_ENTRIES: u64 = 1000;
/// Most IFDs visited in one TIFF structure.
const MAX_IFDS: usize = 64;
/// Largest single value read (bytes).
const MAX_VALUE: u64 = 16 << 20;

/// Random access to the bytes of a TIFF structure.
pub(crate) trait TiffData {
    fn len(&self) -> u64;
    fn get(&self, off: u64, len: u64) -> Option<Cow<'_, [u8]>>;
}

impl TiffData for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn get(&self, off: u64, len: u64) -> Option<Cow<'_, [u8]>> {
        let s = usize::try_from(off).ok()?;
        let e = s.checked_add(usize::try_from(len).ok()?)?;
        self.get(s..e).map(Cow::Borrowed)
    }
}

/// A file region starting at `base` (offsets in the TIFF are relative to it).
pub(crate) struct FileTiff<'s, 'a> {
    pub src: &'s Src<'a>,
    pub base: u64,
}

impl TiffData for FileTiff<'_, '_> {
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

/// One IFD entry with its value bytes resolved.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub tag: u16,
    pub typ: u16,
    pub count: u64,
    pub bytes: Vec<u8>,
}

/// A parsed TIFF header plus the byte order.
pub(crate) struct Tiff<'d, D: TiffData + ?Sized> {
    pub data: &'d D,
    pub le: bool,
    pub big: bool,
    pub first_ifd: u64,
    visited: HashSet<u64>,
}

fn type_size(typ: u16) -> Option<u64> {
    Some(match typ {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => return None,
    })
}

impl<'d, D: TiffData + ?Sized> Tiff<'d, D> {
    /// Parses the header. Accepts the ORF (`IIRO`, `IIRS`, `MMOR`) and RW2 (`IIU\0`) variants.
    pub fn new(data: &'d D) -> Option<Self> {
        let h = data.get(0, 8)?;
        let le = match &h[..2] {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let magic = if le {
            u16::from_le_bytes([h[2], h[3]])
        } else {
            u16::from_be_bytes([h[2], h[3]])
        };
        let mut t = Tiff {
            data,
            le,
            big: false,
            first_ifd: 0,
            visited: HashSet::new(),
        };
        match magic {
            42 | 0x4f52 | 0x5352 | 0x55 => {
                t.first_ifd = u64::from(t.u32(&h, 4)?);
            }
            43 => {
                let h16 = data.get(0, 16)?;
                t.big = true;
                t.first_ifd = t.u64(&h16, 8)?;
            }
            _ => return None,
        }
        Some(t)
    }

    /// A walker over data that shares this TIFF's byte order (maker notes).
    pub fn with_order(data: &'d D, le: bool) -> Self {
        Tiff {
            data,
            le,
            big: false,
            first_ifd: 0,
            visited: HashSet::new(),
        }
    }

    pub fn u16(&self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.le {
            u16::from_le_bytes(s)
        } else {
            u16::from_be_bytes(s)
        })
    }
    pub fn u32(&self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.le {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    }
    pub fn u64(&self, b: &[u8], at: usize) -> Option<u64> {
        let s: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(if self.le {
            u64::from_le_bytes(s)
        } else {
            u64::from_be_bytes(s)
        })
    }

    /// Reads the IFD at `off`: its entries and the offset of the next IFD (0 = none).
    /// Returns `None` for an IFD already visited, out of range, or over the caps.
    pub fn ifd(&mut self, off: u64) -> Option<(Vec<Entry>, u64)> {
        if off < 8
            || off >= self.data.len()
            || self.visited.len() >= MAX_IFDS
            || !self.visited.insert(off)
        {
            return None;
        }
        let (count_len, entry_len, inline) = if self.big {
            (8u64, 20u64, 8u64)
        } else {
            (2, 12, 4)
        };
        let ch = self.data.get(off, count_len)?;
        let n = if self.big {
            self.u64(&ch, 0)?
        } else {
            u64::from(self.u16(&ch, 0)?)
        };
        if n == 0 || n > MAX_ENTRIES {
            return None;
        }
        let table_len = n * entry_len;
        let avail = self.data.len().saturating_sub(off + count_len);
        let whole = table_len <= avail;
        let table = self
            .data
            .get(off + count_len, table_len.min(avail - avail % entry_len))?;
        let mut entries = Vec::with_capacity(n as usize);
        for raw in table.chunks_exact(entry_len as usize) {
            let tag = self.u16(raw, 0)?;
            let typ = self.u16(raw, 2)?;
            let count = if self.big {
                self.u64(raw, 4)?
            } else {
                u64::from(self.u32(raw, 4)?)
            };
            let Some(size) = type_size(typ).and_then(|s| s.checked_mul(count)) else {
                continue;
            };
            let field: usize = if self.big { 12 } else { 8 };
            let bytes = if size <= inline {
                raw[field..field + size as usize].to_vec()
            } else {
                let vo = if self.big {
                    self.u64(raw, field)?
                } else {
                    u64::from(self.u32(raw, field)?)
                };
                if size > MAX_VALUE {
                    continue;
                }
                match self.data.get(vo, size) {
                    Some(b) => b.into_owned(),
                    None => continue,
                }
            };
            entries.push(Entry {
                tag,
                typ,
                count,
                bytes,
            });
        }
        let next = if whole {
            let nb = self
                .data
                .get(off + count_len + table_len, if self.big { 8 } else { 4 });
            match nb {
                Some(b) if self.big => self.u64(&b, 0).unwrap_or(0),
                Some(b) => u64::from(self.u32(&b, 0).unwrap_or(0)),
                None => 0,
            }
        } else {
            0
        };
        Some((entries, next))
    }

    /// Unsigned integer values of an entry (BYTE, SHORT, LONG, LONG8, IFD).
    pub fn uints(&self, e: &Entry) -> Vec<u64> {
        let b = &e.bytes;
        match e.typ {
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

    /// The first unsigned value.
    pub fn uint(&self, e: &Entry) -> Option<u64> {
        self.uints(e).first().copied()
    }

    /// Numeric values as f64 (rationals divided; a zero denominator gives no value).
    pub fn floats(&self, e: &Entry) -> Vec<f64> {
        let b = &e.bytes;
        match e.typ {
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
            8 | 9 => self.uints(e).into_iter().map(|v| v as i64 as f64).collect(),
            _ => self.uints(e).into_iter().map(|v| v as f64).collect(),
        }
    }

    /// ASCII (or UNDEFINED/BYTE holding text) as a trimmed string; invalid UTF-8 is replaced.
    pub fn text(&self, e: &Entry) -> Option<String> {
        let b = &e.bytes;
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        let s = String::from_utf8_lossy(&b[..end]);
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_string())
    }
}
