import { describe, expect, it } from 'vitest';
import { CandidateBuffer } from '../src/decode/candidateBuffer.js';
import { decodeYoloV8, type YoloV8Layout } from '../src/decode/decodeYoloV8.js';
import { decodeYoloV5 } from '../src/decode/decodeYoloV5.js';
import { decodeEndToEnd } from '../src/decode/decodeEndToEnd.js';
import { float32ToHalfBits, hasNativeFloat16Array } from '../src/float16.js';
import { LayoutError, OptionError } from '../src/errors.js';
import type { FloatData } from '../src/types.js';

interface Anchor {
  box: [cx: number, cy: number, w: number, h: number];
  scores: Record<number, number>;
  obj?: number;
}

/** [1, 4+nc, n] (or [1, n, 4+nc]) with the given anchors first and zero-score padding after. */
function yolov8Tensor(anchors: Anchor[], nc: number, n: number, transposed = false): Float32Array {
  const rows = 4 + nc;
  const t = new Float32Array(rows * n);
  const at = (r: number, a: number) => (transposed ? a * rows + r : r * n + a);
  anchors.forEach((an, a) => {
    for (let k = 0; k < 4; k++) t[at(k, a)] = an.box[k];
    for (const [c, v] of Object.entries(an.scores)) t[at(4 + Number(c), a)] = v;
  });
  return t;
}

function yolov5Tensor(anchors: Anchor[], nc: number, n: number): Float32Array {
  const t = new Float32Array((5 + nc) * n);
  anchors.forEach((an, a) => {
    const o = a * (5 + nc);
    for (let k = 0; k < 4; k++) t[o + k] = an.box[k];
    t[o + 4] = an.obj ?? 1;
    for (const [c, v] of Object.entries(an.scores)) t[o + 5 + Number(c)] = v;
  });
  return t;
}

function rows(c: CandidateBuffer): { box: number[]; score: number; classId: number }[] {
  const out = [];
  for (let i = 0; i < c.count; i++) {
    out.push({ box: Array.from(c.boxes.subarray(i * 4, i * 4 + 4)), score: c.scores[i], classId: c.classIds[i] });
  }
  return out;
}

const anchors: Anchor[] = [
  { box: [100, 100, 20, 40], scores: { 0: 0.9, 2: 0.3 } },
  { box: [200, 50, 10, 10], scores: { 1: 0.2 } }, // below 0.25
  { box: [300, 300, 50, 50], scores: { 1: 0.6, 2: 0.6 } }, // tie: first class wins
  { box: [10, 20, 4, 8], scores: { 2: 0.26 } },
];
const expected = [
  { box: [90, 80, 110, 120], score: Math.fround(0.9), classId: 0 },
  { box: [275, 275, 325, 325], score: Math.fround(0.6), classId: 1 },
  { box: [8, 16, 12, 24], score: Math.fround(0.26), classId: 2 },
];

function asFloat16Array(src: Float32Array): FloatData {
  const F16 = (globalThis as unknown as { Float16Array: new (a: ArrayLike<number>) => FloatData }).Float16Array;
  return new F16(src);
}

