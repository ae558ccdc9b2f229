//! JPEG: the Exif and XMP APP1 segments are replaced (or the XMP one inserted); every other
//! segment and the entropy-coded data from SOS on are copied byte for byte.

use super::Parts;
use crate::error::{malformed, Error, Result};

const EXIF: &[u8] = b"Exif\0\0";
const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// Largest segment payload: the 16-bit length counts itself.
const MAX_PAYLOAD: usize = 65533;

#[derive(Debug, Clone, Copy)]
struct Seg {
    marker: u8,
    /// First byte (junk or fill bytes before the marker included).
    start: usize,
    /// The payload (after the length; empty for a standalone marker).
    body: usize,
    end: usize,
}

struct Layout {
    segs: Vec<Seg>,
    /// Where the SOS segment starts (junk and fill bytes before it included): everything from
    /// here on is copied as it is.
    scan: usize,
}

/// The segments before the scan, by albumen-meta's walker: all of them, or an error for a
/// file that does not start with SOI, has a malformed segment, or has no scan.
fn layout(b: &[u8]) -> Result<Layout> {
    let mut it = albumen_meta::jpeg::segments(b);
    match it.next() {
        Some(Ok(s)) if s.marker == albumen_meta::jpeg::SOI && s.start == 0 => {}
        _ => return malformed("JPEG SOI", 0),
    }
    let mut segs = Vec::new();
    for s in it {
        let s = match s {
            Ok(s) => s,
            Err(albumen_meta::Error::Malformed { what, offset }) => {
                return Err(Error::Malformed { what, offset })
            }
            Err(_) => return malformed("JPEG segment", 0),
        };
        match s.marker {
            albumen_meta::jpeg::SOS => {
                return Ok(Layout {
                    segs,
                    scan: s.start as usize,
                })
            }
            albumen_meta::jpeg::EOI => return malformed("JPEG without scan", s.start as usize),
            m => segs.push(Seg {
                marker: m,
                start: s.start as usize,
                body: s.payload.start as usize,
                end: s.payload.end as usize,
            }),
        }
    }
    malformed("JPEG segment", b.len())
}

fn payload<'a>(b: &'a [u8], s: &Seg) -> &'a [u8] {
    b.get(s.body..s.end).unwrap_or(&[])
}

/// The payload ranges of the segments before the scan with marker `marker` whose payload
/// starts with `sig`; `None` when the segment layout is malformed.
pub(crate) fn payloads_with(
    b: &[u8],
    marker: u8,
    sig: &[u8],
) -> Option<Vec<std::ops::Range<usize>>> {
    let l = layout(b).ok()?;
    Some(
        l.segs
            .iter()
            .filter(|s| s.marker == marker && payload(b, s).starts_with(sig))
            .map(|s| s.body..s.end)
            .collect(),
    )
}

fn find(b: &[u8], segs: &[Seg], sig: &[u8]) -> Option<usize> {
    segs.iter()
        .position(|s| s.marker == 0xE1 && payload(b, s).starts_with(sig))
}

/// A block of the JPEG that may hold a location the editor does not rewrite: a FLIR record
/// (its own GPS fields), a Ricoh RMETA block, a JUMBF box (C2PA manifests carry
/// `cai.location` assertions). `None` when there is none (or the file does not parse).
pub(crate) fn foreign_location(b: &[u8]) -> Option<&'static str> {
    let l = layout(b).ok()?;
    l.segs.iter().find_map(|s| {
        let p = payload(b, s);
        match s.marker {
            0xE1 if p.starts_with(b"FLIR\0") => Some("a FLIR record"),
            0xE5 if p.starts_with(b"RMETA\0") => Some("a Ricoh RMETA block"),
            0xEB if p.starts_with(b"JP") => Some("a JUMBF (C2PA) box"),
            _ => None,
        }
    })
}

pub(crate) fn parts(b: &[u8]) -> Result<Parts> {
    let l = layout(b)?;
    let exif = find(b, &l.segs, EXIF).map(|i| payload(b, &l.segs[i])[EXIF.len()..].to_vec());
    let xmp = find(b, &l.segs, XMP)
        .map(|i| albumen_meta::decode_xmp_packet(&payload(b, &l.segs[i])[XMP.len()..]));
    Ok(Parts { exif, xmp })
}

fn segment(sig: &[u8], body: &[u8], what: &'static str) -> Result<Vec<u8>> {
    let n = sig.len() + body.len();
    if n > MAX_PAYLOAD {
        return Err(Error::DoesNotFit {
            what,
            len: n,
            limit: MAX_PAYLOAD,
        });
    }
    let mut v = Vec::with_capacity(n + 4);
    v.extend_from_slice(&[0xFF, 0xE1]);
    v.extend_from_slice(&((n + 2) as u16).to_be_bytes());
    v.extend_from_slice(sig);
    v.extend_from_slice(body);
    Ok(v)
}

