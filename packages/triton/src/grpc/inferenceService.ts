/// <reference types="node" />
// Loads grpc_service.proto once and exposes the method definitions (path + (de)serializers) together
// with the plain-object shapes proto-loader produces for them (keepCase, longs as Number, enums as String).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSync, type MethodDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import { EngineError } from '@sightline/core';

export interface WireParameter {
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
  double_param?: number;
  uint64_param?: number;
  parameter_choice?: string;
}
export type WireParameters = Record<string, WireParameter>;

export interface WireTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: number[];
  uint_contents?: number[];
  uint64_contents?: number[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Buffer[];
}

export interface WireInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: WireParameters;
  inputs: { name: string; datatype: string; shape: number[]; parameters: WireParameters }[];
  outputs: { name: string; parameters: WireParameters }[];
  raw_input_contents: Uint8Array[];
}

export interface WireInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters: WireParameters;
  outputs: { name: string; datatype: string; shape: number[]; parameters: WireParameters; contents: WireTensorContents | null }[];
  raw_output_contents: Buffer[];
}

export interface WireTensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface WireModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: WireTensorMetadata[];
  outputs: WireTensorMetadata[];
}

export interface WireModelConfig {
  name: string;
  platform: string;
  backend: string;
  max_batch_size: number;
  input: { name: string; data_type: string; dims: number[] }[];
  output: { name: string; data_type: string; dims: number[] }[];
  instance_group: { name: string; count: number; kind: string; gpus: number[] }[];
  dynamic_batching: { preferred_batch_size: number[]; max_queue_delay_microseconds: number; preserve_ordering: boolean } | null;
}

/** Request/response type per RPC, so the client's call helper is typed end to end. */
export interface InferenceRpc {
  ServerLive: [Record<string, never>, { live: boolean }];
  ServerReady: [Record<string, never>, { ready: boolean }];
  ModelReady: [{ name: string; version: string }, { ready: boolean }];
  ServerMetadata: [Record<string, never>, { name: string; version: string; extensions: string[] }];
  ModelMetadata: [{ name: string; version: string }, WireModelMetadata];
  ModelInfer: [WireInferRequest, WireInferResponse];
  ModelConfig: [{ name: string; version: string }, { config: WireModelConfig | null }];
}
export type RpcName = keyof InferenceRpc;

export type InferenceMethods = { [K in RpcName]: MethodDefinition<InferenceRpc[K][0], InferenceRpc[K][1]> };

let cached: InferenceMethods | undefined;

function protoPath(): string {
  // From src/grpc/ the file sits beside this module; from dist/grpc/ it is read from the published src/.
  for (const rel of ['./grpc_service.proto', '../../src/grpc/grpc_service.proto']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new EngineError('E_BACKEND_UNAVAILABLE', 'grpc_service.proto not found next to @sightline/triton/grpc (the published package ships it in src/grpc/)');
}

export function inferenceMethods(): InferenceMethods {
  if (cached) return cached;
  const pkg = loadSync(protoPath(), { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const service = pkg['inference.GRPCInferenceService'] as ServiceDefinition;
  cached = service as unknown as InferenceMethods;
  return cached;
}
