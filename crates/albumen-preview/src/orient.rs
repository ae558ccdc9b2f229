//! EXIF orientation applied to pixels.

use image::{imageops, RgbImage};

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
