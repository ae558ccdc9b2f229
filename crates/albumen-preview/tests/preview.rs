//! Behaviour of previews on made-up files: bombs refused, corrupt files an error, the cache
//! incremental and never inside a photo root, JPEG orientation applied.

#![allow(clippy::expect_used)] // the helpers below build made-up files

use std::path::Path;

use albumen_preview::{preview, Cache, Error, Options, PreviewSource};

fn jpeg_bytes(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([if x < w / 2 { 240 } else { 20 }, (y * 255 / h) as u8, 60])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("encoding a made-up JPEG");
    out
}

/// Overwrites the width and height of the first SOF0 segment.
fn patch_sof(jpeg: &mut [u8], w: u16, h: u16) {
    let at = jpeg
        .windows(2)
        .position(|m| m == [0xFF, 0xC0])
        .expect("SOF0 present");
    jpeg[at + 5..at + 7].copy_from_slice(&h.to_be_bytes());
    jpeg[at + 7..at + 9].copy_from_slice(&w.to_be_bytes());
}

#[test]
fn declared_bomb_is_refused_before_decoding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("bomb.jpg");
    let mut b = jpeg_bytes(64, 48);
    patch_sof(&mut b, 65000, 65000);
    std::fs::write(&p, &b).expect("write");
    match preview(&p, &Options::new(256)) {
        Err(Error::TooLarge { width, height, .. }) => assert_eq!((width, height), (65000, 65000)),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // A lower limit refuses an ordinary picture the same way.
    let q = dir.path().join("small.jpg");
    std::fs::write(&q, jpeg_bytes(64, 48)).expect("write");
    let mut o = Options::new(32);
    o.max_pixels = 1000;
    assert!(matches!(preview(&q, &o), Err(Error::TooLarge { .. })));
}

#[test]
fn corrupt_files_give_errors_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = jpeg_bytes(64, 48);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.jpg", vec![]),
        ("garbage.png", b"\x89PNG\r\n\x1a\nnot really".to_vec()),
        ("header-only.jpg", good[..good.len().min(200)].to_vec()),
        ("heic.heic", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec()),
    ];
    let mut o = Options::new(64);
    o.ffmpeg = "/nonexistent/ffmpeg".into();
    for (name, bytes) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        // Either an error or (for a truncated JPEG, which decoders pad) a picture: no panic.
        let _ = preview(&p, &o);
    }
}

#[test]
fn scaled_jpeg_has_the_asked_long_side_and_is_decoded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("a.jpg");
    std::fs::write(&p, jpeg_bytes(1600, 1200)).expect("write");
    let pv = preview(&p, &Options::new(256)).expect("preview");
    assert_eq!(pv.image.dimensions(), (256, 192));
    assert_eq!(pv.source, PreviewSource::Decoded);
    // left half bright red channel, right half dark: the DCT-scaled decode kept it
    assert!(pv.image.get_pixel(20, 96).0[0] > 200);
    assert!(pv.image.get_pixel(236, 96).0[0] < 60);
}

#[test]
fn cache_reuses_and_renews_and_stays_out_of_photo_roots() {
    let photos = tempfile::tempdir().expect("tempdir");
    let p = photos.path().join("a.jpg");
    std::fs::write(&p, jpeg_bytes(300, 200)).expect("write");
    let roots = vec![photos.path().to_path_buf()];
    assert!(matches!(
        Cache::open(&photos.path().join("thumbs"), &roots),
        Err(Error::CacheUnderRoot { .. })
    ));
    let cdir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(cdir.path(), &roots).expect("cache");
    let o = Options::new(128);
    let first = cache.get_or_make(&p, &o).expect("first");
    assert!(!first.reused);
    assert!(first.thumb.starts_with(cache.dir()));
    assert_eq!((first.width, first.height), (128, 85));
    let again = cache.get_or_make(&p, &o).expect("again");
    assert!(again.reused);
    assert_eq!(again.thumb, first.thumb);
    // A changed file (other size) gets a new preview.
    std::fs::write(&p, jpeg_bytes(200, 300)).expect("rewrite");
    let changed = cache.get_or_make(&p, &o).expect("changed");
    assert!(!changed.reused);
    assert_ne!(changed.thumb, first.thumb);
    assert_eq!((changed.width, changed.height), (85, 128));
    // Nothing was written next to the photo; no temporary file is left in the cache.
    let names: Vec<_> = std::fs::read_dir(photos.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 1);
    assert!(!has_tmp(cache.dir()));
}

fn has_tmp(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let p = e.path();
            p.extension().is_some_and(|x| x == "tmp") || (p.is_dir() && has_tmp(&p))
        })
}

/// An EXIF orientation of 6 (rotate 90° clockwise) turns a landscape JPEG into a portrait
/// preview whose top row is the stored picture's left column.
#[test]
fn exif_orientation_is_applied() {
    use albumen_meta::encode::{ExifBuilder, ExifValue, Ifd};
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = jpeg_bytes(400, 200);
    let exif = ExifBuilder::new(false)
        .set(Ifd::Ifd0, 0x0112, ExifValue::Short(vec![6]))
        .build()
        .expect("exif");
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((exif.len() + 8) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&exif);
    let mut file = plain[..2].to_vec();
    file.extend_from_slice(&app1);
    file.extend_from_slice(&plain[2..]);
    let p = dir.path().join("rotated.jpg");
    std::fs::write(&p, file).expect("write");
    let pv = preview(&p, &Options::new(100)).expect("preview");
    assert_eq!(pv.image.dimensions(), (50, 100));
    // stored left half is bright: after 90° clockwise it is the top half
    assert!(
        pv.image.get_pixel(25, 10).0[0] > 200,
        "{:?}",
        pv.image.get_pixel(25, 10)
    );
    assert!(pv.image.get_pixel(25, 90).0[0] < 60);
}

