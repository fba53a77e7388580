// Detection through a KServe v2 server with the core's decoders, so remote and local results match.
// The wire format follows the deployed model: UINT8 letterboxed pixels when it takes UINT8 (4× less
// than FP32), FP16 when it takes FP16, FP32 otherwise; channels first [3,H,W] or last [H,W,3] (what the
// `_uint8` / `_e2e` ensembles of writeModelRepository take); raw heads and end-to-end [B,K,6] outputs both decode.
import {
  DetectionDecoder, LayoutError, OptionError, RemoteError, SightlineError,
  type Detection, type DetectOptions, type LetterboxGeometry, type OutputLayout,
} from '@sightline/core';
import { floatToHalf } from './datatypes.js';
import { batchInfer, type BatchInferOptions } from './batchInfer.js';
import { ModelConfigCache } from './modelConfigCache.js';
import { perItemDims } from './modelConfigSummary.js';
import { layoutFromOutputDims } from './remoteOutputLayout.js';
import type { InferenceClient, InferInput, KServeDataType, ModelConfigSummary, TensorData } from './types.js';

/** One letterboxed image in the model's `inputLayout` ([3,H,W] or [H,W,3]), as uint8 pixels, fp16 bits or float32 /255. */
export interface LetterboxedImage {
  data: Float32Array | Uint16Array | Uint8Array;
  /** Null: boxes stay in model-input pixels. */
  geometry: LetterboxGeometry | null;
}

export interface RemoteDetectorOptions {
  client: InferenceClient;
  model: string;
  version?: string;
  labels?: readonly string[];
  /** Override the layout read from the model config. */
  layout?: OutputLayout;
  configCache?: ModelConfigCache;
}

export type RemoteDetectResult =
  | { ok: true; detections: Detection[]; bytesSent: number; bytesReceived: number }
  | { ok: false; error: SightlineError };

export type RemoteInputDType = 'uint8' | 'float16' | 'float32';
/** Channels first ([3,H,W], the ONNX models) or last ([H,W,3], the generated UINT8 ensembles). */
export type RemoteInputLayout = 'nchw' | 'nhwc';

/** The image input datatypes a served model may take, and the element type to letterbox into for each. */
export const IMAGE_INPUT_DTYPES: Partial<Record<KServeDataType, RemoteInputDType>> = { UINT8: 'uint8', FP16: 'float16', FP32: 'float32' };

export class RemoteDetector {
  /** What to letterbox into (the deployed model's input type and layout). */
  readonly inputDType: RemoteInputDType;
  readonly inputLayout: RemoteInputLayout;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly layout: OutputLayout;
  readonly config: ModelConfigSummary;
  private readonly decoder: DetectionDecoder;
  private readonly inputName: string;
  private readonly datatype: KServeDataType;
  private readonly outputName: string;

  private constructor(private readonly opts: RemoteDetectorOptions, config: ModelConfigSummary) {
    this.config = config;
    const input = config.inputs[0];
    const output = config.outputs[0];
    if (!input || !output || config.inputs.length !== 1) throw new LayoutError('E_UNKNOWN_LAYOUT', `model '${opts.model}' must have one image input and an output`);
    const image = imageInputShape(perItemDims(config, input));
    if (!image) throw new LayoutError('E_SHAPE_MISMATCH', `model '${opts.model}' input ${JSON.stringify(input.dims)} is not a fixed RGB image ([3,H,W] or [H,W,3])`);
    const wire = IMAGE_INPUT_DTYPES[input.datatype];
    if (!wire) throw new LayoutError('E_UNSUPPORTED_DTYPE', `model '${opts.model}' takes ${input.datatype}; only UINT8, FP16 and FP32 images are supported`);
    this.inputDType = wire;
    this.datatype = input.datatype;
    this.inputName = input.name;
    this.outputName = output.name;
    this.inputLayout = image.layout;
    this.inputHeight = image.height;
    this.inputWidth = image.width;
    this.layout = opts.layout ?? layoutFromOutputDims(perItemDims(config, output));
    if (this.layout.kind === 'classification') throw new LayoutError('E_UNKNOWN_LAYOUT', `model '${opts.model}' is a classifier, not a detector`);
    this.decoder = new DetectionDecoder(opts.labels ? { labels: opts.labels } : {});
  }

  /** Reads the model config (cached) and prepares the decoder. */
  static async create(opts: RemoteDetectorOptions): Promise<RemoteDetector> {
    if (!opts?.client || typeof opts.model !== 'string') throw new OptionError('E_INVALID_OPTION', 'RemoteDetector needs a client and a model name');
    const cache = opts.configCache ?? new ModelConfigCache(opts.client);
    return new RemoteDetector(opts, await cache.get(opts.model, opts.version ? { version: opts.version } : {}));
  }

