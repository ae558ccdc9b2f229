#!/usr/bin/env bash
# Bench of `GET /api/search` (issue 24's number: p99 at 50 clients) on a generated index of N
# items (default 100k): the first search (builds the library's search texts), then wrk
# (Debian package `wrk`) with 50 connections for SECONDS per query: a camera, a date, a
# keyword, a place in English and in Chinese, a miss.
# Usage: scripts/bench-search.sh [N=100000] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}; SECS=${2:-10}
BIN=${ALBUMEN_BIN:-target/release/albumen}
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)"; exit 1; }
[ -x "$BIN" ] || cargo build --release --quiet --bin albumen
tmp=$(mktemp -d /tmp/albumen-bench-search.XXXXXX); srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/photos"
convert -size 64x48 xc:gray "$tmp/photos/seed.jpg"
"$BIN" scan "$tmp/photos" --db "$tmp/index.db" --library bench >/dev/null 2>&1 || true
# N synthetic rows over 10 years, 60 % with a position in Europe, 7 camera models, a keyword
# on every 50th (the same rows as scripts/bench-serve.sh, plus keywords).
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
INSERT OR IGNORE INTO keywords (file_id, keyword) SELECT id, 'birthday' FROM files WHERE id % 50 = 0;
SQL
echo "bench password" | "$BIN" user add bench --db "$tmp/index.db" >/dev/null
"$BIN" user grant bench bench --db "$tmp/index.db" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --db "$tmp/index.db" --listen "127.0.0.1:$port" --cache "$tmp/cache" 2>/dev/null & srv=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/" >/dev/null && break; sleep 0.1; done
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d '{"user":"bench","password":"bench password"}' "$base/api/login" \
  | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(albumen_session=[0-9a-f]*\).*/\1/p')
echo "index: $(curl -s -H "Cookie: $cookie" "$base/api/libraries")"
t() { curl -s -o /dev/null -w '%{time_starttransfer}' -H "Cookie: $cookie" "$base$1"; }
echo "first search (builds the search texts of $N items): $(t '/api/search?library=bench&q=camera%203') s; again: $(t '/api/search?library=bench&q=camera%203') s"
for q in "camera%203" "2019-07" "birthday" "Madrid" "%E6%9F%8F%E6%9E%97" "zzzx-nothing" "bench%20camera%201%202020"; do
  n=$(curl -s -H "Cookie: $cookie" "$base/api/search?library=bench&q=$q&limit=1" | grep -o '"total":[0-9]*' | cut -d: -f2)
  echo "wrk -t2 -c50 -d${SECS}s /api/search?q=$q (total $n):"
  wrk -t2 -c50 -d"${SECS}s" --latency -H "Cookie: $cookie" "$base/api/search?library=bench&q=$q" \
    | grep -E "Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors"
done
grep -E "VmRSS|VmHWM" /proc/$srv/status
