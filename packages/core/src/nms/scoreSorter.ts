/**
 * Index sort of candidate scores, descending, ties by ascending index — the order of torchvision's
 * `scores.sort(stable=True, descending=True)`. Each score's float32 bits (made order-preserving) and its
 * index are packed into one exact float64 key, so the sort is the engine's native numeric TypedArray sort
 * instead of a comparator called n·log n times.
 */

/** Index bits in a packed key: 32 score bits + 21 index bits = 53, the float64 integer range. */
const INDEX_BITS = 21;
const INDEX_SPAN = 2 ** INDEX_BITS;
export const MAX_PACKED_SORT = INDEX_SPAN;

export interface ScoreFilter {
  /** Keep only scores strictly above this. */
  minScore?: number;
  /** With `classMask`: keep only candidates whose class has mask[class] === 1. */
  classIds?: Int32Array;
  classMask?: Uint8Array | null;
}

export class ScoreSorter {
  /** Candidate indices in score order; valid up to the count `sort` returned. */
  order = new Uint32Array(256);
  private keys = new Float64Array(256);

  /**
   * Sort `scores[0..count)` (NaN scores and filtered ones left out). Returns how many indices of `order`
   * are valid.
   */
  sort(scores: Float32Array, count: number, filter: ScoreFilter = {}): number {
    if (this.order.length < count) {
      let cap = this.order.length;
      while (cap < count) cap *= 2;
      this.order = new Uint32Array(cap);
      this.keys = new Float64Array(cap);
    }
    const minScore = filter.minScore ?? -Infinity;
    const mask = filter.classMask ?? null;
    const classIds = filter.classIds;
    if (count > INDEX_SPAN) return this.sortLarge(scores, count, minScore, mask, classIds);
    const bits = new Uint32Array(scores.buffer, scores.byteOffset, count);
    const keys = this.keys;
    let m = 0;
    for (let i = 0; i < count; i++) {
      const s = scores[i];
      if (!(s > minScore)) continue; // also drops NaN
      if (mask !== null && classIds !== undefined) {
        const c = classIds[i];
        if (c < 0 || c >= mask.length || mask[c] === 0) continue;
      }
      let b = bits[i];
      // Order-preserving map of float bits to unsigned ints; -0 and +0 must tie, as they compare equal.
      b = s === 0 ? 0x80000000 : b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
      keys[m++] = (0xffffffff - b) * INDEX_SPAN + i;
    }
    const sorted = this.keys.subarray(0, m).sort();
    const order = this.order;
    for (let r = 0; r < m; r++) order[r] = sorted[r] % INDEX_SPAN;
    return m;
  }

  private sortLarge(
    scores: Float32Array,
    count: number,
    minScore: number,
    mask: Uint8Array | null,
    classIds: Int32Array | undefined,
  ): number {
    const order = this.order;
    let m = 0;
    for (let i = 0; i < count; i++) {
      if (!(scores[i] > minScore)) continue;
      if (mask !== null && classIds !== undefined) {
        const c = classIds[i];
        if (c < 0 || c >= mask.length || mask[c] === 0) continue;
      }
      order[m++] = i;
    }
    order.subarray(0, m).sort((a, b) => scores[b] - scores[a] || a - b);
    return m;
  }
}
