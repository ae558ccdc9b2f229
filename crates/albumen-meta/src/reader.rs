//! Reading a file: format detection, dispatch, and the final choice of values.

use std::fs::File;
use std::path::Path;

use crate::detect::detect_format;
use crate::exif::{read_tiff, Root, TiffDims};
use crate::io::{be_u32, le_u32, Src};
use crate::tiff::FileTiff;
use crate::xmp::{read_xmp, MotionHint};
use crate::{Error, Format, Metadata, MotionPhoto, MotionPhotoKind, Source, Sourced, TimeKind};

/// Bounds on what a read may allocate.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest metadata block (EXIF, XMP, box) read into memory, in bytes.
    pub max_block: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_block: 64 << 20,
        }
    }
}

/// A configurable reader.
///
/// ```no_run
/// let md = albumen_meta::Reader::new().sidecars(true).read_path("IMG_1234.HEIC".as_ref())?;
/// println!("{:?} {:?}", md.capture, md.gps);
/// # Ok::<(), albumen_meta::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Reader {
    limits: Limits,
    no_sidecars: bool,
}

impl Reader {
    /// A reader with default limits that also reads XMP sidecars.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
    /// Whether to merge the file's XMP sidecars over its own metadata (default: yes):
    /// `NAME.EXT.xmp` always, `NAME.xmp` by the rule of [`sidecar_paths`](crate::sidecar_paths).
    pub fn sidecars(mut self, yes: bool) -> Self {
        self.no_sidecars = !yes;
        self
    }

    /// Reads the metadata of a file.
    pub fn read_path(&self, path: &Path) -> Result<Metadata, Error> {
        self.read_path_in(path, |p| p.is_file())
    }

