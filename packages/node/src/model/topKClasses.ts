/**
 * Top-k of one classifier output row. Stand-in until @sightline/core exports classifyTopK: softmax is applied
 * for 'softmax', and for 'auto' unless the row already looks like probabilities (all in [0,1], sum ≈ 1).
 */
import { toFloat32, type ClassScore, type FloatData, type OutputLayout } from '@sightline/core';

export function topKClasses(row: FloatData, layout: OutputLayout, labels: readonly string[], k: number): ClassScore[] {
  const v = toFloat32(row);
  const n = v.length;
  const activation = layout.kind === 'classification' ? layout.activation : 'none';
  let probs: Float32Array = v;
  let sum = 0;
  let inRange = true;
  for (let i = 0; i < n; i++) {
    sum += v[i];
    if (!(v[i] >= 0 && v[i] <= 1)) inRange = false;
  }
  if (activation === 'softmax' || (activation === 'auto' && !(inRange && Math.abs(sum - 1) < 1e-3))) {
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (v[i] > max) max = v[i];
    probs = new Float32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += probs[i] = Math.exp(v[i] - max);
    for (let i = 0; i < n; i++) probs[i] /= total;
  }
  // Partial selection: k is small, so k passes beat sorting 1000 scores.
  const taken = new Uint8Array(n);
  const out: ClassScore[] = [];
  for (let j = 0; j < Math.min(k, n); j++) {
    let best = -1;
    for (let i = 0; i < n; i++) if (!taken[i] && (best < 0 || probs[i] > probs[best])) best = i;
    taken[best] = 1;
    out.push({ classId: best, label: labels[best] ?? String(best), score: probs[best] });
  }
  return out;
}
