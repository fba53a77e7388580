/**
 * Letterbox an 8-bit image into a YOLO input tensor on the CPU, reproducing Ultralytics' `LetterBox` +
 * `cv2.resize(INTER_LINEAR)` bit for bit: OpenCV's 8-bit bilinear runs in fixed point (11-bit coefficients,
 * horizontal pass into int rows, then a vertical pass with its SIMD rounding), so float bilinear would differ
 * by ±1 on many pixels. Matching it makes browser/Node inputs identical to the Python reference pipeline.
 */
import { computeLetterbox, type LetterboxGeometry } from '../geometry/letterbox.js';
import { OptionError } from '../errors.js';
import { validatePixelBuffer, type PixelBuffer } from './pixelBuffer.js';
import { opencvLinearCoefficients } from './opencvLinear.js';
import { WasmLetterboxKernel, type WasmResizeTables } from './wasm/letterboxWasmKernel.js';
import {
  buildLut,
  checkDType,
  checkLayout,
  checkTargetSize,
  allocate,
  padElement,
  resolveOut,
  type PreprocessData,
  type PreprocessDType,
  type PreprocessLayout,
  type PreprocessOut,
  type PreprocessResult,
} from './tensorOutput.js';

export interface LetterboxPreprocessOptions {
  /** Tensor width/height (default 640×640). */
  width?: number;
  height?: number;
  dtype?: PreprocessDType;
  /** 8-bit pad value for all channels (Ultralytics: 114). */
  padValue?: number;
  layout?: PreprocessLayout;
  /** Enlarge images smaller than the target (Ultralytics default: true). */
  scaleUp?: boolean;
  /** Center the image; false pads right/bottom only. */
  center?: boolean;
  out?: PreprocessOut;
}

/**
 * Per-column and per-row source indices and fixed-point weights for one (src size, resized size, channels): the
 * tables the WebAssembly kernel takes, plus what picks the JS path.
 */
interface ResizePlan extends WasmResizeTables {
  /** 2× integer downscale on both axes: OpenCV switches INTER_LINEAR to its fast INTER_AREA path. */
  area2x: boolean;
  /** Every column samples one source pixel with full weight (odd integer downscale, e.g. 1920→640). */
  xExact: boolean;
  /** Same for rows (also true for an unscaled axis, e.g. a 640×480 frame into 640×640). */
  yExact: boolean;
  /** The WebAssembly kernel can run this geometry (see WasmLetterboxKernel.supports). */
  wasm: boolean;
}

function makePlan(srcW: number, srcH: number, newW: number, newH: number, channels: number): ResizePlan {
  const plan: ResizePlan = {
    srcW,
    srcH,
    newW,
    newH,
    channels,
    area2x: srcW === 2 * newW && srcH === 2 * newH,
    xExact: false,
    yExact: false,
    xofs0: new Int32Array(newW),
    xofs1: new Int32Array(newW),
    xa0: new Int32Array(newW),
    xa1: new Int32Array(newW),
    ysrc0: new Int32Array(newH),
    ysrc1: new Int32Array(newH),
    yb0: new Int32Array(newH),
    yb1: new Int32Array(newH),
    wasm: false,
  };
  opencvLinearCoefficients(srcW, newW, plan.xofs0, plan.xofs1, plan.xa0, plan.xa1, channels, true);
  opencvLinearCoefficients(srcH, newH, plan.ysrc0, plan.ysrc1, plan.yb0, plan.yb1, 1, false);
  plan.xExact = plan.xa1.every((a) => a === 0) && plan.xa0.every((a) => a === 2048);
  plan.yExact = plan.yb1.every((b) => b === 0) && plan.yb0.every((b) => b === 2048);
  // Whole-pixel resizes (e.g. 1920×1080 → 640×360) stay in JS: they read one source pixel in 9, while the
  // kernel first copies the whole image into its memory (8 MB for 1080p RGBA), which costs more than it saves.
  plan.wasm = !(plan.xExact && plan.yExact) && WasmLetterboxKernel.supports(plan, srcW * srcH * channels, plan.area2x);
  return plan;
}

