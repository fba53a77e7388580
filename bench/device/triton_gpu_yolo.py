"""Serve YOLOv8n through PyTriton (the real tritonserver from the nvidia-pytriton wheel) on the GPU and
measure throughput/latency for batch 1..64 with the tritonclient HTTP client, plus the bare model on the
same device. The output sets the routing threshold of the hybrid engine (issue 5).

The H100 image has PyTorch but no Triton/ONNX-Runtime-GPU, so the ONNX graph is converted to PyTorch with
onnx2torch (its converters for newer opsets are reused for Split-18/Resize-19, which only add optional
attributes these graphs do not use; the converted model matches the ONNX reference output to 1e-3 px).

Caveat: with numpy 2 in the environment (the H100 image has 2.5.2), PyTriton 0.7.0 returns every output with
its shape and 0 bytes. The server part then fails at the first read-back below. For a working GPU server use
triton_gpu_repo.py (bare tritonserver, python backend, tensors through DLPack).

usage: python triton_gpu_yolo.py --model yolov8n_dynamic_batch.onnx --out results.json [--device cuda]
       python triton_gpu_yolo.py --model yolov8n_dynamic_batch.onnx --serve   (serve only, until killed:
       HTTP on 18000; --batches sets max_batch_size; see the caveat above)
"""
import argparse, json, os, sys, threading, time
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument('--model', required=True)
ap.add_argument('--out')
ap.add_argument('--serve', action='store_true', help='bind the models and serve until killed (no measurements)')
ap.add_argument('--device', default='cuda')
ap.add_argument('--batches', default='1,2,4,8,16,32,64')
ap.add_argument('--runs', type=int, default=30)
ap.add_argument('--concurrency', default='1,4')
ap.add_argument('--half', action='store_true', help='run the model in fp16 (autocast)')
args = ap.parse_args()
if not args.serve and not args.out:
    ap.error('--out is required unless --serve')

import torch, onnx
import onnx2torch.node_converters.registry as reg
import onnx2torch.converter as conv
import onnx2torch.node_converters as nc
from onnx2torch import convert

_orig = reg.get_converter
def _get_converter(operation_type, version, domain=''):
    try:
        return _orig(operation_type, version, domain)
    except NotImplementedError:
        vs = sorted(d.version for d in reg._CONVERTER_REGISTRY if d.operation_type == operation_type and d.domain == domain and d.version <= version)
        if not vs:
            raise
        return _orig(operation_type, vs[-1], domain)
reg.get_converter = conv.get_converter = nc.get_converter = _get_converter

dev = torch.device(args.device)
res = {'bench': 'triton-gpu-yolov8n', 'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'rows': [], 'notes': []}
if dev.type == 'cuda':
    res['machine'] = f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}"
else:
    res['machine'] = f"CPU smoke run, torch {torch.__version__}"
print(res['machine'], flush=True)

t0 = time.time()
model = convert(onnx.load(args.model)).eval().to(dev)
res['notes'].append(f"onnx2torch conversion + upload: {time.time() - t0:.1f} s")
batches = [int(b) for b in args.batches.split(',')]
sync = (lambda: torch.cuda.synchronize()) if dev.type == 'cuda' else (lambda: None)

def forward(x):
    with torch.inference_mode():
        if args.half and dev.type == 'cuda':
            with torch.autocast('cuda', dtype=torch.float16):
                return model(x).float()
        return model(x)

# 1. The bare model on the device (input already on the GPU): the ceiling for any server.
for b in ([] if args.serve else batches):
    x = torch.rand(b, 3, 640, 640, device=dev)
    for _ in range(3): forward(x)
    sync()
    ts = []
    for _ in range(args.runs):
        t = time.perf_counter(); forward(x); sync(); ts.append((time.perf_counter() - t) * 1000)
    med = float(np.median(ts))
    res['rows'].append({'case': f'bare torch b{b}', 'batch': b, 'ms_per_call': round(med, 3), 'ms_per_image': round(med / b, 3), 'images_per_s': round(1000 * b / med, 1)})
    print(res['rows'][-1], flush=True)

def save():
    if not args.out:
        return
    with open(args.out, 'w') as f:
        json.dump(res, f, indent=2)
save()

# 2. Through PyTriton: FP32 input (what a browser sends without a pre-processing model) and UINT8 input
# (letterboxed pixels, normalised on the server: 4x fewer bytes up).
from pytriton.decorators import batch
from pytriton.model_config import ModelConfig, Tensor, DynamicBatcher
from pytriton.triton import Triton, TritonConfig

@batch
def infer_fp32(images):
    x = torch.from_numpy(images).to(dev, non_blocking=True)
    return {'output0': forward(x).cpu().numpy()}

@batch
def infer_u8(images):
    x = torch.from_numpy(images).to(dev, non_blocking=True).float().div_(255.0)
    return {'output0': forward(x).cpu().numpy()}

