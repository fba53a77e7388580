/** Public option and result types of @sightline/web. */
import type { ClassScore, Detection, OutputLayout, CircuitBreakerOptions, ContentionOptions, RouteEvent, RoutingPolicyOptions } from '@sightline/core';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
/** The engine that actually ran (tfjs-* come from the TF.js engine). */
export type BackendName = 'webgpu' | 'wasm' | 'tfjs-webgpu' | 'tfjs-wasm' | 'tfjs-cpu' | 'triton-http';

/** A Triton (KServe v2) server reachable from the page: through a CORS proxy such as `sightline triton init`'s nginx. */
export interface RemoteTarget {
  url: string;
  /** Model name on the server. */
  model: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface RouteProvenance {
  path: 'local' | 'remote';
  /** 1 = first choice; 2 = recomputed on the other path after a failure; 0 = never ran (bad input). */
  attempts: number;
  endpoint?: string;
}

export type ModelSource = string | URL | ArrayBuffer | Uint8Array | Blob;

export interface ProgressEvent {
  /** 'model' while downloading, 'session' while the runtime compiles, 'warmup' for the first run. */
  stage: 'model' | 'session' | 'warmup';
  url?: string;
  loaded: number;
  /** Bytes expected (Content-Length), or undefined when the server did not say. */
  total?: number;
  fromCache?: boolean;
}

export interface FallbackEvent {
  from: BackendName;
  to: BackendName;
  reason: string;
}

export interface CacheOption {
  /** Cache API storage name (default 'sightline-models'). */
  name?: string;
}

export interface EngineOptions {
  model: ModelSource;
  /** Override the labels read from the model's metadata. */
  labels?: string[];
  backend?: BackendChoice;
  /** Override the layout detected from the model. */
  layout?: OutputLayout;
  /** Override the model's input size ([height, width], as everywhere in Sightline, or a square side). */
  inputSize?: number | [number, number];
  /** Run in this worker (shared between engines) instead of a private one. */
  worker?: SightlineWorker;
  onProgress?: (e: ProgressEvent) => void;
  onFallback?: (e: FallbackEvent) => void;
  /**
   * Hybrid mode: also use this Triton server. Each call is routed (local WebGPU/WASM vs remote) from measured
   * costs; failed items are recomputed on the other path; `detectBatch` then returns one outcome per item.
   */
  remote?: RemoteTarget;
  /** Routing policy for hybrid mode (mode, fixed batchThreshold, splitting): see @sightline/core decideRoute. */
  policy?: RoutingPolicyOptions;
  breaker?: Omit<CircuitBreakerOptions, 'now'>;
  /** Hybrid mode: when overlapping both paths counts as not paying off (same machine), and how often to re-try it. */
  contention?: ContentionOptions;
  /** Every routing decision and fallback, with its reason. */
  onRoute?: (e: RouteEvent) => void;
  /**
   * Hybrid mode: seed the cost models at creation with grey frames on each path (calls of 1 and 4 frames; default
   * false in browsers, to keep start-up short; without it a page with no WebGPU starts remote and the models learn from real calls).
   */
  probe?: boolean;
  /** WASM threads (default: navigator.hardwareConcurrency capped at 4; 1 when not cross-origin isolated). */
  numThreads?: number;
  /** Cache API caching of URL models (default true). */
  cache?: boolean | CacheOption;
  /** Subresource-integrity style 'sha256-<base64>' the model bytes must match. */
  integrity?: string;
  /** Refuse models larger than this (default 512 MiB). */
  maxModelBytes?: number;
  /** Run once on a blank frame at creation so the first real frame is not slow (default true). */
  warmup?: boolean;
}

export interface DetectorOptions extends EngineOptions {
  conf?: number;
  iou?: number;
  maxDet?: number;
}

export type ClassifierOptions = EngineOptions;

export interface DetectOptions {
  conf?: number;
  iou?: number;
  maxDet?: number;
  /** Keep only these class ids. */
  classes?: number[];
  /**
   * ImageData sources: the pixel buffer is transferred to the worker (the caller's ImageData is detached
   * afterwards) unless this is true, in which case it is copied.
   */
  keepSource?: boolean;
}

export interface ClassifyOptions {
  topK?: number;
  keepSource?: boolean;
}

export interface Timings {
  preprocess: number;
  inference: number;
  postprocess: number;
  total: number;
}

export interface DetectResult {
  detections: Detection[];
  backend: BackendName;
  width: number;
  height: number;
  timings: Timings;
  /** Bytes on the wire (remote results only). */
  bytes?: { up: number; down: number };
  /** Where the result was computed (hybrid detectors only). */
  route?: RouteProvenance;
}

export interface ClassifyResult {
  classes: ClassScore[];
  backend: BackendName;
  width: number;
  height: number;
  timings: Timings;
  bytes?: { up: number; down: number };
  route?: RouteProvenance;
}

/** A hybrid detectBatch entry that failed: the error of that item alone, with where it was tried. */
export interface ItemError {
  error: Error;
  route: RouteProvenance;
}

export interface ModelInfo {
  backend: BackendName;
  task: 'detect' | 'classify';
  inputName: string;
  outputName: string;
  inputDataType: string;
  /** [height, width] the model sees. */
  inputSize: [number, number];
  layout: OutputLayout;
  labels: string[];
  /** Bytes of the ONNX file. */
  modelBytes: number;
  /** Fallbacks taken while creating the engine (also sent to onFallback). */
  fallbacks: FallbackEvent[];
  numThreads: number;
  /** Hybrid mode: the Triton target and whether it was reachable when last tried. */
  remote?: { url: string; model: string; connected: boolean };
}

export type ImageSource =
  | HTMLImageElement
  | HTMLVideoElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageBitmap
  | VideoFrame
  | ImageData
  | Blob
  | string
  | URL;

/** A worker that hosts engines; create one with createWorker() to share it between detectors. */
export interface SightlineWorker {
  readonly id: string;
  terminate(): void;
}
