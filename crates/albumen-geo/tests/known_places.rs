#![allow(clippy::unwrap_used)]
//! Reverse geocoding on a table of known coordinates: capitals, border towns (both sides),
//! islands (some on the antimeridian), remote land and open-sea points. Run with
//! `cargo test --release -p albumen-geo --test known_places -- --nocapture` to see the table
//! and the error rate of the nearest-place-only mode next to the border-checked one.

use albumen_geo::{Geocoder, GeocoderOptions};

/// (what, lat, lon, expected ISO code or None for "no place").
pub const KNOWN: &[(&str, f64, f64, Option<&str>)] = &[
    // capitals and micro-states
    ("Paris", 48.8566, 2.3522, Some("FR")),
    ("Berlin", 52.52, 13.405, Some("DE")),
    ("Madrid", 40.4168, -3.7038, Some("ES")),
    ("Rome", 41.9028, 12.4964, Some("IT")),
    ("Vatican", 41.9029, 12.4534, Some("VA")),
    ("London", 51.5074, -0.1278, Some("GB")),
    ("Tokyo", 35.6812, 139.7671, Some("JP")),
    ("Kathmandu", 27.7172, 85.324, Some("NP")),
    ("Canberra", -35.2809, 149.13, Some("AU")),
    ("Ottawa", 45.4215, -75.6972, Some("CA")),
    ("Washington", 38.9072, -77.0369, Some("US")),
    ("New York", 40.7128, -74.006, Some("US")),
    ("Brasilia", -15.7939, -47.8828, Some("BR")),
    ("Buenos Aires", -34.6037, -58.3816, Some("AR")),
    ("Cairo", 30.0444, 31.2357, Some("EG")),
    ("Nairobi", -1.2921, 36.8219, Some("KE")),
    ("Moscow", 55.7558, 37.6173, Some("RU")),
    ("Beijing", 39.9042, 116.4074, Some("CN")),
    ("New Delhi", 28.6139, 77.209, Some("IN")),
    ("Reykjavik", 64.1466, -21.9426, Some("IS")),
    ("Wellington", -41.2865, 174.7762, Some("NZ")),
    ("Pretoria", -25.7479, 28.2293, Some("ZA")),
    ("Mexico City", 19.4326, -99.1332, Some("MX")),
    ("Lima", -12.0464, -77.0428, Some("PE")),
    ("Bangkok", 13.7563, 100.5018, Some("TH")),
    ("Jakarta", -6.2088, 106.8456, Some("ID")),
    ("Singapore", 1.3521, 103.8198, Some("SG")),
    ("Sydney", -33.8688, 151.2093, Some("AU")),
    ("Andorra la Vella", 42.5063, 1.5218, Some("AD")),
    ("Monaco", 43.7384, 7.4246, Some("MC")),
    ("Luxembourg", 49.6116, 6.1319, Some("LU")),
    ("Vaduz", 47.141, 9.5209, Some("LI")),
    ("San Marino", 43.9424, 12.4578, Some("SM")),
    // border towns, both sides
    ("Geneva", 46.2044, 6.1432, Some("CH")),
    ("Annemasse", 46.1934, 6.2342, Some("FR")),
    ("Basel", 47.5596, 7.5886, Some("CH")),
    ("Saint-Louis (Haut-Rhin)", 47.59, 7.56, Some("FR")),
    ("Weil am Rhein", 47.5947, 7.6108, Some("DE")),
    ("Strasbourg", 48.5734, 7.7521, Some("FR")),
    ("Kehl", 48.5722, 7.8156, Some("DE")),
    ("El Paso", 31.7619, -106.485, Some("US")),
    ("Ciudad Juarez", 31.6904, -106.4245, Some("MX")),
    ("Tijuana", 32.5149, -117.0382, Some("MX")),
    ("San Ysidro", 32.5556, -117.047, Some("US")),
    ("Detroit", 42.3314, -83.0458, Some("US")),
    ("Windsor", 42.3149, -83.0364, Some("CA")),
    ("Gorlitz", 51.1526, 14.9877, Some("DE")),
    ("Zgorzelec", 51.1488, 15.0081, Some("PL")),
    ("Frankfurt (Oder)", 52.3471, 14.5506, Some("DE")),
    ("Slubice", 52.3487, 14.5604, Some("PL")),
    ("Valga", 57.7775, 26.0473, Some("EE")),
    ("Valka", 57.7752, 26.0176, Some("LV")),
    ("Tornio", 65.8484, 24.1466, Some("FI")),
    ("Haparanda", 65.8355, 24.1368, Some("SE")),
    ("Irun", 43.339, -1.7896, Some("ES")),
    ("Hendaye", 43.3586, -1.7744, Some("FR")),
    ("Gibraltar", 36.1408, -5.3536, Some("GI")),
    ("La Linea", 36.1681, -5.3477, Some("ES")),
    ("Foz do Iguacu", -25.5478, -54.5882, Some("BR")),
    ("Ciudad del Este", -25.5097, -54.6111, Some("PY")),
    ("Puerto Iguazu", -25.5991, -54.5736, Some("AR")),
    ("Narva", 59.3797, 28.1791, Some("EE")),
    ("Ivangorod", 59.3766, 28.2236, Some("RU")),
    // islands
    ("Kiritimati", 1.87, -157.4, Some("KI")),
    ("Honolulu", 21.3069, -157.8583, Some("US")),
    ("Papeete", -17.5516, -149.5585, Some("PF")),
    ("Saint-Denis (Reunion)", -20.8821, 55.4507, Some("RE")),
    ("Valletta", 35.8989, 14.5146, Some("MT")),
    ("Nuuk", 64.1814, -51.6941, Some("GL")),
    ("Longyearbyen", 78.2232, 15.6267, Some("SJ")),
    ("Easter Island", -27.1127, -109.3497, Some("CL")),
    ("Tristan da Cunha", -37.0675, -12.311, Some("SH")),
    ("Stanley", -51.6977, -57.8516, Some("FK")),
    ("Ponta Delgada", 37.7412, -25.6756, Some("PT")),
    ("Las Palmas", 28.1235, -15.4363, Some("ES")),
    ("Suva", -18.1416, 178.4419, Some("FJ")),
    ("Taveuni (east of 180)", -16.85, -179.97, Some("FJ")),
    ("Apia", -13.8333, -171.7667, Some("WS")),
    ("Pago Pago", -14.2756, -170.702, Some("AS")),
    ("Chatham Islands", -43.95, -176.56, Some("NZ")),
    // remote land: country known, maybe no town
    ("Sahara (Algeria)", 23.0, 2.0, Some("DZ")),
    ("Greenland ice", 72.0, -40.0, Some("GL")),
    ("Outback", -25.0, 130.0, Some("AU")),
    ("Siberia", 65.0, 110.0, Some("RU")),
    ("Amazon", -5.0, -65.0, Some("BR")),
    // open sea and null island
    ("Mid-Atlantic", -0.5, -30.0, None),
    ("North Atlantic", 45.0, -40.0, None),
    ("Mid-Pacific", 10.0, -140.0, None),
    ("Indian Ocean", -30.0, 80.0, None),
    ("Southern Ocean", -60.0, 100.0, None),
    ("North Pole", 90.0, 0.0, None),
    ("Null island", 0.0, 0.0, None),
];

