#!/usr/bin/env bash
# The page's numbers on a generated 100k-item index (issue 24): Chromium at 390×844 with the
# DevTools CPU throttle at 4×: login → first screen of thumbnails, frames a second scrolling
# the timeline through a year, the page's memory after scrolling every item
# (scripts/bench_page.py). The index and server: scripts/bench-lib.sh (rows whose files
# do not exist: every thumbnail is the server's grey "no preview" tile, so the numbers are the
# page's and the API's, not JPEG decoding's). Usage: scripts/bench-page.sh [N=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
BIN=${ALBUMEN_BIN:-target/release/albumen}
[ -x "$BIN" ] || cargo build --release --quiet
PY=python3
$PY -c 'import selenium' 2>/dev/null || { [ -x target/browser-venv/bin/python ] || { python3 -m venv target/browser-venv && target/browser-venv/bin/pip install --quiet 'selenium>=4.20'; }; PY=target/browser-venv/bin/python; }
source scripts/bench-lib.sh
bench_server
$PY scripts/bench_page.py "$base" bench "bench password" 2019 2020