    /// [`Reader::read_path`] for a caller that has listed the file's folder: `is_sidecar` says
    /// whether a sidecar candidate (see [`sidecar_paths`](crate::sidecar_paths)) is there, instead of a `stat` of each
    /// candidate (four failed lookups per file without sidecars, a sixth of a scan's time).
    ///
    /// ```no_run
    /// use std::collections::HashSet;
    /// use std::ffi::OsString;
    /// // The folder's listing holds no sidecar: nothing is looked up.
    /// let listed: HashSet<OsString> = HashSet::new();
    /// let md = albumen_meta::Reader::new()
    ///     .read_path_in("IMG_1234.HEIC".as_ref(), |p| p.file_name().is_some_and(|n| listed.contains(n)))?;
    /// # Ok::<(), albumen_meta::Error>(())
    /// ```
    pub fn read_path_in(
        &self,
        path: &Path,
        is_sidecar: impl Fn(&Path) -> bool,
    ) -> Result<Metadata, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = open_noatime(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(Error::NotAFile(path.to_path_buf()));
        }
        let src = Src::file(file, meta.len(), self.limits);
        let mut md = self.read_src(&src)?;
        if md.format != Some(Format::Xmp) && !self.no_sidecars {
            for sc in crate::sidecar::sidecar_paths_in(path, &md, &is_sidecar) {
                let read = |p: &Path| -> std::io::Result<Vec<u8>> {
                    let mut b = Vec::new();
                    let f = open_noatime(p)?;
                    std::io::Read::read_to_end(
                        &mut std::io::Read::take(f, self.limits.max_block),
                        &mut b,
                    )?;
                    Ok(b)
                };
                if let Ok(bytes) = read(&sc) {
                    md.bytes_read += bytes.len() as u64;
                    read_xmp(&bytes, Source::XmpSidecar, &mut md);
                    choose_capture(&mut md);
                }
            }
        }
        Ok(md)
    }

    /// Reads metadata from bytes in memory (the whole file).
    pub fn read_bytes(&self, bytes: &[u8]) -> Result<Metadata, Error> {
        self.read_src(&Src::mem(bytes, self.limits))
    }

    /// Reads metadata from any `Read + Seek` source holding the whole file (an object-store
    /// stream, a file opened elsewhere, a `Cursor`): only the metadata is read, by seeking, with
    /// the same [`Limits`] as [`Reader::read_path`]. Sidecars are not looked for (there is no
    /// path); a failed seek or read is [`Error::Stream`] (the length) or [`Error::Malformed`]
    /// (a read inside the file).
    ///
    /// ```
    /// use std::io::Cursor;
    /// let jpeg = [0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0, 0xFF, 0xDA];
    /// let md = albumen_meta::Reader::new().read_reader(Cursor::new(&jpeg[..]))?;
    /// assert_eq!((md.width, md.height), (Some(64), Some(48)));
    /// # Ok::<(), albumen_meta::Error>(())
    /// ```
    pub fn read_reader<R: std::io::Read + std::io::Seek>(
        &self,
        mut r: R,
    ) -> Result<Metadata, Error> {
        let len = r
            .seek(std::io::SeekFrom::End(0))
            .map_err(|source| Error::Stream { source })?;
        self.read_src(&Src::reader(Box::new(r), len, self.limits))
    }

    fn read_src(&self, src: &Src<'_>) -> Result<Metadata, Error> {
        if src.len() == 0 {
            return Err(Error::Empty);
        }
        let head = src.read_upto(0, 512, "header")?;
        let format = detect_format(&head);
        let mut md = Metadata {
            format: Some(format),
            ..Default::default()
        };
        let hint = match format {
            Format::Jpeg => {
                let info = crate::jpeg::read(src, 0, &mut md)?;
                samsung_trailer(src, &mut md);
                info.motion
            }
            Format::Png => {
                crate::png::read(src, &mut md)?;
                None
            }
            Format::Webp => {
                crate::webp::read(src, &mut md)?;
                None
            }
            Format::Heic
            | Format::Heif
            | Format::Avif
            | Format::Cr3
            | Format::Mov
            | Format::Mp4
            | Format::ThreeGp => crate::isobmff::read(src, format, &mut md)?,
            Format::Tiff | Format::Cr2 | Format::Orf | Format::Rw2 => {
                read_tiff_file(src, format, &mut md)?;
                None
            }
            Format::Raf => {
                read_raf(src, &mut md)?;
                None
            }
            Format::Mrw => {
                read_mrw(src, &mut md)?;
                None
            }
            Format::Avi => {
                read_avi(src, &mut md)?;
                None
            }
            Format::Xmp => {
                let b = src.read_at(0, src.len(), "XMP sidecar")?;
                read_xmp(&b, Source::XmpSidecar, &mut md);
                None
            }
            Format::Mkv => {
                crate::misc::read_mkv(src, &mut md)?;
                None
            }
            Format::Mts => {
                crate::ts::read(src, &mut md)?;
                None
            }
            Format::Crw => {
                crate::misc::read_crw(src, &mut md)?;
                None
            }
            Format::X3f => {
                crate::misc::read_x3f(src, &mut md)?;
                None
            }
            Format::Gif => {
                crate::misc::read_gif(src, &mut md)?;
                None
            }
            Format::Psd => {
                crate::misc::read_psd(src, &mut md)?;
                None
            }
            Format::Jxl => {
                crate::misc::read_jxl(src, &mut md)?;
                None
            }
            Format::Bmp => {
                read_simple_dims(&head, format, &mut md);
                None
            }
            _ => return Err(Error::UnknownFormat),
        };
        if let Some(h) = hint {
            motion_from_hint(src, h, &mut md);
        }
        if md.width.is_none() {
            // XMP-only files (sidecars, some TIFFs) state the size there.
            let num = |k: &str| match md.tags.get(k) {
                Some(crate::TagValue::Text(t)) => t.trim().parse::<u32>().ok(),
                _ => None,
            };
            let w = num("XMP-tiff:ImageWidth").or_else(|| num("XMP-exif:PixelXDimension"));
            let h = num("XMP-tiff:ImageLength").or_else(|| num("XMP-exif:PixelYDimension"));
            if let (Some(w), Some(h)) = (w, h) {
                md.width = Some(w);
                md.height = Some(h);
            }
        }
        crate::iptc::reconcile(&mut md);
        choose_capture(&mut md);
        md.bytes_read = src.bytes_read();
        Ok(md)
    }
}

/// Opens for reading without updating the access time where the OS allows it (Linux
/// `O_NOATIME`, permitted to the file's owner or root): indexing, hashing or copying a photo
/// tree must not touch its times. Falls back to a plain open when the flag is refused. Also
/// used by albumen-index for hashing, export and verify.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let p = dir.path().join("a.jpg");
/// # std::fs::write(&p, b"x").unwrap();
/// let f = albumen_meta::open_noatime(&p).unwrap();
/// assert_eq!(f.metadata().unwrap().len(), 1);
/// ```
pub fn open_noatime(path: &Path) -> std::io::Result<File> {
    // O_NOATIME is 0o1000000 on x86-64 and aarch64 Linux (other architectures differ).
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NOATIME: i32 = 0o1_000_000;
        if let Ok(f) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_NOATIME)
            .open(path)
        {
            return Ok(f);
        }
    }
    File::open(path)
}

