/**
 * onnxruntime-node engine: the CPU execution provider by default; its WebGPU EP ('webgpu') exists but needs a
 * Vulkan/Dawn device, so creating it fails cleanly (E_BACKEND_UNAVAILABLE) where there is none. The session
 * lives in a worker thread (sessionWorker.ts): onnxruntime-node would otherwise block the event loop for the
 * whole of every inference.
 */
import type { EngineModel, InferenceEngine } from './inferenceEngine.js';
import { SessionWorker } from './sessionWorker.js';
import { workerEngine } from './workerEngine.js';

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
