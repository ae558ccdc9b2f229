#!/usr/bin/env bash
# The real-browser test of `albumen serve` (issues 15 and 24): Debian's chromium, headless,
# driven through chromium-driver by Python selenium (from PyPI; installed into a venv under
# target/ when missing). It builds a small library (the corpus' Live Photos plus generated,
# geotagged, dated JPEGs: three cities, a keyword, photos taken on today's date in 2019 and
# 2021 for the memories, and with models/ the corpus' faces scanned with --vision), adds a
# user, serves it with --allow-edit (and --watch when the binary has it), then drives two
# browsers (scripts/browser_test.py):
# - a desktop (1400×900, en-US): login, thumbnails, scroll, jump to a date, the map's clusters
#   splitting, a cluster, a Live Photo on hover, a date edit moving the item, undo, keywords,
#   Chinese, places, the filter search; a RAW+JPEG twin's badge, its members, split and
#   restore; "more like this"; two photos selected into a new album from the selection bar, a
#   share link opened in a fresh browser without a login (/s/TOKEN shows the photos), an item
#   trashed from the album and restored from the trash;
# - a phone (390×844, zh-CN, touch): the Chinese page without a click, no sideways scrolling,
#   three thumbnails a row, memories, the viewer with a link per photo (Back, Forward, reload),
#   swipe, double-tap and pinch zoom, a Live Photo on press, favourites, the search box,
#   people, the map and a place by address, the albums tab within 390 px, the scrubber and the date drawer, a photo copied
#   into the library showing up (--watch), installability (manifest + service worker) and the
#   cache dropped on logout.
# Any console error fails the test. Screenshots: $OUT (default target/browser-test).
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
# Three photos with a keyword (2020), and photos taken on today's month and day in 2019 (2) and
# 2021 (3): the memories ("on this day"). Feb 29 becomes Feb 28.
md=$(date +%m:%d); [ "$md" = 02:29 ] && md=02:28
for i in 0 1 2; do
  convert -size 480x360 "gradient:${colors[$((i + 2))]}" -quality 80 "$tmp/family/party_$i.jpg"
  exiftool -q -overwrite_original -DateTimeOriginal="2020:03:0$((i + 1)) 18:00:00" -OffsetTimeOriginal=+01:00 \
    -Make=albumen -Model="Party Camera" -XMP-dc:Subject=birthday "$tmp/family/party_$i.jpg"
done
for y in 2019 2021; do
  n=$([ $y = 2019 ] && echo 2 || echo 3)
  for i in $(seq $n); do
    convert -size 480x360 "gradient:${colors[$i]}" -quality 80 "$tmp/family/mem${y}_$i.jpg"
    exiftool -q -overwrite_original -DateTimeOriginal="$y:$md 1$i:00:00" -OffsetTimeOriginal=+01:00 \
      -Make=albumen -Model="Old Camera" "$tmp/family/mem${y}_$i.jpg"
  done
done
# A RAW+JPEG twin the way a camera writes one: the corpus's Nikon raw and, beside it, a JPEG
# carrying the raw's EXIF (the sample raw holds no embedded JPEG, so ImageMagick makes it):
# one item with a "RAW+JPEG" badge, its two files in the viewer's details.
stack=0
if [ -f "$CORPUS/exiftool-samples/Nikon.nef" ]; then
  mkdir -p "$tmp/family/card/100NIKON"
  cp "$CORPUS/exiftool-samples/Nikon.nef" "$tmp/family/card/100NIKON/DSC_2000.NEF"
  chmod u+w "$tmp/family/card/100NIKON/DSC_2000.NEF"
  convert -size 480x320 gradient:sienna-khaki -quality 80 "$tmp/family/card/100NIKON/DSC_2000.JPG"
  exiftool -q -q -overwrite_original -all= -TagsFromFile "$tmp/family/card/100NIKON/DSC_2000.NEF" -all:all -XMP:all= \
    "$tmp/family/card/100NIKON/DSC_2000.JPG" && stack=1
fi
vision=()
MODELS=${ALBUMEN_MODELS:-$ROOT/models}
if [ -f "$MODELS/faceres.onnx" ]; then
  cp -r "$CORPUS/immich-test-assets/metadata/faces" "$tmp/family/faces"
  chmod -R u+w "$tmp/family/faces"
  vision=(--vision --models "$MODELS")
else
  echo "(no vision models in $MODELS: the people view is checked empty; scripts/vision-models.sh fetches them)"
fi
"$BIN" scan "$tmp/family" --db "$tmp/index.db" --library family --previews --cache "$tmp/cache" "${vision[@]}" >/dev/null 2>&1 || [ $? = 1 ]
echo "correct horse battery" | "$BIN" user add anna --db "$tmp/index.db" >/dev/null
"$BIN" user grant anna family --db "$tmp/index.db" >/dev/null
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
watch=()
"$BIN" serve --help 2>&1 | grep -q -- '--watch' && watch=(--watch)
"$BIN" serve --db "$tmp/index.db" --listen "127.0.0.1:$port" --cache "$tmp/cache" --allow-edit "${watch[@]}" 2>"$tmp/server.log" &
srv=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
BROWSER_TEST_LIBRARY="$tmp/family" BROWSER_TEST_STACK=$stack BROWSER_TEST_WATCH=${#watch[@]} BROWSER_TEST_PEOPLE=${#vision[@]} \
  $PY "$ROOT/scripts/browser_test.py" "http://127.0.0.1:$port" "$OUT" "$tmp/chrome-profile" || { echo "server log:"; tail -20 "$tmp/server.log"; exit 1; }
