#!/usr/bin/env bash
# The real-browser test of `albumen serve` (issue 15): Debian's chromium, headless, driven
# through chromium-driver by Python selenium (from PyPI; installed into a venv under target/
# when missing). It builds a small library (the corpus' Live Photos plus generated, geotagged,
# dated JPEGs), adds a user, serves it with --allow-edit, then: logs in, waits for thumbnails,
# scrolls, opens the map and zooms in until a cluster splits, opens a cluster, opens an item,
# plays a Live Photo, shifts a date and sees the item move in the timeline, undoes it, switches
# to Chinese. Any console error fails the test. Screenshots: $OUT (default target/browser-test).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${ALBUMEN_BIN:-$ROOT/target/release/albumen}
CORPUS=${ALBUMEN_CORPUS:-$ROOT/../shared/corpus}
OUT=${OUT:-$ROOT/target/browser-test}
[ -x "$BIN" ] || cargo build --release --quiet
for t in chromium chromedriver convert exiftool; do
  command -v "$t" >/dev/null || { echo "browser test: $t is not installed (apt: chromium chromium-driver imagemagick libimage-exiftool-perl)"; exit 1; }
done
PY=python3
if ! $PY -c 'import selenium' 2>/dev/null; then
  [ -x target/browser-venv/bin/python ] || python3 -m venv target/browser-venv
  target/browser-venv/bin/pip install --quiet 'selenium>=4.20'
  PY=target/browser-venv/bin/python
fi
tmp=$(mktemp -d /tmp/albumen-browser.XXXXXX)
srv=
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/family" "$OUT"
cp -r "$CORPUS/crafted/live/iphone" "$CORPUS/crafted/live/no-id" "$CORPUS/crafted/live/motion" "$tmp/family/"
chmod -R u+w "$tmp/family"
# Generated photos: 8 around Paris, 8 around Lyon, 8 in Berlin, dated 2021-2024 (local time
# with offset), so the map has clusters that split when zooming in and the timeline has years.
gen() { # name lat lon date
  convert -size 480x360 "gradient:$5" -quality 80 "$tmp/family/$1.jpg"
  exiftool -q -overwrite_original -DateTimeOriginal="$4" -CreateDate="$4" -OffsetTimeOriginal=+02:00 \
    -Make=albumen -Model="Test Camera" -GPSLatitude="$2" -GPSLatitudeRef=N -GPSLongitude="$3" -GPSLongitudeRef=E \
    "$tmp/family/$1.jpg"
}
colors=(red-blue orange-navy green-yellow purple-white teal-black pink-gray gold-brown cyan-magenta)
for i in 0 1 2 3 4 5 6 7; do
  gen "paris_$i" "48.85$i" "2.35$i" "2024:0$((i + 1)):1$i 12:00:00" "${colors[$i]}"
  gen "lyon_$i" "45.76$i" "4.83$i" "2023:0$((i + 1)):2$i 10:30:00" "${colors[$(( (i + 3) % 8 ))]}"
  gen "berlin_$i" "52.52$i" "13.40$i" "2022:1$((i % 3)):0$((i + 1)) 09:15:00" "${colors[$(( (i + 5) % 8 ))]}"
done
"$BIN" scan "$tmp/family" --db "$tmp/index.db" --library family >/dev/null 2>&1 || [ $? = 1 ]
echo "correct horse battery" | "$BIN" user add anna --db "$tmp/index.db" >/dev/null
"$BIN" user grant anna family --db "$tmp/index.db" >/dev/null
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --db "$tmp/index.db" --listen "127.0.0.1:$port" --cache "$tmp/cache" --allow-edit 2>"$tmp/server.log" &
srv=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
$PY "$ROOT/scripts/browser_test.py" "http://127.0.0.1:$port" "$OUT" "$tmp/chrome-profile" || { echo "server log:"; tail -20 "$tmp/server.log"; exit 1; }
