# Python-backend echo: every input present comes back unchanged as the output of the same suffix
# (IN_x -> OUT_x). Used for datatype round trips (BYTES, BOOL, INT64, FP16 ...).
import json
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        self.names = [i["name"] for i in cfg["input"]]

    def execute(self, requests):
        responses = []
        for r in requests:
            outs = []
            for n in self.names:
                t = pb_utils.get_input_tensor_by_name(r, n)
                if t is not None:
                    outs.append(pb_utils.Tensor("OUT" + n[2:], t.as_numpy()))
            responses.append(pb_utils.InferenceResponse(outs))
        return responses
