// KServe v2 datatypes: element sizes, typed-array mapping and the BYTES wire format (each element is a
// 4-byte little-endian length followed by its bytes). Shared by the HTTP encoder/parser and gRPC.
import { OptionError, RemoteError } from '@sightline/core';
import type { KServeDataType, TensorData } from './types.js';

export const KSERVE_DATATYPES: readonly KServeDataType[] = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES', 'BF16',
];

const SIZES: Record<KServeDataType, number> = {
  BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, BF16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8,
  BYTES: 0,
};

export function isKServeDataType(v: unknown): v is KServeDataType {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(SIZES, v);
}

/** Bytes per element; 0 for BYTES (variable length). */
export function dataTypeSize(dt: KServeDataType): number {
  return SIZES[dt];
}

type FixedCtor =
  | Float32ArrayConstructor | Float64ArrayConstructor | Uint16ArrayConstructor | Uint8ArrayConstructor | Int8ArrayConstructor
  | Int16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

const CTORS: Partial<Record<KServeDataType, FixedCtor>> = {
  UINT8: Uint8Array, INT8: Int8Array, UINT16: Uint16Array, INT16: Int16Array, FP16: Uint16Array, BF16: Uint16Array,
  UINT32: Uint32Array, INT32: Int32Array, FP32: Float32Array, UINT64: BigUint64Array, INT64: BigInt64Array, FP64: Float64Array,
};

/** The typed-array constructor that holds `dt` (FP16/BF16 as raw Uint16 bits); undefined for BOOL and BYTES. */
export function typedArrayFor(dt: KServeDataType): FixedCtor | undefined {
  return CTORS[dt];
}

/**
 * Number of elements of a shape, validated: every dim a non-negative safe integer and the product
 * below `maxElements`, so a hostile shape cannot trigger a giant allocation or overflow.
 */
export function shapeElementCount(shape: unknown, maxElements = Number.MAX_SAFE_INTEGER, errorKind: 'remote' | 'option' = 'remote'): number {
  const fail = (msg: string): never => {
    if (errorKind === 'option') throw new OptionError('E_INVALID_OPTION', msg, { details: { shape: safeShape(shape) } });
    throw new RemoteError('E_REMOTE_PROTOCOL', msg, { details: { shape: safeShape(shape) } });
  };
  if (!Array.isArray(shape)) return fail('tensor shape is not an array');
  if (shape.length > 32) return fail(`tensor shape has ${shape.length} dims (max 32)`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) return fail(`tensor shape has an invalid dim ${String(d)}`);
    n *= d;
    if (n > maxElements) return fail(`tensor shape ${JSON.stringify(shape)} has more than ${maxElements} elements`);
  }
  return n;
}

function safeShape(shape: unknown): unknown {
  return Array.isArray(shape) ? shape.slice(0, 8).map((d) => (typeof d === 'number' ? d : String(d))) : typeof shape;
}

const utf8 = new TextEncoder();
const utf8dec = new TextDecoder();

/** Encode BYTES elements as length-prefixed bytes. */
export function encodeBytesTensor(elements: readonly (string | Uint8Array)[]): Uint8Array {
  const parts: Uint8Array[] = new Array(elements.length);
  let total = 0;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i];
    const b = typeof e === 'string' ? utf8.encode(e) : e;
    parts[i] = b;
    total += 4 + b.length;
  }
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const b of parts) {
    dv.setUint32(o, b.length, true);
    out.set(b, o + 4);
    o += 4 + b.length;
  }
  return out;
}

/**
 * Split length-prefixed BYTES data into `count` elements (views into `bytes`, no copy). Every prefix and
 * element is bounds-checked; the data must be consumed exactly.
 */
export function decodeBytesTensor(bytes: Uint8Array, count: number): Uint8Array[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Each element needs at least 4 bytes, so a count above this is malformed before we allocate anything.
  if (count * 4 > bytes.byteLength) {
    throw new RemoteError('E_REMOTE_PROTOCOL', `BYTES tensor declares ${count} elements but has only ${bytes.byteLength} bytes`);
  }
  const out: Uint8Array[] = new Array(count);
  let o = 0;
  for (let i = 0; i < count; i++) {
    if (o + 4 > bytes.byteLength) throw new RemoteError('E_REMOTE_PROTOCOL', `BYTES element ${i} length prefix is past the end of the data`);
    const len = dv.getUint32(o, true);
    o += 4;
    if (len > bytes.byteLength - o) throw new RemoteError('E_REMOTE_PROTOCOL', `BYTES element ${i} (length ${len}) runs past the end of the data`);
    out[i] = bytes.subarray(o, o + len);
    o += len;
  }
  if (o !== bytes.byteLength) {
    throw new RemoteError('E_REMOTE_PROTOCOL', `BYTES tensor has ${bytes.byteLength - o} trailing bytes after ${count} elements`);
  }
  return out;
}

/** Decode BYTES elements as UTF-8 strings. */
export function bytesToStrings(data: TensorData): string[] {
  if (!Array.isArray(data)) throw new OptionError('E_INVALID_OPTION', 'bytesToStrings expects BYTES tensor data (an array)');
  return (data as unknown[]).map((e) => (typeof e === 'string' ? e : e instanceof Uint8Array ? utf8dec.decode(e) : String(e)));
}

/** Number of elements held by tensor data (for shape checks). */
export function tensorDataLength(data: TensorData): number {
  return data.length;
}

/** IEEE half bits → float (for JSON fallback and FP16 outputs). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** float → IEEE half bits, round to nearest even (for FP16 inputs). */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && (r & 1))) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1))) r++;
  return sign | r;
}

/** Convert a whole Float32Array into FP16 bits, reusing `out` when given. */
export function float32ToFloat16(src: Float32Array, out?: Uint16Array): Uint16Array {
  const dst = out && out.length === src.length ? out : new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = floatToHalf(src[i]);
  return dst;
}

/** Convert FP16 bits into a Float32Array, reusing `out` when given. */
export function float16ToFloat32(src: Uint16Array, out?: Float32Array): Float32Array {
  const dst = out && out.length === src.length ? out : new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = halfToFloat(src[i]);
  return dst;
}
