//! Motion photos: a still with an MP4 embedded in the same file.
//!
//! Three layouts are recognised, each only when an `ftyp` box is found where the video should
//! start (a declared range that does not hold an MP4 is not a motion photo):
//! - Google (`GCamera:MotionPhoto` or `GCamera:MicroVideo` in the XMP): the video is the last
//!   `Item:Length` bytes of the file (`Container:Directory`, item with `Item:Semantic="MotionPhoto"`,
//!   minus its trailing `Item:Padding`), or the last `GCamera:MicroVideoOffset` bytes.
//! - Samsung JPEG: the `SEFT` trailer at the end of the file indexes a `MotionPhoto_Data` record
//!   whose payload is the video.
//! - Samsung HEIC: a top-level `mpvd` box holds the video.
//!
//! Reading is bounded: JPEG segments up to the first scan, ISO-BMFF top-level boxes and the
//! `meta` box (at most [`MAX_META`] bytes), the XMP item (at most [`MAX_XMP`] bytes) and the
//! Samsung trailer index (at most [`MAX_TRAILER`] bytes). No pixel data is read.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use albumen_meta::bmff;
use albumen_meta::{MotionPhoto, MotionPhotoKind};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::Error;

/// Largest ISO-BMFF `meta` box parsed, in bytes.
pub const MAX_META: u64 = 4 << 20;
/// Largest XMP packet parsed, in bytes.
pub const MAX_XMP: u64 = 1 << 20;
/// Largest Samsung `SEFH` trailer index parsed, in bytes.
pub const MAX_TRAILER: u64 = 1 << 20;
/// Most top-level boxes looked at.
const MAX_SEGMENTS: usize = 4096;

const NS_GCAMERA: &[u8] = b"http://ns.google.com/photos/1.0/camera/";
const NS_ITEM: &[u8] = b"http://ns.google.com/photos/1.0/container/item/";
const NS_CONTAINER: &[u8] = b"http://ns.google.com/photos/1.0/container/";
const NS_RDF: &[u8] = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#";

/// Detects a motion photo in a file. `Ok(None)` when the file is not one (or not a JPEG /
/// ISO-BMFF file at all).
pub fn detect_motion_photo(path: &Path) -> Result<Option<MotionPhoto>, Error> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    detect_motion_photo_in(&mut BufReader::new(f)).map_err(|e| Error::io(path, e))
}

/// Detects a motion photo in anything `Read + Seek` (a file, a memory buffer).
pub fn detect_motion_photo_in<R: Read + Seek>(r: &mut R) -> io::Result<Option<MotionPhoto>> {
    let mut src = Src::new(r)?;
    let head = src.read_at(0, 12.min(src.len))?;
    if head.starts_with(&[0xFF, 0xD8]) {
        if let Some(xmp) = jpeg_xmp(&mut src)? {
            if let Some(mp) = google(&mut src, &xmp)? {
                return Ok(Some(mp));
            }
        }
        return samsung_trailer(&mut src);
    }
    if head.get(4..8) == Some(b"ftyp") {
        return isobmff(&mut src);
    }
    Ok(None)
}

/// Copies the embedded video of a motion photo to `out`, byte for byte, and returns its
/// length. The copy is written to a temporary file beside `out` and renamed into place, so
/// `out` is either absent or complete. Fails if the range is outside the file or does not start
/// with an `ftyp` box.
pub fn extract_motion_video(path: &Path, mp: &MotionPhoto, out: &Path) -> Result<u64, Error> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let file_len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    let end = mp.video_offset.checked_add(mp.video_length);
    if end.is_none_or(|end| end > file_len) || mp.video_length < 8 {
        return Err(Error::OutOfRange {
            path: path.to_path_buf(),
            offset: mp.video_offset,
            length: mp.video_length,
            file_len,
        });
    }
    f.seek(SeekFrom::Start(mp.video_offset))
        .map_err(|e| Error::io(path, e))?;
    let mut head = [0u8; 8];
    f.read_exact(&mut head).map_err(|e| Error::io(path, e))?;
    if &head[4..8] != b"ftyp" {
        return Err(Error::NotMp4 {
            path: path.to_path_buf(),
            offset: mp.video_offset,
        });
    }
    let tmp = temp_name(out);
    let result = (|| -> io::Result<u64> {
        let mut w = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        w.write_all(&head)?;
        let rest = mp.video_length - 8;
        let copied = io::copy(&mut (&mut f).take(rest), &mut w)?;
        if copied != rest {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file shorter than the embedded video",
            ));
        }
        w.sync_all()?;
        drop(w);
        std::fs::rename(&tmp, out)?;
        Ok(copied + 8)
    })();
    match result {
        Ok(n) => Ok(n),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(Error::io(out, e))
        }
    }
}

