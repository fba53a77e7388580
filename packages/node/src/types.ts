/** Public option and result types of @sightline/node (same shapes as @sightline/web, plus Node backends). */
import type { ClassScore, Detection, OutputLayout } from '@sightline/core';
import type { NodeBackendName } from './engines/inferenceEngine.js';
import type { NodeBackendChoice } from './engines/selectEngine.js';
import type { RemoteOptions } from './engines/tritonRemote.js';
import type { NodeModelSource } from './model/loadModelBytes.js';

export interface NodeEngineOptions {
  /** ONNX file path or bytes. */
  model: NodeModelSource;
  /** Override the labels read from the model's metadata. */
  labels?: string[];
  /** Default 'auto' (onnxruntime-node CPU, falling back to onnxruntime-web wasm); 'remote' forces Triton. */
  backend?: NodeBackendChoice;
  /** Override the layout detected from the model. */
  layout?: OutputLayout;
  /** Override the model's input size ([height, width], as @sightline/core's describeModel, or a square side). */
  inputSize?: number | [number, number];
  /** Triton endpoint; used when backend is 'remote' (automatic routing comes with the hybrid router). */
  remote?: RemoteOptions;
  /** onnxruntime-node threads per operator (default: all cores). */
  intraOpNumThreads?: number;
  /** Refuse images with more pixels than this (default 100 MP). */
  maxPixels?: number;
}

export interface NodeDetectorOptions extends NodeEngineOptions {
  /** Score threshold (default 0.25). */
  conf?: number;
  /** NMS IoU (default 0.7). */
  iou?: number;
  /** Most detections per image (default 300). */
  maxDet?: number;
}

export type NodeClassifierOptions = NodeEngineOptions & {
  /** Default top-k (5). */
  topK?: number;
};

export interface NodeDetectOptions {
  conf?: number;
  iou?: number;
  maxDet?: number;
  /** Keep only these class ids. */
  classes?: number[];
}

export interface NodeClassifyOptions {
  topK?: number;
}

/** Milliseconds per stage; in a batch, inference is the batch's time shared equally. */
export interface NodeTimings {
  decode: number;
  preprocess: number;
  inference: number;
  postprocess: number;
  total: number;
}

export interface NodeDetectResult {
  detections: Detection[];
  backend: NodeBackendName;
  width: number;
  height: number;
  timings: NodeTimings;
  /** Bytes on the wire (remote only; in a batch, shared equally). */
  bytes?: { up: number; down: number };
}

export interface NodeClassifyResult {
  classes: ClassScore[];
  backend: NodeBackendName;
  width: number;
  height: number;
  timings: NodeTimings;
  bytes?: { up: number; down: number };
}

export interface NodeModelInfo {
  backend: NodeBackendName;
  task: 'detect' | 'classify';
  inputName: string;
  outputName: string;
  inputDataType: 'float32' | 'float16' | 'uint8';
  /** [height, width] the model sees. */
  inputSize: [number, number];
  layout: OutputLayout;
  labels: string[];
  /** Largest batch per model run (Infinity for dynamic-batch models). */
  maxBatch: number;
  modelBytes: number;
  /** Backends skipped while creating the engine, with the reason. */
  fallbacks: string[];
}
