/**
 * Classification input on the CPU: resize the shorter side, center-crop, normalize, exactly like
 * torchvision `Resize(256) + CenterCrop(224) + ToTensor + Normalize` on a PIL image ('imagenet') or
 * Ultralytics `classify_transforms` ('yolo-cls': resize shorter side to `size`, crop, /255).
 */
import { OptionError } from '../errors.js';
import { validatePixelBuffer, type PixelBuffer } from './pixelBuffer.js';
import { computeCenterCrop, type CropGeometry, type LongSideRounding } from './cropGeometry.js';
import { pilAxis, pilHorizontal, pilVertical, pillowVerticalFirst, type PilAxis } from './pilBilinear.js';
import { WasmPilResampler, type PilPlan } from './wasm/pilResampleKernel.js';
import {
  allocate,
  buildLut,
  checkDType,
  checkLayout,
  resolveOut,
  type PreprocessData,
  type PreprocessDType,
  type PreprocessLayout,
  type PreprocessOut,
  type PreprocessResult,
} from './tensorOutput.js';

export type ClassifyVariant = 'imagenet' | 'yolo-cls';

export interface ClassifyPreprocessOptions {
  /** Crop (tensor) size; default 224. */
  size?: number;
  /** Shorter side after resizing; default 256 for 'imagenet', `size` for 'yolo-cls'. */
  resizeShorter?: number;
  /** How the longer side's size is rounded after scaling (default 'round', as the reference pipeline). */
  longSide?: LongSideRounding;
  /**
   * Pass order of the resize: 'pillow13' (default) follows Pillow ≥ 13, which resizes vertically first when the
   * height shrinks more than twice as much as the width; 'horizontal-first' is Pillow ≤ 12. Only very tall
   * images are affected (±1 level on some pixels).
   */
  passOrder?: 'pillow13' | 'horizontal-first';
  /** Per-channel mean/std applied after /255; default ImageNet for 'imagenet', 0/1 for 'yolo-cls'. */
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
  variant?: ClassifyVariant;
  /** uint8 writes the resized 8-bit pixels (no normalization). */
  dtype?: PreprocessDType;
  layout?: PreprocessLayout;
  out?: PreprocessOut;
}

export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

/** The resize plan (the JS passes and the kernel share it), keyed by the geometry and pass order it was made for. */
interface Plan extends PilPlan {
  key: string;
}

export class ClassifyPreprocessor {
  private plan: Plan | undefined;
  private tmp = new Uint8Array(0);
  private own: PreprocessData | undefined;
  private lutKey = '';
  private lut: PreprocessData = new Float32Array(0);
  /** undefined until first needed; null where WebAssembly SIMD is unavailable. */
  private kernel: WasmPilResampler | null | undefined;
  private readonly useWasm: boolean;

  /** `wasm: false` forces the JS loops (tests compare both; results are identical). */
  constructor(o: { wasm?: boolean } = {}) {
    this.useWasm = o.wasm ?? true;
  }