fn corpus() -> Option<std::path::PathBuf> {
    let p = std::env::var_os("ALBUMEN_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if p.join("oracle.json").is_file() {
        Some(p)
    } else {
        println!("skipped: no corpus at {} (set ALBUMEN_CORPUS)", p.display());
        None
    }
}

/// Orientation as viewers show it, on real files: a HEIC whose only rotation is EXIF 6 (no
/// `irot`; Windows Photos wrote it) is portrait; an iPhone HEIC with `irot` 270 and EXIF 6 is
/// rotated once, not twice; an iPhone photo converted to WebP with unrotated pixels and EXIF 6
/// is portrait.
#[test]
fn corpus_orientation_follows_viewers() {
    let Some(c) = corpus() else { return };
    let cases = [
        (
            "metadata-extractor-images/heic/Issue 437 (dotnet).heic",
            false,
        ),
        ("crafted/live/iphone/IMG_0263.HEIC", false),
        (
            "metadata-extractor-images/heic/Issue 263 dotnet.heic",
            false,
        ),
        (
            "metadata-extractor-images/webp/Issue 473 (Java).webp",
            false,
        ),
    ];
    for (rel, landscape) in cases {
        let p = c.join(rel);
        if !p.is_file() {
            println!("skipped: {} is not in this corpus", p.display());
            continue;
        }
        let pv = preview(&p, &Options::new(256)).expect("preview");
        let (w, h) = pv.image.dimensions();
        assert_eq!(w > h, landscape, "{rel}: {w}x{h}");
    }
}

/// A hash turned from its bits (`PerceptualHash::turned`) stays near the hash of the turned
/// picture on real photos.
#[test]
fn corpus_turned_hashes_match_turned_pictures() {
    let Some(c) = corpus() else { return };
    let dir = c.join("immich-test-assets/albums/nature");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        println!("skipped: no {}", dir.display());
        return;
    };
    let mut files: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut worst = 0;
    for p in files.iter().take(12) {
        let Ok(pv) = preview(p, &Options::new(256)) else {
            continue;
        };
        let turns = [
            image::imageops::rotate90(&pv.image),
            image::imageops::rotate180(&pv.image),
            image::imageops::rotate270(&pv.image),
        ];
        for (q, t) in turns.iter().enumerate() {
            let d = pv
                .hash
                .turned(q as u8 + 1)
                .distance(&albumen_preview::PerceptualHash::of(t));
            println!("{} turn {}: {d}", p.display(), q + 1);
            worst = worst.max(d);
        }
    }
    // measured: 0-8 (bits of coefficients near the median flip)
    println!("worst distance of a turned hash to the turned picture's: {worst}");
    assert!(
        worst <= albumen_preview::dupes::NEAR_DISTANCE - 2,
        "{worst}"
    );
}

/// A box: 32-bit size, type, payload.
fn bmff_box(typ: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(typ);
    b.extend_from_slice(payload);
    b
}

/// Canon CR3 previews, laid out as the EOS R / M50 cameras write them: `THMB` (160x120, after
/// a 16-byte header) in the Canon `uuid` box of `moov`, and `PRVW` (after a 16-byte header)
/// in a top-level `uuid` box. The corpus's CR3 is a stripped sample with 44-byte placeholders,
/// so this file is made up.
#[test]
fn cr3_embedded_previews_are_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let canon_uuid: [u8; 16] = [
        0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a,
        0x48,
    ];
    let prvw_uuid: [u8; 16] = [
        0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d,
        0x16,
    ];
    let thmb_jpeg = jpeg_bytes(160, 120);
    let prvw_jpeg = jpeg_bytes(480, 320);
    let mut thmb = vec![0u8; 16];
    thmb.extend_from_slice(&thmb_jpeg);
    let mut canon = canon_uuid.to_vec();
    canon.extend(bmff_box(b"THMB", &thmb));
    let moov = bmff_box(b"moov", &bmff_box(b"uuid", &canon));
    let mut prvw = vec![0u8; 16];
    prvw.extend_from_slice(&prvw_jpeg);
    let mut top = prvw_uuid.to_vec();
    top.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0]);
    top.extend(bmff_box(b"PRVW", &prvw));
    let mut file = bmff_box(b"ftyp", b"crx \0\0\0\x01crx isom");
    file.extend(moov);
    file.extend(bmff_box(b"uuid", &top));
    let p = dir.path().join("IMG_0001.CR3");
    std::fs::write(&p, &file).expect("write");
    // 256: only PRVW is big enough
    let pv = preview(&p, &Options::new(256)).expect("preview");
    assert_eq!(pv.source, PreviewSource::Embedded);
    assert_eq!(pv.image.dimensions(), (256, 171));
    // 100: the smallest big enough is THMB
    let pv = preview(&p, &Options::new(100)).expect("preview");
    assert_eq!(pv.source, PreviewSource::Embedded);
    assert_eq!(pv.image.dimensions(), (100, 75));
}