export class LetterboxPreprocessor {
  private plan: ResizePlan | undefined;
  private rowA = new Int32Array(0);
  private rowB = new Int32Array(0);
  private rowOut = new Uint8Array(0);
  private own: PreprocessData | undefined;
  private lutKey = '';
  private lut: PreprocessData = new Float32Array(0);
  /** undefined until first needed; null where WebAssembly SIMD is unavailable. */
  private kernel: WasmLetterboxKernel | null | undefined;
  private readonly useWasm: boolean;

  /** `wasm: false` forces the JS loops (tests compare both; results are identical). */
  constructor(o: { wasm?: boolean } = {}) {
    this.useWasm = o.wasm ?? true;
  }

  run(pixels: PixelBuffer, opts: LetterboxPreprocessOptions = {}): PreprocessResult<LetterboxGeometry> {
    const stride = validatePixelBuffer(pixels);
    const W = checkTargetSize('width', opts.width ?? 640);
    const H = checkTargetSize('height', opts.height ?? 640);
    const dtype = checkDType(opts.dtype ?? 'float32');
    const layout = checkLayout(opts.layout ?? 'nchw');
    const padValue = opts.padValue ?? 114;
    if (!Number.isInteger(padValue) || padValue < 0 || padValue > 255) {
      throw new OptionError('E_INVALID_OPTION', `padValue must be an integer 0..255, got ${String(padValue)}`);
    }
    const geometry = computeLetterbox(pixels.width, pixels.height, W, H, { scaleUp: opts.scaleUp ?? true, center: opts.center ?? true });
    const imageLength = 3 * W * H;

    const plan = this.planFor(pixels.width, pixels.height, geometry.newWidth, geometry.newHeight, pixels.channels);
    const dims: [number, number, number, number] = layout === 'nchw' ? [1, 3, H, W] : [1, H, W, 3];
    if (dtype === 'float32' && layout === 'nchw' && plan.wasm && this.useWasm) {
      const view = this.wasmKernel()?.run(pixels.data, stride, plan, plan.area2x, W, H, geometry.padTop, geometry.padLeft);
      if (view) {
        fillPad(view, 0, geometry, layout, padElement(dtype, padValue));
        if (!opts.out) return { data: view, dims, offset: 0, geometry };
        const offset = resolveOut(opts.out, dtype, imageLength);
        opts.out.data.set(view, offset);
        return { data: opts.out.data, dims, offset, geometry };
      }
    }

    let data: PreprocessData;
    let offset = 0;
    if (opts.out) {
      offset = resolveOut(opts.out, dtype, imageLength);
      data = opts.out.data;
    } else {
      if (!this.own || this.own.length !== imageLength || dtypeOf(this.own) !== dtype) this.own = allocate(dtype, imageLength);
      data = this.own;
    }

    if (this.lutKey !== dtype) {
      this.lut = buildLut(dtype);
      this.lutKey = dtype;
    }
    fillPad(data, offset, geometry, layout, padElement(dtype, padValue));
    if (!plan.area2x && layout === 'nchw' && (geometry.newHeight < pixels.height || plan.yExact)) {
      // Downscale: source rows are (almost) never shared between output rows, so fuse both passes per pixel.
      // Whole-pixel rows (an unscaled height) read one source row each, which the fused loop also does best.
      fusedDownscale(pixels.data, stride, plan, data, this.lut, offset + geometry.padTop * W + geometry.padLeft, W, W * H);
    } else {
      const sink = makeSink(data, this.lut, geometry, offset, layout);
      if (plan.area2x) this.resizeArea2x(pixels.data, stride, plan, sink);
      else this.resizeLinear(pixels.data, stride, plan, sink);
    }

    return { data, dims, offset, geometry };
  }

  private wasmKernel(): WasmLetterboxKernel | null {
    if (this.kernel === undefined) this.kernel = WasmLetterboxKernel.create();
    return this.kernel;
  }

  private planFor(srcW: number, srcH: number, newW: number, newH: number, channels: number): ResizePlan {
    const p = this.plan;
    if (p && p.srcW === srcW && p.srcH === srcH && p.newW === newW && p.newH === newH && p.channels === channels) return p;
    const plan = makePlan(srcW, srcH, newW, newH, channels);
    this.plan = plan;
    if (this.rowA.length < newW * 3) {
      this.rowA = new Int32Array(newW * 3);
      this.rowB = new Int32Array(newW * 3);
      this.rowOut = new Uint8Array(newW * 3);
    }
    return plan;
  }

