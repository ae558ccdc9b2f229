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
    jpg|jpeg|jps|mpo) echo "jpeg edit motion" ;;
    png) echo "png edit" ;;
    webp) echo "webp edit" ;;
    avi) echo "riff" ;;
    heic|heif|avif|cr3|mov|mp4|m4v|m4a|3gp) echo "isobmff edit motion" ;;
    tif|tiff|btf|dng|cr2|nef|arw|orf|rw2|pef|srw|raf|mrw|crw|x3f|iiq|raw) echo "raw tiff edit" ;;
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
# The TIFF target puts its own header in front: its seeds are the files without theirs.
if [ -d "$out/tiff" ]; then
  for f in "$out"/tiff/*; do
    [ -f "$f" ] && tail -c +9 "$f" >"$f.body" && mv "$f.body" "$f"
  done
fi
echo "fuzz-seeds: $n corpus files -> $(ls "$out" | wc -l) targets in $out"
