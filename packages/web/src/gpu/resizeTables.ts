/**
 * Tables the WGSL passes read, built from the core CPU preprocessors' own coefficient functions (OpenCV
 * INTER_LINEAR for the letterbox, Pillow bilinear for classifier crops), so GPU and CPU tensors agree bit for
 * bit. Linear tables are packed as (src0, src1, w0, w1) per output column, then per output row.
 */
import { opencvLinearCoefficients, pilAxis, type PilAxis } from '@sightline/core';

/** Columns first (newW × 4 ints), then rows (newH × 4 ints). */
export function linearResizeTables(srcW: number, srcH: number, newW: number, newH: number): Int32Array {
  const t = new Int32Array((newW + newH) * 4);
  interleave(srcW, newW, t, 0, true);
  interleave(srcH, newH, t, newW * 4, false);
  return t;
}

function interleave(srcSize: number, dstSize: number, out: Int32Array, at: number, clampWeights: boolean): void {
  const i0 = new Int32Array(dstSize);
  const i1 = new Int32Array(dstSize);
  const w0 = new Int32Array(dstSize);
  const w1 = new Int32Array(dstSize);
  opencvLinearCoefficients(srcSize, dstSize, i0, i1, w0, w1, 1, clampWeights);
  for (let d = 0; d < dstSize; d++) {
    const o = at + d * 4;
    out[o] = i0[d];
    out[o + 1] = i1[d];
    out[o + 2] = w0[d];
    out[o + 3] = w1[d];
  }
}

/**
 * 8-bit value → float32 tensor element per channel (index c·256 + v), computed in float32 in numpy's order
 * ((v/255 − mean)/std). A lookup keeps the GPU result bit-identical: WGSL division is not correctly rounded.
 */
export function normalizeLut(mean: readonly number[] = [0, 0, 0], std: readonly number[] = [1, 1, 1]): Float32Array {
  const lut = new Float32Array(768);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = Math.fround(Math.fround(Math.fround(v / 255) - m) / s);
  }
  return lut;
}

/** Pillow's antialiased bilinear taps along one axis: the core ClassifyPreprocessor's own coefficients. */
export type PilAxisTables = PilAxis;
export const pilAxisTables: (inSize: number, outSize: number, outStart: number, n: number) => PilAxisTables = pilAxis;
