#!/usr/bin/env bash
# Compares `albumen scan` with exiftool, exiv2, a read floor and a stat walk, in one run, on the
# same warm tree. Prints seconds, files/s and ratios, and keeps the raw figures in
# benches/results/compare-<date>.txt.
#
#   bash benches/compare.sh [TREE]        (run from the workspace root)
#
# TREE defaults to /tmp/albumen-bar-tree, built as checks/index-scan builds it: 50 hard-linked
# copies of ../shared/corpus (~20k paths, ~400 distinct files). Environment:
#   ALBUMEN_CORPUS   the corpus (default ../shared/corpus)
#   RUNS=3           runs per tool for the fast ones (the best is kept; exiftool and exiv2 run once)
#   SKIP_SLOW=1      skip exiftool and exiv2 (minutes on 20k files)
#   BIG=100000       files in the synthetic tree for the peak-RSS measurement (0: skip it)
#
# What is timed, each on the same tree after warming the page cache:
#   scan      albumen scan TREE --db NEW.db        (first scan: walk, stat, read metadata, write)
#   rescan    albumen scan TREE --db SAME.db       (unchanged tree: walk + stat + compare)
#   exiftool  exiftool -fast2 -j -r TREE
#   exiv2     find TREE -type f -exec exiv2 -q -pa {} \;   (one process per file: exiv2 0.27
#             segfaults on a file of the corpus, which kills a whole `{} +` batch and made it look
#             10x faster than it is)
#   floor     target/release/examples/floor TREE   (Rust, rayon: walk + read the first 64 KiB of
#             every path, hard links included; crates/albumen-scan/examples/floor.rs)
#   statwalk  find TREE -type f -printf '%s %T@ %i\n'
set -u
cd "$(dirname "$0")/.." || exit 1
CORPUS=${ALBUMEN_CORPUS:-$(cd ../shared/corpus 2>/dev/null && pwd)}
TREE=${1:-/tmp/albumen-bar-tree}
RUNS=${RUNS:-3}
BIG=${BIG:-100000}
OUT=benches/results
mkdir -p "$OUT"
LOG=$OUT/compare-$(date -u +%Y%m%dT%H%M%SZ).txt

if [ ! -d "$TREE" ]; then
  [ -d "$CORPUS" ] || { echo "no tree and no corpus"; exit 1; }
  mkdir -p "$TREE/copy1" && cp -r "$CORPUS"/. "$TREE/copy1/" && find "$TREE" -name oracle.json -delete
  for i in $(seq 2 50); do cp -al "$TREE/copy1" "$TREE/copy$i"; done
fi

cargo build --release -q --bin albumen 2>&1 | tail -3
cargo build --release -q -p albumen-scan --example floor 2>&1 | tail -3
BIN=target/release/albumen
FLOOR=target/release/examples/floor
[ -x $BIN ] && [ -x $FLOOR ] || { echo "build failed"; exit 1; }

paths=$(find "$TREE" -type f | wc -l)
inodes=$(find "$TREE" -type f -printf '%i\n' | sort -u | wc -l)
find "$TREE" -type f -exec cat {} + >/dev/null 2>&1   # warm the page cache

# Seconds of one run of a command, output discarded.
t1() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo "scale=4; ($e - $s) / 1000000000" | bc; }
# Best of RUNS.
best() { local b="" x; for _ in $(seq "$RUNS"); do x=$(t1 "$@"); if [ -z "$b" ] || [ "$(echo "$x < $b" | bc)" = 1 ]; then b=$x; fi; done; echo "$b"; }

db=$(mktemp -u /tmp/albumen-compare-XXXX.db)
scan_first() { rm -f "$db" "$db-wal" "$db-shm"; "$BIN" scan "$TREE" --db "$db"; }
t_scan=$(best scan_first)
t_rescan=$(best "$BIN" scan "$TREE" --db "$db")
rows=$(sqlite3 "$db" 'select count(*) from files' 2>/dev/null || echo '?')
t_floor=$(best "$FLOOR" "$TREE")
t_stat=$(best find "$TREE" -type f -printf '%s %T@ %i\n')
if [ "${SKIP_SLOW:-0}" = 1 ]; then
  t_ex=""; t_exiv2=""
else
  t_ex=$(t1 exiftool -fast2 -j -r "$TREE")
  t_exiv2=$(t1 find "$TREE" -type f -exec exiv2 -q -pa {} \;)
fi
rm -f "$db" "$db-wal" "$db-shm"

{
  echo "# albumen scan comparison, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "tree $TREE: $paths paths, $inodes distinct files; index rows (media files) $rows"
  printf '%-9s %9s %12s\n' tool seconds paths/s
  for row in "scan:$t_scan" "rescan:$t_rescan" "exiftool:$t_ex" "exiv2:$t_exiv2" "floor:$t_floor" "statwalk:$t_stat"; do
    name=${row%%:*}; s=${row#*:}
    [ -n "$s" ] || { printf '%-9s %9s\n' "$name" skipped; continue; }
    printf '%-9s %9.3f %12.0f\n' "$name" "$s" "$(echo "$paths / $s" | bc -l)"
  done
  r() { [ -n "$1" ] && [ -n "$2" ] && printf '%.2f' "$(echo "$1 / $2" | bc -l)" || echo n/a; }
  echo "scan vs exiftool -fast2: $(r "$t_ex" "$t_scan")x faster (goal >= 100)"
  echo "scan vs exiv2:           $(r "$t_exiv2" "$t_scan")x faster"
  echo "scan vs floor:           $(r "$t_floor" "$t_scan")x the floor's speed (goal >= 0.5)"
  echo "rescan vs stat walk:     $(r "$t_stat" "$t_rescan")x the stat walk's speed (goal >= 0.8)"
} | tee "$LOG"

if [ "$BIG" -gt 0 ]; then
  big=$(mktemp -d /tmp/albumen-big-XXXX)
  for d in $(seq 0 $(( (BIG - 1) / 100 ))); do
    mkdir -p "$big/$d"
    for f in $(seq 0 99); do printf '\377synthetic %s %s' "$d" "$f" > "$big/$d/IMG_$f.JPG"; done
  done
  bdb=$(mktemp -u /tmp/albumen-big-XXXX.db)
  rss() { /usr/bin/time -f '%e s, peak RSS %M KiB' "$@" 2>&1 >/dev/null | tail -1; }
  {
    echo "synthetic tree: $(find "$big" -type f | wc -l) files in $(find "$big" -mindepth 1 -type d | wc -l) folders"
    echo "  first scan: $(rss "$BIN" scan "$big" --db "$bdb" --quiet)"
    echo "  rescan:     $(rss "$BIN" scan "$big" --db "$bdb" --quiet)"
    echo "  database:   $(du -k "$bdb" | cut -f1) KiB (+ WAL $(du -k "$bdb-wal" 2>/dev/null | cut -f1) KiB)"
  } | tee -a "$LOG"
  rm -rf "$big" "$bdb" "$bdb-wal" "$bdb-shm"
fi
echo "raw figures kept in $LOG"
