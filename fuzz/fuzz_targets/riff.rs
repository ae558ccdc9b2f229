//! Any bytes as an AVI (RIFF): LIST/hdrl/strd/IDIT chunks, nesting.
#![no_main]
use albumen_meta::Format;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    albumen_fuzz::read_as(data, |f| f == Format::Avi, b"RIFF\0\0\0\0AVI ");
});
