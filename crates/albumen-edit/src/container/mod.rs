//! Containers: where the EXIF block and the XMP packet live in each format, and how to put new
//! ones back without moving anything else.

pub(crate) mod bmff;
pub(crate) mod iptc;
pub(crate) mod jpeg;
pub(crate) mod movie;
pub(crate) mod png;
pub(crate) mod raw;
pub(crate) mod tiff_file;
pub(crate) mod webp;

use albumen_meta::Format;

use crate::tiff;

/// The metadata blocks of a file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parts {
    /// The TIFF block (from its `II`/`MM` header).
    pub exif: Option<Vec<u8>>,
    /// The XMP packet text.
    pub xmp: Option<String>,
}

/// What a file is, from its first bytes, and so how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Jpeg,
    Png,
    Webp,
    /// A plain TIFF or a DNG: written in the file.
    Tiff(Format),
    /// ISO-BMFF still image (HEIC/HEIF/AVIF).
    Heif(Format),
    /// QuickTime / MP4.
    Movie(Format),
    /// A camera raw: sidecar plus in-place date patch. The name is for messages.
    Raw(Format, &'static str),
    /// A format albumen-meta reads but the editor does not write inside (CRW, GIF, AVI,
    /// Matroska/WebM, PSD, JPEG XL, BMP, BigTIFF): edits go to a sidecar, the file is not
    /// touched.
    SidecarOnly(Format),
    Unknown,
}

impl Kind {
    pub(crate) fn format(self) -> Format {
        match self {
            Kind::Jpeg => Format::Jpeg,
            Kind::Png => Format::Png,
            Kind::Webp => Format::Webp,
            Kind::Tiff(f)
            | Kind::Heif(f)
            | Kind::Movie(f)
            | Kind::Raw(f, _)
            | Kind::SidecarOnly(f) => f,
            Kind::Unknown => Format::Unknown,
        }
    }
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Raw(_, n) => n,
            k => k.format().name(),
        }
    }
}

/// Detects the format from the first bytes (and, for TIFF-based files, IFD0's `Make` and
/// `DNGVersion`).
pub(crate) fn detect(b: &[u8]) -> Kind {
    match detect_writable(b) {
        Kind::Unknown => match albumen_meta::detect_format(b) {
            Format::Unknown | Format::Xmp => Kind::Unknown,
            f => Kind::SidecarOnly(f),
        },
        k => k,
    }
}

/// The formats written in place (or, for raws, patched), from their first bytes.
fn detect_writable(b: &[u8]) -> Kind {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Kind::Jpeg;
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Kind::Png;
    }
    if b.get(..4) == Some(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        return Kind::Webp;
    }
    if b.starts_with(b"FUJIFILMCCD-RAW") {
        return Kind::Raw(Format::Raf, "raf");
    }
    if b.starts_with(b"\0MRM") {
        return Kind::Raw(Format::Unknown, "mrw");
    }
    if b.starts_with(b"FOVb") {
        return Kind::Raw(Format::Unknown, "x3f");
    }
    if b.get(4..8) == Some(b"ftyp") {
        let brand = b.get(8..12).unwrap_or(&[]);
        let compat = b.get(16..64).unwrap_or(&[]);
        let has = |x: &[u8]| brand == x || compat.chunks(4).any(|c| c == x);
        return match brand {
            b"crx " => Kind::Raw(Format::Cr3, "cr3"),
            b"avif" | b"avis" => Kind::Heif(Format::Avif),
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => Kind::Heif(Format::Heic),
            b"mif1" | b"msf1" if has(b"avif") => Kind::Heif(Format::Avif),
            b"mif1" | b"msf1" if has(b"heic") => Kind::Heif(Format::Heic),
            b"mif1" | b"msf1" => Kind::Heif(Format::Heif),
            b"qt  " => Kind::Movie(Format::Mov),
            b"3gp4" | b"3gp5" | b"3gp6" | b"3g2a" => Kind::Movie(Format::ThreeGp),
            _ => Kind::Movie(Format::Mp4),
        };
    }
    if matches!(
        b.get(4..8),
        Some(b"moov" | b"mdat" | b"wide" | b"free" | b"skip")
    ) {
        return Kind::Movie(Format::Mov);
    }
    match b.get(..4) {
        Some(b"IIRO") | Some(b"MMOR") | Some(b"IIRS") => return Kind::Raw(Format::Orf, "orf"),
        Some(b"IIU\0") => return Kind::Raw(Format::Rw2, "rw2"),
        Some(b"II*\0") | Some(b"MM\0*") => {}
        _ => return Kind::Unknown,
    }
    if b.get(8..10) == Some(b"CR") {
        return Kind::Raw(Format::Cr2, "cr2");
    }
    let Ok(d) = tiff::dirs(b) else {
        return Kind::Unknown;
    };
    if d.ifd0.get(0xC612).is_some() {
        return Kind::Tiff(Format::Dng);
    }
    let make = d
        .ifd0
        .get(0x010F)
        .and_then(|x| x.ascii(b))
        .unwrap_or_default()
        .to_ascii_uppercase();
    let raw = [
        ("NIKON", Format::Nef, "nef"),
        ("SONY", Format::Arw, "arw"),
        ("PENTAX", Format::Pef, "pef"),
        ("RICOH", Format::Pef, "pef"),
        ("SAMSUNG", Format::Srw, "srw"),
        ("CANON", Format::Cr2, "cr2"),
        ("OLYMPUS", Format::Orf, "orf"),
        ("PHASE ONE", Format::Unknown, "iiq"),
        ("LEAF", Format::Unknown, "mos"),
        ("HASSELBLAD", Format::Unknown, "3fr"),
        ("KODAK", Format::Unknown, "dcr"),
        ("MAMIYA", Format::Unknown, "mef"),
        ("LEICA", Format::Unknown, "raw"),
        ("EPSON", Format::Unknown, "erf"),
    ];
    // A TIFF that a camera wrote with a raw-style layout (maker note, sub-IFDs or a vendor
    // compression) is treated as raw; a scanner or editor TIFF from the same brand is not.
    let compression = d.ifd0.get(0x0103).and_then(|x| x.uint(b)).unwrap_or(1);
    let rawish = d.ifd0.get(0x014A).is_some()
        || !matches!(compression, 1 | 5 | 7 | 8 | 32773 | 32946)
        || d.exif.as_ref().is_some_and(|x| x.get(0x927C).is_some());
    for (m, f, n) in raw {
        if make.starts_with(m) && rawish {
            return Kind::Raw(f, n);
        }
    }
    Kind::Tiff(Format::Tiff)
}
