//! AVIF: AV1 pictures in HEIF, decoded with rav1d (through `albumen-av1`), converted from
//! YCbCr with the matrix of the `colr`/`nclx` property (else the AV1 sequence header; BT.601
//! when neither says), grids composed, alpha flattened onto white, `clap`/`irot`/`imir`
//! applied.

use heifer::heifer_isobmff::boxes::{ColorInfo, Property};
use heifer::heifer_isobmff::{FourCC, HeifFile, ItemId};

use crate::decode::{check_pixels, Decoded};
use crate::Error;

fn err(e: impl std::fmt::Display) -> Error {
    Error::Decode {
        format: "avif",
        message: e.to_string(),
    }
}

/// The primary picture of an AVIF file, 8-bit RGB, box-averaged to about twice `target`.
pub(crate) fn decode(
    file: &HeifFile<'_>,
    target: u32,
    limit: u64,
) -> Result<(Decoded, bool), Error> {
    let id = file.primary_id;
    if let Some((w, h)) = file.image_size(id).map_err(err)? {
        check_pixels(w.into(), h.into(), limit)?;
    }
    let icc = file.icc_profile(id).ok().flatten().map(<[u8]>::to_vec);
    let (w, h, mut rgb) = item_rgb(file, id, limit, 0)?;
    // An alpha auxiliary image: flattened onto white.
    for aux in file.referencing_items(id, b"auxl") {
        let is_alpha = file
            .item_properties(aux)
            .map_err(err)?
            .any(|p| matches!(p, Property::AuxiliaryType(t) if t.contains("alpha")));
        if !is_alpha {
            continue;
        }
        if let Ok((aw, ah, alpha)) = item_plane(file, aux, limit, 0) {
            if (aw, ah) == (w, h) {
                for (px, &a) in rgb.chunks_exact_mut(3).zip(&alpha) {
                    let a = u32::from(a);
                    for c in px.iter_mut() {
                        *c = ((u32::from(*c) * a + 255 * (255 - a) + 127) / 255) as u8;
                    }
                }
            }
        }
        break;
    }
    let img = crate::decode::shrink_rgb(&rgb, w * 3, w, h, target)
        .ok_or_else(|| err("pixel buffer size"))?;
    drop(rgb);
    let image = crate::heif::transform(file, id, img, 1)?;
    Ok((Decoded { image, icc }, false))
}

/// An `av01` item or a grid of them, as 8-bit RGB (before the item's transforms).
fn item_rgb(
    file: &HeifFile<'_>,
    id: ItemId,
    limit: u64,
    depth: u32,
) -> Result<(usize, usize, Vec<u8>), Error> {
    let kind = file.item(id).map_err(err)?.item_type;
    if kind == FourCC(*b"grid") && depth == 0 {
        let grid = file.grid(id).map_err(err)?;
        let (gw, gh) = (grid.output_width as usize, grid.output_height as usize);
        check_pixels(gw as u64, gh as u64, limit)?;
        let columns = usize::from(grid.columns);
        let tiles = file.referenced_items(id, b"dimg");
        if columns == 0 || tiles.len() != columns * usize::from(grid.rows) {
            return Err(err("grid tile count does not match its rows and columns"));
        }
        let mut out = vec![0u8; gw * gh * 3];
        let (mut tw, mut th) = (0, 0);
        for (i, &t) in tiles.iter().enumerate() {
            let (w, h, px) = item_rgb(file, t, limit, depth + 1)?;
            if i == 0 {
                (tw, th) = (w, h);
            }
            let (x0, y0) = ((i % columns) * tw, (i / columns) * th);
            for (y, row) in px.chunks_exact(w * 3).enumerate() {
                let gy = y0 + y;
                if gy >= gh || x0 >= gw {
                    break;
                }
                let n = w.min(gw - x0) * 3;
                let o = (gy * gw + x0) * 3;
                if let (Some(dst), Some(src)) = (out.get_mut(o..o + n), row.get(..n)) {
                    dst.copy_from_slice(src);
                }
            }
        }
        return Ok((gw, gh, out));
    }
    if kind != FourCC(*b"av01") {
        return Err(err(format!("image item type `{kind}`")));
    }
    let data = file.item_data(id).map_err(err)?;
    let pic = albumen_av1::decode(&data, limit).map_err(err)?;
    let (matrix, full) = nclx(file, id).unwrap_or((u16::from(pic.matrix), pic.full_range));
    Ok((pic.width, pic.height, to_rgb(&pic, matrix, full)))
}

