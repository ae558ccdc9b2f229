//! Any bytes as a WebP (RIFF): VP8/VP8L/VP8X, EXIF and XMP chunks.
#![no_main]
use albumen_meta::Format;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    albumen_fuzz::read_as(data, |f| f == Format::Webp, b"RIFF\0\0\0\0WEBP");
});
