//! The editor writes an edit through a sidecar where albumen-meta's reader reads it back
//! (`albumen_meta::sidecar_write_path`): never into a `NAME.xmp` the reader ignores.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

use albumen_edit::{apply, Edit, Options, Target};

const OTHER: &str = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:subject><rdf:Bag><rdf:li>other</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>";

/// SOI, an optional XMP APP1 (the packet `OTHER` with the keyword `own`), SOF0, SOS, EOI.
fn jpeg(with_xmp: bool) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    if with_xmp {
        let mut p = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
        p.extend_from_slice(OTHER.replace("other", "own").as_bytes());
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

/// Adds the keyword `new` through a sidecar; returns the sidecar's file name.
fn add_keyword(p: &Path) -> String {
    let mut o = Options::default();
    o.sidecar = true;
    let r = apply(p, &[Edit::AddKeyword("new".into())], &o).unwrap();
    match r.plan.target {
        Target::Sidecar(s) => s.file_name().unwrap().to_string_lossy().into_owned(),
        t => panic!("not a sidecar edit: {t:?}"),
    }
}

fn keywords(p: &Path) -> Vec<String> {
    albumen_meta::read_path(p).unwrap().keywords
}

#[test]
fn a_jpeg_with_xmp_is_not_edited_into_an_unrelated_stem_sidecar() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("XMP.jpg");
    std::fs::write(&p, jpeg(true)).unwrap();
    let stem = d.path().join("XMP.xmp");
    std::fs::write(&stem, OTHER).unwrap();
    assert_eq!(add_keyword(&p), "XMP.jpg.xmp");
    assert_eq!(std::fs::read_to_string(&stem).unwrap(), OTHER);
    assert_eq!(std::fs::read(&p).unwrap(), jpeg(true));
    assert_eq!(keywords(&p), ["own", "new"]);
}

#[test]
fn a_jpeg_without_xmp_is_edited_into_its_stem_sidecar() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("scan.jpg");
    std::fs::write(&p, jpeg(false)).unwrap();
    std::fs::write(d.path().join("scan.xmp"), OTHER).unwrap();
    assert_eq!(add_keyword(&p), "scan.xmp");
    assert!(!d.path().join("scan.jpg.xmp").exists());
    assert_eq!(keywords(&p), ["other", "new"]);
}

#[test]
fn a_raw_is_edited_into_lightrooms_sidecar_or_a_new_full_name() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("IMG_1.CR2");
    std::fs::write(&a, cr2()).unwrap();
    std::fs::write(d.path().join("IMG_1.xmp"), OTHER).unwrap();
    // Without `Options::sidecar`: a raw always goes through a sidecar.
    let r = apply(&a, &[Edit::AddKeyword("new".into())], &Options::default()).unwrap();
    assert_eq!(r.plan.target, Target::Sidecar(d.path().join("IMG_1.xmp")));
    assert_eq!(keywords(&a), ["other", "new"]);
    let b = d.path().join("IMG_2.CR2");
    std::fs::write(&b, cr2()).unwrap();
    assert_eq!(add_keyword(&b), "IMG_2.CR2.xmp");
    assert_eq!(keywords(&b), ["new"]);
    assert_eq!(std::fs::read(&b).unwrap(), cr2());
}

/// [`jpeg`] with an Exif APP1 holding `DateTimeOriginal` 2020:01:02 03:04:05 after SOI.
fn jpeg_exif(with_xmp: bool) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"II*\0\x08\0\0\0\x01\0\x69\x87\x04\0\x01\0\0\0\x1a\0\0\0\0\0\0\0\
        \x01\0\x03\x90\x02\0\x14\0\0\0\x2c\0\0\0\0\0\0\0"
        .to_vec();
    tiff.extend_from_slice(b"2020:01:02 03:04:05\0");
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE1];
    b.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    b.extend_from_slice(b"Exif\0\0");
    b.extend_from_slice(&tiff);
    b.extend_from_slice(&jpeg(with_xmp)[2..]);
    b
}

