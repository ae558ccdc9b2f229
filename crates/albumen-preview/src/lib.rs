//! Previews of photos and videos, perceptual hashes and duplicate groups.
//!
//! # Brief overview
//! - [`preview`] makes an upright, sRGB thumbnail of one file, cheapest right source first:
//!   an embedded JPEG preview of a raw file (located by albumen-meta's container parser),
//!   else the picture decoded at reduced size where the format allows (JPEG DCT scaling to
//!   1/2, 1/4 or 1/8; HEIF embedded thumbnails when big enough), else full decoding with the
//!   `image` crate (PNG, GIF, TIFF, WebP, BMP; TIFFs with separate planes read here), `heifer`
//!   (HEIC/HEIF, pure Rust; grids decoded tile by tile into the reduced picture) or rav1d
//!   through `albumen-av1` (AVIF), and for videos a frame taken by `ffmpeg` (a runtime
//!   dependency: without it, videos alone fail).
//! - Every decoder runs on a worker thread under `catch_unwind` with a time limit
//!   ([`Options::decode_timeout`]): a decoder's panic or hang is that file's error
//!   ([`Error::DecoderPanicked`], [`Error::DecoderTimedOut`]) and a batch goes on.
//! - Orientation is applied as viewers show it: EXIF for
//!   JPEG/PNG/TIFF/WebP/raw previews; for HEIC/HEIF, `irot`/`imir` when present (applied
//!   with the picture), else EXIF; AVIF only `irot`/`imir`; ffmpeg applies the video display
//!   matrix. ICC profiles
//!   (Display P3, Adobe RGB, ...) are converted to sRGB with qcms. An HDR photo with a gain
//!   map is previewed from its SDR base picture (the primary image; the gain map is ignored).
//! - A picture whose declared size exceeds [`Options::max_pixels`] (default
//!   [`DEFAULT_MAX_PIXELS`], 300 megapixels) is refused with [`Error::TooLarge`] before any
//!   pixel buffer is allocated.
//! - [`Cache`] keeps previews as JPEG files keyed by path, size, modification time and
//!   preview size, written atomically (temporary file + rename), and refuses to live inside a
//!   photo root.
//! - [`PerceptualHash`] hashes the thumbnail's pixels; [`dupes::find`] groups exact (same
//!   bytes) and near (resized, recompressed, converted, stripped, slightly cropped)
//!   duplicates, and never deletes anything.
//!
//! ```
//! // A 300x200 PNG, previewed at 64 pixels on the long side.
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("a.png");
//! image::RgbImage::from_pixel(300, 200, image::Rgb([200, 30, 30])).save(&path)?;
//! let p = albumen_preview::preview(&path, &albumen_preview::Options::new(64))?;
//! assert_eq!(p.image.dimensions(), (64, 43));
//! assert_eq!(p.source, albumen_preview::PreviewSource::Decoded);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod avif;
mod cache;
mod color;
mod dcjpeg;
mod decode;
pub mod dupes;
mod error;
mod guard;
mod hash;
mod heif;
mod orient;
mod tiffplanar;
mod video;

use std::path::{Path, PathBuf};

use albumen_meta::Format;
use image::{imageops, RgbImage};
use serde::{Deserialize, Serialize};

pub use cache::{write_jpeg, Cache, CachedPreview};
pub use error::Error;
pub use hash::PerceptualHash;

/// Default pixel limit: 300 megapixels (a 200-megapixel phone photo passes; a declared
/// 65535x65535 bomb does not).
pub const DEFAULT_MAX_PIXELS: u64 = 300_000_000;
/// Default time limit for decoding one picture: 2 minutes (a 200-megapixel HEIC without a
/// thumbnail takes about 10 s on one core).
pub const DEFAULT_DECODE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);
/// Largest picture file read into memory (videos are read by ffmpeg, not here).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Where a preview's pixels came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PreviewSource {
    /// A preview the file carries (raw preview JPEG, HEIF thumbnail item).
    Embedded,
    /// The picture itself, decoded (at reduced size where the format allows).
    Decoded,
    /// A frame of a video.
    VideoFrame,
}

impl PreviewSource {
    /// The name used in JSON and in the index: `embedded`, `decoded` or `video-frame`.
    ///
    /// ```
    /// assert_eq!(albumen_preview::PreviewSource::VideoFrame.name(), "video-frame");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            PreviewSource::Embedded => "embedded",
            PreviewSource::Decoded => "decoded",
            PreviewSource::VideoFrame => "video-frame",
        }
    }
}

/// The default preview cache folder: `$XDG_CACHE_HOME/albumen/previews`, else
/// `~/.cache/albumen/previews` (`None` when neither variable is set).
pub fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|b| b.join("albumen").join("previews"))
}

