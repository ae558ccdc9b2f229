//! Camera raw files are never rewritten: their edits go to an XMP sidecar, and only the capture
//! date strings inside the file are patched in place when the new string has the same size, so
//! that the file and the sidecar agree.
//!
//! The TIFF blocks holding those dates are found structurally where the container is known
//! (a TIFF-based raw's own header, CR3's `CMT1`/`CMT2` boxes) and, for the other containers
//! (RAF, MRW, X3F and embedded previews), by looking for TIFF headers whose first directory
//! parses as a plausible IFD; a date is only patched where the old string parses as an EXIF date.

use crate::edit::{parse_exif_date, parse_offset, Fields, TimeChange, TimeValue};
use crate::fields;
use crate::tiff::{self, tag};

/// Offsets of TIFF headers in the file that start a plausible TIFF block.
pub(crate) fn tiff_blocks(b: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    let mut i = 0;
    while i + 8 <= b.len() {
        let w = &b[i..i + 4];
        if w == b"II*\0"
            || w == b"MM\0*"
            || (i == 0 && (w == b"IIRO" || w == b"IIU\0" || w == b"MMOR"))
        {
            if let Some(blk) = b.get(i..) {
                if let Ok(d) = tiff::dirs(blk) {
                    if tiff::plausible(&d.ifd0) {
                        v.push(i);
                    }
                }
            }
        }
        i += 1;
    }
    v
}

/// Capture time, GPS and rating from the first TIFF block that has them.
pub(crate) fn read_fields(b: &[u8]) -> Fields {
    let mut out = Fields::default();
    for p in tiff_blocks(b) {
        let blk = &b[p..];
        let mut f = fields::read_exif(blk);
        if f.time.is_none() {
            // CR3 CMT2: the Exif directory is the block's first IFD
            if let Ok(d) = tiff::dirs(blk) {
                let s = |t: u16| d.ifd0.get(t).and_then(|x| x.ascii(blk));
                if let Some(local) = s(tag::DATE_TIME_ORIGINAL).and_then(|v| parse_exif_date(&v)) {
                    f.time = Some(TimeValue {
                        local,
                        subsec: s(tag::SUB_SEC_TIME_ORIGINAL).filter(|v| !v.is_empty()),
                        offset: s(tag::OFFSET_TIME_ORIGINAL).and_then(|v| parse_offset(&v)),
                    });
                }
            }
        }
        out = fields::merge(f, out);
    }
    out
}

/// Patches the dates of every TIFF block in place; returns the number of values changed.
pub(crate) fn patch_dates(b: &mut [u8], t: &TimeChange) -> usize {
    let mut n = 0;
    for p in tiff_blocks(b) {
        if let Some(blk) = b.get_mut(p..) {
            if let Ok(d) = tiff::dirs(blk) {
                n += fields::patch_dirs_dates(blk, &d, t).unwrap_or(0);
            }
        }
    }
    n
}

/// Whether a directory holds only GPS tags (0x00..=0x1F), as a GPS directory does.
fn gps_like(ifd: &tiff::Ifd) -> bool {
    !ifd.entries.is_empty() && ifd.entries.iter().all(|x| x.tag < 0x20)
}

/// Zeroes, in place, every GPS directory of the file's TIFF blocks and the values it points to
/// (the directory is left empty, so the pointers to it stay valid and every other offset is
/// unchanged): the GPS directory of each block's IFD0, and CR3's `CMT4` box, whose first
/// directory is the GPS directory. Returns the number of directories zeroed.
pub(crate) fn wipe_gps(b: &mut [u8]) -> usize {
    let mut n = 0;
    for p in tiff_blocks(b) {
        let cmt4 = p >= 4 && b.get(p - 4..p) == Some(&b"CMT4"[..]);
        let Some(blk) = b.get_mut(p..) else { continue };
        let Ok(d) = tiff::dirs(blk) else { continue };
        if let Some(g) = d.gps.as_ref().filter(|g| gps_like(g)) {
            tiff::wipe_ifd(blk, g);
            n += 1;
        } else if cmt4 && gps_like(&d.ifd0) {
            tiff::wipe_ifd(blk, &d.ifd0);
            n += 1;
        }
    }
    n
}
