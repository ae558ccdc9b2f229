//! The page and its assets, built into the binary: the page's own HTML, JavaScript and CSS,
//! and the JavaScript libraries `scripts/web-assets.sh` vendors from the npm registry (leaflet,
//! topojson-client, world-atlas' country outlines), with their licences. Nothing is read from
//! the file system, so no URL can name a file.
//!
//! The page is installable: a web app manifest (`/assets/manifest.webmanifest`), icons made by
//! `scripts/make-icons.py`, and a service worker served at `/sw.js` (scope `/`) that keeps only
//! these assets, never API answers or photos. `/assets/modules.json` lists the page's optional
//! scripts (every top-level `*.js` here but `app.js` and `sw.js`, e.g. `albums.js`), which the
//! page loads after login.

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
        "sw.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/sw.js"),
    ),
    (
        "manifest.webmanifest",
        "application/manifest+json",
        include_bytes!("../assets/manifest.webmanifest"),
    ),
    (
        "icons/icon.svg",
        "image/svg+xml",
        include_bytes!("../assets/icons/icon.svg"),
    ),
    (
        "icons/icon-192.png",
        "image/png",
        include_bytes!("../assets/icons/icon-192.png"),
    ),
    (
        "icons/icon-512.png",
        "image/png",
        include_bytes!("../assets/icons/icon-512.png"),
    ),
    (
        "icons/icon-maskable-512.png",
        "image/png",
        include_bytes!("../assets/icons/icon-maskable-512.png"),
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
    if name == "modules.json" {
        return Some(("application/json", modules_json()));
    }
    ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, m, b)| (*m, *b))
}

/// The page's optional scripts: every top-level `*.js` asset but the page's own `app.js` and
/// the service worker, as a JSON array of names (`["albums.js"]`).
///
/// ```
/// let names: Vec<String> = serde_json::from_slice(albumen_server::assets::modules_json()).unwrap();
/// assert!(!names.iter().any(|n| n == "app.js" || n == "sw.js" || n.contains('/')));
/// ```
pub fn modules_json() -> &'static [u8] {
    static JSON: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        let names: Vec<&str> = ASSETS
            .iter()
            .map(|(n, _, _)| *n)
            .filter(|n| n.ends_with(".js") && !n.contains('/'))
            // share.js belongs to the share page (`/s/TOKEN`), not to the signed-in page
            .filter(|n| !matches!(*n, "app.js" | "sw.js" | "share.js"))
            .collect();
        serde_json::to_vec(&names).unwrap_or_else(|_| b"[]".to_vec())
    })
}

/// `GET /sw.js`: the service worker, from the site's root so its scope is the whole page;
/// never cached by the browser's HTTP cache (a new version is picked up at once).
pub async fn service_worker() -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let body: &'static [u8] = get("sw.js").map(|(_, b)| b).unwrap_or(b"");
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
