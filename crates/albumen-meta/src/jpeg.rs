//! JPEG: marker segments up to the start of scan.

use crate::exif::{read_tiff, Root};
use crate::io::{be_u16, be_u32, Src};
use crate::xmp::{read_xmp, MotionHint};
use crate::{Error, Metadata, Source};

const XMP_SIG: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXT_SIG: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
/// Cap on the assembled extended XMP.
const MAX_EXT_XMP: u64 = 16 << 20;
/// Cap on the Photoshop resource block assembled from APP13 segments.
const MAX_IRB: usize = 16 << 20;

/// What the JPEG reader hands back to the caller beyond `md`.
#[derive(Default)]
pub(crate) struct JpegInfo {
    pub motion: Option<MotionHint>,
}

/// Reads a JPEG starting at `base` in `src` (RAF embeds one).
pub(crate) fn read(src: &Src<'_>, base: u64, md: &mut Metadata) -> Result<JpegInfo, Error> {
    let mut info = JpegInfo::default();
    let mut pos = base.checked_add(2).ok_or(Error::Malformed {
        what: "JPEG",
        offset: base,
    })?;
    let mut ext_xmp: Vec<u8> = Vec::new();
    let mut saw_sof = false;
    let mut main_xmp: Option<Vec<u8>> = None;
    // Photoshop writes an image-resource block longer than one segment across consecutive APP13
    // segments, each starting "Photoshop 3.0\0": the block is their payloads end to end (as
    // exiftool reads it), so a resource split at a segment boundary is read whole.
    let mut irb: Vec<u8> = Vec::new();
    let mut segments = 0u32;
    loop {
        segments += 1;
        if segments > 10_000 {
            md.warnings.push("too many JPEG segments".into());
            break;
        }
        let Ok(head) = src.read_at(pos, 4, "JPEG marker") else {
            md.warnings
                .push(format!("JPEG ends before the image data (at byte {pos})"));
            break;
        };
        if head[0] != 0xFF {
            // Junk between segments (seen in real files): resynchronise on the next 0xFF.
            let window = src.read_upto(pos, 256, "JPEG resync")?;
            match window.iter().position(|&b| b == 0xFF) {
                Some(skip) if skip > 0 => {
                    md.warnings
                        .push(format!("skipped {skip} unknown bytes at byte {pos}"));
                    pos += skip as u64;
                    continue;
                }
                _ => {
                    md.warnings
                        .push(format!("JPEG marker expected at byte {pos}"));
                    break;
                }
            }
        }
        let marker = head[1];
        match marker {
            0xFF => {
                pos += 1; // fill byte
                continue;
            }
            0xD8 | 0x01 | 0xD0..=0xD7 => {
                pos += 2;
                continue;
            }
            0xD9 | 0xDA => break,
            _ => {}
        }
        let len = u64::from(be_u16(&head, 2).unwrap_or(0));
        if len < 2 {
            md.warnings
                .push(format!("bad JPEG segment length at byte {pos}"));
            break;
        }
        let body_at = pos + 4;
        let body_len = len - 2;
        if marker != 0xED && !irb.is_empty() {
            // The APP13 run has ended: read it where it stood among the segments (an IIM block
            // in EXIF tag 33723 that comes later must not take its place).
            crate::iptc::read_resources(&irb, md, false);
            irb.clear();
        }
        match marker {
            0xE1 => {
                let body = src.read_at(body_at, body_len, "APP1")?;
                if body.starts_with(b"Exif\0") {
                    let tiff = body.get(6..).unwrap_or(&[]);
                    if read_tiff(tiff, Root::Ifd0, md).is_none() {
                        md.warnings.push("unreadable EXIF block".into());
                    }
                } else if body.starts_with(XMP_SIG) {
                    // Parsed after the EXIF, whatever the segment order: EXIF values win.
                    main_xmp = Some(body[XMP_SIG.len()..].to_vec());
                } else if body.starts_with(XMP_EXT_SIG) {
                    // GUID (32) + full length (4) + offset (4) + data.
                    let at = XMP_EXT_SIG.len();
                    let full = be_u32(&body, at + 32).map(u64::from).unwrap_or(0);
                    let off = be_u32(&body, at + 36).map(u64::from).unwrap_or(u64::MAX);
                    let data = body.get(at + 40..).unwrap_or(&[]);
                    if full <= MAX_EXT_XMP && off.saturating_add(data.len() as u64) <= full {
                        if ext_xmp.len() as u64 != full {
                            ext_xmp.resize(full as usize, b' ');
                        }
                        ext_xmp[off as usize..off as usize + data.len()].copy_from_slice(data);
                    }
                }
            }
            0xED => {
                let body = src.read_at(body_at, body_len, "APP13")?;
                if let Some(p) = body.strip_prefix(b"Photoshop 3.0\0") {
                    if irb.len() + p.len() <= MAX_IRB {
                        irb.extend_from_slice(p);
                    } else {
                        md.warnings.push(
                            "Photoshop APP13 segments over 16 MiB: the rest is ignored".into(),
                        );
                    }
                }
            }
            0xE2 => {
                let body = src.read_upto(body_at, body_len.min(64), "APP2")?;
                if body.starts_with(b"MPF\0") {
                    md.tags
                        .entry("MPF:Present".into())
                        .or_insert(crate::TagValue::Int(1));
                }
            }
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) && !saw_sof => {
                let b = src.read_at(body_at, 5.min(body_len), "SOF")?;
                if let (Some(h), Some(w)) = (be_u16(&b, 1), be_u16(&b, 3)) {
                    // Height 0 means "defined by a DNL marker later": report it as stored.
                    if md.width.is_none() && w > 0 {
                        md.width = Some(u32::from(w));
                        md.height = Some(u32::from(h));
                    }
                }
                saw_sof = true;
            }
            _ => {}
        }
        pos = body_at + body_len;
    }
    if !irb.is_empty() {
        crate::iptc::read_resources(&irb, md, false);
    }
    if let Some(x) = main_xmp {
        let hint = read_xmp(&x, Source::Xmp, md);
        info.motion = info.motion.or(hint);
    }
    if !ext_xmp.is_empty() {
        let hint = read_xmp(&ext_xmp, Source::Xmp, md);
        info.motion = info.motion.or(hint);
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use crate::{Reader, TagValue};

    /// A JPEG whose IPTC resource (two keywords) is split across two APP13 segments.
    #[test]
    fn app13_split_over_two_segments_is_read_whole() {
        let mut iim = Vec::new();
        for k in [&b"first"[..], b"second"] {
            iim.extend_from_slice(&[0x1C, 2, 25, 0, k.len() as u8]);
            iim.extend_from_slice(k);
        }
        let mut irb = b"8BIM\x04\x04\0\0".to_vec();
        irb.extend_from_slice(&(iim.len() as u32).to_be_bytes());
        irb.extend_from_slice(&iim);
        let cut = irb.len() - 4; // inside the second keyword
        let mut j = vec![0xFF, 0xD8];
        for part in [&irb[..cut], &irb[cut..]] {
            let body = [&b"Photoshop 3.0\0"[..], part].concat();
            j.extend_from_slice(&[0xFF, 0xED]);
            j.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            j.extend_from_slice(&body);
        }
        j.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0, 0xFF, 0xDA]);
        let md = Reader::new().read_bytes(&j).unwrap();
        assert_eq!(md.keywords, ["first", "second"]);
        assert!(matches!(md.tags.get("IPTC:Keywords"), Some(TagValue::List(v)) if v.len() == 2));
    }

    /// An APP13 before the EXIF APP1 keeps its place: its IPTC is read first, as before the
    /// APP13 run was joined (Issue 122.jpg of the corpus has this order and an IIM in EXIF).
    #[test]
    fn app13_is_read_in_segment_order() {
        let title = |t: &[u8]| {
            let mut v = vec![0x1C, 2, 5, 0, t.len() as u8];
            v.extend_from_slice(t);
            v
        };
        let mut irb = b"8BIM\x04\x04\0\0".to_vec();
        let a = title(b"from APP13");
        irb.extend_from_slice(&(a.len() as u32).to_be_bytes());
        irb.extend_from_slice(&a);
        let b = title(b"from EXIF");
        let mut tiff = b"II*\0\x08\0\0\0\x01\0\xbb\x83\x07\0".to_vec();
        tiff.extend_from_slice(&(b.len() as u32).to_le_bytes());
        tiff.extend_from_slice(&26u32.to_le_bytes());
        tiff.extend_from_slice(&[0; 4]);
        tiff.extend_from_slice(&b);
        let mut j = vec![0xFF, 0xD8];
        for (m, body) in [
            (0xED, [&b"Photoshop 3.0\0"[..], &irb].concat()),
            (0xE1, [&b"Exif\0\0"[..], &tiff].concat()),
        ] {
            j.extend_from_slice(&[0xFF, m]);
            j.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            j.extend_from_slice(&body);
        }
        j.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0, 0xFF, 0xDA]);
        let md = Reader::new().read_bytes(&j).unwrap();
        assert_eq!(md.title.as_deref(), Some("from APP13"));
    }
}
