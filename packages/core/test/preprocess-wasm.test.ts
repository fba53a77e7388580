// The WebAssembly pre-processing kernels must give exactly the JS loops' tensors (which the golden OpenCV /
// Pillow hashes and the reference tensor pin) on any geometry: random sizes, RGB/RGBA, padded rows, both
// resize directions, OpenCV's 2× area shortcut and Pillow's vertical-first order.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ClassifyPreprocessor, LetterboxPreprocessor, type PixelBuffer } from '../src/index.js';
import { kernelModule } from '../src/preprocess/wasm/wasmKernelModule.js';
import { letterboxF32Wasm } from '../src/preprocess/wasm/letterboxF32Wasm.js';
import { pilResampleWasm } from '../src/preprocess/wasm/pilResampleWasm.js';

function noise(w: number, h: number, channels: 3 | 4, extra: number, seed: number): PixelBuffer {
  const stride = w * channels + extra;
  const data = new Uint8Array(stride * h);
  let s = seed | 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = s & 255;
  }
  return { data, width: w, height: h, channels, stride };
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

const img = fc.record({
  w: fc.integer({ min: 1, max: 420 }),
  h: fc.integer({ min: 1, max: 420 }),
  channels: fc.constantFrom(3 as const, 4 as const),
  extra: fc.constantFrom(0, 0, 1, 7, 64),
  seed: fc.integer(),
});

test('both kernels compile here (otherwise the comparisons below would test the JS path twice)', () => {
  expect(kernelModule(letterboxF32Wasm)).not.toBeNull();
  expect(kernelModule(pilResampleWasm)).not.toBeNull();
});

describe('letterbox: WebAssembly = JS', () => {
  const wasm = new LetterboxPreprocessor();
  const js = new LetterboxPreprocessor({ wasm: false });

  test('random images, targets and options', () => {
    fc.assert(
      fc.property(
        img,
        fc.integer({ min: 8, max: 700 }),
        fc.integer({ min: 8, max: 700 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 255 }),
        (im, W, H, scaleUp, center, padValue) => {
          const px = noise(im.w, im.h, im.channels, im.extra, im.seed);
          const o = { width: W, height: H, scaleUp, center, padValue };
          const a = Float32Array.from(js.run(px, o).data);
          expect(differing(wasm.run(px, o).data, a)).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  test.each([
    [1280, 720, 640, 640], // OpenCV's 2× INTER_AREA shortcut
    [1920, 1080, 640, 640], // whole-pixel 3×
    [810, 1080, 640, 640],
    [640, 480, 640, 640], // unscaled
    [100, 3000, 320, 320],
    [2, 2, 640, 640], // tiny upscale: every column clamps at the edges
  ])('%i×%i → %i×%i, RGB and RGBA, into a caller buffer at batchIndex 1', (w, h, W, H) => {
    for (const channels of [3, 4] as const) {
      const px = noise(w, h, channels, 0, w * 31 + h);
      const a = Float32Array.from(js.run(px, { width: W, height: H }).data);
      const buf = new Float32Array(2 * 3 * W * H).fill(-7);
      const r = wasm.run(px, { width: W, height: H, out: { data: buf, batchIndex: 1 } });
      expect(r.data).toBe(buf);
      expect(r.offset).toBe(3 * W * H);
      expect(buf.subarray(0, r.offset).every((v) => v === -7)).toBe(true);
      expect(differing(buf.subarray(r.offset), a)).toBe(0);
    }
  });

  test('a larger image after a smaller one (memory grows; earlier views are replaced, not corrupted)', () => {
    const small = noise(64, 48, 4, 0, 1);
    const big = noise(1500, 1400, 4, 0, 2);
    const a = Float32Array.from(wasm.run(small).data);
    const b = Float32Array.from(wasm.run(big).data);
    expect(differing(a, js.run(small).data)).toBe(0);
    expect(differing(b, js.run(big).data)).toBe(0);
    expect(differing(wasm.run(small).data, a)).toBe(0);
  });
});

describe('classification crop: WebAssembly = JS', () => {
  const wasm = new ClassifyPreprocessor();
  const js = new ClassifyPreprocessor({ wasm: false });

  test('random images, sizes, variants and pass orders', () => {
    fc.assert(
      fc.property(
        img,
        fc.integer({ min: 8, max: 300 }),
        fc.integer({ min: 0, max: 64 }),
        fc.constantFrom('imagenet' as const, 'yolo-cls' as const),
        fc.constantFrom('pillow13' as const, 'horizontal-first' as const),
        (im, size, more, variant, passOrder) => {
          const px = noise(im.w, im.h, im.channels, im.extra, im.seed);
          const o = { size, resizeShorter: size + more, variant, passOrder };
          const a = Float32Array.from(js.run(px, o).data);
          expect(differing(wasm.run(px, o).data, a)).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  test.each([
    [275, 183], // upscale (dog.jpg)
    [810, 1080],
    [200, 3000], // very tall: Pillow 13 resizes vertically first
    [3000, 200],
  ])('%i×%i, RGB and RGBA, into a caller buffer', (w, h) => {
    for (const channels of [3, 4] as const) {
      const px = noise(w, h, channels, 0, w + h);
      const a = Float32Array.from(js.run(px).data);
      const buf = new Float32Array(3 * 224 * 224);
      expect(wasm.run(px, { out: { data: buf, batchIndex: 0 } }).data).toBe(buf);
      expect(differing(buf, a)).toBe(0);
    }
  });
});

test('the generated kernel modules match their .wat sources (run scripts/build-wasm-kernels.mjs)', async () => {
  const script = fileURLToPath(new URL('../../../scripts/build-wasm-kernels.mjs', import.meta.url));
  const { kernels, render } = (await import(script)) as {
    kernels: Array<{ ts: string }>;
    render(k: { ts: string }): Promise<string>;
  };
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  for (const k of kernels) expect(readFileSync(root + k.ts, 'utf8')).toBe(await render(k));
});
