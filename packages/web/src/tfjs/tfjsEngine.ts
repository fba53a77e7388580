/**
 * TF.js engine: runs TF.js graph models (e.g. Ultralytics' tfjs export) and layers models (e.g. Teachable
 * Machine image models) on tfjs' WebGPU backend — on the same GPUDevice as ORT and our WGSL passes — with
 * wasm/cpu fallback, and feeds the shared core: the CPU letterbox for detectors (same geometry as every other
 * path) and DetectionDecoder for decode + NMS.
 */
import * as tf from '@tensorflow/tfjs';
import {
  DetectionDecoder,
  EngineError,
  LetterboxPreprocessor,
  ImageInputError,
  LayoutError,
  OptionError,
  type ClassScore,
  type DetectOptions,
  type Detection,
  type OutputLayout,
} from '@sightline/core';
import { selectTfjsBackend, type TfjsBackendName, type TfjsBackendPreference } from './tfjsBackend.js';

/** 8-bit RGB(A) pixels, e.g. ImageData. */
export interface TfjsPixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels?: 3 | 4;
}

export type TfjsModelSource = string | tf.io.IOHandler | tf.io.ModelArtifacts;

export interface TfjsEngineOptions {
  /** URL of model.json, an IOHandler (`tf.io.fromMemory`, `indexeddb://` via `tf.io.getLoadHandlers`), or artifacts. */
  model: TfjsModelSource;
  /** 'auto' reads the artifacts' format (graph-model vs layers-model). */
  format?: 'auto' | 'graph' | 'layers';
  backend?: TfjsBackendPreference;
  /** Share this device (default: the context's shared device). */
  device?: GPUDevice;
  /** Output layout; default inferred from the output shape ([1, 4+nc, N] → yolov8, [1, C] → classification). */
  layout?: OutputLayout;
  labels?: readonly string[];
  /**
   * Classifier input normalization: 'minus1to1' (Teachable Machine: x/127.5 − 1), 'zeroTo1' (x/255), or
   * mean/std on the 0..1 scale. Default 'minus1to1'.
   */
  normalize?: 'minus1to1' | 'zeroTo1' | { mean: readonly number[]; std: readonly number[] };
  /** Called once per fallback with its reason (never silent). */
  onFallback?: (reason: string) => void;
}

export interface TfjsEngineInfo {
  backend: TfjsBackendName;
  format: 'graph' | 'layers';
  inputWidth: number;
  inputHeight: number;
  /** Input is [1,H,W,3] (channels-last, every tfjs export) or [1,3,H,W]. */
  channelsLast: boolean;
  layout: OutputLayout;
  fallbacks: string[];
}

export interface TfjsEngine {
  readonly info: TfjsEngineInfo;
  /** The shared device when on WebGPU, else null. */
  readonly device: GPUDevice | null;
  detect(pixels: TfjsPixels, opts?: DetectOptions): Promise<Detection[]>;
  classify(pixels: TfjsPixels, opts?: { topK?: number }): Promise<ClassScore[]>;
  /** Raw model output for a prepared input tensor (for tests and custom heads). */
  runRaw(input: tf.Tensor): Promise<{ data: Float32Array; dims: number[] }>;
  dispose(): void;
}

type AnyModel = tf.GraphModel | tf.LayersModel;

async function loadArtifacts(src: TfjsModelSource): Promise<tf.io.ModelArtifacts> {
  if (typeof src === 'string') {
    const handlers = tf.io.getLoadHandlers(src);
    const h = handlers[0] ?? tf.io.http(src);
    if (!h.load) throw new OptionError('E_INVALID_OPTION', `no tfjs load handler for ${src}`);
    return h.load();
  }
  if ('load' in src && typeof src.load === 'function') return src.load();
  return src as tf.io.ModelArtifacts;
}

function isGraphArtifacts(a: tf.io.ModelArtifacts): boolean {
  if (a.format === 'graph-model') return true;
  if (a.format === 'layers-model') return false;
  const topo = a.modelTopology as { node?: unknown; class_name?: unknown } | undefined;
  return !!topo && Array.isArray(topo.node);
}

