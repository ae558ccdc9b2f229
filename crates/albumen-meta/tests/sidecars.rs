//! Which XMP sidecars the reader merges: `NAME.EXT.xmp` always; `NAME.xmp` for files edited
//! through a sidecar (raws) and for files without XMP of their own, never over a JPEG's
//! embedded packet (the exiftool sample `XMP.jpg` beside the unrelated `XMP.xmp` was merged).
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn xmp(keyword: &str) -> String {
    format!(
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
         <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
         <dc:subject><rdf:Bag><rdf:li>{keyword}</rdf:li></rdf:Bag></dc:subject>\
         </rdf:Description></rdf:RDF></x:xmpmeta>"
    )
}

/// SOI, an optional XMP APP1, SOF0 (64x48), SOS, EOI.
fn jpeg(embedded: Option<&str>) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    if let Some(x) = embedded {
        let mut p = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
        p.extend_from_slice(x.as_bytes());
        b.extend_from_slice(&[0xFF, 0xE1]);
        b.extend_from_slice(&((p.len() + 2) as u16).to_be_bytes());
        b.extend_from_slice(&p);
    }
    b.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0]);
    b.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x11, 0x22, 0xFF, 0xD9]);
    b
}

/// A minimal Canon CR2: TIFF header with `CR` at byte 8, IFD0 with Make and a size.
fn cr2() -> Vec<u8> {
    let mut b = b"II*\0\x10\0\0\0CR\x02\0\0\0\0\0".to_vec();
    let entries: [(u16, u16, u32, u32); 3] = [
        (0x0100, 3, 1, 64),
        (0x0101, 3, 1, 48),
        (0x010F, 2, 6, 16 + 2 + 3 * 12 + 4),
    ];
    b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, typ, count, val) in entries {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&typ.to_le_bytes());
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&val.to_le_bytes());
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(b"Canon\0");
    b
}

fn keywords(p: &Path) -> Vec<String> {
    albumen_meta::read_path(p).unwrap().keywords
}

#[test]
fn stem_sidecar_is_not_merged_over_a_jpeg_with_its_own_xmp() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("XMP.jpg");
    std::fs::write(&p, jpeg(Some(&xmp("own")))).unwrap();
    std::fs::write(d.path().join("XMP.xmp"), xmp("unrelated")).unwrap();
    let md = albumen_meta::read_path(&p).unwrap();
    assert!(md.embedded_xmp);
    assert_eq!(md.keywords, ["own"]);
    // Lightroom's sidecar of a raw beside it (IMG_1.CR2 + IMG_1.JPG + IMG_1.xmp) likewise.
    std::fs::write(d.path().join("XMP.CR2"), cr2()).unwrap();
    assert_eq!(keywords(&p), ["own"]);
}

#[test]
fn stem_sidecar_is_merged_for_a_raw() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("IMG_1.CR2");
    std::fs::write(&p, cr2()).unwrap();
    std::fs::write(d.path().join("IMG_1.XMP"), xmp("lightroom")).unwrap();
    let md = albumen_meta::read_path(&p).unwrap();
    assert_eq!(md.format, Some(albumen_meta::Format::Cr2));
    assert_eq!(md.keywords, ["lightroom"]);
}

#[test]
fn stem_sidecar_is_merged_for_a_jpeg_without_xmp() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("scan.jpg");
    std::fs::write(&p, jpeg(None)).unwrap();
    std::fs::write(d.path().join("scan.xmp"), xmp("side")).unwrap();
    let md = albumen_meta::read_path(&p).unwrap();
    assert!(!md.embedded_xmp);
    assert_eq!(md.keywords, ["side"]);
}

#[test]
fn full_name_sidecar_is_always_merged() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.jpg");
    std::fs::write(&p, jpeg(Some(&xmp("own")))).unwrap();
    std::fs::write(d.path().join("a.jpg.xmp"), xmp("darktable")).unwrap();
    // Keywords are added to the file's (a sidecar's text values replace them).
    assert_eq!(keywords(&p), ["own", "darktable"]);
    // Beside a stem sidecar that applies, both are merged, the full name last.
    let q = d.path().join("b.jpg");
    std::fs::write(&q, jpeg(None)).unwrap();
    std::fs::write(d.path().join("b.xmp"), xmp("stem")).unwrap();
    std::fs::write(d.path().join("b.jpg.XMP"), xmp("full")).unwrap();
    assert_eq!(keywords(&q), ["stem", "full"]);
    // Sidecars can be switched off.
    let md = albumen_meta::Reader::new()
        .sidecars(false)
        .read_path(&p)
        .unwrap();
    assert_eq!(md.keywords, ["own"]);
}
