/**
 * onnxruntime-web's wasm build run inside Node (what `import('onnxruntime-web')` resolves to there): the
 * fallback when the onnxruntime-node addon is unavailable on a platform.
 */
import { EngineError } from '@sightline/core';
import type { EngineModel, EngineRun, EngineTensor, InferenceEngine } from './inferenceEngine.js';
import { fromOrtTensor } from './ortTensor.js';

type OrtWeb = typeof import('onnxruntime-web');

export interface OnnxruntimeWasmOptions {
  /** wasm threads; default 1 (threads in Node need worker_threads and gain little at batch 1 on 2 cores). */
  numThreads?: number;
}

export async function createOnnxruntimeWasmEngine(bytes: Uint8Array, model: EngineModel, opts: OnnxruntimeWasmOptions = {}): Promise<InferenceEngine> {
  let ort: OrtWeb;
  try {
    ort = await import('onnxruntime-web');
  } catch (e) {
    throw new EngineError('E_BACKEND_UNAVAILABLE', `onnxruntime-web cannot be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  ort.env.wasm.numThreads = opts.numThreads ?? 1;
  let session: Awaited<ReturnType<OrtWeb['InferenceSession']['create']>>;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new EngineError('E_SESSION_CREATE', `onnxruntime-web (wasm) could not create a session: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  let disposed = false;
  return {
    backend: 'onnxruntime-web-wasm',
    maxBatch: model.maxBatch,
    inputDataType: model.inputDataType,
    async run(input: EngineTensor): Promise<EngineRun> {
      if (disposed) throw new EngineError('E_DISPOSED', 'engine is disposed');
      const tensor = new ort.Tensor(model.inputDataType, input.data, input.dims);
      try {
        const out = await session.run({ [model.inputName]: tensor }, [model.outputName]);
        return { output: fromOrtTensor(out[model.outputName], model.outputName) };
      } catch (e) {
        if (e instanceof EngineError) throw e;
        throw new EngineError('E_INFERENCE', `onnxruntime-web (wasm) run failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}
