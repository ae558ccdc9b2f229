//! `Edit::RemoveLocation` and `Edit::RemoveSerials` on generated files: every location and
//! serial number gone (also the bytes of the values), the scan data and the other tags kept;
//! a camera raw's GPS directory zeroed in place without changing its size.

#![allow(clippy::unwrap_used)]

use albumen_edit::{apply, plan, Edit, Options};
use albumen_meta::encode::{ExifBuilder, ExifValue, Ifd};

const SCAN: [u8; 8] = [0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9];

fn tiff() -> Vec<u8> {
    ExifBuilder::new(true)
        .set(Ifd::Ifd0, 0x010F, ExifValue::Ascii("Maker".into()))
        .set(
            Ifd::Exif,
            0x9003,
            ExifValue::Ascii("2020:01:02 03:04:05".into()),
        )
        .set(
            Ifd::Exif,
            0xA431,
            ExifValue::Ascii("BODY-SERIAL-123456".into()),
        )
        .set(
            Ifd::Exif,
            0xA435,
            ExifValue::Ascii("LENS-SERIAL-987654".into()),
        )
        .set(Ifd::Gps, 0x0001, ExifValue::Ascii("N".into()))
        .set(
            Ifd::Gps,
            0x0002,
            ExifValue::Rational(vec![(48, 1), (51, 1), (3013, 100)]),
        )
        .set(Ifd::Gps, 0x0003, ExifValue::Ascii("E".into()))
        .set(
            Ifd::Gps,
            0x0004,
            ExifValue::Rational(vec![(2, 1), (17, 1), (4073, 100)]),
        )
        .build()
        .unwrap()
}

const XMP: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:aux="http://ns.adobe.com/exif/1.0/aux/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" exif:GPSLatitude="48,51.502N" exif:GPSLongitude="2,17.679E" exif:GPSSpeed="0/1" photoshop:City="Paris" aux:SerialNumber="BODY-SERIAL-123456" xmp:Rating="3"/></rdf:RDF></x:xmpmeta>"#;

fn jpeg() -> Vec<u8> {
    let t = tiff();
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
    j.extend_from_slice(&u16::try_from(t.len() + 8).unwrap().to_be_bytes());
    j.extend_from_slice(b"Exif\0\0");
    j.extend_from_slice(&t);
    let sig = b"http://ns.adobe.com/xap/1.0/\0";
    j.extend_from_slice(&[0xFF, 0xE1]);
    j.extend_from_slice(
        &u16::try_from(sig.len() + XMP.len() + 2)
            .unwrap()
            .to_be_bytes(),
    );
    j.extend_from_slice(sig);
    j.extend_from_slice(XMP.as_bytes());
    j.extend_from_slice(&SCAN);
    j
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn remove_location_leaves_no_position_or_place_and_keeps_the_rest() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.jpg");
    std::fs::write(&p, jpeg()).unwrap();
    assert!(plan(&p, &[], &Options::default())
        .unwrap()
        .before
        .gps
        .is_some());
    apply(&p, &[Edit::RemoveLocation], &Options::default()).unwrap();
    let b = std::fs::read(&p).unwrap();
    let m = albumen_meta::read_path(&p).unwrap();
    assert!(m.gps.is_none());
    for gone in [
        &b"GPSLatitude"[..],
        b"GPSSpeed",
        b"Paris",
        &3013u32.to_le_bytes(),
    ] {
        assert!(
            !contains(&b, gone),
            "{:?} still in the file",
            String::from_utf8_lossy(gone)
        );
    }
    // Everything else is kept: the scan, the date, the rating, the serial numbers.
    assert!(b.ends_with(&SCAN));
    assert_eq!(m.rating.map(|r| r.get()), Some(3));
    assert_eq!(
        m.capture.unwrap().value.local().unwrap().to_string(),
        "2020-01-02 03:04:05"
    );
    assert!(contains(&b, b"BODY-SERIAL-123456"));
}

#[test]
fn remove_serials_removes_exif_and_xmp_serials_and_their_bytes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.jpg");
    std::fs::write(&p, jpeg()).unwrap();
    apply(&p, &[Edit::RemoveSerials], &Options::default()).unwrap();
    let b = std::fs::read(&p).unwrap();
    assert!(!contains(&b, b"BODY-SERIAL"));
    assert!(!contains(&b, b"LENS-SERIAL"));
    let m = albumen_meta::read_path(&p).unwrap();
    assert!(m.serial.is_none());
    assert!(m.gps.is_some(), "the position is not asked to go");
    assert!(b.ends_with(&SCAN));
}

#[test]
fn a_raw_has_its_gps_directory_zeroed_in_place() {
    // A TIFF-based raw: the editor never rewrites raws otherwise (their edits go to sidecars).
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.dng");
    // Make it read as a raw: a DNGVersion tag in IFD0.
    let t = ExifBuilder::new(true)
        .set(Ifd::Ifd0, 0xC612, ExifValue::Byte(vec![1, 4, 0, 0]))
        .set(
            Ifd::Exif,
            0x9003,
            ExifValue::Ascii("2020:01:02 03:04:05".into()),
        )
        .set(Ifd::Gps, 0x0000, ExifValue::Byte(vec![2, 3, 0, 0]))
        .set(
            Ifd::Gps,
            0x0002,
            ExifValue::Rational(vec![(48, 1), (51, 1), (3013, 100)]),
        )
        .set(
            Ifd::Gps,
            0x0004,
            ExifValue::Rational(vec![(2, 1), (17, 1), (4073, 100)]),
        )
        .build()
        .unwrap();
    let mut raw2 = t;
    raw2[2..4].copy_from_slice(b"RO");
    raw2.extend_from_slice(&[0xAB; 64]); // "sensor data"
    std::fs::write(&p, &raw2).unwrap();
    let r = apply(&p, &[Edit::RemoveLocation], &Options::default());
    let b = std::fs::read(&p).unwrap();
    match r {
        Ok(_) => {
            assert_eq!(b.len(), raw2.len(), "zeroed in place, same size");
            assert!(!contains(&b, &3013u32.to_le_bytes()));
            assert!(albumen_meta::read_path(&p).unwrap().gps.is_none());
            assert!(b.ends_with(&[0xAB; 64]));
            assert!(!d.path().join("a.orf.xmp").exists(), "no sidecar written");
        }
        Err(e) => panic!("refused: {e}"),
    }
}