  /** Horizontal pass of one source row into a planar int row (c·newW + x), values × 2048. */
  private hresize(src: Uint8Array | Uint8ClampedArray, rowStart: number, plan: ResizePlan, row: Int32Array): void {
    const { newW, xofs0, xofs1, xa0, xa1 } = plan;
    const g = newW;
    const b = 2 * newW;
    for (let x = 0; x < newW; x++) {
      const o0 = rowStart + xofs0[x];
      const o1 = rowStart + xofs1[x];
      const a0 = xa0[x];
      const a1 = xa1[x];
      row[x] = src[o0] * a0 + src[o1] * a1;
      row[g + x] = src[o0 + 1] * a0 + src[o1 + 1] * a1;
      row[b + x] = src[o0 + 2] * a0 + src[o1 + 2] * a1;
    }
  }

  private resizeLinear(src: Uint8Array | Uint8ClampedArray, stride: number, plan: ResizePlan, sink: RowSink): void {
    const { newW, newH, ysrc0, ysrc1, yb0, yb1 } = plan;
    const row = this.rowOut;
    const n3 = 3 * newW;
    let A = this.rowA;
    let B = this.rowB;
    let yA = -1;
    let yB = -1;
    for (let dy = 0; dy < newH; dy++) {
      const s0 = ysrc0[dy];
      const s1 = ysrc1[dy];
      if (yA !== s0) {
        if (yB === s0) {
          const t = A;
          A = B;
          B = t;
          yA = s0;
          yB = -1;
        } else {
          this.hresize(src, s0 * stride, plan, A);
          yA = s0;
        }
      }
      const b0 = yb0[dy];
      const b1 = yb1[dy];
      // A zero-weight second row contributes exactly 0: skip its horizontal pass (B is then stale but × 0).
      if (b1 !== 0 && yB !== s1) {
        this.hresize(src, s1 * stride, plan, B);
        yB = s1;
      }
      if (sink.nchw) {
        verticalToTensor(sink, dy, A, B, b0, b1);
        continue;
      }
      for (let i = 0; i < n3; i++) {
        // OpenCV's VResizeLinearVec_32s8u: ((b0·(S0>>4))>>16) + ((b1·(S1>>4))>>16), then (+2)>>2.
        row[i] = (((b0 * (A[i] >> 4)) >> 16) + ((b1 * (B[i] >> 4)) >> 16) + 2) >> 2;
      }
      emitRow(sink, dy, row);
    }
    this.rowA = A;
    this.rowB = B;
  }

  /** Exact 2× downscale: OpenCV averages 2×2 blocks as (a+b+c+d+2)>>2. */
  private resizeArea2x(src: Uint8Array | Uint8ClampedArray, stride: number, plan: ResizePlan, sink: RowSink): void {
    const { newW, newH, channels: ch } = plan;
    const row = this.rowOut;
    for (let dy = 0; dy < newH; dy++) {
      const r0 = 2 * dy * stride;
      const r1 = r0 + stride;
      for (let x = 0; x < newW; x++) {
        const i0 = r0 + 2 * x * ch;
        const i1 = r1 + 2 * x * ch;
        row[x] = (src[i0] + src[i0 + ch] + src[i1] + src[i1 + ch] + 2) >> 2;
        row[newW + x] = (src[i0 + 1] + src[i0 + ch + 1] + src[i1 + 1] + src[i1 + ch + 1] + 2) >> 2;
        row[2 * newW + x] = (src[i0 + 2] + src[i0 + ch + 2] + src[i1 + 2] + src[i1 + ch + 2] + 2) >> 2;
      }
      emitRow(sink, dy, row);
    }
  }
}

/**
 * Both OpenCV passes fused per output pixel into an NCHW tensor (same integer math as hresize + the vertical
 * pass, so the result is identical). The row loop is shared; each output array type has its own pixel loops.
 */
