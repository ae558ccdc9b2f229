#!/usr/bin/env bash
# Bench of share links (issue 25's numbers): the server time of a link's first load on a
# 1,000-photo album (GET /s/TOKEN, GET /api/shared/TOKEN/items, and the first screen's 40
# thumbnails, cold and cached), and of an original stripped of its location on the fly for a
# 12 MP JPEG (GET …/original: read, lossless strip in memory, send). Times are curl's
# time_total on loopback (server time plus a loopback round trip), best and median of RUNS.
# Usage: scripts/bench-share.sh [RUNS=20]   (needs convert, exiftool, curl, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
BIN=${ALBUMEN_BIN:-target/release/albumen}
[ -x "$BIN" ] || cargo build --release --quiet --bin albumen
tmp=$(mktemp -d /tmp/albumen-share-bench.XXXXXX); srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/photos/album" "$tmp/photos/big"
# 1,000 distinct 640x480 photos with a position (a gradient, a different comment each).
convert -size 640x480 gradient:red-blue "$tmp/seed.jpg"
exiftool -q -overwrite_original -DateTimeOriginal="2022:05:10 12:00:00" -GPSLatitude=48.8584 \
  -GPSLatitudeRef=N -GPSLongitude=2.2945 -GPSLongitudeRef=E -XMP-photoshop:City=Paris "$tmp/seed.jpg"
python3 - "$tmp" <<'PY'
import sys
tmp = sys.argv[1]
seed = open(f"{tmp}/seed.jpg", "rb").read()
for i in range(1000):
    com = f"bench photo {i}".encode()
    seg = b"\xff\xfe" + (len(com) + 2).to_bytes(2, "big") + com
    open(f"{tmp}/photos/album/p{i:04}.jpg", "wb").write(seed[:2] + seg + seed[2:])
PY
# A 12 MP JPEG (4000x3000, plasma noise so it has a realistic size), with EXIF and XMP location.
convert -size 4000x3000 plasma:fractal -quality 92 "$tmp/photos/big/big.jpg"
exiftool -q -overwrite_original -DateTimeOriginal="2022:05:11 12:00:00" -GPSLatitude=48.8584 \
  -GPSLatitudeRef=N -GPSLongitude=2.2945 -GPSLongitudeRef=E -XMP-exif:GPSLatitude=48.8584 \
  -XMP-exif:GPSLongitude=2.2945 -XMP-photoshop:City=Paris -SerialNumber=123456 "$tmp/photos/big/big.jpg"
ls -l "$tmp/photos/big/big.jpg" | awk '{print "12 MP JPEG:", $5, "bytes"}'
"$BIN" scan "$tmp/photos" --db "$tmp/index.db" --library bench -q >/dev/null 2>&1 || true
source scripts/bench-lib.sh
bench_start
python3 - "$base" "$tmp" <<'PY'
import json, sys, urllib.request, http.cookiejar
base, tmp = sys.argv[1], sys.argv[2]
jar = http.cookiejar.CookieJar()
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
def req(path, body=None, method=None, csrf=None):
    h = {"Origin": base}
    if body is not None: h["Content-Type"] = "application/json"
    if csrf: h["X-CSRF-Token"] = csrf
    r = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, method=method, headers=h)
    return json.loads(op.open(r).read() or b"null")
csrf = req("/api/login", {"user": "bench", "password": "bench password"}, "POST")["csrf"]
items = req("/api/items?library=bench&limit=1000")["items"]
big = [i["id"] for i in items if i["w"] == 4000 or i["h"] == 4000]
album = [i["id"] for i in items if i["id"] not in big]
items += req(f"/api/items?library=bench&limit=1000&offset=1000")["items"]
a = req("/api/albums", {"name": "bench", "library": "bench"}, "POST", csrf)["id"]
req(f"/api/albums/{a}/items", {"items": [i["id"] for i in items if i["id"] not in big][:1000]}, "POST", csrf)
b = req("/api/albums", {"name": "big", "library": "bench"}, "POST", csrf)["id"]
req(f"/api/albums/{b}/items", {"items": big}, "POST", csrf)
t1 = req(f"/api/albums/{a}/links", {"expires_days": 1}, "POST", csrf)["token"]
t2 = req(f"/api/albums/{b}/links", {"expires_days": 1}, "POST", csrf)["token"]
open(f"{tmp}/tokens", "w").write(f"{t1} {t2} {big[0]}\n")
PY
read -r t1 t2 bigid < "$tmp/tokens"
t() { curl -s -o "${2:-/dev/null}" -w '%{time_total}\n' "$1"; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "best %.1f ms, median %.1f ms (n=%d)\n", a[1]*1000, a[int((NR+1)/2)]*1000, NR}'; }
n=$(curl -s "$base/api/shared/$t1/items" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
echo "album: $n photos"
ids=$(curl -s "$base/api/shared/$t1/items" | python3 -c 'import json,sys; print(" ".join(str(i["id"]) for i in json.load(sys.stdin)["items"][:40]))')
start=$(date +%s.%N)
t "$base/s/$t1" >/dev/null; t "$base/api/shared/$t1/items" > /dev/null
for i in $ids; do t "$base/api/shared/$t1/items/$i/thumb"; done > "$tmp/cold"
end=$(date +%s.%N)
echo "first load, cold previews (page + list + 40 thumbnails one after another): $(python3 -c "print(round(($end-$start)*1000))") ms; thumbnails: $(stats < "$tmp/cold")"
for _ in $(seq "$RUNS"); do t "$base/s/$t1"; done | stats | sed 's/^/GET \/s\/TOKEN: /'
for _ in $(seq "$RUNS"); do t "$base/api/shared/$t1/items"; done | stats | sed 's/^/GET \/api\/shared\/TOKEN\/items (1,000 items): /'
for _ in $(seq "$RUNS"); do
  s=$(date +%s.%N); t "$base/s/$t1" >/dev/null; t "$base/api/shared/$t1/items" >/dev/null
  for i in $ids; do t "$base/api/shared/$t1/items/$i/thumb" >/dev/null; done
  e=$(date +%s.%N); python3 -c "print($e-$s)"
done | stats | sed 's/^/first load, cached previews (page + list + 40 thumbnails, sequential): /'
for _ in $(seq "$RUNS"); do t "$base/api/shared/$t2/items/$bigid/original" "$tmp/out.jpg"; done | stats | sed 's/^/12 MP original stripped on the fly: /'
exiftool -j -G1 -a "$tmp/out.jpg" | python3 -c 'import json,sys; t=json.load(sys.stdin)[0]; bad=[k for k in t if "GPS" in k or "City" in k or "Serial" in k]; print("left in the shared copy:", bad or "no location, no serial")'
cmp <(tail -c 1000000 "$tmp/out.jpg") <(tail -c 1000000 "$tmp/photos/big/big.jpg") && echo "image data identical (last MB compared)"
