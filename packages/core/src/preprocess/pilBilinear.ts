/**
 * Pillow's `ImagingResample` with the bilinear filter, as torchvision's `Resize` uses on PIL images. It is
 * antialiased: the triangle filter's support grows with the downscale factor, so a plain 2-tap bilinear
 * (canvas, cv2) sees different pixels and flips top-1 on some images. Weights are Pillow's 22-bit fixed point
 * and the horizontal pass rounds to 8 bits before the vertical pass, exactly as Pillow does.
 */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

/** Taps of a range of output positions along one axis: first source index, tap count, weights (ksize per output). */
export interface PilAxis {
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
  ksize: number;
}

/** Coefficients of output positions [outStart, outStart + n) of a resize inSize → outSize (Pillow precompute_coeffs). */
export function pilAxis(inSize: number, outSize: number, outStart: number, n: number): PilAxis {
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
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    const cnt = xmax - xmin;
    let ww = 0;
    for (let x = 0; x < cnt; x++) {
      let t = (x + xmin - center + 0.5) * ss;
      if (t < 0) t = -t;
      const w = t < 1 ? 1 - t : 0;
      tmp[x] = w;
      ww += w;
    }
    for (let x = 0; x < cnt; x++) {
      const k = ww !== 0 ? tmp[x] / ww : tmp[x];
      weights[i * ksize + x] = k < 0 ? Math.trunc(-0.5 + k * (1 << PRECISION_BITS)) : Math.trunc(0.5 + k * (1 << PRECISION_BITS));
    }
    first[i] = xmin;
    count[i] = cnt;
  }
  return { first, count, weights, ksize };
}

function clip8(v: number): number {
  const r = v >> PRECISION_BITS;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/**
 * Horizontal pass: source rows [rowStart, rowStart + rows) → `dst` (rows × n × 3 interleaved RGB, 8-bit).
 * `chan` is the source's bytes per pixel (3 or 4; alpha ignored).
 */
export function pilHorizontal(
  src: Uint8Array | Uint8ClampedArray,
  stride: number,
  chan: number,
  rowStart: number,
  rows: number,
  ax: PilAxis,
  dst: Uint8Array,
): void {
  const n = ax.first.length;
  const { first, count, weights, ksize } = ax;
  let o = 0;
  for (let y = 0; y < rows; y++) {
    const base = (rowStart + y) * stride;
    for (let i = 0; i < n; i++) {
      let p = base + first[i] * chan;
      const wk = i * ksize;
      const cnt = count[i];
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let k = 0; k < cnt; k++, p += chan) {
        const w = weights[wk + k];
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
      }
      dst[o] = clip8(r);
      dst[o + 1] = clip8(g);
      dst[o + 2] = clip8(b);
      o += 3;
    }
  }
}

/**
 * Vertical pass straight from the source: output rows of `ay` × source columns [colStart, colStart + cols) →
 * `dst` (rows × cols × 3 interleaved, 8-bit). Pillow ≥ 13 runs this pass first when the height shrinks much
 * more than the width (see `pillowVerticalFirst`).
 */
export function pilVertical(
  src: Uint8Array | Uint8ClampedArray,
  stride: number,
  chan: number,
  colStart: number,
  cols: number,
  ay: PilAxis,
  dst: Uint8Array,
): void {
  const n = ay.first.length;
  const { first, count, weights, ksize } = ay;
  let o = 0;
  for (let j = 0; j < n; j++) {
    const base = first[j] * stride + colStart * chan;
    const wk = j * ksize;
    const cnt = count[j];
    for (let c = 0; c < cols; c++) {
      let p = base + c * chan;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let k = 0; k < cnt; k++, p += stride) {
        const w = weights[wk + k];
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
      }
      dst[o] = clip8(r);
      dst[o + 1] = clip8(g);
      dst[o + 2] = clip8(b);
      o += 3;
    }
  }
}

/**
 * Pillow ≥ 13 (`ImagingResampleInner`) resizes vertically first when the height shrinks and loses more than
 * twice as many pixels as the width (inH − outH > 2·(inW − outW)); Pillow ≤ 12 always goes horizontal first.
 * The 8-bit intermediate makes the order visible (±1 level on some pixels), so it is reproduced. Rule derived
 * empirically against Pillow 13.0 (30 size pairs incl. upscales and boundary cases).
 */
export function pillowVerticalFirst(inW: number, inH: number, outW: number, outH: number): boolean {
  return outW !== inW && outH < inH && inH - outH > 2 * (inW - outW);
}
