//! PNG: chunks, skipping image data.

use crate::exif::{read_tiff, Root};
use crate::io::{be_u16, be_u32, Src};
use crate::xmp::read_xmp;
use crate::{Error, Metadata, Source};

const MAX_INFLATE: usize = 16 << 20;

fn inflate(data: &[u8]) -> Option<Vec<u8>> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, MAX_INFLATE).ok()
}

/// Decodes ImageMagick's "Raw profile type NAME" text chunk body (`"\nNAME\n   LEN\nHEX..."`,
/// after any zlib inflation) into the profile's bytes; ImageMagick keeps EXIF, XMP and IPTC in
/// PNG text chunks this way.
///
/// ```
/// let text = b"\nxmp\n       4\n3c782f3e\n";
/// assert_eq!(albumen_meta::decode_raw_profile(text).as_deref(), Some(&b"<x/>"[..]));
/// ```
pub fn raw_profile(text: &[u8]) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(text).ok()?;
    let mut lines = s.trim_start().splitn(3, '\n');
    let _name = lines.next()?;
    let len: usize = lines.next()?.trim().parse().ok()?;
    let hex: Vec<u8> = lines
        .next()?
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .collect();
    let out: Vec<u8> = hex
        .chunks_exact(2)
        .take(len)
        .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect();
    Some(out)
}

fn text_field(slot: &mut Option<String>, v: &str) {
    let v = v.trim().trim_end_matches('\0');
    if slot.is_none() && !v.is_empty() {
        *slot = Some(v.to_string());
    }
}

/// PNG "Creation Time": the specification suggests RFC 1123 (`Sat, 02 Sep 2019 14:45:37
/// +0000`); exiftool and others write `2019:09:02 14:45:37[+01:00]` or ISO 8601.
fn png_time(s: &str) -> Option<crate::CaptureTime> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc2822(s) {
        return Some(crate::CaptureTime::Zoned { time: t });
    }
    // `YYYY-MM-DDTHH:MM...` or `YYYY:MM:DD HH:MM:SS...`; a bare date is not a capture time.
    crate::xmp::parse_xmp_date(s)
}

fn exif_block(md: &mut Metadata, b: &[u8]) {
    let b = b.strip_prefix(b"Exif\0\0").unwrap_or(b);
    if read_tiff(b, Root::Ifd0, md).is_none() {
        md.warnings.push("unreadable EXIF block in PNG".into());
    }
}

pub(crate) fn read(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let mut pos = 8u64;
    let mut chunks = 0;
    // APNG: acTL marks an animation; each fcTL holds a frame's delay (num/den seconds).
    let (mut animated, mut frames, mut secs) = (false, 0u32, 0f64);
    while pos + 8 <= src.len() {
        chunks += 1;
        if chunks > 100_000 {
            break;
        }
        let head = src.read_at(pos, 8, "PNG chunk")?;
        let len = u64::from(be_u32(&head, 0).unwrap_or(0));
        let typ = &head[4..8];
        let data_at = pos + 8;
        match typ {
            b"IHDR" => {
                let d = src.read_at(data_at, 8.min(len), "IHDR")?;
                md.width = be_u32(&d, 0);
                md.height = be_u32(&d, 4);
            }
            b"eXIf" => {
                let d = src.read_at(data_at, len, "eXIf")?;
                exif_block(md, &d);
            }
            b"iTXt" | b"tEXt" | b"zTXt" => {
                let d = src.read_at(data_at, len, "PNG text")?;
                text_chunk(md, typ, &d);
            }
            b"acTL" => animated = true,
            b"fcTL" => {
                let d = src.read_at(data_at, 26.min(len), "fcTL")?;
                if let (Some(num), Some(den)) = (be_u16(&d, 20), be_u16(&d, 22)) {
                    frames += 1;
                    // A zero denominator means 1/100 s.
                    secs += f64::from(num) / f64::from(if den == 0 { 100 } else { den });
                }
            }
            b"IEND" => break,
            _ => {}
        }
        pos = data_at.saturating_add(len).saturating_add(4);
    }
    if animated && frames > 0 {
        md.duration_s = Some(secs);
        md.tags.insert(
            "PNG:AnimationFrames".into(),
            crate::TagValue::Int(frames.into()),
        );
    }
    Ok(())
}

fn text_chunk(md: &mut Metadata, typ: &[u8], d: &[u8]) {
    let Some(nul) = d.iter().position(|&c| c == 0) else {
        return;
    };
    let keyword = String::from_utf8_lossy(&d[..nul]).into_owned();
    let rest = &d[nul + 1..];
    let text: Option<Vec<u8>> = match typ {
        b"tEXt" => Some(rest.to_vec()),
        b"zTXt" => rest.get(1..).and_then(inflate),
        _ => {
            // iTXt: compression flag, method, language\0, translated keyword\0, text
            let (flag, body) = (
                rest.first().copied().unwrap_or(0),
                rest.get(2..).unwrap_or(&[]),
            );
            let mut parts = body.splitn(3, |&c| c == 0);
            let (_lang, _tk, t) = (parts.next(), parts.next(), parts.next().unwrap_or(&[]));
            if flag == 1 {
                inflate(t)
            } else {
                Some(t.to_vec())
            }
        }
    };
    let Some(text) = text else {
        md.warnings
            .push(format!("undecodable PNG text chunk {keyword:?}"));
        return;
    };
    match keyword.as_str() {
        "XML:com.adobe.xmp" => {
            read_xmp(&text, Source::Xmp, md);
        }
        "Raw profile type exif" | "Raw profile type APP1" => {
            if let Some(b) = raw_profile(&text) {
                exif_block(md, &b);
            }
        }
        "Raw profile type xmp" => {
            if let Some(b) = raw_profile(&text) {
                read_xmp(&b, Source::Xmp, md);
            }
        }
        // ImageMagick's "iptc" profile is usually Photoshop resources, sometimes bare IIM.
        "Raw profile type iptc" | "Raw profile type 8bim" => {
            if let Some(b) = raw_profile(&text) {
                if b.starts_with(b"8BIM") {
                    crate::iptc::read_resources(&b, md, false);
                } else {
                    crate::iptc::read_block(&b, md);
                }
            }
        }
        _ => {
            let v = String::from_utf8_lossy(&text).into_owned();
            // The PNG specification's predefined keywords (tEXt/iTXt "Title", "Description",
            // "Creation Time"); embedded XMP and EXIF, read before or after, take precedence.
            match keyword.as_str() {
                "Title" => text_field(&mut md.title, &v),
                "Description" => text_field(&mut md.description, &v),
                "Author" => text_field(&mut md.creator, &v),
                "Creation Time" => {
                    if let Some(time) = png_time(&v) {
                        md.times.push(crate::TimeCandidate {
                            kind: crate::TimeKind::Original,
                            time,
                            source: Source::PngText,
                        });
                    }
                }
                _ => {}
            }
            let v = String::from_utf8_lossy(&text).into_owned();
            md.tags
                .entry(format!("PNG:{keyword}"))
                .or_insert(crate::TagValue::Text(v));
        }
    }
}
