// The client contract shared by the HTTP (fetch) and gRPC (Node) clients, so callers and the batch
// scheduler never care which wire protocol is underneath.

export type KServeDataType =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES'
  | 'BF16';

export type TensorData =
  | Float32Array
  | Float64Array
  /** FP16/BF16 bits, or UINT16 */
  | Uint16Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  /** BYTES */
  | Uint8Array[]
  /** BYTES, utf-8 */
  | string[]
  | boolean[];

export type ParameterMap = Record<string, string | number | boolean>;

export interface InferInput {
  name: string;
  datatype: KServeDataType;
  shape: number[];
  data: TensorData;
  parameters?: ParameterMap;
}

export interface RequestedOutput {
  name: string;
  /** default true */
  binary?: boolean;
  parameters?: ParameterMap;
}

export interface InferRequest {
  inputs: InferInput[];
  outputs?: RequestedOutput[];
  id?: string;
  /** e.g. priority, timeout (µs) — passed through to the server */
  parameters?: ParameterMap;
}

export interface InferOutput {
  name: string;
  datatype: KServeDataType;
  shape: number[];
  data: TensorData;
}

export interface InferResponse {
  modelName: string;
  modelVersion?: string;
  id?: string;
  outputs: InferOutput[];
  parameters?: Record<string, unknown>;
  bytesSent: number;
  bytesReceived: number;
  /**
   * Present only when the client was created with `reuseOutputBuffers: true`: call it once you are done
   * with the outputs, and their memory receives a later response (the output arrays then change under
   * you, so drop every reference first). Never calling it is safe: the memory is garbage-collected.
   */
  release?(): void;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  headers?: Record<string, string>;
  version?: string;
}

export interface TensorConfig {
  name: string;
  datatype: KServeDataType;
  dims: number[];
}

export interface ModelConfigSummary {
  name: string;
  platform?: string;
  backend?: string;
  maxBatchSize: number;
  inputs: TensorConfig[];
  outputs: TensorConfig[];
  dynamicBatching: { preferredBatchSize: number[]; maxQueueDelayMicroseconds: number } | null;
  instanceCount: number;
  raw: unknown;
}

export interface TensorMetadata {
  name: string;
  datatype: KServeDataType;
  shape: number[];
}

export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export interface InferenceClient {
  readonly protocol: 'http' | 'grpc';
  readonly url: string;
  serverLive(o?: CallOptions): Promise<boolean>;
  serverReady(o?: CallOptions): Promise<boolean>;
  serverMetadata(o?: CallOptions): Promise<ServerMetadata>;
  modelReady(model: string, o?: CallOptions): Promise<boolean>;
  modelMetadata(model: string, o?: CallOptions): Promise<ModelMetadata>;
  modelConfig(model: string, o?: CallOptions): Promise<ModelConfigSummary>;
  infer(model: string, request: InferRequest, o?: CallOptions): Promise<InferResponse>;
  close(): Promise<void>;
}
