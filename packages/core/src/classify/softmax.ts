/**
 * Numerically stable softmax pieces. Top-k only needs the normaliser (max and Σexp), so classification never
 * materialises a probability vector; `softmaxInPlace` is there for callers that want all of them.
 */

export interface SoftmaxStats {
  max: number;
  sumExp: number;
}

/** max and Σ exp(v − max) over values[0..count); NaN entries are ignored (they carry no probability). */
export function softmaxStats(values: ArrayLike<number>, count = values.length): SoftmaxStats {
  let max = -Infinity;
  for (let i = 0; i < count; i++) if (values[i] > max) max = values[i];
  if (max === -Infinity || max === Infinity) return { max, sumExp: max === Infinity ? 1 : 0 };
  let sumExp = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v === v) sumExp += Math.exp(v - max);
  }
  return { max, sumExp };
}

/** Probability of one logit given the stats of its vector (0 for NaN). */
export function softmaxProbability(value: number, stats: SoftmaxStats): number {
  if (!(value === value) || stats.sumExp === 0) return 0;
  if (stats.max === Infinity) return value === Infinity ? 1 : 0;
  return Math.exp(value - stats.max) / stats.sumExp;
}

/** Replace logits by probabilities. */
export function softmaxInPlace(values: Float32Array | Float64Array, count = values.length): void {
  const stats = softmaxStats(values, count);
  for (let i = 0; i < count; i++) values[i] = softmaxProbability(values[i], stats);
}

/** True when the values already look like probabilities: all in [0, 1] and summing to 1 within `tol`. */
export function looksLikeProbabilities(values: ArrayLike<number>, count = values.length, tol = 1e-3): boolean {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) <= tol;
}
