// Strict parser for KServe v2 /infer responses (JSON header + optional binary tensor data). Every length
// and offset is checked against the body before it is used, so a malformed or hostile response becomes a
// RemoteError (E_REMOTE_PROTOCOL / E_REMOTE_TOO_LARGE) instead of an out-of-bounds read or a huge allocation.
import { RemoteError } from '@sightline/core';
import { dataTypeSize, decodeBytesTensor, isKServeDataType, shapeElementCount, typedArrayFor } from './datatypes.js';
import type { InferOutput, InferResponse, KServeDataType, TensorData } from './types.js';

export const DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

export interface ParseOptions {
  /** Largest body accepted (default 512 MiB). */
  maxResponseBytes?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function protocol(msg: string, details?: Record<string, unknown>): never {
  throw new RemoteError('E_REMOTE_PROTOCOL', `malformed inference response: ${msg}`, details ? { details } : {});
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse the `Inference-Header-Content-Length` header value; undefined when absent. */
export function parseHeaderLength(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const t = value.trim();
  if (!/^\d{1,15}$/.test(t)) protocol(`Inference-Header-Content-Length is not a non-negative integer: ${JSON.stringify(value.slice(0, 40))}`);
  return Number(t);
}

/**
 * Parse a complete response body. `headerLength` is the `Inference-Header-Content-Length` value
 * (undefined: the whole body is JSON).
 */
export function parseInferResponse(body: Uint8Array, headerLength: number | undefined, options: ParseOptions = {}): Omit<InferResponse, 'bytesSent' | 'bytesReceived'> {
  const max = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (body.byteLength > max) {
    throw new RemoteError('E_REMOTE_TOO_LARGE', `inference response of ${body.byteLength} bytes exceeds the limit of ${max}`, { details: { bytes: body.byteLength, limit: max } });
  }
  const hl = headerLength ?? body.byteLength;
  if (!Number.isSafeInteger(hl) || hl < 0 || hl > body.byteLength) protocol(`header length ${hl} is outside the body of ${body.byteLength} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(body.subarray(0, hl)));
  } catch (e) {
    protocol('JSON header is not valid UTF-8 JSON', { cause: e instanceof Error ? e.message : String(e) });
  }
  if (!isRecord(json)) protocol('JSON header is not an object');
  const modelName = json.model_name;
  if (typeof modelName !== 'string') protocol('model_name is missing or not a string');
  const modelVersion = json.model_version;
  if (modelVersion !== undefined && typeof modelVersion !== 'string') protocol('model_version is not a string');
  const id = json.id;
  if (id !== undefined && typeof id !== 'string') protocol('id is not a string');
  const parameters = json.parameters;
  if (parameters !== undefined && !isRecord(parameters)) protocol('parameters is not an object');
  const rawOutputs = json.outputs ?? [];
  if (!Array.isArray(rawOutputs)) protocol('outputs is not an array');

  const binary = body.subarray(hl);
  let offset = 0;
  const outputs: InferOutput[] = new Array(rawOutputs.length);
  for (let i = 0; i < rawOutputs.length; i++) {
    const o = rawOutputs[i];
    if (!isRecord(o)) protocol(`outputs[${i}] is not an object`);
    const name = o.name;
    if (typeof name !== 'string') protocol(`outputs[${i}].name is missing`);
    const datatype = o.datatype;
    if (!isKServeDataType(datatype)) protocol(`output '${name}' has an unknown datatype ${JSON.stringify(datatype)}`);
    // No tensor can have more elements than the body has bytes (JSON numbers take ≥ 1 byte each too),
    // except zero-size elements which do not exist here; this bounds every allocation below by the body.
    const count = shapeElementCount(o.shape, Math.max(body.byteLength, 1));
    const shape = (o.shape as number[]).slice();
    const p = o.parameters;
    if (p !== undefined && !isRecord(p)) protocol(`output '${name}' parameters is not an object`);
    const size = p?.binary_data_size;
    let data: TensorData;
    if (size !== undefined) {
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) protocol(`output '${name}' binary_data_size is not a non-negative integer`);
      if (size > binary.byteLength - offset) protocol(`output '${name}' binary_data_size ${size} runs past the end of the body`, { offset, available: binary.byteLength - offset });
      const bytes = binary.subarray(offset, offset + size);
      offset += size;
      data = binaryTensor(name, datatype, count, bytes);
    } else {
      if (!('data' in o)) protocol(`output '${name}' has neither data nor binary_data_size`);
      data = jsonTensor(name, datatype, count, o.data);
    }
    outputs[i] = { name, datatype, shape, data };
  }
  if (offset !== binary.byteLength) protocol(`${binary.byteLength - offset} unclaimed bytes after the binary outputs`);
  const out: Omit<InferResponse, 'bytesSent' | 'bytesReceived'> = { modelName, outputs };
  if (modelVersion !== undefined) out.modelVersion = modelVersion;
  if (id !== undefined) out.id = id;
  if (parameters !== undefined) out.parameters = parameters;
  return out;
}

function binaryTensor(name: string, dt: KServeDataType, count: number, bytes: Uint8Array): TensorData {
  if (dt === 'BYTES') return decodeBytesTensor(bytes, count);
  const size = dataTypeSize(dt);
  if (bytes.byteLength !== count * size) protocol(`output '${name}' has ${bytes.byteLength} bytes but shape × ${dt} needs ${count * size}`);
  if (dt === 'BOOL') {
    const out: boolean[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = bytes[i] !== 0;
    return out;
  }
  const ctor = typedArrayFor(dt)!;
  // A typed view needs an aligned offset; copy once into a fresh buffer when the body does not give one.
  if (bytes.byteOffset % size === 0) return new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new ctor(copy.buffer, 0, count);
}

function jsonTensor(name: string, dt: KServeDataType, count: number, raw: unknown): TensorData {
  if (!Array.isArray(raw)) protocol(`output '${name}' data is not an array`);
  // KServe allows nested row-major arrays; flatten with a bounded depth.
  const flat = raw.some(Array.isArray) ? (raw.flat(32) as unknown[]) : raw;
  if (flat.length !== count) protocol(`output '${name}' has ${flat.length} JSON elements but its shape needs ${count}`);
  if (dt === 'BYTES') {
    const enc = new TextEncoder();
    return flat.map((v, i) => (typeof v === 'string' ? enc.encode(v) : protocol(`output '${name}' element ${i} is not a string`)));
  }
  if (dt === 'BOOL') return flat.map((v, i) => (typeof v === 'boolean' ? v : protocol(`output '${name}' element ${i} is not a boolean`)));
  if (dt === 'FP16' || dt === 'BF16') protocol(`output '${name}': ${dt} cannot be carried as JSON`);
  const ctor = typedArrayFor(dt)!;
  if (ctor === BigInt64Array || ctor === BigUint64Array) {
    const out = new ctor(count);
    for (let i = 0; i < count; i++) {
      const v = flat[i];
      if (typeof v !== 'number' || !Number.isInteger(v)) protocol(`output '${name}' element ${i} is not an integer`);
      (out as BigInt64Array)[i] = BigInt(v);
    }
    return out;
  }
  const out = new (ctor as Float32ArrayConstructor)(count);
  for (let i = 0; i < count; i++) {
    const v = flat[i];
    if (typeof v !== 'number') protocol(`output '${name}' element ${i} is not a number`);
    out[i] = v;
  }
  return out;
}
