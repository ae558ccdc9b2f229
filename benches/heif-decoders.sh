#!/bin/bash
# Issue 26: pure-Rust HEIF decoders against libheif (heif-thumbnailer -p -s 1024) on every
# HEIC/HEIF/AVIF of the corpus. EV is a small program (not in the repo: it links all three
# candidates) that decodes with `heifer::decode_srgb_rgba8` ("heifer"), `heifer::decode_rgba8`
# ("heifer-raw"), `heic_rs::decode(.., Rgb8)` or `heic_decoder::decode(..).to_rgb8()` and writes
# a PPM. Per file: wall time, peak RSS (/usr/bin/time %M) and d = mean |difference| of the
# 16x16 grey signature of checks/no-system-deps (0..1; the check accepts < 0.08).
# build it: (cd benches/heif-decoders && cargo build --release)
EV=${EV:-benches/heif-decoders/target/release/heif-decoders}
sig() { convert "$1" -auto-orient -resize '16x16!' -colorspace Gray -depth 8 gray:- 2>/dev/null | od -An -v -tu1 | tr -s ' \n' ' '; }
d() { python3 - "$1" "$2" <<'PY'
import sys
a, b = [list(map(int, x.split())) for x in sys.argv[1:3]]
print("%.4f" % (sum(abs(x - y) for x, y in zip(a, b)) / max(len(a), 1) / 255) if len(a) == len(b) == 256 else "n/a")
PY
}
t=/tmp/heval/out; mkdir -p $t
find ${ALBUMEN_CORPUS:-../shared/corpus} -type f \( -iname '*.heic' -o -iname '*.heif' -o -iname '*.hif' -o -iname '*.avif' \) | sort | while read f; do
  s=$(date +%s%N); timeout 60 heif-thumbnailer -p -s 1024 "$f" $t/ref.png >/dev/null 2>&1; rc=$?; e=$(( ($(date +%s%N)-s)/1000000 ))
  if [ $rc != 0 ]; then echo "$f | libheif: fails"; continue; fi
  R=$(sig $t/ref.png); line="$f | libheif ${e}ms"
  for dec in heifer heic-rs heic-decoder; do
    s=$(date +%s%N); out=$(timeout 60 /usr/bin/time -f %M -o $t/rss "$EV" $dec "$f" $t/o.ppm 2>&1); rc=$?; e=$(( ($(date +%s%N)-s)/1000000 ))
    if [ $rc = 0 ]; then line="$line | $dec ${e}ms $(cat $t/rss)KB d=$(d "$R" "$(sig $t/o.ppm)")"; else line="$line | $dec FAIL($(echo $out|head -c 60))"; fi
    rm -f $t/o.ppm
  done
  echo "$line"
done
