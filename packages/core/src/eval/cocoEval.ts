/**
 * COCO bbox evaluation (AP/AR over IoU .50:.05:.95, 101 recall points, area ranges, maxDets 1/10/100),
 * written from the COCO evaluation definition with the exact semantics of the reference implementation
 * (pycocotools' COCOeval): per image and category, detections sorted by score (stable) and cut to the
 * largest maxDet, greedily matched to the best still-free GT at each IoU threshold, non-ignored GT first;
 * crowd GT may absorb any number of detections without penalty; GT outside the area range and detections
 * matched to ignored GT are ignored; unmatched detections outside the area range are ignored. Per category
 * the detections of all images are pooled and stably re-sorted by score; precision is made monotone and
 * sampled at 101 recall points; mAP is the mean over categories that have non-ignored GT.
 */
import { OptionError } from '../errors.js';
import { cocoBoxIou } from './cocoBoxIou.js';
import type { CocoDetection, CocoGroundTruth } from './cocoTypes.js';

export interface CocoEvalOptions {
  /** Detections per image considered (ascending). The last one is used for matching and for AP. Default [1, 10, 100]. */
  maxDets?: readonly number[];
}

export interface CocoClassResult {
  categoryId: number;
  name: string;
  /** Non-crowd ground-truth boxes of this category. */
  numGt: number;
  /** AP@[.50:.95] (area all, last maxDet); null when the category has no non-crowd GT. */
  ap: number | null;
  /** AP@.50; null when the category has no non-crowd GT. */
  ap50: number | null;
}

export interface CocoEvalResult {
  /**
   * The 12 summary numbers in pycocotools' order: AP, AP50, AP75, AP small/medium/large,
   * AR@maxDets[0], AR@maxDets[1], AR@maxDets[2], AR small/medium/large. -1 where undefined.
   */
  stats: number[];
  mAP: number;
  mAP50: number;
  mAP75: number;
  perClass: CocoClassResult[];
  numImages: number;
  numDetections: number;
}

/** numpy.linspace's arithmetic (i·step + start, last = stop) so thresholds are bit-identical to pycocotools'. */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

export const COCO_IOU_THRESHOLDS: Float64Array = linspace(0.5, 0.95, 10);
export const COCO_RECALL_THRESHOLDS: Float64Array = linspace(0, 1, 101);
/** [min, max] object area (inclusive) for all / small / medium / large. */
export const COCO_AREA_RANGES: readonly (readonly [number, number])[] = [
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];
const EPS = Number.EPSILON; // numpy.spacing(1)

interface Gt {
  x: number;
  y: number;
  w: number;
  h: number;
  area: number;
  crowd: boolean;
  id: number;
}
interface Dt {
  x: number;
  y: number;
  w: number;
  h: number;
  area: number;
  score: number;
}
/** evaluateImg's result for one (image, category, area range). */
interface ImgEval {
  /** Scores of the kept detections, highest first. */
  scores: Float64Array;
  /** [t * D + d]: 1 when detection d is a match at threshold t. */
  matched: Uint8Array;
  /** [t * D + d]: 1 when detection d is ignored at threshold t. */
  ignored: Uint8Array;
  /** GT boxes that count (not crowd, inside the area range). */
  numGt: number;
}

function finiteBox(b: unknown): b is [number, number, number, number] {
  return Array.isArray(b) && b.length === 4 && b.every((v) => typeof v === 'number' && Number.isFinite(v));
}

