/**
 * Interim model description from core's ONNX descriptor: input name/size/type, output name and layout from
 * the output shape, labels from Ultralytics metadata. To be replaced by core's `describeModel` when it lands
 * (same result fields), so this file stays small on purpose.
 */
import { LayoutError, readModelDescriptor, type ModelDescriptor, type OutputLayout, type TensorDataType } from '@sightline/core';

export interface OnnxDescription {
  descriptor: ModelDescriptor;
  layout: OutputLayout;
  inputSize: { width: number; height: number };
  labels: string[] | null;
  inputName: string;
  outputName: string;
  inputDataType: TensorDataType;
}

const fixed = (d: unknown): number | null => (typeof d === 'number' && d > 0 ? d : null);

export function describeOnnx(bytes: Uint8Array, override?: OutputLayout): OnnxDescription {
  const descriptor = readModelDescriptor(bytes);
  const input = descriptor.inputs[0];
  const output = descriptor.outputs[0];
  if (!input || !output) throw new LayoutError('E_UNKNOWN_LAYOUT', 'model has no graph input or output', { details: { inputs: descriptor.inputs.length, outputs: descriptor.outputs.length } });
  const ul = descriptor.ultralytics;
  const ishape = input.shape ?? [];
  const h = fixed(ishape[2]) ?? ul?.imgsz?.[0] ?? 640;
  const w = fixed(ishape[3]) ?? ul?.imgsz?.[1] ?? 640;
  const layout = override ?? layoutOf(output.shape, ul?.task);
  return {
    descriptor,
    layout,
    inputSize: { width: w, height: h },
    labels: ul?.names ?? null,
    inputName: input.name,
    outputName: output.name,
    inputDataType: input.dataType,
  };
}

function layoutOf(shape: readonly unknown[] | null, task: string | undefined): OutputLayout {
  const dims = (shape ?? []).map(fixed);
  const unknown = (): never => {
    throw new LayoutError('E_UNKNOWN_LAYOUT', `cannot tell the output layout from shape [${(shape ?? []).join(',')}]; pass { layout }`, { details: { shape } });
  };
  if (dims.length === 2 && dims[1] !== null) return { kind: 'classification', numClasses: dims[1], activation: 'auto' };
  if (dims.length !== 3 || dims[1] === null || dims[2] === null) return unknown();
  const [, a, b] = dims as [unknown, number, number];
  if (b === 6 && a <= 1000) return { kind: 'end2end', maxDetections: a };
  // YOLOv8: [B, 4+nc, N] with N ≫ 4+nc; YOLOv5: [B, N, 5+nc].
  if (a >= 5 && b > a && a - 4 <= 10000 && task !== 'yolov5') return { kind: 'yolov8', numClasses: a - 4, numAnchors: b, transposed: false };
  if (b >= 6 && a > b) return { kind: 'yolov5', numClasses: b - 5, numAnchors: a };
  return unknown();
}
