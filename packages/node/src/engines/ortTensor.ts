/** Shared onnxruntime (node and web builds have the same Tensor API) glue: output tensor → EngineTensor. */
import { EngineError } from '@sightline/core';
import type { EngineTensor } from './inferenceEngine.js';

interface OrtTensorLike {
  type: string;
  data: unknown;
  dims: readonly number[];
}

export function fromOrtTensor(t: OrtTensorLike | undefined, name: string): EngineTensor {
  if (!t) throw new EngineError('E_INFERENCE', `the model produced no output named '${name}'`);
  if (t.type === 'float32' && t.data instanceof Float32Array) return { data: t.data, dims: [...t.dims] };
  if (t.type === 'float16' && t.data instanceof Uint16Array) return { data: t.data, dims: [...t.dims] };
  // Runtimes with a native Float16Array hand that out; its bits are what the decoders read.
  if (t.type === 'float16' && ArrayBuffer.isView(t.data)) {
    const v = t.data as unknown as { buffer: ArrayBuffer; byteOffset: number; length: number };
    return { data: new Uint16Array(v.buffer, v.byteOffset, v.length), dims: [...t.dims] };
  }
  throw new EngineError('E_UNSUPPORTED_DTYPE', `output '${name}' is ${t.type}; float32 or float16 expected`);
}
