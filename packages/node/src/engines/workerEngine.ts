/** An InferenceEngine over a SessionWorker: what the onnxruntime-node and onnxruntime-web (wasm) engines share. */
import type { EngineInput, EngineModel, EngineRun, InferenceEngine } from './inferenceEngine.js';
import { fromOrtTensor } from './ortTensor.js';
import type { SessionWorker } from './sessionWorker.js';

export function workerEngine(backend: InferenceEngine['backend'], worker: SessionWorker, model: EngineModel): InferenceEngine {
  return {
    backend,
    maxBatch: model.maxBatch,
    inputDataType: model.inputDataType,
    async run(input: EngineInput): Promise<EngineRun> {
      const out = await worker.run(model.inputName, model.inputDataType, input.data, input.dims, model.outputName);
      return { output: fromOrtTensor(out, model.outputName) };
    },
    dispose: () => worker.close(),
  };
}
