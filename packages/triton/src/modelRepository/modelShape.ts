// Reads what the repository generator needs from an ONNX model's declared I/O: the image input
// [B, 3, H, W], whether the batch dim is dynamic, output dims without the batch, and the YOLO layout.
import { OptionError } from '@sightline/core';
import type { RepositoryModelInfo, RepositoryTensorInfo } from './repositoryOptions.js';

export type TritonType = 'TYPE_FP32' | 'TYPE_FP16' | 'TYPE_UINT8' | 'TYPE_INT32' | 'TYPE_INT64' | 'TYPE_BOOL' | 'TYPE_FP64' | 'TYPE_INT8';

const TRITON_TYPE: Record<string, TritonType> = {
  float32: 'TYPE_FP32',
  float16: 'TYPE_FP16',
  float64: 'TYPE_FP64',
  uint8: 'TYPE_UINT8',
  int8: 'TYPE_INT8',
  int32: 'TYPE_INT32',
  int64: 'TYPE_INT64',
  bool: 'TYPE_BOOL',
};

export interface ShapedTensor {
  name: string;
  type: TritonType;
  /** Dims after the batch dim; -1 where dynamic. */
  dims: number[];
}

export interface ModelShape {
  input: ShapedTensor & { height: number; width: number };
  outputs: ShapedTensor[];
  /** Fixed batch size declared by the model, or null when the batch dim is dynamic. */
  fixedBatch: number | null;
  /** 'v8': [4+nc, N]; 'v5': [N, 5+nc]; 'classify': [nc]; 'other': anything else (no NMS step possible). */
  layout: 'v8' | 'v5' | 'classify' | 'other';
}

const isFixed = (d: number | string | null | undefined): d is number => typeof d === 'number' && d > 0;

function tritonType(t: RepositoryTensorInfo): TritonType {
  const tt = TRITON_TYPE[t.dataType];
  if (!tt) throw new OptionError('E_INVALID_OPTION', `tensor "${t.name}" has element type ${t.dataType}, which the generated configs do not support`);
  return tt;
}

export function readModelShape(model: RepositoryModelInfo, imgsz: number): ModelShape {
  if (model.inputs.length !== 1) throw new OptionError('E_INVALID_OPTION', `expected one image input, the model has ${model.inputs.length}: ${model.inputs.map((i) => i.name).join(', ')}`);
  if (model.outputs.length === 0) throw new OptionError('E_INVALID_OPTION', 'the model declares no outputs');
  const inp = model.inputs[0];
  const s = inp.shape;
  if (!s || s.length !== 4) throw new OptionError('E_INVALID_OPTION', `input "${inp.name}" must be [batch, 3, height, width], got [${s?.join(', ') ?? 'unknown'}]`);
  if (s[1] !== 3 && !(typeof s[1] !== 'number' || s[1] < 0)) throw new OptionError('E_INVALID_OPTION', `input "${inp.name}" must have 3 channels (NCHW), got ${String(s[1])}`);
  const side = (d: number | string | null, what: string): number => {
    if (isFixed(d)) {
      if (imgsz && imgsz !== d) throw new OptionError('E_INVALID_OPTION', `imgsz ${imgsz} differs from the model's fixed ${what} ${d}; re-export the model with that size`);
      return d;
    }
    return imgsz || 640;
  };
  const height = side(s[2], 'height');
  const width = side(s[3], 'width');
  const fixedBatch = isFixed(s[0]) ? s[0] : null;
  const outputs = model.outputs.map((o) => {
    if (!o.shape || o.shape.length < 1) throw new OptionError('E_INVALID_OPTION', `output "${o.name}" has no declared shape`);
    return { name: o.name, type: tritonType(o), dims: o.shape.slice(1).map((d) => (isFixed(d) ? d : -1)) };
  });
  const d = outputs[0].dims;
  let layout: ModelShape['layout'] = 'other';
  if (d.length === 1) layout = 'classify';
  else if (d.length === 2 && d[0] > 0 && d[1] > 0) layout = d[0] < d[1] ? 'v8' : 'v5';
  else if (d.length === 2) layout = d[0] > 0 ? 'v8' : 'v5';
  return { input: { name: inp.name, type: tritonType(inp), dims: [3, height, width], height, width }, outputs, fixedBatch, layout };
}
