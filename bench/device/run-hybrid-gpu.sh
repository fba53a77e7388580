#!/usr/bin/env bash
# run-hybrid-gpu.sh — device call 2 of the H100 hybrid run (see stage-hybrid-gpu.sh), right after
# serve-triton-gpu.sh left the server running: unpacks node + Dawn + onnxruntime-web and runs
# bench/device/hybrid-gpu.mjs against it. Extra arguments go to the bench; results and the server log land in $OUT.
set -euo pipefail
W=.device-webgpu
for f in $W/debs/*.deb; do dpkg -x "$f" /; done; ldconfig
mkdir -p /tmp/dw && for t in $W/*.tar.xz; do tar -xJf "$t" -C /tmp/dw; done; cp $W/setup.mjs /tmp/dw/
export PATH=/tmp/dw/bin:$PATH
python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:18000/v2/health/ready', timeout=2)" 2>/dev/null || { echo "no server on :18000: run serve-triton-gpu.sh first (same warm machine)"; exit 1; }
OUT=${OUT:-/tmp/out}
SIGHTLINE_ORT_DIR=/tmp/dw/ort node --import /tmp/dw/setup.mjs bench/device/hybrid-gpu.mjs \
  --model .device-hybrid/yolov8n_dynamic_batch.onnx --images .device-hybrid --url http://127.0.0.1:18000 \
  --out "$OUT/hybrid-gpu.json" "$@" 2>&1 | tee "$OUT/hybrid-gpu.log"
cp /tmp/triton.log "$OUT/triton.log" 2>/dev/null || true
