//! Chinese names of the places and countries of the place table, for search in Chinese
//! ("巴黎" finds the photos [`crate::reverse_geocode`] names Paris).
//!
//! The table (`data/places_zh.bin.z`, built by `scripts/geonames/build_places_zh.py`) holds,
//! for the places of `places.bin.z` that GeoNames gives a name in Han characters (47,831 of
//! 234,908), those names, and a Chinese name for each country (from the npm package
//! `i18n-iso-countries`). GeoNames' alternate names come without language tags in the package
//! they are taken from, so a Japanese place's kanji name counts as well (see the script).

use std::collections::HashMap;
#[cfg(feature = "embedded-places")]
use std::sync::OnceLock;

use serde::Serialize;

use crate::error::Error;
use crate::places::{CountryCode, Geocoder, Place};

/// The Chinese-name table, in the binary with the `embedded-places` feature (about 500 KB).
#[cfg(feature = "embedded-places")]
static EMBEDDED_ZH: &[u8] = include_bytes!("../data/places_zh.bin.z");

/// Largest decompressed table accepted (the shipped one is about 1 MB).
const MAX_ZH_BYTES: usize = 16 << 20;

/// Chinese names of places (by row of the place table) and of countries.
#[derive(Debug)]
pub struct ChineseNames {
    countries: HashMap<CountryCode, String>,
    /// Row of the place table → the place's names, separated by `\n`.
    places: HashMap<u32, String>,
}

/// The Chinese names of one place: `{"city": ["巴黎"], "country": "法国"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlaceZh {
    /// Names of the place named as `city` (most common form first); empty when GeoNames has
    /// none in Han characters or when the position is named by its country only.
    pub city: Vec<String>,
    /// The country's name in Chinese.
    pub country: Option<String>,
}

fn corrupt(offset: usize, what: &'static str) -> Error {
    Error::CorruptData { offset, what }
}

/// The next `n` bytes of `raw` at `*pos`, moving `*pos` past them.
fn take<'a>(
    raw: &'a [u8],
    pos: &mut usize,
    n: usize,
    what: &'static str,
) -> Result<&'a [u8], Error> {
    let end = pos
        .checked_add(n)
        .filter(|&e| e <= raw.len())
        .ok_or(corrupt(*pos, what))?;
    let s = &raw[*pos..end];
    *pos = end;
    Ok(s)
}

/// A little-endian `u32` from 4 bytes (callers pass exactly 4).
fn u32_of(b: &[u8]) -> u32 {
    match b {
        [a, b, c, d, ..] => u32::from_le_bytes([*a, *b, *c, *d]),
        _ => 0,
    }
}

impl ChineseNames {
    /// The table embedded in the crate (the `embedded-places` feature, default).
    #[cfg(feature = "embedded-places")]
    pub fn embedded() -> Result<Self, Error> {
        Self::from_compressed(EMBEDDED_ZH)
    }