describe('decodeYoloV8', () => {
  const layout: YoloV8Layout = { kind: 'yolov8', numClasses: 3, numAnchors: 13, transposed: false };

  it('keeps the best class above conf per anchor (fp32, both layouts, n not a multiple of 8)', () => {
    const out = new CandidateBuffer(1);
    decodeYoloV8({ data: yolov8Tensor(anchors, 3, 13), dims: [1, 7, 13] }, layout, out);
    expect(rows(out)).toEqual(expected);
    decodeYoloV8({ data: yolov8Tensor(anchors, 3, 13, true), dims: [1, 13, 7] }, { ...layout, transposed: true }, out);
    expect(rows(out)).toEqual(expected);
  });

  it('reads fp16 bits directly, in both layouts', () => {
    const out = new CandidateBuffer();
    for (const transposed of [false, true]) {
      const data = float32ToHalfBits(yolov8Tensor(anchors, 3, 13, transposed));
      decodeYoloV8({ data, dims: transposed ? [1, 13, 7] : [1, 7, 13] }, { ...layout, transposed }, out);
      const got = rows(out);
      expect(got.map((r) => r.classId)).toEqual([0, 1, 2]);
      expect(got.map((r) => r.box)).toEqual(expected.map((r) => r.box));
      got.forEach((r, i) => expect(Math.abs(r.score - expected[i].score)).toBeLessThan(1e-3));
    }
  });

  it.skipIf(!hasNativeFloat16Array())('reads a native Float16Array', () => {
    const out = new CandidateBuffer();
    decodeYoloV8({ data: asFloat16Array(yolov8Tensor(anchors, 3, 13)), dims: [1, 7, 13] }, layout, out);
    expect(rows(out).map((r) => r.classId)).toEqual([0, 1, 2]);
  });

  it('applies the class filter after the argmax, as Ultralytics does', () => {
    const out = new CandidateBuffer();
    const data = yolov8Tensor(anchors, 3, 13);
    decodeYoloV8({ data, dims: [1, 7, 13] }, layout, out, { classes: [2] });
    // Anchor 0's best class is 0 (2 scores 0.3 there but is not its best) → dropped; only anchor 3 stays.
    expect(rows(out)).toEqual([expected[2]]);
    decodeYoloV8({ data, dims: [1, 7, 13] }, layout, out, { classes: [] });
    expect(out.count).toBe(0);
  });

  it('thresholds strictly and honours conf', () => {
    const out = new CandidateBuffer();
    const data = yolov8Tensor([{ box: [5, 5, 2, 2], scores: { 0: 0.5 } }], 1, 8);
    decodeYoloV8({ data, dims: [1, 5, 8] }, { kind: 'yolov8', numClasses: 1, numAnchors: 8, transposed: false }, out, { conf: 0.5 });
    expect(out.count).toBe(0);
    decodeYoloV8({ data, dims: [1, 5, 8] }, { kind: 'yolov8', numClasses: 1, numAnchors: 8, transposed: false }, out, { conf: 0.49 });
    expect(out.count).toBe(1);
  });

  it('never keeps NaN scores or non-finite boxes, and skips negative scores', () => {
    const out = new CandidateBuffer();
    for (const transposed of [false, true]) {
      const data = yolov8Tensor(
        [
          { box: [10, 10, 4, 4], scores: { 0: NaN, 1: 0.2 } },
          { box: [10, 10, 4, 4], scores: { 0: NaN, 1: 0.8 } },
          { box: [NaN, 10, 4, 4], scores: { 0: 0.9 } },
          { box: [10, Infinity, 4, 4], scores: { 0: 0.9 } },
          { box: [10, 10, 4, 4], scores: { 0: -5, 1: -0 } },
        ],
        2,
        9,
        transposed,
      );
      const l = { kind: 'yolov8', numClasses: 2, numAnchors: 9, transposed } as const;
      const dims = transposed ? [1, 9, 6] : [1, 6, 9];
      decodeYoloV8({ data, dims }, l, out, { conf: 0 });
      // A NaN class score is ignored (the anchor's best is taken over the others), never kept.
      expect(rows(out)).toEqual([
        { box: [8, 8, 12, 12], score: Math.fround(0.2), classId: 1 },
        { box: [8, 8, 12, 12], score: Math.fround(0.8), classId: 1 },
      ]);
      decodeYoloV8({ data: float32ToHalfBits(data), dims }, l, out, { conf: 0 });
      expect(rows(out).map((r) => [r.classId, r.box])).toEqual([
        [1, [8, 8, 12, 12]],
        [1, [8, 8, 12, 12]],
      ]);
    }
  });

  it('decodes the requested batch entry', () => {
    const a = yolov8Tensor([{ box: [10, 10, 2, 2], scores: { 0: 0.9 } }], 1, 8);
    const b = yolov8Tensor([{ box: [50, 50, 2, 2], scores: { 0: 0.8 } }], 1, 8);
    const data = new Float32Array(a.length * 2);
    data.set(a);
    data.set(b, a.length);
    const out = new CandidateBuffer();
    const l = { kind: 'yolov8', numClasses: 1, numAnchors: 8, transposed: false } as const;
    decodeYoloV8({ data, dims: [2, 5, 8] }, l, out, { batchIndex: 1 });
    expect(rows(out)).toEqual([{ box: [49, 49, 51, 51], score: Math.fround(0.8), classId: 0 }]);
    expect(() => decodeYoloV8({ data, dims: [2, 5, 8] }, l, out, { batchIndex: 2 })).toThrow(LayoutError);
    expect(() => decodeYoloV8({ data, dims: [2, 5, 8] }, l, out, { batchIndex: -1 })).toThrow(LayoutError);
  });

  it('handles an empty output', () => {
    const out = new CandidateBuffer();
    out.push(1, 2, 3, 4, 0.5, 0);
    decodeYoloV8({ data: new Float32Array(0), dims: [1, 84, 0] }, { kind: 'yolov8', numClasses: 80, numAnchors: 0, transposed: false }, out);
    expect(out.count).toBe(0);
  });

  it('rejects dims that do not match the layout or the data', () => {
    const out = new CandidateBuffer();
    const data = new Float32Array(7 * 13);
    const bad = (dims: number[], d: Float32Array = data, l = layout) => {
      try {
        decodeYoloV8({ data: d, dims }, l, out);
      } catch (e) {
        expect(e).toBeInstanceOf(LayoutError);
        expect((e as LayoutError).code).toBe('E_SHAPE_MISMATCH');
        return;
      }
      throw new Error(`accepted dims ${dims.join('x')}`);
    };
    bad([1, 7, 12]); // product ≠ length
    bad([1, 13, 7]); // transposed shape without transposed layout
    bad([1, 8, 13], new Float32Array(8 * 13)); // nc mismatch
    bad([1, 7, 13], new Float32Array(7 * 13), { ...layout, numAnchors: 14 });
    bad([7 * 13]);
    bad([1, 7, 13.5]);
    bad([1, -7, -13]);
    expect(() => decodeYoloV8({ data, dims: [1, 7, 13] }, { ...layout, numClasses: 0 }, out)).toThrow(LayoutError);
    expect(() => decodeYoloV8({ data, dims: [1, 7, 13] }, layout, out, { conf: 2 })).toThrow(OptionError);
    expect(() => decodeYoloV8({ data, dims: [1, 7, 13] }, layout, out, { conf: NaN })).toThrow(OptionError);
    expect(() => decodeYoloV8({ data, dims: [1, 7, 13] }, layout, out, { classes: [1.5] })).toThrow(OptionError);
  });
});

