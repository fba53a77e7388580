import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyTopK, selectTopK } from '../src/classify/topK.js';
import { looksLikeProbabilities, softmaxInPlace, softmaxStats } from '../src/classify/softmax.js';
import { float32ToHalfBits } from '../src/float16.js';
import { LayoutError, OptionError } from '../src/errors.js';

function naiveSoftmax(v: number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('softmax', () => {
  it('is stable for huge logits and sums to 1', () => {
    const v = new Float64Array([1000, 1001, 999, -1e30]);
    softmaxInPlace(v);
    const want = naiveSoftmax([0, 1, -1, -Infinity]);
    v.forEach((p, i) => expect(p).toBeCloseTo(want[i], 12));
    expect(v.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('ignores NaN entries', () => {
    const s = softmaxStats([1, NaN, 1]);
    expect(s.max).toBe(1);
    expect(s.sumExp).toBe(2);
  });

  it('detects probability vectors', () => {
    expect(looksLikeProbabilities([0.2, 0.3, 0.5])).toBe(true);
    expect(looksLikeProbabilities([0.2, 0.3, 0.4995])).toBe(true);
    expect(looksLikeProbabilities([0.2, 0.3, 0.45])).toBe(false);
    expect(looksLikeProbabilities([1.5, -0.5])).toBe(false);
    expect(looksLikeProbabilities([0.5, NaN, 0.5])).toBe(false);
  });
});

describe('selectTopK', () => {
  it('equals a full stable sort on random arrays', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }).map((x) => x / 2), { maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        (vals, k) => {
          const idx = new Int32Array(k);
          const val = new Float64Array(k);
          const n = selectTopK(vals, vals.length, k, idx, val);
          const want = vals
            .map((v, i) => ({ v, i }))
            .sort((a, b) => b.v - a.v || a.i - b.i)
            .slice(0, k);
          expect(Array.from(idx.subarray(0, n))).toEqual(want.map((w) => w.i));
          expect(Array.from(val.subarray(0, n))).toEqual(want.map((w) => w.v));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('classifyTopK', () => {
  const logits = new Float32Array([2, -1, 5, 0.5, 5, 3]);

  it('softmaxes logits (auto) and returns the top k with labels, ties to the lower id', () => {
    const probs = naiveSoftmax(Array.from(logits));
    const top = classifyTopK({ data: logits, dims: [1, 6] }, { topK: 3, labels: ['a', 'b', 'c'] });
    expect(top.map((t) => [t.classId, t.label])).toEqual([
      [2, 'c'],
      [4, 'class_4'],
      [5, 'class_5'],
    ]);
    top.forEach((t) => expect(t.score).toBeCloseTo(probs[t.classId], 6));
  });

  it('keeps probabilities as they are under auto, and raw values under none', () => {
    const p = new Float32Array([0.1, 0.6, 0.3]);
    const top = classifyTopK({ data: p, dims: [1, 3] });
    expect(top.map((t) => t.classId)).toEqual([1, 2, 0]);
    expect(top[0].score).toBeCloseTo(0.6, 6);
    expect(classifyTopK({ data: logits, dims: [6] }, { activation: 'none', topK: 1 })[0].score).toBe(5);
    // Forcing softmax on probabilities re-normalises them.
    expect(classifyTopK({ data: p, dims: [1, 3] }, { activation: 'softmax', topK: 1 })[0].score).toBeCloseTo(
      naiveSoftmax([0.1, 0.6, 0.3])[1],
      6,
    );
  });

  it('reads fp16 bits, [B, C, 1, 1] heads and the requested batch row', () => {
    const two = new Float32Array([...logits, 9, 0, 0, 0, 0, 0]);
    const top = classifyTopK({ data: float32ToHalfBits(two), dims: [2, 6, 1, 1] }, { batchIndex: 1, topK: 2 });
    expect(top.map((t) => t.classId)).toEqual([0, 1]);
    expect(top[0].score).toBeCloseTo(Math.exp(9) / (Math.exp(9) + 5), 6);
    expect(() => classifyTopK({ data: two, dims: [2, 6] }, { batchIndex: 2 })).toThrow(LayoutError);
  });

  it('never returns NaN classes and caps k at the class count', () => {
    const top = classifyTopK({ data: new Float32Array([NaN, 1, NaN]), dims: [1, 3] }, { topK: 5 });
    expect(top.map((t) => t.classId)).toEqual([1]);
    expect(top[0].score).toBe(1);
  });

  it('rejects bad shapes and options', () => {
    expect(() => classifyTopK({ data: logits, dims: [1, 5] })).toThrow(LayoutError);
    expect(() => classifyTopK({ data: new Float32Array(0), dims: [1, 0] })).toThrow(LayoutError);
    expect(() => classifyTopK({ data: logits, dims: [1, 6] }, { topK: 0 })).toThrow(OptionError);
    expect(() => classifyTopK({ data: logits, dims: [1, 6] }, { activation: 'sigmoid' as 'none' })).toThrow(OptionError);
  });
});
