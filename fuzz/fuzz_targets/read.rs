//! Any bytes through the reader: format detection and every container parser.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = albumen_meta::Reader::new().read_bytes(data);
});