fn temp_name(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".albumen-{}.tmp", std::process::id()));
    out.with_file_name(name)
}

/// A seekable source with its length, read only in bounded pieces.
struct Src<'r, R> {
    r: &'r mut R,
    len: u64,
}

impl<'r, R: Read + Seek> Src<'r, R> {
    fn new(r: &'r mut R) -> io::Result<Self> {
        let len = r.seek(SeekFrom::End(0))?;
        Ok(Src { r, len })
    }

    /// Reads `n` bytes at `off`; an error if they are not all there. `n` is bounded by callers.
    fn read_at(&mut self, off: u64, n: u64) -> io::Result<Vec<u8>> {
        let end = off.checked_add(n).ok_or_else(short)?;
        if end > self.len {
            return Err(short());
        }
        self.r.seek(SeekFrom::Start(off))?;
        let n = usize::try_from(n).map_err(|_| short())?;
        let mut buf = vec![0u8; n];
        self.r.read_exact(&mut buf)?;
        Ok(buf)
    }

    /// Whether an `ftyp` box starts at `off`.
    fn ftyp_at(&mut self, off: u64) -> bool {
        matches!(self.read_at(off, 8), Ok(b) if b.get(4..8) == Some(b"ftyp"))
    }
}

fn short() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "truncated structure")
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The walk of albumen-meta's JPEG segment iterator reads through the same bounded source.
impl<R: Read + Seek> albumen_meta::jpeg::ReadAt for Src<'_, R> {
    fn size(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, albumen_meta::Error> {
        let n = (buf.len() as u64).min(self.len.saturating_sub(offset));
        let b = Src::read_at(self, offset, n)
            .map_err(|source| albumen_meta::Error::Stream { source })?;
        buf[..b.len()].copy_from_slice(&b);
        Ok(b.len())
    }
}

/// The XMP packet of a JPEG (APP1 `http://ns.adobe.com/xap/1.0/`), from the segments before the
/// first scan (albumen-meta's walker; a malformed segment ends the search).
fn jpeg_xmp<R: Read + Seek>(src: &mut Src<'_, R>) -> io::Result<Option<Vec<u8>>> {
    const SIG: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
    let mut segs = albumen_meta::jpeg::Segments::new(&mut *src, 2);
    while let Some(seg) = segs.next() {
        let seg = match seg {
            Ok(s) => s,
            Err(albumen_meta::Error::Stream { source }) => return Err(source),
            Err(_) => return Ok(None),
        };
        let len = seg.payload.end - seg.payload.start;
        if seg.marker == albumen_meta::jpeg::APP1 && len > SIG.len() as u64 {
            let data = Src::read_at(segs.source(), seg.payload.start, len)?;
            if let Some(x) = data.strip_prefix(SIG) {
                return Ok(Some(x.to_vec()));
            }
        }
    }
    Ok(None)
}

/// What the Google XMP says.
#[derive(Debug, Default)]
struct GoogleXmp {
    motion: bool,
    micro_video_offset: Option<u64>,
    items: Vec<ContainerItem>,
}

#[derive(Debug, Default, Clone)]
struct ContainerItem {
    semantic: Option<String>,
    length: Option<u64>,
    padding: Option<u64>,
}

impl ContainerItem {
    fn is_empty(&self) -> bool {
        self.semantic.is_none() && self.length.is_none() && self.padding.is_none()
    }
}

