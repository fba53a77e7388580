/// <reference types="node" />
// Raw tensor bytes for gRPC `raw_input_contents` / `raw_output_contents`: little-endian element data,
// BYTES as a 4-byte little-endian length before each element. Every size is checked before a view is
// made, so a hostile or buggy server can never cause an out-of-bounds read or a giant allocation.
import { OptionError, RemoteError } from '@sightline/core';
import type { KServeDataType, TensorData } from '../types.js';

/** Bytes per element; 0 for BYTES (variable length). */
const ELEMENT_SIZE: Record<KServeDataType, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  BF16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
  BYTES: 0,
};

export function isKServeDataType(s: string): s is KServeDataType {
  return Object.prototype.hasOwnProperty.call(ELEMENT_SIZE, s);
}

export function elementSize(dt: KServeDataType): number {
  return ELEMENT_SIZE[dt];
}

/** Product of a shape; throws when a dim is not a non-negative safe integer or the product overflows. */
export function elementCount(shape: readonly number[], what: string, makeError: (msg: string) => Error): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw makeError(`${what}: invalid dimension ${String(d)} in shape [${shape.join(', ')}]`);
    n *= d;
    if (!Number.isSafeInteger(n)) throw makeError(`${what}: shape [${shape.join(', ')}] is too large`);
  }
  return n;
}

type TypedArrayCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView & { length: number } };

const VIEW: Partial<Record<KServeDataType, TypedArrayCtor>> = {
  UINT8: Uint8Array,
  INT8: Int8Array,
  UINT16: Uint16Array,
  INT16: Int16Array,
  FP16: Uint16Array,
  BF16: Uint16Array,
  UINT32: Uint32Array,
  INT32: Int32Array,
  FP32: Float32Array,
  UINT64: BigUint64Array,
  INT64: BigInt64Array,
  FP64: Float64Array,
};

const inputError = (msg: string) => new OptionError('E_INVALID_OPTION', msg);

/**
 * Encode one input's data as raw bytes. Typed arrays are wrapped without copying (the protobuf encoder
 * copies once into the message); BOOL and BYTES are packed.
 */
export function encodeRawInput(name: string, datatype: KServeDataType, shape: readonly number[], data: TensorData): Buffer {
  if (!isKServeDataType(datatype)) throw new OptionError('E_INVALID_OPTION', `input "${name}": unknown datatype ${String(datatype)}`);
  const count = elementCount(shape, `input "${name}"`, inputError);
  if (data.length !== count) {
    throw new OptionError('E_INVALID_OPTION', `input "${name}": shape [${shape.join(', ')}] needs ${count} elements, data has ${data.length}`, {
      details: { input: name, shape: [...shape], elements: data.length },
    });
  }
  if (datatype === 'BYTES') return encodeBytes(name, data);
  if (datatype === 'BOOL') {
    if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (!Array.isArray(data) || (data.length > 0 && typeof data[0] !== 'boolean')) throw dtypeError(name, datatype, data);
    const out = Buffer.allocUnsafe(count);
    for (let i = 0; i < count; i++) out[i] = (data as boolean[])[i] ? 1 : 0;
    return out;
  }
  const ctor = VIEW[datatype];
  if (ctor === undefined || !(data instanceof ctor)) throw dtypeError(name, datatype, data);
  const view = data as ArrayBufferView;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

function dtypeError(name: string, datatype: KServeDataType, data: TensorData): OptionError {
  const got = Array.isArray(data) ? 'Array' : (data as object).constructor.name;
  return new OptionError('E_INVALID_OPTION', `input "${name}": datatype ${datatype} cannot be sent from a ${got}`, {
    details: { input: name, datatype, got },
  });
}

const utf8 = new TextEncoder();

function encodeBytes(name: string, data: TensorData): Buffer {
  if (!Array.isArray(data)) throw dtypeError(name, 'BYTES', data);
  const parts: Uint8Array[] = new Array(data.length);
  let total = 0;
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i];
    const b = typeof v === 'string' ? utf8.encode(v) : v instanceof Uint8Array ? v : null;
    if (b === null) throw dtypeError(name, 'BYTES', data);
    parts[i] = b;
    total += 4 + b.byteLength;
  }
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  for (const b of parts) {
    out.writeUInt32LE(b.byteLength, off);
    out.set(b, off + 4);
    off += 4 + b.byteLength;
  }
  return out;
}

const protocolError = (msg: string) => new RemoteError('E_REMOTE_PROTOCOL', msg);

/**
 * Decode one output's raw bytes. The byte length must equal product(shape) × element size exactly
 * (BYTES: the length prefixes must tile the buffer and yield product(shape) elements).
 * Aligned numeric data is returned as a view over the received message; misaligned data is copied.
 */
export function decodeRawOutput(name: string, datatype: string, shape: readonly number[], raw: Uint8Array): TensorData {
  if (!isKServeDataType(datatype)) throw new RemoteError('E_REMOTE_PROTOCOL', `output "${name}": unknown datatype ${datatype}`, { details: { output: name, datatype } });
  const count = elementCount(shape, `output "${name}"`, protocolError);
  if (datatype === 'BYTES') return decodeBytes(name, count, raw);
  const size = ELEMENT_SIZE[datatype];
  const expected = count * size;
  if (raw.byteLength !== expected) {
    throw new RemoteError('E_REMOTE_PROTOCOL', `output "${name}": ${datatype}[${shape.join(', ')}] needs ${expected} bytes, server sent ${raw.byteLength}`, {
      details: { output: name, datatype, shape: [...shape], expected, received: raw.byteLength },
    });
  }
  if (datatype === 'BOOL') {
    const out: boolean[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = raw[i] !== 0;
    return out;
  }
  const ctor = VIEW[datatype] as TypedArrayCtor;
  let bytes = raw;
  if (raw.byteOffset % size !== 0) {
    // Typed-array views need element alignment; protobuf fields rarely start aligned, so copy once.
    bytes = new Uint8Array(raw.byteLength);
    bytes.set(raw);
  }
  return new ctor(bytes.buffer, bytes.byteOffset, count) as unknown as TensorData;
}

function decodeBytes(name: string, count: number, raw: Uint8Array): Uint8Array[] {
  // Each element needs at least its 4-byte prefix: bound the array before allocating it.
  if (count * 4 > raw.byteLength) {
    throw new RemoteError('E_REMOTE_PROTOCOL', `output "${name}": ${count} BYTES elements cannot fit in ${raw.byteLength} bytes`, { details: { output: name } });
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: Uint8Array[] = new Array(count);
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (off + 4 > raw.byteLength) throw protocolError(`output "${name}": BYTES element ${i} length prefix is past the end`);
    const len = dv.getUint32(off, true);
    off += 4;
    if (len > raw.byteLength - off) throw protocolError(`output "${name}": BYTES element ${i} (${len} bytes) runs past the end`);
    out[i] = raw.subarray(off, off + len);
    off += len;
  }
  if (off !== raw.byteLength) throw protocolError(`output "${name}": ${raw.byteLength - off} trailing bytes after ${count} BYTES elements`);
  return out;
}
