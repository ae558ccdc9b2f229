//! PNG: the `eXIf` chunk and the XMP `iTXt` chunk (`XML:com.adobe.xmp`) are replaced or
//! inserted before the first `IDAT`; every other chunk is copied byte for byte. An XMP packet
//! or EXIF block kept the ImageMagick way (a `Raw profile type xmp` / `exif` / `APP1` text
//! chunk, hex inside zlib) is read, edited and replaced in place by the standard `iTXt` /
//! `eXIf` chunk, so the file never holds two and dates are shifted where they are.

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

const RAW_XMP_KEY: &[u8] = b"Raw profile type xmp";
/// Largest inflated text chunk read.
const MAX_INFLATE: usize = 16 << 20;

/// ImageMagick's keys for an EXIF profile kept in a text chunk.
const RAW_EXIF_KEYS: [&[u8]; 2] = [b"Raw profile type exif", b"Raw profile type APP1"];

/// The XMP of an ImageMagick `Raw profile type xmp` chunk (tEXt, zTXt or iTXt):
/// `"\nxmp\n   LEN\nHEX..."`, the hex possibly zlib-compressed.
fn raw_profile_xmp(typ: &[u8; 4], d: &[u8]) -> Option<String> {
    let out = raw_profile(typ, d, RAW_XMP_KEY)?;
    Some(albumen_meta::decode_xmp_packet(&out))
}

/// The TIFF block of an ImageMagick `Raw profile type exif` (or `APP1`) chunk.
fn raw_profile_exif(typ: &[u8; 4], d: &[u8]) -> Option<Vec<u8>> {
    let out = RAW_EXIF_KEYS.iter().find_map(|k| raw_profile(typ, d, k))?;
    let tiff = out.strip_prefix(b"Exif\0\0").unwrap_or(&out);
    (tiff.starts_with(b"II*\0") || tiff.starts_with(b"MM\0*")).then(|| tiff.to_vec())
}

/// The bytes of a `Raw profile type ...` text chunk with keyword `key`.
fn raw_profile(typ: &[u8; 4], d: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    let rest = d.strip_prefix(key)?.strip_prefix(b"\0")?;
    let inflate =
        |z: &[u8]| miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(z, MAX_INFLATE).ok();
    let text: Vec<u8> = match typ {
        b"tEXt" => rest.to_vec(),
        b"zTXt" => inflate(rest.get(1..)?)?,
        b"iTXt" => {
            let (&flag, rest) = rest.split_first()?;
            let rest = rest.get(1..)?;
            let l = rest.iter().position(|&c| c == 0)?;
            let rest = rest.get(l + 1..)?;
            let t = rest.iter().position(|&c| c == 0)?;
            let body = rest.get(t + 1..)?;
            if flag == 0 {
                body.to_vec()
            } else {
                inflate(body)?
            }
        }
        _ => return None,
    };
    albumen_meta::decode_raw_profile(&text)
}

