//! Any bytes through the motion-photo detector (Google XMP container, Samsung SEFT trailer,
//! Samsung HEIC `mpvd`): inputs that are neither JPEG nor ISO-BMFF get a JPEG SOI in front.
//! A detected video range must lie inside the file.
#![no_main]
use std::io::Cursor;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let owned;
    let bytes = if data.starts_with(&[0xFF, 0xD8]) || data.get(4..8) == Some(b"ftyp") {
        data
    } else {
        owned = [&[0xFF, 0xD8][..], data].concat();
        &owned[..]
    };
    if let Ok(Some(mp)) = albumen_live::detect_motion_photo_in(&mut Cursor::new(bytes)) {
        let end = mp.video_offset.checked_add(mp.video_length);
        assert!(
            end.is_some_and(|e| e <= bytes.len() as u64),
            "video range outside the file: {mp:?}, {} bytes",
            bytes.len()
        );
    }
});
