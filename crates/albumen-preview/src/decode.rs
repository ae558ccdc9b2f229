//! Pixel sources: JPEG with DCT scaling, HEIF/AVIF through libheif, the `image` crate for
//! PNG/GIF/TIFF/WebP/BMP, embedded previews of raw files, video frames through ffmpeg.

use std::io::Cursor;
use std::path::Path;
#[cfg(feature = "libheif")]
use std::sync::OnceLock;

use albumen_meta::Format;
use image::{DynamicImage, ImageDecoder, RgbImage};

use crate::Error;

/// Pixels as decoded, before orientation and resizing.
pub(crate) struct Decoded {
    pub image: RgbImage,
    /// ICC profile the pixels are in, when the file carries one.
    pub icc: Option<Vec<u8>>,
}

pub(crate) fn check_pixels(w: u64, h: u64, limit: u64) -> Result<(), Error> {
    if w.saturating_mul(h) > limit || w == 0 || h == 0 {
        if w == 0 || h == 0 {
            return Err(Error::Decode {
                format: "image",
                message: format!("empty picture {w}x{h}"),
            });
        }
        return Err(Error::TooLarge {
            width: w,
            height: h,
            limit,
        });
    }
    Ok(())
}

/// JPEG: reads the header, refuses a declared size over `limit`, then decodes at the smallest
/// DCT scale (1/8, 1/4, 1/2, 1) that still gives at least `target` pixels on the long side.
pub(crate) fn jpeg(bytes: &[u8], target: u32, limit: u64) -> Result<Decoded, Error> {
    let err = |e: jpeg_decoder::Error| Error::Decode {
        format: "jpeg",
        message: e.to_string(),
    };
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.read_info().map_err(err)?;
    let Some(info) = d.info() else {
        return Err(Error::Decode {
            format: "jpeg",
            message: "no frame header".into(),
        });
    };
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_pixels(w.into(), h.into(), limit)?;
    // At 1/8 scale only the DC coefficients matter: the fast path reads just those (and
    // skips a progressive file's AC scans); what it does not handle falls through to here.
    if w.max(h).div_ceil(8) >= target {
        match crate::dcjpeg::decode(bytes, limit) {
            Ok(d) => return Ok(d),
            Err(why) => log::debug!("jpeg: DC-only path not taken: {why}"),
        }
    }
    d.set_max_decoding_buffer_size(usize::try_from(limit.saturating_mul(4)).unwrap_or(usize::MAX));
    let long = w.max(h);
    if target < long {
        let rw = (u64::from(w) * u64::from(target))
            .div_ceil(u64::from(long))
            .max(1);
        let rh = (u64::from(h) * u64::from(target))
            .div_ceil(u64::from(long))
            .max(1);
        d.scale(
            u16::try_from(rw).unwrap_or(u16::MAX),
            u16::try_from(rh).unwrap_or(u16::MAX),
        )
        .map_err(err)?;
    }
    let px = d.decode().map_err(err)?;
    let Some(info) = d.info() else {
        return Err(Error::Decode {
            format: "jpeg",
            message: "no frame header".into(),
        });
    };
    let (sw, sh) = (u32::from(info.width), u32::from(info.height));
    let n = (sw as usize) * (sh as usize);
    let rgb: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => px,
        jpeg_decoder::PixelFormat::L8 => px.iter().flat_map(|&v| [v, v, v]).collect(),
        jpeg_decoder::PixelFormat::L16 => px
            .chunks_exact(2)
            .flat_map(|c| [c[0], c[0], c[0]])
            .collect(),
        // jpeg-decoder gives CMYK as ink amounts (255 = full ink, Adobe's inversion undone);
        // R = (1-C)(1-K) etc. is the naive conversion (the CMYK profile is not applied).
        jpeg_decoder::PixelFormat::CMYK32 => px
            .chunks_exact(4)
            .flat_map(|c| {
                let k = 255 - u16::from(c[3]);
                [c[0], c[1], c[2]].map(|v| (((255 - u16::from(v)) * k) / 255) as u8)
            })
            .collect(),
    };
    if rgb.len() < n * 3 {
        return Err(Error::Decode {
            format: "jpeg",
            message: "short pixel data".into(),
        });
    }
    let image = RgbImage::from_raw(sw, sh, rgb).ok_or(Error::Decode {
        format: "jpeg",
        message: "pixel buffer size".into(),
    })?;
    let icc = d.icc_profile();
    let cmyk = info.pixel_format == jpeg_decoder::PixelFormat::CMYK32;
    Ok(Decoded {
        image,
        icc: if cmyk { None } else { icc },
    })
}

