//! Inputs the `motion` fuzz target reported. Round 13 (29 Nov): an "out-of-memory" after
//! 421,144 runs whose saved unit was the empty input; alone it runs in 0 ms, and with ASan's
//! quarantine at 64 MB (as `scripts/fuzz.sh` sets it) 815,085 runs peaked at 287 MB: the
//! default 256 MB quarantine plus the growing in-memory corpus, not this crate. Kept as the
//! harness feeds it (an SOI in front), with its neighbours, to hold the detector to "no motion
//! photo" on them.

use std::io::Cursor;

#[test]
fn empty_and_marker_only_inputs_are_no_motion_photo() {
    let fill = [&[0xFF, 0xD8][..], &[0xFF; 1 << 20][..]].concat();
    for bytes in [
        &[][..],
        &[0xFF, 0xD8][..],
        &[0xFF, 0xD8, 0xFF, 0xD9][..],
        &fill[..],
    ] {
        let got = albumen_live::detect_motion_photo_in(&mut Cursor::new(bytes));
        assert!(
            matches!(got, Ok(None) | Err(_)),
            "{} bytes: {got:?}",
            bytes.len()
        );
    }
}
