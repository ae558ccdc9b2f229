//! Format detection from magic bytes.

use crate::Format;

/// Detects the format of a file from its first bytes (512 are best: XML may start late).
pub fn detect_format(head: &[u8]) -> Format {
    let h = |n: usize| head.get(..n).unwrap_or(&[]);
    if h(3) == [0xFF, 0xD8, 0xFF] {
        return Format::Jpeg;
    }
    if h(8) == b"\x89PNG\r\n\x1a\n" {
        return Format::Png;
    }
    if h(4) == b"RIFF" && head.get(8..12) == Some(b"WEBP") {
        return Format::Webp;
    }
    if h(4) == b"RIFF" && head.get(8..12) == Some(b"AVI ") {
        return Format::Avi;
    }
    if h(4) == b"\0MRM" {
        return Format::Mrw;
    }
    if h(15) == b"FUJIFILMCCD-RAW" {
        return Format::Raf;
    }
    if h(4) == [0x1A, 0x45, 0xDF, 0xA3] {
        return Format::Mkv; // EBML: Matroska / WebM
    }
    if head.get(6..14) == Some(b"HEAPCCDR") {
        return Format::Crw;
    }
    if h(4) == b"FOVb" {
        return Format::X3f;
    }
    if h(4) == b"8BPS" {
        return Format::Psd;
    }
    if h(2) == [0xFF, 0x0A] || h(12) == b"\0\0\0\x0cJXL \r\n\x87\n" {
        return Format::Jxl;
    }
    if h(3) == b"GIF" {
        return Format::Gif;
    }
    if h(2) == b"BM" && head.len() >= 26 {
        return Format::Bmp;
    }
    if head.get(4..8) == Some(b"ftyp") {
        let brand = head.get(8..12).unwrap_or(&[]);
        let compat = head.get(16..64).unwrap_or(&[]);
        let has = |b: &[u8]| compat.chunks(4).any(|c| c == b);
        return match brand {
            b"crx " => Format::Cr3,
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => Format::Heic,
            b"avif" | b"avis" => Format::Avif,
            b"mif1" | b"msf1" | b"mif2" => {
                if has(b"avif") {
                    Format::Avif
                } else if has(b"heic") || has(b"heix") {
                    Format::Heic
                } else {
                    Format::Heif
                }
            }
            b"qt  " => Format::Mov,
            b if b.starts_with(b"3g") => Format::ThreeGp,
            _ => Format::Mp4,
        };
    }
    // QuickTime files without ftyp start with moov/mdat/wide/free/skip.
    if matches!(
        head.get(4..8),
        Some(b"moov" | b"mdat" | b"wide" | b"free" | b"skip" | b"pnot")
    ) {
        return Format::Mov;
    }
    match h(4) {
        b"II*\0" | b"MM\0*" => {
            if head.get(8..10) == Some(b"CR") {
                Format::Cr2
            } else {
                Format::Tiff // refined by the TIFF reader (DNG, NEF, ARW, ...)
            }
        }
        b"IIRO" | b"IIRS" | b"MMOR" => Format::Orf,
        b"IIU\0" => Format::Rw2,
        b"II+\0" | b"MM\0+" => Format::Tiff, // BigTIFF
        [0xFF, 0xFE, b'<', 0] | [0xFE, 0xFF, 0, b'<'] => Format::Xmp, // UTF-16 XML
        _ => {
            let t = String::from_utf8_lossy(head.get(..head.len().min(512)).unwrap_or(&[]));
            if t.contains("<x:xmpmeta") || t.contains("<?xpacket") || t.contains("<rdf:RDF") {
                Format::Xmp
            } else if crate::ts::layout(head).is_some() {
                Format::Mts
            } else {
                Format::Unknown
            }
        }
    }
}