/// PNG, GIF (first frame), TIFF/BigTIFF, WebP, BMP, and JPEG as a fallback, through `image`:
/// the declared size is checked against `limit` before decoding; transparency is flattened
/// onto white.
pub(crate) fn generic(
    bytes: &[u8],
    format: Option<image::ImageFormat>,
    limit: u64,
) -> Result<Decoded, Error> {
    let err = |e: image::ImageError| Error::Decode {
        format: "image",
        message: e.to_string(),
    };
    let mut reader = match format {
        Some(f) => image::ImageReader::with_format(Cursor::new(bytes), f),
        None => image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| Error::Decode {
                format: "image",
                message: e.to_string(),
            })?,
    };
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(limit.saturating_mul(8));
    reader.limits(limits);
    let mut dec = reader.into_decoder().map_err(err)?;
    let (w, h) = dec.dimensions();
    check_pixels(w.into(), h.into(), limit)?;
    let icc = dec.icc_profile().ok().flatten();
    let img = DynamicImage::from_decoder(dec).map_err(err)?;
    let image = if img.color().has_alpha() {
        flatten(&img.to_rgba8())
    } else {
        img.to_rgb8()
    };
    Ok(Decoded { image, icc })
}

fn flatten(rgba: &image::RgbaImage) -> RgbImage {
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let mix = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
        image::Rgb([mix(p[0]), mix(p[1]), mix(p[2])])
    })
}

#[cfg(feature = "libheif")]
fn libheif() -> &'static libheif_rs::LibHeif {
    static LIB: OnceLock<libheif_rs::LibHeif> = OnceLock::new();
    LIB.get_or_init(libheif_rs::LibHeif::new)
}

/// HEIC/HEIF/AVIF through libheif: the primary image (for an HDR photo with a gain map, the
/// SDR base), or its embedded thumbnail when that is at least `target` on the long side.
/// libheif applies the file's rotation and mirroring (`irot`/`imir`) itself; EXIF orientation
/// is the caller's business (see `orient::effective`).
#[cfg(not(feature = "libheif"))]
pub(crate) fn heif(bytes: &[u8], target: u32, limit: u64) -> Result<(Decoded, bool), Error> {
    crate::heif::decode(bytes, target, limit)
}

#[cfg(feature = "libheif")]
pub(crate) fn heif(bytes: &[u8], target: u32, limit: u64) -> Result<(Decoded, bool), Error> {
    let err = |e: libheif_rs::HeifError| Error::Decode {
        format: "heif",
        message: e.to_string(),
    };
    let ctx = libheif_rs::HeifContext::read_from_bytes(bytes).map_err(err)?;
    let primary = ctx.primary_image_handle().map_err(err)?;
    let (w, h) = (primary.width(), primary.height());
    check_pixels(w.into(), h.into(), limit)?;
    let icc = primary.color_profile_raw().map(|p| p.data);
    // An embedded thumbnail big enough for the target saves decoding the whole picture.
    let mut handle = primary;
    let mut embedded = false;
    let n = handle.number_of_thumbnails();
    if n > 0 && n < 16 {
        let mut ids = vec![0; n];
        let got = handle.thumbnail_ids(&mut ids);
        let best = ids
            .iter()
            .take(got)
            .filter_map(|&id| handle.thumbnail(id).ok())
            .filter(|t| t.width().max(t.height()) >= target)
            // same shape as the primary (a thumbnail of the un-rotated picture would not be)
            .filter(|t| {
                let a = f64::from(t.width()) / f64::from(t.height().max(1));
                let b = f64::from(w) / f64::from(h.max(1));
                (a / b - 1.0).abs() < 0.03
            })
            .min_by_key(|t| t.width().saturating_mul(t.height()));
        if let Some(t) = best {
            handle = t;
            embedded = true;
        }
    }
    check_pixels(handle.width().into(), handle.height().into(), limit)?;
    // No decoding options: with libheif 1.15 and libheif-sys 1.16's bindings, passing any
    // options made libheif ignore the rotation (measured on the corpus's iPhone HEICs).
    // Interleaved 8-bit RGB is requested; libheif converts 10-bit pictures to it.
    let img = libheif()
        .decode(
            &handle,
            libheif_rs::ColorSpace::Rgb(libheif_rs::RgbChroma::Rgb),
            None,
        )
        .map_err(err)?;
    let planes = img.planes();
    let Some(p) = planes.interleaved else {
        return Err(Error::Decode {
            format: "heif",
            message: "no interleaved RGB plane".into(),
        });
    };
    let (pw, ph) = (p.width as usize, p.height as usize);
    if p.storage_bits_per_pixel != 24 || p.stride < pw * 3 || p.data.len() < p.stride * ph {
        return Err(Error::Decode {
            format: "heif",
            message: format!(
                "unexpected plane layout ({} bits)",
                p.storage_bits_per_pixel
            ),
        });
    }
    let image = shrink_rgb(p.data, p.stride, pw, ph, target).ok_or(Error::Decode {
        format: "heif",
        message: "pixel buffer size".into(),
    })?;
    Ok((Decoded { image, icc }, embedded))
}