/// Whether the file itself holds an XMP packet, as the reader sees it.
fn embedded_xmp(p: &Path) -> bool {
    albumen_meta::Reader::new()
        .sidecars(false)
        .read_path(p)
        .unwrap()
        .embedded_xmp
}

fn capture(p: &Path) -> String {
    let md = albumen_meta::read_path(p).unwrap();
    md.capture.unwrap().value.local().unwrap().to_string()
}

#[test]
fn an_in_file_edit_of_a_jpeg_without_xmp_keeps_its_stem_sidecar_applying() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("IMG.jpg");
    let orig = jpeg_exif(false);
    std::fs::write(&p, &orig).unwrap();
    let side = d.path().join("IMG.xmp");
    std::fs::write(&side, OTHER.replace("other", "a")).unwrap();
    assert_eq!(keywords(&p), ["a"]);
    let edits = [
        Edit::AddKeyword("b".into()),
        Edit::SetRating(albumen_meta::Rating::new(3).unwrap()),
    ];
    let r = apply(&p, &edits, &Options::default()).unwrap();
    assert_eq!(r.plan.target, Target::Sidecar(side.clone()));
    assert_eq!(r.plan.before.keywords, ["a"]);
    assert_eq!(r.plan.after.keywords, ["a", "b"]);
    assert!(r.sidecar_bytes_written > 0);
    // The file gained no XMP packet (nothing else to change in it: no EXIF rating).
    assert!(!embedded_xmp(&p));
    assert_eq!(std::fs::read(&p).unwrap(), orig);
    let text = std::fs::read_to_string(&side).unwrap();
    assert!(text.contains(">b<") && text.contains("Rating"), "{text}");
    let md = albumen_meta::read_path(&p).unwrap();
    assert_eq!(md.keywords, ["a", "b"]);
    assert_eq!(md.rating, albumen_meta::Rating::new(3));
    assert!(!d.path().join("IMG.jpg.xmp").exists());

    // A date shift still edits the EXIF in the file; the sidecar, which has no date, stays.
    let before_side = std::fs::read(&side).unwrap();
    let r = apply(
        &p,
        &[Edit::ShiftTime(chrono::Duration::hours(2))],
        &Options::default(),
    )
    .unwrap();
    assert_eq!(r.plan.target, Target::InFile);
    assert!(r.file_bytes_written > 0);
    assert_eq!(capture(&p), "2020-01-02 05:04:05");
    assert!(!embedded_xmp(&p));
    assert_eq!(std::fs::read(&side).unwrap(), before_side);
    assert_eq!(keywords(&p), ["a", "b"]);

    // Both at once: EXIF in the file, the keyword in the sidecar.
    let r = apply(
        &p,
        &[
            Edit::ShiftTime(chrono::Duration::hours(-2)),
            Edit::RemoveKeyword("a".into()),
        ],
        &Options::default(),
    )
    .unwrap();
    assert_eq!(r.plan.target, Target::Sidecar(side.clone()));
    assert!(r.file_bytes_written > 0 && r.sidecar_bytes_written > 0);
    assert_eq!(capture(&p), "2020-01-02 03:04:05");
    assert!(!embedded_xmp(&p));
    assert_eq!(keywords(&p), ["b"]);
}

#[test]
fn an_in_file_edit_of_a_jpeg_with_xmp_stays_in_the_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("IMG.jpg");
    std::fs::write(&p, jpeg_exif(true)).unwrap();
    let side = d.path().join("IMG.xmp");
    std::fs::write(&side, OTHER.replace("other", "a")).unwrap();
    assert_eq!(keywords(&p), ["own"]);
    let r = apply(&p, &[Edit::AddKeyword("b".into())], &Options::default()).unwrap();
    assert_eq!(r.plan.target, Target::InFile);
    assert_eq!(r.sidecar_bytes_written, 0);
    assert_eq!(
        std::fs::read_to_string(&side).unwrap(),
        OTHER.replace("other", "a")
    );
    assert!(embedded_xmp(&p));
    assert_eq!(keywords(&p), ["own", "b"]);
}
