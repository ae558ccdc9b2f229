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
source scripts/bench-lib.sh
bench_server
cookie=$(bench_cookie)
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
