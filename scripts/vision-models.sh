#!/usr/bin/env bash
# Fetches the on-device vision runtime and models (data, not code we build) from the Python
# package registry into models/ (gitignored; override with ALBUMEN_MODELS=DIR):
#   libonnxruntime.so            <- PyPI `onnxruntime` wheel (MIT, Microsoft)
#   ch_PP-OCRv4_det_infer.onnx   <- PyPI `rapidocr-onnxruntime` wheel (Apache-2.0; PaddleOCR
#   ch_PP-OCRv4_rec_infer.onnx      models, Apache-2.0). The recognition model carries its
#   ch_ppocr_mobile_v2.0_cls_infer.onnx  character dictionary in its ONNX metadata.
# Idempotent: does nothing when every file is present. Licences: scripts/vision/NOTICE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${ALBUMEN_MODELS:-models}"
ORT_VERSION=1.32.0
RAPIDOCR_VERSION=1.4.4
files=(libonnxruntime.so ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx)
missing=0
for f in "${files[@]}"; do [ -s "$dest/$f" ] || missing=1; done
if [ "$missing" = 0 ]; then echo "vision models: all present in $dest"; exit 0; fi
mkdir -p "$dest"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
py="$(command -v python3 || command -v python)"
# The wheel for this machine's platform and Python (libonnxruntime.so inside does not depend on
# the Python version; only the extension module beside it does).
"$py" -m pip download --quiet --no-deps -d "$tmp" "onnxruntime==$ORT_VERSION" "rapidocr-onnxruntime==$RAPIDOCR_VERSION"
"$py" - "$tmp" "$dest" <<'PY'
import glob, os, shutil, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
def take(wheel_glob, members):
    whl = glob.glob(os.path.join(tmp, wheel_glob))[0]
    with zipfile.ZipFile(whl) as z:
        names = z.namelist()
        for pattern, out in members:
            name = next(n for n in names if n == pattern or (pattern.endswith("*") and n.startswith(pattern[:-1])))
            part = os.path.join(dest, out + ".part")
            with z.open(name) as src, open(part, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(part, os.path.join(dest, out))
take("onnxruntime-*.whl", [("onnxruntime/capi/libonnxruntime.so.*", "libonnxruntime.so"),
                           ("onnxruntime/LICENSE", "LICENSE.onnxruntime"),
                           ("onnxruntime/ThirdPartyNotices.txt", "ThirdPartyNotices.onnxruntime.txt")])
take("rapidocr_onnxruntime-*.whl", [(f"rapidocr_onnxruntime/models/{m}", m) for m in
     ("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx")])
PY
echo "vision models: fetched into $dest (onnxruntime $ORT_VERSION, rapidocr-onnxruntime $RAPIDOCR_VERSION)"
