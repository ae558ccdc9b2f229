//! Any bytes as a JPEG: segments, APP1 EXIF/XMP (extended XMP), APP13 IPTC, MPF, trailers.
#![no_main]
use albumen_meta::Format;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    albumen_fuzz::read_as(data, |f| f == Format::Jpeg, b"\xFF\xD8\xFF");
});
