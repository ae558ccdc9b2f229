//! Any bytes behind each container's signature, so the fuzzer reaches every container parser
//! without having to discover the magic first: PNG (text chunks, raw profiles, APNG), PSD
//! resources, GIF blocks, WebP chunks, MPEG-TS/M2TS packets, JPEG segments, ISO-BMFF boxes.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let ts_packet = |size: usize| {
        // Three synced packets so detection picks the format, then the data.
        let mut b = Vec::new();
        for _ in 0..3 {
            let mut p = vec![0u8; size];
            p[size - 188] = 0x47;
            b.extend_from_slice(&p);
        }
        b
    };
    let heads: [Vec<u8>; 8] = [
        b"\x89PNG\r\n\x1a\n".to_vec(),
        b"8BPS\0\x01".to_vec(),
        b"GIF89a".to_vec(),
        b"RIFF\xff\xff\xff\x7fWEBP".to_vec(),
        ts_packet(188),
        ts_packet(192),
        vec![0xFF, 0xD8],
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
    ];
    for h in heads {
        let mut b = h;
        b.extend_from_slice(data);
        let _ = albumen_meta::Reader::new().read_bytes(&b);
    }
});
