//! Map clusters at every zoom and offline place names for photo positions.
//!
//! # Brief overview
//! - [`ClusterIndex`] answers "the clusters inside this bounding box at web-map zoom 0–20",
//!   each a [`Cluster`] with a count, a representative item and a spherical centroid. Points
//!   are keyed by their H3 cell (`h3o`) at a fine resolution in one sorted array with prefix
//!   sums, so any coarser cell is a range: 1M points build in a fraction of a second, hold ~44
//!   bytes each, and a viewport is answered in about a millisecond. Items are added and removed
//!   without a rebuild. [`ClusterIndexBuilder`] sets the fine resolution; [`Bbox`] is a validated
//!   box (west > east crosses the antimeridian); [`resolution_for_zoom`] maps zooms to H3.
//! - [`Geocoder`] names a position offline: city, region, country and ISO code ([`Place`]) from
//!   a GeoNames extract embedded in the crate (see `data/README.md`: CC BY 4.0), checked
//!   against time-zone polygons so that answers stay on the right side of borders and open sea
//!   is "no place". [`reverse_geocode`] uses a global one built on first use. The table is
//!   the `embedded-places` feature (default, about 2.7 MB in the binary); without it,
//!   [`Geocoder::from_compressed`] takes a table the application ships or downloads.
//! - [`scan_positions`] walks folders and reads every file's GPS position with
//!   `albumen_meta::read_path`, in parallel (what `albumen map` and `albumen places` use).
//! - [`distance_m`] / [`same_place`]: geodesic (haversine, via `geo`) distances, never degrees.
//! - [`Error`] is the one error type: positions out of range, bad boxes or zooms, a damaged
//!   place table, I/O while walking. (0, 0) "null island" is treated as missing, not an error.
//!
//! # Example
//! ```
//! use albumen_geo::{reverse_geocode, Bbox, ClusterIndex};
//!
//! // Three photos in Paris, one in London, one with a broken (0, 0) position.
//! let photos = [(48.8584, 2.2945), (48.8606, 2.3376), (48.853, 2.3499), (51.5007, -0.1246), (0.0, 0.0)];
//! let index = ClusterIndex::build(&photos)?;
//!
//! // Zoom 4 (a continent): Paris is one cluster of 3, London one of 1.
//! let mut clusters = index.clusters(Bbox::WORLD, 4)?;
//! clusters.sort_by_key(|c| std::cmp::Reverse(c.count));
//! assert_eq!(clusters[0].count, 3);
//! let rep = clusters[0].representative as usize; // an index into `photos`
//! let place = reverse_geocode(photos[rep].0, photos[rep].1).expect("Paris has a name");
//! assert_eq!((place.country_code.as_str(), place.region.as_deref()), ("FR", Some("Ile-de-France")));
//!
//! // Only what is in view, here a box around Paris at street level.
//! let paris = Bbox::new(2.2, 48.8, 2.45, 48.9)?;
//! assert_eq!(index.clusters(paris, 18)?.iter().map(|c| c.count).sum::<u64>(), 3);
//! # Ok::<(), albumen_geo::Error>(())
//! ```
#![forbid(unsafe_code)]

mod cluster;
mod error;
mod places;
mod scan;
mod zh;

pub use cluster::{
    ancestor_masks, centroid, fine_range, map_key, resolution_for_zoom, Bbox, Cluster,
    ClusterIndex, ClusterIndexBuilder, ItemId, MapKey, FINE_RESOLUTION,
};
pub use error::Error;
#[cfg(feature = "embedded-places")]
pub use places::reverse_geocode;
pub use places::{
    distance_m, same_place, CountryCode, Geocoder, GeocoderOptions, Place, PlaceMatch,
};
pub use scan::{scan_positions, GeoFile, GeoScan};
#[cfg(feature = "embedded-places")]
pub use zh::reverse_geocode_zh;
pub use zh::{ChineseNames, PlaceZh};