fn parse_google_xmp(xmp: &[u8]) -> GoogleXmp {
    let mut g = GoogleXmp::default();
    let mut r = NsReader::from_reader(xmp);
    // (namespace, local name) of an element whose text is a property value
    let mut pending: Option<(bool, Vec<u8>)> = None;
    while let Ok((ns, ev)) = r.read_resolved_event() {
        // The resolved namespace borrows the reader; keep an owned copy.
        let ns: Option<Vec<u8>> = match ns {
            ResolveResult::Bound(n) => Some(n.as_ref().to_vec()),
            _ => None,
        };
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let local = e.local_name();
                let is_item_boundary = match ns.as_deref() {
                    Some(NS_RDF) => local.as_ref() == b"li",
                    Some(NS_CONTAINER) => local.as_ref() == b"Item",
                    _ => false,
                };
                if is_item_boundary && g.items.last().is_none_or(|i| !i.is_empty()) {
                    g.items.push(ContainerItem::default());
                }
                for a in e.attributes().flatten() {
                    let (ans, local) = r.resolve_attribute(a.key);
                    let ResolveResult::Bound(ans) = ans else {
                        continue;
                    };
                    let Ok(v) = a.unescape_value() else { continue };
                    set_prop(&mut g, ans.as_ref(), local.as_ref(), v.trim());
                }
                pending = match ns.as_deref() {
                    Some(NS_GCAMERA) => Some((true, local.as_ref().to_vec())),
                    Some(NS_ITEM) => Some((false, local.as_ref().to_vec())),
                    _ => None,
                };
                if matches!(ev, Event::Empty(_)) {
                    pending = None;
                }
            }
            Event::Text(t) => {
                if let (Some((cam, local)), Ok(v)) = (&pending, t.unescape()) {
                    let ns = if *cam { NS_GCAMERA } else { NS_ITEM };
                    set_prop(&mut g, ns, local, v.trim());
                }
            }
            Event::End(_) => pending = None,
            Event::Eof => break,
            _ => {}
        }
    }
    g.items.retain(|i| !i.is_empty());
    g
}

fn set_prop(g: &mut GoogleXmp, ns: &[u8], local: &[u8], v: &str) {
    if ns == NS_GCAMERA {
        match local {
            b"MotionPhoto" | b"MicroVideo" => g.motion |= v == "1",
            b"MicroVideoOffset" => g.micro_video_offset = v.parse().ok(),
            _ => {}
        }
    } else if ns == NS_ITEM {
        if g.items.is_empty() {
            g.items.push(ContainerItem::default());
        }
        let Some(item) = g.items.last_mut() else {
            return;
        };
        match local {
            b"Semantic" => item.semantic = Some(v.to_owned()),
            b"Length" => item.length = v.parse().ok(),
            b"Padding" => item.padding = v.parse().ok(),
            _ => {}
        }
    }
}

/// The embedded video per the Google XMP, when an `ftyp` box is where it says.
fn google<R: Read + Seek>(src: &mut Src<'_, R>, xmp: &[u8]) -> io::Result<Option<MotionPhoto>> {
    let g = parse_google_xmp(xmp);
    let item = g
        .items
        .iter()
        .find(|i| i.semantic.as_deref() == Some("MotionPhoto"));
    if !g.motion && item.is_none() {
        return Ok(None);
    }
    let mut candidates: Vec<(u64, u64)> = Vec::new();
    if let Some(len) = item.and_then(|i| i.length).filter(|&l| l > 0) {
        if let Some(off) = src.len.checked_sub(len) {
            // The item's length runs to the end of the file; its padding (Samsung puts its
            // trailer there) is not part of the video.
            let pad = item.and_then(|i| i.padding).unwrap_or(0);
            candidates.push((off, len.checked_sub(pad).filter(|&l| l > 0).unwrap_or(len)));
        }
    }
    if let Some(m) = g.micro_video_offset.filter(|&m| m > 0) {
        if let Some(off) = src.len.checked_sub(m) {
            candidates.push((off, m));
        }
    }
    for (off, len) in candidates {
        if src.ftyp_at(off) {
            return Ok(Some(MotionPhoto {
                video_offset: off,
                video_length: len,
                kind: MotionPhotoKind::Google,
            }));
        }
    }
    Ok(None)
}

