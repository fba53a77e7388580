# Python-backend model serving an image-classification ONNX file (MobileNetV2, logits) with onnxruntime.
import json
import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        p = {k: v["string_value"] for k, v in cfg.get("parameters", {}).items()}
        so = ort.SessionOptions()
        so.intra_op_num_threads = int(p.get("threads", "2"))
        self.sess = ort.InferenceSession(p["onnx_path"], so, providers=["CPUExecutionProvider"])
        self.in_name = cfg["input"][0]["name"]
        self.out_name = cfg["output"][0]["name"]

    def execute(self, requests):
        xs = [pb_utils.get_input_tensor_by_name(r, self.in_name).as_numpy().astype(np.float32, copy=False) for r in requests]
        sizes = [x.shape[0] for x in xs]
        y = self.sess.run(None, {self.sess.get_inputs()[0].name: np.concatenate(xs, 0)})[0]
        out, o = [], 0
        for n in sizes:
            out.append(pb_utils.InferenceResponse([pb_utils.Tensor(self.out_name, np.ascontiguousarray(y[o : o + n]))]))
            o += n
        return out
