//! Hostile and odd input: typed errors or partial results, never a panic or a huge allocation.

use albumen_meta::{CaptureTime, Error, Format, Reader};

fn tiff_le(entries: &[(u16, u16, u32, [u8; 4])], next: u32) -> Vec<u8> {
    let mut b = b"II*\0\x08\0\0\0".to_vec();
    b.extend((entries.len() as u16).to_le_bytes());
    for (tag, typ, count, val) in entries {
        b.extend(tag.to_le_bytes());
        b.extend(typ.to_le_bytes());
        b.extend(count.to_le_bytes());
        b.extend(val);
    }
    b.extend(next.to_le_bytes());
    b
}

#[test]
fn directory_is_not_a_file() {
    let d = tempfile::tempdir().unwrap();
    assert!(matches!(
        albumen_meta::read_path(d.path()),
        Err(Error::NotAFile(_))
    ));
}

#[test]
fn empty_and_unknown_files() {
    assert!(matches!(Reader::new().read_bytes(b""), Err(Error::Empty)));
    assert!(matches!(
        Reader::new().read_bytes(b"hello world, not a photo"),
        Err(Error::UnknownFormat)
    ));
}

#[test]
fn ifd_loop_ends() {
    // IFD0 whose next-IFD pointer points back at itself.
    let b = tiff_le(&[(0x0112, 3, 1, [6, 0, 0, 0])], 8);
    let md = Reader::new().read_bytes(&b).unwrap();
    assert_eq!(md.orientation.map(|o| o.get()), Some(6));
}

#[test]
fn huge_declared_lengths_are_refused_not_allocated() {
    // An EXIF entry claiming 4 G values at an offset past the end.
    let b = tiff_le(&[(0x010f, 2, u32::MAX, [0, 0, 0, 0x10])], 0);
    let md = Reader::new().read_bytes(&b).unwrap();
    assert_eq!(md.make, None);
    // An ISO-BMFF box declaring 4 GB.
    let mut mp4 = b"\0\0\0\x14ftypisom\0\0\0\0isom".to_vec();
    mp4.extend([0xFF, 0xFF, 0xFF, 0xFF]);
    mp4.extend(b"moov");
    let md = Reader::new().read_bytes(&mp4).unwrap();
    assert_eq!(md.format, Some(Format::Mp4));
    assert!(!md.warnings.is_empty());
}

#[test]
fn exif_dates_with_offset_and_subseconds() {
    // ExifIFD pointer -> DateTimeOriginal + OffsetTimeOriginal + SubSecTimeOriginal.
    let mut b = tiff_le(&[(0x8769, 4, 1, 26u32.to_le_bytes())], 0);
    assert_eq!(b.len(), 26);
    let dto_at = 26 + 2 + 3 * 12 + 4;
    let off_at = dto_at + 20;
    b.extend(3u16.to_le_bytes());
    for (tag, count, val) in [
        (0x9003u16, 20u32, (dto_at as u32).to_le_bytes()),
        (0x9011, 7, (off_at as u32).to_le_bytes()),
        (0x9291, 3, *b"25\0\0"),
    ] {
        b.extend(tag.to_le_bytes());
        b.extend(2u16.to_le_bytes());
        b.extend(count.to_le_bytes());
        b.extend(val);
    }
    b.extend(0u32.to_le_bytes());
    b.extend(b"2024:03:10 23:30:00\0");
    b.extend(b"+09:00\0");
    let md = Reader::new().read_bytes(&b).unwrap();
    let c = md.capture.unwrap();
    match c.value {
        CaptureTime::Zoned { time } => {
            assert_eq!(time.to_rfc3339(), "2024-03-10T23:30:00.250+09:00");
        }
        other => panic!("expected a zoned time, got {other:?}"),
    }
    assert_eq!(c.source, albumen_meta::Source::ExifIfd);
}

#[test]
fn truncated_jpeg_gives_a_partial_result() {
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x40, b'E', b'x'];
    let md = Reader::new().read_bytes(&jpeg);
    // Either a typed error or a result with a warning: never a panic.
    if let Ok(md) = md {
        assert!(!md.warnings.is_empty());
    }
}

#[test]
fn xmp_sidecar_values() {
    let xmp = br#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
  xmp:Rating="4" exif:DateTimeOriginal="2023-08-01T18:05:09.5+02:00"
  exif:GPSLatitude="48,51.502200N" exif:GPSLongitude="2,17.668860E">
 <dc:subject><rdf:Bag><rdf:li>paris</rdf:li><rdf:li>tower &amp; sky</rdf:li></rdf:Bag></dc:subject>
 <lr:hierarchicalSubject><rdf:Bag><rdf:li>places|paris</rdf:li></rdf:Bag></lr:hierarchicalSubject>
 <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Evening</rdf:li></rdf:Alt></dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let md = Reader::new().read_bytes(xmp).unwrap();
    assert_eq!(md.format, Some(Format::Xmp));
    assert_eq!(md.rating.map(|r| r.get()), Some(4));
    assert_eq!(md.keywords, ["paris", "tower & sky"]);
    assert_eq!(md.hierarchical_keywords, ["places|paris"]);
    assert_eq!(md.title.as_deref(), Some("Evening"));
    let g = md.gps.unwrap().value;
    assert!((g.lat - 48.85837).abs() < 1e-5 && (g.lon - 2.294481).abs() < 1e-5);
    let t = md.capture.unwrap().value;
    assert_eq!(
        t.utc().unwrap().to_rfc3339(),
        "2023-08-01T16:05:09.500+00:00"
    );
}

