//! The error type of the crate.

/// Everything that can go wrong in `albumen-timeline`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A zone name that is not in the IANA database (`--home-zone Mars/Olympus`).
    #[error("unknown time zone {name:?} (expected an IANA name such as Europe/Paris)")]
    UnknownZone {
        /// The name given.
        name: String,
    },
    /// The bundled time-zone boundary data could not be loaded.
    #[error("time-zone boundary data could not be loaded: {0}")]
    ZoneData(String),
}