  run(pixels: PixelBuffer, opts: ClassifyPreprocessOptions = {}): PreprocessResult<CropGeometry> {
    const stride = validatePixelBuffer(pixels);
    const variant = opts.variant ?? 'imagenet';
    if (variant !== 'imagenet' && variant !== 'yolo-cls') {
      throw new OptionError('E_INVALID_OPTION', `variant must be 'imagenet' or 'yolo-cls', got ${String(variant)}`);
    }
    const size = opts.size ?? 224;
    const resizeShorter = opts.resizeShorter ?? (variant === 'imagenet' ? 256 : size);
    const mean = opts.mean ?? (variant === 'imagenet' ? IMAGENET_MEAN : [0, 0, 0]);
    const std = opts.std ?? (variant === 'imagenet' ? IMAGENET_STD : [1, 1, 1]);
    checkNorm(mean, std);
    const dtype = checkDType(opts.dtype ?? 'float32');
    const layout = checkLayout(opts.layout ?? 'nchw');
    const geometry = computeCenterCrop(pixels.width, pixels.height, size, resizeShorter, opts.longSide ?? 'round');

    const imageLength = 3 * size * size;
    const dims: [number, number, number, number] = layout === 'nchw' ? [1, 3, size, size] : [1, size, size, 3];
    const order = opts.passOrder ?? 'pillow13';
    if (order !== 'pillow13' && order !== 'horizontal-first') {
      throw new OptionError('E_INVALID_OPTION', `passOrder must be 'pillow13' or 'horizontal-first', got ${String(order)}`);
    }
    const plan = this.planFor(geometry, order);
    const lutKey = `${dtype}|${mean.join()}|${std.join()}`;
    if (lutKey !== this.lutKey) {
      this.lut = buildLut(dtype, mean, std);
      this.lutKey = lutKey;
    }

    if (dtype === 'float32' && layout === 'nchw' && this.useWasm && WasmPilResampler.supports(plan, stride)) {
      this.kernel ??= WasmPilResampler.create();
      const view = this.kernel?.run(pixels.data, stride, pixels.channels, plan, size, this.lut as Float32Array);
      if (view) {
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
      if (!this.own || this.own.length !== imageLength || !sameKind(this.own, dtype)) this.own = allocate(dtype, imageLength);
      data = this.own;
    }
    const need = (plan.verticalFirst ? size * plan.cols : plan.rows * size) * 3;
    if (this.tmp.length < need) this.tmp = new Uint8Array(need);
    const tmp = this.tmp;
    if (plan.verticalFirst) {
      pilVertical(pixels.data, stride, pixels.channels, plan.xFirst, plan.cols, plan.ay, tmp);
      this.horizontal(tmp, plan, size, data, offset, layout);
    } else {
      pilHorizontal(pixels.data, stride, pixels.channels, plan.yFirst, plan.rows, plan.ax, tmp);
      this.vertical(tmp, plan, size, data, offset, layout);
    }

    return { data, dims, offset, geometry };
  }

  private planFor(g: CropGeometry, order: 'pillow13' | 'horizontal-first'): Plan {
    const key = `${g.srcWidth}x${g.srcHeight}>${g.resizedWidth}x${g.resizedHeight}@${g.cropX},${g.cropY}+${g.dstWidth}/${order}`;
    if (this.plan?.key === key) return this.plan;
    const ax = pilAxis(g.srcWidth, g.resizedWidth, g.cropX, g.dstWidth);
    const ay = pilAxis(g.srcHeight, g.resizedHeight, g.cropY, g.dstHeight);
    const [yFirst, yEnd] = span(ay);
    const [xFirst, xEnd] = span(ax);
    const verticalFirst = order === 'pillow13' && pillowVerticalFirst(g.srcWidth, g.srcHeight, g.resizedWidth, g.resizedHeight);
    this.plan = { key, ax, ay, verticalFirst, yFirst, rows: yEnd - yFirst, xFirst, cols: xEnd - xFirst };
    return this.plan;
  }

  /** Horizontal pass over the 8-bit vertical result (rows × plan.cols × 3), into the tensor through the LUT. */
  private horizontal(tmp: Uint8Array, plan: Plan, n: number, out: PreprocessData, offset: number, layout: PreprocessLayout): void {
    const { first, count, weights, ksize } = plan.ax;
    const lut = this.lut;
    const rowLen = plan.cols * 3;
    const plane = n * n;
    for (let j = 0; j < n; j++) {
      const row = j * rowLen;
      for (let x = 0; x < n; x++) {
        const cnt = count[x];
        const wk = x * ksize;
        let r = HALF;
        let g = HALF;
        let b = HALF;
        for (let k = 0, p = row + (first[x] - plan.xFirst) * 3; k < cnt; k++, p += 3) {
          const w = weights[wk + k];
          r += tmp[p] * w;
          g += tmp[p + 1] * w;
          b += tmp[p + 2] * w;
        }
        const vr = clip8(r);
        const vg = clip8(g);
        const vb = clip8(b);
        if (layout === 'nchw') {
          const o = offset + j * n + x;
          out[o] = lut[vr];
          out[o + plane] = lut[256 + vg];
          out[o + 2 * plane] = lut[512 + vb];
        } else {
          const o = offset + (j * n + x) * 3;
          out[o] = lut[vr];
          out[o + 1] = lut[256 + vg];
          out[o + 2] = lut[512 + vb];
        }
      }
    }
  }

  /** Vertical pass over the 8-bit horizontal result, straight into the tensor through the normalization LUT. */
  private vertical(tmp: Uint8Array, plan: Plan, n: number, out: PreprocessData, offset: number, layout: PreprocessLayout): void {
    const { first, count, weights, ksize } = plan.ay;
    const lut = this.lut;
    const rowLen = n * 3;
    const plane = n * n;
    for (let j = 0; j < n; j++) {
      const r0 = (first[j] - plan.yFirst) * rowLen;
      const cnt = count[j];
      const wk = j * ksize;
      for (let x = 0; x < n; x++) {
        let r = HALF;
        let g = HALF;
        let b = HALF;
        for (let k = 0, p = r0 + x * 3; k < cnt; k++, p += rowLen) {
          const w = weights[wk + k];
          r += tmp[p] * w;
          g += tmp[p + 1] * w;
          b += tmp[p + 2] * w;
        }
        const vr = clip8(r);
        const vg = clip8(g);
        const vb = clip8(b);
        if (layout === 'nchw') {
          const o = offset + j * n + x;
          out[o] = lut[vr];
          out[o + plane] = lut[256 + vg];
          out[o + 2 * plane] = lut[512 + vb];
        } else {
          const o = offset + (j * n + x) * 3;
          out[o] = lut[vr];
          out[o + 1] = lut[256 + vg];
          out[o + 2] = lut[512 + vb];
        }
      }
    }
  }
}

/** [first, end) of the source indices an axis' taps read. */
function span(a: PilAxis): [number, number] {
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < a.first.length; i++) {
    lo = Math.min(lo, a.first[i]);
    hi = Math.max(hi, a.first[i] + a.count[i]);
  }
  return [lo, hi];
}

function clip8(v: number): number {
  const r = v >> PRECISION_BITS;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

function sameKind(data: PreprocessData, dtype: PreprocessDType): boolean {
  return dtype === 'float32' ? data instanceof Float32Array : dtype === 'float16' ? data instanceof Uint16Array : data instanceof Uint8Array;
}

function checkNorm(mean: readonly number[], std: readonly number[]): void {
  const ok =
    Array.isArray(mean) && Array.isArray(std) && mean.length === 3 && std.length === 3 &&
    mean.every((m) => Number.isFinite(m)) && std.every((s) => Number.isFinite(s) && s !== 0);
  if (!ok) throw new OptionError('E_INVALID_OPTION', 'mean and std must be 3 finite numbers each, std non-zero');
}