/// Reads the metadata of a file with default settings (sidecars merged).
///
/// ```no_run
/// let md = albumen_meta::read_path("photo.jpg")?;
/// if let Some(t) = md.capture_local() {
///     println!("taken {t}");
/// }
/// # Ok::<(), albumen_meta::Error>(())
/// ```
pub fn read_path(path: impl AsRef<Path>) -> Result<Metadata, Error> {
    Reader::new().read_path(path.as_ref())
}

/// Picks the capture time. Priority (as exiftool-based tools do): EXIF `DateTimeOriginal` >
/// XMP `exif:DateTimeOriginal` > QuickTime `creationdate` > EXIF `CreateDate` > XMP
/// `xmp:CreateDate` > `photoshop:DateCreated` > other original times (CRW) > QuickTime `mvhd`
/// (UTC). A sidecar's value wins
/// over the file's of the same rank (it is the user's correction).
fn choose_capture(md: &mut Metadata) {
    let rank = |c: &crate::TimeCandidate| -> Option<u8> {
        Some(match (c.kind, c.source) {
            (TimeKind::Original, Source::XmpSidecar) => 0,
            (TimeKind::Original, Source::ExifIfd) => 1,
            (TimeKind::Original, Source::Xmp) => 2,
            (TimeKind::QuickTimeCreation, _) => 3,
            (TimeKind::Digitized, Source::XmpSidecar) => 4,
            (TimeKind::Digitized, Source::ExifIfd) => 5,
            (TimeKind::Digitized, _) => 6,
            // An original time from elsewhere (a CRW's CIFF TimeStamp, a maker note).
            (TimeKind::Original, _) => 7,
            (TimeKind::MovieHeader, _) => 8,
            _ => return None,
        })
    };
    // photoshop:DateCreated is read as Original from XMP; it ranks after the EXIF and XMP
    // exif:DateTimeOriginal because of reading order (min_by_key keeps the first of equals).
    md.capture = md
        .times
        .iter()
        .filter_map(|c| rank(c).map(|r| (r, c)))
        .min_by_key(|(r, _)| *r)
        .map(|(_, c)| Sourced::new(c.time, c.source));
}

fn motion_from_hint(src: &Src<'_>, h: MotionHint, md: &mut Metadata) {
    if md.motion_photo.is_some() {
        return;
    }
    let Some(from_end) = h.from_end.filter(|&n| n > 0 && n < src.len()) else {
        if h.flagged {
            md.warnings
                .push("motion photo flag without a video location".into());
        }
        return;
    };
    let offset = src.len() - from_end;
    let length = h.length.unwrap_or(from_end).min(from_end);
    // The embedded video must start with an ISO-BMFF box ("....ftyp").
    let ok = src
        .read_at(offset, 8, "motion video")
        .is_ok_and(|b| &b[4..8] == b"ftyp");
    if ok {
        md.motion_photo = Some(MotionPhoto {
            video_offset: offset,
            video_length: length,
            kind: MotionPhotoKind::Google,
        });
    } else {
        md.warnings
            .push("motion photo XMP points to no video".into());
    }
}

/// Samsung's trailer: `... [SEFH directory] [u32 length] "SEFT"` at the end of the file.
fn samsung_trailer(src: &Src<'_>, md: &mut Metadata) {
    let n = src.len();
    let Ok(tail) = src.read_at(n.saturating_sub(8), 8.min(n), "SEFT") else {
        return;
    };
    if tail.get(4..8) != Some(b"SEFT") {
        return;
    }
    let dir_len = u64::from(le_u32(&tail, 0).unwrap_or(0));
    let Some(dir_at) = n.checked_sub(8 + dir_len) else {
        return;
    };
    let Ok(dir) = src.read_at(dir_at, dir_len, "SEFH") else {
        return;
    };
    if !dir.starts_with(b"SEFH") {
        return;
    }
    let count = le_u32(&dir, 8).unwrap_or(0).min(1000) as usize;
    for i in 0..count {
        let e = 12 + i * 12;
        let (Some(back), Some(len)) = (le_u32(&dir, e + 4), le_u32(&dir, e + 8)) else {
            break;
        };
        let Some(at) = dir_at.checked_sub(u64::from(back)) else {
            continue;
        };
        let Ok(rec) = src.read_upto(at, 64, "SEF record") else {
            continue;
        };
        let name_len = le_u32(&rec, 4).unwrap_or(0) as usize;
        let name = rec.get(8..8 + name_len).unwrap_or(&[]);
        if name == b"MotionPhoto_Data" {
            let start = at + 8 + name_len as u64;
            let length = u64::from(len).saturating_sub(8 + name_len as u64);
            md.motion_photo = Some(MotionPhoto {
                video_offset: start,
                video_length: length,
                kind: MotionPhotoKind::Samsung,
            });
        }
    }
}

