//! Shared helpers for the fuzz targets: each container target feeds its bytes to the reader
//! as that container, through both of the reader's sources (memory and `Read + Seek`).
#![forbid(unsafe_code)]
use albumen_meta::{detect_format, Format, Reader};
use std::io::Cursor;

/// Reads `data` as a file of the family `accept` recognises: when its magic does not say so,
/// `magic` is put in front, so every input reaches that container's parser. Both the in-memory
/// and the seeking source are used; they must agree on whether the file reads.
pub fn read_as(data: &[u8], accept: fn(Format) -> bool, magic: &[u8]) {
    let owned;
    let bytes = if accept(detect_format(data)) {
        data
    } else {
        owned = [magic, data].concat();
        &owned[..]
    };
    let reader = Reader::new();
    let mem = reader.read_bytes(bytes);
    let seek = reader.read_reader(Cursor::new(bytes));
    assert_eq!(
        mem.is_ok(),
        seek.is_ok(),
        "memory and seeking sources disagree: {:?} / {:?}",
        mem.as_ref().err(),
        seek.as_ref().err()
    );
}
