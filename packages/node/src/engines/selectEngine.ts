/** Backend choice → engine, with the fallbacks taken (auto: onnxruntime-node CPU, else onnxruntime-web wasm). */
import { OptionError, isSightlineError } from '@sightline/core';
import type { EngineModel, InferenceEngine } from './inferenceEngine.js';
import { createOnnxruntimeNodeEngine } from './onnxruntimeNode.js';
import { createOnnxruntimeWasmEngine } from './onnxruntimeWasm.js';
import { createTritonEngine, type RemoteOptions } from './tritonRemote.js';

/** 'cpu' and 'webgpu' are onnxruntime-node execution providers; 'remote' forces Triton. */
export type NodeBackendChoice = 'auto' | 'cpu' | 'webgpu' | 'wasm' | 'remote';

export interface SelectEngineOptions {
  backend: NodeBackendChoice;
  remote?: RemoteOptions;
  intraOpNumThreads?: number;
}

export interface SelectedEngine {
  engine: InferenceEngine;
  /** Why a backend was skipped, in order. */
  fallbacks: string[];
}

export async function selectEngine(bytes: Uint8Array, model: EngineModel, o: SelectEngineOptions): Promise<SelectedEngine> {
  const fallbacks: string[] = [];
  switch (o.backend) {
    case 'remote':
      if (!o.remote) throw new OptionError('E_INVALID_OPTION', "backend 'remote' needs the remote option { url, model }");
      return { engine: await createTritonEngine(o.remote, model), fallbacks };
    case 'cpu':
    case 'webgpu':
      return { engine: await createOnnxruntimeNodeEngine(bytes, model, { device: o.backend, intraOpNumThreads: o.intraOpNumThreads }), fallbacks };
    case 'wasm':
      return { engine: await createOnnxruntimeWasmEngine(bytes, model), fallbacks };
    case 'auto':
      try {
        return { engine: await createOnnxruntimeNodeEngine(bytes, model, { device: 'cpu', intraOpNumThreads: o.intraOpNumThreads }), fallbacks };
      } catch (e) {
        // Only a missing runtime falls back; a model the runtime rejects would fail on wasm too.
        if (!(isSightlineError(e) && e.code === 'E_BACKEND_UNAVAILABLE')) throw e;
        fallbacks.push(`onnxruntime-node: ${e.message}`);
      }
      return { engine: await createOnnxruntimeWasmEngine(bytes, model), fallbacks };
    default:
      throw new OptionError('E_INVALID_OPTION', `backend must be auto, cpu, webgpu, wasm or remote, got ${String(o.backend)}`);
  }
}
