/**
 * IEEE-754 half precision helpers. fp16 model outputs arrive as raw half bits (Uint16Array) from
 * onnxruntime-web and Triton, or as a native Float16Array where the runtime has one. Decoders read the bits
 * directly (see `halfBitsAtOrBelow`) so a whole tensor never has to be converted just to find a few boxes.
 */
import type { FloatData, Float16ArrayLike } from './types.js';

let halfTable: Float32Array | null = null;

/** 65536-entry half→float table (256 KiB), built on first use: one load per conversion beats bit twiddling in JS. */
export function halfToFloatTable(): Float32Array {
  if (halfTable === null) {
    const t = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) t[h] = decodeHalf(h);
    halfTable = t;
  }
  return halfTable;
}

function decodeHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 31) return man === 0 ? sign * Infinity : NaN;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** Value of one half (given as its 16 bits). */
export function halfToFloat(bits: number): number {
  return halfToFloatTable()[bits & 0xffff];
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Half bits for `value`, rounded to nearest, ties to even (what hardware and numpy do). The value is first
 * rounded to float32, as it is when it comes from a Float32Array. Overflow → ±Infinity, NaN stays NaN.
 */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const f = u32[0];
  const sign = (f >>> 16) & 0x8000;
  const e = (f >>> 23) & 0xff;
  const m = f & 0x7fffff;
  if (e === 0xff) return m !== 0 ? sign | 0x7e00 | (m >>> 13) : sign | 0x7c00;
  if (e >= 143) return sign | 0x7c00; // |value| ≥ 2^16 overflows; [65520, 2^16) overflows below via the carry
  if (e <= 112) {
    // Result is subnormal (or zero): value = (0x800000|m)·2^(e-150), half subnormal unit is 2^-24.
    if (e < 102) return sign;
    const sig = 0x800000 | m;
    const shift = 126 - e;
    let h = sig >>> shift;
    const rem = sig & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = ((e - 112) << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and reaches Inf at the top).
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/**
 * Largest non-negative half bit pattern whose value is ≤ `threshold` (threshold ≥ 0). For non-negative,
 * non-NaN halves the bit patterns are ordered like the values, so `bits > t && bits <= 0x7c00` ⇔ value > threshold.
 */
export function halfBitsAtOrBelow(threshold: number): number {
  if (!(threshold >= 0)) return 0;
  if (threshold >= Infinity) return 0x7c00;
  const table = halfToFloatTable();
  let h = floatToHalf(threshold);
  // Rounding may have gone up past the threshold; step down to the last pattern not above it.
  while (h > 0 && table[h] > threshold) h--;
  return h;
}

export function isFloat16Array(data: unknown): data is Float16ArrayLike {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Float16Array'
  );
}

/** Whether this runtime has a native Float16Array (ES2025). */
export function hasNativeFloat16Array(): boolean {
  return typeof (globalThis as { Float16Array?: unknown }).Float16Array === 'function';
}

/** Convert half bits to float32 into `out` (allocated when absent or too small). */
export function halfBitsToFloat32(src: Uint16Array, out?: Float32Array): Float32Array {
  const dst = out && out.length >= src.length ? out : new Float32Array(src.length);
  const t = halfToFloatTable();
  for (let i = 0; i < src.length; i++) dst[i] = t[src[i]];
  return dst;
}

/** Encode float32 values as half bits into `out` (allocated when absent or too small). */
export function float32ToHalfBits(src: ArrayLike<number>, out?: Uint16Array): Uint16Array {
  const dst = out && out.length >= src.length ? out : new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = floatToHalf(src[i]);
  return dst;
}

/** A float32 view of any FloatData: returned as is when already float32, converted otherwise. */
export function toFloat32(data: FloatData): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) return halfBitsToFloat32(data);
  const dst = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) dst[i] = data[i];
  return dst;
}
