#!/usr/bin/env bash
# Vendors the page's JavaScript libraries from the npm registry into
# crates/albumen-server/assets/vendor/ (built into the binary by include_bytes!), with their
# licences. Run it to update them; the vendored files are committed, so building needs no network.
#   leaflet 1.9.4 (BSD-2-Clause): the map (pan, zoom, markers) without any tile server.
#   world-atlas 2.0.2 (ISC; data: Natural Earth, public domain): countries-50m.json, the offline
#     base map (country outlines, ~740 kB TopoJSON).
#   topojson-client 3.1.0 (ISC): turns that TopoJSON into GeoJSON in the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
out=crates/albumen-server/assets/vendor
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent leaflet@1.9.4 world-atlas@2.0.2 topojson-client@3.1.0 >/dev/null )
for t in "$tmp"/*.tgz; do d="$tmp/$(basename "$t" .tgz)"; mkdir -p "$d"; tar -xzf "$t" -C "$d"; done
rm -rf "$out"; mkdir -p "$out"
cp "$tmp"/leaflet-1.9.4/package/dist/leaflet.js "$out"/leaflet.js
cp "$tmp"/leaflet-1.9.4/package/dist/leaflet.css "$out"/leaflet.css
cp "$tmp"/leaflet-1.9.4/package/LICENSE "$out"/LICENSE.leaflet
cp "$tmp"/world-atlas-2.0.2/package/countries-50m.json "$out"/countries-50m.json
cp "$tmp"/world-atlas-2.0.2/package/LICENSE "$out"/LICENSE.world-atlas
cp "$tmp"/topojson-client-3.1.0/package/dist/topojson-client.min.js "$out"/topojson-client.min.js
cp "$tmp"/topojson-client-3.1.0/package/LICENSE "$out"/LICENSE.topojson-client
ls -l "$out"
