#!/usr/bin/env bash
# The page's numbers on a generated 100k-item index (issue 24): Chromium at 390×844 with the
# DevTools CPU throttle at 4×: login → first screen of thumbnails, frames a second scrolling
# the timeline through a year, the page's memory after scrolling every item
# (scripts/bench_page.py). The index is generated as in scripts/bench-serve.sh (rows whose files
# do not exist: every thumbnail is the server's grey "no preview" tile, so the numbers are the
# page's and the API's, not JPEG decoding's). Usage: scripts/bench-page.sh [N=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
BIN=${ALBUMEN_BIN:-target/release/albumen}
[ -x "$BIN" ] || cargo build --release --quiet
PY=python3
$PY -c 'import selenium' 2>/dev/null || { [ -x target/browser-venv/bin/python ] || { python3 -m venv target/browser-venv && target/browser-venv/bin/pip install --quiet 'selenium>=4.20'; }; PY=target/browser-venv/bin/python; }
tmp=$(mktemp -d /tmp/albumen-bench-page.XXXXXX); srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/photos"
convert -size 64x48 xc:gray "$tmp/photos/seed.jpg"
"$BIN" scan "$tmp/photos" --db "$tmp/index.db" --library bench >/dev/null 2>&1 || true
sqlite3 "$tmp/index.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO files (library_id, dir_id, name, path, path_text, size, mtime_ns, dev, inode, nlink,
  format, kind, capture_local, time_local, time_utc, lat, lon, make, model, width, height,
  first_run, read_run)
SELECT f.library_id, f.dir_id, CAST('g' || i || '.jpg' AS BLOB), CAST('/nonexistent/g' || i || '.jpg' AS BLOB),
  '/nonexistent/g' || i || '.jpg', 1000, 0, 0, i, 1, 'jpeg', 'photo',
  strftime('%Y-%m-%dT%H:%M:%S', 1420070400 + i * (315360000 / $N), 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%S', 1420070400 + i * (315360000 / $N), 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', 1420070400 + i * (315360000 / $N), 'unixepoch'),
  CASE WHEN i % 5 < 3 THEN 40 + (i * 7919 % 15000) / 1000.0 END,
  CASE WHEN i % 5 < 3 THEN -5 + (i * 104729 % 30000) / 1000.0 END,
  'Bench', 'Camera ' || (i % 7), 4000, 3000, f.first_run, f.read_run
FROM n, (SELECT * FROM files LIMIT 1) f;
SQL
echo "bench password" | "$BIN" user add bench --db "$tmp/index.db" >/dev/null
"$BIN" user grant bench bench --db "$tmp/index.db" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --db "$tmp/index.db" --listen "127.0.0.1:$port" --cache "$tmp/cache" 2>/dev/null & srv=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
$PY scripts/bench_page.py "http://127.0.0.1:$port" bench "bench password" 2019 2020