fn score(g: &Geocoder, verbose: bool) -> (usize, Vec<String>) {
    let mut right = 0;
    let mut wrong = Vec::new();
    for &(what, lat, lon, want) in KNOWN {
        let m = g.lookup_match(lat, lon).unwrap();
        let have = m.as_ref().map(|m| m.place.country_code.to_string());
        if verbose {
            match &m {
                Some(m) => println!(
                    "{what:28} {:>4} {:?}, {:?}, {} ({:.1} km)",
                    m.place.country_code,
                    m.place.city,
                    m.place.region,
                    m.place.country,
                    m.distance_m / 1000.0
                ),
                None => println!("{what:28} none"),
            }
        }
        if have.as_deref() == want {
            right += 1;
        } else {
            wrong.push(format!("{what}: want {want:?}, have {have:?}"));
        }
    }
    (right, wrong)
}

#[test]
fn known_coordinates_with_border_check() {
    let g = Geocoder::embedded().unwrap();
    let (right, wrong) = score(&g, true);
    println!("border-checked: {right}/{} right", KNOWN.len());
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn nearest_place_only_is_measured() {
    let mut options = GeocoderOptions::default();
    options.use_borders = false;
    let g = Geocoder::from_compressed(
        &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/places.bin.z")).unwrap(),
        options,
    )
    .unwrap();
    let (right, wrong) = score(&g, false);
    println!(
        "nearest place only (40 km): {right}/{} right; wrong: {wrong:#?}",
        KNOWN.len()
    );
    // It must still get the plain cases right; its border errors are what the zone check fixes.
    assert!(right * 10 >= KNOWN.len() * 7, "{right}");
}
