//! TIFFs with separate colour planes (PlanarConfiguration 2), strips or tiles: read plane by
//! plane with the `tiff` crate's chunk API and interleaved here. The `image` crate does not
//! read them (and through it `tiff` 0.11 panicked on tiled ones: see UPSTREAM.md); every
//! other TIFF goes through `image`.

use std::io::Cursor;

use tiff::decoder::{ChunkType, Decoder, DecodingSampleType, Limits, TiffCodingUnit};
use tiff::tags::Tag;

use crate::decode::{check_pixels, Decoded};
use crate::Error;

fn err(e: impl std::fmt::Display) -> Error {
    Error::Decode {
        format: "tiff",
        message: e.to_string(),
    }
}

/// `None` when the file is not an RGB or grey TIFF with separate planes (the caller decodes it
/// as usual); else its first image as 8-bit RGB (alpha and extra samples dropped).
pub(crate) fn decode(bytes: &[u8], limit: u64) -> Option<Result<Decoded, Error>> {
    let mut limits = Limits::default();
    limits.decoding_buffer_size = usize::try_from(limit.saturating_mul(8)).unwrap_or(usize::MAX);
    let mut d = Decoder::new(Cursor::new(bytes)).ok()?.with_limits(limits);
    if d.find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
        .ok()??
        != 2
    {
        return None;
    }
    Some(read(&mut d, limit))
}

fn read(d: &mut Decoder<Cursor<&[u8]>>, limit: u64) -> Result<Decoded, Error> {
    let (w, h) = d.dimensions().map_err(err)?;
    check_pixels(w.into(), h.into(), limit)?;
    let samples = d
        .find_tag_unsigned::<u16>(Tag::SamplesPerPixel)
        .map_err(err)?
        .unwrap_or(1);
    let photometric = d
        .find_tag_unsigned::<u16>(Tag::PhotometricInterpretation)
        .map_err(err)?
        .unwrap_or(2);
    // grey (0 = white is zero, 1 = black is zero) or RGB
    let colours: u16 = match photometric {
        0 | 1 => 1,
        2 if samples >= 3 => 3,
        _ => {
            return Err(err(format!(
                "separate planes with photometric interpretation {photometric}"
            )))
        }
    };
    let (cw, ch) = d.chunk_dimensions();
    let (cw, ch) = (cw.max(1) as usize, ch.max(1) as usize);
    let (w, h) = (w as usize, h as usize);
    let across = match d.get_chunk_type() {
        ChunkType::Tile => w.div_ceil(cw),
        ChunkType::Strip => 1,
    };
    let per_plane = across * h.div_ceil(ch);
    let total = match d.get_chunk_type() {
        ChunkType::Tile => d.tile_count().map_err(err)? as usize,
        ChunkType::Strip => d.strip_count().map_err(err)? as usize,
    };
    if total < per_plane * usize::from(colours) {
        return Err(err(format!(
            "{total} chunks for {colours} planes of {per_plane}"
        )));
    }
    let mut rgb = vec![0u8; w * h * 3];
    // One coding unit = the chunks of every plane covering one region (tile or strip).
    for c in 0..per_plane {
        let unit = TiffCodingUnit(u32::try_from(c).map_err(err)?);
        let layout = d.image_coding_unit_layout(unit).map_err(err)?;
        let bps = match layout.sample_type {
            Some(DecodingSampleType::U8) => 1,
            Some(DecodingSampleType::U16) => 2,
            _ => {
                return Err(err(
                    "sample format of separate planes (8 and 16-bit are read)",
                ))
            }
        };
        // tiff 0.11.3 wants room for a whole padded tile in the last plane (edge tiles
        // otherwise fail its assertion; see UPSTREAM.md): one tile of slack.
        let mut buf = vec![0u8; layout.complete_len + cw * ch * bps];
        d.read_coding_unit_bytes(unit, &mut buf).map_err(err)?;
        let plane_stride = layout.plane_stride.map_or(layout.len, |n| n.get());
        let (x0, y0) = ((c % across) * cw, (c / across) * ch);
        let dw = cw.min(w.saturating_sub(x0));
        let dh = ch.min(h.saturating_sub(y0));
        let row_stride = layout.row_stride.map_or(dw * bps, |n| n.get());
        for plane in 0..usize::from(colours) {
            for y in 0..dh {
                let at = plane * plane_stride + y * row_stride;
                let Some(row) = buf.get(at..at + dw * bps) else {
                    return Err(err("short chunk"));
                };
                for (x, s) in row.chunks_exact(bps).enumerate() {
                    // 16-bit samples are in native order: the high byte is the 8-bit value.
                    let v = if bps == 2 {
                        (u16::from_ne_bytes([s[0], s[1]]) >> 8) as u8
                    } else {
                        s[0]
                    };
                    let v = if photometric == 0 { 255 - v } else { v };
                    let o = ((y0 + y) * w + x0 + x) * 3;
                    if colours == 1 {
                        if let Some(px) = rgb.get_mut(o..o + 3) {
                            px.copy_from_slice(&[v, v, v]);
                        }
                    } else if let Some(s) = rgb.get_mut(o + plane) {
                        *s = v;
                    }
                }
            }
        }
    }
    let image = image::RgbImage::from_raw(w as u32, h as u32, rgb).ok_or_else(|| err("size"))?;
    let icc = d
        .get_tag_u8_vec(Tag::IccProfile)
        .ok()
        .filter(|v| !v.is_empty());
    Ok(Decoded { image, icc })
}
