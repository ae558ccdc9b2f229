//! Any bytes as a JPEG: the segment walker, segments, APP1 EXIF/XMP (extended XMP), APP13 IPTC, MPF, trailers.
#![no_main]
use albumen_meta::Format;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    albumen_fuzz::read_as(data, |f| f == Format::Jpeg, b"\xFF\xD8\xFF");
    // The segment walker alone: every step moves forward and stays inside the data.
    let mut last = 0u64;
    for s in albumen_meta::jpeg::segments(data).map_while(Result::ok) {
        assert!(s.start == last && s.start + s.junk <= s.offset && s.offset < s.payload.start);
        assert!(s.payload.start <= s.payload.end && s.payload.end <= data.len() as u64);
        last = s.end();
    }
});