pub(crate) fn rebuild(b: &[u8], exif: Option<&[u8]>, xmp: Option<&str>) -> Result<Vec<u8>> {
    let l = layout(b)?;
    let ex = find(b, &l.segs, EXIF);
    let xi = find(b, &l.segs, XMP);
    let new_exif = exif
        .map(|e| segment(EXIF, e, "Exif APP1 segment"))
        .transpose()?;
    let new_xmp = xmp
        .map(|x| segment(XMP, x.as_bytes(), "XMP APP1 segment"))
        .transpose()?;
    if new_exif.is_some() && ex.is_none() {
        return Err(Error::Unsupported(
            "adding an Exif segment to a JPEG without one".into(),
        ));
    }
    // where a new XMP segment goes: after the Exif segment, else after APP0/JFIF, else first
    let insert_after = ex.or_else(|| l.segs.iter().position(|s| s.marker == 0xE0));
    let mut out = Vec::with_capacity(b.len() + 4096);
    out.extend_from_slice(&b[..2]);
    if let (Some(x), None, None) = (&new_xmp, xi, insert_after) {
        out.extend_from_slice(x);
    }
    for (i, s) in l.segs.iter().enumerate() {
        match (&new_exif, &new_xmp) {
            (Some(e), _) if Some(i) == ex => out.extend_from_slice(e),
            (_, Some(x)) if Some(i) == xi => out.extend_from_slice(x),
            _ => out.extend_from_slice(&b[s.start..s.end]),
        }
        if let (Some(x), None) = (&new_xmp, xi) {
            if Some(i) == insert_after {
                out.extend_from_slice(x);
            }
        }
    }
    // the SOS segment (with any junk or fill bytes before it) and the scan
    out.extend_from_slice(&b[l.scan..]);
    Ok(out)
}

/// An AFCP trailer (IPTC appended by some Windows and AXS software: `AXS!`/`AXS*`) records
/// absolute file offsets: its start in the last 12 bytes and each entry's data in its
/// directory. When the header segments grow by `delta` (the caller applies it once, to the
/// final file), those move with the trailer and are re-aimed; a trailer whose recorded start does not hold its header is left alone.
pub(crate) fn shift_afcp(out: &mut [u8], delta: i64) {
    if delta == 0 || out.len() < 24 {
        return;
    }
    let tail = out.len() - 12;
    let big = match out.get(tail..tail + 4) {
        Some(b"AXS!") => true,
        Some(b"AXS*") => false,
        _ => return,
    };
    let rd = |b: &[u8], at: usize| -> Option<u32> {
        let v: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(v)
        } else {
            u32::from_le_bytes(v)
        })
    };
    let wr = |v: u32| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let Some(old_start) = rd(out, tail + 4) else {
        return;
    };
    let Some(start) = usize::try_from(i64::from(old_start) + delta).ok() else {
        return;
    };
    if out.get(start..start + 4) != out.get(tail..tail + 4) {
        return;
    }
    let Some(n) = out.get(start + 6..start + 8) else {
        return;
    };
    let n = usize::from(if big {
        u16::from_be_bytes([n[0], n[1]])
    } else {
        u16::from_le_bytes([n[0], n[1]])
    });
    let shifted = |v: u32| u32::try_from(i64::from(v) + delta).ok();
    for i in 0..n.min(1024) {
        let at = start + 12 + 12 * i + 8;
        let Some(off) = rd(out, at) else { return };
        if off >= old_start {
            if let (Some(v), Some(dst)) = (shifted(off), out.get_mut(at..at + 4)) {
                dst.copy_from_slice(&wr(v));
            }
        }
    }
    if let (Some(v), Some(dst)) = (shifted(old_start), out.get_mut(tail + 4..tail + 8)) {
        dst.copy_from_slice(&wr(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (corpus `issue 121.jpg`): junk between two segments made the file unwritable.
    #[test]
    fn junk_between_segments_is_kept() {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2];
        b.extend_from_slice(b"junk");
        b.extend_from_slice(&[0xFF, 0xE2, 0, 3, 9]);
        b.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x11, 0x22, 0xFF, 0xD9]);
        let out = rebuild(&b, None, Some("<x/>")).unwrap();
        let p = parts(&out).unwrap();
        assert_eq!(p.xmp.as_deref(), Some("<x/>"));
        let pos = out.windows(4).position(|w| w == b"junk").unwrap();
        assert_eq!(&out[pos..pos + 9], b"junk\xFF\xE2\x00\x03\x09");
        assert!(out.ends_with(&[0xFF, 0xDA, 0, 2, 0x11, 0x22, 0xFF, 0xD9]));
    }

    #[test]
    fn afcp_trailer_offsets_follow_the_growth() {
        let mut b = vec![0xFF, 0xD8];
        b.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x11, 0x22, 0xFF, 0xD9]);
        let start = b.len() as u32;
        // header: AXS!, version 1.0, one entry; entry: IPTC, 4 bytes at start + 24.
        b.extend_from_slice(b"AXS!\x01\x00\x00\x01\0\0\0\0");
        b.extend_from_slice(b"IPTC");
        b.extend_from_slice(&4u32.to_be_bytes());
        b.extend_from_slice(&(start + 24).to_be_bytes());
        b.extend_from_slice(b"data");
        b.extend_from_slice(b"AXS!");
        b.extend_from_slice(&start.to_be_bytes());
        b.extend_from_slice(&[0; 4]);
        let mut out = rebuild(&b, None, Some("<x/>")).unwrap();
        let d = (out.len() - b.len()) as u32;
        shift_afcp(&mut out, i64::from(d));
        let tail = out.len() - 12;
        let s = u32::from_be_bytes(out[tail + 4..tail + 8].try_into().unwrap());
        assert_eq!(s, start + d);
        assert_eq!(&out[s as usize..s as usize + 4], b"AXS!");
        let e = s as usize + 12;
        let off = u32::from_be_bytes(out[e + 8..e + 12].try_into().unwrap());
        assert_eq!(&out[off as usize..off as usize + 4], b"data");
    }

    #[test]
    fn truncated_segments_are_errors() {
        let b = [0xFF, 0xD8, 0xFF, 0xE1, 0x10, 0x00, 1, 2, 3];
        assert!(parts(&b).is_err());
        assert!(rebuild(&b, None, Some("x")).is_err());
        assert!(parts(&[0xFF, 0xD8]).is_err());
    }
}
