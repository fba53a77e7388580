import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CandidateBuffer } from '../src/decode/candidateBuffer.js';
import { NonMaxSuppression, nms, CLASS_OFFSET } from '../src/nms/nms.js';
import { OptionError } from '../src/errors.js';

type Cand = { box: [number, number, number, number]; score: number; classId: number };

function buffer(cands: readonly Cand[]): CandidateBuffer {
  const c = new CandidateBuffer(1);
  for (const x of cands) c.push(...x.box, x.score, x.classId);
  return c;
}

/**
 * Literal transcription of Ultralytics + torchvision.ops.nms (CPU kernel): offset boxes by class × 7680,
 * stable sort by score descending, then for each unsuppressed box suppress every later box with IoU > thr;
 * all in float32. O(n²), no early exit, no per-class lists: the independent check for the fast version.
 */
function referenceNms(c: CandidateBuffer, iou: number, maxDet: number, agnostic: boolean): number[] {
  const f = Math.fround;
  const n = c.count;
  const idx = Array.from({ length: n }, (_, i) => i).filter((i) => !Number.isNaN(c.scores[i]));
  idx.sort((a, b) => (c.scores[b] > c.scores[a] ? 1 : c.scores[b] < c.scores[a] ? -1 : a - b));
  const bx = (i: number, k: number) => f(c.boxes[i * 4 + k] + (agnostic ? 0 : f(c.classIds[i] * CLASS_OFFSET)));
  const area = (i: number) => f(f(bx(i, 2) - bx(i, 0)) * f(bx(i, 3) - bx(i, 1)));
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (suppressed[i]) continue;
    keep.push(i);
    for (let s = r + 1; s < idx.length; s++) {
      const j = idx[s];
      if (suppressed[j]) continue;
      const w = Math.max(0, f(Math.min(bx(i, 2), bx(j, 2)) - Math.max(bx(i, 0), bx(j, 0))));
      const h = Math.max(0, f(Math.min(bx(i, 3), bx(j, 3)) - Math.max(bx(i, 1), bx(j, 1))));
      const inter = f(w * h);
      const ovr = f(inter / f(f(area(i) + area(j)) - inter));
      if (ovr > iou) suppressed[j] = 1;
    }
  }
  return keep.slice(0, maxDet);
}