/// Copies interleaved 8-bit RGB rows (`stride` bytes apart) into an image, averaging k x k
/// blocks on the way when the picture is at least twice `target` on its long side (k =
/// long side / (2 x target)), so a 200-megapixel picture is never copied at full size: the
/// result keeps at least twice the target for the final resize.
pub(crate) fn shrink_rgb(
    data: &[u8],
    stride: usize,
    w: usize,
    h: usize,
    target: u32,
) -> Option<RgbImage> {
    let k = (w.max(h) / (2 * target.max(1) as usize)).max(1);
    let (ow, oh) = ((w / k).max(1), (h / k).max(1));
    let mut out = Vec::with_capacity(ow * oh * 3);
    let n = (k * k) as u32;
    for oy in 0..oh {
        let mut sums = vec![0u32; ow * 3];
        for y in oy * k..((oy + 1) * k).min(h) {
            let row = data.get(y * stride..y * stride + w * 3)?;
            for (ox, sum) in sums.chunks_exact_mut(3).enumerate() {
                let block = row.get(ox * k * 3..(ox + 1) * k * 3)?;
                for px in block.chunks_exact(3) {
                    sum[0] += u32::from(px[0]);
                    sum[1] += u32::from(px[1]);
                    sum[2] += u32::from(px[2]);
                }
            }
        }
        out.extend(sums.iter().map(|&v| ((v + n / 2) / n) as u8));
    }
    RgbImage::from_raw(ow as u32, oh as u32, out)
}

/// Whether a format is decoded through `image` (or a dedicated decoder) here.
pub(crate) fn decodes(format: Format) -> bool {
    matches!(
        format,
        Format::Jpeg
            | Format::Heic
            | Format::Heif
            | Format::Avif
            | Format::Png
            | Format::Webp
            | Format::Tiff
            | Format::Gif
            | Format::Bmp
    )
}

/// Reads a whole file, refusing files over `max` bytes.
pub(crate) fn read_file(path: &Path, max: u64) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let f = albumen_meta::open_noatime(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if len > max {
        return Err(Error::Decode {
            format: "file",
            message: format!("{len} bytes is over the {max}-byte limit for pictures"),
        });
    }
    let mut buf = Vec::with_capacity(len as usize);
    f.take(max)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(path, e))?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_rgb_averages_blocks_and_keeps_small_pictures() {
        // 8x4, stride 26 (2 bytes of padding): left half black, right half white
        let (w, h, stride) = (8usize, 4usize, 26usize);
        let mut data = vec![7u8; stride * h];
        for y in 0..h {
            for x in 0..w {
                let v = if x < 4 { 0 } else { 255 };
                data[y * stride + x * 3..y * stride + x * 3 + 3].copy_from_slice(&[v, v, v]);
            }
        }
        // target 2: k = 8 / 4 = 2 -> 4x2
        let img = shrink_rgb(&data, stride, w, h, 2).unwrap_or_else(|| panic!("shrink"));
        assert_eq!(img.dimensions(), (4, 2));
        assert_eq!(img.get_pixel(1, 1).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(2, 0).0, [255, 255, 255]);
        // a block straddling the edge averages to grey; target 256: copied as is
        let img = shrink_rgb(&data, stride, w, h, 1).unwrap_or_else(|| panic!("shrink"));
        assert_eq!(img.dimensions(), (2, 1));
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 0]);
        let img = shrink_rgb(&data, stride, w, h, 256).unwrap_or_else(|| panic!("shrink"));
        assert_eq!(img.dimensions(), (8, 4));
        assert_eq!(img.get_pixel(7, 3).0, [255, 255, 255]);
        // short data: None, not a panic
        assert!(shrink_rgb(&data[..50], stride, w, h, 2).is_none());
    }
}
