/** What createDetector/createClassifier need from a runtime: run one (batched) input tensor, get the output. */
export type LocalBackendName = 'onnxruntime-node' | 'onnxruntime-web-wasm';
export type NodeBackendName = LocalBackendName | 'triton-http' | 'triton-grpc';

/** float32, or float16 as IEEE half bits. */
export type EngineData = Float32Array | Uint16Array;

export interface EngineTensor {
  data: EngineData;
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
  readonly inputDataType: 'float32' | 'float16';
  run(input: EngineTensor): Promise<EngineRun>;
  dispose(): Promise<void>;
}

/** The tensor names/types an engine is created for. */
export interface EngineModel {
  inputName: string;
  outputName: string;
  inputDataType: 'float32' | 'float16';
  maxBatch: number;
}
