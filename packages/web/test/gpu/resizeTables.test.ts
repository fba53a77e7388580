// CPU-side tables of the WGSL passes: they must equal what the core CPU preprocessors compute, or GPU and CPU
// tensors drift apart (the e2e suite checks the tensors themselves in Chromium).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { f32AtMost } from '../../src/gpu/candidatePass.js';
import { linearResizeTables, normalizeLut, pilAxisTables } from '../../src/gpu/resizeTables.js';
import { pilAxis } from '../../../core/src/preprocess/pilBilinear.js';
import { buildLut } from '../../../core/src/preprocess/tensorOutput.js';

describe('pilAxisTables', () => {
  it('equals the core ClassifyPreprocessor coefficients (Pillow bilinear)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 600 }), fc.nat(64), (inSize, outSize, start) => {
        const n = Math.max(1, Math.min(outSize - Math.min(start, outSize - 1), 224));
        const s = Math.min(start, outSize - 1);
        const a = pilAxisTables(inSize, outSize, s, n);
        const b = pilAxis(inSize, outSize, s, n);
        expect(a.ksize).toBe(b.ksize);
        expect(Array.from(a.first)).toEqual(Array.from(b.first));
        expect(Array.from(a.count)).toEqual(Array.from(b.count));
        expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
      }),
      { numRuns: 200 },
    );
  });
});

describe('linearResizeTables', () => {
  it('column weights sum to 2048 and indices stay inside the source', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 700 }), (sw, sh, nw, nh) => {
        const t = linearResizeTables(sw, sh, nw, nh);
        expect(t.length).toBe((nw + nh) * 4);
        for (let i = 0; i < nw + nh; i++) {
          const src = i < nw ? sw : sh;
          const [s0, s1, w0, w1] = t.subarray(i * 4, i * 4 + 4);
          expect(s0).toBeGreaterThanOrEqual(0);
          expect(s1).toBeLessThan(src);
          expect(s1 - s0).toBeLessThanOrEqual(1);
          // Columns clamp their weights at the borders; rows keep OpenCV's unclamped weights (sum still 2048).
          expect(w0 + w1).toBe(2048);
          if (i < nw) expect(w0).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('is the identity map when sizes match', () => {
    const t = linearResizeTables(7, 5, 7, 5);
    for (let i = 0; i < 12; i++) {
      const d = i < 7 ? i : i - 7;
      expect(Array.from(t.subarray(i * 4, i * 4 + 4))).toEqual([d, Math.min(d + 1, (i < 7 ? 7 : 5) - 1), 2048, 0]);
    }
  });
});

describe('normalizeLut', () => {
  it('equals the core LUT for /255 and for ImageNet mean/std', () => {
    expect(Array.from(normalizeLut())).toEqual(Array.from(buildLut('float32')));
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    expect(Array.from(normalizeLut(mean, std))).toEqual(Array.from(buildLut('float32', mean, std)));
  });
});

describe('f32AtMost', () => {
  it('is the largest float32 not above x', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e30, max: 1e30, noNaN: true }), (x) => {
        const f = f32AtMost(x);
        expect(Math.fround(f)).toBe(f);
        expect(f).toBeLessThanOrEqual(x);
        const up = new Float32Array([f]);
        const bits = new Int32Array(up.buffer);
        bits[0] += f >= 0 ? 1 : -1;
        if (f !== 0) expect(up[0]).toBeGreaterThan(x);
      }),
      { numRuns: 500 },
    );
    expect(f32AtMost(0.25)).toBe(0.25);
    expect(f32AtMost(0.3)).toBeLessThan(0.3);
  });
});
