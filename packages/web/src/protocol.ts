/** What crosses the main-thread ↔ worker boundary. Pixels always travel as transferables, never as copies. */
import type { CircuitBreakerOptions, ContentionOptions, OutputLayout, RouteEvent, RoutingPolicyOptions } from '@sightline/core';
import type { Wire } from './errorTransfer.js';
import type { GpuBufferStats } from './gpu/bufferStats.js';
import type { BackendChoice, ClassifyResult, DetectResult, FallbackEvent, ModelInfo, ProgressEvent, RemoteTarget, RouteProvenance } from './types.js';

export type Frame =
  | { kind: 'bitmap'; bitmap: ImageBitmap }
  | { kind: 'videoframe'; frame: VideoFrame }
  | { kind: 'pixels'; data: Uint8ClampedArray; width: number; height: number };

export interface EngineInit {
  task: 'detect' | 'classify';
  /** Absolute URL (fetched and cached in the worker) or the bytes themselves (transferred). */
  model: string | ArrayBuffer;
  labels?: string[];
  backend: BackendChoice;
  layout?: OutputLayout;
  inputSize?: [number, number];
  numThreads?: number;
  cacheName: string | null;
  integrity?: string;
  maxModelBytes: number;
  warmup: boolean;
  conf: number;
  iou: number;
  maxDet: number;
  /** Hybrid mode: a Triton server (through a CORS proxy) the router may send calls to. */
  remote?: RemoteTarget;
  policy?: RoutingPolicyOptions;
  /** Without `now`: a clock cannot cross the worker boundary. */
  breaker?: Omit<CircuitBreakerOptions, 'now'>;
  contention?: ContentionOptions;
  remoteRetryMs?: number;
  probe?: boolean;
}

/** Hybrid engines answer per item: a result with its route, or the serialized error of that item. */
export type WireOutcome<R> = (R & { route: RouteProvenance }) | { error: Wire; route: RouteProvenance };

export interface FrameOptions {
  conf?: number;
  iou?: number;
  maxDet?: number;
  classes?: number[];
  topK?: number;
}

export interface EngineHostApi {
  create(id: string, init: EngineInit, onProgress?: (e: ProgressEvent) => void, onFallback?: (e: FallbackEvent) => void, onRoute?: (e: RouteEvent) => void): Promise<ModelInfo>;
  /** Plain engines return results (and throw); hybrid engines return one WireOutcome per frame. */
  detect(id: string, frames: Frame[], opts: FrameOptions): Promise<DetectResult[] | WireOutcome<DetectResult>[]>;
  classify(id: string, frames: Frame[], opts: FrameOptions): Promise<ClassifyResult[] | WireOutcome<ClassifyResult>[]>;
  dispose(id: string): Promise<void>;
  evictModel(url: string, cacheName: string): Promise<boolean>;
  clearModelCache(cacheName: string): Promise<boolean>;
  /** Test hook: destroy the engine's GPUDevice to exercise device-loss recovery. */
  loseDevice(id: string): Promise<boolean>;
  /** Live engines (tests check that dispose frees them). */
  engineCount(): number;
  /** Live GPU buffers on this worker's shared device (null without WebGPU). */
  gpuBufferStats(): Promise<GpuBufferStats | null>;
}
