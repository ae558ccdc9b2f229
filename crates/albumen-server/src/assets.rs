//! The page and its assets, built into the binary: the page's own HTML, JavaScript and CSS,
//! and the JavaScript libraries `scripts/web-assets.sh` vendors from the npm registry (leaflet,
//! topojson-client, world-atlas' country outlines), with their licences. Nothing is read from
//! the file system, so no URL can name a file.

/// The page.
pub const INDEX_HTML: &str = include_str!("../assets/index.html");

/// `(name, content type, bytes)` of every asset under `/assets/`.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "verify.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/verify.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "albums.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/albums.js"),
    ),
    (
        "share.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/share.js"),
    ),
    (
        "vendor/leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/vendor/leaflet.js"),
    ),
    (
        "vendor/leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/vendor/leaflet.css"),
    ),
    (
        "vendor/topojson-client.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/vendor/topojson-client.min.js"),
    ),
    (
        "vendor/countries-50m.json",
        "application/json",
        include_bytes!("../assets/vendor/countries-50m.json"),
    ),
    (
        "vendor/LICENSE.leaflet",
        "text/plain; charset=utf-8",
        include_bytes!("../assets/vendor/LICENSE.leaflet"),
    ),
    (
        "vendor/LICENSE.topojson-client",
        "text/plain; charset=utf-8",
        include_bytes!("../assets/vendor/LICENSE.topojson-client"),
    ),
    (
        "vendor/LICENSE.world-atlas",
        "text/plain; charset=utf-8",
        include_bytes!("../assets/vendor/LICENSE.world-atlas"),
    ),
];

/// The content type and bytes of asset `name` (exact match in [`ASSETS`]).
///
/// ```
/// assert!(albumen_server::assets::get("app.js").is_some());
/// assert!(albumen_server::assets::get("../Cargo.toml").is_none());
/// ```
pub fn get(name: &str) -> Option<(&'static str, &'static [u8])> {
    ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, m, b)| (*m, *b))
}
