//! WebP: the `EXIF` and `XMP ` chunks are replaced or appended, the `VP8X` flags and the RIFF
//! size updated (a `VP8X` chunk is added to a simple-format file); image chunks are copied.

use super::Parts;
use crate::error::{malformed, Error, Result};

struct Chunk {
    id: [u8; 4],
    start: usize,
    data: std::ops::Range<usize>,
    end: usize,
}

fn chunks(b: &[u8]) -> Result<Vec<Chunk>> {
    if b.get(..4) != Some(b"RIFF") || b.get(8..12) != Some(b"WEBP") {
        return malformed("WebP RIFF header", 0);
    }
    let mut i = 12;
    let mut v = Vec::new();
    while i + 8 <= b.len() {
        let id = [b[i], b[i + 1], b[i + 2], b[i + 3]];
        let len = u32::from_le_bytes([b[i + 4], b[i + 5], b[i + 6], b[i + 7]]) as usize;
        let data_end = match (i + 8).checked_add(len) {
            Some(e) if e <= b.len() => e,
            _ => return malformed("WebP chunk length", i),
        };
        let end = (data_end + (len & 1)).min(b.len());
        v.push(Chunk {
            id,
            start: i,
            data: i + 8..data_end,
            end,
        });
        i = end;
    }
    Ok(v)
}

pub(crate) fn parts(b: &[u8]) -> Result<Parts> {
    let mut p = Parts::default();
    for c in chunks(b)? {
        match &c.id {
            b"EXIF" if p.exif.is_none() => {
                let d = &b[c.data.clone()];
                p.exif = Some(d.strip_prefix(b"Exif\0\0").unwrap_or(d).to_vec());
            }
            b"XMP " if p.xmp.is_none() => {
                p.xmp = Some(albumen_meta::decode_xmp_packet(&b[c.data.clone()]));
            }
            _ => {}
        }
    }
    Ok(p)
}

fn chunk(id: &[u8; 4], data: &[u8]) -> Result<Vec<u8>> {
    let len = u32::try_from(data.len()).map_err(|_| Error::DoesNotFit {
        what: "WebP chunk",
        len: data.len(),
        limit: u32::MAX as usize,
    })?;
    let mut v = Vec::with_capacity(data.len() + 9);
    v.extend_from_slice(id);
    v.extend_from_slice(&len.to_le_bytes());
    v.extend_from_slice(data);
    if data.len() % 2 == 1 {
        v.push(0);
    }
    Ok(v)
}

/// A VP8X chunk for a simple-format file, from the VP8/VP8L frame header.
fn vp8x_for(b: &[u8], c: &Chunk) -> Result<Vec<u8>> {
    let d = &b[c.data.clone()];
    let (w, h, alpha) = match &c.id {
        b"VP8 " if d.len() >= 10 && d[3..6] == [0x9d, 0x01, 0x2a] => (
            u32::from(u16::from_le_bytes([d[6], d[7]]) & 0x3fff),
            u32::from(u16::from_le_bytes([d[8], d[9]]) & 0x3fff),
            false,
        ),
        b"VP8L" if d.len() >= 5 && d[0] == 0x2f => {
            let v = u32::from_le_bytes([d[1], d[2], d[3], d[4]]);
            (
                (v & 0x3fff) + 1,
                ((v >> 14) & 0x3fff) + 1,
                (v >> 28) & 1 == 1,
            )
        }
        _ => return malformed("WebP image chunk", c.start),
    };
    if w == 0 || h == 0 {
        return malformed("WebP image size", c.start);
    }
    let mut data = vec![if alpha { 0x10 } else { 0 }, 0, 0, 0];
    data.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    data.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    chunk(b"VP8X", &data)
}

pub(crate) fn rebuild(b: &[u8], exif: Option<&[u8]>, xmp: Option<&str>) -> Result<Vec<u8>> {
    let cs = chunks(b)?;
    let new_exif = exif.map(|e| chunk(b"EXIF", e)).transpose()?;
    let new_xmp = xmp.map(|x| chunk(b"XMP ", x.as_bytes())).transpose()?;
    let has = |id: &[u8; 4]| cs.iter().any(|c| &c.id == id);
    let mut out = Vec::with_capacity(b.len() + 4096);
    out.extend_from_slice(&b[..12]);
    let first = cs.first().ok_or(Error::Malformed {
        what: "WebP without chunks",
        offset: 12,
    })?;
    let mut flags_at = None;
    if &first.id != b"VP8X" {
        out.extend_from_slice(&vp8x_for(b, first)?);
        flags_at = Some(20);
    }
    for c in &cs {
        match &c.id {
            b"EXIF" if new_exif.is_some() => {
                if let Some(e) = &new_exif {
                    out.extend_from_slice(e)
                }
            }
            b"XMP " if new_xmp.is_some() => {
                if let Some(x) = &new_xmp {
                    out.extend_from_slice(x)
                }
            }
            b"VP8X" => {
                flags_at = Some(out.len() + 8);
                out.extend_from_slice(&b[c.start..c.end]);
            }
            _ => out.extend_from_slice(&b[c.start..c.end]),
        }
    }
    if let (Some(e), false) = (&new_exif, has(b"EXIF")) {
        out.extend_from_slice(e);
    }
    if let (Some(x), false) = (&new_xmp, has(b"XMP ")) {
        out.extend_from_slice(x);
    }
    let last = cs.last().map(|c| c.end).unwrap_or(12);
    out.extend_from_slice(&b[last..]);
    if let Some(f) = flags_at.and_then(|f| out.get_mut(f)) {
        if new_exif.is_some() || has(b"EXIF") {
            *f |= 0x08;
        }
        if new_xmp.is_some() || has(b"XMP ") {
            *f |= 0x04;
        }
    }
    let riff = u32::try_from(out.len() - 8).map_err(|_| Error::DoesNotFit {
        what: "WebP file",
        len: out.len(),
        limit: u32::MAX as usize,
    })?;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    Ok(out)
}
