//! Offline reverse geocoding: coordinate → city / region / country from a GeoNames extract.
//!
//! # How a lookup decides
//! The nearest populated place alone gets borders wrong (the nearest town to a point in Geneva's
//! suburbs can be French, the nearest place to an Andorran valley Spanish). So the lookup first
//! asks which IANA time zone polygon holds the point (`tzf-rs`, bundled, the same data the
//! timeline crate uses). Time-zone polygons follow national borders (each country has its own
//! zone ids), and the ones over the sea are `Etc/GMT±N`:
//!
//! 1. zone is a land zone known to the table: the nearest place *of that zone's countries*
//!    (the table records, from GeoNames, which countries have places in each zone). Its country
//!    is the answer; its name and region too when it is within [`GeocoderOptions::city_radius_km`],
//!    otherwise only the country is given (the middle of the Sahara is in Algeria, but in no
//!    town).
//! 2. zone is `Etc/*` (open sea) or no zone: a place within
//!    [`GeocoderOptions::coast_radius_km`] (the simplified zone polygons can miss a pier or a
//!    small island), else no place.
//! 3. zone unknown to the table (a zone name GeoNames does not use): the nearest place of any
//!    country within the city radius, else no place.
//!
//! Nearest is by great-circle distance: the search runs on a k-d tree of 3-D unit vectors
//! (chord length orders points exactly as great-circle distance does, and there is no
//! antimeridian or pole seam), and the reported distance is the haversine distance from `geo`.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use geo::{Distance, Haversine, Point};
use serde::{Serialize, Serializer};

use crate::error::Error;

/// The place table built by `scripts/geonames/build_places.py` (GeoNames, CC BY 4.0), in the
/// binary with the `embedded-places` feature (default; about 2.7 MB).
#[cfg(feature = "embedded-places")]
static EMBEDDED: &[u8] = include_bytes!("../data/places.bin.z");

/// Largest decompressed table accepted (the shipped one is about 5 MB).
const MAX_TABLE_BYTES: usize = 64 << 20;

/// An ISO 3166-1 alpha-2 country code (`"FR"`), as GeoNames writes it (including `XK`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl CountryCode {
    /// Validates two ASCII upper-case letters.
    pub fn new(code: &str) -> Option<Self> {
        match code.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => {
                Some(CountryCode([*a, *b]))
            }
            _ => None,
        }
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII upper-case letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A named place: serialises to `{"city": …, "region": …, "country": …, "country_code": "FR"}`.
///
/// `city` and `region` are `null` when the position is inside a country but farther than
/// [`GeocoderOptions::city_radius_km`] from any populated place of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Place {
    /// Nearest populated place (GeoNames, population ≥ 500).
    pub city: Option<String>,
    /// First-level administrative division (state, province, region) of that place.
    pub region: Option<String>,
    /// Country name in English.
    pub country: String,
    /// ISO 3166-1 alpha-2 code.
    pub country_code: CountryCode,
}

/// A lookup answer with how it was reached.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceMatch {
    /// The place.
    pub place: Place,
    /// Haversine distance to the place named as `city`, metres (to the nearest place of the
    /// country when `city` is `None`).
    pub distance_m: f64,
    /// Position of that place.
    pub place_position: (f64, f64),
    /// Whether the country was confirmed by the time-zone polygon (`false`: nearest place only).
    pub border_checked: bool,
}

/// Tuning of a [`Geocoder`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct GeocoderOptions {
    /// Farthest a populated place may be to be named as the `city` (default 40 km).
    pub city_radius_km: f64,
    /// Over open sea (no land zone), a place within this distance is still named
    /// (default 12 km, about the territorial-waters limit); beyond it, no place.
    pub coast_radius_km: f64,
    /// Use the time-zone polygons to keep the answer on the right side of borders (default
    /// true). Off: nearest place within `city_radius_km`, nothing else (faster, less right).
    pub use_borders: bool,
}

