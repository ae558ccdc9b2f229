//! PNG: the `eXIf` chunk and the XMP `iTXt` chunk (`XML:com.adobe.xmp`) are replaced or
//! inserted before the first `IDAT`; every other chunk is copied byte for byte.

use super::Parts;
use crate::error::{malformed, Error, Result};

const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
const XMP_KEY: &[u8] = b"XML:com.adobe.xmp";

struct Chunk {
    typ: [u8; 4],
    start: usize,
    data: std::ops::Range<usize>,
    end: usize,
}

fn chunks(b: &[u8]) -> Result<Vec<Chunk>> {
    if !b.starts_with(SIG) {
        return malformed("PNG signature", 0);
    }
    let mut i = SIG.len();
    let mut v = Vec::new();
    while i < b.len() {
        let Some(h) = b.get(i..i + 8) else {
            return malformed("PNG chunk", i);
        };
        let len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
        let typ = [h[4], h[5], h[6], h[7]];
        let end = match (i + 12).checked_add(len) {
            Some(e) if e <= b.len() => e,
            _ => return malformed("PNG chunk length", i),
        };
        v.push(Chunk {
            typ,
            start: i,
            data: i + 8..i + 8 + len,
            end,
        });
        i = end;
        if &typ == b"IEND" {
            break;
        }
    }
    Ok(v)
}

/// XMP text of an iTXt chunk when it is the uncompressed XMP one.
fn itxt_xmp(d: &[u8]) -> Option<Result<String>> {
    let rest = d.strip_prefix(XMP_KEY)?.strip_prefix(b"\0")?;
    let (&flag, rest) = rest.split_first()?;
    let (_, rest) = rest.split_first()?;
    if flag != 0 {
        return Some(Err(Error::Unsupported("compressed XMP iTXt chunk".into())));
    }
    let l = rest.iter().position(|&c| c == 0)?;
    let rest = rest.get(l + 1..)?;
    let t = rest.iter().position(|&c| c == 0)?;
    let text = rest.get(t + 1..)?;
    Some(Ok(String::from_utf8_lossy(text).into_owned()))
}

pub(crate) fn parts(b: &[u8]) -> Result<Parts> {
    let mut p = Parts::default();
    for c in chunks(b)? {
        match &c.typ {
            b"eXIf" if p.exif.is_none() => {
                let d = &b[c.data.clone()];
                let d = d.strip_prefix(b"Exif\0\0").unwrap_or(d);
                p.exif = Some(d.to_vec());
            }
            b"iTXt" if p.xmp.is_none() => {
                if let Some(x) = itxt_xmp(&b[c.data.clone()]) {
                    p.xmp = Some(x?);
                }
            }
            _ => {}
        }
    }
    Ok(p)
}

pub(crate) fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for p in parts {
        for &b in *p {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
    }
    !c
}

fn chunk(typ: &[u8; 4], data: &[u8]) -> Result<Vec<u8>> {
    let len = u32::try_from(data.len()).map_err(|_| Error::DoesNotFit {
        what: "PNG chunk",
        len: data.len(),
        limit: u32::MAX as usize,
    })?;
    let mut v = Vec::with_capacity(data.len() + 12);
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(typ);
    v.extend_from_slice(data);
    v.extend_from_slice(&crc32(&[typ, data]).to_be_bytes());
    Ok(v)
}

pub(crate) fn rebuild(b: &[u8], exif: Option<&[u8]>, xmp: Option<&str>) -> Result<Vec<u8>> {
    let cs = chunks(b)?;
    let new_exif = exif.map(|e| chunk(b"eXIf", e)).transpose()?;
    let new_xmp = xmp
        .map(|x| {
            let mut d = XMP_KEY.to_vec();
            d.extend_from_slice(&[0, 0, 0, 0, 0]);
            d.extend_from_slice(x.as_bytes());
            chunk(b"iTXt", &d)
        })
        .transpose()?;
    let ex = cs.iter().position(|c| &c.typ == b"eXIf");
    let xi = cs
        .iter()
        .position(|c| &c.typ == b"iTXt" && itxt_xmp(&b[c.data.clone()]).is_some());
    let idat = cs.iter().position(|c| &c.typ == b"IDAT");
    let Some(idat) = idat else {
        return malformed("PNG without IDAT", b.len());
    };
    let mut out = Vec::with_capacity(b.len() + 4096);
    out.extend_from_slice(SIG);
    for (i, c) in cs.iter().enumerate() {
        if i == idat {
            if let (Some(e), None) = (&new_exif, ex) {
                out.extend_from_slice(e);
            }
            if let (Some(x), None) = (&new_xmp, xi) {
                out.extend_from_slice(x);
            }
        }
        match (&new_exif, &new_xmp) {
            (Some(e), _) if Some(i) == ex => out.extend_from_slice(e),
            (_, Some(x)) if Some(i) == xi => out.extend_from_slice(x),
            _ => out.extend_from_slice(&b[c.start..c.end]),
        }
    }
    let last = cs.last().map(|c| c.end).unwrap_or(SIG.len());
    out.extend_from_slice(&b[last..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc_of_iend() {
        assert_eq!(super::crc32(&[b"IEND"]), 0xAE42_6082);
    }
}
