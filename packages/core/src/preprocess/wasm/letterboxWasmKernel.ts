/**
 * Runs letterboxF32.wat: the OpenCV-exact bilinear resize into a float32 NCHW tensor with WebAssembly SIMD,
 * 2–3× faster than the JS loops (which stay as the fallback where WebAssembly SIMD is missing). The tensor
 * lives in the kernel's own memory, so the resize writes it in place and callers get a view of it.
 */
import { letterboxF32Wasm } from './letterboxF32Wasm.js';
import { align16, ensureMemory, float32View, instantiate, WASM_MAX_SOURCE_BYTES } from './wasmKernelModule.js';

export interface WasmResizeTables {
  srcW: number;
  srcH: number;
  channels: number;
  newW: number;
  newH: number;
  /** Byte offset of each column's left/right source pixel within a row, and their 11-bit weights. */
  xofs0: Int32Array;
  xofs1: Int32Array;
  xa0: Int32Array;
  xa1: Int32Array;
  ysrc0: Int32Array;
  ysrc1: Int32Array;
  yb0: Int32Array;
  yb1: Int32Array;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  letterboxF32(src: number, coef: number, xoff: number, rows: number, mask: number, newW: number, newH: number, out: number, pitch: number, plane: number): void;
  area2xF32(src: number, stride: number, step: number, mask: number, newW: number, newH: number, out: number, pitch: number, plane: number): void;
}

/** Bytes 0-15: the bilinear pass's swizzle mask; 16-31: the 2× area pass's; the tensor starts at 32. */
const BILINEAR_MASK = 0;
const AREA_MASK = 16;

export class WasmLetterboxKernel {
  private readonly k: KernelExports;
  private tablesFor: WasmResizeTables | null = null;
  private tablesStride = 0;
  private view: Float32Array | null = null;
  private layout = { coef: 0, xoff: 0, rows: 0, src: 0, out: 0, end: 0 };

  private constructor(k: KernelExports) {
    this.k = k;
  }

  /** A kernel instance, or null where WebAssembly SIMD is unavailable. */
  static create(): WasmLetterboxKernel | null {
    const k = instantiate<KernelExports>(letterboxF32Wasm);
    return k ? new WasmLetterboxKernel(k) : null;
  }

  /**
   * Whether the kernel can run this resize: a source within the size cap, and (bilinear) right taps that are
   * the left pixel's neighbour wherever they weigh. `area2x`: OpenCV's exact 2:1 path, any geometry.
   */
  static supports(t: WasmResizeTables, srcBytes: number, area2x: boolean): boolean {
    if (srcBytes > WASM_MAX_SOURCE_BYTES) return false;
    if (area2x) return true;
    for (let x = 0; x < t.newW; x++) if (t.xa1[x] !== 0 && t.xofs1[x] !== t.xofs0[x] + t.channels) return false;
    return true;
  }

  /**
   * Resize `src` into a W×H×3 float32 tensor view (pad area untouched: the caller fills it). `top`/`left` place
   * the resized area. Returns null when memory cannot grow (the caller falls back to JS).
   */
  run(src: Uint8Array | Uint8ClampedArray, stride: number, t: WasmResizeTables, area2x: boolean, W: number, H: number, top: number, left: number): Float32Array | null {
    const srcBytes = stride * t.srcH;
    if (!this.prepare(t, stride, srcBytes, 3 * W * H * 4)) return null;
    const { memory } = this.k;
    const L = this.layout;
    new Uint8Array(memory.buffer, L.src, srcBytes).set(src.length === srcBytes ? src : src.subarray(0, srcBytes));
    const at = L.out + (top * W + left) * 4;
    if (area2x) this.k.area2xF32(L.src, stride, 2 * t.channels, AREA_MASK, t.newW, t.newH, at, W, W * H * 4);
    else this.k.letterboxF32(L.src, L.coef, L.xoff, L.rows, BILINEAR_MASK, t.newW, t.newH, at, W, W * H * 4);
    return (this.view = float32View(this.view, memory.buffer, L.out, 3 * W * H));
  }

  /**
   * Lay out tensor, tables and source in memory (grown as needed); rewrite the tables when the geometry
   * changed. The tensor comes first, so its view stays the same object across calls of one tensor size.
   */
  private prepare(t: WasmResizeTables, stride: number, srcBytes: number, outBytes: number): boolean {
    const out = 32;
    const coef = align16(out + outBytes);
    const xoff = coef + t.newW * 16;
    const rows = align16(xoff + t.newW * 4);
    const src = align16(rows + t.newH * 16);
    const end = src + srcBytes + 16; // 16 bytes of slack: the last column reads one pixel past its row
    const L = this.layout;
    const moved = L.coef !== coef || L.rows !== rows;
    const mem = this.k.memory;
    if (!ensureMemory(mem, end)) return false;
    this.layout = { coef, xoff, rows, src, out, end };
    if (!moved && this.tablesFor === t && this.tablesStride === stride) return true;
    const buf = mem.buffer;
    const masks = new Uint8Array(buf, 0, 32);
    const ch = t.channels;
    const z = 16; // swizzle index ≥ 16 reads 0
    // Bilinear: interleave the two pixels' channels for the dot product: [c0 p0, c0 p1, c1 p0, c1 p1, …].
    masks.set([0, ch, 1, ch + 1, 2, ch + 2, ch === 4 ? 3 : z, ch === 4 ? 7 : z, z, z, z, z, z, z, z, z], BILINEAR_MASK);
    // Area: pixel 0's channels in lanes 0-3, pixel 1's in lanes 4-7.
    masks.set([0, 1, 2, ch === 4 ? 3 : z, ch, ch + 1, ch + 2, ch === 4 ? 7 : z, z, z, z, z, z, z, z, z], AREA_MASK);
    const c16 = new Int16Array(buf, coef, t.newW * 8);
    const xo = new Int32Array(buf, xoff, t.newW);
    for (let x = 0; x < t.newW; x++) {
      const a0 = t.xa0[x];
      const a1 = t.xa1[x];
      for (let k = 0; k < 8; k += 2) {
        c16[x * 8 + k] = a0;
        c16[x * 8 + k + 1] = a1;
      }
      xo[x] = t.xofs0[x];
    }
    const r = new Int32Array(buf, rows, t.newH * 4);
    for (let y = 0; y < t.newH; y++) {
      r[y * 4] = t.ysrc0[y] * stride;
      r[y * 4 + 1] = t.ysrc1[y] * stride;
      r[y * 4 + 2] = t.yb0[y];
      r[y * 4 + 3] = t.yb1[y];
    }
    this.tablesFor = t;
    this.tablesStride = stride;
    return true;
  }
}
