/**
 * The only place the engine touches @sightline/core's model description, CPU preprocessing and decoding,
 * so every path (browser, Node, Triton) shares one implementation and one set of quirks.
 */
import {
  ClassifyPreprocessor,
  classifyTopK,
  describeModel,
  type CandidateBuffer,
  DetectionDecoder,
  LayoutError,
  LetterboxPreprocessor,
  OptionError,
  type ClassScore,
  type Detection,
  type LetterboxGeometry,
  type OutputLayout,
  type PixelBuffer,
} from '@sightline/core';
import type { EngineInit } from '../protocol.js';

export interface ModelPlan {
  task: 'detect' | 'classify';
  inputName: string;
  outputName: string;
  inputDataType: 'float32' | 'float16';
  width: number;
  height: number;
  /** 3·W·H, one image. */
  imageLength: number;
  layout: OutputLayout;
  labels: string[];
  /** Any graph input or output is float16 (needs shader-f16 on WebGPU). */
  usesFloat16: boolean;
  /** Ultralytics classifiers use /255 only; torchvision-style ones ImageNet mean/std. */
  classifyVariant: 'imagenet' | 'yolo-cls';
}

/** Read the model's facts (core descriptor), apply the caller's overrides, check they fit the task. */
export function planModel(bytes: Uint8Array, init: EngineInit): ModelPlan {
  // [height, width] everywhere, as core's describeModel and @sightline/node.
  const d = describeModel(bytes, { ...(init.layout ? { layout: init.layout } : {}), ...(init.inputSize ? { inputSize: init.inputSize } : {}) });
  const layout = d.layout;
  const [height, width] = d.inputSize;
  for (const v of [width, height]) {
    if (!Number.isInteger(v) || v <= 0 || v > 4096) throw new OptionError('E_INVALID_OPTION', `inputSize must be integers 1..4096, got ${width}×${height}`);
  }
  const isClassify = layout.kind === 'classification';
  if ((init.task === 'classify') !== isClassify) {
    throw new LayoutError('E_UNKNOWN_LAYOUT', `model output layout '${layout.kind}' does not fit a ${init.task === 'classify' ? 'classifier' : 'detector'}`, {
      details: { layout: layout.kind, task: init.task },
    });
  }
  const dt = d.inputDataType;
  if (dt !== 'float32' && dt !== 'float16') {
    throw new LayoutError('E_UNSUPPORTED_DTYPE', `model input '${d.inputName}' is ${dt}; float32 or float16 expected`, { details: { dataType: dt } });
  }
  const usesFloat16 = [...d.descriptor.inputs, ...d.descriptor.outputs].some((t) => t.dataType === 'float16');
  const numClasses = layout.kind === 'end2end' ? 0 : layout.numClasses;
  const labels = init.labels ?? d.labels;
  return {
    task: init.task,
    inputName: d.inputName,
    outputName: d.outputName,
    inputDataType: dt,
    width,
    height,
    imageLength: 3 * width * height,
    layout,
    labels: labels.length ? labels : Array.from({ length: numClasses }, (_, i) => String(i)),
    usesFloat16,
    classifyVariant: d.descriptor.ultralytics ? 'yolo-cls' : 'imagenet',
  };
}

export interface DecodeOpts {
  conf: number;
  iou: number;
  maxDet: number;
  classes?: number[];
}

/** Reused preprocessors and decoder for one model. */
export class TensorPipeline {
  private readonly letterbox = new LetterboxPreprocessor();
  private readonly crop = new ClassifyPreprocessor();
  private readonly decoder: DetectionDecoder;

  constructor(private readonly plan: ModelPlan) {
    this.decoder = new DetectionDecoder({ labels: plan.labels });
  }

  /**
   * Pre-process one image; returns the tensor data to feed and the letterbox geometry (detection) or null.
   * The data is the preprocessor's own buffer (float32: a view into its WebAssembly memory, written in
   * place), reused by the next call — fine, since ORT copies the input when the run starts.
   */
  preprocess(px: PixelBuffer): { data: Float32Array | Uint16Array; geometry: LetterboxGeometry | null } {
    const dtype = this.plan.inputDataType;
    if (this.plan.task === 'detect') {
      const r = this.letterbox.run(px, { width: this.plan.width, height: this.plan.height, dtype });
      return { data: r.data as Float32Array | Uint16Array, geometry: r.geometry };
    }
    const r = this.crop.run(px, { size: this.plan.width, variant: this.plan.classifyVariant, dtype });
    return { data: r.data as Float32Array | Uint16Array, geometry: null };
  }

  decode(view: { data: Float32Array | Uint16Array; dims: readonly number[] }, geometry: LetterboxGeometry | null, opts: DecodeOpts): Detection[] {
    return this.decoder.decode(view, this.plan.layout, geometry, opts);
  }

  /** NMS + mapping for YOLOv8/v5 candidates filtered on the GPU. */
  finish(candidates: CandidateBuffer, geometry: LetterboxGeometry | null, opts: DecodeOpts): Detection[] {
    return this.decoder.finish(candidates, geometry, opts);
  }

  topK(view: { data: Float32Array | Uint16Array; dims: readonly number[] }, topK: number): ClassScore[] {
    const activation = this.plan.layout.kind === 'classification' ? this.plan.layout.activation : 'auto';
    return classifyTopK(view, { topK, labels: this.plan.labels, activation });
  }
}
