#!/usr/bin/env bash
# A million files (issue 17): generates N distinct small media files with real headers
# (crates/albumen-scan/examples/million.rs: JPEG/PNG with EXIF, QuickTime MOV Live Photo
# videos; 16 years, 40 cities, ~6,000 day folders) once, then measures on the warm page cache:
# first scan, rescan (unchanged tree), peak RSS of each, index size, and the web server's
# timeline and map answered from the index (`albumen serve`: /api/timeline, /api/clusters,
# first and warm call). The load average is printed beside each figure (2 shared cores).
#
#   bash benches/million.sh [TREE=/work/million/tree] [N=1000000]
#
# The tree is kept between runs (generating it takes minutes); the index goes to
# TREE/../index.db and is made anew each run. Never point TREE into the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=${1:-/work/million/tree}
N=${2:-1000000}
BIN=${ALBUMEN_BIN:-target/release/albumen}
GEN=target/release/examples/million
[ -x "$BIN" ] || cargo build --release --quiet
[ -x "$GEN" ] || cargo build --release --quiet -p albumen-scan --example million
load() { cut -d' ' -f1 /proc/loadavg; }
base=$(dirname "$TREE")
mkdir -p "$base"
if [ ! -f "$base/.generated-$N" ]; then
  rm -rf "$TREE"
  echo "== generating $N files in $TREE (load $(load))"
  /usr/bin/time -f "generated in %e s" "$GEN" "$TREE" "$N"
  touch "$base/.generated-$N"
fi
db="$base/index.db"
rm -f "$db" "$db-wal" "$db-shm" "$db.scan-lock"
measure() { # label, command...: wall seconds and peak RSS
  local label=$1; shift
  local l0; l0=$(load)
  /usr/bin/time -f "%e %M" -o "$base/time.out" "$@" >"$base/$label.log" 2>&1
  read -r secs kb <"$base/time.out"
  echo "$label: ${secs} s, peak RSS $((kb / 1024)) MB (load average $l0 before, $(load) after)"
}
echo "== tree: $(find "$TREE" -type d | wc -l) folders"
measure first-scan "$BIN" scan "$TREE" --db "$db" --library million
tail -3 "$base/first-scan.log"
measure rescan "$BIN" scan "$TREE" --db "$db" --library million
tail -2 "$base/rescan.log"
echo "index: $(du -k "$db" | cut -f1) KiB (+ WAL $(du -k "$db-wal" 2>/dev/null | cut -f1 || echo 0) KiB)"
echo "rows: $(sqlite3 "$db" 'SELECT count(*) FROM files'), pairs $(sqlite3 "$db" 'SELECT count(*) FROM pairs'), located $(sqlite3 "$db" 'SELECT count(*) FROM files WHERE lat IS NOT NULL')"

# The server: timeline and map from the index.
echo "million password" | "$BIN" user add bench --db "$db" >/dev/null
"$BIN" user grant bench million --db "$db" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --db "$db" --listen "127.0.0.1:$port" --cache "$base/cache" 2>/dev/null &
srv=$!
trap 'kill $srv 2>/dev/null || true' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$url/" >/dev/null && break; sleep 0.1; done
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"user":"bench","password":"million password"}' "$url/api/login" |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(albumen_session=[0-9a-f]*\).*/\1/p')
t() { curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $cookie" "$url$1"; }
med() { # path: median of 9 warm calls, ms
  for _ in $(seq 9); do t "$1"; echo; done | sort -n | awk 'NR==5 {printf "%.1f", $1*1000}'
}
for p in '/api/timeline?library=million' '/api/items?library=million&limit=200' \
  '/api/clusters?library=million&zoom=3' '/api/clusters?library=million&zoom=6&west=-10&south=35&east=30&north=60' \
  '/api/clusters?library=million&zoom=12&west=2&south=48.5&east=2.7&north=49.1'; do
  first=$(t "$p")
  echo "GET $p: first $(awk -v x="$first" 'BEGIN {printf "%.1f", x*1000}') ms, warm median $(med "$p") ms (load $(load))"
done
grep -E "VmHWM" /proc/$srv/status | sed 's/^/server /'
