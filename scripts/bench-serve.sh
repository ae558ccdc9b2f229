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
source scripts/bench-lib.sh
bench_server
cookie=$(bench_cookie)
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
