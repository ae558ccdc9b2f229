//! Any bytes as a TIFF or camera raw: TIFF-based raws (CR2/NEF/ARW/ORF/RW2/PEF/SRW/DNG), RAF, MRW, CRW, X3F; files that are none of these get a TIFF header.
#![no_main]
use albumen_meta::Format;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    albumen_fuzz::read_as(
        data,
        |f| {
            matches!(
                f,
                Format::Tiff
                    | Format::Dng
                    | Format::Cr2
                    | Format::Nef
                    | Format::Arw
                    | Format::Orf
                    | Format::Rw2
                    | Format::Pef
                    | Format::Srw
                    | Format::Raf
                    | Format::Mrw
                    | Format::Crw
                    | Format::X3f
            )
        },
        b"II*\0",
    );
});
