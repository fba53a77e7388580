/**
 * onnxruntime-node engine: the CPU execution provider by default; its WebGPU EP ('webgpu') exists but needs a
 * Vulkan/Dawn device, so creating it fails cleanly (E_BACKEND_UNAVAILABLE) where there is none. The session
 * lives in a worker thread (sessionWorker.ts): onnxruntime-node would otherwise block the event loop for the
 * whole of every inference.
 */
import type { EngineModel, EngineRun, EngineTensor, InferenceEngine } from './inferenceEngine.js';
import { fromOrtTensor } from './ortTensor.js';
import { SessionWorker } from './sessionWorker.js';

export interface OnnxruntimeNodeOptions {
  device?: 'cpu' | 'webgpu';
  /** Threads inside one operator; default: onnxruntime's choice (all cores). */
  intraOpNumThreads?: number;
}

export async function createOnnxruntimeNodeEngine(bytes: Uint8Array, model: EngineModel, opts: OnnxruntimeNodeOptions = {}): Promise<InferenceEngine> {
  const device = opts.device ?? 'cpu';
  const worker = await SessionWorker.create('onnxruntime-node', bytes, {
    sessionOptions: { executionProviders: [device], graphOptimizationLevel: 'all', ...(opts.intraOpNumThreads ? { intraOpNumThreads: opts.intraOpNumThreads } : {}) },
    sessionErrorCode: device === 'webgpu' ? 'E_BACKEND_UNAVAILABLE' : 'E_SESSION_CREATE',
    label: `onnxruntime-node (${device})`,
  });
  return workerEngine('onnxruntime-node', worker, model);
}

/** An InferenceEngine over a SessionWorker (shared with the onnxruntime-web wasm engine). */
export function workerEngine(backend: InferenceEngine['backend'], worker: SessionWorker, model: EngineModel): InferenceEngine {
  return {
    backend,
    maxBatch: model.maxBatch,
    inputDataType: model.inputDataType,
    async run(input: EngineTensor): Promise<EngineRun> {
      const out = await worker.run(model.inputName, model.inputDataType, input.data, input.dims, model.outputName);
      return { output: fromOrtTensor(out, model.outputName) };
    },
    dispose: () => worker.close(),
  };
}
