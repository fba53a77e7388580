"""Write a Triton model repository that serves YOLOv8n on the GPU through the plain python backend
(torch, converted from ONNX with onnx2torch), for the bare `tritonserver` binary of the nvidia-pytriton wheel.

Why not PyTriton: on the H100 image, PyTriton's proxy answered every request with the right shape and
`binary_data_size: 0` (even for a model returning np.ones((1, 300, 6))), so its own client failed too.
The plain python backend is what CI runs on CPU, so the remote path stays the same code on both.

usage: python triton_gpu_repo.py --onnx yolov8n_dynamic_batch.onnx --repo /tmp/repo [--max-batch 64] [--pylibs DIR] [--device cpu]
Serves two models, both UINT8 [B,3,640,640] letterboxed pixels in:
  yolov8n_u8   FP32 [B,84,8400] raw head out (2.8 MB per image)
  yolov8n_e2e  FP32 [B,300,6] x1,y1,x2,y2,score,class out (7 KB per image): the conf filter runs on the GPU,
               then class-aware greedy NMS on the few candidates, with the same arithmetic as the NMS step
               `writeModelRepository` generates (packages/triton/src/modelRepository/pythonModels.ts).
--pylibs: a folder of unpacked wheels (onnx, onnx2torch, ...) the models put on sys.path: the python-backend
stub does not see PYTHONPATH, and the image's site-packages stay untouched.
"""
import argparse, os, re

ap = argparse.ArgumentParser()
ap.add_argument('--onnx', required=True)
ap.add_argument('--repo', required=True)
ap.add_argument('--max-batch', type=int, default=64)
ap.add_argument('--pylibs', default='')
ap.add_argument('--conf', type=float, default=0.25)
ap.add_argument('--iou', type=float, default=0.7)
ap.add_argument('--max-det', type=int, default=300)
ap.add_argument('--device', default='cuda', help='cpu: a smoke run of the same models without a GPU')
args = ap.parse_args()

MODEL_PY = r'''
import json, sys, types
import numpy as np
import triton_python_backend_utils as pb_utils

PYLIBS = __PYLIBS__
if PYLIBS:
    sys.path.insert(0, PYLIBS)
import torch, onnx
from torch.utils.dlpack import from_dlpack, to_dlpack
try:
    import torchvision  # noqa: F401  (onnx2torch imports it for NMS/RoiAlign converters YOLOv8n does not use)
except ImportError:
    tv = types.ModuleType("torchvision")
    tv.ops = types.ModuleType("torchvision.ops")
    def _missing(*a, **k):
        raise NotImplementedError("torchvision is not installed")
    tv.ops.nms = tv.ops.box_convert = tv.ops.roi_align = _missing
    sys.modules["torchvision"], sys.modules["torchvision.ops"] = tv, tv.ops
import onnx2torch.node_converters.registry as reg
import onnx2torch.converter as conv
import onnx2torch.node_converters as nc
from onnx2torch import convert

_orig = reg.get_converter
def _get_converter(operation_type, version, domain=''):
    # Split-18/Resize-19 only add optional attributes these graphs do not use: reuse the newest converter.
    try:
        return _orig(operation_type, version, domain)
    except NotImplementedError:
        vs = sorted(d.version for d in reg._CONVERTER_REGISTRY if d.operation_type == operation_type and d.domain == domain and d.version <= version)
        if not vs:
            raise
        return _orig(operation_type, vs[-1], domain)
reg.get_converter = conv.get_converter = nc.get_converter = _get_converter


__NMS__

def _out(name, array):
    # DLPack, not pb_utils.Tensor(name, ndarray): with numpy 2 that arrives with the right shape and 0 bytes.
    return pb_utils.Tensor.from_dlpack(name, to_dlpack(torch.from_numpy(np.ascontiguousarray(array))))


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        p = {k: v["string_value"] for k, v in cfg.get("parameters", {}).items()}
        self.e2e = p.get("e2e", "0") == "1"
        self.conf, self.iou, self.max_det = float(p.get("conf", "0.25")), float(p.get("iou", "0.7")), int(p.get("max_det", "300"))
        self.out_name = cfg["output"][0]["name"]
        self.dev = torch.device(p.get("device", "cuda"))
        torch.backends.cudnn.benchmark = True
        self.model = convert(onnx.load(p["onnx"])).eval().to(self.dev)
        with torch.inference_mode():
            for b in (1, 4, 16, 64):
                self.model(torch.zeros(b, 3, 640, 640, device=self.dev))

    def _detections(self, y):
        """[B,84,N] on the GPU -> [B,max_det,6] rows on the CPU; only candidates above conf leave the GPU."""
        n = y.shape[0]
        scores, cls = y[:, 4:, :].max(1)
        b_idx, a_idx = (scores > self.conf).nonzero(as_tuple=True)
        cand = torch.cat([y[b_idx, :4, a_idx], scores[b_idx, a_idx, None], cls[b_idx, a_idx, None].float()], 1).cpu().numpy()
        counts = torch.bincount(b_idx, minlength=n).cpu().numpy()
        out = np.zeros((n, self.max_det, 6), dtype=np.float32)
        start = 0
        for b in range(n):
            c = cand[start:start + counts[b]]
            start += counts[b]
            if c.shape[0] == 0:
                continue
            boxes = np.empty((c.shape[0], 4), dtype=np.float32)
            boxes[:, :2] = c[:, :2] - c[:, 2:4] / 2
            boxes[:, 2:] = c[:, :2] + c[:, 2:4] / 2
            keep = _nms(boxes + c[:, 5:6] * 7680.0, c[:, 4], self.iou)[: self.max_det]
            k = keep.size
            out[b, :k, :4] = boxes[keep]
            out[b, :k, 4] = c[keep, 4]
            out[b, :k, 5] = c[keep, 5]
        return out

    def execute(self, requests):
        # The dynamic batcher hands over several requests at once: one forward pass for all of them.
        xs = [from_dlpack(pb_utils.get_input_tensor_by_name(r, "images").to_dlpack()) for r in requests]
        x = torch.cat(xs).to(self.dev, non_blocking=True).float().div_(255.0)
        with torch.inference_mode():
            y = self.model(x).float()
            y = self._detections(y) if self.e2e else y.cpu().numpy()
        out, i = [], 0
        for a in xs:
            out.append(pb_utils.InferenceResponse([_out(self.out_name, y[i:i + a.shape[0]])]))
            i += a.shape[0]
        return out
'''


