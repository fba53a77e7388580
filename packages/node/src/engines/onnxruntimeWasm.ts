/**
 * onnxruntime-web's wasm build run inside Node (what `import('onnxruntime-web')` resolves to there): the
 * fallback when the onnxruntime-node addon is unavailable on a platform. Like the native engine, its session
 * lives in a worker thread, since wasm inference is synchronous too.
 */
import type { EngineModel, InferenceEngine } from './inferenceEngine.js';
import { SessionWorker } from './sessionWorker.js';
import { workerEngine } from './workerEngine.js';

export interface OnnxruntimeWasmOptions {
  /** wasm threads; default 1 (threads in Node need worker_threads and gain little at batch 1 on 2 cores). */
  numThreads?: number;
}

export async function createOnnxruntimeWasmEngine(bytes: Uint8Array, model: EngineModel, opts: OnnxruntimeWasmOptions = {}): Promise<InferenceEngine> {
  const worker = await SessionWorker.create('onnxruntime-web', bytes, {
    sessionOptions: { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
    wasmThreads: opts.numThreads ?? 1,
    sessionErrorCode: 'E_SESSION_CREATE',
    label: 'onnxruntime-web (wasm)',
  });
  return workerEngine('onnxruntime-web-wasm', worker, model);
}