impl GeocoderOptions {
    /// Sets [`GeocoderOptions::use_borders`].
    pub fn with_borders(mut self, on: bool) -> Self {
        self.use_borders = on;
        self
    }
    /// Sets [`GeocoderOptions::city_radius_km`].
    pub fn with_city_radius_km(mut self, km: f64) -> Self {
        self.city_radius_km = km;
        self
    }
    /// Sets [`GeocoderOptions::coast_radius_km`].
    pub fn with_coast_radius_km(mut self, km: f64) -> Self {
        self.coast_radius_km = km;
        self
    }
}

impl Default for GeocoderOptions {
    fn default() -> Self {
        GeocoderOptions {
            city_radius_km: 40.0,
            coast_radius_km: 12.0,
            use_borders: true,
        }
    }
}

#[derive(Debug, Clone)]
struct Country {
    code: CountryCode,
    name: String,
}

#[derive(Debug, Clone, Copy)]
struct City {
    /// Unit vector (x, y, z) on the sphere.
    v: [f32; 3],
    /// Latitude and longitude, 1e-5 degree.
    lat: i32,
    lon: i32,
    /// Region index or `u16::MAX`.
    region: u16,
    country: u8,
    name_len: u8,
    name_off: u32,
    /// Row of the place in the table's file order (the key of `places_zh.bin.z`).
    row: u32,
}

/// An offline reverse geocoder over the GeoNames table embedded in the crate.
///
/// Build it once ([`Geocoder::embedded`], ~0.3 s) and share it; [`reverse_geocode`] keeps one
/// in a global.
pub struct Geocoder {
    countries: Vec<Country>,
    regions: Vec<(u8, String)>,
    /// Zone name → country indices that have places in that zone.
    zones: HashMap<String, Vec<u8>>,
    /// Cities in implicit k-d tree order (median of each slice is the node).
    cities: Vec<City>,
    names: String,
    zone_finder: Option<Zones>,
    options: GeocoderOptions,
}

impl fmt::Debug for Geocoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Geocoder")
            .field("countries", &self.countries.len())
            .field("regions", &self.regions.len())
            .field("zones", &self.zones.len())
            .field("places", &self.cities.len())
            .field("options", &self.options)
            .finish()
    }
}

/// The global geocoder of [`reverse_geocode`], built on first use.
/// The time-zone polygons used to keep a place on the right side of a border. Starts with
/// `tzf-rs`'s `EmbeddedFinder`, which queries the bundled data in place (opens in a few ms,
/// about 320 ns a lookup), and switches to the expanded `DefaultFinder` (about 70 ms to build,
/// about 80 ns a lookup) after [`Zones::SWITCH_AFTER`] lookups: a single `albumen info` does
/// not pay the build, a million-photo scan does once. Both answer the same over the same data.
struct Zones {
    embedded: tzf_rs::EmbeddedFinder,
    fast: OnceLock<Option<tzf_rs::DefaultFinder>>,
    lookups: std::sync::atomic::AtomicUsize,
}

impl Zones {
    const SWITCH_AFTER: usize = 300_000;

