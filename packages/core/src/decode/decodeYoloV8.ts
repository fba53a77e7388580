/**
 * YOLOv8 / YOLO11 head → candidates. Output [B, 4+nc, N] (or [B, N, 4+nc] when `transposed`): cx,cy,w,h
 * then per-class scores (already sigmoided). As Ultralytics: per anchor the best class (first on ties), kept
 * when its score > conf; the class filter then drops anchors whose best class is not allowed.
 *
 * For the usual [4+nc, N] layout the per-anchor maximum runs class-major over contiguous rows, keeping a
 * running max per anchor: striding by N for each of the 80 classes would touch a new cache line per read.
 */
import type { OutputLayout } from './outputLayout.js';
import type { FloatData, TensorView } from '../types.js';
import { CandidateBuffer } from './candidateBuffer.js';
import { DecodeScratch, resolveConf, type DecodeParams } from './decodeScratch.js';
import { resolveBatch } from './tensorChecks.js';
import { halfBitsAtOrBelow, halfToFloatTable } from '../float16.js';
import { LayoutError } from '../errors.js';
import { pushXywhBox as pushBox } from './pushXywhBox.js';

export type YoloV8Layout = Extract<OutputLayout, { kind: 'yolov8' }>;

let defaultScratch: DecodeScratch | null = null;

/** Write the candidates of batch entry `params.batchIndex` into `out` (cleared first; its buffers are reused). */
export function decodeYoloV8(
  output: TensorView,
  layout: YoloV8Layout,
  out: CandidateBuffer,
  params: DecodeParams = {},
  scratch: DecodeScratch = (defaultScratch ??= new DecodeScratch()),
): void {
  const nc = layout.numClasses;
  if (!Number.isInteger(nc) || nc < 1) {
    throw new LayoutError('E_SHAPE_MISMATCH', `yolov8 layout needs numClasses ≥ 1, got ${nc}`);
  }
  const anchors = layout.numAnchors > 0 ? layout.numAnchors : 0;
  const expected: [number, number] = layout.transposed ? [anchors, 4 + nc] : [4 + nc, anchors];
  const { rows, cols, offset } = resolveBatch(output, expected, params.batchIndex ?? 0, 'yolov8 output');
  const n = layout.transposed ? rows : cols;
  const conf = resolveConf(params.conf);
  const mask = scratch.classMask(params.classes, nc);
  out.clear();
  const data = output.data;
  if (layout.transposed) {
    if (data instanceof Uint16Array) decodeRowsHalf(data, offset, n, nc, conf, mask, out);
    else decodeRows(data, offset, n, nc, conf, mask, out);
    return;
  }
  scratch.ensureAnchors(n);
  if (data instanceof Float32Array && data.length <= MAX_FLAT_INDEX) {
    decodeColumnsF32(data, offset, n, nc, conf, mask, out, scratch);
  } else if (data instanceof Uint16Array) {
    if (data.length > MAX_FLAT_INDEX) {
      const msg = `yolov8 output: ${data.length} fp16 values exceed the ${MAX_FLAT_INDEX} supported`;
      throw new LayoutError('E_SHAPE_MISMATCH', msg, { details: { length: data.length } });
    }
    decodeColumnsHalf(data, offset, n, nc, conf, mask, out, scratch);
  } else {
    decodeColumns(data, offset, n, nc, conf, mask, out, scratch);
  }
}

type NumericData = Exclude<FloatData, Uint16Array>;

/**
 * Largest tensor the column scans take. Masking their indices with this tells V8 that `p + 15` cannot
 * overflow int32, which drops an overflow check and a sign extension from every read (measured ~25% faster);
 * the mask is a no-op for every tensor this small. Larger fp32 ones take the generic path (2^30 fp16 values
 * would be a 2 GiB output, rejected).
 */
const MAX_FLAT_INDEX = 0x3fffffff;

const f32Scratch = new Float32Array(1);
const i32Scratch = new Int32Array(f32Scratch.buffer);

/**
 * The hot path (fp32, 80 classes × 8400 anchors = 672k reads per frame). Scores are compared as int32 bits:
 * non-negative floats order like their bits, negatives are negative ints, NaN bits lie above +Infinity's.
 * The class rows are contiguous, so the scan is one flat loop over all of them (measured ~20% faster than a
 * loop per row); sixteen reads are tested against the threshold per branch because almost every score is
 * below it, and only a block with a score above it pays for the per-anchor bookkeeping.
 */
