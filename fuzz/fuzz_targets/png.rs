//! Any bytes as a PNG: chunks, eXIf, iTXt/zTXt XMP, raw profiles (hex text), CRC-less tails.
#![no_main]
use albumen_meta::Format;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    albumen_fuzz::read_as(data, |f| f == Format::Png, b"\x89PNG\r\n\x1a\n");
});
