/// <reference types="node" />
// Raw tensor bytes for gRPC `raw_input_contents` / `raw_output_contents`: little-endian element data,
// BYTES as a 4-byte little-endian length before each element (the same layout as the HTTP binary
// extension, so the datatype helpers are shared). Every size is checked before a view is made, so a
// hostile or buggy server can never cause an out-of-bounds read or a giant allocation.
import { OptionError, RemoteError } from '@sightline/core';
import { dataTypeSize, decodeBytesTensor, encodeBytesTensor, isKServeDataType, shapeElementCount, typedArrayFor } from '../datatypes.js';
import type { KServeDataType, TensorData } from '../types.js';

function dtypeError(name: string, datatype: KServeDataType, data: TensorData): OptionError {
  const got = Array.isArray(data) ? 'Array' : (data as object).constructor.name;
  return new OptionError('E_INVALID_OPTION', `input "${name}": datatype ${datatype} cannot be sent from a ${got}`, { details: { input: name, datatype, got } });
}

/**
 * Encode one input's data as raw bytes. Typed arrays are wrapped without copying (the protobuf encoder
 * copies once into the message); BOOL and BYTES are packed.
 */
export function encodeRawInput(name: string, datatype: KServeDataType, shape: readonly number[], data: TensorData): Buffer {
  if (!isKServeDataType(datatype)) throw new OptionError('E_INVALID_OPTION', `input "${name}": unknown datatype ${String(datatype)}`);
  const count = shapeElementCount(shape, Number.MAX_SAFE_INTEGER, 'option');
  if (data.length !== count) {
    throw new OptionError('E_INVALID_OPTION', `input "${name}": shape [${shape.join(', ')}] needs ${count} elements, data has ${data.length}`, {
      details: { input: name, shape: [...shape], elements: data.length },
    });
  }
  if (datatype === 'BYTES') {
    if (!Array.isArray(data)) throw dtypeError(name, datatype, data);
    for (const e of data as unknown[]) if (typeof e !== 'string' && !(e instanceof Uint8Array)) throw dtypeError(name, datatype, data);
    const b = encodeBytesTensor(data as (string | Uint8Array)[]);
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }
  if (datatype === 'BOOL') {
    if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (!Array.isArray(data) || (data as unknown[]).some((v) => typeof v !== 'boolean')) throw dtypeError(name, datatype, data);
    const out = Buffer.allocUnsafe(count);
    for (let i = 0; i < count; i++) out[i] = (data as boolean[])[i] ? 1 : 0;
    return out;
  }
  const ctor = typedArrayFor(datatype);
  if (ctor === undefined || !(data instanceof ctor)) throw dtypeError(name, datatype, data);
  const view = data as ArrayBufferView;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Decode one output's raw bytes. The byte length must equal product(shape) × element size exactly
 * (BYTES: the length prefixes must tile the buffer and yield product(shape) elements).
 * Aligned numeric data is returned as a view over the received message; misaligned data is copied.
 */
export function decodeRawOutput(name: string, datatype: string, shape: readonly number[], raw: Uint8Array): TensorData {
  if (!isKServeDataType(datatype)) throw new RemoteError('E_REMOTE_PROTOCOL', `output "${name}": unknown datatype ${datatype}`, { details: { output: name, datatype } });
  // No element count can exceed the bytes that carry it, so bound the shape by the buffer first.
  const count = shapeElementCount(shape, datatype === 'BYTES' ? Math.floor(raw.byteLength / 4) : raw.byteLength, 'remote');
  if (datatype === 'BYTES') return decodeBytesTensor(raw, count);
  const size = dataTypeSize(datatype);
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
  const ctor = typedArrayFor(datatype)!;
  let bytes = raw;
  if (raw.byteOffset % size !== 0) {
    // Typed-array views need element alignment; protobuf fields rarely start aligned, so copy once.
    bytes = new Uint8Array(raw.byteLength);
    bytes.set(raw);
  }
  return new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
}

/** Element count of a shape from a server response (typed contents path). */
export function outputElementCount(shape: readonly number[]): number {
  return shapeElementCount(shape, Number.MAX_SAFE_INTEGER, 'remote');
}

export { isKServeDataType };
