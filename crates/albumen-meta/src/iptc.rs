//! Photoshop image resources (`8BIM` blocks) and the IPTC-IIM datasets they carry.
//!
//! One home for both, shared by the reader (JPEG APP13, TIFF tags 33723/34377, PSD, PNG raw
//! profiles) and by albumen-edit's IPTC writer. Both walkers return byte ranges into the buffer
//! they are given, so they allocate only the list of ranges (bounded by the buffer's length) and
//! never copy a value; a declared length past the end is an [`Error::Malformed`], never a panic.
//!
//! ```
//! use albumen_meta::iptc::{datasets, resources};
//! // One 8BIM resource 0x0404 holding one dataset 2:25 (a keyword).
//! let iim = [0x1C, 2, 25, 0, 3, b'c', b'a', b't'];
//! let mut irb = b"8BIM\x04\x04\0\0".to_vec();
//! irb.extend_from_slice(&(iim.len() as u32).to_be_bytes());
//! irb.extend_from_slice(&iim);
//! let r = resources(&irb).next().unwrap()?;
//! assert_eq!(r.id, 0x0404);
//! let d = datasets(&irb[r.data.clone()]).next().unwrap()?;
//! assert_eq!((d.record, d.number), (2, 25));
//! assert_eq!(&irb[r.data][d.value], b"cat");
//! # Ok::<(), albumen_meta::Error>(())
//! ```

use std::ops::Range;

use crate::{CaptureTime, Error, Metadata, Source, TagValue, TimeCandidate, TimeKind};

/// Photoshop resource id of the IPTC-IIM block (1028).
pub const RES_IPTC: u16 = 0x0404;
/// Photoshop resource id of the MD5 digest of the IPTC block as last synchronised with XMP
/// (1061, "IPTCDigest").
pub const RES_IPTC_DIGEST: u16 = 0x0425;
/// Photoshop resource id of an EXIF (TIFF) block (1058).
pub const RES_EXIF: u16 = 0x0422;
/// Photoshop resource id of an XMP packet (1060).
pub const RES_XMP: u16 = 0x0424;

/// One Photoshop image resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// The resource id.
    pub id: u16,
    /// The whole resource: signature, id, name, size, data and pad byte.
    pub raw: Range<usize>,
    /// Its data.
    pub data: Range<usize>,
}

/// Iterator over the `8BIM` resources of a Photoshop image-resource block; see [`resources`].
#[derive(Debug, Clone)]
pub struct Resources<'a> {
    b: &'a [u8],
    at: usize,
    done: bool,
}

/// Walks the resources of an image-resource block (a JPEG APP13 body after
/// `"Photoshop 3.0\0"`, a PSD's resource section, TIFF tag 34377). Yields an error and stops at
/// the first resource that is not `8BIM` or whose size runs past the end; trailing NUL padding
/// ends the walk quietly.
pub fn resources(b: &[u8]) -> Resources<'_> {
    Resources {
        b,
        at: 0,
        done: false,
    }
}

impl Iterator for Resources<'_> {
    type Item = Result<Resource, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.at >= self.b.len() {
            return None;
        }
        let (b, i) = (self.b, self.at);
        let bad = |what| {
            Some(Err(Error::Malformed {
                what,
                offset: i as u64,
            }))
        };
        self.done = true;
        if b[i..].iter().all(|&c| c == 0) {
            return None;
        }
        // Photoshop writes 8BIM; some old files use other signatures of the same layout.
        if !matches!(
            b.get(i..i + 4),
            Some(b"8BIM" | b"PHUT" | b"AgHg" | b"DCSR" | b"MeSa")
        ) {
            return bad("Photoshop resource signature");
        }
        let Some(&[h, l, name_len]) = b.get(i + 4..i + 7) else {
            return bad("Photoshop resource header");
        };
        // The Pascal name (length byte + name) is padded to an even length.
        let name_end = i + 7 + usize::from(name_len);
        let size_at = name_end + (name_end - i - 6) % 2;
        let Some(size) = b
            .get(size_at..size_at + 4)
            .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)
        else {
            return bad("Photoshop resource size");
        };
        let start = size_at + 4;
        let Some(end) = start.checked_add(size).filter(|&e| e <= b.len()) else {
            return bad("Photoshop resource length");
        };
        let next = (end + size % 2).min(b.len());
        self.at = next;
        self.done = false;
        Some(Ok(Resource {
            id: u16::from_be_bytes([h, l]),
            raw: i..next,
            data: start..end,
        }))
    }
}

