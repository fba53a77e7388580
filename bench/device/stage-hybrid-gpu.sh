#!/usr/bin/env bash
# stage-hybrid-gpu.sh — here (CPU machine), from the checkout root, after `npm test` (or setup-triton + build):
# packs what the H100 run of bench/device/hybrid-gpu.mjs needs into git-ignored folders, so that it takes two
# device calls back to back (each under the 64 MiB a call may carry):
#   .whl/triton.tar.xz    the tritonserver runtime of the test venv (binary, python backend, stubs, bundled libs)
#   .whl/pylibs.tar.xz    onnx + onnx2torch (and their small deps) for the image's Python, unpacked wheels
#   .device-hybrid/       the model and RGBA frames (the GPU machine has no sharp)
#   .device-webgpu/       node + Dawn + onnxruntime-web (../shared/device/webgpu-node-pack.sh)
# Call 1 (carry .whl .device-hybrid):  bash bench/device/serve-triton-gpu.sh      (starts the server, detached)
# Call 2 (carry .device-webgpu .device-hybrid packages/core/dist packages/web/dist packages/triton/dist
#         node_modules/comlink):       bash bench/device/run-hybrid-gpu.sh        (the bench; results in $OUT)
set -euo pipefail
ROOT=$(git rev-parse --show-toplevel); cd "$ROOT"
SHARED=${SIGHTLINE_SHARED:-$ROOT/../shared}
PYV=${DEVICE_PYTHON:-3.12}   # the H100 image's Python
for d in .whl .device-hybrid; do grep -qs "^/$d/\$" .gitignore || { echo "$d must be git-ignored"; exit 1; }; done
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# 1. tritonserver runtime from the venv scripts/setup-triton.mjs made (the nvidia-pytriton wheel's tree).
SP=$(ls -d .venv/lib/python3*/site-packages | head -1)
SRV=$SP/pytriton/tritonserver
[ -x "$SRV/bin/tritonserver" ] || { echo "no tritonserver in $SP: run npm test (or node scripts/setup-triton.mjs) first"; exit 1; }
mkdir -p "$T/tr/runtime" "$T/tr/libs" .whl
cp -r "$SRV/bin" "$SRV/backends" "$SRV/caches" "$T/tr/runtime/"
mkdir -p "$T/tr/runtime/python_backend_stubs"
cp -r "$SRV/python_backend_stubs/$PYV" "$T/tr/runtime/python_backend_stubs/"
# The bundled libpython 3.13 serves only the 3.13 stub.
find "$SP/nvidia_pytriton.libs" -maxdepth 1 -type f ! -name 'libpython3-*' -exec cp {} "$T/tr/libs/" \;
tar -C "$T/tr" -cf - runtime libs | xz -T0 -6 > .whl/triton.tar.xz

# 2. onnx + onnx2torch for the image's Python (it has torch and numpy; the model code puts pylibs on sys.path).
mkdir -p "$T/whl" "$T/pylibs/pylibs"
pip download --no-deps --only-binary=:all: --python-version "$PYV" --implementation cp --abi "cp${PYV/./}" \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d "$T/whl" -q onnx protobuf ml_dtypes typing_extensions onnx2torch
for w in "$T"/whl/*.whl; do python3 -m zipfile -e "$w" "$T/pylibs/pylibs/"; done
tar -C "$T/pylibs" -cf - pylibs | xz -T0 -6 > .whl/pylibs.tar.xz

# 3. Model and frames.
mkdir -p .device-hybrid
cp "$SHARED/models/yolov8n_dynamic_batch.onnx" .device-hybrid/
node bench/device/prepare-hybrid-images.mjs bus.jpg,zidane.jpg

# 4. Node + Dawn + onnxruntime-web.
[ -f .device-webgpu/setup.mjs ] || bash "$SHARED/device/webgpu-node-pack.sh"
du -sh .whl .device-hybrid .device-webgpu