fn read_tiff_file(src: &Src<'_>, mut format: Format, md: &mut Metadata) -> Result<(), Error> {
    let data = FileTiff { src, base: 0 };
    let Some(dims) = read_tiff(&data, Root::Ifd0, md) else {
        return Err(Error::Malformed {
            what: "TIFF header",
            offset: 0,
        });
    };
    if format == Format::Tiff {
        let make = md.make.as_deref().unwrap_or("").to_ascii_uppercase();
        format = if dims.dng {
            Format::Dng
        } else if make.starts_with("NIKON") {
            Format::Nef
        } else if make.starts_with("SONY") {
            Format::Arw
        } else if make.starts_with("PENTAX")
            || make.starts_with("RICOH") && md.tags.contains_key("IFD0:0xc612")
        {
            Format::Pef
        } else if make.starts_with("SAMSUNG") {
            Format::Srw
        } else {
            Format::Tiff
        };
        // Plain TIFFs from cameras are still TIFF unless a raw sub-image exists.
        if matches!(
            format,
            Format::Nef | Format::Arw | Format::Pef | Format::Srw
        ) && dims.ifds.len() < 2
            && md.tags.contains_key("IFD0:StripOffsets")
            && !md.tags.contains_key("IFD0:0x014a")
        {
            format = Format::Tiff;
        }
        md.format = Some(format);
    }
    let file_len = src.len();
    md.previews.extend(
        dims.jpegs
            .iter()
            .filter(|&&(o, l)| l > 0 && o.checked_add(l).is_some_and(|e| e <= file_len))
            .map(|&(offset, length)| crate::EmbeddedJpeg { offset, length }),
    );
    let (w, h) = tiff_size(format, &dims).unzip();
    md.width = md.width.or(w);
    md.height = md.height.or(h);
    Ok(())
}

/// The main image size of a TIFF-based file, as exiftool's Composite:ImageSize gives it.
fn tiff_size(format: Format, d: &TiffDims) -> Option<(u32, u32)> {
    if format == Format::Cr2 {
        if let Some(e) = d.exif.filter(|e| e.0 > 0 && e.1 > 0) {
            return Some(e);
        }
    }
    if format == Format::Rw2 {
        if let [Some(t), Some(l), Some(b), Some(r)] = d.rw2_borders {
            if r > l && b > t {
                return Some((r - l, b - t));
            }
        }
    }
    // The full-resolution image: IFD0 if it is one, else the largest SubIFD marked full-size.
    let first = d.ifds.first().copied();
    // A placeholder IFD0 (Phase One IIQ writes 1x1) defers to the EXIF size.
    if let (Some((_, w, h)), Some(e)) = (first, d.exif) {
        if w <= 8 && h <= 8 && e.0 > 8 && e.1 > 8 && d.ifds.len() == 1 {
            return Some(e);
        }
    }
    match first {
        Some((0, w, h)) => Some((w, h)),
        _ => d
            .ifds
            .iter()
            .filter(|x| x.0 == 0)
            .max_by_key(|x| u64::from(x.1) * u64::from(x.2))
            .or(first.as_ref())
            .map(|x| (x.1, x.2)),
    }
}

/// Fujifilm RAF: a big-endian header pointing at an embedded JPEG that holds the EXIF.
fn read_raf(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let h = src.read_at(0, 100.min(src.len()), "RAF header")?;
    let jpeg_at = u64::from(be_u32(&h, 84).unwrap_or(0));
    if jpeg_at == 0 || jpeg_at >= src.len() {
        return Err(Error::Malformed {
            what: "RAF header",
            offset: 84,
        });
    }
    crate::jpeg::read(src, jpeg_at, md)?;
    let jpeg_len = u64::from(be_u32(&h, 88).unwrap_or(0));
    if jpeg_len > 0
        && jpeg_at
            .checked_add(jpeg_len)
            .is_some_and(|e| e <= src.len())
    {
        md.previews.push(crate::EmbeddedJpeg {
            offset: jpeg_at,
            length: jpeg_len,
        });
    }
    // The JPEG's size is the preview's, not the raw image's: take RawImageCroppedSize (0x111,
    // height then width) from the RAF directory, else RawImageFullSize (0x100).
    md.width = None;
    md.height = None;
    let dir_at = u64::from(be_u32(&h, 92).unwrap_or(0));
    let dir_len = u64::from(be_u32(&h, 96).unwrap_or(0)).min(1 << 20);
    if let Ok(d) = src.read_at(dir_at, dir_len, "RAF directory") {
        let n = be_u32(&d, 0).unwrap_or(0).min(1000) as usize;
        let mut p = 4usize;
        let mut full = None;
        for _ in 0..n {
            let (Some(tag), Some(size)) = (crate::io::be_u16(&d, p), crate::io::be_u16(&d, p + 2))
            else {
                break;
            };
            let hw = (crate::io::be_u16(&d, p + 4), crate::io::be_u16(&d, p + 6));
            if let (Some(hh), Some(ww)) = hw {
                match tag {
                    0x111 => {
                        md.width = Some(u32::from(ww));
                        md.height = Some(u32::from(hh));
                    }
                    0x100 => full = Some((u32::from(ww), u32::from(hh))),
                    _ => {}
                }
            }
            p += 4 + usize::from(size);
        }
        if md.width.is_none() {
            (md.width, md.height) = full.unzip();
        }
    }
    Ok(())
}

