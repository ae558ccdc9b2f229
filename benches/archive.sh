#!/usr/bin/env bash
# albumen archive on a generated tree: N distinct ~2 MB JPEGs dated 2005 (a corpus JPEG with a
# unique tail) in icloudpd's YYYY/MM/DD folders. Times a clean `archive --year 2005` and, for
# scale, `cp -a` + `sync` of the same tree; then kills archive runs (SIGKILL) part-way and checks
# that one more run completes the move and that rescans of both trees find nothing to do.
# Usage: bash benches/archive.sh [N]   (from the repository root, after cargo build --release)
set -euo pipefail
N=${1:-400}
BIN=$PWD/target/release/albumen
CORPUS=${ALBUMEN_CORPUS:-$PWD/../shared/corpus}
SRC=$CORPUS/exiftool-samples/NikonD70.jpg
[ -f "$SRC" ] || { echo "skipped: no $SRC (set ALBUMEN_CORPUS)"; exit 0; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
make_tree() {
  rm -rf "$T/live" "$T/arch" "$T/db"* && mkdir -p "$T/arch"
  python3 - "$SRC" "$T/live" "$N" <<'PY'
import os, sys
src, root, n = open(sys.argv[1], 'rb').read(), sys.argv[2], int(sys.argv[3])
pad = b'\0' * (2 * 1024 * 1024)
for i in range(n):
    d = f'{root}/2005/01/{1 + i % 28:02d}'
    os.makedirs(d, exist_ok=True)
    open(f'{d}/IMG_{i:04d}.JPG', 'wb').write(src + pad + i.to_bytes(4, 'big'))
PY
  "$BIN" scan -q "$T/live" --db "$T/db" --library live
  "$BIN" scan -q "$T/arch" --db "$T/db" --library arch
  sync
}
archive() { "$BIN" archive -q --db "$T/db" --library live --year 2005 --to-library arch "$T/arch" "$@"; }

make_tree
echo "tree: $N files, $(du -sh "$T/live" | cut -f1)B"
/usr/bin/time -f "archive --year 2005: %e s wall, %M KB peak RSS" \
  "$BIN" archive -q --db "$T/db" --library live --year 2005 --to-library arch "$T/arch" > /dev/null
rm -rf "$T/copy"; sync
/usr/bin/time -f "yardstick cp -a + sync: %e s wall" sh -c "cp -a '$T/arch' '$T/copy' && sync"
rm -rf "$T/copy"

make_tree
for k in 1 2 3; do
  "$BIN" archive -q --db "$T/db" --library live --year 2005 --to-library arch "$T/arch" \
    > /dev/null 2>&1 & p=$!
  sleep "0.$((k * 2))"; kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true
done
archive --json > "$T/last.json" || true
wait
python3 - "$T/last.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"after 3 kills: {r['already_moved']} files found moved by the killed runs, "
      f"{r['export']['removed']['files']} moved now, {r['rows_moved']} rows moved, "
      f"{r['stale_temp_removed']} stale temp files removed, failed {r['export']['failed']}")
PY
for lib in live arch; do
  root=$T/$lib
  "$BIN" scan "$root" --db "$T/db" --library "$lib" --json | python3 -c \
    "import json,sys; r=json.load(sys.stdin); print('rescan $lib:', {k: r[k] for k in ('new','changed','moved','deleted')})"
done
echo "left in the live tree: $(find "$T/live" -type f | wc -l) files; in the archive: $(find "$T/arch" -type f -name '*.JPG' | wc -l)"
