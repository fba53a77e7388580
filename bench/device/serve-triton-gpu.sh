#!/usr/bin/env bash
# serve-triton-gpu.sh — device call 1 of the H100 hybrid run (see stage-hybrid-gpu.sh): unpacks the tritonserver
# runtime and the onnx libraries carried in .whl/, writes the model repository (triton_gpu_repo.py: yolov8n_u8
# and yolov8n_e2e on CUDA), starts the server detached (setsid: it outlives this call while the machine stays
# warm) with HTTP on 18000, and waits until both models answer a request.
set -euo pipefail
D=/tmp/tr; mkdir -p $D
tar -xJf .whl/triton.tar.xz -C $D
tar -xJf .whl/pylibs.tar.xz -C $D
PYV=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
echo "python $PYV; $(python3 -c 'import torch, numpy; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "numpy", numpy.__version__)')"
STUB=$D/runtime/python_backend_stubs/$PYV/triton_python_backend_stub
[ -f "$STUB" ] || { echo "no python-backend stub for Python $PYV (staged: $(ls $D/runtime/python_backend_stubs)); re-stage with DEVICE_PYTHON=$PYV"; exit 1; }
cp "$STUB" $D/runtime/backends/python/
python3 bench/device/triton_gpu_repo.py --onnx "$PWD/.device-hybrid/yolov8n_dynamic_batch.onnx" --repo /tmp/repo --pylibs $D/pylibs --max-batch 64
export LD_LIBRARY_PATH=$D/libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
setsid $D/runtime/bin/tritonserver --model-repository=/tmp/repo --backend-directory=$D/runtime/backends \
  --http-port=18000 --grpc-port=18001 --metrics-port=18002 --allow-metrics=false --log-verbose=0 \
  --backend-config=python,shm-default-byte-size=134217728 --backend-config=python,shm-growth-byte-size=134217728 \
  > /tmp/triton.log 2>&1 < /dev/null &
for i in $(seq 1 240); do
  if python3 - <<'PY' 2>/dev/null
import json, urllib.request
for m in ('yolov8n_u8', 'yolov8n_e2e'):
    urllib.request.urlopen(f'http://127.0.0.1:18000/v2/models/{m}/ready', timeout=2)
PY
  then break; fi
  sleep 0.5
done
# One real request per model: a grey frame, outputs read back (an empty body fails here, not in the bench).
python3 - <<'PY'
import json, struct, time, urllib.request
x = bytes([114]) * (3 * 640 * 640)
for m, out in (('yolov8n_u8', 84 * 8400 * 4), ('yolov8n_e2e', 300 * 6 * 4)):
    head = json.dumps({'inputs': [{'name': 'images', 'shape': [1, 3, 640, 640], 'datatype': 'UINT8', 'parameters': {'binary_data_size': len(x)}}],
                       'outputs': [{'name': 'output0' if m == 'yolov8n_u8' else 'detections', 'parameters': {'binary_data': True}}]}).encode()
    t = time.time()
    r = urllib.request.urlopen(urllib.request.Request(f'http://127.0.0.1:18000/v2/models/{m}/infer', data=head + x,
        headers={'Inference-Header-Content-Length': str(len(head)), 'Content-Type': 'application/octet-stream'}), timeout=120)
    body = r.read()
    hl = int(r.headers['Inference-Header-Content-Length'])
    print(m, 'ok', len(body) - hl, 'bytes of tensor (expected', out, ')', round((time.time() - t) * 1000, 1), 'ms')
    assert len(body) - hl == out, 'empty or short output'
PY
tail -5 /tmp/triton.log
