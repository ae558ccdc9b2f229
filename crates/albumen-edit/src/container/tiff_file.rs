//! TIFF and DNG files: the file is the TIFF block. Changed directories are appended at the end of
//! the file and re-pointed; strips, tiles and every other byte stay where they were. XMP lives
//! in IFD0 tag 700 (`XMLPacket`).

use super::Parts;
use crate::error::Result;
use crate::tiff::{self, IfdChange, Value};

const XML_PACKET: u16 = 700;

pub(crate) fn parts(b: &[u8]) -> Result<Parts> {
    let d = tiff::dirs(b)?;
    let xmp = d
        .ifd0
        .get(XML_PACKET)
        .and_then(|x| x.value_in(b))
        .map(albumen_meta::decode_xmp_packet);
    Ok(Parts {
        exif: Some(b.to_vec()),
        xmp,
    })
}

/// `tiff` is the file after the EXIF edit (or the original); the XMP packet is appended and IFD0
/// re-pointed when given.
pub(crate) fn rebuild(mut tiff_bytes: Vec<u8>, xmp: Option<&str>) -> Result<Vec<u8>> {
    if let Some(x) = xmp {
        let d = tiff::dirs(&tiff_bytes)?;
        let e = d.header.order;
        let mut ch = IfdChange::default();
        let mut v = Value::bytes(x.as_bytes());
        v.typ = 1; // BYTE, as Adobe writes it
        ch.set(XML_PACKET, v);
        if !tiff::patch_in_place(&mut tiff_bytes, &d.ifd0, &ch) {
            let reserve = tiff::dangling_reserve(&tiff_bytes, &d);
            tiff::pad_to(&mut tiff_bytes, reserve);
            let off = tiff::append_ifd(&mut tiff_bytes, e, Some(&d.ifd0), &ch)?;
            tiff::put_pointer(&mut tiff_bytes, e, 4, off)?;
        }
    }
    Ok(tiff_bytes)
}
