# Python-backend model serving a YOLOv8 ONNX file with onnxruntime (CPU). One file for every variant; the
# config's parameters choose the input handling (FP32 / UINT8 normalised here / FP16) and the output
# (raw [B,84,N] in the output dtype, or end-to-end [B,K,6] after class-aware NMS in numpy).
import json
import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils


def _nms(boxes, scores, iou):
    order = scores.argsort()[::-1]
    keep = []
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    while order.size > 0:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order[1:]])
        yy1 = np.maximum(y1[i], y1[order[1:]])
        xx2 = np.minimum(x2[i], x2[order[1:]])
        yy2 = np.minimum(y2[i], y2[order[1:]])
        inter = np.maximum(0.0, xx2 - xx1) * np.maximum(0.0, yy2 - yy1)
        ious = inter / (areas[i] + areas[order[1:]] - inter + 1e-9)
        order = order[1:][ious <= iou]
    return np.array(keep, dtype=np.int64)


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        p = {k: v["string_value"] for k, v in cfg.get("parameters", {}).items()}
        so = ort.SessionOptions()
        so.intra_op_num_threads = int(p.get("threads", "2"))
        self.sess = ort.InferenceSession(p["onnx_path"], so, providers=["CPUExecutionProvider"])
        self.in_name = cfg["input"][0]["name"]
        self.out_name = cfg["output"][0]["name"]
        self.out_type = cfg["output"][0]["data_type"]
        self.mode = p.get("mode", "raw")
        self.conf = float(p.get("conf", "0.25"))
        self.iou = float(p.get("iou", "0.7"))
        self.max_det = int(p.get("max_det", "300"))

    def _prep(self, x):
        if x.dtype == np.uint8:
            return x.astype(np.float32) * np.float32(1.0 / 255.0)
        return x.astype(np.float32, copy=False)

    def _e2e(self, raw):
        out = np.zeros((raw.shape[0], self.max_det, 6), dtype=np.float32)
        for b in range(raw.shape[0]):
            p = raw[b].T  # [N, 4+C]
            cls = p[:, 4:].argmax(1)
            score = p[np.arange(p.shape[0]), 4 + cls]
            m = score > self.conf
            p, cls, score = p[m], cls[m], score[m]
            if p.shape[0] == 0:
                continue
            xy = np.stack([p[:, 0] - p[:, 2] / 2, p[:, 1] - p[:, 3] / 2, p[:, 0] + p[:, 2] / 2, p[:, 1] + p[:, 3] / 2], 1)
            keep = _nms(xy + cls[:, None] * 7680.0, score, self.iou)[: self.max_det]
            n = keep.size
            out[b, :n, :4] = xy[keep]
            out[b, :n, 4] = score[keep]
            out[b, :n, 5] = cls[keep]
        return out

    def execute(self, requests):
        # Dynamic batching hands over several requests: run them as one batch, split the result back.
        xs = [pb_utils.get_input_tensor_by_name(r, self.in_name).as_numpy() for r in requests]
        sizes = [x.shape[0] for x in xs]
        raw = self.sess.run(None, {self.sess.get_inputs()[0].name: self._prep(np.concatenate(xs, 0))})[0]
        if self.mode == "e2e":
            res = self._e2e(raw)
        else:
            res = raw.astype(np.float16) if self.out_type == "TYPE_FP16" else raw
        responses = []
        o = 0
        for n in sizes:
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor(self.out_name, np.ascontiguousarray(res[o : o + n]))]))
            o += n
        return responses