describe('decodeYoloV5', () => {
  const layout = { kind: 'yolov5', numClasses: 3, numAnchors: 6 } as const;
  const v5: Anchor[] = [
    { box: [100, 100, 20, 40], obj: 0.9, scores: { 0: 0.5, 1: 0.9 } }, // 0.81 class 1
    { box: [10, 10, 2, 2], obj: 0.2, scores: { 0: 1 } }, // obj ≤ conf → skipped
    { box: [50, 50, 10, 10], obj: 0.5, scores: { 2: 0.4 } }, // 0.2 ≤ conf
    { box: [60, 60, 10, 10], obj: 0.5, scores: { 2: 0.6 } }, // 0.3
  ];

  it('scores obj × cls in float32 and keeps the best class above conf', () => {
    const out = new CandidateBuffer();
    decodeYoloV5({ data: yolov5Tensor(v5, 3, 6), dims: [1, 6, 8] }, layout, out);
    expect(rows(out)).toEqual([
      { box: [90, 80, 110, 120], score: Math.fround(Math.fround(0.9) * Math.fround(0.9)), classId: 1 },
      { box: [55, 55, 65, 65], score: Math.fround(Math.fround(0.5) * Math.fround(0.6)), classId: 2 },
    ]);
  });

  it('reads fp16 bits, filters classes after the argmax, rejects bad dims', () => {
    const out = new CandidateBuffer();
    decodeYoloV5({ data: float32ToHalfBits(yolov5Tensor(v5, 3, 6)), dims: [1, 6, 8] }, layout, out, { classes: [0, 2] });
    expect(rows(out).map((r) => [r.classId, r.box])).toEqual([[2, [55, 55, 65, 65]]]);
    expect(() => decodeYoloV5({ data: new Float32Array(48), dims: [1, 8, 6] }, layout, out)).toThrow(LayoutError);
    expect(() => decodeYoloV5({ data: new Float32Array(47), dims: [1, 6, 8] }, layout, out)).toThrow(LayoutError);
  });

  it('never keeps NaN objectness or class scores', () => {
    const out = new CandidateBuffer();
    const data = yolov5Tensor(
      [
        { box: [10, 10, 2, 2], obj: NaN, scores: { 0: 0.9 } },
        { box: [10, 10, 2, 2], obj: 0.9, scores: { 0: NaN } },
      ],
      1,
      2,
    );
    decodeYoloV5({ data, dims: [1, 2, 6] }, { kind: 'yolov5', numClasses: 1, numAnchors: 2 }, out, { conf: 0 });
    expect(out.count).toBe(0);
  });
});