  /** Wire tensor for one image, converting only when the caller's dtype differs from the model's. */
  private toWire(img: LetterboxedImage, i: number): TensorData {
    const n = 3 * this.inputWidth * this.inputHeight;
    const d = img?.data;
    if (!d || d.length !== n) throw new OptionError('E_INVALID_OPTION', `image ${i}: expected ${n} elements (${this.inputLayout} ${this.inputHeight}×${this.inputWidth}), got ${d?.length}`);
    if (this.inputDType === 'uint8') {
      if (d instanceof Uint8Array) return d;
      if (d instanceof Float32Array) {
        const out = new Uint8Array(n);
        for (let k = 0; k < n; k++) out[k] = Math.round(Math.min(1, Math.max(0, d[k])) * 255);
        return out;
      }
    } else if (this.inputDType === 'float16') {
      if (d instanceof Uint16Array) return d;
      const out = new Uint16Array(n);
      const scale = d instanceof Uint8Array ? 1 / 255 : 1;
      for (let k = 0; k < n; k++) out[k] = floatToHalf(d[k] * scale);
      return out;
    } else {
      if (d instanceof Float32Array) return d;
      if (d instanceof Uint8Array) {
        const out = new Float32Array(n);
        for (let k = 0; k < n; k++) out[k] = d[k] / 255;
        return out;
      }
    }
    throw new OptionError('E_INVALID_OPTION', `image ${i}: ${d.constructor.name} cannot be sent to a ${this.datatype} input (fp16 bits need an FP16 model)`);
  }

  /**
   * Detect on letterboxed images; one result per image, in order (a failed chunk fails only its images).
   * Byte counts are per image, on the wire (HTTP bodies).
   */
  async detect(images: readonly LetterboxedImage[], options: DetectOptions & Omit<BatchInferOptions, 'outputs' | 'version'> = {}): Promise<RemoteDetectResult[]> {
    const items: InferInput[][] = [];
    const early: (RemoteDetectResult | undefined)[] = new Array(images.length);
    const index: number[] = [];
    images.forEach((img, i) => {
      try {
        const shape = this.inputLayout === 'nchw' ? [3, this.inputHeight, this.inputWidth] : [this.inputHeight, this.inputWidth, 3];
        items.push([{ name: this.inputName, datatype: this.datatype, shape, data: this.toWire(img, i) }]);
        index.push(i);
      } catch (e) {
        early[i] = { ok: false, error: e as SightlineError };
      }
    });
    const res = await batchInfer(this.opts.client, this.opts.model, items, {
      ...options,
      ...(this.opts.version ? { version: this.opts.version } : {}),
      ...(this.opts.configCache ? { configCache: this.opts.configCache } : {}),
      maxBatchSize: options.maxBatchSize ?? this.config.maxBatchSize,
      concurrency: options.concurrency ?? Math.max(2, this.config.instanceCount * 2),
      outputs: [{ name: this.outputName }],
    });
    const out: RemoteDetectResult[] = early.slice() as RemoteDetectResult[];
    res.forEach((r, k) => {
      const i = index[k];
      if (!r.ok) {
        out[i] = r;
        return;
      }
      try {
        const o = r.outputs.find((x) => x.name === this.outputName);
        if (!o) throw new RemoteError('E_REMOTE_PROTOCOL', `response has no output '${this.outputName}'`);
        if (!(o.data instanceof Float32Array) && !(o.data instanceof Uint16Array && (o.datatype === 'FP16'))) {
          throw new RemoteError('E_REMOTE_PROTOCOL', `output '${o.name}' is ${o.datatype}; detections need FP32 or FP16`);
        }
        const detections = this.decoder.decode({ data: o.data, dims: [1, ...o.shape] }, this.layout, images[i].geometry, options);
        out[i] = { ok: true, detections, bytesSent: r.bytesSent, bytesReceived: r.bytesReceived };
      } catch (e) {
        out[i] = { ok: false, error: e instanceof SightlineError ? e : new RemoteError('E_REMOTE_PROTOCOL', String(e), { cause: e }) };
      }
    });
    return out;
  }
}

/** [3,H,W] → channels first, [H,W,3] → channels last (first wins for [3,H,3]); null for anything else. */
export function imageInputShape(dims: readonly number[]): { layout: RemoteInputLayout; height: number; width: number } | null {
  if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d <= 0)) return null;
  if (dims[0] === 3) return { layout: 'nchw', height: dims[1], width: dims[2] };
  if (dims[2] === 3) return { layout: 'nhwc', height: dims[0], width: dims[1] };
  return null;
}
