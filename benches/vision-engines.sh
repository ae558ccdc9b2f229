#!/usr/bin/env bash
# ONNX Runtime vs tract on albumen's vision models, side by side in one run: the same models,
# input shapes and constant input, one thread each, mean of RUNS runs after a warm-up, and a
# checksum of the first output from each engine (they should agree to a few digits).
# Usage: bash benches/vision-engines.sh [RUNS]   (models from scripts/vision-models.sh in
# ALBUMEN_MODELS or models/; ONNX Runtime's Python binding from the venv that script made).
# tract is built here on first use (benches/vision-engines, its own workspace; ~2-10 min).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
models="${ALBUMEN_MODELS:-models}"
py="${ORT_PYTHON:-$HOME/.cache/albumen/tf2onnx-venv/bin/python}"
[ -x "$py" ] || { echo "no Python with onnxruntime at $py (run scripts/vision-models.sh, or set ORT_PYTHON)"; exit 2; }
cargo build --release --quiet --manifest-path benches/vision-engines/Cargo.toml
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
ort=$("$py" scripts/vision/ortbench.py "$models" 1)
tract=$(benches/vision-engines/target/release/vision-engines "$models" "$runs")
echo "$ort"; echo "$tract"
python3 - "$ort" "$tract" <<'PY'
import re, sys
def parse(t):
    return {m.group(1): (float(m.group(2)), m.group(3)) for m in re.finditer(r"threads=1 (\S+) .*?([\d.]+) ms/run, sum\|out0\| (\S+)", t)}
o, t = parse(sys.argv[1]), parse(sys.argv[2])
print(f"{'model':40} {'ORT ms':>8} {'tract ms':>9} {'tract/ORT':>9}  checksums (ORT / tract)")
for m in o:
    if m in t:
        print(f"{m:40} {o[m][0]:8.1f} {t[m][0]:9.1f} {t[m][0] / o[m][0]:8.1f}x  {o[m][1]} / {t[m][1]}")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
