//! Photoshop PSD and JPEG XL.

use crate::exif::{read_tiff, Root};
use crate::io::{be_u16, be_u32, Src};
use crate::xmp::read_xmp;
use crate::{Error, Metadata, Source};

/// PSD: header sizes, then the image resources section (`8BIM` blocks: 0x0422 EXIF, 0x0424
/// XMP).
pub(crate) fn read_psd(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let h = src.read_at(0, 26, "PSD header")?;
    md.height = be_u32(&h, 14);
    md.width = be_u32(&h, 18);
    let color_len = u64::from(be_u32(&src.read_at(26, 4, "PSD colour mode")?, 0).unwrap_or(0));
    let res_at = 30 + color_len;
    let res_len = u64::from(be_u32(&src.read_at(res_at, 4, "PSD resources")?, 0).unwrap_or(0));
    let res = src.read_at(res_at + 4, res_len, "PSD resources")?;
    let mut p = 0usize;
    let mut n = 0;
    while p + 12 <= res.len() && n < 10_000 {
        n += 1;
        if &res[p..p + 4] != b"8BIM" {
            break;
        }
        let id = be_u16(&res, p + 4).unwrap_or(0);
        let name_len = usize::from(res[p + 6]);
        let mut q = p + 7 + name_len;
        q += q & 1; // the Pascal name is padded to an even length
        let Some(size) = be_u32(&res, q).map(|s| s as usize) else {
            break;
        };
        let data_at = q + 4;
        let Some(data) = res.get(data_at..data_at.saturating_add(size)) else {
            break;
        };
        match id {
            0x0422 => {
                read_tiff(data, Root::Ifd0, md);
            }
            0x0424 => {
                read_xmp(data, Source::Xmp, md);
            }
            _ => {}
        }
        p = data_at + size + (size & 1);
    }
    Ok(())
}

/// Reads bits least-significant first, as JPEG XL headers are written.
struct Bits<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn u(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for i in 0..n {
            let byte = *self.b.get(self.pos / 8)?;
            v |= u32::from((byte >> (self.pos % 8)) & 1) << i;
            self.pos += 1;
        }
        Some(v)
    }
    fn u32_dist(&mut self, d: [(u32, usize); 4]) -> Option<u32> {
        let (base, bits) = d[self.u(2)? as usize];
        Some(base + self.u(bits)?)
    }
}

/// JPEG XL `SizeHeader` (from the codestream's start, after the 0xFF0A signature).
fn jxl_size(code: &[u8]) -> Option<(u32, u32)> {
    let mut r = Bits {
        b: code.get(2..)?,
        pos: 0,
    };
    let dist = [(1, 9), (1, 13), (1, 18), (1, 30)];
    let small = r.u(1)? == 1;
    let h = if small {
        (r.u(5)? + 1) * 8
    } else {
        r.u32_dist(dist)?
    };
    let ratio = r.u(3)?;
    let w = match ratio {
        0 if small => (r.u(5)? + 1) * 8,
        0 => r.u32_dist(dist)?,
        1 => h,
        2 => (u64::from(h) * 12 / 10) as u32,
        3 => (u64::from(h) * 4 / 3) as u32,
        4 => (u64::from(h) * 3 / 2) as u32,
        5 => (u64::from(h) * 16 / 9) as u32,
        6 => (u64::from(h) * 5 / 4) as u32,
        _ => h * 2,
    };
    Some((w, h))
}

/// JPEG XL: a bare codestream, or an ISO-BMFF container with `Exif`, `xml ` and `jxlc`/`jxlp`.
pub(crate) fn read_jxl(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let head = src.read_upto(0, 64, "JXL")?;
    if head.starts_with(&[0xFF, 0x0A]) {
        md.width = jxl_size(&head).map(|s| s.0);
        md.height = jxl_size(&head).map(|s| s.1);
        return Ok(());
    }
    let mut pos = 0u64;
    let mut n = 0;
    while pos + 8 <= src.len() && n < 10_000 {
        n += 1;
        let h = src.read_at(pos, 8, "JXL box")?;
        let mut size = u64::from(be_u32(&h, 0).unwrap_or(0));
        let mut hdr = 8;
        if size == 1 {
            size = crate::io::be_u64(&src.read_at(pos + 8, 8, "JXL box")?, 0).unwrap_or(0);
            hdr = 16;
        } else if size == 0 {
            size = src.len() - pos;
        }
        if size < hdr {
            break;
        }
        let body = pos + hdr;
        let len = size - hdr;
        match &h[4..8] {
            b"Exif" => {
                let d = src.read_at(body, len, "JXL Exif")?;
                let skip = be_u32(&d, 0).map_or(0, |v| v as usize);
                read_tiff(
                    d.get(4usize.saturating_add(skip)..).unwrap_or(&[]),
                    Root::Ifd0,
                    md,
                );
            }
            b"xml " => {
                let d = src.read_at(body, len, "JXL xml")?;
                read_xmp(&d, Source::Xmp, md);
            }
            b"jxlc" | b"jxlp" if md.width.is_none() => {
                // jxlp starts with a 4-byte part index.
                let skip = if &h[4..8] == b"jxlp" { 4 } else { 0 };
                let c = src.read_upto(body + skip, 32, "JXL codestream")?;
                if let Some((w, h)) = jxl_size(&c) {
                    md.width = Some(w);
                    md.height = Some(h);
                }
            }
            _ => {}
        }
        pos = pos.saturating_add(size);
    }
    Ok(())
}

/// Matroska / WebM through nom-exif's track parser (EBML is not worth a second parser here):
/// size, duration, creation date and GPS when the file has them.
pub(crate) fn read_mkv(src: &Src<'_>, md: &mut Metadata) {
    use nom_exif::{MediaParser, MediaSource, TrackInfoTag};
    let Some(stream) = src.stream() else { return };
    let track = MediaSource::seekable(stream).and_then(|ms| MediaParser::new().parse_track(ms));
    let info = match track {
        Ok(t) => t,
        Err(e) => {
            md.warnings.push(format!("Matroska: {e}"));
            return;
        }
    };
    md.width = info.get(TrackInfoTag::Width).and_then(|v| v.as_u32());
    md.height = info.get(TrackInfoTag::Height).and_then(|v| v.as_u32());
    md.duration_s = info
        .get(TrackInfoTag::DurationMs)
        .and_then(|v| v.as_u64())
        .map(|ms| ms as f64 / 1000.0);
    for (tag, key) in [
        (TrackInfoTag::Make, &mut md.make),
        (TrackInfoTag::Model, &mut md.model),
    ] {
        if let Some(s) = info.get(tag).and_then(|v| v.as_str()) {
            *key = Some(s.trim().to_string());
        }
    }
    if let Some(t) = info
        .get(TrackInfoTag::CreateDate)
        .and_then(|v| v.as_datetime())
    {
        let time = match t {
            nom_exif::ExifDateTime::Aware(t) => crate::CaptureTime::Zoned { time: t },
            nom_exif::ExifDateTime::Naive(t) => crate::CaptureTime::Floating { time: t },
        };
        md.times.push(crate::TimeCandidate {
            kind: crate::TimeKind::MovieHeader,
            time,
            source: Source::Container,
        });
    }
    if let Some(p) = info
        .get(TrackInfoTag::GpsIso6709)
        .and_then(|v| v.as_str())
        .and_then(crate::isobmff::parse_iso6709)
    {
        md.gps = Some(crate::Sourced::new(p, Source::Container));
    }
}
