/**
 * Letterbox an 8-bit image into a YOLO input tensor on the CPU, reproducing Ultralytics' `LetterBox` +
 * `cv2.resize(INTER_LINEAR)` bit for bit: OpenCV's 8-bit bilinear runs in fixed point (11-bit coefficients,
 * horizontal pass into int rows, then a vertical pass with its SIMD rounding), so float bilinear would differ
 * by ±1 on many pixels. Matching it makes browser/Node inputs identical to the Python reference pipeline.
 */
import { computeLetterbox, type LetterboxGeometry } from '../geometry/letterbox.js';
import { OptionError } from '../errors.js';
import { validatePixelBuffer, type PixelBuffer } from './pixelBuffer.js';
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

const COEF_SCALE = 2048; // OpenCV INTER_RESIZE_COEF_SCALE (11 bits)

/** Per-column and per-row source indices and fixed-point weights for one (src size, resized size, channels). */
interface ResizePlan {
  srcW: number;
  srcH: number;
  newW: number;
  newH: number;
  channels: number;
  /** 2× integer downscale on both axes: OpenCV switches INTER_LINEAR to its fast INTER_AREA path. */
  area2x: boolean;
  xofs0: Int32Array;
  xofs1: Int32Array;
  xa0: Int32Array;
  xa1: Int32Array;
  ysrc0: Int32Array;
  ysrc1: Int32Array;
  yb0: Int32Array;
  yb1: Int32Array;
}

/** cvRound of a float: round half to even. */
function rint(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/**
 * OpenCV's coordinate map for INTER_LINEAR: half-pixel centres, float32 arithmetic. Columns outside the image
 * get their weight clamped to the edge pixel; rows keep their weight and only the row index is clamped
 * (OpenCV's vertical pass does that, which can round 1 lower at the top/bottom edges of an upscale).
 */
function linearCoeffs(srcSize: number, dstSize: number, idx0: Int32Array, idx1: Int32Array, w0: Int32Array, w1: Int32Array, mul: number, clampWeights: boolean): void {
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
    idx0[d] = Math.min(Math.max(s, 0), last) * mul;
    idx1[d] = Math.min(Math.max(s + 1, 0), last) * mul;
    w0[d] = rint(Math.fround(1 - f) * COEF_SCALE);
    w1[d] = rint(f * COEF_SCALE);
  }
}

function makePlan(srcW: number, srcH: number, newW: number, newH: number, channels: number): ResizePlan {
  const plan: ResizePlan = {
    srcW,
    srcH,
    newW,
    newH,
    channels,
    area2x: srcW === 2 * newW && srcH === 2 * newH,
    xofs0: new Int32Array(newW),
    xofs1: new Int32Array(newW),
    xa0: new Int32Array(newW),
    xa1: new Int32Array(newW),
    ysrc0: new Int32Array(newH),
    ysrc1: new Int32Array(newH),
    yb0: new Int32Array(newH),
    yb1: new Int32Array(newH),
  };
  linearCoeffs(srcW, newW, plan.xofs0, plan.xofs1, plan.xa0, plan.xa1, channels, true);
  linearCoeffs(srcH, newH, plan.ysrc0, plan.ysrc1, plan.yb0, plan.yb1, 1, false);
  return plan;
}

export class LetterboxPreprocessor {
  private plan: ResizePlan | undefined;
  private rowA = new Int32Array(0);
  private rowB = new Int32Array(0);
  private own: PreprocessData | undefined;
  private lutKey = '';
  private lut: PreprocessData = new Float32Array(0);

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
    const plan = this.planFor(pixels.width, pixels.height, geometry.newWidth, geometry.newHeight, pixels.channels);
    fillPad(data, offset, geometry, layout, padElement(dtype, padValue));
    if (plan.area2x) this.resizeArea2x(pixels.data, stride, plan, data, offset, geometry, layout);
    else this.resizeLinear(pixels.data, stride, plan, data, offset, geometry, layout);