/// How previews are made.
#[derive(Debug, Clone)]
pub struct Options {
    /// Long side of the preview, in pixels (smaller pictures are not enlarged).
    pub size: u32,
    /// Pictures declaring more pixels than this are refused before decoding.
    pub max_pixels: u64,
    /// The ffmpeg program used for video frames.
    pub ffmpeg: PathBuf,
    /// How long one picture's decoding may take before it is given up as that file's error
    /// ([`Error::DecoderTimedOut`]; default [`DEFAULT_DECODE_TIMEOUT`]).
    pub decode_timeout: std::time::Duration,
}

impl Options {
    /// Previews of `size` pixels on the long side, default limits, `ffmpeg` from `PATH`.
    pub fn new(size: u32) -> Self {
        Options {
            size: size.max(1),
            max_pixels: DEFAULT_MAX_PIXELS,
            ffmpeg: PathBuf::from("ffmpeg"),
            decode_timeout: DEFAULT_DECODE_TIMEOUT,
        }
    }
}

/// An upright sRGB preview.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The pixels, at most [`Options::size`] on the long side.
    pub image: RgbImage,
    /// Where they came from.
    pub source: PreviewSource,
    /// The perceptual hash of `image`.
    pub hash: PerceptualHash,
}

/// Makes the preview of one file (see the crate documentation for the order of sources).
///
/// ```no_run
/// let p = albumen_preview::preview("IMG_0001.HEIC".as_ref(), &albumen_preview::Options::new(256))?;
/// p.image.save("thumb.png").ok();
/// # Ok::<(), albumen_preview::Error>(())
/// ```
pub fn preview(path: &Path, opts: &Options) -> Result<Preview, Error> {
    let md = albumen_meta::Reader::new().sidecars(false).read_path(path);
    let (format, orientation, duration, previews) = match &md {
        Ok(m) => (
            m.format.unwrap_or(Format::Unknown),
            orient::effective(
                m.format.unwrap_or(Format::Unknown),
                m.orientation.map_or(1, |o| o.get()),
                m.heif_transformed,
            ),
            m.duration_s,
            m.previews.clone(),
        ),
        Err(_) => (Format::Unknown, 1, None, Vec::new()),
    };
    if format.is_video()
        || matches!(format, Format::Mkv)
        || (format == Format::Unknown && video_name(path))
    {
        let (img, cover) = video::poster_frame(&opts.ffmpeg, path, opts.size, duration)?;
        let source = if cover {
            PreviewSource::Embedded
        } else {
            PreviewSource::VideoFrame
        };
        return Ok(finish(fit(img, opts.size), source));
    }
    let (decoded, source) = if format.is_raw() {
        match raw_preview(path, &previews, opts) {
            Ok(d) => (d, PreviewSource::Embedded),
            Err(e) if decode::decodes(format) => {
                log::debug!(
                    "{}: embedded preview unusable ({e}); decoding",
                    path.display()
                );
                decode_picture(path, format, opts)?
            }
            Err(e) => return Err(e),
        }
    } else {
        decode_picture(path, format, opts)?
    };
    let mut img = fit(decoded.image, opts.size);
    img = orient::apply(img, orientation);
    if let Some(icc) = &decoded.icc {
        color::to_srgb(&mut img, icc);
    }
    Ok(finish(img, source))
}

/// Video containers albumen-meta does not detect from their bytes (MPEG transport streams).
fn video_name(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        ext.as_str(),
        "mts" | "m2ts" | "ts" | "mpg" | "mpeg" | "webm" | "wmv" | "flv" | "3g2" | "m4v" | "mkv"
    )
}

fn finish(image: RgbImage, source: PreviewSource) -> Preview {
    let hash = PerceptualHash::of(&image);
    Preview {
        image,
        source,
        hash,
    }
}

fn decode_picture(
    path: &Path,
    format: Format,
    opts: &Options,
) -> Result<(decode::Decoded, PreviewSource), Error> {
    match decode_natively(path, format, opts) {
        Ok(d) => Ok(d),
        Err(e @ (Error::TooLarge { .. } | Error::Io { .. } | Error::DecoderTimedOut { .. })) => {
            Err(e)
        }
        // What the decoders here do not handle (palette TIFF, JPEG XL, PSD, ...), ffmpeg
        // may: it decodes the picture as stored (orientation is applied afterwards).
        Err(e) => match video::still(&opts.ffmpeg, path, opts.size) {
            Ok(image) => Ok((decode::Decoded { image, icc: None }, PreviewSource::Decoded)),
            Err(fe) => {
                log::debug!("{}: ffmpeg fallback failed too: {fe}", path.display());
                Err(e)
            }
        },
    }
}

fn decode_natively(
    path: &Path,
    format: Format,
    opts: &Options,
) -> Result<(decode::Decoded, PreviewSource), Error> {
    if !decode::decodes(format) && format != Format::Unknown {
        return Err(Error::Unsupported {
            format: format.name(),
        });
    }
    let bytes = decode::read_file(path, MAX_FILE_BYTES)?;
    // Every decoder below is third-party code (or, for JPEG's DC path, ours on hostile bytes):
    // a panic, a hang or a refused allocation is this file's error, never the batch's.
    let (size, max_pixels) = (opts.size, opts.max_pixels);
    guard::run(decoder_name(format), opts.decode_timeout, move || {
        decode_bytes(&bytes, format, size, max_pixels)
    })
}

