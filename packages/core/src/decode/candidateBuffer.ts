/**
 * Detection candidates before NMS, struct-of-arrays so decoders, NMS and the GPU path share one format
 * without per-candidate objects. Reused across frames: it grows geometrically and never shrinks.
 */
import { OptionError } from '../errors.js';
import { ScoreSorter } from '../nms/scoreSorter.js';

export class CandidateBuffer {
  /** x1,y1,x2,y2 per candidate, in model-input pixels. */
  boxes: Float32Array;
  scores: Float32Array;
  classIds: Int32Array;
  count = 0;
  private sorter: ScoreSorter | null = null;
  private marks: Uint8Array | null = null;

  constructor(initialCapacity = 256) {
    const cap = Math.max(1, Math.floor(initialCapacity));
    this.boxes = new Float32Array(cap * 4);
    this.scores = new Float32Array(cap);
    this.classIds = new Int32Array(cap);
  }

  get capacity(): number {
    return this.scores.length;
  }

  clear(): void {
    this.count = 0;
  }

  /** Make room for at least `n` candidates, keeping the current ones. */
  reserve(n: number): void {
    if (n <= this.scores.length) return;
    let cap = this.scores.length;
    while (cap < n) cap *= 2;
    const boxes = new Float32Array(cap * 4);
    boxes.set(this.boxes.subarray(0, this.count * 4));
    const scores = new Float32Array(cap);
    scores.set(this.scores.subarray(0, this.count));
    const classIds = new Int32Array(cap);
    classIds.set(this.classIds.subarray(0, this.count));
    this.boxes = boxes;
    this.scores = scores;
    this.classIds = classIds;
  }

  push(x1: number, y1: number, x2: number, y2: number, score: number, classId: number): void {
    const i = this.count;
    if (i === this.scores.length) this.reserve(i + 1);
    const o = i * 4;
    const b = this.boxes;
    b[o] = x1;
    b[o + 1] = y1;
    b[o + 2] = x2;
    b[o + 3] = y2;
    this.scores[i] = score;
    this.classIds[i] = classId;
    this.count = i + 1;
  }

  /**
   * Keep only the `k` highest-scoring candidates (Ultralytics' max_nms cap), in their original order.
   * Equal scores keep the lower index, as a stable descending sort would.
   */
  keepTop(k: number): void {
    if (!Number.isInteger(k) || k < 0) {
      throw new OptionError('E_INVALID_OPTION', `keepTop needs a non-negative integer, got ${k}`);
    }
    const n = this.count;
    if (n <= k) return;
    this.sorter ??= new ScoreSorter();
    const m = this.sorter.sort(this.scores, n);
    const order = this.sorter.order;
    // Mark the winners, then compact in index order so decode order (anchor order) is preserved.
    if (this.marks === null || this.marks.length < n) this.marks = new Uint8Array(this.scores.length);
    const keep = this.marks;
    keep.fill(0, 0, n);
    const take = Math.min(k, m);
    for (let r = 0; r < take; r++) keep[order[r]] = 1;
    const b = this.boxes;
    const s = this.scores;
    const c = this.classIds;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i] === 0) continue;
      if (w !== i) {
        const o = i * 4;
        const p = w * 4;
        b[p] = b[o];
        b[p + 1] = b[o + 1];
        b[p + 2] = b[o + 2];
        b[p + 3] = b[o + 3];
        s[w] = s[i];
        c[w] = c[i];
      }
      w++;
    }
    this.count = w;
  }
}
