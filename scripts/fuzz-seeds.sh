#!/usr/bin/env bash
# Builds a seed corpus per fuzz target in fuzz/corpus/TARGET from ../shared/corpus (or
# $ALBUMEN_CORPUS): files sorted by extension into the target that parses them; files over
# 256 KiB contribute their first 64 KiB (the metadata is at the front of all but some movies).
# fuzz/corpus is not committed (it is in .gitignore); libFuzzer adds what it finds to it.
set -euo pipefail
cd "$(dirname "$0")/.."
src="${ALBUMEN_CORPUS:-$(cd .. && pwd)/shared/corpus}"
if [ ! -d "$src" ]; then
  echo "fuzz-seeds: no corpus at $src; targets start from an empty corpus" >&2
  exit 0
fi
out=fuzz/corpus
targets_for() { # extension (lower case) -> targets
  case "$1" in
    jpg|jpeg|jps|mpo) echo "jpeg edit motion preview" ;;
    png) echo "png edit preview" ;;
    webp) echo "webp edit preview" ;;
    gif|bmp) echo "preview" ;;
    avi) echo "riff" ;;
    heic|heif|avif) echo "isobmff edit motion preview" ;;
    cr3|mov|mp4|m4v|m4a|3gp) echo "isobmff edit motion" ;;
    tif|tiff|btf) echo "raw tiff edit preview" ;;
    dng|cr2|nef|arw|orf|rw2|pef|srw|raf|mrw|crw|x3f|iiq|raw) echo "raw tiff edit" ;;
    xmp) echo "xmp edit" ;;
    *) echo "" ;;
  esac
}
n=0
while IFS= read -r -d '' f; do
  ext="${f##*.}"; ext="${ext,,}"
  size=$(stat -c %s "$f")
  name="$(basename "$f" | tr -c 'A-Za-z0-9._-' _)"
  for t in read $(targets_for "$ext"); do
    mkdir -p "$out/$t"
    if [ "$size" -gt 262144 ]; then
      head -c 65536 "$f" >"$out/$t/$name"
    else
      cp "$f" "$out/$t/$name"
    fi
  done
  n=$((n + 1))
done < <(find "$src" -type f ! -name '*.md' ! -name '*.json' -print0)
# The decoders' regression files (tiled TIFFs with separate planes, ...) seed the preview target.
mkdir -p "$out/preview"
cp crates/albumen-preview/tests/fixtures/* "$out/preview/" 2>/dev/null || true
# The TIFF target puts its own header in front: its seeds are the files without theirs.
if [ -d "$out/tiff" ]; then
  for f in "$out"/tiff/*; do
    [ -f "$f" ] && tail -c +9 "$f" >"$f.body" && mv "$f.body" "$f"
  done
fi
# The server target's inputs are requests (fuzz/fuzz_targets/server.rs has the layout: a flags
# byte, the request target, headers, an empty line, the body): one seed per kind of route.
mkdir -p "$out/server"
seed() { printf "$2" >"$out/server/$1"; }
seed items '\x01/api/items?library=family&limit=5&cursor=2024-03-10T10:00:00|3\n\n'
seed range '\x03/api/items/1/original\nrange: bytes=3-10\n\n'
seed thumb '\x01/api/items/2/thumb\n\n'
seed login '\x07/api/login\ncontent-type: application/json\n\n{"user":"anna","password":"anna password"}'
seed edit '\x07/api/edit\ncontent-type: application/json\n\n{"ids":[1,2],"rating":3,"shift_seconds":60}'
seed undo '\x07/api/undo\n\n'
seed clusters '\x01/api/clusters?library=family&zoom=3&west=-10&south=40&east=10&north=55\n\n'
seed cookie '\x00/api/me\ncookie: a=b; albumen_session=00; c\n\n'
seed page '\x00/assets/app.js\n\n'
echo "fuzz-seeds: $n corpus files -> $(ls "$out" | wc -l) targets in $out"
