/**
 * Greedy non-maximum suppression with the exact semantics of Ultralytics' `non_max_suppression` →
 * `torchvision.ops.nms`: stable score-descending order, float32 arithmetic, IoU = inter / (a1 + a2 − inter),
 * suppress when IoU > threshold, class-aware through boxes offset by class × 7680 (also in float32, because
 * that offset is what rounds the coordinates Ultralytics compares).
 *
 * Greedy NMS keeps a candidate iff no already-kept box of its class overlaps it by more than the threshold,
 * so each candidate is tested only against the kept boxes of its own class (≤ maxDet, per-class lists), and
 * the scan stops once maxDet boxes are kept — later ones could never change the first maxDet.
 */
import { OptionError } from '../errors.js';
import type { CandidateBuffer } from '../decode/candidateBuffer.js';
import { ScoreSorter } from './scoreSorter.js';

/** Ultralytics' max_wh: class offset that separates classes in one coordinate space. */
export const CLASS_OFFSET = 7680;

/** Largest class id given its own bucket; beyond that classes share one list and are compared by id. */
const MAX_BUCKETED_CLASS = 1 << 16;
/** Class ids offset like Ultralytics (c × 7680 stays exact in float32 below this). */
const MAX_OFFSET_CLASS = 2048;

export interface NmsOptions {
  /** IoU above which the lower-scoring box is suppressed. Default 0.7 (Ultralytics predict). */
  iou?: number;
  /** At most this many boxes are kept. Default 300. */
  maxDet?: number;
  /** Suppress across classes. Default false. */
  agnostic?: boolean;
  /** Only candidates scoring strictly above this take part. Default: all except NaN. */
  minScore?: number;
  /** Only candidates with classMask[classId] === 1 take part. */
  classMask?: Uint8Array | null;
  /** Only the this many top-scoring candidates take part (Ultralytics' max_nms). Default: all. */
  maxCandidates?: number;
  /** Drop candidates with a negative class id or a non-finite box (for candidates not made by the decoders). */
  validate?: boolean;
  /** false: skip suppression, only order and cap (end-to-end models already ran NMS). Default true. */
  suppress?: boolean;
}

export class NonMaxSuppression {
  private readonly sorter = new ScoreSorter();
  private keep = new Uint32Array(64);
  private readonly ws = new KeptBoxes(64);

  /**
   * Indices into `candidates` of the kept boxes, highest score first. The returned array is a view into a
   * buffer this instance reuses: read it before the next call.
   */
  run(candidates: CandidateBuffer, opts: NmsOptions = {}): Uint32Array {
    const iouThr = opts.iou ?? 0.7;
    const maxDet = opts.maxDet ?? 300;
    const agnostic = opts.agnostic ?? false;
    const suppress = opts.suppress ?? true;
    if (!(iouThr >= 0 && iouThr <= 1)) {
      throw new OptionError('E_INVALID_OPTION', `iou must be in [0, 1], got ${iouThr}`, { details: { iou: iouThr } });
    }
    if (!Number.isInteger(maxDet) || maxDet < 0) {
      throw new OptionError('E_INVALID_OPTION', `maxDet must be a non-negative integer, got ${maxDet}`, {
        details: { maxDet },
      });
    }
    const maxCandidates = opts.maxCandidates ?? Infinity;
    if (!(maxCandidates >= 0) || (maxCandidates !== Infinity && !Number.isInteger(maxCandidates))) {
      throw new OptionError('E_INVALID_OPTION', `maxCandidates must be a non-negative integer, got ${maxCandidates}`, {
        details: { maxCandidates },
      });
    }
    const n = candidates.count;
    const sorted = this.sorter.sort(candidates.scores, n, {
      minScore: opts.minScore,
      classIds: candidates.classIds,
      classMask: opts.classMask ?? null,
      validate: opts.validate ? { boxes: candidates.boxes, classIds: candidates.classIds } : null,
    });
    // Capping the score order is the same as keeping the top candidates before NMS.
    const m = Math.min(sorted, maxCandidates);
    const order = this.sorter.order;
    const limit = Math.min(maxDet, m);
    if (this.keep.length < limit) this.growKept(limit);
    const keep = this.keep;
    if (!suppress) {
      for (let r = 0; r < limit; r++) keep[r] = order[r];
      return keep.subarray(0, limit);
    }

    const classIds = candidates.classIds;
    // Per-class lists of kept boxes when class ids are small non-negative ints (always, from the decoders).
    let maxClass = 0;
    let bucketed = true;
    if (!agnostic) {
      for (let r = 0; r < m; r++) {
        const c = classIds[order[r]];
        if (c > maxClass) maxClass = c;
        else if (c < 0) bucketed = false;
      }
      if (maxClass >= MAX_BUCKETED_CLASS) bucketed = false;
    }
    const nBuckets = agnostic || !bucketed ? 1 : maxClass + 1;
    this.ws.reset(nBuckets);

    const kept = greedySuppress(order, m, limit, candidates.boxes, classIds, agnostic, nBuckets, iouThr, this.ws, keep);
    return keep.subarray(0, kept);
  }

