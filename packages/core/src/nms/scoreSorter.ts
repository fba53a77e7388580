/**
 * Index sort of candidate scores, descending, ties by ascending index — the order of torchvision's
 * `scores.sort(stable=True, descending=True)`. Each float32 score becomes an order-preserving uint32 key and
 * an LSD radix sort (3 passes of 11 bits, stable) orders the indices: O(n), no comparator calls, no objects.
 */

export interface ScoreFilter {
  /** Keep only scores strictly above this. */
  minScore?: number;
  /** With `classMask`: keep only candidates whose class has mask[class] === 1. */
  classIds?: Int32Array;
  classMask?: Uint8Array | null;
  /** For candidates from outside the decoders: also drop negative class ids and non-finite boxes. */
  validate?: { boxes: Float32Array; classIds: Int32Array } | null;
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const RADIX_MASK = RADIX - 1;
/** Below this many entries an insertion sort beats clearing the histograms. */
const SMALL = 48;

export class ScoreSorter {
  /** Candidate indices in score order; valid up to the count `sort` returned. */
  order = new Uint32Array(256);
  private spareOrder = new Uint32Array(256);
  private keys = new Uint32Array(256);
  private spareKeys = new Uint32Array(256);
  private readonly counts = new Uint32Array(3 * RADIX);

  /**
   * Sort `scores[0..count)` (NaN scores and filtered ones left out). Returns how many indices of `order`
   * are valid.
   */
  sort(scores: Float32Array, count: number, filter: ScoreFilter = {}): number {
    if (this.keys.length < count) {
      let cap = this.keys.length;
      while (cap < count) cap *= 2;
      this.order = new Uint32Array(cap);
      this.spareOrder = new Uint32Array(cap);
      this.keys = new Uint32Array(cap);
      this.spareKeys = new Uint32Array(cap);
    }
    const minScore = filter.minScore ?? -Infinity;
    const mask = filter.classMask ?? null;
    const classIds = filter.classIds;
    const validate = filter.validate ?? null;
    const bits = new Uint32Array(scores.buffer, scores.byteOffset, count);
    let keys = this.keys;
    let order = this.order;
    let m = 0;
    for (let i = 0; i < count; i++) {
      const s = scores[i];
      if (!(s > minScore)) continue; // also drops NaN
      if (mask !== null && classIds !== undefined) {
        const c = classIds[i];
        if (c < 0 || c >= mask.length || mask[c] === 0) continue;
      }
      if (validate !== null && !isValidCandidate(validate.boxes, validate.classIds, i)) continue;
      const b = bits[i];
      // Order-preserving float → uint map, then inverted so ascending keys mean descending scores.
      // -0 and +0 compare equal as scores, so they must get the same key.
      const u = s === 0 ? 0x80000000 : b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
      keys[m] = 0xffffffff - u;
      order[m] = i;
      m++;
    }
    if (m <= SMALL) {
      insertionSort(keys, order, m);
      return m;
    }
    const counts = this.counts;
    counts.fill(0);
    for (let i = 0; i < m; i++) {
      const k = keys[i];
      counts[k & RADIX_MASK]++;
      counts[RADIX + ((k >>> RADIX_BITS) & RADIX_MASK)]++;
      counts[2 * RADIX + (k >>> (2 * RADIX_BITS))]++;
    }
    let outKeys = this.spareKeys;
    let outOrder = this.spareOrder;
    for (let pass = 0; pass < 3; pass++) {
      const base = pass * RADIX;
      const shift = pass * RADIX_BITS;
      // A digit shared by every key leaves the order unchanged: skip the pass.
      if (counts[base + ((keys[0] >>> shift) & RADIX_MASK)] === m) continue;
      let sum = 0;
      for (let d = 0; d < RADIX; d++) {
        const c = counts[base + d];
        counts[base + d] = sum;
        sum += c;
      }
      for (let i = 0; i < m; i++) {
        const k = keys[i];
        const pos = counts[base + ((k >>> shift) & RADIX_MASK)]++;
        outKeys[pos] = k;
        outOrder[pos] = order[i];
      }
      const tk = keys;
      keys = outKeys;
      outKeys = tk;
      const to = order;
      order = outOrder;
      outOrder = to;
    }
    // Keep whichever buffers hold the result as the public ones.
    this.keys = keys;
    this.order = order;
    this.spareKeys = outKeys;
    this.spareOrder = outOrder;
    return m;
  }
}

function isValidCandidate(boxes: Float32Array, classIds: Int32Array, i: number): boolean {
  const o = i * 4;
  const x1 = boxes[o];
  const y1 = boxes[o + 1];
  const x2 = boxes[o + 2];
  const y2 = boxes[o + 3];
  // x - x is 0 for finite x and NaN for ±Infinity/NaN.
  return classIds[i] >= 0 && x1 - x1 + (y1 - y1) + (x2 - x2) + (y2 - y2) === 0;
}

function insertionSort(keys: Uint32Array, order: Uint32Array, m: number): void {
  for (let i = 1; i < m; i++) {
    const k = keys[i];
    const o = order[i];
    let j = i - 1;
    // Strict compare keeps equal keys in index order (stable).
    while (j >= 0 && keys[j] > k) {
      keys[j + 1] = keys[j];
      order[j + 1] = order[j];
      j--;
    }
    keys[j + 1] = k;
    order[j + 1] = o;
  }
}
