//! Map clusters at every zoom and offline place names for photo positions.
#![forbid(unsafe_code)]

mod cluster;
mod error;
mod places;
mod scan;

pub use cluster::{resolution_for_zoom, Bbox, Cluster, ClusterIndex, ClusterIndexBuilder, ItemId};
pub use error::Error;
pub use places::{
    distance_m, reverse_geocode, CountryCode, Geocoder, GeocoderOptions, Place, PlaceMatch,
};
pub use scan::{scan_positions, walk, GeoFile, GeoScan};
