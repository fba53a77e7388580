/**
 * Compare detections against the reference pipeline's JSON (../shared/reference/README.md):
 * every reference detection with score ≥ minScore must be matched one-to-one by class with IoU ≥ minIou and
 * |Δscore| ≤ scoreTol. Greedy by reference score, best-IoU candidate first.
 */
import type { Box, Detection } from '@sightline/core';

export interface ReferenceDetection {
  classId: number;
  label: string;
  score: number;
  box: Box;
}
export interface ReferenceImage {
  width: number;
  height: number;
  detections: ReferenceDetection[];
}
export interface DetectReference {
  model: string;
  conf: number;
  iou: number;
  maxDet: number;
  imgsz: number;
  images: Record<string, ReferenceImage>;
}
export interface ClassifyReference {
  model: string;
  images: Record<string, { top5: { classId: number; label: string; score: number }[] }>;
}

export function iou(a: readonly number[], b: readonly number[]): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return ua > 0 ? inter / ua : 0;
}

export interface MatchOptions {
  minScore?: number;
  minIou?: number;
  scoreTol?: number;
}
export interface MatchMiss {
  ref: ReferenceDetection;
  best?: { det: Detection; iou: number };
  reason: string;
}
export interface MatchResult {
  total: number;
  matched: number;
  misses: MatchMiss[];
  maxBoxError: number;
  maxScoreError: number;
}

export function matchDetections(
  ours: readonly Detection[],
  ref: readonly ReferenceDetection[],
  { minScore = 0.3, minIou = 0.9, scoreTol = 0.03 }: MatchOptions = {},
): MatchResult {
  const used = new Set<number>();
  const result: MatchResult = { total: 0, matched: 0, misses: [], maxBoxError: 0, maxScoreError: 0 };
  const wanted = ref.filter((r) => r.score >= minScore).sort((a, b) => b.score - a.score);
  for (const r of wanted) {
    result.total++;
    let bestI = -1;
    let bestIou = 0;
    for (let i = 0; i < ours.length; i++) {
      if (used.has(i) || ours[i].classId !== r.classId) continue;
      const v = iou(ours[i].box, r.box);
      if (v > bestIou) {
        bestIou = v;
        bestI = i;
      }
    }
    if (bestI < 0) {
      result.misses.push({ ref: r, reason: 'no detection of that class' });
      continue;
    }
    const d = ours[bestI];
    const ds = Math.abs(d.score - r.score);
    if (bestIou < minIou || ds > scoreTol) {
      result.misses.push({ ref: r, best: { det: d, iou: bestIou }, reason: bestIou < minIou ? `IoU ${bestIou.toFixed(3)}` : `score Δ ${ds.toFixed(4)}` });
      continue;
    }
    used.add(bestI);
    result.matched++;
    result.maxScoreError = Math.max(result.maxScoreError, ds);
    for (let k = 0; k < 4; k++) result.maxBoxError = Math.max(result.maxBoxError, Math.abs(d.box[k] - r.box[k]));
  }
  return result;
}