  private growKept(n: number): void {
    let cap = this.keep.length;
    while (cap < n) cap *= 2;
    this.keep = new Uint32Array(cap);
    this.ws.grow(cap);
  }
}

/**
 * Kept boxes (offset coordinates, float32) interleaved as x1,y1,x2,y2,area so one candidate test touches one
 * cache line, with per-class linked lists, oldest first.
 */
class KeptBoxes {
  box: Float32Array;
  cls: Int32Array;
  next: Int32Array;
  heads = new Int32Array(128);
  tails = new Int32Array(128);

  constructor(cap: number) {
    this.box = new Float32Array(cap * 5);
    this.cls = new Int32Array(cap);
    this.next = new Int32Array(cap);
  }

  grow(cap: number): void {
    if (this.cls.length >= cap) return;
    this.box = new Float32Array(cap * 5);
    this.cls = new Int32Array(cap);
    this.next = new Int32Array(cap);
  }

  reset(nBuckets: number): void {
    if (this.heads.length < nBuckets) {
      this.heads = new Int32Array(Math.max(nBuckets, this.heads.length * 2));
      this.tails = new Int32Array(this.heads.length);
    }
    this.heads.fill(-1, 0, nBuckets);
  }
}

/** The greedy scan, kept in its own small function so the engine optimises it as one tight loop. */
function greedySuppress(
  order: Uint32Array,
  m: number,
  limit: number,
  b: Float32Array,
  classIds: Int32Array,
  agnostic: boolean,
  nBuckets: number,
  iouThr: number,
  ws: KeptBoxes,
  keep: Uint32Array,
): number {
  const kb = ws.box;
  const kcls = ws.cls;
  const knext = ws.next;
  const heads = ws.heads;
  const tails = ws.tails;
  // One shared list for several classes (odd class ids) needs an explicit class check.
  const checkClass = !agnostic && nBuckets === 1;
  let kept = 0;
  for (let r = 0; r < m && kept < limit; r++) {
    const i = order[r];
    const c = agnostic ? 0 : classIds[i];
    // Past any real class count the offset would only destroy float32 precision; classes never mix anyway.
    const off = c < 0 || c >= MAX_OFFSET_CLASS ? 0 : c * CLASS_OFFSET;
    const o = i * 4;
    const x1 = Math.fround(b[o] + off);
    const y1 = Math.fround(b[o + 1] + off);
    const x2 = Math.fround(b[o + 2] + off);
    const y2 = Math.fround(b[o + 3] + off);
    const area = Math.fround(Math.fround(x2 - x1) * Math.fround(y2 - y1));
    const bucket = nBuckets === 1 ? 0 : c;
    let suppressed = false;
    for (let k = heads[bucket]; k >= 0; k = knext[k]) {
      if (checkClass && kcls[k] !== c) continue;
      const p = k * 5;
      const ax1 = kb[p];
      const ax2 = kb[p + 2];
      // Disjoint boxes have IoU 0, never above the threshold: reject on x, then y, before any arithmetic.
      if (ax1 >= x2 || ax2 <= x1) continue;
      const ay1 = kb[p + 1];
      const ay2 = kb[p + 3];
      if (ay1 >= y2 || ay2 <= y1) continue;
      const w = Math.fround((ax2 < x2 ? ax2 : x2) - (ax1 > x1 ? ax1 : x1));
      const h = Math.fround((ay2 < y2 ? ay2 : y2) - (ay1 > y1 ? ay1 : y1));
      const inter = Math.fround(w * h);
      const ovr = Math.fround(inter / Math.fround(Math.fround(kb[p + 4] + area) - inter));
      if (ovr > iouThr) {
        suppressed = true;
        break;
      }
    }
    if (suppressed) continue;
    const p = kept * 5;
    kb[p] = x1;
    kb[p + 1] = y1;
    kb[p + 2] = x2;
    kb[p + 3] = y2;
    kb[p + 4] = area;
    kcls[kept] = c;
    // Append: the oldest (highest-scoring) boxes are tested first, and they suppress most later ones.
    knext[kept] = -1;
    if (heads[bucket] < 0) heads[bucket] = kept;
    else knext[tails[bucket]] = kept;
    tails[bucket] = kept;
    keep[kept] = i;
    kept++;
  }
  return kept;
}

let shared: NonMaxSuppression | null = null;

/** One-off NMS: indices of the kept candidates, highest score first (a fresh array the caller owns). */
export function nms(candidates: CandidateBuffer, opts: NmsOptions = {}): Uint32Array {
  shared ??= new NonMaxSuppression();
  return shared.run(candidates, opts).slice();
}
