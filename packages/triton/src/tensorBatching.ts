// Stacks per-item tensors into one batched tensor and splits batched outputs back into per-item views.
// Typed arrays are copied once into the batch; outputs are returned as zero-copy subarrays.
import { OptionError, RemoteError } from '@sightline/core';
import { shapeElementCount, typedArrayFor } from './datatypes.js';
import type { InferInput, InferOutput, TensorData } from './types.js';

/** Concatenate the same-named input of several items along a new leading batch dimension. */
export function stackInputs(items: readonly (readonly InferInput[])[]): InferInput[] {
  const first = items[0];
  return first.map((proto, k) => {
    const parts = items.map((it, i) => {
      const t = it[k];
      if (!t || t.name !== proto.name || t.datatype !== proto.datatype || t.shape.length !== proto.shape.length || t.shape.some((d, j) => d !== proto.shape[j])) {
        throw new OptionError('E_INVALID_OPTION', `batch item ${i} input ${k} does not match item 0 (${proto.name} ${proto.datatype} ${JSON.stringify(proto.shape)})`);
      }
      return t.data;
    });
    const shape = [items.length, ...proto.shape];
    return { name: proto.name, datatype: proto.datatype, shape, data: concatData(parts, proto.datatype), ...(proto.parameters ? { parameters: proto.parameters } : {}) };
  });
}

function concatData(parts: TensorData[], datatype: InferInput['datatype']): TensorData {
  if (parts.length === 1) return parts[0];
  if (Array.isArray(parts[0])) return ([] as unknown[]).concat(...(parts as unknown[][])) as TensorData;
  const ctor = typedArrayFor(datatype) ?? Uint8Array;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new (ctor as Uint8ArrayConstructor)(total);
  let o = 0;
  for (const p of parts) {
    if (!(p instanceof ctor)) throw new OptionError('E_INVALID_OPTION', `batch item data must be a ${ctor.name} for ${datatype}`);
    out.set(p as unknown as Uint8Array, o);
    o += p.length;
  }
  return out as TensorData;
}

/** Split every output of a batched response into `n` per-item outputs (leading dim removed). */
export function splitOutputs(outputs: readonly InferOutput[], n: number): InferOutput[][] {
  const per: InferOutput[][] = Array.from({ length: n }, () => []);
  for (const o of outputs) {
    if (o.shape[0] !== n) throw new RemoteError('E_REMOTE_PROTOCOL', `output '${o.name}' has batch ${o.shape[0]} but ${n} items were sent`);
    const rest = o.shape.slice(1);
    const each = shapeElementCount(rest);
    for (let i = 0; i < n; i++) {
      const data = (o.data as { slice(a: number, b: number): TensorData; subarray?: (a: number, b: number) => TensorData });
      const part = data.subarray ? data.subarray(i * each, (i + 1) * each) : data.slice(i * each, (i + 1) * each);
      per[i].push({ name: o.name, datatype: o.datatype, shape: rest, data: part });
    }
  }
  return per;
}
