//! Bounded random-access reading with a count of the bytes read.

use std::cell::Cell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use crate::{Error, Limits};

/// A random-access byte source: a file (or any `Read + Seek`) or a buffer. Every read is bounded by the source length
/// and by [`Limits::max_block`], and counted.
pub(crate) struct Src<'a> {
    inner: Inner<'a>,
    len: u64,
    limits: Limits,
    read: Cell<u64>,
}

enum Inner<'a> {
    File(std::cell::RefCell<FileCache<'a>>),
    Mem(&'a [u8]),
}

/// What a seekable source must be.
pub(crate) trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Small reads (markers, box headers, IFD entries) come in runs at nearby offsets; one
/// read-ahead block turns hundreds of system calls per file into a few.
struct FileCache<'a> {
    file: Box<dyn ReadSeek + 'a>,
    at: u64,
    block: Vec<u8>,
}

/// Size of the read-ahead block. Reads larger than this go straight to the file.
const BLOCK: u64 = 16 << 10;

impl<'a> Src<'a> {
    pub(crate) fn file(file: File, len: u64, limits: Limits) -> Self {
        Self::reader(Box::new(file), len, limits)
    }

    /// A source of `len` bytes read from `r` (seeked to each read's offset).
    pub(crate) fn reader(file: Box<dyn ReadSeek + 'a>, len: u64, limits: Limits) -> Self {
        Src {
            inner: Inner::File(std::cell::RefCell::new(FileCache {
                file,
                at: 0,
                block: Vec::new(),
            })),
            len,
            limits,
            read: Cell::new(0),
        }
    }

    pub(crate) fn mem(bytes: &'a [u8], limits: Limits) -> Self {
        Src {
            inner: Inner::Mem(bytes),
            len: bytes.len() as u64,
            limits,
            read: Cell::new(0),
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn bytes_read(&self) -> u64 {
        self.read.get()
    }

    /// Reads `len` bytes at `offset`; errors if that runs past the end or over the limit.
    pub(crate) fn read_at(
        &self,
        offset: u64,
        len: u64,
        what: &'static str,
    ) -> Result<Vec<u8>, Error> {
        if len > self.limits.max_block {
            return Err(Error::TooLarge {
                what,
                len,
                limit: self.limits.max_block,
            });
        }
        let end = offset
            .checked_add(len)
            .ok_or(Error::Malformed { what, offset })?;
        if end > self.len {
            return Err(Error::Malformed { what, offset });
        }
        match &self.inner {
            Inner::Mem(b) => {
                self.read.set(self.read.get().saturating_add(len));
                Ok(b[offset as usize..end as usize].to_vec())
            }
            Inner::File(f) => {
                let mut c = f.borrow_mut();
                let cached_end = c.at + c.block.len() as u64;
                if offset >= c.at && end <= cached_end {
                    let s = (offset - c.at) as usize;
                    return Ok(c.block[s..s + len as usize].to_vec());
                }
                let fill = |c: &mut FileCache<'_>, at: u64, n: u64| -> std::io::Result<Vec<u8>> {
                    let mut buf = vec![0u8; n as usize];
                    c.file.seek(SeekFrom::Start(at))?;
                    c.file.read_exact(&mut buf)?;
                    Ok(buf)
                };
                if len >= BLOCK {
                    self.read.set(self.read.get().saturating_add(len));
                    return fill(&mut c, offset, len)
                        .map_err(|_| Error::Malformed { what, offset });
                }
                let n = BLOCK.min(self.len - offset);
                let block =
                    fill(&mut c, offset, n).map_err(|_| Error::Malformed { what, offset })?;
                self.read.set(self.read.get().saturating_add(n));
                c.at = offset;
                c.block = block;
                Ok(c.block[..len as usize].to_vec())
            }
        }
    }

    /// Reads up to `len` bytes at `offset` (fewer at the end of the source).
    pub(crate) fn read_upto(
        &self,
        offset: u64,
        len: u64,
        what: &'static str,
    ) -> Result<Vec<u8>, Error> {
        let avail = self.len.saturating_sub(offset);
        self.read_at(offset, len.min(avail), what)
    }
}

/// Big/little-endian integer helpers on slices, returning `None` past the end.
pub(crate) fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
pub(crate) fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
pub(crate) fn be_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}
pub(crate) fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
pub(crate) fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