    /// A table in the format written by `scripts/geonames/build_places_zh.py`
    /// (zlib-compressed). A damaged table gives [`Error::CorruptData`], never a panic.
    pub fn from_compressed(data: &[u8]) -> Result<Self, Error> {
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, MAX_ZH_BYTES)
            .map_err(|_| corrupt(0, "zlib stream"))?;
        Self::parse(&raw)
    }

    fn parse(raw: &[u8]) -> Result<Self, Error> {
        let mut pos = 0usize;
        if take(raw, &mut pos, 8, "magic")? != b"AGEOZH01" {
            return Err(corrupt(0, "magic"));
        }
        let n = u32_of(take(raw, &mut pos, 4, "country count")?) as usize;
        let mut countries = HashMap::with_capacity(n.min(1024));
        for _ in 0..n {
            let at = pos;
            let code = take(raw, &mut pos, 2, "country code")?;
            let code = std::str::from_utf8(code)
                .ok()
                .and_then(CountryCode::new)
                .ok_or(corrupt(at, "country code"))?;
            let len = usize::from(take(raw, &mut pos, 1, "country name")?[0]);
            let at = pos;
            let name = std::str::from_utf8(take(raw, &mut pos, len, "country name")?)
                .map_err(|_| corrupt(at, "country name"))?;
            countries.insert(code, name.to_string());
        }
        let at = pos;
        let n = u32_of(take(raw, &mut pos, 4, "place count")?) as usize;
        // Each place takes at least 6 bytes: checked before anything is allocated for it.
        if n.saturating_mul(6) > raw.len().saturating_sub(pos) {
            return Err(corrupt(at, "place count"));
        }
        let rows = take(raw, &mut pos, n * 4, "place rows")?;
        let lens = take(raw, &mut pos, n * 2, "name lengths")?;
        let mut places = HashMap::with_capacity(n);
        for i in 0..n {
            let row = u32_of(&rows[i * 4..i * 4 + 4]);
            let len = usize::from(u16::from_le_bytes([lens[i * 2], lens[i * 2 + 1]]));
            let at = pos;
            let names = std::str::from_utf8(take(raw, &mut pos, len, "names")?)
                .map_err(|_| corrupt(at, "place names"))?;
            places.insert(row, names.to_string());
        }
        Ok(ChineseNames { countries, places })
    }

    /// Number of places with a Chinese name.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// Whether no place has a Chinese name.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The Chinese name of a country.
    pub fn country(&self, code: CountryCode) -> Option<&str> {
        self.countries.get(&code).map(String::as_str)
    }

    fn city(&self, row: u32) -> Vec<String> {
        self.places
            .get(&row)
            .map(|s| s.split('\n').map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Names the place at a position with `geocoder` (which must read the same place table
    /// this one was built for), in English and Chinese.
    pub fn lookup(
        &self,
        geocoder: &Geocoder,
        lat: f64,
        lon: f64,
    ) -> Result<Option<(Place, PlaceZh)>, Error> {
        let Some((m, row)) = geocoder.lookup_row(lat, lon)? else {
            return Ok(None);
        };
        let zh = PlaceZh {
            city: row.map(|r| self.city(r)).unwrap_or_default(),
            country: self.country(m.place.country_code).map(str::to_string),
        };
        Ok(Some((m.place, zh)))
    }
}

#[cfg(feature = "embedded-places")]
static GLOBAL_ZH: OnceLock<Option<ChineseNames>> = OnceLock::new();

/// Like [`crate::reverse_geocode`], with the place's Chinese names too (the embedded tables,
/// built on first call).
///
/// ```
/// // The nearest GeoNames place is the 4th arrondissement; it takes the names of Paris.
/// let (place, zh) = albumen_geo::reverse_geocode_zh(48.8566, 2.3522).unwrap();
/// assert!(place.city.unwrap().starts_with("Paris"));
/// assert!(zh.city.iter().any(|n| n == "巴黎"));
/// assert_eq!(zh.country.as_deref(), Some("法国"));
/// ```
#[cfg(feature = "embedded-places")]
pub fn reverse_geocode_zh(lat: f64, lon: f64) -> Option<(Place, PlaceZh)> {
    let geocoder = crate::places::global()?;
    let names = GLOBAL_ZH
        .get_or_init(|| match ChineseNames::embedded() {
            Ok(n) => Some(n),
            Err(e) => {
                log::error!("albumen-geo: embedded Chinese place names unusable: {e}");
                None
            }
        })
        .as_ref();
    match names {
        Some(n) => n.lookup(geocoder, lat, lon).ok().flatten(),
        None => geocoder
            .lookup(lat, lon)
            .ok()
            .flatten()
            .map(|p| (p, PlaceZh::default())),
    }
}

#[cfg(all(test, feature = "embedded-places"))]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_names_big_cities_in_chinese() {
        let n = ChineseNames::embedded().unwrap_or_else(|e| panic!("{e}"));
        assert!(n.len() > 40_000, "{}", n.len());
        for (lat, lon, city, country) in [
            (39.9042, 116.4074, "北京", "中国"),
            (52.52, 13.405, "柏林", "德国"),
            (45.76, 4.835, "里昂", "法国"),
        ] {
            let (_, zh) = reverse_geocode_zh(lat, lon).unwrap_or_else(|| panic!("{city}"));
            assert!(zh.city.iter().any(|c| c == city), "{city}: {zh:?}");
            assert_eq!(zh.country.as_deref(), Some(country));
        }
        // Open sea: no place.
        assert!(reverse_geocode_zh(-0.5, -30.0).is_none());
    }

    #[test]
    fn damaged_tables_are_errors() {
        assert!(ChineseNames::from_compressed(b"not zlib").is_err());
        let mut raw = b"AGEOZH01".to_vec();
        raw.extend(0u32.to_le_bytes());
        raw.extend(u32::MAX.to_le_bytes());
        assert!(ChineseNames::parse(&raw).is_err());
        raw.truncate(12);
        raw.extend(1u32.to_le_bytes());
        raw.extend(7u32.to_le_bytes());
        raw.extend(200u16.to_le_bytes());
        assert!(ChineseNames::parse(&raw).is_err());
        let ok = ChineseNames::parse(
            &raw[..12]
                .iter()
                .chain(&0u32.to_le_bytes())
                .copied()
                .collect::<Vec<_>>(),
        );
        assert!(ok.is_ok_and(|t| t.is_empty()));
    }
}
