//! ICC profiles to sRGB (qcms, a colour-management library; no hand-written colour maths).

use image::RgbImage;

/// Converts `img` from the colour space of the ICC profile `icc` to sRGB. A profile qcms cannot
/// read, or a grey / CMYK profile, leaves the pixels as they are (and says so in the log).
pub(crate) fn to_srgb(img: &mut RgbImage, icc: &[u8]) {
    let Some(src) = qcms::Profile::new_from_slice(icc, false) else {
        log::debug!("unreadable ICC profile ({} bytes): pixels kept", icc.len());
        return;
    };
    if is_srgb(&src) {
        return;
    }
    let dst = qcms::Profile::new_sRGB();
    match qcms::Transform::new(&src, &dst, qcms::DataType::RGB8, qcms::Intent::Perceptual) {
        Some(t) => t.apply(img.as_mut()),
        None => log::debug!("no RGB transform for this ICC profile: pixels kept"),
    }
}

/// A profile that declares itself sRGB needs no work.
fn is_srgb(p: &qcms::Profile) -> bool {
    p.is_sRGB()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_profile_keeps_pixels() {
        let mut img = RgbImage::from_pixel(2, 2, image::Rgb([10, 200, 30]));
        to_srgb(&mut img, b"not an icc profile at all");
        assert_eq!(img.get_pixel(1, 1).0, [10, 200, 30]);
    }
}
