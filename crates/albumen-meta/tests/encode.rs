//! Round trips: what the encoders write, the reader reads back unchanged.

use albumen_meta::encode::{ExifBuilder, ExifValue, Ifd, XmpPacket, XmpValue};
use albumen_meta::{CaptureTime, GpsPosition, Reader};
use proptest::prelude::*;

proptest! {
    #[test]
    fn exif_round_trip(
        le in any::<bool>(),
        make in "[A-Za-z0-9 ]{1,40}",
        model in "[A-Za-z0-9 .-]{1,40}",
        orientation in 1u16..=8,
        y in 1970i32..2100, mo in 1u32..=12, d in 1u32..=28, h in 0u32..24, mi in 0u32..60, s in 0u32..60,
        off_min in -(14 * 60i32)..=(14 * 60),
        lat in -89.9f64..89.9, lon in -179.9f64..179.9, alt in -400.0f64..9000.0,
    ) {
        let date = format!("{y:04}:{mo:02}:{d:02} {h:02}:{mi:02}:{s:02}");
        let off = format!("{}{:02}:{:02}", if off_min < 0 { '-' } else { '+' }, off_min.abs() / 60, off_min.abs() % 60);
        let pos = GpsPosition::new(lat, lon, Some(alt)).unwrap_or(GpsPosition::new(1.0, 1.0, None).unwrap());
        let block = ExifBuilder::new(le)
            .set(Ifd::Ifd0, 0x010f, ExifValue::Ascii(make.clone()))
            .set(Ifd::Ifd0, 0x0110, ExifValue::Ascii(model.clone()))
            .set(Ifd::Ifd0, 0x0112, ExifValue::Short(vec![orientation]))
            .set(Ifd::Exif, 0x9003, ExifValue::Ascii(date.clone()))
            .set(Ifd::Exif, 0x9011, ExifValue::Ascii(off.clone()))
            .gps(pos)
            .build()
            .unwrap();
        let md = Reader::new().read_bytes(&block).unwrap();
        prop_assert_eq!(md.make.as_deref(), Some(make.trim()).filter(|m| !m.is_empty()));
        prop_assert_eq!(md.model.as_deref(), Some(model.trim()).filter(|m| !m.is_empty()));
        prop_assert_eq!(md.orientation.map(|o| u16::from(o.get())), Some(orientation));
        match md.capture.map(|c| c.value) {
            Some(CaptureTime::Zoned { time }) => {
                prop_assert_eq!(time.format("%Y:%m:%d %H:%M:%S").to_string(), date);
                prop_assert_eq!(time.offset().local_minus_utc(), off_min * 60);
            }
            other => prop_assert!(false, "capture {:?}", other),
        }
        let g = md.gps.unwrap().value;
        prop_assert!((g.lat - pos.lat).abs() < 1e-7 && (g.lon - pos.lon).abs() < 1e-7);
        prop_assert!((g.alt.unwrap() - pos.alt.unwrap()).abs() < 1e-3);
    }

    #[test]
    fn xmp_round_trip(
        rating in 0i64..=5,
        title in "\\PC{0,40}",
        keywords in proptest::collection::vec("[^\\x00-\\x1f]{1,20}", 0..6),
    ) {
        let xmp = XmpPacket::new()
            .set("xmp", "Rating", XmpValue::Text(rating.to_string()))
            .set("dc", "title", XmpValue::LangAlt(title.clone()))
            .set("dc", "subject", XmpValue::Bag(keywords.clone()))
            .padding(2048)
            .to_bytes();
        let md = Reader::new().read_bytes(&xmp).unwrap();
        prop_assert_eq!(md.rating.map(|r| i64::from(r.get())), Some(rating));
        let want_title: String = title.chars().filter(|c| (*c as u32) >= 0x20 || matches!(c, '\t' | '\n' | '\r')).collect();
        // The XML reader trims XML whitespace only (not U+0085 or U+00A0).
        let xml_ws: &[char] = &[' ', '\t', '\n', '\r'];
        prop_assert_eq!(md.title.as_deref().unwrap_or(""), want_title.trim_matches(xml_ws));
        // Keywords are kept as given (trimmed by the XML reader), duplicates once.
        let mut want: Vec<String> = Vec::new();
        for k in keywords.iter().map(|k| k.trim_matches(xml_ws).to_string()).filter(|k| !k.is_empty()) {
            if !want.contains(&k) { want.push(k); }
        }
        prop_assert_eq!(md.keywords, want);
    }
}