/// Samsung's `SEFT` trailer: `... SEFH version count entries[12] | u32 size | "SEFT"`, each entry
/// `u16 0, u16 type, u32 offset back from SEFH, u32 length`; each record `u16 0, u16 type, u32
/// name length, name, payload`.
fn samsung_trailer<R: Read + Seek>(src: &mut Src<'_, R>) -> io::Result<Option<MotionPhoto>> {
    if src.len < 8 {
        return Ok(None);
    }
    let tail = src.read_at(src.len - 8, 8)?;
    if tail.get(4..8) != Some(b"SEFT") {
        return Ok(None);
    }
    let Some(size) = le_u32(&tail, 0).map(u64::from) else {
        return Ok(None);
    };
    let Some(sefh) = (src.len - 8).checked_sub(size) else {
        return Ok(None);
    };
    if !(12..=MAX_TRAILER).contains(&size) {
        return Ok(None);
    }
    let idx = src.read_at(sefh, size)?;
    if !idx.starts_with(b"SEFH") {
        return Ok(None);
    }
    let count = le_u32(&idx, 8).unwrap_or(0) as usize;
    for k in 0..count.min((idx.len() - 12) / 12) {
        let at = 12 + k * 12;
        let (Some(back), Some(len)) = (le_u32(&idx, at + 4), le_u32(&idx, at + 8)) else {
            break;
        };
        let (back, len) = (u64::from(back), u64::from(len));
        let Some(rec) = sefh.checked_sub(back) else {
            continue;
        };
        let Ok(h) = src.read_at(rec, 8) else { continue };
        let Some(name_len) = le_u32(&h, 4).map(u64::from) else {
            continue;
        };
        if name_len != b"MotionPhoto_Data".len() as u64 {
            continue;
        }
        if src.read_at(rec + 8, name_len)? != b"MotionPhoto_Data" {
            continue;
        }
        let off = rec + 8 + name_len;
        let Some(vlen) = len.checked_sub(8 + name_len) else {
            continue;
        };
        if vlen > 8 && src.ftyp_at(off) {
            return Ok(Some(MotionPhoto {
                video_offset: off,
                video_length: vlen,
                kind: MotionPhotoKind::Samsung,
            }));
        }
    }
    Ok(None)
}

/// ISO-BMFF (HEIC): a Samsung `mpvd` box, else a Google XMP item.
fn isobmff<R: Read + Seek>(src: &mut Src<'_, R>) -> io::Result<Option<MotionPhoto>> {
    let mut pos: u64 = 0;
    let mut meta: Option<Vec<u8>> = None;
    for _ in 0..MAX_SEGMENTS {
        // 16 bytes: room for a 64-bit size.
        let Ok(head) = src.read_at(pos, 16.min(src.len - pos)) else {
            break;
        };
        let Ok(bx) = bmff::BoxHeader::parse(&head, pos, src.len) else {
            break;
        };
        if bx.end > src.len {
            break;
        }
        let (typ, size, hdr) = (&bx.typ, bx.end - pos, bx.header_len);
        if typ == b"mpvd" && size > hdr && src.ftyp_at(pos + hdr) {
            return Ok(Some(MotionPhoto {
                video_offset: pos + hdr,
                video_length: size - hdr,
                kind: MotionPhotoKind::Samsung,
            }));
        }
        if typ == b"meta" && meta.is_none() && size - hdr <= MAX_META {
            meta = Some(src.read_at(pos + hdr, size - hdr)?);
        }
        pos += size;
        if pos >= src.len {
            break;
        }
    }
    let Some(meta) = meta else { return Ok(None) };
    let Some(xmp) = heif_xmp(src, &meta)? else {
        return Ok(None);
    };
    google(src, &xmp)
}

