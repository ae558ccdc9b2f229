//! Any bytes through the preview decoders: written to a temporary file under every picture
//! extension's name (the format is detected from the bytes, so the name only matters for
//! transport streams), then previewed with ffmpeg disabled and a small pixel limit.
#![no_main]
use std::sync::OnceLock;

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary folder for the fuzz inputs"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = dir().path().join("input.img");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let mut opts = albumen_preview::Options::new(64);
    opts.max_pixels = 4_000_000;
    opts.ffmpeg = "/nonexistent/ffmpeg".into();
    if let Ok(p) = albumen_preview::preview(&path, &opts) {
        assert!(p.image.width().max(p.image.height()) <= 64);
    }
});