def generated_nms():
    # The greedy NMS of the generated NMS step (packages/triton/src/modelRepository/pythonModels.ts), taken from
    # there rather than copied, so both servers suppress with the same arithmetic.
    src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'packages', 'triton', 'src', 'modelRepository', 'pythonModels.ts')).read()
    m = re.search(r'^def _nms\(boxes, scores, iou\):\n(?:    .*\n|\n)*?    return np\.asarray\(keep, dtype=np\.int64\)\n', src, re.M)
    if not m:
        raise SystemExit('could not find _nms in pythonModels.ts')
    return m.group(0)


MODEL_PY = MODEL_PY.replace('__PYLIBS__', repr(os.path.abspath(args.pylibs) if args.pylibs else '')).replace('__NMS__', generated_nms())


def config(name, output, dims, e2e):
    params = {'onnx': os.path.abspath(args.onnx), 'device': args.device, 'e2e': '1' if e2e else '0', 'conf': str(args.conf), 'iou': str(args.iou), 'max_det': str(args.max_det)}
    ps = '\n'.join(f'parameters {{ key: "{k}" value: {{ string_value: "{v}" }} }}' for k, v in params.items())
    return f'''name: "{name}"
backend: "python"
max_batch_size: {args.max_batch}
input [{{ name: "images" data_type: TYPE_UINT8 dims: [3, 640, 640] }}]
output [{{ name: "{output}" data_type: TYPE_FP32 dims: {dims} }}]
dynamic_batching {{ max_queue_delay_microseconds: 500 }}
instance_group [{{ kind: KIND_CPU count: 1 }}]
{ps}
'''


for name, output, dims, e2e in (('yolov8n_u8', 'output0', '[84, 8400]', False), ('yolov8n_e2e', 'detections', f'[{args.max_det}, 6]', True)):
    d = os.path.join(args.repo, name, '1')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'model.py'), 'w') as f:
        f.write(MODEL_PY)
    with open(os.path.join(args.repo, name, 'config.pbtxt'), 'w') as f:
        f.write(config(name, output, dims, e2e))
print('wrote', args.repo)
