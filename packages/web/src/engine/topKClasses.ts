/**
 * Interim classifier top-k (softmax when the outputs are logits) until core's `classifyTopK` lands.
 * Works in a reused Float32Array; k is small, so a partial selection beats a full sort.
 */
import type { ClassScore, OutputLayout, TensorView } from '@sightline/core';
import { LayoutError } from '@sightline/core';

export function topKClasses(view: TensorView<Float32Array | Uint16Array>, layout: OutputLayout, k: number, labels: readonly string[], probs: Float32Array): ClassScore[] {
  if (layout.kind !== 'classification') throw new LayoutError('E_UNKNOWN_LAYOUT', `not a classification layout: ${layout.kind}`);
  if (!(view.data instanceof Float32Array)) throw new LayoutError('E_UNSUPPORTED_DTYPE', 'classifier outputs must be float32');
  const n = layout.numClasses;
  if (view.data.length < n) throw new LayoutError('E_SHAPE_MISMATCH', `output has ${view.data.length} values, layout needs ${n}`);
  const x = view.data;
  let max = -Infinity;
  let sum = 0;
  let isProb = true;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v > max) max = v;
    if (v < 0 || v > 1) isProb = false;
    sum += v;
  }
  const softmax = layout.activation === 'softmax' || (layout.activation === 'auto' && !(isProb && Math.abs(sum - 1) < 1e-3));
  if (softmax) {
    let s = 0;
    for (let i = 0; i < n; i++) s += probs[i] = Math.exp(x[i] - max);
    for (let i = 0; i < n; i++) probs[i] /= s;
  } else probs.set(x.subarray(0, n));
  const kk = Math.max(1, Math.min(k, n));
  const out: ClassScore[] = [];
  for (let j = 0; j < kk; j++) {
    let best = -1;
    for (let i = 0; i < n; i++) if (probs[i] >= 0 && (best < 0 || probs[i] > probs[best])) best = i;
    out.push({ classId: best, label: labels[best] ?? String(best), score: probs[best] });
    probs[best] = -1;
  }
  return out;
}
