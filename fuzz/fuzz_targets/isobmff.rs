//! Any bytes as ISO-BMFF (HEIF/AVIF/CR3/MOV/MP4/3GP): boxes, meta/iinf/iloc items, moov/udta/keys, QuickTime atoms without ftyp.
#![no_main]
use albumen_meta::Format;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    albumen_fuzz::read_as(
        data,
        |f| {
            matches!(
                f,
                Format::Heic
                    | Format::Heif
                    | Format::Avif
                    | Format::Cr3
                    | Format::Mov
                    | Format::Mp4
                    | Format::ThreeGp
            )
        },
        b"\0\0\0\x14ftypheic\0\0\0\0mif1",
    );
});
