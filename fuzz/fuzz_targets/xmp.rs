//! Any bytes as the body of an XMP packet (namespaces, nesting, entities, dates, coordinates).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut packet = b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">".to_vec();
    packet.extend_from_slice(data);
    let _ = albumen_meta::Reader::new().read_bytes(&packet);
});