function decodeColumnsF32(
  data: Float32Array,
  base: number,
  n: number,
  nc: number,
  conf: number,
  mask: Uint8Array | null,
  out: CandidateBuffer,
  scratch: DecodeScratch,
): void {
  f32Scratch[0] = conf;
  const t = i32Scratch[0];
  const best = scratch.bestBitsI32;
  const bestClass = scratch.bestClass;
  best.fill(t, 0, n);
  bestClass.fill(-1, 0, n);
  scanColumnsF32(data, (base + 4 * n) & MAX_FLAT_INDEX, nc * n, n, t, best, bestClass);
  for (let a = 0; a < n; a++) {
    const c = bestClass[a];
    if (c < 0 || (mask !== null && mask[c] === 0)) continue;
    const score = data[base + (4 + c) * n + a];
    pushBox(out, data[base + a], data[base + n + a], data[base + 2 * n + a], data[base + 3 * n + a], score, c);
  }
}

/**
 * The scan alone, in its own function: its first call runs long enough to be compiled mid-loop (OSR), and
 * code after the loop would then run compiled without type feedback and deoptimise, on every call while
 * that code is cached (median 0.28 vs 0.45 ms seen across processes).
 */
function scanColumnsF32(
  data: Float32Array,
  start: number,
  total: number,
  n: number,
  t: number,
  best: Int32Array,
  bestClass: Int32Array,
): void {
  // A view made here is one the engine knows the exact type of, with no checks left in the loop.
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  // Masked here too (not only by the caller) so the bound holds when this function is compiled on its own.
  const first = start & MAX_FLAT_INDEX;
  const end = (first + total - (total % 16)) & MAX_FLAT_INDEX;
  // Everything the tail needs is computed before the loop and the tail call is unconditional: an operation
  // after the loop has no type feedback yet when the first call is compiled mid-loop, and would deoptimise.
  const tail = start + total - end;
  for (let p = first; p < end; p += 16) {
    if (
      bits[p] > t ||
      bits[p + 1] > t ||
      bits[p + 2] > t ||
      bits[p + 3] > t ||
      bits[p + 4] > t ||
      bits[p + 5] > t ||
      bits[p + 6] > t ||
      bits[p + 7] > t ||
      bits[p + 8] > t ||
      bits[p + 9] > t ||
      bits[p + 10] > t ||
      bits[p + 11] > t ||
      bits[p + 12] > t ||
      bits[p + 13] > t ||
      bits[p + 14] > t ||
      bits[p + 15] > t
    ) {
      updateBestF32(bits, p, 16, start, n, best, bestClass);
    }
  }
  updateBestF32(bits, end, tail, start, n, best, bestClass);
}

/**
 * Running-max update for flat score indices [p, p + len) of the class rows starting at `start` (a block may
 * straddle two rows when n is not a multiple of 16). Classes arrive in ascending order, so the first maximum
 * wins ties.
 */
function updateBestF32(
  bits: Int32Array,
  p: number,
  len: number,
  start: number,
  n: number,
  best: Int32Array,
  bestClass: Int32Array,
): void {
  const off = p - start;
  let c = Math.floor(off / n);
  let a = off - c * n;
  for (let q = p, e = (p + len) & MAX_FLAT_INDEX; q < e; q++) {
    const v = bits[q];
    if (v > best[a] && v <= 0x7f800000) {
      best[a] = v;
      bestClass[a] = c;
    }
    if (++a === n) {
      a = 0;
      c++;
    }
  }
}

/** Other numeric arrays (native Float16Array): plain running max, one compare per read. */
function decodeColumns(
  data: NumericData,
  base: number,
  n: number,
  nc: number,
  conf: number,
  mask: Uint8Array | null,
  out: CandidateBuffer,
  scratch: DecodeScratch,
): void {
  const best = scratch.bestScore;
  const bestClass = scratch.bestClass;
  // Starting at conf means only scores above it are ever recorded; the first maximum still wins ties.
  best.fill(conf, 0, n);
  bestClass.fill(-1, 0, n);
  for (let c = 0; c < nc; c++) {
    const row = base + (4 + c) * n;
    for (let a = 0; a < n; a++) {
      const v = data[row + a];
      if (v > best[a]) {
        best[a] = v;
        bestClass[a] = c;
      }
    }
  }
  for (let a = 0; a < n; a++) {
    const c = bestClass[a];
    if (c < 0 || (mask !== null && mask[c] === 0)) continue;
    pushBox(out, data[base + a], data[base + n + a], data[base + 2 * n + a], data[base + 3 * n + a], best[a], c);
  }
}