describe('decodeEndToEnd', () => {
  const layout = { kind: 'end2end', maxDetections: 5 } as const;
  const data = new Float32Array([
    ...[10, 10, 20, 20, 0.9, 3],
    ...[30, 30, 40, 40, 0.2, 1], // below conf
    ...[50, 50, 60, 60, 0.5, 1.5], // non-integer class → dropped
    ...[70, 70, 80, 80, NaN, 1],
    ...[0, 0, 5, 5, 0.7, 0],
  ]);

  it('thresholds and filters, keeping boxes as given', () => {
    const out = new CandidateBuffer();
    decodeEndToEnd({ data, dims: [1, 5, 6] }, layout, out);
    expect(rows(out)).toEqual([
      { box: [10, 10, 20, 20], score: Math.fround(0.9), classId: 3 },
      { box: [0, 0, 5, 5], score: Math.fround(0.7), classId: 0 },
    ]);
    decodeEndToEnd({ data, dims: [1, 5, 6] }, layout, out, { classes: [0] });
    expect(rows(out).map((r) => r.classId)).toEqual([0]);
    decodeEndToEnd({ data: float32ToHalfBits(data), dims: [1, 5, 6] }, layout, out);
    expect(rows(out).map((r) => r.classId)).toEqual([3, 0]);
    expect(() => decodeEndToEnd({ data, dims: [1, 6, 5] }, layout, out)).toThrow(LayoutError);
  });
});

describe('CandidateBuffer', () => {
  it('grows geometrically, keeps contents, never shrinks', () => {
    const c = new CandidateBuffer(2);
    for (let i = 0; i < 100; i++) c.push(i, i, i + 1, i + 1, i / 100, i % 7);
    expect(c.count).toBe(100);
    expect(c.capacity).toBe(128);
    expect(c.boxes[99 * 4 + 2]).toBe(100);
    c.clear();
    expect(c.capacity).toBe(128);
  });

  it('keepTop keeps the k best in original order, ties to the lower index', () => {
    const c = new CandidateBuffer();
    const scores = [0.1, 0.5, 0.3, 0.5, NaN, 0.9, 0.5];
    scores.forEach((s, i) => c.push(i, 0, i + 1, 1, s, i));
    c.keepTop(4);
    expect(Array.from(c.classIds.subarray(0, c.count))).toEqual([1, 3, 5, 6]);
    c.keepTop(2);
    expect(Array.from(c.classIds.subarray(0, c.count))).toEqual([1, 5]);
    expect(() => c.keepTop(-1)).toThrow(OptionError);
  });
});