fn read_simple_dims(head: &[u8], format: Format, md: &mut Metadata) {
    match format {
        Format::Gif => {
            md.width = crate::io::le_u16(head, 6).map(u32::from);
            md.height = crate::io::le_u16(head, 8).map(u32::from);
        }
        Format::Bmp => {
            md.width = le_u32(head, 18);
            md.height = le_u32(head, 22).map(|h| (h as i32).unsigned_abs());
        }
        _ => {}
    }
}

/// Minolta MRW: `\0MRM` + length, then blocks (`\0PRD` sizes, `\0TTW` a TIFF with the EXIF).
fn read_mrw(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    let h = src.read_at(0, 8, "MRW header")?;
    let data_end = 8 + u64::from(be_u32(&h, 4).unwrap_or(0));
    let mut pos = 8u64;
    while pos + 8 <= data_end.min(src.len()) {
        let b = src.read_at(pos, 8, "MRW block")?;
        let len = u64::from(be_u32(&b, 4).unwrap_or(0));
        match &b[..4] {
            b"\0PRD" => {
                let d = src.read_at(pos + 8, 16.min(len), "PRD")?;
                md.height = crate::io::be_u16(&d, 12).map(u32::from);
                md.width = crate::io::be_u16(&d, 14).map(u32::from);
            }
            b"\0TTW" => {
                let d = src.read_at(pos + 8, len, "TTW")?;
                read_tiff(d.as_slice(), Root::Ifd0, md);
            }
            _ => {}
        }
        pos = pos.saturating_add(8 + len);
    }
    Ok(())
}

/// AVI: the main header (`hdrl`/`avih`) gives the size; `IDIT` the capture date.
fn read_avi(src: &Src<'_>, md: &mut Metadata) -> Result<(), Error> {
    // The header list is near the start; read a bounded prefix rather than walking `movi`.
    let b = src.read_upto(12, 64 << 10, "AVI header")?;
    let mut stack = vec![(0usize, b.len())];
    let mut n = 0;
    while let Some((mut pos, end)) = stack.pop() {
        while pos + 8 <= end && n < 10_000 {
            n += 1;
            let id = &b[pos..pos + 4];
            let len = le_u32(&b, pos + 4).unwrap_or(0) as usize;
            let body = pos + 8;
            let stop = body.saturating_add(len).min(end);
            match id {
                b"LIST"
                    if b.get(body..body + 4)
                        .is_some_and(|t| t == b"hdrl" || t == b"INFO") =>
                {
                    stack.push((body + 4, stop));
                }
                b"avih" => {
                    md.width = le_u32(&b, body + 32);
                    md.height = le_u32(&b, body + 36);
                    let us = le_u32(&b, body).unwrap_or(0);
                    let frames = le_u32(&b, body + 16).unwrap_or(0);
                    if us > 0 && frames > 0 {
                        md.duration_s = Some(f64::from(us) * f64::from(frames) / 1e6);
                        md.frame_rate = Some(1e6 / f64::from(us));
                    }
                }
                b"IDIT" => {
                    let s = String::from_utf8_lossy(b.get(body..stop).unwrap_or(&[]))
                        .trim_matches(['\0', ' ', '\n', '\r'])
                        .to_string();
                    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&s, "%a %b %d %H:%M:%S %Y")
                    {
                        md.times.push(crate::TimeCandidate {
                            kind: TimeKind::QuickTimeCreation,
                            time: crate::CaptureTime::Floating { time: t },
                            source: Source::Container,
                        });
                    }
                    md.tags
                        .insert("RIFF:DateTimeOriginal".into(), crate::TagValue::Text(s));
                }
                _ => {}
            }
            pos = body.saturating_add(len).saturating_add(len & 1);
        }
    }
    Ok(())
}
