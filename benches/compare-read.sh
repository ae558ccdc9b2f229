#!/usr/bin/env bash
# Reading metadata: albumen vs exiftool vs exiv2 on the same files, in one run, warm cache.
# Usage: benches/compare-read.sh [DIR]   (default ../shared/corpus; fuzzed files excluded)
# Prints wall seconds, files/s and the ratios. Each tool runs as one process over all files,
# as a user would run it; exiv2 has no recursive mode, so it gets the same file list via xargs.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-${ALBUMEN_CORPUS:-../shared/corpus}}
cargo build --release -q --bin albumen
bin=target/release/albumen
list=$(mktemp); trap 'rm -f "$list"' EXIT
find "$dir" -type f ! -path '*/fuzzing/*' ! -name oracle.json ! -name '*.md' -print0 > "$list"
n=$(tr -cd '\0' < "$list" | wc -c)
xargs -0 cat < "$list" > /dev/null   # warm the page cache
t() { local s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; echo "$(date +%s.%N) - $s" | bc -l; }
best() { local b=999999; for _ in 1 2 3; do local x; x=$(t "$@"); b=$(echo "if ($x < $b) $x else $b" | bc -l); done; echo "$b"; }
t_alb=$(best sh -c "xargs -0 $bin info --json --raw < $list")
t_full=$(best sh -c "xargs -0 $bin info --json < $list")
t_ex=$(best sh -c "xargs -0 exiftool -j -n -G1 -a < $list")
t_ex2=$(best sh -c "xargs -0 exiftool -fast2 -j < $list")
t_exiv=$(best sh -c "xargs -0 exiv2 -pa < $list")
printf '%d files in %s (best of 3, warm)\n' "$n" "$dir"
printf '%-28s %8.3fs %10.0f files/s\n' "albumen info --json --raw" "$t_alb" "$(echo "$n / $t_alb" | bc -l)"
printf '%-28s %8.3fs %10.0f files/s  (+ time zone and place tables)\n' "albumen info --json" "$t_full" "$(echo "$n / $t_full" | bc -l)"
printf '%-28s %8.3fs %10.0f files/s  (%.1fx slower)\n' "exiftool -j -n -G1 -a" "$t_ex" "$(echo "$n / $t_ex" | bc -l)" "$(echo "$t_ex / $t_alb" | bc -l)"
printf '%-28s %8.3fs %10.0f files/s  (%.1fx slower)\n' "exiftool -fast2 -j" "$t_ex2" "$(echo "$n / $t_ex2" | bc -l)" "$(echo "$t_ex2 / $t_alb" | bc -l)"
printf '%-28s %8.3fs %10.0f files/s  (%.1fx slower)\n' "exiv2 -pa" "$t_exiv" "$(echo "$n / $t_exiv" | bc -l)" "$(echo "$t_exiv / $t_alb" | bc -l)"
