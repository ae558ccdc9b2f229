#!/usr/bin/env bash
# Bench of `albumen serve` on a generated 100k-item index (issue 15's numbers): server time of
# the first timeline page (GET /api/timeline + the first /api/items page), API latency under 50
# concurrent clients (oha, from crates.io: `cargo install oha`), and the server's RSS.
# Usage: scripts/bench-serve.sh [N=100000] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}; SECS=${2:-10}
BIN=${ALBUMEN_BIN:-target/release/albumen}
OHA=${OHA:-$(command -v oha || echo /tmp/oha-root/bin/oha)}
[ -x "$BIN" ] || cargo build --release --quiet
tmp=$(mktemp -d /tmp/albumen-bench.XXXXXX); srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/photos"
convert -size 64x48 xc:gray "$tmp/photos/seed.jpg"
"$BIN" scan "$tmp/photos" --db "$tmp/index.db" --library bench >/dev/null 2>&1 || true
# N synthetic rows spread over 10 years, 60 % with a position (Europe), paths that do not exist
# (the bench measures the API, not previews).
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
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/" >/dev/null && break; sleep 0.1; done
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d '{"user":"bench","password":"bench password"}' "$base/api/login" \
  | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(albumen_session=[0-9a-f]*\).*/\1/p')
items=$(curl -s -H "Cookie: $cookie" "$base/api/libraries")
echo "index: $items"
t() { curl -s -o /dev/null -w '%{time_starttransfer}\n' -H "Cookie: $cookie" "$base$1"; }
echo "first timeline page (cold, first request after start): timeline $(t '/api/timeline?library=bench') s, items $(t '/api/items?library=bench&limit=200') s"
for k in $(seq 20); do
  a=$(t '/api/timeline?library=bench'); b=$(t '/api/items?library=bench&limit=200')
  echo "$a $b"
done | sort -n | awk '{a[NR]=$1; b[NR]=$2; s[NR]=$1+$2} END {printf "warm, median of 20: timeline %.1f ms + first items page %.1f ms\n", a[10]*1000, b[10]*1000}'
echo "deep page (offset 90000): $(t '/api/items?library=bench&limit=200&offset=90000') s"
echo "map clusters, zoom 4 (first call builds the cluster index): $(t '/api/clusters?library=bench&zoom=4') s, again $(t '/api/clusters?library=bench&zoom=4') s"
if [ -x "$OHA" ]; then
  thumb=$(curl -s -H "Cookie: $cookie" "$base/api/items?library=bench&limit=1&offset=100000" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
  for p in "/api/items?library=bench&limit=100" "/api/timeline?library=bench" "/api/items/$thumb/thumb" "/api/clusters?library=bench&zoom=6&west=0&south=45&east=10&north=52"; do
    echo "oha -c 50 -z ${SECS}s $p:"
    "$OHA" --no-tui -c 50 -z "${SECS}s" -H "Cookie: $cookie" "$base$p" | grep -E "Requests/sec|Slowest|Fastest|Average|99.00%|Success rate|\[200\]"
  done
else
  echo "oha not found (cargo install oha): no concurrency numbers"
fi
grep -E "VmRSS|VmHWM" /proc/$srv/status
