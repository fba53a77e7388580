// Builds a KServe v2 /infer body. Binary tensor extension by default: a JSON header followed by the raw
// input bytes, its length in `Inference-Header-Content-Length`; a pure-JSON body when asked (proxies or
// servers without the extension).
import { OptionError } from '@sightline/core';
import { dataTypeSize, encodeBytesTensor, halfToFloat, shapeElementCount, typedArrayFor } from './datatypes.js';
import type { InferInput, InferRequest, ParameterMap, TensorData } from './types.js';

export interface EncodeOptions {
  /** Send input data as binary (default true); false → JSON `data` arrays. */
  binaryInputs?: boolean;
  /** Ask for binary outputs when `request.outputs` does not say (default true). */
  binaryOutputs?: boolean;
}

export interface EncodedInferRequest {
  body: Uint8Array;
  /** Length of the JSON header; undefined for a pure-JSON body. */
  headerLength: number | undefined;
  contentType: string;
}

/** The same body in pieces: the JSON header, then each input's bytes as views of the caller's arrays. */
export interface EncodedInferRequestParts {
  chunks: Uint8Array[];
  byteLength: number;
  /** Length of the JSON header; undefined for a pure-JSON body. */
  headerLength: number | undefined;
  contentType: string;
}

const utf8 = new TextEncoder();

function bad(msg: string, details?: Record<string, unknown>): never {
  throw new OptionError('E_INVALID_OPTION', msg, details ? { details } : {});
}

/** Raw little-endian bytes of one input, validated against its datatype and shape. */
export function inputBytes(input: InferInput): Uint8Array {
  const n = shapeElementCount(input.shape, Number.MAX_SAFE_INTEGER, 'option');
  const { data, datatype } = input;
  if (data.length !== n) bad(`input '${input.name}' has ${data.length} elements but shape ${JSON.stringify(input.shape)} needs ${n}`);
  if (datatype === 'BYTES') {
    if (!Array.isArray(data)) bad(`input '${input.name}' is BYTES: data must be string[] or Uint8Array[]`);
    for (const e of data as unknown[]) if (typeof e !== 'string' && !(e instanceof Uint8Array)) bad(`input '${input.name}' BYTES elements must be strings or Uint8Arrays`);
    return encodeBytesTensor(data as (string | Uint8Array)[]);
  }
  if (datatype === 'BOOL') {
    if (data instanceof Uint8Array) return data;
    if (!Array.isArray(data)) bad(`input '${input.name}' is BOOL: data must be boolean[] or Uint8Array`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (data as unknown[])[i] ? 1 : 0;
    return out;
  }
  const ctor = typedArrayFor(datatype);
  if (!ctor) bad(`input '${input.name}' has unsupported datatype ${String(datatype)}`);
  if (!(data instanceof ctor)) bad(`input '${input.name}' is ${datatype}: data must be a ${ctor.name}`, { got: describe(data) });
  const ta = data as Exclude<TensorData, unknown[]>;
  if (ta.byteLength !== n * dataTypeSize(datatype)) bad(`input '${input.name}' byte length mismatch`);
  return new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
}

function describe(d: unknown): string {
  return Array.isArray(d) ? 'Array' : (d as object)?.constructor?.name ?? typeof d;
}

function jsonData(input: InferInput): unknown[] {
  const { data, datatype } = input;
  const n = shapeElementCount(input.shape, Number.MAX_SAFE_INTEGER, 'option');
  if (data.length !== n) bad(`input '${input.name}' has ${data.length} elements but shape ${JSON.stringify(input.shape)} needs ${n}`);
  if (datatype === 'BYTES') {
    if (!Array.isArray(data)) bad(`input '${input.name}' is BYTES: data must be string[] or Uint8Array[]`);
    return (data as unknown[]).map((e) => {
      if (typeof e === 'string') return e;
      if (e instanceof Uint8Array) return new TextDecoder('utf-8', { fatal: false }).decode(e);
      return bad(`input '${input.name}' BYTES elements must be strings or Uint8Arrays`);
    });
  }
  if (datatype === 'BOOL') return Array.from(data as ArrayLike<unknown>, (v) => Boolean(v));
  if (datatype === 'FP16' || datatype === 'BF16') {
    if (!(data instanceof Uint16Array)) bad(`input '${input.name}' is ${datatype}: data must be a Uint16Array of bits`);
    return datatype === 'FP16'
      ? Array.from(data, halfToFloat)
      : Array.from(data, (b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0]);
  }
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return Array.from(data as ArrayLike<bigint>, (v) => {
      const x = Number(v);
      if (!Number.isSafeInteger(x)) bad(`input '${input.name}': ${v} cannot be sent exactly as JSON; use binary inputs`);
      return x;
    });
  }
  inputBytes(input); // type check only
  return Array.from(data as ArrayLike<number>);
}

function withParams(base: ParameterMap | undefined, extra: ParameterMap): ParameterMap {
  return { ...(base ?? {}), ...extra };
}

/** Encode an infer request (binary extension by default) as one body. */
export function encodeInferRequest(request: InferRequest, options: EncodeOptions = {}): EncodedInferRequest {
  const { chunks, byteLength, headerLength, contentType } = encodeInferRequestParts(request, options);
  if (chunks.length === 1) return { body: chunks[0], headerLength, contentType };
  const body = new Uint8Array(byteLength);
  let o = 0;
  for (const c of chunks) {
    body.set(c, o);
    o += c.byteLength;
  }
  return { body, headerLength, contentType };
}

/** Encode without joining: transports that can write pieces (node:http) skip a copy of every input. */
export function encodeInferRequestParts(request: InferRequest, options: EncodeOptions = {}): EncodedInferRequestParts {
  const binaryInputs = options.binaryInputs ?? true;
  const binaryOutputs = options.binaryOutputs ?? true;
  if (!request || !Array.isArray(request.inputs) || request.inputs.length === 0) bad('infer request needs at least one input');
  const header: Record<string, unknown> = {};
  if (request.id !== undefined) header.id = request.id;
  const params: ParameterMap = { ...(request.parameters ?? {}) };
  const chunks: Uint8Array[] = [new Uint8Array(0)];
  let binaryLength = 0;
  header.inputs = request.inputs.map((input) => {
    if (!input || typeof input.name !== 'string') bad('every input needs a name');
    const base: Record<string, unknown> = { name: input.name, shape: input.shape, datatype: input.datatype };
    if (binaryInputs) {
      const bytes = inputBytes(input);
      chunks.push(bytes);
      binaryLength += bytes.byteLength;
      base.parameters = withParams(input.parameters, { binary_data_size: bytes.byteLength });
    } else {
      if (input.parameters) base.parameters = input.parameters;
      base.data = jsonData(input);
    }
    return base;
  });
  if (request.outputs && request.outputs.length > 0) {
    header.outputs = request.outputs.map((o) => ({
      name: o.name,
      parameters: withParams(o.parameters, { binary_data: o.binary ?? binaryOutputs }),
    }));
  } else if (binaryOutputs) {
    params.binary_data_output = true;
  }
  if (Object.keys(params).length > 0) header.parameters = params;
  const json = utf8.encode(JSON.stringify(header));
  if (!binaryInputs) return { chunks: [json], byteLength: json.byteLength, headerLength: undefined, contentType: 'application/json' };
  chunks[0] = json;
  return { chunks, byteLength: json.byteLength + binaryLength, headerLength: json.byteLength, contentType: 'application/octet-stream' };
}
