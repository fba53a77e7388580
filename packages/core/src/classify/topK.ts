/**
 * Classifier output → top-k classes. Selection keeps a small sorted list (insertion only when a value beats
 * the current k-th), so 1000 classes cost ~1000 compares instead of a sort of 1000 objects.
 */
import type { ClassScore, FloatData, TensorView } from '../types.js';
import { checkTensorView } from '../decode/tensorChecks.js';
import { halfToFloatTable } from '../float16.js';
import { LayoutError, OptionError } from '../errors.js';
import { looksLikeProbabilities, softmaxProbability, softmaxStats } from './softmax.js';

export type ClassifierActivation = 'auto' | 'softmax' | 'none';

export interface ClassifyOptions {
  /** How many classes to return. Default 5. */
  topK?: number;
  labels?: readonly string[];
  /** 'auto' (default): softmax unless the values already are probabilities (in [0, 1], sum ≈ 1). */
  activation?: ClassifierActivation;
  /** Default 0. */
  batchIndex?: number;
}

let row = new Float32Array(1024);
let topIdx = new Int32Array(16);
let topVal = new Float64Array(16);

/**
 * Indices of the k largest values of `values[0..count)`, largest first, ties to the lower index; NaN never
 * selected. Returns how many were found (≤ k). Results are in `idxOut`/`valOut`.
 */
export function selectTopK(
  values: ArrayLike<number>,
  count: number,
  k: number,
  idxOut: Int32Array,
  valOut: Float64Array,
): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (!(v === v)) continue;
    if (n === k && !(v > valOut[k - 1])) continue;
    // Shift smaller entries down; equal ones stay ahead (lower index first).
    let j = n < k ? n++ : k - 1;
    while (j > 0 && v > valOut[j - 1]) {
      valOut[j] = valOut[j - 1];
      idxOut[j] = idxOut[j - 1];
      j--;
    }
    valOut[j] = v;
    idxOut[j] = i;
  }
  return n;
}

export function classifyTopK(output: TensorView<FloatData>, opts: ClassifyOptions = {}): ClassScore[] {
  const topK = opts.topK ?? 5;
  const activation = opts.activation ?? 'auto';
  const batchIndex = opts.batchIndex ?? 0;
  if (!Number.isInteger(topK) || topK < 1) {
    throw new OptionError('E_INVALID_OPTION', `topK must be a positive integer, got ${String(topK)}`, { details: { topK } });
  }
  if (activation !== 'auto' && activation !== 'softmax' && activation !== 'none') {
    throw new OptionError('E_INVALID_OPTION', `activation must be 'auto', 'softmax' or 'none', got ${String(activation)}`);
  }
  checkTensorView(output, 'classifier output');
  const dims = output.dims;
  if (dims.length === 0) throw new LayoutError('E_SHAPE_MISMATCH', 'classifier output must have a class dimension');
  // [C] is one batch; [B, C] and [B, C, 1, 1] (conv heads) hold B rows of C classes.
  const batches = dims.length === 1 ? 1 : dims[0];
  const classes = batches === 0 ? 0 : output.data.length / batches;
  if (classes < 1) throw new LayoutError('E_SHAPE_MISMATCH', `classifier output [${dims.join(', ')}] has no classes`);
  if (!Number.isInteger(batchIndex) || batchIndex < 0 || batchIndex >= batches) {
    throw new LayoutError('E_SHAPE_MISMATCH', `batch index ${batchIndex} out of range [0, ${batches})`, {
      details: { batchIndex, batches },
    });
  }
  if (row.length < classes) row = new Float32Array(classes);
  const values = row;
  const data = output.data;
  const base = batchIndex * classes;
  if (data instanceof Uint16Array) {
    const t = halfToFloatTable();
    for (let i = 0; i < classes; i++) values[i] = t[data[base + i]];
  } else {
    for (let i = 0; i < classes; i++) values[i] = data[base + i];
  }

  const k = Math.min(topK, classes);
  if (topIdx.length < k) {
    topIdx = new Int32Array(k);
    topVal = new Float64Array(k);
  }
  // Softmax is monotonic, so the top-k of the logits are the top-k of the probabilities.
  const found = selectTopK(values, classes, k, topIdx, topVal);
  const applySoftmax = activation === 'softmax' || (activation === 'auto' && !looksLikeProbabilities(values, classes));
  const stats = applySoftmax ? softmaxStats(values, classes) : null;
  const labels = opts.labels;
  const result: ClassScore[] = new Array<ClassScore>(found);
  for (let r = 0; r < found; r++) {
    const classId = topIdx[r];
    const v = topVal[r];
    result[r] = { classId, label: labels?.[classId] ?? `class_${classId}`, score: stats ? softmaxProbability(v, stats) : v };
  }
  return result;
}