export function evaluateCoco(
  gt: CocoGroundTruth,
  detections: readonly CocoDetection[],
  options: CocoEvalOptions = {},
): CocoEvalResult {
  const maxDets = options.maxDets ?? [1, 10, 100];
  if (maxDets.length === 0 || maxDets.some((m, i) => !Number.isInteger(m) || m < 1 || (i > 0 && m < maxDets[i - 1]))) {
    throw new OptionError('E_INVALID_OPTION', `maxDets must be ascending positive integers, got [${maxDets.join(', ')}]`);
  }
  if (!gt || !Array.isArray(gt.images) || !Array.isArray(gt.annotations) || !Array.isArray(gt.categories)) {
    throw new OptionError('E_EVAL_INPUT', 'ground truth must have images, annotations and categories arrays');
  }
  const maxDet = maxDets[maxDets.length - 1];
  const T = COCO_IOU_THRESHOLDS.length;
  const R = COCO_RECALL_THRESHOLDS.length;
  const A = COCO_AREA_RANGES.length;
  const M = maxDets.length;

  const imgIds = [...new Set(gt.images.map((i) => i.id))].sort((a, b) => a - b);
  const categories = [...gt.categories].sort((a, b) => a.id - b.id);
  const catIds = categories.map((c) => c.id);
  const I = imgIds.length;
  const K = catIds.length;
  const imgIndex = new Map(imgIds.map((id, i) => [id, i]));
  const catIndex = new Map(catIds.map((id, k) => [id, k]));

  // Group by (category, image); annotations of unknown categories/images are outside the evaluation.
  const gts = new Map<number, Gt[]>();
  const numGtPerCat = new Int32Array(K);
  for (const a of gt.annotations) {
    if (!finiteBox(a.bbox)) throw new OptionError('E_EVAL_INPUT', `annotation ${a.id} has no valid bbox [x, y, w, h]`);
    const i = imgIndex.get(a.image_id);
    const k = catIndex.get(a.category_id);
    if (i === undefined || k === undefined) continue;
    const [x, y, w, h] = a.bbox;
    const crowd = a.iscrowd === 1 || a.iscrowd === true;
    if (!crowd) numGtPerCat[k]++;
    const key = k * I + i;
    let list = gts.get(key);
    if (!list) gts.set(key, (list = []));
    list.push({ x, y, w, h, area: typeof a.area === 'number' ? a.area : w * h, crowd, id: a.id });
  }
  const dts = new Map<number, Dt[]>();
  for (const d of detections) {
    if (!finiteBox(d.bbox) || typeof d.score !== 'number' || !Number.isFinite(d.score)) {
      throw new OptionError('E_EVAL_INPUT', `detection for image ${d.image_id} needs a finite bbox [x, y, w, h] and score`);
    }
    const i = imgIndex.get(d.image_id);
    // pycocotools refuses results for images that are not in the ground truth; so do we.
    if (i === undefined) throw new OptionError('E_EVAL_INPUT', `detection refers to image_id ${d.image_id}, which is not in the ground truth`);
    const k = catIndex.get(d.category_id);
    if (k === undefined) continue;
    const [x, y, w, h] = d.bbox;
    const key = k * I + i;
    let list = dts.get(key);
    if (!list) dts.set(key, (list = []));
    list.push({ x, y, w, h, area: w * h, score: d.score });
  }

  // evaluateImg for every (category, area, image) that has GT or detections.
  const evals: (ImgEval | null)[] = new Array(K * A * I).fill(null);
  const keys = new Set<number>([...gts.keys(), ...dts.keys()]);
  for (const key of keys) {
    const k = Math.floor(key / I);
    const i = key - k * I;
    const g = gts.get(key) ?? [];
    // Array.prototype.sort is stable, as numpy's mergesort is.
    const d = (dts.get(key) ?? []).slice().sort((p, q) => q.score - p.score).slice(0, maxDet);
    const G = g.length;
    const D = d.length;
    const ious = new Float64Array(D * G);
    for (let di = 0; di < D; di++) {
      const dd = d[di];
      for (let gi = 0; gi < G; gi++) {
        const gg = g[gi];
        ious[di * G + gi] = cocoBoxIou(dd.x, dd.y, dd.w, dd.h, gg.x, gg.y, gg.w, gg.h, gg.crowd);
      }
    }
    for (let a = 0; a < A; a++) evals[(k * A + a) * I + i] = evaluateImg(g, d, ious, COCO_AREA_RANGES[a]);
  }

  // accumulate
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const pIdx = (t: number, r: number, k: number, a: number, m: number): number => (((t * R + r) * K + k) * A + a) * M + m;
  const rIdx = (t: number, k: number, a: number, m: number): number => ((t * K + k) * A + a) * M + m;
  let rc = new Float64Array(0);
  let pr = new Float64Array(0);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const E: ImgEval[] = [];
      for (let i = 0; i < I; i++) {
        const e = evals[(k * A + a) * I + i];
        if (e) E.push(e);
      }
      if (E.length === 0) continue;
      let npig = 0;
      for (const e of E) npig += e.numGt;
      if (npig === 0) continue;
      for (let m = 0; m < M; m++) {
        const md = maxDets[m];
        // Pool (image, detection) pairs in image order, then stable sort by score.
        const owner: number[] = [];
        const index: number[] = [];
        const score: number[] = [];
        for (let ei = 0; ei < E.length; ei++) {
          const n = Math.min(md, E[ei].scores.length);
          for (let d = 0; d < n; d++) {
            owner.push(ei);
            index.push(d);
            score.push(E[ei].scores[d]);
          }
        }
        const N = score.length;
        const order = Array.from({ length: N }, (_, j) => j).sort((p, q) => score[q] - score[p]);
        if (rc.length < N) {
          rc = new Float64Array(N);
          pr = new Float64Array(N);
        }
        for (let t = 0; t < T; t++) {
          let tp = 0;
          let fp = 0;
          for (let j = 0; j < N; j++) {
            const e = E[owner[order[j]]];
            const D = e.scores.length;
            const at = t * D + index[order[j]];
            if (!e.ignored[at]) {
              if (e.matched[at]) tp++;
              else fp++;
            }
            rc[j] = tp / npig;
            pr[j] = tp / (fp + tp + EPS);
          }
          recall[rIdx(t, k, a, m)] = N > 0 ? rc[N - 1] : 0;
          for (let j = N - 1; j > 0; j--) if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];
          for (let r = 0; r < R; r++) {
            const pi = searchLeft(rc, N, COCO_RECALL_THRESHOLDS[r]);
            precision[pIdx(t, r, k, a, m)] = pi < N ? pr[pi] : 0;
          }
        }
      }
    }
  }

  // summarize
  const mLast = M - 1;
  const meanAp = (tSel: number | null, a: number, m: number, kSel: number | null = null): number => {
    let sum = 0;
    let n = 0;
    for (let t = 0; t < T; t++) {
      if (tSel !== null && t !== tSel) continue;
      for (let r = 0; r < R; r++) {
        for (let k = 0; k < K; k++) {
          if (kSel !== null && k !== kSel) continue;
          const v = precision[pIdx(t, r, k, a, m)];
          if (v > -1) {
            sum += v;
            n++;
          }
        }
      }
    }
    return n === 0 ? -1 : sum / n;
  };
  const meanAr = (a: number, m: number): number => {
    let sum = 0;
    let n = 0;
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < K; k++) {
        const v = recall[rIdx(t, k, a, m)];
        if (v > -1) {
          sum += v;
          n++;
        }
      }
    }
    return n === 0 ? -1 : sum / n;
  };
  const t50 = COCO_IOU_THRESHOLDS.indexOf(0.5);
  const t75 = COCO_IOU_THRESHOLDS.indexOf(0.75);
  const stats = [
    meanAp(null, 0, mLast),
    meanAp(t50, 0, mLast),
    meanAp(t75, 0, mLast),
    meanAp(null, 1, mLast),
    meanAp(null, 2, mLast),
    meanAp(null, 3, mLast),
    meanAr(0, 0),
    meanAr(0, Math.min(1, mLast)),
    meanAr(0, Math.min(2, mLast)),
    meanAr(1, mLast),
    meanAr(2, mLast),
    meanAr(3, mLast),
  ];
  const perClass: CocoClassResult[] = categories.map((c, k) => {
    const ap = meanAp(null, 0, mLast, k);
    const ap50 = meanAp(t50, 0, mLast, k);
    return { categoryId: c.id, name: c.name, numGt: numGtPerCat[k], ap: ap < 0 ? null : ap, ap50: ap50 < 0 ? null : ap50 };
  });
  return { stats, mAP: stats[0], mAP50: stats[1], mAP75: stats[2], perClass, numImages: I, numDetections: detections.length };
}