    fn new() -> Result<Self, Error> {
        let embedded =
            tzf_rs::EmbeddedFinder::from_tzb(tzf_dist::load_lite_tzb()).map_err(|_| {
                Error::CorruptData {
                    offset: 0,
                    what: "time-zone boundary data",
                }
            })?;
        Ok(Zones {
            embedded,
            fast: OnceLock::new(),
            lookups: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    fn name(&self, lon: f64, lat: f64) -> &str {
        use std::sync::atomic::Ordering;
        if self.fast.get().is_none()
            && self.lookups.fetch_add(1, Ordering::Relaxed) >= Self::SWITCH_AFTER
        {
            self.fast
                .get_or_init(|| tzf_rs::DefaultFinder::from_tzb(tzf_dist::load_lite_tzb()).ok());
        }
        match self.fast.get() {
            Some(Some(f)) => f.get_tz_name(lon, lat),
            _ => self.embedded.get_tz_name(lon, lat),
        }
    }
}

#[cfg(feature = "embedded-places")]
static GLOBAL: OnceLock<Option<Geocoder>> = OnceLock::new();

/// Names the place at a position with the global [`Geocoder`] (default options, built on first
/// call). `None` for open sea, for (0, 0) "null island", and for a position out of range.
///
/// ```
/// let p = albumen_geo::reverse_geocode(48.8566, 2.3522).unwrap();
/// assert_eq!(p.country_code.as_str(), "FR");
/// assert!(albumen_geo::reverse_geocode(-0.5, -30.0).is_none()); // mid-Atlantic
/// ```
///
/// Needs the `embedded-places` feature (default); without it, build a [`Geocoder`] with
/// [`Geocoder::from_compressed`] from a table you ship.
#[cfg(feature = "embedded-places")]
pub fn reverse_geocode(lat: f64, lon: f64) -> Option<Place> {
    global()?.lookup(lat, lon).ok().flatten()
}

/// The global geocoder of [`reverse_geocode`].
#[cfg(feature = "embedded-places")]
pub(crate) fn global() -> Option<&'static Geocoder> {
    GLOBAL
        .get_or_init(|| match Geocoder::embedded() {
            Ok(g) => Some(g),
            Err(e) => {
                log::error!("albumen-geo: embedded place table unusable: {e}");
                None
            }
        })
        .as_ref()
}

/// Checks a position: `Ok(false)` for null island, error when out of range.
pub(crate) fn check_position(lat: f64, lon: f64) -> Result<bool, Error> {
    let on_earth = lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon);
    if !on_earth {
        return Err(Error::OutOfRange { lat, lon });
    }
    Ok(!(lat == 0.0 && lon == 0.0))
}

/// Unit vector of a position in degrees.
pub(crate) fn unit_vector(lat: f64, lon: f64) -> [f64; 3] {
    let (la, lo) = (lat.to_radians(), lon.to_radians());
    [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
}

/// Haversine distance in metres (via `geo`).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    Haversine::distance(Point::new(a.1, a.0), Point::new(b.1, b.0))
}

/// Whether two positions (lat, lon in degrees) are within `radius_m` metres of each other by
/// geodesic (haversine) distance: correct across the antimeridian and near the poles, where
/// comparing degrees is not.
///
/// ```
/// // 179.9 E and 179.9 W are 21 km apart, not 359.8 degrees.
/// assert!(albumen_geo::same_place((-17.0, 179.9), (-17.0, -179.9), 25_000.0));
/// ```
pub fn same_place(a: (f64, f64), b: (f64, f64), radius_m: f64) -> bool {
    distance_m(a, b) <= radius_m
}

/// Squared chord between unit vectors for a great-circle distance in km.
fn chord2_for_km(km: f64) -> f64 {
    let angle = (km / 6371.0088).min(std::f64::consts::PI);
    let c = 2.0 * (angle / 2.0).sin();
    c * c
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Error> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        match end {
            Some(end) => {
                let s = &self.data[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(Error::CorruptData {
                offset: self.pos,
                what,
            }),
        }
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, Error> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, Error> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn str(&mut self, len: usize, what: &'static str) -> Result<String, Error> {
        let at = self.pos;
        let b = self.take(len, what)?;
        String::from_utf8(b.to_vec()).map_err(|_| Error::CorruptData { offset: at, what })
    }
    /// A count of records each at least `min_size` bytes: checked against what remains before
    /// anything is allocated for it.
    fn count(&mut self, min_size: usize, what: &'static str) -> Result<usize, Error> {
        let at = self.pos;
        let n = self.u32(what)? as usize;
        let remaining = self.data.len().saturating_sub(self.pos);
        if n.saturating_mul(min_size) > remaining {
            return Err(Error::CorruptData { offset: at, what });
        }
        Ok(n)
    }
}

impl Geocoder {
    /// The geocoder over the embedded GeoNames table, with default options (the
    /// `embedded-places` feature, default).
    #[cfg(feature = "embedded-places")]
    pub fn embedded() -> Result<Self, Error> {
        Self::from_compressed(EMBEDDED, GeocoderOptions::default())
    }

    /// A geocoder over a table in the format written by `scripts/geonames/build_places.py`
    /// (zlib-compressed). A damaged table gives [`Error::CorruptData`], never a panic.
    pub fn from_compressed(data: &[u8], options: GeocoderOptions) -> Result<Self, Error> {
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, MAX_TABLE_BYTES)
            .map_err(|_| Error::CorruptData {
                offset: 0,
                what: "zlib stream",
            })?;
        let mut g = Self::parse(&raw, options)?;
        if options.use_borders {
            g.zone_finder = Some(Zones::new()?);
        }
        Ok(g)
    }

    fn parse(raw: &[u8], options: GeocoderOptions) -> Result<Self, Error> {
        let mut c = Cursor { data: raw, pos: 0 };
        if c.take(8, "magic")? != b"AGEOPLC1" {
            return Err(Error::CorruptData {
                offset: 0,
                what: "magic",
            });
        }
        let n = c.count(3, "country count")?;
        let mut countries = Vec::with_capacity(n);
        for _ in 0..n {
            let at = c.pos;
            let code = c.take(2, "country code")?;
            let code = std::str::from_utf8(code)
                .ok()
                .and_then(CountryCode::new)
                .ok_or(Error::CorruptData {
                    offset: at,
                    what: "country code",
                })?;
            let len = c.u8("country name")? as usize;
            let name = c.str(len, "country name")?;
            countries.push(Country { code, name });
        }
        let n = c.count(2, "region count")?;
        let mut regions = Vec::with_capacity(n);
        for _ in 0..n {
            let at = c.pos;
            let country = c.u8("region country")?;
            if usize::from(country) >= countries.len() {
                return Err(Error::CorruptData {
                    offset: at,
                    what: "region country index",
                });
            }
            let len = c.u8("region name")? as usize;
            regions.push((country, c.str(len, "region name")?));
        }
        let n = c.count(2, "zone count")?;
        let mut zones = HashMap::with_capacity(n);
        for _ in 0..n {
            let len = c.u8("zone name")? as usize;
            let name = c.str(len, "zone name")?;
            let k = c.u8("zone countries")? as usize;
            let at = c.pos;
            let list = c.take(k, "zone countries")?.to_vec();
            if list.iter().any(|&i| usize::from(i) >= countries.len()) {
                return Err(Error::CorruptData {
                    offset: at,
                    what: "zone country index",
                });
            }
            zones.insert(name, list);
        }
        let n = c.count(12, "place count")?;
        let lats = c.take(n * 4, "latitudes")?;
        let lons = c.take(n * 4, "longitudes")?;
        let regs = c.take(n * 2, "regions")?;
        let ctry = c.take(n, "countries")?;
        let lens = c.take(n, "name lengths")?;
        let total: usize = lens.iter().map(|&l| usize::from(l)).sum();
        let names_at = c.pos;
        let names = c.str(total, "names")?;
        let mut cities = Vec::with_capacity(n);
        let mut off = 0usize;
        for i in 0..n {
            let b4 =
                |s: &[u8]| i32::from_le_bytes([s[i * 4], s[i * 4 + 1], s[i * 4 + 2], s[i * 4 + 3]]);
            let (lat, lon) = (b4(lats), b4(lons));
            let region = u16::from_le_bytes([regs[i * 2], regs[i * 2 + 1]]);
            let country = ctry[i];
            let name_len = lens[i];
            let bad = |what| Error::CorruptData {
                offset: names_at,
                what,
            };
            if !(-9_000_000..=9_000_000).contains(&lat)
                || !(-18_000_000..=18_000_000).contains(&lon)
            {
                return Err(bad("place position"));
            }
            if usize::from(country) >= countries.len()
                || (region != u16::MAX && usize::from(region) >= regions.len())
            {
                return Err(bad("place index"));
            }
            if !names.is_char_boundary(off) || !names.is_char_boundary(off + usize::from(name_len))
            {
                return Err(bad("place name boundary"));
            }
            let v = unit_vector(f64::from(lat) * 1e-5, f64::from(lon) * 1e-5);
            cities.push(City {
                v: [v[0] as f32, v[1] as f32, v[2] as f32],
                lat,
                lon,
                region,
                country,
                name_len,
                // total < 64 MiB, so fits in u32
                name_off: off as u32,
                // n < 64 MiB / 12, so fits in u32
                row: i as u32,
            });
            off += usize::from(name_len);
        }
        build_kd(&mut cities, 0);
        Ok(Geocoder {
            countries,
            regions,
            zones,
            cities,
            names,
            zone_finder: None,
            options,
        })
    }

    /// Number of places in the table.
    pub fn len(&self) -> usize {
        self.cities.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.cities.is_empty()
    }

    /// The options in force.
    pub fn options(&self) -> GeocoderOptions {
        self.options
    }

    /// Names the place at a position. `Ok(None)` for open sea and (0, 0) null island;
    /// [`Error::OutOfRange`] for a position that is not on Earth.
    pub fn lookup(&self, lat: f64, lon: f64) -> Result<Option<Place>, Error> {
        Ok(self.lookup_match(lat, lon)?.map(|m| m.place))
    }

    /// Like [`Geocoder::lookup`], with the distance to the place and how it was decided.
    pub fn lookup_match(&self, lat: f64, lon: f64) -> Result<Option<PlaceMatch>, Error> {
        Ok(self.lookup_row(lat, lon)?.map(|(m, _)| m))
    }

    /// Like [`Geocoder::lookup_match`], with the row (file order) of the place named as
    /// `city` when there is one (the key of the Chinese names, [`crate::ChineseNames`]).
    pub(crate) fn lookup_row(
        &self,
        lat: f64,
        lon: f64,
    ) -> Result<Option<(PlaceMatch, Option<u32>)>, Error> {
        if !check_position(lat, lon)? {
            return Ok(None);
        }
        let q = unit_vector(lat, lon);
        let city_r2 = chord2_for_km(self.options.city_radius_km);
        let zone = self
            .zone_finder
            .as_ref()
            .map(|f| f.name(lon, lat))
            .filter(|z| !z.is_empty());
        let countries = match zone {
            None if self.zone_finder.is_some() => {
                return Ok(self.any_within_row(&q, self.options.coast_radius_km, false));
            }
            None => return Ok(self.any_within_row(&q, self.options.city_radius_km, false)),
            Some(z) if z.starts_with("Etc/") => {
                return Ok(self.any_within_row(&q, self.options.coast_radius_km, true));
            }
            Some(z) => match self.zones.get(z) {
                Some(list) if !list.is_empty() => list,
                _ => return Ok(self.any_within_row(&q, self.options.city_radius_km, false)),
            },
        };
        // Nearest place of the zone's countries; a zone's countries have places within a few
        // hundred km of any of its points, 3000 km bounds the search for odd cases.
        let best = nearest(&self.cities, &q, chord2_for_km(3000.0), 0, &|c: &City| {
            countries.contains(&c.country)
        });
        let Some((i, d2)) = best else {
            return Ok(None);
        };
        let Some(city) = self.cities.get(i) else {
            return Ok(None);
        };
        let mut m = self.to_match(city, lat, lon, true);
        let mut row = Some(city.row);
        if d2 > city_r2 {
            m.place.city = None;
            m.place.region = None;
            row = None;
        }
        Ok(Some((m, row)))
    }

    fn any_within_row(
        &self,
        q: &[f64; 3],
        km: f64,
        border_checked: bool,
    ) -> Option<(PlaceMatch, Option<u32>)> {
        let (lat, lon) = (q[2].asin().to_degrees(), q[1].atan2(q[0]).to_degrees());
        let (i, _) = nearest(&self.cities, q, chord2_for_km(km), 0, &|_: &City| true)?;
        let city = self.cities.get(i)?;
        Some((
            self.to_match(city, lat, lon, border_checked),
            Some(city.row),
        ))
    }

    fn to_match(&self, city: &City, lat: f64, lon: f64, border_checked: bool) -> PlaceMatch {
        let country = self.countries.get(usize::from(city.country));
        let start = city.name_off as usize;
        let name = self
            .names
            .get(start..start + usize::from(city.name_len))
            .map(str::to_owned);
        let region = self
            .regions
            .get(usize::from(city.region))
            .map(|r| r.1.clone());
        let pos = (f64::from(city.lat) * 1e-5, f64::from(city.lon) * 1e-5);
        PlaceMatch {
            place: Place {
                city: name,
                region,
                country: country.map(|c| c.name.clone()).unwrap_or_default(),
                country_code: country.map(|c| c.code).unwrap_or(CountryCode(*b"ZZ")),
            },
            distance_m: distance_m((lat, lon), pos),
            place_position: pos,
            border_checked,
        }
    }
}

/// Orders `cities` as an implicit k-d tree: the median (by axis `depth % 3`) of each slice is
/// its node, the halves its subtrees.
fn build_kd(cities: &mut [City], depth: usize) {
    if cities.len() <= 1 {
        return;
    }
    let axis = depth % 3;
    let mid = cities.len() / 2;
    cities.select_nth_unstable_by(mid, |a, b| a.v[axis].total_cmp(&b.v[axis]));
    let (left, right) = cities.split_at_mut(mid);
    build_kd(left, depth + 1);
    if let Some((_, right)) = right.split_first_mut() {
        build_kd(right, depth + 1);
    }
}

/// Nearest city accepted by `keep` with squared chord below `max_d2`: (index into the slice,
/// squared chord).
fn nearest(
    cities: &[City],
    q: &[f64; 3],
    max_d2: f64,
    depth: usize,
    keep: &dyn Fn(&City) -> bool,
) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    let mut bound = max_d2;
    search(cities, 0, q, depth, keep, &mut best, &mut bound);
    best
}

fn search(
    cities: &[City],
    base: usize,
    q: &[f64; 3],
    depth: usize,
    keep: &dyn Fn(&City) -> bool,
    best: &mut Option<(usize, f64)>,
    bound: &mut f64,
) {
    let mid = cities.len() / 2;
    let Some(node) = cities.get(mid) else {
        return;
    };
    let d2: f64 = (0..3)
        .map(|k| {
            let d = f64::from(node.v[k]) - q[k];
            d * d
        })
        .sum();
    if d2 < *bound && keep(node) {
        *bound = d2;
        *best = Some((base + mid, d2));
    }
    let axis = depth % 3;
    let diff = q[axis] - f64::from(node.v[axis]);
    let (left, right) = cities.split_at(mid);
    let right = right.get(1..).unwrap_or(&[]);
    let (near, near_base, far, far_base) = if diff < 0.0 {
        (left, base, right, base + mid + 1)
    } else {
        (right, base + mid + 1, left, base)
    };
    search(near, near_base, q, depth + 1, keep, best, bound);
    if diff * diff < *bound {
        search(far, far_base, q, depth + 1, keep, best, bound);
    }
}

#[cfg(test)]
#[cfg(feature = "embedded-places")]
mod tests {
    use super::*;