function fusedDownscale(src: Uint8Array | Uint8ClampedArray, stride: number, plan: ResizePlan, out: PreprocessData, lut: PreprocessData, base: number, W: number, plane: number): void {
  const { newH, ysrc0, ysrc1, yb0, yb1 } = plan;
  for (let dy = 0; dy < newH; dy++) {
    const r0 = ysrc0[dy] * stride;
    const r1 = ysrc1[dy] * stride;
    const o = base + dy * W;
    if (out instanceof Float32Array) fusedRowF32(src, r0, r1, yb0[dy], yb1[dy], plan, out, lut as Float32Array, o, plane);
    else if (out instanceof Uint16Array) fusedRowU16(src, r0, r1, yb0[dy], yb1[dy], plan, out, lut as Uint16Array, o, plane);
    else fusedRowU8(src, r0, r1, yb0[dy], yb1[dy], plan, out, o, plane);
  }
}

// The three row functions below are deliberate copies: sharing them would take either one loop over
// Float32Array | Uint16Array | Uint8Array (polymorphic loads and stores in V8, see emitRow) or a store call per
// pixel, on the hottest CPU path. Their branches, in order: source row and columns land on exact pixels (e.g.
// 1920→640), so the fixed-point math reduces to a copy; the second source row has weight 0, so its term is
// exactly 0 and it is not read; the general two-row case.

function fusedRowF32(src: Uint8Array | Uint8ClampedArray, r0: number, r1: number, b0: number, b1: number, plan: ResizePlan, out: Float32Array, lut: Float32Array, o: number, plane: number): void {
  const { newW, xofs0, xofs1, xa0, xa1 } = plan;
  const g = o + plane;
  const b = g + plane;
  if (b1 === 0 && b0 === 2048 && plan.xExact) {
    for (let x = 0; x < newW; x++) {
      const u = r0 + xofs0[x];
      out[o + x] = lut[src[u]];
      out[g + x] = lut[src[u + 1]];
      out[b + x] = lut[src[u + 2]];
    }
  } else if (b1 === 0) {
    for (let x = 0; x < newW; x++) {
      const a0 = xa0[x];
      const a1 = xa1[x];
      const u0 = r0 + xofs0[x];
      const u1 = r0 + xofs1[x];
      out[o + x] = lut[(((b0 * ((src[u0] * a0 + src[u1] * a1) >> 4)) >> 16) + 2) >> 2];
      out[g + x] = lut[(((b0 * ((src[u0 + 1] * a0 + src[u1 + 1] * a1) >> 4)) >> 16) + 2) >> 2];
      out[b + x] = lut[(((b0 * ((src[u0 + 2] * a0 + src[u1 + 2] * a1) >> 4)) >> 16) + 2) >> 2];
    }
  } else {
    for (let x = 0; x < newW; x++) {
      const p0 = xofs0[x];
      const p1 = xofs1[x];
      const a0 = xa0[x];
      const a1 = xa1[x];
      const u0 = r0 + p0;
      const u1 = r0 + p1;
      const v0 = r1 + p0;
      const v1 = r1 + p1;
      out[o + x] = lut[(((b0 * ((src[u0] * a0 + src[u1] * a1) >> 4)) >> 16) + ((b1 * ((src[v0] * a0 + src[v1] * a1) >> 4)) >> 16) + 2) >> 2];
      out[g + x] = lut[(((b0 * ((src[u0 + 1] * a0 + src[u1 + 1] * a1) >> 4)) >> 16) + ((b1 * ((src[v0 + 1] * a0 + src[v1 + 1] * a1) >> 4)) >> 16) + 2) >> 2];
      out[b + x] = lut[(((b0 * ((src[u0 + 2] * a0 + src[u1 + 2] * a1) >> 4)) >> 16) + ((b1 * ((src[v0 + 2] * a0 + src[v1 + 2] * a1) >> 4)) >> 16) + 2) >> 2];
    }
  }
}