function inferLayout(dims: readonly number[]): OutputLayout {
  if (dims.length === 2) return { kind: 'classification', numClasses: dims[1], activation: 'auto' };
  if (dims.length === 3) {
    const [, a, b] = dims;
    if (a < b && a > 4) return { kind: 'yolov8', numClasses: a - 4, numAnchors: b, transposed: false };
    if (b < a && b > 4) return { kind: 'yolov8', numClasses: b - 4, numAnchors: a, transposed: true };
  }
  throw new LayoutError('E_UNKNOWN_LAYOUT', `cannot infer a layout from output shape [${dims.join(',')}]; pass options.layout`, {
    details: { dims },
  });
}

export async function createTfjsEngine(opts: TfjsEngineOptions): Promise<TfjsEngine> {
  const choice = await selectTfjsBackend(opts.backend ?? 'auto', opts.device);
  for (const f of choice.fallbacks) opts.onFallback?.(f);
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await loadArtifacts(opts.model);
  } catch (e) {
    throw new EngineError('E_FETCH', `could not load the tfjs model: ${(e as Error).message}`, { cause: e });
  }
  const format = opts.format === 'graph' || opts.format === 'layers' ? opts.format : isGraphArtifacts(artifacts) ? 'graph' : 'layers';
  let model: AnyModel;
  try {
    model = format === 'graph' ? await tf.loadGraphModel(tf.io.fromMemory(artifacts)) : await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw new EngineError('E_SESSION_CREATE', `tfjs could not build the ${format} model: ${(e as Error).message}`, { cause: e });
  }
  const inShape = model.inputs[0]?.shape ?? [];
  if (inShape.length !== 4) {
    model.dispose();
    throw new LayoutError('E_SHAPE_MISMATCH', `expected a 4-D image input, got [${inShape.join(',')}]`);
  }
  const channelsLast = inShape[3] === 3;
  const inputHeight = (channelsLast ? inShape[1] : inShape[2]) ?? 640;
  const inputWidth = (channelsLast ? inShape[2] : inShape[3]) ?? 640;

  const run = async (input: tf.Tensor): Promise<{ data: Float32Array; dims: number[] }> => {
    const out = format === 'graph' ? await (model as tf.GraphModel).executeAsync(input) : (model as tf.LayersModel).predict(input);
    const t = Array.isArray(out) ? out[0] : (out as tf.Tensor);
    try {
      const data = (await t.data()) as Float32Array;
      return { data, dims: t.shape.slice() };
    } finally {
      tf.dispose(out as tf.Tensor | tf.Tensor[]);
    }
  };

  // Probe the output shape once (also the warm-up: shader compilation happens here, not in the first frame).
  let layout = opts.layout;
  {
    const probe = tf.zeros(channelsLast ? [1, inputHeight, inputWidth, 3] : [1, 3, inputHeight, inputWidth]);
    try {
      const { dims } = await run(probe);
      layout ??= inferLayout(dims);
    } finally {
      probe.dispose();
    }
  }

  const letterbox = new LetterboxPreprocessor();
  const decoder = new DetectionDecoder({ labels: opts.labels });
  const norm = opts.normalize ?? 'minus1to1';
  const [scale, mean, std] =
    norm === 'minus1to1' ? [1 / 127.5, [1, 1, 1], [1, 1, 1]] : norm === 'zeroTo1' ? [1 / 255, [0, 0, 0], [1, 1, 1]] : [1 / 255, norm.mean, norm.std];
  let disposed = false;
  const alive = (): void => {
    if (disposed) throw new EngineError('E_DISPOSED', 'the tfjs engine was disposed');
  };
  const checkPixels = (p: TfjsPixels): 3 | 4 => {
    if (!p || !(p.data instanceof Uint8Array || p.data instanceof Uint8ClampedArray)) {
      throw new ImageInputError('E_UNSUPPORTED_SOURCE', 'pixels must be { data: Uint8Array|Uint8ClampedArray, width, height }');
    }
    return p.channels ?? (p.data.length === p.width * p.height * 3 ? 3 : 4);
  };

  return {
    info: { backend: choice.backend, format, inputWidth, inputHeight, channelsLast, layout, fallbacks: choice.fallbacks },
    device: choice.device,
    async detect(pixels, dopts = {}) {
      alive();
      if (layout.kind === 'classification') throw new LayoutError('E_UNKNOWN_LAYOUT', 'this model is a classifier; use classify()');
      const channels = checkPixels(pixels);
      const pre = letterbox.run({ data: pixels.data, width: pixels.width, height: pixels.height, channels }, {
        width: inputWidth,
        height: inputHeight,
        layout: channelsLast ? 'nhwc' : 'nchw',
      });
      const input = tf.tensor(pre.data as Float32Array, channelsLast ? [1, inputHeight, inputWidth, 3] : [1, 3, inputHeight, inputWidth], 'float32');
      try {
        const out = await run(input);
        return decoder.decode(out, layout, pre.geometry, dopts);
      } finally {
        input.dispose();
      }
    },
    async classify(pixels, { topK = 5 } = {}) {
      alive();
      if (layout.kind !== 'classification') throw new LayoutError('E_UNKNOWN_LAYOUT', `this model's layout is '${layout.kind}'; use detect()`);
      if (!Number.isInteger(topK) || topK < 1) throw new OptionError('E_INVALID_OPTION', `topK must be a positive integer, got ${topK}`);
      const channels = checkPixels(pixels);
      // Teachable Machine's own preprocessing: center square crop, bilinear resize, normalize — on the backend.
      const input = tf.tidy(() => {
        const img = tf.tensor3d(pixels.data instanceof Uint8Array ? pixels.data : new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.length), [pixels.height, pixels.width, channels], 'int32');
        const rgb = channels === 4 ? tf.slice(img, [0, 0, 0], [-1, -1, 3]) : img;
        const side = Math.min(pixels.width, pixels.height);
        const y0 = (pixels.height - side) / 2 / pixels.height;
        const x0 = (pixels.width - side) / 2 / pixels.width;
        const box = tf.tensor2d([[y0, x0, y0 + side / pixels.height, x0 + side / pixels.width]]);
        const crop = tf.image.cropAndResize(tf.expandDims(tf.cast(rgb, 'float32'), 0) as tf.Tensor4D, box, [0], [inputHeight, inputWidth], 'bilinear');
        const x = tf.div(tf.sub(tf.mul(crop, scale), tf.tensor1d(mean as number[])), tf.tensor1d(std as number[]));
        return channelsLast ? x : tf.transpose(x, [0, 3, 1, 2]);
      });
      try {
        const { data } = await run(input);
        return topClasses(data, topK, layout.kind === 'classification' ? layout.activation : 'auto', opts.labels);
      } finally {
        input.dispose();
      }
    },
    runRaw(input) {
      alive();
      return run(input);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}

/** Top-k of one row; softmax unless the values already are probabilities ('auto') or told not to. */
function topClasses(row: Float32Array, k: number, activation: 'auto' | 'softmax' | 'none', labels?: readonly string[]): ClassScore[] {
  let probs = row;
  let isProb = true;
  let sum = 0;
  for (const v of row) {
    if (!(v >= 0 && v <= 1)) isProb = false;
    sum += v;
  }
  if (activation === 'softmax' || (activation === 'auto' && !(isProb && Math.abs(sum - 1) < 1e-3))) {
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    probs = new Float32Array(row.length);
    let s = 0;
    for (let i = 0; i < row.length; i++) s += probs[i] = Math.exp(row[i] - max);
    for (let i = 0; i < row.length; i++) probs[i] /= s;
  }
  const idx = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b).slice(0, k);
  return idx.map((i) => ({ classId: i, label: labels?.[i] ?? `class_${i}`, score: probs[i] }));
}
