/// <reference types="node" />
// Decoding of what the server sends over gRPC: datatypes, parameters, ModelInfer outputs (raw or typed
// contents) and the ModelConfig summary. Everything is validated; malformed data → RemoteError
// E_REMOTE_PROTOCOL. `decodeInferResponse` (bytes → response) is what the fuzzer drives.
import { RemoteError } from '@sightline/core';
import type { InferOutput, InferResponse, KServeDataType, ModelConfigSummary, TensorConfig, TensorData } from '../types.js';
import { inferenceMethods, type WireInferResponse, type WireModelConfig, type WireParameters, type WireTensorContents } from './inferenceService.js';
import { decodeRawOutput, isKServeDataType, outputElementCount } from './rawTensor.js';

export function checkDatatype(dt: string, tensor: string): KServeDataType {
  if (!isKServeDataType(dt)) throw new RemoteError('E_REMOTE_PROTOCOL', `tensor "${tensor}": unknown datatype "${dt}"`, { details: { tensor, datatype: dt } });
  return dt;
}

export function fromWireParameters(p: WireParameters | undefined): Record<string, unknown> | undefined {
  if (!p) return undefined;
  const keys = Object.keys(p);
  if (keys.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = p[k];
    const choice = v.parameter_choice as keyof typeof v | undefined;
    out[k] = choice ? v[choice] : undefined;
  }
  return out;
}

export function decodeOutputs(res: WireInferResponse): InferOutput[] {
  const raw = res.raw_output_contents;
  // Triton always answers with raw contents; other KServe servers may use typed `contents` instead.
  if (raw.length !== 0 && raw.length !== res.outputs.length) {
    throw new RemoteError('E_REMOTE_PROTOCOL', `ModelInfer: ${res.outputs.length} outputs but ${raw.length} raw_output_contents`);
  }
  return res.outputs.map((t, i) => {
    const datatype = checkDatatype(t.datatype, t.name);
    const shape = [...t.shape];
    const data = raw.length ? decodeRawOutput(t.name, datatype, shape, raw[i]) : decodeContents(t.name, datatype, shape, t.contents);
    return { name: t.name, datatype, shape, data };
  });
}

const protocolError = (msg: string) => new RemoteError('E_REMOTE_PROTOCOL', msg);

function decodeContents(name: string, datatype: KServeDataType, shape: number[], c: WireTensorContents | null): TensorData {
  const count = outputElementCount(shape);
  const pick = (arr: readonly unknown[] | undefined): readonly unknown[] => {
    const a = arr ?? [];
    if (a.length !== count) throw protocolError(`output "${name}": shape [${shape.join(', ')}] needs ${count} elements, contents have ${a.length}`);
    return a;
  };
  switch (datatype) {
    case 'FP32': return Float32Array.from(pick(c?.fp32_contents) as number[]);
    case 'FP64': return Float64Array.from(pick(c?.fp64_contents) as number[]);
    case 'INT8': return Int8Array.from(pick(c?.int_contents) as number[]);
    case 'INT16': return Int16Array.from(pick(c?.int_contents) as number[]);
    case 'INT32': return Int32Array.from(pick(c?.int_contents) as number[]);
    case 'UINT8': return Uint8Array.from(pick(c?.uint_contents) as number[]);
    case 'UINT16': return Uint16Array.from(pick(c?.uint_contents) as number[]);
    case 'UINT32': return Uint32Array.from(pick(c?.uint_contents) as number[]);
    case 'INT64': return BigInt64Array.from(pick(c?.int64_contents) as number[], (v) => BigInt(v));
    case 'UINT64': return BigUint64Array.from(pick(c?.uint64_contents) as number[], (v) => BigInt(v));
    case 'BOOL': return [...(pick(c?.bool_contents) as boolean[])];
    case 'BYTES': return (pick(c?.bytes_contents) as Buffer[]).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    default:
      throw protocolError(`output "${name}": ${datatype} has no typed contents field; the server must send raw contents`);
  }
}

function configDatatype(t: string, tensor: string): KServeDataType {
  const dt = t === 'TYPE_STRING' ? 'BYTES' : t.replace(/^TYPE_/, '');
  return checkDatatype(dt, tensor);
}

export function summarizeConfig(c: WireModelConfig): ModelConfigSummary {
  const tensor = (t: { name: string; data_type: string; dims: number[] }): TensorConfig => ({ name: t.name, datatype: configDatatype(t.data_type, t.name), dims: [...t.dims] });
  const groups = c.instance_group ?? [];
  const summary: ModelConfigSummary = {
    name: c.name,
    maxBatchSize: c.max_batch_size,
    inputs: c.input.map(tensor),
    outputs: c.output.map(tensor),
    dynamicBatching: c.dynamic_batching
      ? { preferredBatchSize: [...c.dynamic_batching.preferred_batch_size], maxQueueDelayMicroseconds: c.dynamic_batching.max_queue_delay_microseconds }
      : null,
    // Triton fills instance_group in the effective config; an empty list still means one instance.
    instanceCount: Math.max(1, groups.reduce((n, g) => n + Math.max(0, g.count), 0)),
    raw: c,
  };
  if (c.platform) summary.platform = c.platform;
  if (c.backend) summary.backend = c.backend;
  return summary;
}

/** Decode a serialized ModelInferResponse completely (protobuf + outputs); the client gets the protobuf
 * part from grpc-js, which maps its decode failures to INTERNAL (→ E_REMOTE_PROTOCOL). */
export function decodeInferResponse(bytes: Uint8Array): Omit<InferResponse, 'bytesSent' | 'bytesReceived'> {
  let res: WireInferResponse;
  try {
    res = inferenceMethods().ModelInfer.responseDeserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new RemoteError('E_REMOTE_PROTOCOL', `ModelInfer: undecodable response: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const out: Omit<InferResponse, 'bytesSent' | 'bytesReceived'> = { modelName: res.model_name, outputs: decodeOutputs(res) };
  if (res.model_version) out.modelVersion = res.model_version;
  if (res.id) out.id = res.id;
  const params = fromWireParameters(res.parameters);
  if (params) out.parameters = params;
  return out;
}
