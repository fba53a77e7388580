// Sources of the python-backend models the repository generator writes. They use only numpy (present in
// the NGC tritonserver image), except the onnxruntime stand-in, which needs `pip install onnxruntime-gpu`.
// Names and dtypes come from the model's config (args["model_config"]), so one source fits every model.

/**
 * Tensor I/O that survives numpy 2. Python-backend stubs built against numpy 1 (tritonserver 2.51 of the
 * nvidia-pytriton wheel, at least) misread numpy 2 arrays without an error: as_numpy() returns wrong values
 * and pb_utils.Tensor(name, ndarray) sends the right shape with 0 bytes. DLPack works both ways there; under
 * numpy 1 the same DLPack calls crash those stubs, so each numpy keeps the calls that work with it. (Under
 * numpy 2 the stub prints a harmless "PyCapsule_GetPointer" traceback per output while freeing the capsule.)
 */
const TENSOR_IO_PY = `_NUMPY2 = int(np.__version__.split(".")[0]) >= 2


def _input(request, name):
    t = pb_utils.get_input_tensor_by_name(request, name)
    return np.from_dlpack(t) if _NUMPY2 else t.as_numpy()


def _output(name, array):
    array = np.ascontiguousarray(array)
    return pb_utils.Tensor.from_dlpack(name, array) if _NUMPY2 else pb_utils.Tensor(name, array)
`;

/** UINT8 letterboxed HWC image(s) → normalised CHW in the main model's input dtype (x / 255). */
export const PREPROCESS_PY = `# Sightline pre-processing step: UINT8 [B,H,W,3] (already letterboxed by the client, RGB) -> [B,3,H,W]
# float in the next model's dtype, scaled to 0..1. Sending UINT8 is 4x less upload than FP32.
import json
import numpy as np
import triton_python_backend_utils as pb_utils

_NP = {"TYPE_FP16": np.float16, "TYPE_FP32": np.float32}

${TENSOR_IO_PY}

class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        self.in_name = cfg["input"][0]["name"]
        self.out_name = cfg["output"][0]["name"]
        self.dtype = _NP[cfg["output"][0]["data_type"]]

    def execute(self, requests):
        responses = []
        for r in requests:
            x = _input(r, self.in_name)
            y = np.ascontiguousarray(x.transpose(0, 3, 1, 2)).astype(np.float32) * np.float32(1.0 / 255.0)
            responses.append(pb_utils.InferenceResponse([_output(self.out_name, y.astype(self.dtype, copy=False))]))
        return responses
`;

/**
 * Server-side NMS: raw YOLO output → [B, K, 6] rows (x1, y1, x2, y2, score, class) in input-pixel
 * (letterboxed) coordinates, zero-padded, plus the valid count. Layout "v8" is [4+nc, N] (no
 * objectness), "v5" is [N, 5+nc] (objectness × class score).
 */
export const NMS_PY = `# Sightline end-to-end step: class-aware NMS on raw YOLO output, so clients download KBs, not MBs.
# Output rows: x1, y1, x2, y2, score, class (letterboxed input pixels), zero-padded to max_det.
import json
import numpy as np
import triton_python_backend_utils as pb_utils

${TENSOR_IO_PY}

def _nms(boxes, scores, iou):
    order = scores.argsort()[::-1]
    keep = []
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    while order.size > 0:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = w * h
        order = rest[inter / (areas[i] + areas[rest] - inter + 1e-9) <= iou]
    return np.asarray(keep, dtype=np.int64)


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        p = {k: v["string_value"] for k, v in cfg.get("parameters", {}).items()}
        self.layout = p.get("layout", "v8")
        self.conf = float(p.get("conf", "0.25"))
        self.iou = float(p.get("iou", "0.45"))
        self.max_det = int(p.get("max_det", "100"))
        self.in_name = cfg["input"][0]["name"]
        self.det_name = cfg["output"][0]["name"]
        self.num_name = cfg["output"][1]["name"]

    def _one(self, y):
        y = y.astype(np.float32, copy=False)
        if self.layout == "v8":
            y = y.T  # [N, 4+nc]
            cls_scores = y[:, 4:]
        else:
            cls_scores = y[:, 5:] * y[:, 4:5]
        cls = cls_scores.argmax(1)
        score = cls_scores[np.arange(cls.size), cls]
        m = score > self.conf
        xywh, score, cls = y[m, :4], score[m], cls[m]
        boxes = np.empty_like(xywh)
        boxes[:, :2] = xywh[:, :2] - xywh[:, 2:] / 2
        boxes[:, 2:] = xywh[:, :2] + xywh[:, 2:] / 2
        # Class-aware NMS in one pass: offset boxes per class so different classes never overlap.
        keep = _nms(boxes + cls[:, None].astype(np.float32) * 7680.0, score, self.iou)[: self.max_det]
        out = np.zeros((self.max_det, 6), dtype=np.float32)
        n = keep.size
        out[:n, :4] = boxes[keep]
        out[:n, 4] = score[keep]
        out[:n, 5] = cls[keep]
        return out, n

    def execute(self, requests):
        responses = []
        for r in requests:
            x = _input(r, self.in_name)
            dets = np.zeros((x.shape[0], self.max_det, 6), dtype=np.float32)
            nums = np.zeros((x.shape[0], 1), dtype=np.int32)
            for b in range(x.shape[0]):
                dets[b], nums[b, 0] = self._one(x[b])
            responses.append(pb_utils.InferenceResponse([_output(self.det_name, dets), _output(self.num_name, nums)]))
        return responses
`;

/** The ONNX model run by onnxruntime inside the python backend (CUDA when the instance is a GPU one). */
export const ONNX_PY = `# Sightline python-backend stand-in: runs model.onnx (next to this file) with onnxruntime, for servers
# without a TensorRT or onnxruntime backend. Needs onnxruntime (or onnxruntime-gpu) in the stub's python.
import json
import os
import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils

_NP = {"TYPE_FP16": np.float16, "TYPE_FP32": np.float32, "TYPE_UINT8": np.uint8}

${TENSOR_IO_PY}

class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        p = {k: v["string_value"] for k, v in cfg.get("parameters", {}).items()}
        path = os.path.join(args["model_repository"], args["model_version"], "model.onnx")
        providers = ["CPUExecutionProvider"]
        if args.get("model_instance_kind") == "GPU":
            providers.insert(0, ("CUDAExecutionProvider", {"device_id": int(args["model_instance_device_id"])}))
        so = ort.SessionOptions()
        so.intra_op_num_threads = int(p.get("threads", "0"))
        self.sess = ort.InferenceSession(path, so, providers=providers)
        self.onnx_in = self.sess.get_inputs()[0]
        self.onnx_dtype = np.float16 if self.onnx_in.type == "tensor(float16)" else np.float32
        self.in_name = cfg["input"][0]["name"]
        self.outs = [(o["name"], _NP[o["data_type"]]) for o in cfg["output"]]

    def execute(self, requests):
        xs = [_input(r, self.in_name) for r in requests]
        sizes = [x.shape[0] for x in xs]
        # Requests gathered by the dynamic batcher run as one onnxruntime call.
        ys = self.sess.run([n for n, _ in self.outs], {self.onnx_in.name: np.concatenate(xs, 0).astype(self.onnx_dtype, copy=False)})
        responses, o = [], 0
        for n in sizes:
            tensors = [_output(name, y[o : o + n].astype(dt, copy=False)) for (name, dt), y in zip(self.outs, ys)]
            responses.append(pb_utils.InferenceResponse(tensors))
            o += n
        return responses
`;
