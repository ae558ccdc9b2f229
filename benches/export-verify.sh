#!/usr/bin/env bash
# Times `albumen export` and `albumen verify` on the corpus (warm cache, best and median of
# RUNS runs each), with cp -a and diff -rq on the same tree as yardsticks. Everything is
# written below a temporary folder; the corpus is only read.
#
#   cargo build --release && bash benches/export-verify.sh
set -euo pipefail
cd "$(dirname "$0")/.."
A="${ALBUMEN:-$PWD/target/release/albumen}"
C="${ALBUMEN_CORPUS:-$(cd .. && pwd)/shared/corpus}"
N="${RUNS:-5}"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT

"$A" scan "$C" --db "$W/index.db" --library corpus -q
"$A" scan "$C" --db "$W/hashed.db" --library corpus --hash -q
cp -a "$C" "$W/backup"
ALL=(--from 1900-01-01 --to 2100-12-31)

# time LABEL PREPARE COMMAND...: PREPARE (untimed) runs before each timed COMMAND.
time_it() {
  local label="$1" prep="$2"
  shift 2
  local ms=()
  for _ in $(seq "$N"); do
    eval "$prep"
    local t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
    local t1=$EPOCHREALTIME
    ms+=("$(echo "($t1 - $t0) * 1000" | bc -l)")
  done
  printf '%s\n' "${ms[@]}" | sort -n | awk -v l="$label" -v n="$N" \
    '{ a[NR] = $1 } END { printf "%-52s best %7.1f ms  median %7.1f ms  (%d runs)\n", l, a[1], a[int((n + 1) / 2)], n }'
}

echo "corpus: $(find "$C" -type f | wc -l) files, $(du -sh "$C" | cut -f1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$A" export --db "$W/index.db" "${ALL[@]}" "$W/probe" -q | sed -n '2,3p'
rm -rf "$W/probe"

time_it "export, new destination (keep)" 'rm -rf "$W/out"' \
  "$A" export --db "$W/index.db" "${ALL[@]}" "$W/out" -q
time_it "export again (everything already there)" ':' \
  "$A" export --db "$W/index.db" "${ALL[@]}" "$W/out" -q
time_it "export --layout date, new destination" 'rm -rf "$W/outd"' \
  "$A" export --db "$W/index.db" "${ALL[@]}" "$W/outd" --layout date -q
time_it "export --remove-originals --dry-run" 'rm -rf "$W/outx"' \
  "$A" export --db "$W/index.db" "${ALL[@]}" "$W/outx" --remove-originals --dry-run -q
# Archive for real: on a fresh copy of the corpus, scanned, each run (untimed).
time_it "export --remove-originals (archive)" \
  'rm -rf "$W/lib" "$W/lib.db" "$W/arch"; cp -a "$C" "$W/lib"; "$A" scan "$W/lib" --db "$W/lib.db" -q' \
  "$A" export --db "$W/lib.db" "${ALL[@]}" "$W/arch" --remove-originals -q
time_it "cp -a corpus && sync (yardstick, all files)" 'rm -rf "$W/cpa"; sync' \
  sh -c "cp -a '$C' '$W/cpa' && sync"

time_it "verify (sizes)" ':' "$A" verify --db "$W/index.db" "$W/backup" -q
time_it "verify --hash (no stored hashes: both sides read)" ':' \
  "$A" verify --db "$W/index.db" "$W/backup" --hash -q
time_it "verify --hash (hashes stored by scan --hash)" ':' \
  "$A" verify --db "$W/hashed.db" "$W/backup" --hash -q
time_it "diff -rq corpus backup (yardstick, all files)" ':' diff -rq "$C" "$W/backup"