fn is_text(typ: &[u8; 4]) -> bool {
    matches!(typ, b"tEXt" | b"zTXt" | b"iTXt")
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
    if p.exif.is_none() {
        // EXIF kept the ImageMagick way: edited there (the chunk is replaced in place by a
        // standard eXIf), not shadowed by new XMP.
        p.exif = chunks(b)?
            .iter()
            .filter(|c| is_text(&c.typ))
            .find_map(|c| raw_profile_exif(&c.typ, &b[c.data.clone()]));
    }
    if p.xmp.is_none() {
        p.xmp = chunks(b)?
            .iter()
            .filter(|c| is_text(&c.typ))
            .find_map(|c| raw_profile_xmp(&c.typ, &b[c.data.clone()]));
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
    let ex = cs.iter().position(|c| &c.typ == b"eXIf").or_else(|| {
        cs.iter()
            .position(|c| is_text(&c.typ) && raw_profile_exif(&c.typ, &b[c.data.clone()]).is_some())
    });
    let xi = cs
        .iter()
        .position(|c| &c.typ == b"iTXt" && itxt_xmp(&b[c.data.clone()]).is_some())
        .or_else(|| {
            cs.iter().position(|c| {
                is_text(&c.typ) && raw_profile_xmp(&c.typ, &b[c.data.clone()]).is_some()
            })
        });
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
    use super::*;

    /// IHDR, an ImageMagick `Raw profile type xmp` zTXt, IDAT, IEND.
    fn magick_png(xmp: &str) -> Vec<u8> {
        let mut hex = String::new();
        for (i, c) in xmp.bytes().enumerate() {
            if i % 36 == 0 {
                hex.push('\n');
            }
            hex.push_str(&format!("{c:02x}"));
        }
        let text = format!("\nxmp\n{:8}{hex}\n", xmp.len());
        let mut z = RAW_XMP_KEY.to_vec();
        z.extend_from_slice(&[0, 0]);
        z.extend_from_slice(&miniz_oxide::deflate::compress_to_vec_zlib(
            text.as_bytes(),
            6,
        ));
        let mut b = SIG.to_vec();
        b.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]).unwrap());
        b.extend(chunk(b"zTXt", &z).unwrap());
        b.extend(chunk(b"IDAT", b"pixels").unwrap());
        b.extend(chunk(b"IEND", b"").unwrap());
        b
    }

    #[test]
    fn imagemagick_xmp_is_read_and_replaced_in_place() {
        let x = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF \
            xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/></x:xmpmeta>";
        let b = magick_png(x);
        assert_eq!(parts(&b).unwrap().xmp.as_deref(), Some(x));
        let out = rebuild(&b, None, Some("<new/>")).unwrap();
        let types: Vec<[u8; 4]> = chunks(&out).unwrap().iter().map(|c| c.typ).collect();
        assert_eq!(types, [*b"IHDR", *b"iTXt", *b"IDAT", *b"IEND"]);
        assert_eq!(parts(&out).unwrap().xmp.as_deref(), Some("<new/>"));
    }

    #[test]
    fn imagemagick_exif_is_edited_where_it_is() {
        // A "Raw profile type exif" zTXt holding "Exif\0\0" + a TIFF block.
        let tiff = b"II*\0\x08\0\0\0\0\0\0\0\0\0";
        let mut prof = b"Exif\0\0".to_vec();
        prof.extend_from_slice(tiff);
        let hex: String = prof.iter().map(|c| format!("{c:02x}")).collect();
        let text = format!("\nexif\n{:8}\n{hex}\n", prof.len());
        let mut z = b"Raw profile type exif\0\0".to_vec();
        z.extend_from_slice(&miniz_oxide::deflate::compress_to_vec_zlib(
            text.as_bytes(),
            6,
        ));
        let mut b = SIG.to_vec();
        b.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]).unwrap());
        b.extend(chunk(b"tEXt", b"Comment\0kept").unwrap());
        b.extend(chunk(b"zTXt", &z).unwrap());
        b.extend(chunk(b"IDAT", b"pixels").unwrap());
        b.extend(chunk(b"IEND", b"").unwrap());
        assert_eq!(parts(&b).unwrap().exif.as_deref(), Some(&tiff[..]));
        let out = rebuild(&b, Some(b"MM\0*new"), None).unwrap();
        let types: Vec<[u8; 4]> = chunks(&out).unwrap().iter().map(|c| c.typ).collect();
        // The profile's place now holds the eXIf; nothing else added or moved.
        assert_eq!(types, [*b"IHDR", *b"tEXt", *b"eXIf", *b"IDAT", *b"IEND"]);
        assert_eq!(parts(&out).unwrap().exif.as_deref(), Some(&b"MM\0*new"[..]));
    }

    #[test]
    fn crc_of_iend() {
        assert_eq!(super::crc32(&[b"IEND"]), 0xAE42_6082);
    }
}
