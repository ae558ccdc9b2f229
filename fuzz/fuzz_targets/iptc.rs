//! Any bytes as Photoshop image resources and as IPTC-IIM datasets (the shared walkers in
//! `albumen_meta::iptc`), and inside a JPEG APP13 segment through the whole reader.
#![no_main]
use albumen_meta::iptc::{datasets, decode, resources};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for r in resources(data).map_while(Result::ok) {
        assert!(r.data.end <= data.len() && r.raw.start <= r.data.start);
        let _ = datasets(&data[r.data]).count();
    }
    for d in datasets(data).map_while(Result::ok) {
        assert!(d.value.end <= data.len());
        let _ = decode(&data[d.value], false);
    }
    // As the body of a JPEG APP13 "Photoshop 3.0" segment (its length capped to fit).
    let body = &data[..data.len().min(65_000)];
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xED];
    jpeg.extend_from_slice(&((body.len() + 16) as u16).to_be_bytes());
    jpeg.extend_from_slice(b"Photoshop 3.0\0");
    jpeg.extend_from_slice(body);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    let _ = albumen_meta::Reader::new().read_bytes(&jpeg);
});
