#!/usr/bin/env bash
# albumen thumbs vs vipsthumbnail vs ImageMagick on the same files, one run each, warm cache.
# Usage (from the workspace root): bash benches/thumbs.sh [FILES_LIST]
#   FILES_LIST: a file with one path per line (default: the corpus JPEGs over 100 kB, as the
#   preview-dupes check picks them, plus every HEIC). Prints seconds, files/s and ratios, and the
#   peak RSS of `albumen preview` on a 200-megapixel JPEG made here (and HEIC with BIG_HEIC=1),
#   then benches/dupes.py: `albumen dupes` vs czkawka_cli on one labelled set.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${ALBUMEN_CORPUS:-$(cd ../shared/corpus && pwd)}
BIN=target/release/albumen
cargo build --release -q --bin albumen
TMP=$(mktemp -d /tmp/albumen-thumbs-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
LIST=${1:-$TMP/list}
if [ -z "${1:-}" ]; then
  find "$CORPUS" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) -size +100k ! -path '*fuzz*' | sort > "$TMP/jpegs"
  find "$CORPUS" -type f -iname '*.heic' ! -path '*fuzz*' | sort > "$TMP/heics"
  cat "$TMP/jpegs" "$TMP/heics" > "$LIST"
fi
n=$(wc -l < "$LIST")
echo "files: $n ($(wc -l < "$TMP/jpegs" 2>/dev/null || echo ?) JPEGs > 100 kB, $(wc -l < "$TMP/heics" 2>/dev/null || echo ?) HEICs); $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
# warm the page cache
xargs -d '\n' cat < "$LIST" > /dev/null

t() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
mkdir -p "$TMP/vips" "$TMP/im"
ta=$(t xargs -d '\n' "$BIN" thumbs --cache "$TMP/cache" --size 256 --json < "$LIST")
tr=$(t xargs -d '\n' "$BIN" thumbs --cache "$TMP/cache" --size 256 --json < "$LIST")
tv=$(t xargs -d '\n' vipsthumbnail -s 256 -o "$TMP/vips/%s.jpg" < "$LIST")
# ImageMagick: one process per file (mogrify would need writable copies); -define jpeg:size
# lets libjpeg scale at decode time, as vips and albumen do.
ti=$(t bash -c 'i=0; while IFS= read -r f; do i=$((i+1)); convert -define jpeg:size=512x512 "$f[0]" -auto-orient -thumbnail 256x256 "$0/im/$i.jpg"; done < "$1"' "$TMP" "$LIST")
made=$(xargs -d '\n' "$BIN" thumbs --cache "$TMP/cache" --size 256 --json < "$LIST" 2>/dev/null | grep -c '"error": null' || true)
printf '%-28s %8s %10s\n' tool seconds files/s
for row in "albumen-thumbs(first) $ta" "albumen-thumbs(cached) $tr" "vipsthumbnail $tv" "imagemagick-convert $ti"; do
  set -- $row
  printf '%-28s %8.2f %10.1f\n' "$1" "$2" "$(echo "$n / $2" | bc -l)"
done
echo "albumen made $made previews of $n files"
printf 'ratio: albumen %.2fx vipsthumbnail, %.2fx ImageMagick\n' "$(echo "$tv / $ta" | bc -l)" "$(echo "$ti / $ta" | bc -l)"

# Peak RSS on a 200-megapixel picture (16384x12288), JPEG and HEIC. vips writes it in strips
# (a colour gradient, so every block holds data), without holding it in memory.
vips xyz "$TMP/xy.v" 16384 12288
vips linear "$TMP/xy.v" "$TMP/lin.v" "0.0156 0.0208" "0 0" --uchar
vips bandjoin_const "$TMP/lin.v" "$TMP/rgb.v" 128
vips copy "$TMP/rgb.v" "$TMP/big.jpg[Q=90]" --interpretation srgb
rm -f "$TMP/xy.v" "$TMP/lin.v" "$TMP/rgb.v"
rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
echo "200 MP JPEG ($(du -h "$TMP/big.jpg" | cut -f1)): albumen preview --size 256 peak RSS $(rss "$BIN" preview "$TMP/big.jpg" -o "$TMP/o.jpg" --size 256) KiB; vipsthumbnail $(rss vipsthumbnail -s 256 -o "$TMP/v.jpg" "$TMP/big.jpg") KiB"
# A 200 MP HEIC takes long to encode even with x265's fastest preset: only with BIG_HEIC=1.
# Two files: without a thumbnail item (libheif decodes the whole primary image) and with a
# 512 px one (as cameras and phones write; the preview uses it).
if [ "${BIG_HEIC:-0}" = 1 ] && command -v heif-enc > /dev/null; then
  heif-enc -q 40 -p preset=ultrafast "$TMP/big.jpg" -o "$TMP/big.heic" > /dev/null 2>&1 || true
  heif-enc -q 40 -p preset=ultrafast -t 512 "$TMP/big.jpg" -o "$TMP/big-t.heic" > /dev/null 2>&1 || true
  for h in big.heic big-t.heic; do
    [ -f "$TMP/$h" ] || continue
    echo "200 MP HEIC $h ($(du -h "$TMP/$h" | cut -f1)): albumen preview --size 256 peak RSS $(rss "$BIN" preview "$TMP/$h" -o "$TMP/o2.jpg" --size 256) KiB; vipsthumbnail $(rss vipsthumbnail -s 256 -o "$TMP/v2.jpg" "$TMP/$h") KiB"
  done
fi

# Duplicates: albumen dupes vs czkawka_cli on one labelled set (CZKAWKA_CLI=path, else PATH).
python3 benches/dupes.py "$BIN" "$CORPUS" ${CZKAWKA_CLI:-}
