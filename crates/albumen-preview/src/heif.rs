//! HEIC/HEIF (HEVC) in Rust with `heifer` (pure Rust, MIT OR Apache-2.0; chosen over
//! `heic-rs`, `heic-decoder` and the AGPL `heic` by the numbers in BENCHMARKS.md), and AVIF
//! (AV1) through [`crate::avif`].
//!
//! What is decoded: the primary item (for a stereo pair or a multi-image file, the one the
//! file names as primary; for an HDR photo with a gain map, the SDR base picture, which is
//! the primary item), or its embedded `thmb` thumbnail when that is at least `target` on the
//! long side and of the same shape. `clap`, `irot` and `imir` are applied (by heifer for the
//! whole-picture path); EXIF orientation is the caller's business (see `orient::effective`).

use heifer::heifer_isobmff::boxes::Property;
use heifer::heifer_isobmff::{FourCC, HeifFile, ItemId};

use crate::decode::{check_pixels, Decoded};
use crate::Error;

fn err(e: impl std::fmt::Display) -> Error {
    Error::Decode {
        format: "heif",
        message: e.to_string(),
    }
}

/// The primary picture of a HEIF file (or a big enough embedded thumbnail), 8-bit RGB with
/// alpha flattened onto white; `true` when the thumbnail was used.
pub(crate) fn decode(bytes: &[u8], target: u32, limit: u64) -> Result<(Decoded, bool), Error> {
    let file = HeifFile::parse(bytes).map_err(err)?;
    let primary = file.primary_id;
    let kind = file.item(primary).map_err(err)?.item_type;
    if kind == FourCC(*b"av01") || is_av1_grid(&file, primary) {
        return crate::avif::decode(&file, target, limit);
    }
    let (w, h) = file
        .image_size(primary)
        .map_err(err)?
        .ok_or_else(|| err("the primary image has no size (ispe)"))?;
    check_pixels(w.into(), h.into(), limit)?;
    let icc = file.icc_profile(primary).ok().flatten().map(<[u8]>::to_vec);
    if kind == FourCC(*b"jpeg") {
        // A JPEG-coded HEIF (HEIF allows it; albumen's demo writes one): the item is a JPEG.
        let data = file.item_data(primary).map_err(err)?;
        let mut d = crate::decode::jpeg(&data, target, limit)?;
        d.image = transform(&file, primary, d.image, 1)?;
        if d.icc.is_none() {
            d.icc = icc;
        }
        return Ok((d, false));
    }
    if let Some(image) = thumbnail(&file, primary, (w, h), target, limit)? {
        return Ok((Decoded { image, icc }, true));
    }
    if let Some(image) = grid_shrunk(&file, primary, target, limit)? {
        return Ok((Decoded { image, icc }, false));
    }
    if let Some(image) = single_shrunk(&file, primary, target, limit)? {
        return Ok((Decoded { image, icc }, false));
    }
    let options = heifer::Options {
        max_pixels: limit,
        ..heifer::Options::default()
    };
    let img = heifer::decode_rgba8(bytes, &options).map_err(err)?;
    let image = rgba_to_rgb(img.width, img.height, &img.data, img.has_alpha, target)?;
    Ok((Decoded { image, icc }, false))
}

/// Whether `id` is a grid of AV1 tiles.
fn is_av1_grid(file: &HeifFile<'_>, id: ItemId) -> bool {
    file.item(id).is_ok_and(|i| i.item_type == FourCC(*b"grid"))
        && file
            .referenced_items(id, b"dimg")
            .first()
            .and_then(|&t| file.item(t).ok())
            .is_some_and(|t| t.item_type == FourCC(*b"av01"))
}

/// The smallest `thmb` item of the primary image that is at least `target` on the long side
/// and has the primary's shape (within 3 %), decoded.
fn thumbnail(
    file: &HeifFile<'_>,
    primary: ItemId,
    (w, h): (u32, u32),
    target: u32,
    limit: u64,
) -> Result<Option<image::RgbImage>, Error> {
    let want = f64::from(w) / f64::from(h.max(1));
    let best = file
        .referencing_items(primary, b"thmb")
        .into_iter()
        .filter_map(|id| Some((id, file.image_size(id).ok().flatten()?)))
        .filter(|&(_, (tw, th))| tw.max(th) >= target && tw > 0 && th > 0)
        .filter(|&(_, (tw, th))| {
            let a = f64::from(tw) / f64::from(th);
            (a / want - 1.0).abs() < 0.03
        })
        .min_by_key(|&(_, (tw, th))| u64::from(tw) * u64::from(th));
    let Some((id, (tw, th))) = best else {
        return Ok(None);
    };
    check_pixels(tw.into(), th.into(), limit)?;
    match heifer::decode_item(file, id, 0) {
        Ok(t) => {
            let rgba = t.to_rgba8();
            rgba_to_rgb(t.width, t.height, &rgba, t.has_alpha, target).map(Some)
        }
        Err(e) => {
            log::debug!("heif: thumbnail item {id:?} unusable ({e}); decoding the picture");
            Ok(None)
        }
    }
}