describe('decodeYoloV8 fast paths vs a naive decode', () => {
  /** Straightforward per-anchor argmax (first max wins, NaN ignored), the semantics the fast paths must keep. */
  function naive(data: Float32Array, nc: number, n: number, conf: number) {
    const out: { box: number[]; score: number; classId: number }[] = [];
    for (let a = 0; a < n; a++) {
      let best = -Infinity;
      let bc = -1;
      for (let c = 0; c < nc; c++) {
        const v = data[(4 + c) * n + a];
        if (v > best) {
          best = v;
          bc = c;
        }
      }
      if (!(best > conf)) continue;
      const [cx, cy, w, h] = [0, 1, 2, 3].map((k) => data[k * n + a]);
      const box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2].map(Math.fround);
      if (!box.every(Number.isFinite)) continue;
      out.push({ box, score: best, classId: bc });
    }
    return out;
  }

  it('column (fp32 bits, fp16 bits) and row layouts agree with it on random tensors with NaN, negatives, ties', async () => {
    const fc = (await import('fast-check')).default;
    const value = fc.constantFrom(NaN, -1, -0, 0, 0.1, 0.25, 0.2500001, 0.5, 0.5, 0.9, 1, 3.5, Infinity);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 70 }), fc.constantFrom(0, 0.25, 0.5), fc.infiniteStream(value), (nc, n, conf, vals) => {
        const data = new Float32Array((4 + nc) * n);
        const it = vals[Symbol.iterator]();
        for (let i = 0; i < data.length; i++) data[i] = i < 4 * n ? (i % 7) * 3 : (it.next().value as number);
        const want = naive(data, nc, n, conf);
        const out = new CandidateBuffer();
        const l = { kind: 'yolov8', numClasses: nc, numAnchors: n, transposed: false } as const;
        decodeYoloV8({ data, dims: [1, 4 + nc, n] }, l, out, { conf });
        expect(rows(out)).toEqual(want);
        // Every value above is exact in fp16 except 0.2500001 (→ 0.25, not above 0.25) and the boxes are small ints.
        decodeYoloV8({ data: float32ToHalfBits(data), dims: [1, 4 + nc, n] }, l, out, { conf });
        const wantHalf = naive(Float32Array.from(data, (v) => (v === Math.fround(0.2500001) ? 0.25 : v)), nc, n, conf);
        expect(rows(out).map((r) => [r.classId, r.box])).toEqual(wantHalf.map((r) => [r.classId, r.box]));
        const tr = new Float32Array(data.length);
        for (let r = 0; r < 4 + nc; r++) for (let a = 0; a < n; a++) tr[a * (4 + nc) + r] = data[r * n + a];
        decodeYoloV8({ data: tr, dims: [1, n, 4 + nc] }, { ...l, transposed: true }, out, { conf });
        expect(rows(out)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('column scans read only their batch entry, with score blocks straddling class rows (fp32 and fp16)', () => {
    // nc × n not a multiple of 16: the flat 16-wide scan has blocks spanning two class rows and a tail.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const [nc, n] of [[3, 13], [80, 37], [5, 16]] as const) {
      const size = (4 + nc) * n;
      const data = new Float32Array(3 * size);
      for (let i = 0; i < data.length; i++) data[i] = i % size < 4 * n ? (i % 11) * 2 : rand() < 0.9 ? rand() * 0.3 : rand();
      const l = { kind: 'yolov8', numClasses: nc, numAnchors: n, transposed: false } as const;
      for (let b = 0; b < 3; b++) {
        const one = data.slice(b * size, (b + 1) * size);
        for (const [all, alone] of [[data, one], [float32ToHalfBits(data), float32ToHalfBits(one)]] as const) {
          const got = new CandidateBuffer();
          decodeYoloV8({ data: all, dims: [3, 4 + nc, n] }, l, got, { conf: 0.25, batchIndex: b });
          const want = new CandidateBuffer();
          decodeYoloV8({ data: alone, dims: [1, 4 + nc, n] }, l, want, { conf: 0.25 });
          expect(got.count).toBeGreaterThan(0);
          expect(rows(got)).toEqual(rows(want));
        }
      }
    }
  });
});