@batch
def infer_e2e(images):
    # Server-side NMS: outputs [B, 300, 6] (x1,y1,x2,y2,score,class) so the download is KBs, not 2.8 MB.
    import torchvision
    x = torch.from_numpy(images).to(dev, non_blocking=True).float().div_(255.0)
    y = forward(x)  # [B, 84, N]
    out = np.zeros((y.shape[0], 300, 6), dtype=np.float32)
    for i in range(y.shape[0]):
        p = y[i].T
        scores, cls = p[:, 4:].max(1)
        keep = scores > 0.25
        p, scores, cls = p[keep], scores[keep], cls[keep]
        xy = torch.cat([p[:, :2] - p[:, 2:4] / 2, p[:, :2] + p[:, 2:4] / 2], 1)
        k = torchvision.ops.batched_nms(xy, scores, cls, 0.7)[:300]
        d = torch.cat([xy[k], scores[k, None], cls[k, None].float()], 1).cpu().numpy()
        out[i, :len(d)] = d
    return {'detections': out}

def serve_and_measure():
  maxb = max(batches)
  tcfg = TritonConfig(http_port=18000, grpc_port=18001, metrics_port=18002, log_verbose=0)
  with Triton(config=tcfg) as triton:
      common = dict(config=ModelConfig(max_batch_size=maxb, batcher=DynamicBatcher(max_queue_delay_microseconds=500)), strict=False)
      triton.bind('yolov8n', infer_fp32, inputs=[Tensor(name='images', dtype=np.float32, shape=(3, 640, 640))], outputs=[Tensor(name='output0', dtype=np.float32, shape=(84, 8400))], **common)
      triton.bind('yolov8n_u8', infer_u8, inputs=[Tensor(name='images', dtype=np.uint8, shape=(3, 640, 640))], outputs=[Tensor(name='output0', dtype=np.float32, shape=(84, 8400))], **common)
      triton.bind('yolov8n_e2e', infer_e2e, inputs=[Tensor(name='images', dtype=np.uint8, shape=(3, 640, 640))], outputs=[Tensor(name='detections', dtype=np.float32, shape=(300, 6))], **common)
      if args.serve:
          print('SERVING on :18000', flush=True)
          triton.serve()  # blocks until the process is killed
          return
      triton.run()
      import tritonclient.http as th
      url = 'localhost:18000'

      def client_run(model, dtype, b, conc, runs):
          arr = (np.random.rand(b, 3, 640, 640).astype(np.float32) if dtype == 'FP32' else (np.random.rand(b, 3, 640, 640) * 255).astype(np.uint8))
          out_name = 'detections' if model.endswith('e2e') else 'output0'
          lat = []
          lock = threading.Lock()
          def worker(n):
              c = th.InferenceServerClient(url, connection_timeout=120, network_timeout=600)
              inp = th.InferInput('images', list(arr.shape), dtype); inp.set_data_from_numpy(arr, binary_data=True)
              outs = [th.InferRequestedOutput(out_name, binary_data=True)]
              # Warm-up, and read the output back: PyTriton under numpy 2 answers with the right shape and no
              # bytes (binary_data_size 0), which as_numpy turns into a reshape error instead of a fast bench.
              y = c.infer(model, [inp], outputs=outs).as_numpy(out_name)
              want = b * (300 * 6 if model.endswith('e2e') else 84 * 8400)
              if y is None or y.size != want:
                  raise RuntimeError(f'{model} b{b}: output has {0 if y is None else y.size} values, expected {want}')
              for _ in range(n):
                  t = time.perf_counter(); c.infer(model, [inp], outputs=outs); dt = (time.perf_counter() - t) * 1000
                  with lock: lat.append(dt)
          per = max(2, runs // conc)
          ths = [threading.Thread(target=worker, args=(per,)) for _ in range(conc)]
          t = time.perf_counter()
          for x in ths: x.start()
          for x in ths: x.join()
          wall = time.perf_counter() - t
          lat.sort()
          return {'images_per_s': round(len(lat) * b / wall, 1), 'p50_ms': round(lat[len(lat) // 2], 2), 'p95_ms': round(lat[min(len(lat) - 1, int(len(lat) * 0.95))], 2),
                  'bytes_up_per_image': int(arr.nbytes / b), 'bytes_down_per_image': 300 * 6 * 4 if model.endswith('e2e') else 84 * 8400 * 4}

      for conc in [int(c) for c in args.concurrency.split(',')]:
          for b in batches:
              for model, dtype in [('yolov8n', 'FP32'), ('yolov8n_u8', 'UINT8'), ('yolov8n_e2e', 'UINT8')]:
                  if model != 'yolov8n_u8' and b not in (1, 8, maxb) and conc > 1: continue
                  r = client_run(model, dtype, b, conc, args.runs)
                  row = {'case': f'triton {model} b{b} c{conc}', 'batch': b, 'concurrency': conc, **r}
                  res['rows'].append(row)
                  print(row, flush=True)

try:
    serve_and_measure()
except Exception as e:  # keep the bare-model figures even if the server part fails
    res['notes'].append(f'PyTriton part failed: {type(e).__name__}: {str(e)[:500]}')
    print('PyTriton part failed', e, flush=True)
save()
print('wrote', args.out)