/// The name of the decoder a format goes through, for errors.
fn decoder_name(format: Format) -> &'static str {
    match format {
        Format::Jpeg => "jpeg",
        Format::Heic | Format::Heif => "heif",
        Format::Avif => "avif",
        Format::Png => "png",
        Format::Gif => "gif",
        Format::Tiff => "tiff",
        Format::Webp => "webp",
        Format::Bmp => "bmp",
        _ => "image",
    }
}

fn decode_bytes(
    bytes: &[u8],
    format: Format,
    size: u32,
    max_pixels: u64,
) -> Result<(decode::Decoded, PreviewSource), Error> {
    let image_format = match format {
        Format::Png => Some(image::ImageFormat::Png),
        Format::Gif => Some(image::ImageFormat::Gif),
        Format::Tiff => Some(image::ImageFormat::Tiff),
        Format::Webp => Some(image::ImageFormat::WebP),
        Format::Bmp => Some(image::ImageFormat::Bmp),
        Format::Jpeg => Some(image::ImageFormat::Jpeg),
        _ => None,
    };
    match format {
        Format::Jpeg => match decode::jpeg(bytes, size, max_pixels) {
            Ok(d) => Ok((d, PreviewSource::Decoded)),
            Err(e @ Error::TooLarge { .. }) => Err(e),
            // Arithmetic coding, 12-bit and other variants: the `image` crate's decoder.
            Err(e) => decode::generic(bytes, image_format, max_pixels)
                .map(|d| (d, PreviewSource::Decoded))
                .map_err(|_| e),
        },
        Format::Heic | Format::Heif | Format::Avif => {
            let (d, embedded) = decode::heif(bytes, size, max_pixels)?;
            let source = if embedded {
                PreviewSource::Embedded
            } else {
                PreviewSource::Decoded
            };
            Ok((d, source))
        }
        Format::Tiff => match tiffplanar::decode(bytes, max_pixels) {
            Some(d) => d.map(|d| (d, PreviewSource::Decoded)),
            None => decode::generic(bytes, image_format, max_pixels)
                .map(|d| (d, PreviewSource::Decoded)),
        },
        _ => decode::generic(bytes, image_format, max_pixels).map(|d| (d, PreviewSource::Decoded)),
    }
}

/// The embedded JPEG preview of a raw file: the smallest one at least `size` on the long side,
/// else the largest.
fn raw_preview(
    path: &Path,
    previews: &[albumen_meta::EmbeddedJpeg],
    opts: &Options,
) -> Result<decode::Decoded, Error> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = albumen_meta::open_noatime(path).map_err(|e| Error::io(path, e))?;
    let mut found: Vec<(u32, u32, &albumen_meta::EmbeddedJpeg)> = Vec::new();
    for p in previews.iter().filter(|p| p.length <= MAX_FILE_BYTES) {
        let mut head = vec![0u8; p.length.min(256 << 10) as usize];
        f.seek(SeekFrom::Start(p.offset))
            .map_err(|e| Error::io(path, e))?;
        let n = read_up_to(&mut f, &mut head).map_err(|e| Error::io(path, e))?;
        head.truncate(n);
        if !head.starts_with(&[0xFF, 0xD8]) {
            continue;
        }
        let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(&head));
        if d.read_info().is_ok() {
            if let Some(i) = d.info() {
                found.push((u32::from(i.width), u32::from(i.height), p));
            }
        }
    }
    let pick = found
        .iter()
        .filter(|x| x.0.max(x.1) >= opts.size)
        .min_by_key(|x| u64::from(x.0) * u64::from(x.1))
        .or_else(|| found.iter().max_by_key(|x| u64::from(x.0) * u64::from(x.1)))
        .ok_or(Error::Unsupported {
            format: "raw without a usable embedded preview",
        })?;
    let mut bytes = vec![0u8; pick.2.length as usize];
    f.seek(SeekFrom::Start(pick.2.offset))
        .map_err(|e| Error::io(path, e))?;
    f.read_exact(&mut bytes).map_err(|e| Error::io(path, e))?;
    let (size, max_pixels) = (opts.size, opts.max_pixels);
    guard::run("jpeg", opts.decode_timeout, move || {
        decode::jpeg(&bytes, size, max_pixels)
    })
}

fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Shrinks `img` so its long side is at most `size` (never enlarges).
fn fit(img: RgbImage, size: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    if w.max(h) <= size {
        return img;
    }
    let (nw, nh) = if w >= h {
        (
            size,
            ((u64::from(h) * u64::from(size) + u64::from(w) / 2) / u64::from(w)).max(1) as u32,
        )
    } else {
        (
            ((u64::from(w) * u64::from(size) + u64::from(h) / 2) / u64::from(h)).max(1) as u32,
            size,
        )
    };
    imageops::thumbnail(&img, nw, nh)
}