    const dims: [number, number, number, number] = layout === 'nchw' ? [1, 3, H, W] : [1, H, W, 3];
    return { data, dims, offset, geometry };
  }

  private planFor(srcW: number, srcH: number, newW: number, newH: number, channels: number): ResizePlan {
    const p = this.plan;
    if (p && p.srcW === srcW && p.srcH === srcH && p.newW === newW && p.newH === newH && p.channels === channels) return p;
    const plan = makePlan(srcW, srcH, newW, newH, channels);
    this.plan = plan;
    if (this.rowA.length < newW * 3) {
      this.rowA = new Int32Array(newW * 3);
      this.rowB = new Int32Array(newW * 3);
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

  private resizeLinear(
    src: Uint8Array | Uint8ClampedArray,
    stride: number,
    plan: ResizePlan,
    out: PreprocessData,
    offset: number,
    geo: LetterboxGeometry,
    layout: PreprocessLayout,
  ): void {
    const { newW, newH, ysrc0, ysrc1, yb0, yb1 } = plan;
    const lut = this.lut;
    const W = geo.dstWidth;
    const plane = W * geo.dstHeight;
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
      if (yB !== s1) {
        this.hresize(src, s1 * stride, plan, B);
        yB = s1;
      }
      const b0 = yb0[dy];
      const b1 = yb1[dy];
      const rowOff = offset + (geo.padTop + dy) * W + geo.padLeft;
      if (layout === 'nchw') {
        for (let c = 0; c < 3; c++) {
          const r = c * newW;
          const o = rowOff + c * plane;
          for (let x = 0; x < newW; x++) {
            // OpenCV's VResizeLinearVec_32s8u: ((b0·(S0>>4))>>16) + ((b1·(S1>>4))>>16), then (+2)>>2.
            const v = (((b0 * (A[r + x] >> 4)) >> 16) + ((b1 * (B[r + x] >> 4)) >> 16) + 2) >> 2;
            out[o + x] = lut[v];
          }
        }
      } else {
        let o = rowOff * 3;
        for (let x = 0; x < newW; x++, o += 3) {
          out[o] = lut[(((b0 * (A[x] >> 4)) >> 16) + ((b1 * (B[x] >> 4)) >> 16) + 2) >> 2];
          out[o + 1] = lut[(((b0 * (A[newW + x] >> 4)) >> 16) + ((b1 * (B[newW + x] >> 4)) >> 16) + 2) >> 2];
          out[o + 2] = lut[(((b0 * (A[2 * newW + x] >> 4)) >> 16) + ((b1 * (B[2 * newW + x] >> 4)) >> 16) + 2) >> 2];
        }
      }
    }
    this.rowA = A;
    this.rowB = B;
  }

  /** Exact 2× downscale: OpenCV averages 2×2 blocks as (a+b+c+d+2)>>2. */
  private resizeArea2x(
    src: Uint8Array | Uint8ClampedArray,
    stride: number,
    plan: ResizePlan,
    out: PreprocessData,
    offset: number,
    geo: LetterboxGeometry,
    layout: PreprocessLayout,
  ): void {
    const { newW, newH, channels: ch } = plan;
    const lut = this.lut;
    const W = geo.dstWidth;
    const plane = W * geo.dstHeight;
    for (let dy = 0; dy < newH; dy++) {
      const r0 = 2 * dy * stride;
      const r1 = r0 + stride;
      const rowOff = offset + (geo.padTop + dy) * W + geo.padLeft;
      for (let x = 0; x < newW; x++) {
        const i0 = r0 + 2 * x * ch;
        const i1 = r1 + 2 * x * ch;
        for (let c = 0; c < 3; c++) {
          const v = (src[i0 + c] + src[i0 + ch + c] + src[i1 + c] + src[i1 + ch + c] + 2) >> 2;
          if (layout === 'nchw') out[rowOff + c * plane + x] = lut[v];
          else out[(rowOff + x) * 3 + c] = lut[v];
        }
      }
    }
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
