/**
 * Shared plumbing of the CPU preprocessors: output element types, caller-provided output buffers, and the
 * 8-bit → output-element lookup tables that keep float conversion out of the per-pixel loops.
 */
import { OptionError } from '../errors.js';
import { floatToHalf } from '../float16.js';

export type PreprocessDType = 'float32' | 'float16' | 'uint8';
export type PreprocessLayout = 'nchw' | 'nhwc';
/** float16 is written as IEEE half bits (what onnxruntime and Triton take for fp16 tensors). */
export type PreprocessData = Float32Array | Uint16Array | Uint8Array;

/** Write into an existing (batch) buffer at image `batchIndex` instead of the preprocessor's own buffer. */
export interface PreprocessOut {
  data: PreprocessData;
  batchIndex: number;
}

export interface PreprocessResult<G> {
  /**
   * The buffer written: `out.data` when given, else a buffer owned by the preprocessor and overwritten by its
   * next run (copy it, or pass `out`, to keep it).
   */
  data: PreprocessData;
  /** Shape of this one image: [1,3,H,W] (nchw) or [1,H,W,3] (nhwc). */
  dims: [number, number, number, number];
  /** Element offset of this image inside `data` (batchIndex × 3·H·W). */
  offset: number;
  geometry: G;
}

export function checkDType(dtype: unknown): PreprocessDType {
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'uint8') return dtype;
  throw new OptionError('E_INVALID_OPTION', `dtype must be 'float32', 'float16' or 'uint8', got ${String(dtype)}`);
}

export function checkLayout(layout: unknown): PreprocessLayout {
  if (layout === 'nchw' || layout === 'nhwc') return layout;
  throw new OptionError('E_INVALID_OPTION', `layout must be 'nchw' or 'nhwc', got ${String(layout)}`);
}

export function checkTargetSize(name: string, v: unknown, max = 16384): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > max) {
    throw new OptionError('E_INVALID_OPTION', `${name} must be an integer in 1..${max}, got ${String(v)}`);
  }
  return v;
}

export function allocate(dtype: PreprocessDType, length: number): PreprocessData {
  return dtype === 'float32' ? new Float32Array(length) : dtype === 'float16' ? new Uint16Array(length) : new Uint8Array(length);
}

function matchesDType(data: PreprocessData, dtype: PreprocessDType): boolean {
  return dtype === 'float32' ? data instanceof Float32Array : dtype === 'float16' ? data instanceof Uint16Array : data instanceof Uint8Array;
}

/** Validate a caller's `out` and return the element offset of the image inside it. */
export function resolveOut(out: PreprocessOut, dtype: PreprocessDType, imageLength: number): number {
  if (!out || typeof out !== 'object' || !ArrayBuffer.isView(out.data)) {
    throw new OptionError('E_INVALID_OPTION', 'out must be { data: TypedArray, batchIndex }');
  }
  if (!matchesDType(out.data, dtype)) {
    throw new OptionError('E_INVALID_OPTION', `out.data must be a ${dtype === 'float32' ? 'Float32Array' : dtype === 'float16' ? 'Uint16Array' : 'Uint8Array'} for dtype ${dtype}`);
  }
  const { batchIndex } = out;
  if (!Number.isInteger(batchIndex) || batchIndex < 0) {
    throw new OptionError('E_INVALID_OPTION', `out.batchIndex must be a non-negative integer, got ${String(batchIndex)}`);
  }
  const offset = batchIndex * imageLength;
  if (offset + imageLength > out.data.length) {
    throw new OptionError('E_INVALID_OPTION', `out.data holds ${out.data.length} elements, image ${batchIndex} needs ${offset + imageLength}`, {
      details: { length: out.data.length, batchIndex, imageLength },
    });
  }
  return offset;
}

/**
 * Lookup table from an 8-bit value (per channel: index c·256 + v) to the output element. Float values are
 * computed in float32 in the same order as numpy/torch do ((v/255 − mean)/std), so results match bit for bit.
 */
export function buildLut(dtype: PreprocessDType, mean: readonly number[] = [0, 0, 0], std: readonly number[] = [1, 1, 1]): PreprocessData {
  const lut = allocate(dtype, 768);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    for (let v = 0; v < 256; v++) {
      const f = Math.fround(Math.fround(Math.fround(v / 255) - m) / s);
      lut[c * 256 + v] = dtype === 'float32' ? f : dtype === 'float16' ? floatToHalf(f) : v;
    }
  }
  return lut;
}

/** The output element for a constant 8-bit pad value (same mapping as buildLut, channel-independent). */
export function padElement(dtype: PreprocessDType, padValue: number): number {
  const f = Math.fround(padValue / 255);
  return dtype === 'float32' ? f : dtype === 'float16' ? floatToHalf(f) : padValue;
}