/// The XMP item of a HEIF `meta` box payload (`iinf` item of type `mime` with content type
/// `application/rdf+xml`, located by `iloc`, in the file or in `idat`), through albumen-meta's
/// box walker and item parsers.
fn heif_xmp<R: Read + Seek>(src: &mut Src<'_, R>, meta: &[u8]) -> io::Result<Option<Vec<u8>>> {
    // `meta` is a full box: 4 bytes of version and flags before its children.
    let kids: Vec<bmff::BoxHeader> = bmff::boxes_in(meta, 4.min(meta.len())..meta.len())
        .map_while(Result::ok)
        .collect();
    let find = |t: &[u8; 4]| {
        kids.iter()
            .find(|k| &k.typ == t)
            .map(|k| k.payload_of(meta))
    };
    let (Some(iinf), Some(iloc)) = (find(b"iinf"), find(b"iloc")) else {
        return Ok(None);
    };
    let Some(xmp_id) = bmff::item_infos(iinf)
        .into_iter()
        .find(|i| &i.typ == b"mime" && i.content_type == "application/rdf+xml")
        .map(|i| i.id)
    else {
        return Ok(None);
    };
    let idat = find(b"idat");
    let Ok(iloc) = bmff::Iloc::parse(iloc) else {
        return Ok(None);
    };
    let Some((method, extents)) = iloc.item(xmp_id).and_then(|l| Some((l.method, l.spans()?)))
    else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for (off, len) in extents {
        if (out.len() as u64).saturating_add(len) > MAX_XMP {
            return Ok(None);
        }
        match method {
            0 => out.extend(src.read_at(off, len)?),
            1 => {
                let (Some(d), Ok(s), Ok(l)) = (idat, usize::try_from(off), usize::try_from(len))
                else {
                    return Ok(None);
                };
                let Some(piece) = s.checked_add(l).and_then(|e| d.get(s..e)) else {
                    return Ok(None);
                };
                out.extend_from_slice(piece);
            }
            _ => return Ok(None),
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn mp4(len: usize) -> Vec<u8> {
        let mut v = vec![0, 0, 0, 0x18];
        v.extend_from_slice(b"ftypmp42\0\0\0\0mp42isom");
        v.resize(len, 0xAB);
        v
    }

    fn jpeg_with_xmp(xmp: &str) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
        let payload = [&b"http://ns.adobe.com/xap/1.0/\0"[..], xmp.as_bytes()].concat();
        j.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        j.extend_from_slice(&payload);
        j.extend_from_slice(&[0xFF, 0xDA, 0, 2, 1, 2, 3, 0xFF, 0xD9]);
        j
    }

    const GOOGLE_XMP: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
 xmlns:Container="http://ns.google.com/photos/1.0/container/" xmlns:Item="http://ns.google.com/photos/1.0/container/item/"
 GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1">
<Container:Directory><rdf:Seq>
<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>
<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="LEN" Item:Padding="0"/></rdf:li>
</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>"#;

    #[test]
    fn google_jpeg_container() {
        let video = mp4(1000);
        let mut f = jpeg_with_xmp(&GOOGLE_XMP.replace("LEN", "1000"));
        let off = f.len() as u64;
        f.extend_from_slice(&video);
        let mp = detect_motion_photo_in(&mut Cursor::new(&f))
            .unwrap()
            .unwrap();
        assert_eq!((mp.video_offset, mp.video_length), (off, 1000));
        assert_eq!(mp.kind, MotionPhotoKind::Google);
    }

    #[test]
    fn google_element_form_micro_video() {
        let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:Cam="http://ns.google.com/photos/1.0/camera/"><Cam:MicroVideo>1</Cam:MicroVideo>
<Cam:MicroVideoOffset>500</Cam:MicroVideoOffset></rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let mut f = jpeg_with_xmp(xmp);
        let off = f.len() as u64;
        f.extend_from_slice(&mp4(500));
        let mp = detect_motion_photo_in(&mut Cursor::new(&f))
            .unwrap()
            .unwrap();
        assert_eq!((mp.video_offset, mp.video_length), (off, 500));
    }

    #[test]
    fn declared_range_without_ftyp_is_not_a_motion_photo() {
        let mut f = jpeg_with_xmp(&GOOGLE_XMP.replace("LEN", "1000"));
        f.extend_from_slice(&[0u8; 1000]);
        assert_eq!(detect_motion_photo_in(&mut Cursor::new(&f)).unwrap(), None);
        // and a length larger than the file
        let f = jpeg_with_xmp(&GOOGLE_XMP.replace("LEN", "99999999"));
        assert_eq!(detect_motion_photo_in(&mut Cursor::new(&f)).unwrap(), None);
    }

    pub(crate) fn samsung_jpeg(base: &[u8], video: &[u8]) -> (Vec<u8>, u64) {
        let mut f = base.to_vec();
        let rec = f.len() as u64;
        let name = b"MotionPhoto_Data";
        f.extend_from_slice(&[0, 0, 0x30, 0x0A]);
        f.extend_from_slice(&(name.len() as u32).to_le_bytes());
        f.extend_from_slice(name);
        let voff = f.len() as u64;
        f.extend_from_slice(video);
        let sefh = f.len() as u64;
        f.extend_from_slice(b"SEFH");
        f.extend_from_slice(&106u32.to_le_bytes());
        f.extend_from_slice(&1u32.to_le_bytes());
        f.extend_from_slice(&[0, 0, 0x30, 0x0A]);
        f.extend_from_slice(&((sefh - rec) as u32).to_le_bytes());
        f.extend_from_slice(&((8 + name.len() + video.len()) as u32).to_le_bytes());
        f.extend_from_slice(&24u32.to_le_bytes());
        f.extend_from_slice(b"SEFT");
        (f, voff)
    }

    #[test]
    fn samsung_jpeg_trailer() {
        let base = jpeg_with_xmp("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>");
        let (f, voff) = samsung_jpeg(&base, &mp4(777));
        let mp = detect_motion_photo_in(&mut Cursor::new(&f))
            .unwrap()
            .unwrap();
        assert_eq!(
            (mp.video_offset, mp.video_length, mp.kind),
            (voff, 777, MotionPhotoKind::Samsung)
        );
    }

    #[test]
    fn samsung_heic_mpvd_box() {
        let mut f = vec![0, 0, 0, 16];
        f.extend_from_slice(b"ftypheic\0\0\0\0");
        f.extend_from_slice(&[0, 0, 0, 12]);
        f.extend_from_slice(b"mdat\x01\x02\x03\x04");
        let video = mp4(300);
        f.extend_from_slice(&((video.len() + 8) as u32).to_be_bytes());
        f.extend_from_slice(b"mpvd");
        let off = f.len() as u64;
        f.extend_from_slice(&video);
        let mp = detect_motion_photo_in(&mut Cursor::new(&f))
            .unwrap()
            .unwrap();
        assert_eq!((mp.video_offset, mp.video_length), (off, 300));
    }

    #[test]
    fn truncated_and_garbage_inputs_never_panic() {
        let mut f = jpeg_with_xmp(&GOOGLE_XMP.replace("LEN", "1000"));
        f.extend_from_slice(&mp4(1000));
        let (s, _) = samsung_jpeg(&f, &mp4(100));
        for cut in 0..s.len() {
            let _ = detect_motion_photo_in(&mut Cursor::new(&s[..cut]));
        }
        let mut x: u32 = 12345;
        for n in 0..300 {
            let mut b: Vec<u8> = (0..n * 7)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            if b.len() > 8 {
                b[4..8].copy_from_slice(b"ftyp");
            }
            let _ = detect_motion_photo_in(&mut Cursor::new(&b));
            if b.len() > 2 {
                b[0] = 0xFF;
                b[1] = 0xD8;
            }
            let _ = detect_motion_photo_in(&mut Cursor::new(&b));
        }
    }

    #[test]
    fn extraction_is_byte_exact_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let video = mp4(4321);
        let mut f = jpeg_with_xmp(&GOOGLE_XMP.replace("LEN", "4321"));
        f.extend_from_slice(&video);
        let p = dir.path().join("a.MP.jpg");
        std::fs::write(&p, &f).unwrap();
        let mp = detect_motion_photo(&p).unwrap().unwrap();
        let out = dir.path().join("a.mp4");
        assert_eq!(extract_motion_video(&p, &mp, &out).unwrap(), 4321);
        assert_eq!(std::fs::read(&out).unwrap(), video);
        let bad = MotionPhoto {
            video_offset: 3,
            ..mp
        };
        assert!(matches!(
            extract_motion_video(&p, &bad, &dir.path().join("b.mp4")),
            Err(Error::NotMp4 { .. })
        ));
        let bad = MotionPhoto {
            video_length: u64::MAX,
            ..mp
        };
        assert!(matches!(
            extract_motion_video(&p, &bad, &dir.path().join("c.mp4")),
            Err(Error::OutOfRange { .. })
        ));
        assert!(!dir.path().join("b.mp4").exists());
    }
}
