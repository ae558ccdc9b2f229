//! Bounded random-access reading with a count of the bytes read.

use std::cell::Cell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use crate::{Error, Limits};

/// A random-access byte source: a file or a buffer. Every read is bounded by the source length
/// and by [`Limits::max_block`], and counted.
pub(crate) struct Src<'a> {
    inner: Inner<'a>,
    len: u64,
    limits: Limits,
    read: Cell<u64>,
}

enum Inner<'a> {
    File(std::cell::RefCell<File>),
    Mem(&'a [u8]),
}

impl<'a> Src<'a> {
    pub(crate) fn file(file: File, len: u64, limits: Limits) -> Self {
        Src {
            inner: Inner::File(std::cell::RefCell::new(file)),
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
        self.read.set(self.read.get().saturating_add(len));
        match &self.inner {
            Inner::Mem(b) => Ok(b[offset as usize..end as usize].to_vec()),
            Inner::File(f) => {
                let mut f = f.borrow_mut();
                let mut buf = vec![0u8; len as usize];
                f.seek(SeekFrom::Start(offset))
                    .and_then(|_| f.read_exact(&mut buf))
                    .map_err(|_| Error::Malformed { what, offset })?;
                Ok(buf)
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