    fn g() -> &'static Geocoder {
        static G: OnceLock<Geocoder> = OnceLock::new();
        G.get_or_init(|| Geocoder::embedded().unwrap())
    }

    #[test]
    fn country_code_validates() {
        assert_eq!(CountryCode::new("FR").unwrap().as_str(), "FR");
        assert!(CountryCode::new("fr").is_none());
        assert!(CountryCode::new("FRA").is_none());
    }

    #[test]
    fn place_serialises_to_the_four_keys() {
        let p = g().lookup(48.8566, 2.3522).unwrap().unwrap();
        let text = serde_json::to_string(&p).unwrap();
        assert!(text.starts_with(r#"{"city":"#), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["city", "country", "country_code", "region"]);
        assert_eq!(v["country_code"], "FR");
        assert_eq!(v["country"], "France");
        assert_eq!(v["region"], "Ile-de-France"); // admin1 names are ASCII in the extract
    }

    #[test]
    fn out_of_range_is_an_error_and_null_island_is_none() {
        assert!(matches!(
            g().lookup(91.0, 0.0),
            Err(Error::OutOfRange { .. })
        ));
        assert!(g().lookup(0.0, 181.0).is_err());
        assert!(g().lookup(f64::NAN, 0.0).is_err());
        assert_eq!(g().lookup(0.0, 0.0).unwrap(), None);
    }

    #[test]
    fn nearest_matches_brute_force() {
        let g = g();
        for (lat, lon) in [
            (10.0, 10.0),
            (-33.9, 18.4),
            (64.1, -21.9),
            (-77.8, 166.7),
            (0.1, 179.99),
        ] {
            let q = unit_vector(lat, lon);
            let (i, _) = nearest(&g.cities, &q, 10.0, 0, &|_| true).unwrap();
            let brute = g
                .cities
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    let d: f64 = (0..3).map(|k| (f64::from(c.v[k]) - q[k]).powi(2)).sum();
                    (j, d)
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            let d_tree: f64 = (0..3)
                .map(|k| (f64::from(g.cities[i].v[k]) - q[k]).powi(2))
                .sum();
            assert!((d_tree - brute.1).abs() < 1e-12, "{lat},{lon}");
        }
    }

    /// A tiny table in the documented format: FR and DE, one region, one zone, three places.
    fn tiny_table() -> Vec<u8> {
        let mut b = b"AGEOPLC1".to_vec();
        b.extend(2u32.to_le_bytes());
        for (cc, name) in [("DE", "Germany"), ("FR", "France")] {
            b.extend(cc.as_bytes());
            b.push(name.len() as u8);
            b.extend(name.as_bytes());
        }
        b.extend(1u32.to_le_bytes());
        b.push(1);
        b.push(6);
        b.extend(b"Alsace");
        b.extend(1u32.to_le_bytes());
        b.push(12);
        b.extend(b"Europe/Paris");
        b.push(1);
        b.push(1);
        let places = [
            (48.5734, 7.7521, 0u16, 1u8, "Strasbourg"),
            (48.5722, 7.8156, u16::MAX, 0, "Kehl"),
            (48.8566, 2.3522, u16::MAX, 1, "Paris"),
        ];
        b.extend((places.len() as u32).to_le_bytes());
        for p in places {
            b.extend(((p.0 * 1e5) as i32).to_le_bytes());
        }
        for p in places {
            b.extend(((p.1 * 1e5) as i32).to_le_bytes());
        }
        for p in places {
            b.extend(p.2.to_le_bytes());
        }
        for p in places {
            b.push(p.3);
        }
        for p in places {
            b.push(p.4.len() as u8);
        }
        for p in places {
            b.extend(p.4.as_bytes());
        }
        b
    }

    #[test]
    fn tiny_table_parses_and_hostile_mutations_never_panic() {
        let opts = GeocoderOptions::default().with_borders(false);
        let raw = tiny_table();
        let g = Geocoder::parse(&raw, opts).unwrap();
        let p = g.lookup(48.58, 7.76).unwrap().unwrap();
        assert_eq!(p.city.as_deref(), Some("Strasbourg"));
        assert_eq!(p.region.as_deref(), Some("Alsace"));
        assert_eq!(p.country_code.as_str(), "FR");
        assert_eq!(g.lookup(48.572, 7.82).unwrap().unwrap().country, "Germany");
        assert_eq!(g.lookup(10.0, 10.0).unwrap(), None);
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for _ in 0..20_000 {
            let mut m = raw.clone();
            for _ in 0..(next() % 4 + 1) {
                let i = (next() % m.len() as u64) as usize;
                m[i] = next() as u8;
            }
            let cut = (next() % (m.len() as u64 + 1)) as usize;
            m.truncate(if next() % 4 == 0 { cut } else { m.len() });
            if let Ok(g) = Geocoder::parse(&m, opts) {
                let _ = g.lookup(48.58, 7.76);
            }
        }
    }

    #[test]
    fn corrupt_tables_are_errors() {
        assert!(Geocoder::from_compressed(b"not zlib", GeocoderOptions::default()).is_err());
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib(EMBEDDED).unwrap();
        // Every truncation is an error, never a panic (checked at a spread of lengths).
        for cut in (0..raw.len())
            .step_by(raw.len() / 97 + 1)
            .chain([1, 7, 8, 9, 13])
        {
            assert!(Geocoder::parse(&raw[..cut], GeocoderOptions::default()).is_err());
        }
        let mut bad = raw.clone();
        bad[8] = 0xFF; // country count huge
        bad[9] = 0xFF;
        assert!(Geocoder::parse(&bad, GeocoderOptions::default()).is_err());
    }
}
