#!/usr/bin/env bash
# First scan with a cold page cache against `exiftool -fast2`, cold too, on the same 20,000-file
# tree (issue 17): wall time and bytes read from the disk per file (the kernel's block-input
# count of the process and its children, getrusage ru_inblock x 512, which is what
# /proc/PID/io read_bytes counts). Needs root (drop_caches). The tree is the first 20,000 files
# of the million-file tree (benches/million.sh), copied once to TREE.
#
#   bash benches/cold.sh [TREE=/work/million/cold20k] [SOURCE=/work/million/tree]
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=${1:-/work/million/cold20k}
SRC=${2:-/work/million/tree}
BIN=${ALBUMEN_BIN:-target/release/albumen}
if [ ! -d "$TREE" ]; then
  mkdir -p "$TREE"
  (cd "$SRC" && find . -type f | sort | head -20000 || true) | while IFS= read -r f; do
    mkdir -p "$TREE/$(dirname "$f")" && cp -p "$SRC/$f" "$TREE/$f"
  done
fi
n=$(find "$TREE" -type f | wc -l)
echo "tree $TREE: $n files, $(du -sk "$TREE" | cut -f1) KiB on disk"
measure() { # label, command...
  local label=$1; shift
  sync
  echo 3 >/proc/sys/vm/drop_caches
  python3 - "$label" "$n" "$@" <<'PY'
import os, subprocess, sys, time
label, n, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
load = open("/proc/loadavg").read().split()[0]
t = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
secs = time.monotonic() - t
rb = ru.ru_inblock * 512
print(f"{label}: {secs:.2f} s, read {rb / 1e6:.1f} MB from disk = {rb / n / 1024:.2f} KiB per file "
      f"(exit {os.waitstatus_to_exitcode(status)}, load average {load})")
PY
}
db=$(mktemp -d)/cold.db
measure "albumen scan (cold)" "$BIN" scan "$TREE" --db "$db" --library cold
rm -f "$db"*
measure "exiftool -fast2 (cold)" exiftool -fast2 -j -r "$TREE"