/// A monochrome reading of an item (alpha planes): luma scaled to 8 bits.
fn item_plane(
    file: &HeifFile<'_>,
    id: ItemId,
    limit: u64,
    _depth: u32,
) -> Result<(usize, usize, Vec<u8>), Error> {
    let data = file.item_data(id).map_err(err)?;
    let pic = albumen_av1::decode(&data, limit).map_err(err)?;
    let max = (1u32 << pic.bit_depth) - 1;
    let (lo, hi) = if pic.full_range {
        (0, max)
    } else {
        (16 << (pic.bit_depth - 8), 235 << (pic.bit_depth - 8))
    };
    let span = (hi - lo).max(1);
    let a = pic
        .y
        .iter()
        .map(|&v| ((u32::from(v).clamp(lo, hi) - lo) * 255 / span) as u8)
        .collect();
    Ok((pic.width, pic.height, a))
}

/// The `nclx` matrix and range of an item, when it has one.
fn nclx(file: &HeifFile<'_>, id: ItemId) -> Option<(u16, bool)> {
    file.item_properties(id).ok()?.find_map(|p| match p {
        Property::Color(ColorInfo::Nclx {
            matrix, full_range, ..
        }) => Some((*matrix, *full_range)),
        _ => None,
    })
}

/// YCbCr (any depth, any subsampling; chroma taken at the nearest sample) to 8-bit RGB.
fn to_rgb(p: &albumen_av1::Picture, matrix: u16, full: bool) -> Vec<u8> {
    let (kr, kb) = match matrix {
        1 => (0.2126, 0.0722),
        9 | 10 => (0.2627, 0.0593),
        4 => (0.30, 0.11),
        7 => (0.212, 0.087),
        _ => (0.299, 0.114), // 5, 6, and 2 (unspecified): BT.601, as libavif
    };
    let kg = 1.0 - kr - kb;
    let max = f32::from((1u16 << p.bit_depth) - 1);
    let scale = f32::from(1u16 << (p.bit_depth - 8));
    let (yoff, yscale, cscale) = if full {
        (0.0, max, max)
    } else {
        (16.0 * scale, 219.0 * scale, 224.0 * scale)
    };
    let mid = f32::from(1u16 << (p.bit_depth - 1));
    let (sx, sy) = match p.layout {
        albumen_av1::Layout::Yuv420 => (1, 1),
        albumen_av1::Layout::Yuv422 => (1, 0),
        _ => (0, 0),
    };
    let mut out = Vec::with_capacity(p.width * p.height * 3);
    let to8 = |v: f32| (v * 255.0).round().clamp(0.0, 255.0) as u8;
    for y in 0..p.height {
        for x in 0..p.width {
            let luma = f32::from(p.y.get(y * p.width + x).copied().unwrap_or(0));
            let yv = (luma - yoff) / yscale;
            if p.layout == albumen_av1::Layout::Monochrome {
                let g = to8(yv);
                out.extend_from_slice(&[g, g, g]);
                continue;
            }
            let ci = (y >> sy) * p.chroma_width + (x >> sx);
            let cb = (f32::from(p.u.get(ci).copied().unwrap_or(0)) - mid) / cscale;
            let cr = (f32::from(p.v.get(ci).copied().unwrap_or(0)) - mid) / cscale;
            if matrix == 0 {
                // identity (GBR): Y = G, Cb = B, Cr = R
                let g = luma / max;
                let b = (cb * cscale + mid) / max;
                let r = (cr * cscale + mid) / max;
                out.extend_from_slice(&[to8(r), to8(g), to8(b)]);
                continue;
            }
            let r = yv + 2.0 * (1.0 - kr) * cr;
            let b = yv + 2.0 * (1.0 - kb) * cb;
            let g = (yv - kr * r - kb * b) / kg;
            out.extend_from_slice(&[to8(r), to8(g), to8(b)]);
        }
    }
    out
}