/// One IIM dataset (`0x1C record number length value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// Record number (1 envelope, 2 application, ...).
    pub record: u8,
    /// Dataset number within the record (2:25 keywords, 2:05 object name, 2:120 caption, ...).
    pub number: u8,
    /// The value.
    pub value: Range<usize>,
    /// The whole dataset, marker to the end of the value.
    pub raw: Range<usize>,
    /// Whether the length was written in the extended form (high bit set, then 1..=4 length
    /// bytes).
    pub extended: bool,
}

/// Iterator over IIM datasets; see [`datasets`].
#[derive(Debug, Clone)]
pub struct Datasets<'a> {
    b: &'a [u8],
    at: usize,
    done: bool,
}

/// Walks IIM datasets. Trailing NUL padding ends the walk quietly; a missing `0x1C` marker, a
/// length past the end, or an extended length of more than 4 bytes yields an error and stops.
pub fn datasets(b: &[u8]) -> Datasets<'_> {
    Datasets {
        b,
        at: 0,
        done: false,
    }
}

impl Iterator for Datasets<'_> {
    type Item = Result<Dataset, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.at >= self.b.len() {
            return None;
        }
        let (b, i) = (self.b, self.at);
        let bad = |what| {
            Some(Err(Error::Malformed {
                what,
                offset: i as u64,
            }))
        };
        self.done = true;
        if b[i..].iter().all(|&c| c == 0) {
            return None;
        }
        let Some(&[tag, record, number, h, l]) = b.get(i..i + 5) else {
            return bad("IPTC dataset header");
        };
        if tag != 0x1C {
            return bad("IPTC dataset marker");
        }
        let len = u16::from_be_bytes([h, l]);
        let (start, size, extended) = if len & 0x8000 != 0 {
            let n = usize::from(len & 0x7FFF);
            if n == 0 || n > 4 {
                return bad("IPTC extended dataset length");
            }
            let Some(lb) = b.get(i + 5..i + 5 + n) else {
                return bad("IPTC extended dataset length");
            };
            let size = lb.iter().fold(0usize, |a, &c| (a << 8) | usize::from(c));
            (i + 5 + n, size, true)
        } else {
            (i + 5, usize::from(len), false)
        };
        let Some(end) = start.checked_add(size).filter(|&e| e <= b.len()) else {
            return bad("IPTC dataset length");
        };
        self.at = end;
        self.done = false;
        Some(Ok(Dataset {
            record,
            number,
            value: start..end,
            raw: i..end,
            extended,
        }))
    }
}

/// Whether a record's datasets declare UTF-8 (1:90 CodedCharacterSet `ESC % G`).
pub fn declares_utf8(b: &[u8]) -> bool {
    datasets(b)
        .map_while(Result::ok)
        .any(|d| d.record == 1 && d.number == 90 && b.get(d.value) == Some(b"\x1b%G".as_slice()))
}

/// Decodes an IIM value: UTF-8 when the record declares it, else UTF-8 when the bytes are valid
/// UTF-8 (many writers use it without saying so), else Latin-1. The flag is true when the
/// result is a guess (undeclared bytes that are not UTF-8, read as Latin-1).
///
/// ```
/// assert_eq!(albumen_meta::iptc::decode(b"caf\xe9", false), ("café".to_string(), true));
/// assert_eq!(albumen_meta::iptc::decode("café".as_bytes(), true).0, "café");
/// ```
pub fn decode(v: &[u8], utf8: bool) -> (String, bool) {
    // Fixed-width writers pad with NULs.
    let end = v.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
    let v = &v[..end];
    if utf8 {
        return (String::from_utf8_lossy(v).into_owned(), false);
    }
    match std::str::from_utf8(v) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (v.iter().map(|&c| char::from(c)).collect(), true),
    }
}