#[test]
fn null_island_and_out_of_range_gps_are_not_positions() {
    assert!(albumen_meta::GpsPosition::new(0.0, 0.0, None).is_none());
    assert!(albumen_meta::GpsPosition::new(91.0, 0.0, None).is_none());
    assert!(albumen_meta::GpsPosition::new(f64::NAN, 0.0, None).is_none());
    assert!(albumen_meta::GpsPosition::new(-33.8688, 151.2093, Some(5.0)).is_some());
}

#[test]
#[cfg(target_os = "linux")]
fn reading_does_not_touch_the_access_time() {
    use std::time::{Duration, SystemTime};
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.jpg");
    std::fs::write(
        &p,
        [
            0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0, 0xFF, 0xDA,
        ],
    )
    .unwrap();
    // An access time far in the past: relatime would update it on the next read.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let f = std::fs::File::options().write(true).open(&p).unwrap();
    f.set_times(std::fs::FileTimes::new().set_accessed(old))
        .unwrap();
    drop(f);
    let before = std::fs::metadata(&p).unwrap().accessed().unwrap();
    albumen_meta::read_path(&p).unwrap();
    let after = std::fs::metadata(&p).unwrap().accessed().unwrap();
    assert_eq!(before, after, "reading changed the access time");
}

#[test]
fn gps_altitude_zero_is_sea_level_not_missing() {
    let pos = albumen_meta::GpsPosition::new(52.37, 4.89, Some(0.0)).unwrap();
    let tiff = albumen_meta::encode::ExifBuilder::new(true)
        .gps(pos)
        .build()
        .unwrap();
    let md = Reader::new().read_bytes(&tiff).unwrap();
    assert_eq!(md.gps.map(|g| g.value.alt), Some(Some(0.0)));
}

/// A JPEG whose APP13 holds `irb` after "Photoshop 3.0\0".
fn jpeg_app13(irb: &[u8]) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xED];
    b.extend(((irb.len() + 16) as u16).to_be_bytes());
    b.extend(b"Photoshop 3.0\0");
    b.extend(irb);
    b.extend([
        0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 32, 1, 1, 0x11, 0, 0xFF, 0xDA,
    ]);
    b
}

fn resource(id: u16, data: &[u8]) -> Vec<u8> {
    let mut b = b"8BIM".to_vec();
    b.extend(id.to_be_bytes());
    b.extend([0, 0]);
    b.extend((data.len() as u32).to_be_bytes());
    b.extend(data);
    if data.len() % 2 == 1 {
        b.push(0);
    }
    b
}

#[test]
fn hostile_iptc_in_a_jpeg_gives_warnings_and_what_parses() {
    // Keyword "ok", then a dataset claiming 0x7fff bytes, then an extended one claiming 4 GiB.
    let mut iim = vec![0x1C, 2, 25, 0, 2, b'o', b'k'];
    iim.extend([0x1C, 2, 25, 0x7F, 0xFF, b'x']);
    let md = Reader::new()
        .read_bytes(&jpeg_app13(&resource(0x0404, &iim)))
        .unwrap();
    assert_eq!(md.keywords, ["ok"]);
    assert!(md.warnings.iter().any(|w| w.contains("IPTC")));
    assert_eq!((md.width, md.height), (Some(32), Some(16)));
    let ext = [0x1C, 2, 120, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, b'a'];
    let md = Reader::new()
        .read_bytes(&jpeg_app13(&resource(0x0404, &ext)))
        .unwrap();
    assert_eq!(md.description, None);
    assert!(md.warnings.iter().any(|w| w.contains("IPTC")));
    // A resource whose size runs past the segment.
    let mut irb = resource(0x0404, &[0x1C, 2, 5, 0, 1, b't']);
    irb.extend(b"8BIM\x04\x25\0\0\x7f\0\0\0");
    let md = Reader::new().read_bytes(&jpeg_app13(&irb)).unwrap();
    assert_eq!(md.title.as_deref(), Some("t"));
    assert!(md
        .warnings
        .iter()
        .any(|w| w.contains("Photoshop resources")));
}

#[test]
fn psd_resources_nesting_exif_do_not_recurse() {
    // A PSD whose EXIF resource is a TIFF with a 34377 tag holding resources with EXIF again.
    let inner = resource(0x0422, &tiff_le(&[(0x0112, 3, 1, [3, 0, 0, 0])], 0));
    let mut tiff = tiff_le(&[(0x8649, 7, inner.len() as u32, [26, 0, 0, 0])], 0);
    tiff.extend(&inner);
    let res = resource(0x0422, &tiff);
    let mut psd = b"8BPS\0\x01\0\0\0\0\0\0\0\x03\0\0\0\x10\0\0\0\x20\0\x08\0\x03".to_vec();
    psd.extend(0u32.to_be_bytes()); // colour mode data
    psd.extend((res.len() as u32).to_be_bytes());
    psd.extend(&res);
    let md = Reader::new().read_bytes(&psd).unwrap();
    assert_eq!(md.format, Some(Format::Psd));
    // The nested EXIF (orientation 3) is not followed.
    assert_eq!(md.orientation, None);
}

#[test]
fn transport_stream_out_of_sync() {
    // Three synced M2TS packets (detection), then junk with stray sync bytes.
    let mut b = Vec::new();
    for _ in 0..3 {
        let mut p = vec![0u8; 192];
        p[4] = 0x47;
        p[5] = 0x1F;
        p[6] = 0xFF;
        p[7] = 0x10;
        b.extend(p);
    }
    b.extend((0..5000u32).map(|i| if i % 97 == 0 { 0x47 } else { (i * 31) as u8 }));
    let md = Reader::new().read_bytes(&b).unwrap();
    assert_eq!(md.format, Some(Format::Mts));
    assert!(md.warnings.iter().any(|w| w.contains("MPEG-TS")));
}
