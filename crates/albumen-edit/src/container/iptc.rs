//! IPTC-IIM in a JPEG's Photoshop APP13 segment: the keywords (2:25), object name (2:05, the
//! title) and caption (2:120, the description) that a file's IPTC already holds are kept in
//! step with XMP, as the Metadata Working Group guidance asks (apps such as Immich read keywords
//! from IPTC). IPTC fields the file does not have are not created (XMP carries them), and files
//! without IPTC get none. Every other dataset and Photoshop resource is copied byte for byte;
//! the `IPTCDigest` resource (0x0425) is updated when it matched the old IPTC data, so readers
//! still see IPTC and XMP as in sync. IPTC dates (2:55/2:60) are not shifted yet.

use md5::{Digest, Md5};

use crate::edit::Fields;

const PHOTOSHOP: &[u8] = b"Photoshop 3.0\0";
use albumen_meta::iptc::{RES_IPTC, RES_IPTC_DIGEST as RES_DIGEST};
const KEYWORDS: u8 = 25;
const OBJECT_NAME: u8 = 5;
const CAPTION: u8 = 120;
/// IIM limits (bytes) for the datasets written.
const MAX_KEYWORD: usize = 64;
const MAX_OBJECT_NAME: usize = 64;
const MAX_CAPTION: usize = 2000;

use albumen_meta::iptc::{Dataset, Resource};

/// The resources of a Photoshop block, all of it or nothing (a block with anything after its
/// last resource, padding included, is not rewritten). The walker is albumen-meta's.
fn resources(p: &[u8]) -> Option<Vec<Resource>> {
    let v = albumen_meta::iptc::resources(p)
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    (v.last().map_or(0, |r| r.raw.end) == p.len()).then_some(v)
}

/// The datasets of an IIM block (trailing NUL padding allowed), or nothing when one is
/// malformed or uses the extended length form (not written here).
fn datasets(d: &[u8]) -> Option<Vec<Dataset>> {
    let v = albumen_meta::iptc::datasets(d)
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    (!v.iter().any(|s| s.extended)).then_some(v)
}

