/**
 * OpenCV INTER_LINEAR (8-bit) coordinate/weight tables, computed on the CPU exactly like the core's
 * LetterboxPreprocessor does (half-pixel centres in float32, clamped borders, 11-bit fixed-point weights) so
 * the WGSL pass reproduces the CPU letterbox bit for bit. Packed as (src0, src1, w0, w1) per output column,
 * then per output row.
 */
const COEF_SCALE = 2048;

/** cvRound: round half to even. */
function rint(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/**
 * Columns outside the image get their weight clamped to the edge pixel; rows keep their weight and only the
 * row index is clamped (OpenCV's vertical pass does that; the core's CPU letterbox mirrors it).
 */
function fill(srcSize: number, dstSize: number, out: Int32Array, at: number, clampWeights: boolean): void {
  const scale = 1 / (dstSize / srcSize); // OpenCV inverts inv_scale = dsize/ssize
  const last = srcSize - 1;
  for (let d = 0; d < dstSize; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampWeights) {
      if (s < 0) {
        f = 0;
        s = 0;
      }
      if (s >= last) {
        f = 0;
        s = last;
      }
    }
    const o = at + d * 4;
    out[o] = Math.min(Math.max(s, 0), last);
    out[o + 1] = Math.min(Math.max(s + 1, 0), last);
    out[o + 2] = rint(Math.fround(1 - f) * COEF_SCALE);
    out[o + 3] = rint(f * COEF_SCALE);
  }
}

/** Columns first (newW × 4 ints), then rows (newH × 4 ints). */
export function linearResizeTables(srcW: number, srcH: number, newW: number, newH: number): Int32Array {
  const t = new Int32Array((newW + newH) * 4);
  fill(srcW, newW, t, 0, true);
  fill(srcH, newH, t, newW * 4, false);
  return t;
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

/** Taps of a range of output positions along one axis (Pillow's precompute_coeffs for the bilinear filter). */
export interface PilAxisTables {
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
  ksize: number;
}

const PIL_PRECISION_BITS = 22;

/**
 * Pillow's antialiased bilinear coefficients for outputs [outStart, outStart + n) of a resize inSize → outSize,
 * 22-bit fixed point — the same computation as the core ClassifyPreprocessor's (kept in step by the e2e test
 * that compares both tensors bit for bit).
 */
export function pilAxisTables(inSize: number, outSize: number, outStart: number, n: number): PilAxisTables {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filterscale; // bilinear support 1.0 × filterscale
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Int32Array(n * ksize);
  const tmp = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let i = 0; i < n; i++) {
    const center = (outStart + i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5));
    const cnt = xmax - xmin;
    let ww = 0;
    for (let x = 0; x < cnt; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      tmp[x] = w;
      ww += w;
    }
    for (let x = 0; x < cnt; x++) {
      const k = ww !== 0 ? tmp[x] / ww : tmp[x];
      weights[i * ksize + x] = k < 0 ? Math.trunc(-0.5 + k * (1 << PIL_PRECISION_BITS)) : Math.trunc(0.5 + k * (1 << PIL_PRECISION_BITS));
    }
    first[i] = xmin;
    count[i] = cnt;
  }
  return { first, count, weights, ksize };
}