function fusedRowU16(src: Uint8Array | Uint8ClampedArray, r0: number, r1: number, b0: number, b1: number, plan: ResizePlan, out: Uint16Array, lut: Uint16Array, o: number, plane: number): void {
  const { newW, xofs0, xofs1, xa0, xa1 } = plan;
  const g = o + plane;
  const b = g + plane;
  if (b1 === 0 && b0 === 2048 && plan.xExact) {
    for (let x = 0; x < newW; x++) {
      const u = r0 + xofs0[x];
      out[o + x] = lut[src[u]];
      out[g + x] = lut[src[u + 1]];
      out[b + x] = lut[src[u + 2]];
    }
  } else if (b1 === 0) {
    for (let x = 0; x < newW; x++) {
      const a0 = xa0[x];
      const a1 = xa1[x];
      const u0 = r0 + xofs0[x];
      const u1 = r0 + xofs1[x];
      out[o + x] = lut[(((b0 * ((src[u0] * a0 + src[u1] * a1) >> 4)) >> 16) + 2) >> 2];
      out[g + x] = lut[(((b0 * ((src[u0 + 1] * a0 + src[u1 + 1] * a1) >> 4)) >> 16) + 2) >> 2];
      out[b + x] = lut[(((b0 * ((src[u0 + 2] * a0 + src[u1 + 2] * a1) >> 4)) >> 16) + 2) >> 2];
    }
  } else {
    for (let x = 0; x < newW; x++) {
      const p0 = xofs0[x];
      const p1 = xofs1[x];
      const a0 = xa0[x];
      const a1 = xa1[x];
      const u0 = r0 + p0;
      const u1 = r0 + p1;
      const v0 = r1 + p0;
      const v1 = r1 + p1;
      out[o + x] = lut[(((b0 * ((src[u0] * a0 + src[u1] * a1) >> 4)) >> 16) + ((b1 * ((src[v0] * a0 + src[v1] * a1) >> 4)) >> 16) + 2) >> 2];
      out[g + x] = lut[(((b0 * ((src[u0 + 1] * a0 + src[u1 + 1] * a1) >> 4)) >> 16) + ((b1 * ((src[v0 + 1] * a0 + src[v1 + 1] * a1) >> 4)) >> 16) + 2) >> 2];
      out[b + x] = lut[(((b0 * ((src[u0 + 2] * a0 + src[u1 + 2] * a1) >> 4)) >> 16) + ((b1 * ((src[v0 + 2] * a0 + src[v1 + 2] * a1) >> 4)) >> 16) + 2) >> 2];
    }
  }
}

function fusedRowU8(src: Uint8Array | Uint8ClampedArray, r0: number, r1: number, b0: number, b1: number, plan: ResizePlan, out: Uint8Array, o: number, plane: number): void {
  const { newW, xofs0, xofs1, xa0, xa1 } = plan;
  const g = o + plane;
  const b = g + plane;
  if (b1 === 0 && b0 === 2048 && plan.xExact) {
    for (let x = 0; x < newW; x++) {
      const u = r0 + xofs0[x];
      out[o + x] = src[u];
      out[g + x] = src[u + 1];
      out[b + x] = src[u + 2];
    }
  } else if (b1 === 0) {
    for (let x = 0; x < newW; x++) {
      const a0 = xa0[x];
      const a1 = xa1[x];
      const u0 = r0 + xofs0[x];
      const u1 = r0 + xofs1[x];
      out[o + x] = (((b0 * ((src[u0] * a0 + src[u1] * a1) >> 4)) >> 16) + 2) >> 2;
      out[g + x] = (((b0 * ((src[u0 + 1] * a0 + src[u1 + 1] * a1) >> 4)) >> 16) + 2) >> 2;
      out[b + x] = (((b0 * ((src[u0 + 2] * a0 + src[u1 + 2] * a1) >> 4)) >> 16) + 2) >> 2;
    }
  } else {
    for (let x = 0; x < newW; x++) {
      const p0 = xofs0[x];
      const p1 = xofs1[x];
      const a0 = xa0[x];
      const a1 = xa1[x];
      const u0 = r0 + p0;
      const u1 = r0 + p1;
      const v0 = r1 + p0;
      const v1 = r1 + p1;
      out[o + x] = (((b0 * ((src[u0] * a0 + src[u1] * a1) >> 4)) >> 16) + ((b1 * ((src[v0] * a0 + src[v1] * a1) >> 4)) >> 16) + 2) >> 2;
      out[g + x] = (((b0 * ((src[u0 + 1] * a0 + src[u1 + 1] * a1) >> 4)) >> 16) + ((b1 * ((src[v0 + 1] * a0 + src[v1 + 1] * a1) >> 4)) >> 16) + 2) >> 2;
      out[b + x] = (((b0 * ((src[u0 + 2] * a0 + src[u1 + 2] * a1) >> 4)) >> 16) + ((b1 * ((src[v0 + 2] * a0 + src[v1 + 2] * a1) >> 4)) >> 16) + 2) >> 2;
    }
  }
}

