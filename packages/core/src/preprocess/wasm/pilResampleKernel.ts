/**
 * Runs pilResampleU8.wat: the Pillow-exact classification resize (both passes, then the normalization LUT
 * into a float32 NCHW tensor) in WebAssembly, ~3× faster than the JS loops, which stay as the fallback.
 * Results are identical (tests compare both on random geometries).
 */
import type { PilAxis } from '../pilBilinear.js';
import { pilResampleWasm } from './pilResampleWasm.js';
import { align16, ensureMemory, float32View, instantiate, WASM_MAX_SOURCE_BYTES } from './wasmKernelModule.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  pass(
    src: number, lineStride: number, posStride: number, tapStep: number, lines: number, positions: number, perPos: number,
    tab: number, w: number, ksize: number, dst: number, lut: number, plane: number,
  ): void;
}

/** What the kernel needs of ClassifyPreprocessor's plan. */
export interface PilPlan {
  ax: PilAxis;
  ay: PilAxis;
  verticalFirst: boolean;
  /** Source rows the crop needs: [yFirst, yFirst + rows). */
  yFirst: number;
  rows: number;
  /** Source columns the crop needs: [xFirst, xFirst + cols). */
  xFirst: number;
  cols: number;
}

export class WasmPilResampler {
  private readonly k: KernelExports;
  private tablesKey: { plan: PilPlan; stride: number; chan: number; at: number } | null = null;
  private lutFor: Float32Array | null = null;
  private lutAt = -1;
  private view: Float32Array | null = null;

  private constructor(k: KernelExports) {
    this.k = k;
  }

  static create(): WasmPilResampler | null {
    const k = instantiate<KernelExports>(pilResampleWasm);
    return k ? new WasmPilResampler(k) : null;
  }

  static supports(plan: PilPlan, stride: number): boolean {
    return plan.rows * stride <= WASM_MAX_SOURCE_BYTES;
  }

  /** The size×size float32 NCHW tensor as a view of kernel memory (reused by the next call), or null. */
  run(src: Uint8Array | Uint8ClampedArray, stride: number, chan: number, plan: PilPlan, size: number, lut: Float32Array): Float32Array | null {
    const out = 16;
    const outBytes = 3 * size * size * 4;
    const lutAt = align16(out + outBytes);
    const tabX = lutAt + 3072;
    const wX = tabX + size * 8;
    const tabY = align16(wX + size * plan.ax.ksize * 4);
    const wY = tabY + size * 8;
    const srcAt = align16(wY + size * plan.ay.ksize * 4);
    const srcBytes = plan.rows * stride;
    const tmp = align16(srcAt + srcBytes + 16); // slack: a 3-byte pixel is read with a 4-byte load
    const tmpBytes = (plan.verticalFirst ? size * plan.cols : plan.rows * size) * 4;
    const mem = this.k.memory;
    if (!ensureMemory(mem, tmp + tmpBytes + 16)) return null;
    const buf = mem.buffer;

    const key = this.tablesKey;
    if (!key || key.plan !== plan || key.stride !== stride || key.chan !== chan || key.at !== tabX) {
      this.writeTables(buf, plan, stride, chan, size, tabX, wX, tabY, wY);
      this.tablesKey = { plan, stride, chan, at: tabX };
    }
    if (this.lutFor !== lut || this.lutAt !== lutAt) {
      new Float32Array(buf, lutAt, 768).set(lut.subarray(0, 768));
      this.lutFor = lut;
      this.lutAt = lutAt;
    }
    // Only the source rows the crop needs.
    const first = plan.yFirst * stride;
    new Uint8Array(buf, srcAt, srcBytes).set(src.subarray(first, Math.min(src.length, first + srcBytes)));

    const plane = size * size * 4;
    // Horizontal pass: lines are rows (`lineStride` apart), taps one pixel apart, tables per output column.
    // Vertical pass: lines are output rows (taps from the table), positions one pixel apart, taps a row apart.
    const { pass } = this.k;
    if (plan.verticalFirst) {
      pass(srcAt + plan.xFirst * chan, 0, chan, stride, size, plan.cols, 0, tabY, wY, plan.ay.ksize, tmp, 0, 0);
      pass(tmp, plan.cols * 4, 0, 4, size, size, 1, tabX, wX, plan.ax.ksize, out, lutAt, plane);
    } else {
      pass(srcAt, stride, 0, chan, plan.rows, size, 1, tabX, wX, plan.ax.ksize, tmp, 0, 0);
      pass(tmp, 0, 4, size * 4, size, size, 0, tabY, wY, plan.ay.ksize, out, lutAt, plane);
    }
    return (this.view = float32View(this.view, buf, out, 3 * size * size));
  }

  /** Per output position [byte offset of the first tap, tap count] + weights, for the pass order in use. */
  private writeTables(buf: ArrayBuffer, plan: PilPlan, stride: number, chan: number, size: number, tabX: number, wX: number, tabY: number, wY: number): void {
    const { ax, ay } = plan;
    const tx = new Int32Array(buf, tabX, size * 2);
    const ty = new Int32Array(buf, tabY, size * 2);
    // Horizontal taps read the source (horizontal first) or the 4-byte intermediate (vertical first).
    const xStep = plan.verticalFirst ? 4 : chan;
    const xBase = plan.verticalFirst ? plan.xFirst : 0;
    // Vertical taps read source rows (vertical first) or intermediate rows of `size` 4-byte pixels.
    const yStride = plan.verticalFirst ? stride : size * 4;
    for (let i = 0; i < size; i++) {
      tx[2 * i] = (ax.first[i] - xBase) * xStep;
      tx[2 * i + 1] = ax.count[i];
      ty[2 * i] = (ay.first[i] - plan.yFirst) * yStride;
      ty[2 * i + 1] = ay.count[i];
    }
    new Int32Array(buf, wX, ax.weights.length).set(ax.weights);
    new Int32Array(buf, wY, ay.weights.length).set(ay.weights);
  }
}
