/** What createDetector/createClassifier need from a runtime: run one (batched) input tensor, get the output. */
import type { OutputLayout } from '@sightline/core';

export type LocalBackendName = 'onnxruntime-node' | 'onnxruntime-web-wasm';
export type NodeBackendName = LocalBackendName | 'triton-http' | 'triton-grpc';

/** float32, or float16 as IEEE half bits. */
export type EngineData = Float32Array | Uint16Array;
/** Input element types: a remote model may take UINT8 pixels (normalised on the server). */
export type EngineInputType = 'float32' | 'float16' | 'uint8';
export type EngineInputData = EngineData | Uint8Array;

export interface EngineTensor {
  data: EngineData;
  dims: readonly number[];
}

export interface EngineInput {
  data: EngineInputData;
  dims: readonly number[];
}

export interface EngineRun {
  output: EngineTensor;
  /** Request/response bytes on the wire (remote engines only). */
  bytes?: { up: number; down: number };
}

export interface InferenceEngine {
  readonly backend: NodeBackendName;
  /** Largest batch one run accepts: 1 for models with a fixed batch of 1. */
  readonly maxBatch: number;
  /** Element type the engine's input takes (a remote model may differ from the local file). */
  readonly inputDataType: EngineInputType;
  /** Channels first (default) or last ([H,W,3]: the UINT8 ensembles writeModelRepository generates). */
  readonly inputLayout?: 'nchw' | 'nhwc';
  /** Layout of what run() returns, where it differs from the model file's (a server running NMS: end-to-end rows). */
  readonly outputLayout?: OutputLayout;
  run(input: EngineInput): Promise<EngineRun>;
  dispose(): Promise<void>;
}

/** The tensor names/types an engine is created for. */
export interface EngineModel {
  inputName: string;
  outputName: string;
  inputDataType: 'float32' | 'float16';
  maxBatch: number;
  /** [height, width] the pre-processing produces. */
  inputSize: readonly [number, number];
  /** The model file's output layout. */
  layout: OutputLayout;
}