/// A grid picture (how phones store photos: 512x512 tiles) much larger than `target`, decoded
/// tile by tile, each tile box-averaged into the output as soon as it is decoded: the whole
/// picture is never held, so a 200-megapixel grid costs a few megabytes. `None` when the
/// primary item is not such a grid (or has an alpha plane): the whole-picture path decodes it.
fn grid_shrunk(
    file: &HeifFile<'_>,
    id: ItemId,
    target: u32,
    limit: u64,
) -> Result<Option<image::RgbImage>, Error> {
    if file.item(id).map_err(err)?.item_type != FourCC(*b"grid")
        || !file.referencing_items(id, b"auxl").is_empty()
    {
        return Ok(None);
    }
    let grid = file.grid(id).map_err(err)?;
    let (gw, gh) = (grid.output_width as usize, grid.output_height as usize);
    check_pixels(gw as u64, gh as u64, limit)?;
    let k = (gw.max(gh) / (2 * target.max(1) as usize)).max(1);
    let tiles = file.referenced_items(id, b"dimg");
    let columns = usize::from(grid.columns);
    if k < 2
        || columns == 0
        || tiles.len() != usize::from(grid.rows) * columns
        || tiles.iter().any(|&t| {
            file.item(t)
                .map_or(true, |i| i.item_type != FourCC(*b"hvc1"))
        })
    {
        return Ok(None);
    }
    let Some((tw, th)) = tiles
        .first()
        .and_then(|&t| file.image_size(t).ok().flatten())
    else {
        return Ok(None);
    };
    let (tw, th) = (tw as usize, th as usize);
    if tw == 0 || th == 0 || (tw as u64) * (th as u64) > limit {
        return Err(err("grid tile has an invalid size"));
    }
    let (ow, oh) = (gw.div_ceil(k), gh.div_ceil(k));
    let mut sums = vec![0u32; ow * oh * 3];
    let mut counts = vec![0u32; ow * oh];
    // A few tiles at a time in parallel, on scoped threads of their own: not on rayon's pool,
    // whose threads may all be blocked waiting for decodes like this one (`thumbs` runs files
    // on that pool, each waiting for its guarded decoder). Each batch is folded in and dropped
    // before the next.
    let batch = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let indexed: Vec<(usize, ItemId)> = tiles.iter().copied().enumerate().collect();
    for chunk in indexed.chunks(batch) {
        let decoded: Vec<(usize, Result<heifer::Image, heifer::Error>)> = std::thread::scope(|s| {
            // Named like the guard's worker and given its stack: a tile's decoder is as
            // deep as a whole picture's (the default 2 MiB of a spawned thread is not
            // what it is written for), and its panics are a decoder's, not albumen's.
            let handles: Vec<_> = chunk
                .iter()
                .filter_map(|&(i, t)| {
                    std::thread::Builder::new()
                        .name("albumen-decode-heif-tile".into())
                        .stack_size(crate::guard::STACK_BYTES)
                        .spawn_scoped(s, move || (i, heifer::decode_item(file, t, 1)))
                        .ok()
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        if decoded.len() != chunk.len() {
            return Err(err("a grid tile's decoder panicked"));
        }
        for (i, tile) in decoded {
            let tile = tile.map_err(err)?;
            let rgba = tile.to_rgba8();
            let (x0, y0) = ((i % columns) * tw, (i / columns) * th);
            let (w, h) = (tile.width as usize, tile.height as usize);
            for (y, row) in rgba.chunks_exact(w * 4).take(h).enumerate() {
                let gy = y0 + y;
                if gy >= gh {
                    break;
                }
                let cell_row = (gy / k) * ow;
                for (x, px) in row.chunks_exact(4).enumerate() {
                    let gx = x0 + x;
                    if gx >= gw {
                        break;
                    }
                    let cell = cell_row + gx / k;
                    if let (Some(s), Some(c)) =
                        (sums.get_mut(cell * 3..cell * 3 + 3), counts.get_mut(cell))
                    {
                        s[0] += u32::from(px[0]);
                        s[1] += u32::from(px[1]);
                        s[2] += u32::from(px[2]);
                        *c += 1;
                    }
                }
            }
        }
    }
    let px: Vec<u8> = sums
        .chunks_exact(3)
        .zip(&counts)
        .flat_map(|(s, &c)| {
            let c = c.max(1);
            [s[0], s[1], s[2]].map(|v| ((v + c / 2) / c) as u8)
        })
        .collect();
    let img = image::RgbImage::from_raw(ow as u32, oh as u32, px)
        .ok_or_else(|| err("pixel buffer size"))?;
    transform(file, id, img, k).map(Some)
}

/// A single coded (`hvc1`) picture at least 4x `target` on its long side and without an alpha
/// plane: the HEVC frame is decoded, its planes are box-averaged k x k straight into a reduced
/// 4:4:4 frame (k = long side / (2 x target)), and only that is converted to RGB. The
/// conversion is affine, so averaging before it is averaging after it (up to clipping), and
/// the full-size RGBA copy heifer would make (4 bytes a pixel: 800 MB at 200 MP, on top of the
/// decoded planes) is never made. `None` when the item is not such a picture.
fn single_shrunk(
    file: &HeifFile<'_>,
    id: ItemId,
    target: u32,
    limit: u64,
) -> Result<Option<image::RgbImage>, Error> {
    use heifer::heifer_hevc_dec::decoder::{decode_picture, DecodeOptions};
    use heifer::heifer_hevc_dec::recon::Frame;
    if file.item(id).map_err(err)?.item_type != FourCC(*b"hvc1")
        || !file.referencing_items(id, b"auxl").is_empty()
    {
        return Ok(None);
    }
    let Some((w, h)) = file.image_size(id).map_err(err)? else {
        return Ok(None);
    };
    let k = (w.max(h) as usize / (2 * target.max(1) as usize)).max(1);
    if k < 2 {
        return Ok(None);
    }
    let frame = {
        let stream = file.hevc_bitstream(id).map_err(err)?;
        let options = DecodeOptions {
            max_pixels: limit,
            ..DecodeOptions::default()
        };
        decode_picture(&stream, options).map_err(err)?
    };
    // `ispe` is authoritative; HEVC may code a slightly larger picture.
    let (fw, fh) = (frame.widths[0] as usize, frame.heights[0] as usize);
    let (w, h) = ((w as usize).min(fw), (h as usize).min(fh));
    if w == 0 || h == 0 {
        return Err(err("empty HEVC picture"));
    }
    let (ow, oh) = (w.div_ceil(k), h.div_ceil(k));
    let mono = frame.widths[1] == 0 || frame.heights[1] == 0;
    let planes = if mono { 1 } else { 3 };
    let mut reduced: [Vec<u16>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for (p, out) in reduced.iter_mut().enumerate().take(planes) {
        let (pw, ph) = (frame.widths[p] as usize, frame.heights[p] as usize);
        let data = &frame.planes[p];
        if pw == 0 || ph == 0 || data.len() < pw * ph {
            return Err(err("short HEVC plane"));
        }
        // Subsampling of this plane against luma (1 or 2 each way).
        let (sx, sy) = ((fw / pw).max(1), (fh / ph).max(1));
        // The plane's samples that cover the `ispe` picture.
        let (uw, uh) = (w.div_ceil(sx).min(pw), h.div_ceil(sy).min(ph));
        let mut sums = vec![0u64; ow * oh];
        let mut counts = vec![0u32; ow * oh];
        let cells_x: Vec<usize> = (0..uw).map(|x| (x * sx / k).min(ow - 1)).collect();
        for y in 0..uh {
            let row = data
                .get(y * pw..y * pw + uw)
                .ok_or_else(|| err("short HEVC plane"))?;
            let base = (y * sy / k).min(oh - 1) * ow;
            for (&v, &cx) in row.iter().zip(&cells_x) {
                if let (Some(s), Some(c)) = (sums.get_mut(base + cx), counts.get_mut(base + cx)) {
                    *s += u64::from(v);
                    *c += 1;
                }
            }
        }
        *out = sums
            .iter()
            .zip(&counts)
            .map(|(&s, &c)| {
                let c = u64::from(c.max(1));
                ((s + c / 2) / c) as u16
            })
            .collect();
    }
    let params = file
        .item_properties(id)
        .map_err(err)?
        .find_map(|p| match p {
            Property::Color(heifer::heifer_isobmff::boxes::ColorInfo::Nclx {
                matrix,
                full_range,
                ..
            }) => Some(heifer::color::ColorParams {
                matrix: *matrix,
                full_range: *full_range,
            }),
            _ => None,
        })
        .unwrap_or_else(|| heifer::color::ColorParams::from_frame(&frame));
    let (ow32, oh32) = (ow as u32, oh as u32);
    let small = Frame {
        widths: if mono { [ow32, 0, 0] } else { [ow32; 3] },
        heights: if mono { [oh32, 0, 0] } else { [oh32; 3] },
        planes: reduced,
        bit_depth: frame.bit_depth,
        chroma_format: if mono { 0 } else { 3 },
        full_range: frame.full_range,
        matrix_coeffs: frame.matrix_coeffs,
    };
    drop(frame);
    let rgba: heifer::Image<u8> = heifer::color::frame_to_rgba_sized(&small, params, ow32, oh32);
    let img = rgba_to_rgb(
        rgba.width,
        rgba.height,
        &rgba.data,
        false,
        ow.max(oh) as u32,
    )?;
    transform(file, id, img, k).map(Some)
}

/// An item's own transforms (`clap`, `irot`, `imir`, in association order) applied to its
/// picture reduced k times.
pub(crate) fn transform(
    file: &HeifFile<'_>,
    id: ItemId,
    mut img: image::RgbImage,
    k: usize,
) -> Result<image::RgbImage, Error> {
    let props: Vec<Property> = file.item_properties(id).map_err(err)?.cloned().collect();
    for p in props {
        img = match p {
            Property::CleanAperture {
                width,
                height,
                horiz_offset,
                vert_offset,
            } => clean_aperture(img, k, width, height, horiz_offset, vert_offset)?,
            Property::Rotation(q) => match q % 4 {
                1 => image::imageops::rotate270(&img),
                2 => image::imageops::rotate180(&img),
                3 => image::imageops::rotate90(&img),
                _ => img,
            },
            Property::Mirror(true) => image::imageops::flip_vertical(&img),
            Property::Mirror(false) => image::imageops::flip_horizontal(&img),
            _ => img,
        };
    }
    Ok(img)
}

/// `clap` on a picture reduced k times (the crop's centre and size divided by k).
fn clean_aperture(
    img: image::RgbImage,
    k: usize,
    width: (u32, u32),
    height: (u32, u32),
    horiz: (i32, u32),
    vert: (i32, u32),
) -> Result<image::RgbImage, Error> {
    if width.1 == 0 || height.1 == 0 || horiz.1 == 0 || vert.1 == 0 {
        return Err(err("clap with a zero denominator"));
    }
    let k = k as f64;
    let (iw, ih) = (f64::from(img.width()), f64::from(img.height()));
    let cw = f64::from(width.0) / f64::from(width.1) / k;
    let ch = f64::from(height.0) / f64::from(height.1) / k;
    let cx = f64::from(horiz.0) / f64::from(horiz.1) / k + (iw - 1.0) / 2.0;
    let cy = f64::from(vert.0) / f64::from(vert.1) / k + (ih - 1.0) / 2.0;
    let left = (cx - (cw - 1.0) / 2.0).round().clamp(0.0, iw - 1.0) as u32;
    let top = (cy - (ch - 1.0) / 2.0).round().clamp(0.0, ih - 1.0) as u32;
    let w = (cw.round() as u32).clamp(1, img.width() - left);
    let h = (ch.round() as u32).clamp(1, img.height() - top);
    Ok(image::imageops::crop_imm(&img, left, top, w, h).to_image())
}

/// 8-bit RGBA (alpha flattened onto white when `alpha`) to RGB, box-averaged on the way down
/// to about twice `target` (k x k blocks, k = long side / (2 x target), as `shrink_rgb`), so a
/// 200-megapixel picture is never copied at full size.
pub(crate) fn rgba_to_rgb(
    w: u32,
    h: u32,
    rgba: &[u8],
    alpha: bool,
    target: u32,
) -> Result<image::RgbImage, Error> {
    let (w, h) = (w as usize, h as usize);
    if w == 0 || h == 0 || rgba.len() < w.saturating_mul(h).saturating_mul(4) {
        return Err(err("short pixel data"));
    }
    let k = (w.max(h) / (2 * target.max(1) as usize)).max(1);
    let (ow, oh) = ((w / k).max(1), (h / k).max(1));
    let mut out = Vec::with_capacity(ow * oh * 3);
    let n = (k * k) as u32;
    let mut sums = vec![0u32; ow * 3];
    for oy in 0..oh {
        sums.iter_mut().for_each(|s| *s = 0);
        for y in oy * k..((oy + 1) * k).min(h) {
            let row = rgba
                .get(y * w * 4..(y + 1) * w * 4)
                .ok_or_else(|| err("short pixel data"))?;
            for (ox, sum) in sums.chunks_exact_mut(3).enumerate() {
                let block = row
                    .get(ox * k * 4..(ox + 1) * k * 4)
                    .ok_or_else(|| err("short pixel data"))?;
                for px in block.chunks_exact(4) {
                    let a = if alpha { u32::from(px[3]) } else { 255 };
                    for c in 0..3 {
                        sum[c] += (u32::from(px[c]) * a + 255 * (255 - a) + 127) / 255;
                    }
                }
            }
        }
        out.extend(sums.iter().map(|&v| ((v + n / 2) / n) as u8));
    }
    image::RgbImage::from_raw(ow as u32, oh as u32, out).ok_or_else(|| err("pixel buffer size"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgba_to_rgb_flattens_alpha_and_averages() {
        // 4x2: left half opaque red, right half fully transparent (white after flattening)
        let mut px = Vec::new();
        for _ in 0..2 {
            for x in 0..4 {
                px.extend_from_slice(if x < 2 {
                    &[255, 0, 0, 255]
                } else {
                    &[0, 0, 0, 0]
                });
            }
        }
        let img = rgba_to_rgb(4, 2, &px, true, 256).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(img.dimensions(), (4, 2));
        assert_eq!(img.get_pixel(0, 0).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(3, 1).0, [255, 255, 255]);
        // target 1: k = 2 -> 2x1 blocks
        let img = rgba_to_rgb(4, 2, &px, true, 1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(img.dimensions(), (2, 1));
        assert_eq!(img.get_pixel(1, 0).0, [255, 255, 255]);
        // alpha ignored when the image says it has none
        let img = rgba_to_rgb(4, 2, &px, false, 256).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(img.get_pixel(3, 0).0, [0, 0, 0]);
        assert!(rgba_to_rgb(4, 2, &px[..20], false, 256).is_err());
    }
}

#[cfg(test)]
mod single_tests {
    use super::*;

    /// A picture coded as one HEVC item (no grid: at most 512 px), reduced from its planes,
    /// is the picture heifer's whole-picture RGBA path gives, box-averaged the same way.
    #[test]
    fn single_picture_is_reduced_from_its_planes() {
        let (w, h) = (480u32, 320u32);
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                if x < w / 4 {
                    [20u8, 200, 40]
                } else if y < h / 2 {
                    [230, 20, 20]
                } else {
                    [20, 20, 230]
                }
            })
            .collect();
        let heic = heifer::encode_rgb8(w, h, &rgb, &heifer::EncodeOptions::default())
            .unwrap_or_else(|e| panic!("encode: {e}"));
        let file = HeifFile::parse(&heic).unwrap_or_else(|e| panic!("parse: {e}"));
        let id = file.primary_id;
        assert_eq!(
            file.item(id).map(|i| i.item_type).ok(),
            Some(FourCC(*b"hvc1"))
        );
        // target 64: k = 480 / 128 = 3
        let small = single_shrunk(&file, id, 64, 1 << 28)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("a single picture 4x the target is reduced here"));
        assert_eq!(small.dimensions(), (160, 107));
        let full = heifer::decode_rgba8(&heic, &heifer::Options::default())
            .unwrap_or_else(|e| panic!("decode: {e}"));
        let want = rgba_to_rgb(full.width, full.height, &full.data, false, 64)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(want.dimensions(), (160, 106));
        let mut diff = 0u64;
        for (x, y, p) in want.enumerate_pixels() {
            let q = small.get_pixel(x, y);
            diff +=
                p.0.iter()
                    .zip(q.0)
                    .map(|(&a, b)| u64::from(a.abs_diff(b)))
                    .sum::<u64>();
        }
        let mean = diff as f64 / (160.0 * 106.0 * 3.0);
        assert!(mean < 2.0, "mean difference {mean}");
        assert_eq!(small.get_pixel(10, 10).0.map(|v| v / 32), [0, 6, 1]);
        assert_eq!(small.get_pixel(100, 10).0.map(|v| v / 64), [3, 0, 0]);
        assert_eq!(small.get_pixel(100, 100).0.map(|v| v / 64), [0, 0, 3]);
        // Under 4x the target there is nothing to gain: the whole-picture path decodes it.
        assert!(matches!(single_shrunk(&file, id, 200, 1 << 28), Ok(None)));
    }
}