function decodeColumnsHalf(
  data: Uint16Array,
  base: number,
  n: number,
  nc: number,
  conf: number,
  mask: Uint8Array | null,
  out: CandidateBuffer,
  scratch: DecodeScratch,
): void {
  // Non-negative halves order like their bits, so the whole max search is integer compares on raw bits;
  // bits above 0x7c00 are NaN or negative and never win.
  const best = scratch.bestBits;
  const bestClass = scratch.bestClass;
  const floor = halfBitsAtOrBelow(conf);
  best.fill(floor, 0, n);
  bestClass.fill(-1, 0, n);
  // A fresh view, whose exact type the engine then knows.
  const h = new Uint16Array(data.buffer, data.byteOffset, data.length);
  scanColumnsHalf(h, (base + 4 * n) & MAX_FLAT_INDEX, nc * n, n, floor, best, bestClass);
  const t = halfToFloatTable();
  for (let a = 0; a < n; a++) {
    const c = bestClass[a];
    if (c < 0 || (mask !== null && mask[c] === 0)) continue;
    pushBox(
      out,
      t[data[base + a]],
      t[data[base + n + a]],
      t[data[base + 2 * n + a]],
      t[data[base + 3 * n + a]],
      t[best[a]],
      c,
    );
  }
}

/**
 * scanColumnsF32 for raw half bits (the same loop structure, for the same reasons). A copy rather than one shared
 * scan: one loop reading both Int32Array and Uint16Array would make every read polymorphic in V8.
 */
function scanColumnsHalf(
  h: Uint16Array,
  start: number,
  total: number,
  n: number,
  floor: number,
  best: Uint16Array,
  bestClass: Int32Array,
): void {
  // Masked here too (not only by the caller) so the bound holds when this function is compiled on its own.
  const first = start & MAX_FLAT_INDEX;
  const end = (first + total - (total % 16)) & MAX_FLAT_INDEX;
  const tail = start + total - end;
  for (let p = first; p < end; p += 16) {
    if (
      h[p] > floor ||
      h[p + 1] > floor ||
      h[p + 2] > floor ||
      h[p + 3] > floor ||
      h[p + 4] > floor ||
      h[p + 5] > floor ||
      h[p + 6] > floor ||
      h[p + 7] > floor ||
      h[p + 8] > floor ||
      h[p + 9] > floor ||
      h[p + 10] > floor ||
      h[p + 11] > floor ||
      h[p + 12] > floor ||
      h[p + 13] > floor ||
      h[p + 14] > floor ||
      h[p + 15] > floor
    ) {
      updateBestHalf(h, p, 16, start, n, best, bestClass);
    }
  }
  updateBestHalf(h, end, tail, start, n, best, bestClass);
}

/** updateBestF32 for raw half bits (a copy, like scanColumnsHalf): bits above 0x7c00 are NaN or negative, never win. */
function updateBestHalf(
  data: Uint16Array,
  p: number,
  len: number,
  start: number,
  n: number,
  best: Uint16Array,
  bestClass: Int32Array,
): void {
  const off = p - start;
  let c = Math.floor(off / n);
  let a = off - c * n;
  for (let q = p, e = (p + len) & MAX_FLAT_INDEX; q < e; q++) {
    const v = data[q];
    if (v > best[a] && v <= 0x7c00) {
      best[a] = v;
      bestClass[a] = c;
    }
    if (++a === n) {
      a = 0;
      c++;
    }
  }
}

function decodeRows(
  data: NumericData,
  base: number,
  n: number,
  nc: number,
  conf: number,
  mask: Uint8Array | null,
  out: CandidateBuffer,
): void {
  const stride = 4 + nc;
  for (let a = 0, o = base; a < n; a++, o += stride) {
    let best = conf;
    let bestC = -1;
    for (let c = 0; c < nc; c++) {
      const v = data[o + 4 + c];
      if (v > best) {
        best = v;
        bestC = c;
      }
    }
    if (bestC < 0 || (mask !== null && mask[bestC] === 0)) continue;
    pushBox(out, data[o], data[o + 1], data[o + 2], data[o + 3], best, bestC);
  }
}

function decodeRowsHalf(
  data: Uint16Array,
  base: number,
  n: number,
  nc: number,
  conf: number,
  mask: Uint8Array | null,
  out: CandidateBuffer,
): void {
  const stride = 4 + nc;
  const t = halfToFloatTable();
  const floor = halfBitsAtOrBelow(conf);
  for (let a = 0, o = base; a < n; a++, o += stride) {
    let best = floor;
    let bestC = -1;
    for (let c = 0; c < nc; c++) {
      const h = data[o + 4 + c];
      if (h > best && h <= 0x7c00) {
        best = h;
        bestC = c;
      }
    }
    if (bestC < 0 || (mask !== null && mask[bestC] === 0)) continue;
    pushBox(out, t[data[o]], t[data[o + 1]], t[data[o + 2]], t[data[o + 3]], t[best], bestC);
  }
}