/// IIM names of the datasets albumen reads into the model and keeps under `IPTC:` in the tags.
fn name(record: u8, number: u8) -> Option<&'static str> {
    Some(match (record, number) {
        (1, 90) => "CodedCharacterSet",
        (2, 0) => "ApplicationRecordVersion",
        (2, 5) => "ObjectName",
        (2, 25) => "Keywords",
        (2, 55) => "DateCreated",
        (2, 60) => "TimeCreated",
        (2, 62) => "DigitalCreationDate",
        (2, 63) => "DigitalCreationTime",
        (2, 80) => "By-line",
        (2, 85) => "By-lineTitle",
        (2, 90) => "City",
        (2, 95) => "Province-State",
        (2, 101) => "Country-PrimaryLocationName",
        (2, 105) => "Headline",
        (2, 110) => "Credit",
        (2, 115) => "Source",
        (2, 116) => "CopyrightNotice",
        (2, 120) => "Caption-Abstract",
        (2, 122) => "Writer-Editor",
        _ => return None,
    })
}

/// Datasets that repeat (kept as lists).
fn repeats(record: u8, number: u8) -> bool {
    matches!((record, number), (2, 25) | (2, 80) | (2, 20) | (2, 12))
}

/// Keys under which the tags of the first IPTC block are kept; later blocks (some agency files
/// carry two) only add what the first lacks, as exiftool's `IPTC` group vs `IPTC2`.
const DIGEST_TAG: &str = "File:CurrentIPTCDigest";
const STORED_DIGEST_TAG: &str = "Photoshop:IPTCDigest";

/// Reads an IIM block into `md.tags` (`IPTC:Keywords`, `IPTC:ObjectName`, ...) and its
/// date/time created as a capture-time candidate. The model fields are set later by
/// [`reconcile`], which applies the MWG rule against XMP.
pub(crate) fn read_block(b: &[u8], md: &mut Metadata) {
    let first = !md.tags.contains_key(DIGEST_TAG);
    if first {
        md.tags
            .insert(DIGEST_TAG.into(), TagValue::Text(hex(&md5(b))));
    }
    let utf8 = declares_utf8(b);
    let mut guessed = false;
    let mut date: Option<String> = None;
    let mut time: Option<String> = None;
    let mut fresh: std::collections::BTreeMap<String, TagValue> = Default::default();
    for d in datasets(b) {
        let d = match d {
            Ok(d) => d,
            Err(e) => {
                md.warnings
                    .push(format!("IPTC: {e}; later datasets ignored"));
                break;
            }
        };
        let Some(n) = name(d.record, d.number) else {
            continue;
        };
        let raw = &b[d.value.clone()];
        if d.record == 2 && d.number == 0 && raw.len() == 2 {
            let v = i64::from(u16::from_be_bytes([raw[0], raw[1]]));
            md.tags
                .entry(format!("IPTC:{n}"))
                .or_insert(TagValue::Int(v));
            continue;
        }
        let (v, guess) = if d.record == 1 && d.number == 90 {
            (raw.escape_ascii().to_string(), false)
        } else {
            decode(raw, utf8)
        };
        guessed |= guess;
        match (d.record, d.number) {
            (2, 55) => date = Some(v.clone()),
            (2, 60) => time = Some(v.clone()),
            _ => {}
        }
        let key = format!("IPTC:{n}");
        if repeats(d.record, d.number) {
            if let TagValue::List(l) = fresh
                .entry(key)
                .or_insert_with(|| TagValue::List(Vec::new()))
            {
                l.push(TagValue::Text(v));
            }
        } else {
            fresh.entry(key).or_insert(TagValue::Text(v));
        }
    }
    if guessed {
        md.warnings
            .push("IPTC text declares no character set and is not UTF-8: read as Latin-1".into());
    }
    for (k, v) in fresh {
        md.tags.entry(k).or_insert(v);
    }
    if let Some(t) = date.as_deref().and_then(|d| iim_time(d, time.as_deref())) {
        md.times.push(TimeCandidate {
            kind: TimeKind::Original,
            time: t,
            source: Source::Iptc,
        });
    }
}

