//! Any bytes through the preview decoders: written to a temporary file under every picture
//! extension's name (the format is detected from the bytes, so the name only matters for
//! transport streams), then previewed with ffmpeg disabled and a small pixel limit.
//!
//! A panic inside a third-party decoder is caught by albumen-preview's guard (its worker
//! threads are named `albumen-decode-…`) and becomes that file's error, by design: only a panic
//! elsewhere — in albumen's own code — is a finding here. libfuzzer-sys's hook aborts on every
//! panic, caught or not, so it is kept for every other thread. A decoder that runs past the
//! guard's limit (1 s here, under libFuzzer's `-timeout=2`) is left to finish on its own.
#![no_main]
use std::sync::{Once, OnceLock};

fn abort_outside_decoders() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let guarded = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("albumen-decode-"));
            if !guarded {
                abort(info);
            }
        }));
    });
}

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary folder for the fuzz inputs"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    abort_outside_decoders();
    let path = dir().path().join("input.img");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let mut opts = albumen_preview::Options::new(64);
    opts.max_pixels = 4_000_000;
    opts.ffmpeg = "/nonexistent/ffmpeg".into();
    opts.decode_timeout = std::time::Duration::from_secs(1);
    if let Ok(p) = albumen_preview::preview(&path, &opts) {
        assert!(p.image.width().max(p.image.height()) <= 64);
    }
});
