//! Any bytes after a TIFF header: IFD walking, value decoding, maker notes, sub-IFD loops.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for header in [&b"II*\0\x08\0\0\0"[..], &b"MM\0*\0\0\0\x08"[..]] {
        let mut b = header.to_vec();
        b.extend_from_slice(data);
        let _ = albumen_meta::Reader::new().read_bytes(&b);
    }
});
