//! EXIF orientation applied to pixels.

use albumen_meta::Format;
use image::{imageops, RgbImage};

/// The EXIF orientation (1–8) to apply to the pixels as decoded, following what viewers show:
/// - JPEG, PNG, TIFF, raw previews: EXIF `Orientation` (browsers, libvips, ImageMagick).
/// - HEIC/HEIF: libheif applies `irot`/`imir`, which are authoritative when present (EXIF is
///   then ignored, as HEIF/MIAF say); when the primary image has neither, the EXIF value is
///   applied, as Windows Photos (which writes such files when rotating), Samsung's gallery and
///   libvips do.
/// - AVIF: only `irot`/`imir` (browsers ignore EXIF orientation in AVIF).
/// - WebP: EXIF, as libvips and Android's decoders do. Browsers do not (Chromium 156 measured:
///   the EXIF chunk follows the image data, and CSS Images 3 ignores orientation found after
///   it), but the corpus shows both kinds of file: an iPhone photo converted with its pixels
///   unrotated and a correct EXIF 6 (metadata-extractor's `Issue 473 (Java).webp`, sideways in
///   a browser), and a Nikon photo whose pixels were rotated while a stale EXIF 6 was kept.
///   The value the file states wins.
pub(crate) fn effective(format: Format, exif: u8, heif_transformed: bool) -> u8 {
    match format {
        Format::Heic | Format::Heif if !heif_transformed => exif,
        Format::Heic | Format::Heif | Format::Avif => 1,
        _ => exif,
    }
}

/// Turns a picture stored with EXIF orientation `o` (1–8) right way up.
pub(crate) fn apply(img: RgbImage, o: u8) -> RgbImage {
    match o {
        2 => imageops::flip_horizontal(&img),
        3 => imageops::rotate180(&img),
        4 => imageops::flip_vertical(&img),
        5 => imageops::flip_horizontal(&imageops::rotate90(&img)),
        6 => imageops::rotate90(&img),
        7 => imageops::flip_horizontal(&imageops::rotate270(&img)),
        8 => imageops::rotate270(&img),
        _ => img,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x1 picture, left pixel black, right white, in every orientation: where the black pixel
    /// lands, and the shape.
    #[test]
    fn which_formats_follow_exif() {
        assert_eq!(effective(Format::Jpeg, 6, false), 6);
        assert_eq!(effective(Format::Png, 8, false), 8);
        // HEIC: irot/imir win; without them, EXIF
        assert_eq!(effective(Format::Heic, 6, true), 1);
        assert_eq!(effective(Format::Heic, 6, false), 6);
        assert_eq!(effective(Format::Heif, 3, false), 3);
        assert_eq!(effective(Format::Avif, 6, false), 1);
        assert_eq!(effective(Format::Webp, 6, false), 6);
    }

    #[test]
    fn all_eight_orientations() {
        let mut img = RgbImage::new(2, 1);
        img.put_pixel(1, 0, image::Rgb([255, 255, 255]));
        let black_at = |o| {
            let r = apply(img.clone(), o);
            let (w, h) = r.dimensions();
            let pos = r
                .enumerate_pixels()
                .find(|(_, _, p)| p.0[0] == 0)
                .map(|(x, y, _)| (x, y));
            (w, h, pos)
        };
        assert_eq!(black_at(1), (2, 1, Some((0, 0))));
        assert_eq!(black_at(2), (2, 1, Some((1, 0))));
        assert_eq!(black_at(3), (2, 1, Some((1, 0))));
        assert_eq!(black_at(4), (2, 1, Some((0, 0))));
        // 5 = transpose: (x, y) -> (y, x)
        assert_eq!(black_at(5), (1, 2, Some((0, 0))));
        // 6 = 90° clockwise: the left column becomes the top row
        assert_eq!(black_at(6), (1, 2, Some((0, 0))));
        // 7 = transverse: (x, y) -> (h-1-y, w-1-x)
        assert_eq!(black_at(7), (1, 2, Some((0, 1))));
        // 8 = 90° counter-clockwise: the left column becomes the bottom row
        assert_eq!(black_at(8), (1, 2, Some((0, 1))));
    }
}
