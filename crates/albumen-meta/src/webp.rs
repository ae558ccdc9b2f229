//! WebP: RIFF chunks.

use crate::exif::{read_tiff, Root};
use crate::io::{le_u16, le_u32, Src};
use crate::xmp::read_xmp;
use crate::{Error, Metadata, Source};

pub(crate) fn read(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let mut pos = 12u64;
    let end = src.len();
    let mut n = 0;
    // Animation frames (ANMF) and the sum of their durations in milliseconds.
    let (mut frames, mut ms) = (0u32, 0u64);
    while pos + 8 <= end {
        n += 1;
        if n > 100_000 {
            break;
        }
        let head = src.read_at(pos, 8, "RIFF chunk")?;
        let len = u64::from(le_u32(&head, 4).unwrap_or(0));
        let at = pos + 8;
        match &head[..4] {
            b"VP8X" => {
                let d = src.read_at(at, 10.min(len), "VP8X")?;
                let w = u32::from_le_bytes([
                    d.get(4).copied().unwrap_or(0),
                    d.get(5).copied().unwrap_or(0),
                    d.get(6).copied().unwrap_or(0),
                    0,
                ]);
                let h = u32::from_le_bytes([
                    d.get(7).copied().unwrap_or(0),
                    d.get(8).copied().unwrap_or(0),
                    d.get(9).copied().unwrap_or(0),
                    0,
                ]);
                md.width = Some(w + 1);
                md.height = Some(h + 1);
            }
            b"VP8 " if md.width.is_none() => {
                let d = src.read_at(at, 10.min(len), "VP8")?;
                if d.get(3..6) == Some(&[0x9d, 0x01, 0x2a]) {
                    md.width = le_u16(&d, 6).map(|v| u32::from(v & 0x3fff));
                    md.height = le_u16(&d, 8).map(|v| u32::from(v & 0x3fff));
                }
            }
            b"VP8L" if md.width.is_none() => {
                let d = src.read_at(at, 5.min(len), "VP8L")?;
                if d.first() == Some(&0x2f) {
                    let bits = le_u32(&d, 1).unwrap_or(0);
                    md.width = Some((bits & 0x3fff) + 1);
                    md.height = Some(((bits >> 14) & 0x3fff) + 1);
                }
            }
            b"EXIF" => {
                let d = src.read_at(at, len, "EXIF chunk")?;
                let b = d.strip_prefix(b"Exif\0\0").unwrap_or(&d);
                if read_tiff(b, Root::Ifd0, md).is_none() {
                    md.warnings.push("unreadable EXIF chunk".into());
                }
            }
            b"ANMF" => {
                let d = src.read_at(at, 16.min(len), "ANMF")?;
                if let Some(&[a, b, c]) = d.get(12..15) {
                    frames += 1;
                    ms += u64::from(u32::from_le_bytes([a, b, c, 0]));
                }
            }
            b"XMP " => {
                let d = src.read_at(at, len, "XMP chunk")?;
                read_xmp(&d, Source::Xmp, md);
            }
            _ => {}
        }
        pos = at.saturating_add(len).saturating_add(len & 1);
    }
    if frames > 0 {
        md.duration_s = Some(ms as f64 / 1000.0);
        md.tags.insert(
            "RIFF:FrameCount".into(),
            crate::TagValue::Int(frames.into()),
        );
    }
    Ok(())
}
