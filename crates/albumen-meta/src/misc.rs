//! Photoshop PSD and JPEG XL.

use crate::exif::{read_tiff, Root};
use crate::io::{be_u16, be_u32, Src};
use crate::xmp::read_xmp;
use crate::{Error, Metadata, Source};

/// PSD: header sizes, then the image resources section (`8BIM` blocks: 1058 EXIF, 1060 XMP,
/// 1028 IPTC and 1061 its digest).
pub(crate) fn read_psd(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let h = src.read_at(0, 26, "PSD header")?;
    md.height = be_u32(&h, 14);
    md.width = be_u32(&h, 18);
    let color_len = u64::from(be_u32(&src.read_at(26, 4, "PSD colour mode")?, 0).unwrap_or(0));
    let res_at = 30 + color_len;
    let res_len = u64::from(be_u32(&src.read_at(res_at, 4, "PSD resources")?, 0).unwrap_or(0));
    let res = src.read_at(res_at + 4, res_len, "PSD resources")?;
    crate::iptc::read_resources(&res, md, true);
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

const VRD_SIG: &[u8] = b"CANON OPTIONAL DATA\0";

/// Canon's "optional data" trailer (Digital Photo Professional's recipe, and XMP): a 28-byte
/// header (signature, data length at 24), blocks of `type u32, length u32, data`, and a 64-byte
/// footer repeating the signature and the data length (at 20). Block 0xffff00f6 is XMP.
pub(crate) fn canon_vrd(src: &Src<'_>, md: &mut Metadata) {
    let n = src.len();
    let Some(foot_at) = n.checked_sub(64) else {
        return;
    };
    let Ok(foot) = src.read_at(foot_at, 64, "VRD footer") else {
        return;
    };
    if !foot.starts_with(VRD_SIG) {
        return;
    }
    let len = u64::from(be_u32(&foot, 20).unwrap_or(0));
    let Some(start) = foot_at.checked_sub(len + 28) else {
        md.warnings
            .push("Canon VRD trailer longer than the file".into());
        return;
    };
    let Ok(data) = src.read_at(start, len + 28, "VRD") else {
        return;
    };
    if !data.starts_with(VRD_SIG) {
        md.warnings
            .push("Canon VRD trailer without its header".into());
        return;
    }
    let mut p = 28usize;
    while let (Some(typ), Some(blen)) = (be_u32(&data, p), be_u32(&data, p + 4)) {
        let body = p + 8;
        let Some(b) = data.get(body..body.saturating_add(blen as usize)) else {
            break;
        };
        if typ == 0xffff_00f6 {
            read_xmp(b, Source::Xmp, md);
        }
        p = body + blen as usize;
    }
}

/// Canon CRW (CIFF): nested heaps, each ending with the offset of its record table.
pub(crate) fn read_crw(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let h = src.read_at(0, 14, "CRW header")?;
    let le = &h[..2] == b"II";
    let rd32 = |b: &[u8], at: usize| {
        if le {
            crate::io::le_u32(b, at)
        } else {
            be_u32(b, at)
        }
    };
    let rd16 = |b: &[u8], at: usize| {
        if le {
            crate::io::le_u16(b, at)
        } else {
            be_u16(b, at)
        }
    };
    let start = u64::from(rd32(&h, 2).unwrap_or(0));
    let mut heaps = vec![(start, src.len(), 0u8)];
    let mut visited = 0;
    while let Some((from, to, depth)) = heaps.pop() {
        visited += 1;
        if visited > 64 || depth > 8 || to <= from + 4 {
            continue;
        }
        let table_off = u64::from(rd32(&src.read_at(to - 4, 4, "CIFF heap")?, 0).unwrap_or(0));
        let table_at = from + table_off;
        let count = u64::from(
            rd16(&src.read_at(table_at, 2, "CIFF table")?, 0)
                .unwrap_or(0)
                .min(1000),
        );
        let table = src.read_at(table_at + 2, count * 10, "CIFF table")?;
        for e in table.chunks_exact(10) {
            let (Some(tag), Some(size), Some(off)) = (rd16(e, 0), rd32(e, 2), rd32(e, 6)) else {
                continue;
            };
            if tag & 0xC000 != 0 {
                continue; // value stored in the entry: nothing we use
            }
            let (at, len) = (from + u64::from(off), u64::from(size));
            if at + len > to {
                continue;
            }
            match tag & 0x3FFF {
                t if t & 0x3800 == 0x2800 || t & 0x3800 == 0x3000 => {
                    heaps.push((at, at + len, depth + 1))
                }
                0x080a => {
                    let d = src.read_at(at, len.min(256), "MakeModel")?;
                    let mut parts = d
                        .split(|&c| c == 0)
                        .map(|p| String::from_utf8_lossy(p).trim().to_string());
                    md.make = md.make.take().or(parts.next().filter(|s| !s.is_empty()));
                    md.model = md.model.take().or(parts.next().filter(|s| !s.is_empty()));
                }
                0x1810 => {
                    let d = src.read_at(at, len.min(32), "ImageSpec")?;
                    md.width = rd32(&d, 0);
                    md.height = rd32(&d, 4);
                }
                0x180e => {
                    let d = src.read_at(at, len.min(12), "TimeStamp")?;
                    // Local wall time stored as seconds since 1970 ("as if UTC").
                    if let Some(t) =
                        rd32(&d, 0).and_then(|s| chrono::DateTime::from_timestamp(i64::from(s), 0))
                    {
                        md.times.push(crate::TimeCandidate {
                            kind: crate::TimeKind::Original,
                            time: crate::CaptureTime::Floating {
                                time: t.naive_utc(),
                            },
                            source: Source::MakerNote,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    canon_vrd(src, md);
    Ok(())
}

/// EBML variable-length integer: (value, length); `marker` keeps the length bit (element ids).
fn vint(b: &[u8], at: usize, marker: bool) -> Option<(u64, usize)> {
    let first = *b.get(at)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return None;
    }
    let mut v = if marker {
        u64::from(first)
    } else {
        u64::from(first) & ((1u64 << (8 - len)) - 1)
    };
    for i in 1..len {
        v = (v << 8) | u64::from(*b.get(at + i)?);
    }
    Some((v, len))
}

/// Matroska / WebM: `Segment` > `Info` (duration, date) and `Tracks` > video `PixelWidth/Height`.
/// The header elements sit before the clusters, so a bounded prefix is read. (nom-exif's track
/// parser was tried here first and failed on real files: "unexpected end of file".)
pub(crate) fn read_mkv(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let b = src.read_upto(0, 1 << 20, "Matroska header")?;
    let mut scale = 1_000_000f64; // TimecodeScale default: 1 ms
    let mut duration = None;
    let mut stack = vec![(0usize, b.len())];
    let mut n = 0;
    while let Some((mut p, end)) = stack.pop() {
        while p < end && n < 100_000 {
            n += 1;
            let Some((id, il)) = vint(&b, p, true) else {
                break;
            };
            let Some((size, sl)) = vint(&b, p + il, false) else {
                break;
            };
            let body = p + il + sl;
            // Unknown-size elements (all ones) run to the end of their parent.
            let stop = usize::try_from(size)
                .ok()
                .and_then(|s| body.checked_add(s))
                .map_or(end, |s| s.min(end));
            match id {
                0x1A45DFA3 => {} // EBML header: skip
                0x18538067 | 0x1549A966 | 0x1654AE6B | 0xAE | 0xE0 => stack.push((body, stop)), // Segment, Info, Tracks, TrackEntry, Video
                0x2AD7B1 => {
                    scale = b.get(body..stop).map_or(scale, |d| {
                        d.iter().fold(0u64, |a, &c| a << 8 | u64::from(c)) as f64
                    })
                }
                0x4489 => {
                    duration = match stop - body {
                        4 => b
                            .get(body..stop)
                            .and_then(|d| d.try_into().ok())
                            .map(|d| f64::from(f32::from_be_bytes(d))),
                        8 => b
                            .get(body..stop)
                            .and_then(|d| d.try_into().ok())
                            .map(f64::from_be_bytes),
                        _ => None,
                    }
                }
                0x4461 if stop - body == 8 => {
                    // DateUTC: nanoseconds since 2001-01-01T00:00:00 UTC.
                    let ns = b
                        .get(body..stop)
                        .map_or(0, |d| d.iter().fold(0i64, |a, &c| a << 8 | i64::from(c)));
                    if let Some(t) = chrono::DateTime::from_timestamp(
                        978_307_200 + ns.div_euclid(1_000_000_000),
                        0,
                    ) {
                        md.times.push(crate::TimeCandidate {
                            kind: crate::TimeKind::MovieHeader,
                            time: crate::CaptureTime::Utc { time: t },
                            source: Source::Container,
                        });
                    }
                }
                0xB0 if md.width.is_none() => {
                    md.width = b
                        .get(body..stop)
                        .map(|d| d.iter().fold(0u32, |a, &c| a << 8 | u32::from(c)))
                }
                0xBA if md.height.is_none() => {
                    md.height = b
                        .get(body..stop)
                        .map(|d| d.iter().fold(0u32, |a, &c| a << 8 | u32::from(c)))
                }
                0x1F43B675 => break, // first Cluster: media data follows
                _ => {}
            }
            if id == 0x1F43B675 {
                break;
            }
            p = stop;
        }
    }
    md.duration_s = duration
        .map(|d| d * scale / 1e9)
        .filter(|d| d.is_finite() && *d >= 0.0);
    Ok(())
}

/// Sigma X3F: size in the header; the EXIF lives in the JPEG preview section (`SECd`
/// directory at the offset in the last 4 bytes, `IMA2`/`IMAG` sections of format 18).
pub(crate) fn read_x3f(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let h = src.read_at(0, 40, "X3F header")?;
    let (w, hgt) = (crate::io::le_u32(&h, 28), crate::io::le_u32(&h, 32));
    let n = src.len();
    let dir_at = u64::from(
        crate::io::le_u32(
            &src.read_at(n.saturating_sub(4), 4.min(n), "X3F directory")?,
            0,
        )
        .unwrap_or(0),
    );
    let head = src.read_at(dir_at, 12, "SECd")?;
    if &head[..4] == b"SECd" {
        let count = u64::from(crate::io::le_u32(&head, 8).unwrap_or(0).min(1000));
        let entries = src.read_at(dir_at + 12, count * 12, "SECd entries")?;
        for e in entries.chunks_exact(12) {
            let (Some(off), Some(_len)) = (crate::io::le_u32(e, 0), crate::io::le_u32(e, 4)) else {
                continue;
            };
            if &e[8..12] != b"IMA2" && &e[8..12] != b"IMAG" {
                continue;
            }
            let sec = src.read_at(u64::from(off), 28, "X3F image section")?;
            if &sec[..4] == b"SECi" && crate::io::le_u32(&sec, 12) == Some(18) {
                crate::jpeg::read(src, u64::from(off) + 28, md)?;
                break;
            }
        }
    }
    md.width = w.or(md.width);
    md.height = hgt.or(md.height);
    Ok(())
}

/// GIF: logical screen size; XMP from the "XMP DataXMP" application extension.
pub(crate) fn read_gif(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let h = src.read_at(0, 13, "GIF header")?;
    md.width = crate::io::le_u16(&h, 6).map(u32::from);
    md.height = crate::io::le_u16(&h, 8).map(u32::from);
    let mut pos = 13u64;
    if h[10] & 0x80 != 0 {
        pos += 3 << ((h[10] & 7) + 1);
    }
    // Sub-blocks: a length byte, then that many bytes, until a zero length.
    let skip_blocks = |mut p: u64, collect: Option<&mut Vec<u8>>| -> Result<u64, Error> {
        let mut out = collect;
        for _ in 0..1_000_000 {
            let n = u64::from(src.read_at(p, 1, "GIF block")?[0]);
            if let Some(o) = out.as_deref_mut() {
                o.push(n as u8); // the XMP "magic trailer" relies on the length bytes being data
            }
            if n == 0 {
                return Ok(p + 1);
            }
            if let Some(o) = out.as_deref_mut() {
                o.extend(src.read_at(p + 1, n, "GIF block")?);
            }
            p += 1 + n;
        }
        Err(Error::Malformed {
            what: "GIF blocks",
            offset: p,
        })
    };
    // Frames and the sum of their Graphic Control delays (1/100 s): an animation's duration.
    let (mut frames, mut delay) = (0u32, 0u64);
    for _ in 0..100_000 {
        let Ok(b) = src.read_at(pos, 1, "GIF") else {
            break;
        };
        match b[0] {
            0x21 => {
                let l = src.read_at(pos + 1, 1, "GIF extension")?[0];
                if l == 0xFF {
                    let app = src.read_upto(pos + 2, 12, "GIF application")?;
                    if app.get(1..12) == Some(b"XMP DataXMP") {
                        let mut xmp = Vec::new();
                        pos = skip_blocks(pos + 14, Some(&mut xmp))?;
                        read_xmp(&xmp, Source::Xmp, md);
                        continue;
                    }
                } else if l == 0xF9 {
                    let g = src.read_upto(pos + 2, 6, "GIF graphic control")?;
                    if g.first() == Some(&4) {
                        delay += u64::from(crate::io::le_u16(&g, 2).unwrap_or(0));
                    }
                }
                pos = skip_blocks(pos + 2, None)?;
            }
            0x2C => {
                frames += 1;
                let d = src.read_at(pos, 10, "GIF image")?;
                let mut p = pos + 10;
                if d[9] & 0x80 != 0 {
                    p += 3 << ((d[9] & 7) + 1);
                }
                pos = skip_blocks(p + 1, None)?;
            }
            _ => break,
        }
    }
    if frames > 1 {
        md.duration_s = Some(delay as f64 / 100.0);
        md.tags
            .insert("GIF:FrameCount".into(), crate::TagValue::Int(frames.into()));
    }
    Ok(())
}