/// The payload range of the APP13 Photoshop segment, when there is exactly one (one split over
/// several segments is left alone). The segments are the JPEG writer's layout.
fn app13(b: &[u8]) -> Option<std::ops::Range<usize>> {
    match super::jpeg::payloads_with(b, 0xED, PHOTOSHOP)?.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

fn utf8_marked(d: &[u8], _sets: &[Dataset]) -> bool {
    albumen_meta::iptc::declares_utf8(d)
}

fn decode(v: &[u8], utf8: bool) -> String {
    albumen_meta::iptc::decode(v, utf8).0
}

fn encode(s: &str, utf8: bool) -> Option<Vec<u8>> {
    if utf8 || s.is_ascii() {
        return Some(s.as_bytes().to_vec());
    }
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// Keywords, title and description as the file's IPTC holds them (empty when it has none).
pub(crate) fn read(b: &[u8]) -> Fields {
    let mut f = Fields::default();
    let Some(seg) = app13(b) else { return f };
    let p = &b[seg.start + PHOTOSHOP.len()..seg.end];
    let Some(res) = resources(p) else { return f };
    let Some(r) = res.iter().find(|r| r.id == RES_IPTC) else {
        return f;
    };
    let d = &p[r.data.clone()];
    let Some(sets) = datasets(d) else { return f };
    let utf8 = utf8_marked(d, &sets);
    for s in sets.iter().filter(|s| s.record == 2) {
        let v = decode(&d[s.value.clone()], utf8);
        match s.number {
            KEYWORDS => f.keywords.push(v),
            OBJECT_NAME => f.title = Some(v),
            CAPTION => f.description = Some(v),
            _ => {}
        }
    }
    f
}

/// What happened to the IPTC of a file.
pub(crate) enum Sync {
    /// No IPTC, or nothing of it changes.
    Untouched,
    /// The new file.
    Written(Vec<u8>),
    /// IPTC exists but was not written (why).
    Skipped(&'static str),
}

/// The IIM datasets that name a place ([`crate::Edit::RemoveLocation`]): content location code
/// and name, city, sub-location, province/state, country code and name.
pub(crate) const PLACE_DATASETS: &[u8] = &[26, 27, 90, 92, 95, 100, 101];

/// Whether any APP13 segment of JPEG `b` may still hold a non-empty IPTC place name: a byte
/// search for the dataset headers of [`PLACE_DATASETS`] in every segment, so IPTC split over
/// several segments, or in a second block, is caught too (a false alarm only makes the file
/// be refused). An AFCP trailer's IPTC is searched as well.
pub(crate) fn places_left(b: &[u8]) -> bool {
    let place = |w: &[u8]| {
        w[0] == 0x1C && w[1] == 2 && PLACE_DATASETS.contains(&w[2]) && (w[3] | w[4]) != 0
    };
    if let Some(tail) = b.len().checked_sub(12) {
        let start = match (b.get(tail..tail + 4), b.get(tail + 4..tail + 8)) {
            (Some(b"AXS!"), Some(v)) => v.try_into().ok().map(u32::from_be_bytes),
            (Some(b"AXS*"), Some(v)) => v.try_into().ok().map(u32::from_le_bytes),
            _ => None,
        };
        if let Some(t) = start.and_then(|s| b.get(s as usize..)) {
            if t.windows(5).any(place) {
                return true;
            }
        }
    }
    // The APP13 segments before the scan (albumen-meta's walker; a malformed segment ends the
    // search: such a file is not rewritten anyway).
    albumen_meta::jpeg::segments(b)
        .map_while(|s| s.ok())
        .any(|s| s.marker == albumen_meta::jpeg::APP13 && s.payload_of(b).windows(5).any(place))
}

/// Rewrites the IPTC keywords/title/description of JPEG `b` to `after` where they differ from
/// `before`.
#[cfg(test)]
pub(crate) fn sync_jpeg(b: &[u8], before: &Fields, after: &Fields) -> Sync {
    sync_jpeg_removing(b, before, after, &[])
}

/// [`sync_jpeg`], also removing the record-2 datasets numbered in `remove`.
pub(crate) fn sync_jpeg_removing(b: &[u8], before: &Fields, after: &Fields, remove: &[u8]) -> Sync {
    let Some(seg) = app13(b) else {
        return Sync::Untouched;
    };
    let p_start = seg.start + PHOTOSHOP.len();
    let p = &b[p_start..seg.end];
    let Some(res) = resources(p) else {
        return Sync::Skipped("its Photoshop resources do not parse");
    };
    let Some(ri) = res.iter().position(|r| r.id == RES_IPTC) else {
        return Sync::Untouched;
    };
    let d = &p[res[ri].data.clone()];
    let Some(sets) = datasets(d) else {
        return Sync::Skipped("its IPTC datasets do not parse");
    };
    // New values are written in the encoding the record already uses: UTF-8 when it says so
    // (1:90) or already holds non-ASCII UTF-8, else Latin-1. Values that stay keep their bytes.
    let utf8 = utf8_marked(d, &sets)
        || sets.iter().any(|s| {
            let v = &d[s.value.clone()];
            s.record == 2 && !v.is_ascii() && std::str::from_utf8(v).is_ok()
        });
    let old_of = |n: u8| -> Vec<(String, &[u8])> {
        sets.iter()
            .filter(|s| s.record == 2 && s.number == n)
            .map(|s| (decode(&d[s.value.clone()], utf8), &d[s.value.clone()]))
            .collect()
    };
    // (number, new values) for the fields that change
    let mut plan: Vec<(u8, Vec<Vec<u8>>)> = Vec::new();
    let mut add = |n: u8, vals: Vec<&str>, max: usize| -> Result<(), &'static str> {
        let old = old_of(n);
        let mut out = Vec::new();
        for v in vals {
            let e = match old.iter().find(|(s, _)| s == v) {
                Some((_, raw)) => raw.to_vec(),
                None => encode(v, utf8).ok_or("a value has characters its IPTC encoding lacks")?,
            };
            if e.len() > max {
                return Err("a value is longer than IPTC allows");
            }
            out.push(e);
        }
        plan.push((n, out));
        Ok(())
    };
    let has = |n: u8| sets.iter().any(|s| s.record == 2 && s.number == n);
    let mut r = Ok(());
    if before.keywords != after.keywords && has(KEYWORDS) {
        // The edit's additions and removals, applied to IPTC's own list (which may hold
        // keywords XMP lacks when another tool changed one of them).
        let iptc: Vec<String> = old_of(KEYWORDS).into_iter().map(|(s, _)| s).collect();
        let mut list: Vec<&str> = iptc
            .iter()
            .map(String::as_str)
            .filter(|k| {
                after.keywords.iter().any(|a| a == k) || !before.keywords.iter().any(|b| b == k)
            })
            .collect();
        for k in &after.keywords {
            if !list.contains(&k.as_str()) {
                list.push(k);
            }
        }
        r = r.and(add(KEYWORDS, list, MAX_KEYWORD));
    }
    if before.title != after.title && has(OBJECT_NAME) {
        r = r.and(add(
            OBJECT_NAME,
            after.title.iter().map(String::as_str).collect(),
            MAX_OBJECT_NAME,
        ));
    }
    if before.description != after.description && has(CAPTION) {
        r = r.and(add(
            CAPTION,
            after.description.iter().map(String::as_str).collect(),
            MAX_CAPTION,
        ));
    }
    for &n in remove {
        if has(n) {
            plan.push((n, Vec::new()));
        }
    }
    if let Err(why) = r {
        return Sync::Skipped(why);
    }
    if plan.is_empty() {
        return Sync::Untouched;
    }
    plan.sort_by_key(|(n, _)| *n);
    let emit = |out: &mut Vec<u8>, n: u8, vals: &[Vec<u8>]| {
        for v in vals {
            out.extend_from_slice(&[0x1C, 2, n]);
            out.extend_from_slice(&(v.len() as u16).to_be_bytes());
            out.extend_from_slice(v);
        }
    };
    // New IPTC: datasets in order, a changed field's values where its first dataset was.
    let mut new = Vec::with_capacity(d.len() + 256);
    let mut done = vec![false; plan.len()];
    for s in &sets {
        match plan
            .iter()
            .position(|(n, _)| s.record == 2 && s.number == *n)
        {
            Some(k) if !done[k] => {
                emit(&mut new, plan[k].0, &plan[k].1);
                done[k] = true;
            }
            Some(_) => {}
            None => new.extend_from_slice(&d[s.raw.clone()]),
        }
    }
    // Rebuild the resource list.
    let old_md5: [u8; 16] = Md5::digest(d).into();
    let new_md5: [u8; 16] = Md5::digest(&new).into();
    let mut payload = PHOTOSHOP.to_vec();
    for (i, r) in res.iter().enumerate() {
        let raw = &p[r.raw.clone()];
        let head = &raw[..r.data.start - r.raw.start - 4];
        let write = |payload: &mut Vec<u8>, data: &[u8]| {
            payload.extend_from_slice(head);
            payload.extend_from_slice(&(data.len() as u32).to_be_bytes());
            payload.extend_from_slice(data);
            if data.len() % 2 == 1 {
                payload.push(0);
            }
        };
        if i == ri {
            write(&mut payload, &new);
        } else if r.id == RES_DIGEST && p.get(r.data.clone()) == Some(&old_md5[..]) {
            write(&mut payload, &new_md5);
        } else {
            payload.extend_from_slice(raw);
        }
    }
    if payload.len() > 65533 {
        return Sync::Skipped("the new IPTC does not fit its JPEG segment");
    }
    let mut out = Vec::with_capacity(b.len() + 256);
    out.extend_from_slice(&b[..seg.start - 2]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&b[seg.end..]);
    Sync::Written(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_iptc(iptc: &[u8], digest: bool) -> Vec<u8> {
        let mut p = PHOTOSHOP.to_vec();
        let mut res = |id: u16, data: &[u8]| {
            p.extend_from_slice(b"8BIM");
            p.extend_from_slice(&id.to_be_bytes());
            p.extend_from_slice(&[0, 0]);
            p.extend_from_slice(&(data.len() as u32).to_be_bytes());
            p.extend_from_slice(data);
            if data.len() % 2 == 1 {
                p.push(0);
            }
        };
        res(0x03ED, &[1, 2, 3, 4]);
        res(RES_IPTC, iptc);
        if digest {
            let m: [u8; 16] = Md5::digest(iptc).into();
            res(RES_DIGEST, &m);
        }
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xED];
        b.extend_from_slice(&((p.len() + 2) as u16).to_be_bytes());
        b.extend_from_slice(&p);
        b.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x11, 0xFF, 0xD9]);
        b
    }

    fn ds(n: u8, v: &[u8]) -> Vec<u8> {
        let mut o = vec![0x1C, 2, n];
        o.extend_from_slice(&(v.len() as u16).to_be_bytes());
        o.extend_from_slice(v);
        o
    }

    #[test]
    fn keywords_are_replaced_in_place_and_the_digest_follows() {
        let mut iptc = ds(0, &[0, 4]);
        iptc.extend(ds(5, b"Title"));
        iptc.extend(ds(25, b"a"));
        iptc.extend(ds(25, b"b"));
        iptc.extend(ds(120, b"Caption"));
        let b = jpeg_with_iptc(&iptc, true);
        let before = read(&b);
        assert_eq!(before.keywords, ["a", "b"]);
        assert_eq!(before.title.as_deref(), Some("Title"));
        let mut after = before.clone();
        after.keywords.push("caf\u{e9}".into());
        let Sync::Written(out) = sync_jpeg(&b, &before, &after) else {
            panic!("not written")
        };
        let f = read(&out);
        assert_eq!(f.keywords, ["a", "b", "caf\u{e9}"]);
        assert_eq!(f.title.as_deref(), Some("Title"));
        assert_eq!(f.description.as_deref(), Some("Caption"));
        // Latin-1 without a UTF-8 marker; order kept; digest current.
        let seg = app13(&out).unwrap();
        let p = &out[seg.start + PHOTOSHOP.len()..seg.end];
        let res = resources(p).unwrap();
        let d = &p[res.iter().find(|r| r.id == RES_IPTC).unwrap().data.clone()];
        let numbers: Vec<u8> = datasets(d).unwrap().iter().map(|s| s.number).collect();
        assert_eq!(numbers, [0, 5, 25, 25, 25, 120]);
        assert!(d.windows(4).any(|w| w == b"caf\xe9"));
        let dg = &p[res
            .iter()
            .find(|r| r.id == RES_DIGEST)
            .unwrap()
            .data
            .clone()];
        assert_eq!(dg, &<[u8; 16]>::from(Md5::digest(d))[..]);
        // The other resource is byte-identical, the scan too.
        assert!(p.windows(4).any(|w| w == [1, 2, 3, 4]));
        assert!(out.ends_with(&[0xFF, 0xDA, 0, 2, 0x11, 0xFF, 0xD9]));
    }

    #[test]
    fn absent_fields_are_not_created_and_stale_digests_stay() {
        let mut iptc = ds(0, &[0, 4]);
        iptc.extend(ds(120, b"Caption"));
        let mut b = jpeg_with_iptc(&iptc, true);
        let before = read(&b);
        let mut after = before.clone();
        after.keywords = vec!["k".into()];
        assert!(matches!(sync_jpeg(&b, &before, &after), Sync::Untouched));
        // Make the digest stale: a caption change then leaves it as it was.
        let n = b.len();
        b[n - 7 - 16] ^= 0xFF;
        after.description = Some("New caption".into());
        let Sync::Written(out) = sync_jpeg(&b, &before, &after) else {
            panic!("not written")
        };
        let f = read(&out);
        assert_eq!(f.description.as_deref(), Some("New caption"));
        assert!(f.keywords.is_empty());
        let seg = app13(&out).unwrap();
        let p = &out[seg.start + PHOTOSHOP.len()..seg.end];
        let res = resources(p).unwrap();
        let d = &p[res.iter().find(|r| r.id == RES_IPTC).unwrap().data.clone()];
        let dg = &p[res
            .iter()
            .find(|r| r.id == RES_DIGEST)
            .unwrap()
            .data
            .clone()];
        assert_ne!(dg, &<[u8; 16]>::from(Md5::digest(d))[..]);
        // ... and is byte for byte the stale one it was.
        let n = b.len();
        assert_eq!(dg, &b[n - 7 - 16..n - 7]);
    }

    #[test]
    fn no_iptc_no_change_and_garbage_is_skipped() {
        let b = [0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9];
        let f = Fields::default();
        let mut g = f.clone();
        g.keywords = vec!["x".into()];
        assert!(matches!(sync_jpeg(&b, &f, &g), Sync::Untouched));
        let mut bad = jpeg_with_iptc(&ds(25, b"a"), false);
        let at = bad.windows(3).position(|w| w == [0x1C, 2, 25]).unwrap();
        bad[at] = 0x1D;
        assert!(matches!(sync_jpeg(&bad, &f, &g), Sync::Skipped(_)));
        for n in 0..bad.len() {
            let _ = read(&bad[..n]);
            let _ = sync_jpeg(&bad[..n], &f, &g);
        }
    }
}