/** Where the row passes write one resized 8-bit row (planar: c·newW + x) into the tensor. */
interface RowSink {
  out: PreprocessData;
  lut: PreprocessData;
  /** Element index of the image's top-left pixel in plane 0 (NHWC: pixel index, ×3 when writing). */
  base: number;
  W: number;
  plane: number;
  n: number;
  nchw: boolean;
}

function makeSink(out: PreprocessData, lut: PreprocessData, g: LetterboxGeometry, offset: number, layout: PreprocessLayout): RowSink {
  const W = g.dstWidth;
  // NHWC counts base in pixels (the store multiplies by 3); `offset` is in elements, a multiple of 3·W·H.
  const first = layout === 'nchw' ? offset : offset / 3;
  return { out, lut, base: first + g.padTop * W + g.padLeft, W, plane: W * g.dstHeight, n: g.newWidth, nchw: layout === 'nchw' };
}

/**
 * Dispatch to one store loop per output type and layout: each loop sees a single typed-array class (a shared
 * loop over Float32Array | Uint16Array | Uint8Array goes megamorphic in V8), and the call targets stay fixed
 * across runs (a fresh closure per run made V8 deopt the row passes with "wrong call target").
 */
function emitRow(s: RowSink, dy: number, row: Uint8Array): void {
  const out = s.out;
  const o = s.base + dy * s.W;
  if (out instanceof Float32Array) {
    if (s.nchw) emitNchwF32(out, s.lut as Float32Array, o, s.plane, s.n, row);
    else emitNhwcF32(out, s.lut as Float32Array, o * 3, s.n, row);
  } else if (out instanceof Uint16Array) {
    if (s.nchw) emitNchwU16(out, s.lut as Uint16Array, o, s.plane, s.n, row);
    else emitNhwcU16(out, s.lut as Uint16Array, o * 3, s.n, row);
  } else if (s.nchw) {
    out.set(row.subarray(0, s.n), o);
    out.set(row.subarray(s.n, 2 * s.n), o + s.plane);
    out.set(row.subarray(2 * s.n, 3 * s.n), o + 2 * s.plane);
  } else {
    emitNhwcU8(out, o * 3, s.n, row);
  }
}

/** NCHW: OpenCV's vertical pass fused with the element conversion and the planar store (no 8-bit row). */
function verticalToTensor(s: RowSink, dy: number, A: Int32Array, B: Int32Array, b0: number, b1: number): void {
  const out = s.out;
  const o = s.base + dy * s.W;
  if (out instanceof Float32Array) verticalF32(out, s.lut as Float32Array, o, s.plane, s.n, A, B, b0, b1);
  else if (out instanceof Uint16Array) verticalU16(out, s.lut as Uint16Array, o, s.plane, s.n, A, B, b0, b1);
  else verticalU8(out, o, s.plane, s.n, A, B, b0, b1);
}

function verticalF32(out: Float32Array, l: Float32Array, o: number, plane: number, n: number, A: Int32Array, B: Int32Array, b0: number, b1: number): void {
  for (let c = 0, k = 0, p = o; c < 3; c++, k += n, p += plane) {
    for (let x = 0; x < n; x++) out[p + x] = l[(((b0 * (A[k + x] >> 4)) >> 16) + ((b1 * (B[k + x] >> 4)) >> 16) + 2) >> 2];
  }
}