/** numpy.searchsorted(side='left') on the first n entries of a non-decreasing array. */
function searchLeft(arr: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function evaluateImg(g: Gt[], d: Dt[], ious: Float64Array, [lo, hi]: readonly [number, number]): ImgEval | null {
  const G = g.length;
  const D = d.length;
  if (G === 0 && D === 0) return null;
  const T = COCO_IOU_THRESHOLDS.length;
  // GT order: counted first, ignored after (stable), as the greedy matcher relies on it.
  const gtIgnoreRaw = g.map((x) => (x.crowd || x.area < lo || x.area > hi ? 1 : 0));
  const gOrder = Array.from({ length: G }, (_, j) => j).sort((p, q) => gtIgnoreRaw[p] - gtIgnoreRaw[q]);
  const gtIg = Uint8Array.from(gOrder, (j) => gtIgnoreRaw[j]);
  const crowd = gOrder.map((j) => g[j].crowd);
  const gtTaken = new Uint8Array(T * G);
  const matched = new Uint8Array(T * D);
  const ignored = new Uint8Array(T * D);
  if (G > 0 && D > 0) {
    for (let t = 0; t < T; t++) {
      for (let di = 0; di < D; di++) {
        let best = Math.min(COCO_IOU_THRESHOLDS[t], 1 - 1e-10);
        let m = -1;
        for (let gi = 0; gi < G; gi++) {
          if (gtTaken[t * G + gi] && !crowd[gi]) continue;
          // Once matched to a counted GT, never trade it for an ignored one.
          if (m > -1 && gtIg[m] === 0 && gtIg[gi] === 1) break;
          const v = ious[di * G + gOrder[gi]];
          if (v < best) continue;
          best = v;
          m = gi;
        }
        if (m === -1) continue;
        ignored[t * D + di] = gtIg[m];
        // pycocotools records the GT's id and tests it for truthiness, so a GT with id 0 never counts as a match.
        matched[t * D + di] = g[gOrder[m]].id !== 0 ? 1 : 0;
        gtTaken[t * G + m] = 1;
      }
    }
  }
  for (let di = 0; di < D; di++) {
    const outside = d[di].area < lo || d[di].area > hi;
    if (!outside) continue;
    for (let t = 0; t < T; t++) if (!matched[t * D + di]) ignored[t * D + di] = 1;
  }
  let numGt = 0;
  for (let gi = 0; gi < G; gi++) if (!gtIg[gi]) numGt++;
  return { scores: Float64Array.from(d, (x) => x.score), matched, ignored, numGt };
}
