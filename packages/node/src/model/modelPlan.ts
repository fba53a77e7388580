/**
 * What the Node runtime needs to know about a model before running it, from core's describeModel plus the
 * caller's overrides: task, tensor names and types, input size, output layout, labels, batch limit.
 */
import { LayoutError, OptionError, describeModel, type OutputLayout } from '@sightline/core';

export interface ModelPlan {
  task: 'detect' | 'classify';
  inputName: string;
  outputName: string;
  inputDataType: 'float32' | 'float16';
  width: number;
  height: number;
  layout: OutputLayout;
  labels: string[];
  /** Largest batch per run: 1 when the model's batch dim is fixed at 1, else unbounded. */
  maxBatch: number;
  /** Ultralytics classifiers take /255 only; torchvision-style ones ImageNet mean/std. */
  classifyVariant: 'imagenet' | 'yolo-cls';
  modelBytes: number;
}

export interface PlanOverrides {
  labels?: string[];
  layout?: OutputLayout;
  /** [height, width] (core's order) or a square side. */
  inputSize?: number | [number, number];
}

export function planModel(bytes: Uint8Array, task: 'detect' | 'classify', o: PlanOverrides = {}): ModelPlan {
  const d = describeModel(bytes, { layout: o.layout, labels: o.labels, inputSize: o.inputSize });
  const layout = d.layout;
  const [height, width] = d.inputSize;
  for (const v of [width, height]) {
    if (!Number.isInteger(v) || v <= 0 || v > 4096) throw new OptionError('E_INVALID_OPTION', `inputSize must be integers 1..4096, got ${height}×${width}`);
  }
  if ((task === 'classify') !== (layout.kind === 'classification')) {
    throw new LayoutError('E_UNKNOWN_LAYOUT', `model output layout '${layout.kind}' does not fit a ${task === 'classify' ? 'classifier' : 'detector'}`, {
      details: { layout: layout.kind, task },
    });
  }
  const dt = d.inputDataType;
  if (dt !== 'float32' && dt !== 'float16') {
    throw new LayoutError('E_UNSUPPORTED_DTYPE', `model input '${d.inputName}' is ${dt}; float32 or float16 expected`, { details: { dataType: dt } });
  }
  const input = d.descriptor.inputs.find((i) => i.name === d.inputName);
  const batchDim = input?.shape?.[0];
  return {
    task,
    inputName: d.inputName,
    outputName: d.outputName,
    inputDataType: dt,
    width,
    height,
    layout,
    labels: d.labels,
    maxBatch: typeof batchDim === 'number' && batchDim > 0 ? batchDim : Number.POSITIVE_INFINITY,
    classifyVariant: d.descriptor.ultralytics ? 'yolo-cls' : 'imagenet',
    modelBytes: bytes.byteLength,
  };
}