describe('nms', () => {
  const a: Cand = { box: [0, 0, 10, 10], score: 0.9, classId: 0 };
  const b: Cand = { box: [1, 1, 11, 11], score: 0.8, classId: 0 }; // IoU with a = 81/119 ≈ 0.68
  const c: Cand = { box: [0, 0, 10, 9], score: 0.7, classId: 0 }; // IoU with a = 0.9
  const d: Cand = { box: [0, 0, 10, 10], score: 0.85, classId: 1 }; // same box, other class

  it('suppresses overlaps above the threshold within a class, highest score first', () => {
    expect(Array.from(nms(buffer([c, b, a, d]), { iou: 0.7 }))).toEqual([2, 3, 1]);
    expect(Array.from(nms(buffer([c, b, a, d]), { iou: 0.5 }))).toEqual([2, 3]);
  });

  it('agnostic mode suppresses across classes', () => {
    expect(Array.from(nms(buffer([c, b, a, d]), { iou: 0.7, agnostic: true }))).toEqual([2, 1]);
  });

  it('does not suppress at IoU exactly equal to the threshold', () => {
    const x: Cand = { box: [0, 0, 10, 10], score: 0.9, classId: 0 };
    const y: Cand = { box: [0, 0, 10, 5], score: 0.8, classId: 0 }; // IoU 0.5 exactly
    expect(Array.from(nms(buffer([x, y]), { iou: 0.5 }))).toEqual([0, 1]);
    expect(Array.from(nms(buffer([x, y]), { iou: 0.49 }))).toEqual([0]);
  });

  it('breaks score ties by original index (stable, like torchvision)', () => {
    const t = (x: number): Cand => ({ box: [x, 0, x + 10, 10], score: 0.5, classId: 0 });
    // 0 and 1 overlap (IoU 0.82), 2 overlaps 1 only; equal scores: 0 wins over 1, so 2 survives.
    expect(Array.from(nms(buffer([t(0), t(1), t(2.5)]), { iou: 0.7 }))).toEqual([0, 2]);
    expect(Array.from(nms(buffer([t(2.5), t(1), t(0)]), { iou: 0.7 }))).toEqual([0, 2]);
  });

  it('caps at maxDet and skips NaN scores', () => {
    const many = Array.from({ length: 50 }, (_, i): Cand => ({ box: [i * 20, 0, i * 20 + 10, 10], score: i / 100, classId: i % 3 }));
    many.push({ box: [2000, 0, 2010, 10], score: NaN, classId: 0 });
    const kept = nms(buffer(many), { maxDet: 5 });
    expect(Array.from(kept)).toEqual([49, 48, 47, 46, 45]);
    expect(nms(buffer(many), { maxDet: 1000 }).length).toBe(50);
    expect(nms(buffer([]), {}).length).toBe(0);
  });

  it('suppress: false only orders and caps; minScore and classMask filter', () => {
    const kept = nms(buffer([c, b, a, d]), { suppress: false, maxDet: 3 });
    expect(Array.from(kept)).toEqual([2, 3, 1]);
    expect(Array.from(nms(buffer([c, b, a, d]), { minScore: 0.81 }))).toEqual([2, 3]);
    expect(Array.from(nms(buffer([c, b, a, d]), { classMask: new Uint8Array([0, 1]) }))).toEqual([3]);
  });

  it('handles negative and huge class ids (no per-class table) like small ones', () => {
    const odd = [a, b, c, d].map((x, i) => ({ ...x, classId: x.classId === 0 ? -3 : 1e7 + i }));
    expect(Array.from(nms(buffer(odd), { iou: 0.7 }))).toEqual([0, 3, 1]);
  });

  it('rejects bad options', () => {
    expect(() => nms(buffer([a]), { iou: 1.5 })).toThrow(OptionError);
    expect(() => nms(buffer([a]), { iou: NaN })).toThrow(OptionError);
    expect(() => nms(buffer([a]), { maxDet: -1 })).toThrow(OptionError);
    expect(() => nms(buffer([a]), { maxDet: 2.5 })).toThrow(OptionError);
  });

  it('equals the O(n²) torchvision transcription on random boxes', () => {
    const coord = fc.integer({ min: 0, max: 640 * 4 }).map((v) => v / 4);
    const cand = fc.record({
      x: coord,
      y: coord,
      w: fc.integer({ min: 0, max: 400 }).map((v) => v / 4),
      h: fc.integer({ min: 0, max: 400 }).map((v) => v / 4),
      // Few distinct scores so ties are common.
      score: fc.integer({ min: 0, max: 20 }).map((v) => v / 20),
      classId: fc.integer({ min: 0, max: 3 }),
    });
    const runner = new NonMaxSuppression();
    fc.assert(
      fc.property(
        fc.array(cand, { maxLength: 120 }),
        fc.constantFrom(0.3, 0.45, 0.5, 0.7),
        fc.integer({ min: 1, max: 150 }),
        fc.boolean(),
        (cands, iou, maxDet, agnostic) => {
          const buf = buffer(cands.map((x) => ({ box: [x.x, x.y, x.x + x.w, x.y + x.h], score: x.score, classId: x.classId })));
          const ours = Array.from(runner.run(buf, { iou, maxDet, agnostic }));
          expect(ours).toEqual(referenceNms(buf, iou, maxDet, agnostic));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('nms maxCandidates', () => {
  it('only the top-scoring candidates take part', () => {
    const c = new CandidateBuffer();
    c.push(0, 0, 10, 10, 0.5, 0);
    c.push(100, 0, 110, 10, 0.9, 0);
    c.push(0, 0, 10, 10, 0.4, 1);
    expect(Array.from(nms(c, { maxCandidates: 2 }))).toEqual([1, 0]);
    expect(Array.from(nms(c, { maxCandidates: 0 }))).toEqual([]);
    expect(() => nms(c, { maxCandidates: -1 })).toThrow(OptionError);
  });
});

describe('ScoreSorter', () => {
  it('equals a stable descending sort (ties by index), drops NaN, -0 ties +0, small and radix paths', async () => {
    const { ScoreSorter } = await import('../src/nms/scoreSorter.js');
    const sorter = new ScoreSorter();
    const score = fc.oneof(
      fc.constantFrom(NaN, 0, -0, 1, -1, Infinity, -Infinity, 0.5),
      fc.float({ noNaN: true }),
      fc.integer({ min: 0, max: 30 }).map((v) => v / 30),
    );
    fc.assert(
      fc.property(fc.array(score, { maxLength: 400 }), fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: undefined }), (vals, minScore) => {
        const scores = Float32Array.from(vals);
        const m = sorter.sort(scores, scores.length, { minScore });
        const want = Array.from(scores, (s, i) => ({ s, i }))
          .filter(({ s }) => s > (minScore ?? -Infinity))
          .sort((a, b) => (b.s > a.s ? 1 : b.s < a.s ? -1 : a.i - b.i))
          .map(({ i }) => i);
        expect(Array.from(sorter.order.subarray(0, m))).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
