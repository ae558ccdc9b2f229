//! Decoding round 2: files that took a batch down are now pictures (or that file's error),
//! and HEIC/AVIF decode in Rust.
//!
//! Fixtures (made with libtiff-tools from a 40x24 picture, top half red, bottom half blue):
//! `tiled-separate-planes.tif` = `tiffcp -t -w 16 -l 16 -p separate`, the `-lzw` one adds
//! `-c lzw`, `strip-separate-planes.tif` = `tiffcp -p separate -r 5`. Through the `image`
//! crate (tiff 0.11.3) the tiled ones panicked inside `tiff` (see UPSTREAM.md).

#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};

use albumen_preview::{preview, Options, PreviewSource};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn assert_red_over_blue(img: &image::RgbImage) {
    let (w, h) = img.dimensions();
    let top = img.get_pixel(w / 2, h / 5).0;
    let bottom = img.get_pixel(w / 2, h * 4 / 5).0;
    assert!(top[0] > 200 && top[2] < 60, "top should be red: {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom should be blue: {bottom:?}"
    );
}

#[test]
fn tiffs_with_separate_planes_are_pictures() {
    for name in ["tiled-separate-planes.tif", "strip-separate-planes.tif"] {
        let mut o = Options::new(64);
        // no fallback to ffmpeg: the picture must come from our own reading
        o.ffmpeg = PathBuf::from("/nonexistent/ffmpeg");
        let p = preview(&fixture(name), &o).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.image.dimensions(), (40, 24), "{name}");
        assert_eq!(p.source, PreviewSource::Decoded);
        assert_red_over_blue(&p.image);
    }
}

/// LZW-compressed tiled planes: tiff 0.11.3 misreads the last plane of an edge tile ("no lzw
/// end code found", see UPSTREAM.md): that file's error, never a panic, and the batch goes on.
#[test]
fn lzw_tiled_separate_planes_are_a_picture_or_an_error() {
    let mut o = Options::new(64);
    o.ffmpeg = PathBuf::from("/nonexistent/ffmpeg");
    match preview(&fixture("tiled-separate-planes-lzw.tif"), &o) {
        Ok(p) => assert_red_over_blue(&p.image),
        Err(e) => assert!(e.to_string().contains("tiff"), "{e}"),
    }
}

#[test]
fn the_image_crate_alone_still_fails_on_tiled_separate_planes() {
    // The upstream bug this crate works around: when it is fixed, this test says so (and the
    // workaround can go). A panic counts as the failure it is.
    let bytes = std::fs::read(fixture("tiled-separate-planes.tif")).expect("fixture");
    let r = std::panic::catch_unwind(|| {
        image::load_from_memory_with_format(&bytes, image::ImageFormat::Tiff).map(|i| i.to_rgb8())
    });
    let ok_picture = matches!(&r, Ok(Ok(img)) if img.get_pixel(20, 20).0[2] > 200);
    assert!(
        !ok_picture,
        "image/tiff now decode tiled separate planes: drop tiffplanar.rs"
    );
}

/// A HEIC written by heifer's HEVC encoder (a 512x512-tile grid, like a phone's), decoded
/// back by every path: the reduced-size grid path, the whole-picture path, the thumbnail.
#[test]
fn heic_round_trip_through_a_real_hevc_encoder() {
    let (w, h) = (1200u32, 900u32);
    let rgb: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            if i / w < h / 2 {
                [230u8, 20, 20]
            } else {
                [20, 20, 230]
            }
        })
        .collect();
    let heic = heifer::encode_rgb8(w, h, &rgb, &heifer::EncodeOptions::default())
        .expect("encoding a HEIC");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("IMG_0001.HEIC");
    std::fs::write(&path, &heic).expect("write");
    for size in [64, 256, 600, 1200] {
        let p = preview(&path, &Options::new(size)).unwrap_or_else(|e| panic!("{size}: {e}"));
        let long = p.image.width().max(p.image.height());
        assert_eq!(long, size.min(w), "size {size}");
        assert!(p.image.width() > p.image.height(), "landscape at {size}");
        assert_red_over_blue(&p.image);
    }
}

#[test]
fn truncated_and_garbled_heics_are_errors() {
    let rgb = vec![128u8; 64 * 48 * 3];
    let heic = heifer::encode_rgb8(64, 48, &rgb, &heifer::EncodeOptions::default())
        .expect("encoding a HEIC");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("x.heic");
    for cut in [20, heic.len() / 2, heic.len() - 10] {
        std::fs::write(&path, &heic[..cut]).expect("write");
        let mut o = Options::new(64);
        o.ffmpeg = PathBuf::from("/nonexistent/ffmpeg");
        assert!(preview(&path, &o).is_err(), "cut at {cut}");
    }
    let mut garbled = heic.clone();
    let n = garbled.len();
    for b in garbled[n / 2..].iter_mut() {
        *b ^= 0x5A;
    }
    std::fs::write(&path, &garbled).expect("write");
    let mut o = Options::new(64);
    o.ffmpeg = PathBuf::from("/nonexistent/ffmpeg");
    // a picture or an error, never a panic
    let _ = preview(&path, &o);
}

/// Every HEIC/HEIF/AVIF of the corpus gives a picture when libheif gives one (the check
/// `no-system-deps` compares the pixels); skipped without ALBUMEN_CORPUS.
#[test]
fn corpus_heif_family_decodes() {
    let Some(root) = std::env::var_os("ALBUMEN_CORPUS") else {
        eprintln!("skipped: ALBUMEN_CORPUS is not set");
        return;
    };
    let mut files = Vec::new();
    let mut stack = vec![PathBuf::from(root)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| {
                let x = x.to_string_lossy().to_ascii_lowercase();
                x == "heic" || x == "avif" || x == "heif"
            }) {
                files.push(p);
            }
        }
    }
    let mut ok = 0;
    for f in &files {
        let mut o = Options::new(128);
        o.ffmpeg = PathBuf::from("/nonexistent/ffmpeg");
        match preview(f, &o) {
            Ok(p) => {
                assert!(p.image.width().max(p.image.height()) <= 128);
                ok += 1;
            }
            Err(e) => eprintln!("{}: {e}", f.display()),
        }
    }
    eprintln!("{ok}/{} HEIF-family files previewed", files.len());
    // the corpus's broken files (truncated, fuzzed) are the only failures allowed
    assert!(ok * 10 >= files.len() * 6, "{ok}/{}", files.len());
}
