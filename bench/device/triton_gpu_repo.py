"""Write a Triton model repository that serves YOLOv8n on the GPU through the plain python backend
(torch, converted from ONNX with onnx2torch), for the bare `tritonserver` binary of the nvidia-pytriton wheel.

Why not PyTriton: on the H100 image, PyTriton's proxy answered every request with the right shape and
`binary_data_size: 0` (even for a model returning np.ones((1, 300, 6))), so its own client failed too.
The plain python backend is what CI runs on CPU, so the remote path stays the same code on both.

usage: python triton_gpu_repo.py --onnx yolov8n_dynamic_batch.onnx --repo /tmp/repo [--max-batch 64]
Serves model `yolov8n_u8`: UINT8 [B,3,640,640] letterboxed pixels in, FP32 [B,84,8400] out.
"""
import argparse, os

ap = argparse.ArgumentParser()
ap.add_argument('--onnx', required=True)
ap.add_argument('--repo', required=True)
ap.add_argument('--max-batch', type=int, default=64)
args = ap.parse_args()

MODEL_PY = r'''
import json, numpy as np, torch, onnx, triton_python_backend_utils as pb_utils
import onnx2torch.node_converters.registry as reg
import onnx2torch.converter as conv
import onnx2torch.node_converters as nc
from onnx2torch import convert
from torch.utils.dlpack import from_dlpack, to_dlpack

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


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        path = cfg["parameters"]["onnx"]["string_value"]
        self.dev = torch.device("cuda")
        self.model = convert(onnx.load(path)).eval().to(self.dev)
        with torch.inference_mode():
            self.model(torch.zeros(1, 3, 640, 640, device=self.dev))

    def execute(self, requests):
        # The dynamic batcher hands over several requests at once: one forward pass for all of them.
        # Tensors cross the stub through DLPack, not numpy: with numpy 2 in the environment, outputs made
        # with pb_utils.Tensor(name, ndarray) arrived with the right shape and 0 bytes.
        xs = [from_dlpack(pb_utils.get_input_tensor_by_name(r, "images").to_dlpack()) for r in requests]
        x = torch.cat(xs).to(self.dev, non_blocking=True).float().div_(255.0)
        with torch.inference_mode():
            y = self.model(x).float().cpu().contiguous()
        out, i = [], 0
        for a in xs:
            out.append(pb_utils.InferenceResponse([pb_utils.Tensor.from_dlpack("output0", to_dlpack(y[i:i + a.shape[0]].contiguous()))]))
            i += a.shape[0]
        return out
'''

CONFIG = f'''name: "yolov8n_u8"
backend: "python"
max_batch_size: {args.max_batch}
input [{{ name: "images" data_type: TYPE_UINT8 dims: [3, 640, 640] }}]
output [{{ name: "output0" data_type: TYPE_FP32 dims: [84, 8400] }}]
dynamic_batching {{ max_queue_delay_microseconds: 500 }}
instance_group [{{ kind: KIND_CPU count: 1 }}]
parameters {{ key: "onnx" value: {{ string_value: "{os.path.abspath(args.onnx)}" }} }}
'''

d = os.path.join(args.repo, 'yolov8n_u8', '1')
os.makedirs(d, exist_ok=True)
with open(os.path.join(d, 'model.py'), 'w') as f:
    f.write(MODEL_PY)
with open(os.path.join(args.repo, 'yolov8n_u8', 'config.pbtxt'), 'w') as f:
    f.write(CONFIG)
print('wrote', args.repo)