function verticalU16(out: Uint16Array, l: Uint16Array, o: number, plane: number, n: number, A: Int32Array, B: Int32Array, b0: number, b1: number): void {
  for (let c = 0, k = 0, p = o; c < 3; c++, k += n, p += plane) {
    for (let x = 0; x < n; x++) out[p + x] = l[(((b0 * (A[k + x] >> 4)) >> 16) + ((b1 * (B[k + x] >> 4)) >> 16) + 2) >> 2];
  }
}

function verticalU8(out: Uint8Array, o: number, plane: number, n: number, A: Int32Array, B: Int32Array, b0: number, b1: number): void {
  for (let c = 0, k = 0, p = o; c < 3; c++, k += n, p += plane) {
    for (let x = 0; x < n; x++) out[p + x] = (((b0 * (A[k + x] >> 4)) >> 16) + ((b1 * (B[k + x] >> 4)) >> 16) + 2) >> 2;
  }
}

function emitNchwF32(out: Float32Array, l: Float32Array, o: number, plane: number, n: number, row: Uint8Array): void {
  for (let x = 0; x < n; x++) out[o + x] = l[row[x]];
  for (let x = 0, p = o + plane; x < n; x++) out[p + x] = l[row[n + x]];
  for (let x = 0, p = o + 2 * plane; x < n; x++) out[p + x] = l[row[2 * n + x]];
}

function emitNchwU16(out: Uint16Array, l: Uint16Array, o: number, plane: number, n: number, row: Uint8Array): void {
  for (let x = 0; x < n; x++) out[o + x] = l[row[x]];
  for (let x = 0, p = o + plane; x < n; x++) out[p + x] = l[row[n + x]];
  for (let x = 0, p = o + 2 * plane; x < n; x++) out[p + x] = l[row[2 * n + x]];
}

function emitNhwcF32(out: Float32Array, l: Float32Array, o: number, n: number, row: Uint8Array): void {
  for (let x = 0; x < n; x++, o += 3) {
    out[o] = l[row[x]];
    out[o + 1] = l[row[n + x]];
    out[o + 2] = l[row[2 * n + x]];
  }
}

function emitNhwcU16(out: Uint16Array, l: Uint16Array, o: number, n: number, row: Uint8Array): void {
  for (let x = 0; x < n; x++, o += 3) {
    out[o] = l[row[x]];
    out[o + 1] = l[row[n + x]];
    out[o + 2] = l[row[2 * n + x]];
  }
}

function emitNhwcU8(out: Uint8Array, o: number, n: number, row: Uint8Array): void {
  for (let x = 0; x < n; x++, o += 3) {
    out[o] = row[x];
    out[o + 1] = row[n + x];
    out[o + 2] = row[2 * n + x];
  }
}

function dtypeOf(data: PreprocessData): PreprocessDType {
  return data instanceof Float32Array ? 'float32' : data instanceof Uint16Array ? 'float16' : 'uint8';
}

/** Write the pad value around the resized image only (the interior is overwritten by the resize). */
function fillPad(out: PreprocessData, offset: number, g: LetterboxGeometry, layout: PreprocessLayout, value: number): void {
  const W = g.dstWidth;
  const H = g.dstHeight;
  const innerEnd = g.padTop + g.newHeight;
  if (layout === 'nchw') {
    for (let c = 0; c < 3; c++) {
      const base = offset + c * W * H;
      out.fill(value, base, base + g.padTop * W);
      out.fill(value, base + innerEnd * W, base + H * W);
      if (g.padLeft === 0 && g.padRight === 0) continue;
      for (let y = g.padTop; y < innerEnd; y++) {
        const r = base + y * W;
        out.fill(value, r, r + g.padLeft);
        out.fill(value, r + g.padLeft + g.newWidth, r + W);
      }
    }
  } else {
    out.fill(value, offset, offset + g.padTop * W * 3);
    out.fill(value, offset + innerEnd * W * 3, offset + H * W * 3);
    if (g.padLeft === 0 && g.padRight === 0) return;
    for (let y = g.padTop; y < innerEnd; y++) {
      const r = offset + y * W * 3;
      out.fill(value, r, r + g.padLeft * 3);
      out.fill(value, r + (g.padLeft + g.newWidth) * 3, r + W * 3);
    }
  }
}
