//! Regression tests from the review of the in-place, IPTC and AFCP changes: each failed before
//! its fix.
#![allow(clippy::unwrap_used)]

use albumen_edit::{apply, Edit, Options};
use md5::{Digest, Md5};

fn ds(n: u8, v: &[u8]) -> Vec<u8> {
    let mut o = vec![0x1C, 2, n];
    o.extend_from_slice(&(v.len() as u16).to_be_bytes());
    o.extend_from_slice(v);
    o
}

fn res(p: &mut Vec<u8>, id: u16, data: &[u8]) {
    p.extend_from_slice(b"8BIM");
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(&(data.len() as u32).to_be_bytes());
    p.extend_from_slice(data);
    if data.len() % 2 == 1 {
        p.push(0);
    }
}

/// SOI, [XMP APP1], APP13 (IPTC + optional digest), scan, EOI.
fn jpeg(xmp: Option<&str>, iptc: &[u8], digest: Option<[u8; 16]>) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    if let Some(x) = xmp {
        let mut p = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
        p.extend_from_slice(x.as_bytes());
        b.extend_from_slice(&[0xFF, 0xE1]);
        b.extend_from_slice(&((p.len() + 2) as u16).to_be_bytes());
        b.extend_from_slice(&p);
    }
    let mut p = b"Photoshop 3.0\0".to_vec();
    res(&mut p, 0x0404, iptc);
    if let Some(d) = digest {
        res(&mut p, 0x0425, &d);
    }
    b.extend_from_slice(&[0xFF, 0xED]);
    b.extend_from_slice(&((p.len() + 2) as u16).to_be_bytes());
    b.extend_from_slice(&p);
    b.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x11, 0x22, 0xFF, 0xD9]);
    b
}

/// Values of the IPTC datasets 2:n in `b`.
fn iptc_values(b: &[u8], n: u8) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 5 <= b.len() {
        if b[i] == 0x1C && b[i + 1] == 2 && b[i + 2] == n {
            let l = u16::from_be_bytes([b[i + 3], b[i + 4]]) as usize;
            out.push(b[i + 5..i + 5 + l].to_vec());
            i += 5 + l;
        } else {
            i += 1;
        }
    }
    out
}

const XMP_A: &str = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:subject><rdf:Bag><rdf:li>a</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>";

#[test]
fn review_afcp_offsets_follow_the_iptc_growth() {
    let iptc = ds(25, b"a");
    let mut b = jpeg(None, &iptc, None);
    let start = b.len() as u32;
    b.extend_from_slice(b"AXS!\x01\x00\x00\x01\0\0\0\0");
    b.extend_from_slice(b"IPTC");
    b.extend_from_slice(&4u32.to_be_bytes());
    b.extend_from_slice(&(start + 24).to_be_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(b"AXS!");
    b.extend_from_slice(&start.to_be_bytes());
    b.extend_from_slice(&[0; 4]);
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("afcp.jpg");
    std::fs::write(&p, &b).unwrap();
    apply(&p, &[Edit::AddKeyword("bb".into())], &Options::default()).unwrap();
    let out = std::fs::read(&p).unwrap();
    assert_eq!(iptc_values(&out, 25), [b"a".to_vec(), b"bb".to_vec()]);
    let tail = out.len() - 12;
    let s = u32::from_be_bytes(out[tail + 4..tail + 8].try_into().unwrap()) as usize;
    assert_eq!(
        &out[s..s + 4],
        b"AXS!",
        "AFCP start offset no longer points at its header"
    );
}

#[test]
fn review_iptc_only_keywords_are_not_dropped() {
    // XMP says [a]; the IPTC (edited later by another tool: digest stale) says [a, b].
    let mut iptc = ds(25, b"a");
    iptc.extend(ds(25, b"b"));
    let stale: [u8; 16] = Md5::digest(ds(25, b"a")).into();
    let b = jpeg(Some(XMP_A), &iptc, Some(stale));
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("k.jpg");
    std::fs::write(&p, &b).unwrap();
    apply(&p, &[Edit::AddKeyword("c".into())], &Options::default()).unwrap();
    let out = std::fs::read(&p).unwrap();
    let kw = iptc_values(&out, 25);
    assert!(
        kw.contains(&b"b".to_vec()),
        "IPTC keyword b lost: now {kw:?}"
    );
}

#[test]
fn review_iptc_encoding_is_not_changed_under_existing_values() {
    // Unmarked IPTC whose values are UTF-8 (read back as UTF-8 by albumen itself).
    let mut iptc = ds(25, "caf\u{e9}".as_bytes());
    iptc.extend(ds(120, "cr\u{e8}me".as_bytes()));
    let b = jpeg(None, &iptc, None);
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("enc.jpg");
    std::fs::write(&p, &b).unwrap();
    apply(&p, &[Edit::AddKeyword("x".into())], &Options::default()).unwrap();
    let out = std::fs::read(&p).unwrap();
    let kw = iptc_values(&out, 25);
    let cap = iptc_values(&out, 120);
    // Keywords were re-encoded as Latin-1 while the caption stays UTF-8: mixed encodings.
    assert_eq!(
        kw[0],
        "caf\u{e9}".as_bytes(),
        "existing keyword re-encoded: {:?} (caption {:?})",
        kw[0],
        cap[0]
    );
}
