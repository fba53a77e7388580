/** What crosses the main-thread ↔ worker boundary. Pixels always travel as transferables, never as copies. */
import type { OutputLayout } from '@sightline/core';
import type { BackendChoice, ClassifyResult, DetectResult, FallbackEvent, ModelInfo, ProgressEvent } from './types.js';

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
}

export interface FrameOptions {
  conf?: number;
  iou?: number;
  maxDet?: number;
  classes?: number[];
  topK?: number;
}

export interface EngineHostApi {
  create(id: string, init: EngineInit, onProgress?: (e: ProgressEvent) => void, onFallback?: (e: FallbackEvent) => void): Promise<ModelInfo>;
  detect(id: string, frames: Frame[], opts: FrameOptions): Promise<DetectResult[]>;
  classify(id: string, frames: Frame[], opts: FrameOptions): Promise<ClassifyResult[]>;
  dispose(id: string): Promise<void>;
  evictModel(url: string, cacheName: string): Promise<boolean>;
  clearModelCache(cacheName: string): Promise<boolean>;
  /** Test hook: destroy the engine's GPUDevice to exercise device-loss recovery. */
  loseDevice(id: string): Promise<boolean>;
  /** Live engines (tests check that dispose frees them). */
  engineCount(): number;
}