/// IIM date `CCYYMMDD` and time `HHMMSS±HHMM`. A date without a time is not a capture time
/// (none is invented).
fn iim_time(date: &str, time: Option<&str>) -> Option<CaptureTime> {
    let d = chrono::NaiveDate::parse_from_str(date.trim(), "%Y%m%d").ok()?;
    let t = time?.trim();
    let clock = chrono::NaiveTime::parse_from_str(t.get(..6)?, "%H%M%S").ok()?;
    let local = d.and_time(clock);
    let offset = t.get(6..).filter(|o| o.len() == 5).and_then(|o| {
        let sign = match o.as_bytes()[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let h: i32 = o.get(1..3)?.parse().ok()?;
        let m: i32 = o.get(3..5)?.parse().ok()?;
        chrono::FixedOffset::east_opt(sign * (h * 3600 + m * 60))
    });
    Some(crate::exif::make_time(local, offset))
}

/// Reads the IPTC (and its stored digest) from a Photoshop image-resource block. EXIF and XMP
/// resources are read only when `nested` is true (a PSD's own resources): an EXIF block inside
/// a TIFF's 34377 tag would otherwise lead back here without end.
pub(crate) fn read_resources(b: &[u8], md: &mut Metadata, nested: bool) {
    for r in resources(b) {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                md.warnings
                    .push(format!("Photoshop resources: {e}; later ones ignored"));
                break;
            }
        };
        let data = &b[r.data.clone()];
        match r.id {
            RES_IPTC => read_block(data, md),
            RES_IPTC_DIGEST if data.len() == 16 => {
                md.tags
                    .entry(STORED_DIGEST_TAG.into())
                    .or_insert(TagValue::Text(hex(data)));
            }
            RES_EXIF
                if nested
                    && crate::exif::read_tiff(data, crate::exif::Root::Ifd0, md).is_none() =>
            {
                md.warnings.push("unreadable EXIF resource".into());
            }
            RES_XMP if nested => {
                crate::xmp::read_xmp(data, Source::Xmp, md);
            }
            _ => {}
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

fn md5(b: &[u8]) -> [u8; 16] {
    use md5::Digest;
    md5::Md5::digest(b).into()
}

fn text_tag(md: &Metadata, k: &str) -> Option<String> {
    match md.tags.get(k)? {
        TagValue::Text(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
        TagValue::List(l) => l.iter().find_map(|v| match v {
            TagValue::Text(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            _ => None,
        }),
        _ => None,
    }
}

fn list_tag(md: &Metadata, k: &str) -> Vec<String> {
    match md.tags.get(k) {
        Some(TagValue::List(l)) => l
            .iter()
            .filter_map(|v| match v {
                TagValue::Text(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
                _ => None,
            })
            .collect(),
        Some(TagValue::Text(t)) if !t.trim().is_empty() => vec![t.trim().to_string()],
        _ => Vec::new(),
    }
}

/// An IIM value cut at the dataset's limit where XMP holds the whole of it: the XMP value.
fn recover(iptc: String, xmp: &[String], limit: usize) -> String {
    if iptc.len() >= limit {
        if let Some(x) = xmp
            .iter()
            .find(|x| x.len() > iptc.len() && x.starts_with(&iptc))
        {
            return x.clone();
        }
    }
    iptc
}

/// Chooses between XMP and IPTC for keywords, title, description and creator, by the Metadata
/// Working Group's rule as exiftool's MWG module implements it:
///
/// - no IPTC in the file: XMP (what is already in `md`);
/// - XMP has the value and either no `IPTCDigest` was stored or it equals the digest of the
///   IPTC now in the file (XMP and IPTC were last written together): XMP;
/// - otherwise (the stored digest differs, so a tool unaware of XMP changed the IPTC later; or
///   XMP lacks the value): IPTC, with values cut at the IIM length limit restored from XMP.
///
/// The description takes EXIF `ImageDescription` first when it is not blank, and the creator
/// EXIF `Artist`, as MWG says. Both sources stay in `md.tags` (`IPTC:*`, `XMP-dc:*`).
pub(crate) fn reconcile(md: &mut Metadata) {
    let Some(current) = text_tag(md, DIGEST_TAG) else {
        return;
    };
    let in_sync = text_tag(md, STORED_DIGEST_TAG).is_none_or(|s| s == current);
    let xmp_wins = |has_xmp: bool| has_xmp && in_sync;

    let kw = list_tag(md, "IPTC:Keywords");
    if !kw.is_empty() && !xmp_wins(!md.keywords.is_empty()) {
        let xmp = std::mem::take(&mut md.keywords);
        md.keywords = kw.into_iter().map(|k| recover(k, &xmp, 64)).collect();
        md.keywords.dedup();
    }
    if let Some(t) = text_tag(md, "IPTC:ObjectName") {
        if !xmp_wins(md.title.is_some()) {
            let xmp: Vec<String> = md.title.iter().cloned().collect();
            md.title = Some(recover(t, &xmp, 64));
        }
    }
    if text_tag(md, "IFD0:ImageDescription").is_none() {
        if let Some(c) = text_tag(md, "IPTC:Caption-Abstract") {
            if !xmp_wins(md.description.is_some()) {
                let xmp: Vec<String> = md.description.iter().cloned().collect();
                md.description = Some(recover(c, &xmp, 2000));
            }
        }
    }
    if text_tag(md, "IFD0:Artist").is_none() {
        if let Some(c) = text_tag(md, "IPTC:By-line") {
            if !xmp_wins(md.creator.is_some()) {
                let xmp: Vec<String> = md.creator.iter().cloned().collect();
                md.creator = Some(recover(c, &xmp, 32));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(record: u8, number: u8, v: &[u8]) -> Vec<u8> {
        let mut b = vec![0x1C, record, number];
        b.extend_from_slice(&(v.len() as u16).to_be_bytes());
        b.extend_from_slice(v);
        b
    }

    #[test]
    fn lengths_past_the_end_are_an_error_not_a_panic() {
        let mut b = ds(2, 25, b"abc");
        b.extend_from_slice(&[0x1C, 2, 25, 0x7F, 0x00, b'x']);
        let v: Vec<_> = datasets(&b).collect();
        assert_eq!(v.len(), 2);
        assert!(v[0].is_ok());
        assert!(matches!(v[1], Err(Error::Malformed { offset: 8, .. })));
        let mut md = Metadata::default();
        read_block(&b, &mut md);
        assert_eq!(list_tag(&md, "IPTC:Keywords"), ["abc"]);
        assert!(md
            .warnings
            .iter()
            .any(|w| w.contains("IPTC dataset length")));
    }

    #[test]
    fn extended_datasets_are_bounded() {
        // Extended length of 4 bytes declaring 4 GiB: an error, nothing allocated.
        let b = [0x1C, 2, 120, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, b'a'];
        assert!(datasets(&b).next().is_some_and(|r| r.is_err()));
        // 5 length bytes are more than IIM allows.
        let b = [0x1C, 2, 120, 0x80, 0x05, 0, 0, 0, 0, 1, b'a'];
        assert!(datasets(&b).next().is_some_and(|r| r.is_err()));
        // A well-formed extended dataset is read.
        let b = [0x1C, 2, 120, 0x80, 0x02, 0, 2, b'h', b'i'];
        let d = datasets(&b).next().unwrap().unwrap();
        assert!(d.extended);
        assert_eq!(&b[d.value], b"hi");
        // Extended length marker with its length bytes cut off.
        let b = [0x1C, 2, 120, 0x80, 0x04, 0];
        assert!(datasets(&b).next().is_some_and(|r| r.is_err()));
    }

    #[test]
    fn resources_past_the_end_and_odd_names() {
        // A named resource (name "ab", padded) then one whose size runs past the end.
        let mut b = b"8BIM\x04\x04\x02ab\0\0\0\0\x01z\0".to_vec();
        b.extend_from_slice(b"8BIM\x04\x25\0\0\x7f\xff\xff\xff");
        let v: Vec<_> = resources(&b).collect();
        assert_eq!(v.len(), 2);
        let r = v[0].as_ref().unwrap();
        assert_eq!((r.id, &b[r.data.clone()]), (0x0404, &b"z"[..]));
        assert!(v[1].is_err());
        assert!(resources(b"8BIX").next().is_some_and(|r| r.is_err()));
        assert!(resources(&[0u8; 7]).next().is_none());
    }

    fn res(id: u16, data: &[u8]) -> Vec<u8> {
        let mut b = b"8BIM".to_vec();
        b.extend_from_slice(&id.to_be_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&(data.len() as u32).to_be_bytes());
        b.extend_from_slice(data);
        if data.len() % 2 == 1 {
            b.push(0);
        }
        b
    }

    /// A little-endian TIFF whose IFD0 has one entry, its value stored after the IFD.
    fn tiff_with(tag: u16, typ: u16, value: &[u8]) -> Vec<u8> {
        let mut b = b"II*\0\x08\0\0\0\x01\0".to_vec();
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&typ.to_le_bytes());
        b.extend_from_slice(&(value.len() as u32).to_le_bytes());
        b.extend_from_slice(&26u32.to_le_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(value);
        b
    }

    #[test]
    fn photoshop_resources_inside_exif_do_not_recurse() {
        // PSD resources > EXIF (1058) > TIFF tag 34377 > resources > EXIF again: the inner
        // EXIF is not followed (a file can nest these without end).
        let inner = tiff_with(0x010f, 2, b"Inner\0");
        let outer = tiff_with(0x8649, 7, &res(RES_EXIF, &inner));
        let irb = res(RES_EXIF, &outer);
        let mut md = Metadata::default();
        read_resources(&irb, &mut md, true);
        assert_eq!(md.make, None);
        // The IPTC inside the same nesting is read.
        let outer = tiff_with(0x8649, 7, &res(RES_IPTC, &ds(2, 25, b"kw")));
        let mut md = Metadata::default();
        read_resources(&res(RES_EXIF, &outer), &mut md, true);
        assert_eq!(list_tag(&md, "IPTC:Keywords"), ["kw"]);
    }

    #[test]
    fn charset_and_times() {
        let mut b = ds(1, 90, b"\x1b%G");
        b.extend(ds(2, 5, "Zürich".as_bytes()));
        b.extend(ds(2, 55, b"20240131"));
        b.extend(ds(2, 60, b"235959+0130"));
        let mut md = Metadata::default();
        read_block(&b, &mut md);
        assert_eq!(text_tag(&md, "IPTC:ObjectName").as_deref(), Some("Zürich"));
        assert!(md.warnings.is_empty());
        let t = md.times[0].time;
        assert_eq!(t.offset().map(|o| o.local_minus_utc()), Some(5400));
        assert_eq!(
            t.local().map(|l| l.to_string()).as_deref(),
            Some("2024-01-31 23:59:59")
        );
        // A date without a time is no capture time.
        let mut md = Metadata::default();
        read_block(&ds(2, 55, b"20240131"), &mut md);
        assert!(md.times.is_empty());
        // Latin-1 without a declaration is read, with a warning.
        let mut md = Metadata::default();
        read_block(&ds(2, 5, b"caf\xe9"), &mut md);
        assert_eq!(text_tag(&md, "IPTC:ObjectName").as_deref(), Some("café"));
        assert_eq!(md.warnings.len(), 1);
    }

    #[test]
    fn mwg_rule() {
        let iptc = [ds(2, 25, b"iptc"), ds(2, 5, b"T-iptc")].concat();
        let digest = hex(&md5(&iptc));
        let with = |stored: Option<&str>, xmp: bool| {
            let mut md = Metadata::default();
            if xmp {
                md.keywords = vec!["xmp".into()];
                md.title = Some("T-xmp".into());
            }
            read_block(&iptc, &mut md);
            if let Some(s) = stored {
                md.tags
                    .insert(STORED_DIGEST_TAG.into(), TagValue::Text(s.into()));
            }
            reconcile(&mut md);
            (md.keywords.join(","), md.title.unwrap_or_default())
        };
        // No digest stored, or the stored one is current: XMP.
        assert_eq!(with(None, true), ("xmp".into(), "T-xmp".into()));
        assert_eq!(with(Some(&digest), true), ("xmp".into(), "T-xmp".into()));
        // IPTC changed since: IPTC.
        assert_eq!(with(Some("00"), true), ("iptc".into(), "T-iptc".into()));
        // No XMP: IPTC.
        assert_eq!(with(None, false), ("iptc".into(), "T-iptc".into()));
        // A value IIM cut at 64 bytes comes back whole from XMP.
        let long = "k".repeat(70);
        assert_eq!(
            recover(long[..64].to_string(), std::slice::from_ref(&long), 64),
            long
        );
    }
}
