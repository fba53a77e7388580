/**
 * onnxruntime-node engine: the CPU execution provider by default; its WebGPU EP ('webgpu') exists but needs a
 * Vulkan/Dawn device, so creating it fails cleanly (E_BACKEND_UNAVAILABLE) where there is none.
 */
import { EngineError } from '@sightline/core';
import type { EngineModel, EngineRun, EngineTensor, InferenceEngine } from './inferenceEngine.js';
import { fromOrtTensor } from './ortTensor.js';

type OrtNode = typeof import('onnxruntime-node');

export interface OnnxruntimeNodeOptions {
  device?: 'cpu' | 'webgpu';
  /** Threads inside one operator; default: onnxruntime's choice (all cores). */
  intraOpNumThreads?: number;
}

let ortPromise: Promise<OrtNode> | undefined;
/** Loaded lazily: the native addon may be missing (install skipped) and then we fall back to wasm. */
export function loadOnnxruntimeNode(): Promise<OrtNode> {
  ortPromise ??= import('onnxruntime-node').catch((e: unknown) => {
    ortPromise = undefined;
    throw new EngineError('E_BACKEND_UNAVAILABLE', `onnxruntime-node cannot be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  });
  return ortPromise;
}

export async function createOnnxruntimeNodeEngine(bytes: Uint8Array, model: EngineModel, opts: OnnxruntimeNodeOptions = {}): Promise<InferenceEngine> {
  const ort = await loadOnnxruntimeNode();
  const device = opts.device ?? 'cpu';
  let session: Awaited<ReturnType<OrtNode['InferenceSession']['create']>>;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [device],
      graphOptimizationLevel: 'all',
      ...(opts.intraOpNumThreads ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const code = device === 'webgpu' ? 'E_BACKEND_UNAVAILABLE' : 'E_SESSION_CREATE';
    throw new EngineError(code, `onnxruntime-node (${device}) could not create a session: ${msg}`, { cause: e });
  }
  let disposed = false;
  return {
    backend: 'onnxruntime-node',
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
        throw new EngineError('E_INFERENCE', `onnxruntime-node run failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}
