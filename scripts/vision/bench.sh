#!/usr/bin/env bash
# Vision figures for BENCHMARKS.md (issue 30): per-photo `albumen vision` time with and without
# the classifier, on one thread and on all cores; `albumen similar` latency on a real index;
# the index's size per photo with and without `--vision`.
# Usage: bash scripts/vision/bench.sh [RUNS]   (needs target/release/albumen, models/, the corpus)
# Each timing is the best of RUNS (default 2): the machine may be shared.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${ALBUMEN_BIN:-$PWD/target/release/albumen}
CORPUS=${ALBUMEN_CORPUS:-$PWD/../shared/corpus}
MODELS=${ALBUMEN_MODELS:-$PWD/models}
RUNS=${1:-2}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# 12 camera photos: the nine nature photos and three camera JPEGs.
mapfile -t PHOTOS < <( (ls "$CORPUS"/immich-test-assets/albums/nature/*.jpg;
  ls "$CORPUS"/metadata-extractor-images/jpg/*.jpg | head -3) )
N=${#PHOTOS[@]}
# The same models without the classifier.
mkdir "$TMP/noclass"
for f in "$MODELS"/*; do
  [ "$(basename "$f")" = efficientnet-lite0.onnx ] || ln -s "$f" "$TMP/noclass/"
done

best() { # best wall time in ms of RUNS runs of "$@"
  local b=""
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
  done
  echo "$b"
}

echo "vision per photo ($N photos; (time for $N - time for 1) / $((N - 1)), best of $RUNS):"
for threads in 1 "$(nproc)"; do
  for m in "$MODELS" "$TMP/noclass"; do
    label=$([ "$m" = "$MODELS" ] && echo "with classifier" || echo "without classifier")
    all=$(ALBUMEN_VISION_THREADS=$threads ALBUMEN_MODELS=$m best "$BIN" vision --json "${PHOTOS[@]}")
    one=$(ALBUMEN_VISION_THREADS=$threads ALBUMEN_MODELS=$m best "$BIN" vision --json "${PHOTOS[0]}")
    echo "  $threads thread(s), $label: $(( (all - one) / (N - 1) )) ms/photo (load + first photo $one ms)"
  done
done

echo "index size (the $N photos copied into a library):"
mkdir "$TMP/lib"
cp "${PHOTOS[@]}" "$TMP/lib/"
"$BIN" scan "$TMP/lib" --db "$TMP/plain.db" >/dev/null 2>&1
ALBUMEN_MODELS=$MODELS "$BIN" scan "$TMP/lib" --vision --db "$TMP/vision.db" >/dev/null 2>&1
for db in plain vision; do
  sqlite3 "$TMP/$db.db" "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;" >/dev/null
done
p=$(stat -c %s "$TMP/plain.db"); v=$(stat -c %s "$TMP/vision.db")
e=$(sqlite3 "$TMP/vision.db" "SELECT count(*), sum(length(vec)) FROM embeddings")
echo "  without --vision: $p bytes; with: $v bytes; vision adds $(( (v - p) / N )) bytes/photo; embeddings (count, bytes): $e"

echo "albumen similar on that index (one process: load the classifier, embed, scan; best of $RUNS):"
echo "  $(ALBUMEN_MODELS=$MODELS best "$BIN" similar "${PHOTOS[0]}" --db "$TMP/vision.db" --json) ms"
