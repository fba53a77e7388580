/**
 * ByteTrack-style multi-object tracker: stable ids across frames so overlays don't flicker.
 * Stage 1 matches confident detections to live tracks by IoU against each track's constant-velocity
 * prediction; stage 2 gives the remaining tracks a chance with low-confidence detections (occlusion, blur)
 * instead of dropping them. Greedy matching on descending IoU (same class only). Platform-neutral.
 */
import type { Box, Detection } from '../types.js';
import { OptionError } from '../errors.js';

export interface TrackerOptions {
  /** Detections at or above this start tracks and match in stage 1 (ByteTrack's track_thresh). */
  highScore?: number;
  /** Detections between lowScore and highScore only extend existing tracks. */
  lowScore?: number;
  /** Minimum IoU to associate a detection with a track. */
  matchIou?: number;
  /** Frames a track survives without a match. */
  maxAge?: number;
  /** Matches needed before a track is reported (suppresses one-frame false positives). */
  minHits?: number;
}

interface Track {
  id: number;
  classId: number;
  box: Box;
  vx: number;
  vy: number;
  hits: number;
  age: number;
  last: Detection;
}

export class IouTracker {
  private readonly o: Required<TrackerOptions>;
  private tracks: Track[] = [];
  private nextId = 1;
  private frame = 0;

  constructor(options: TrackerOptions = {}) {
    this.o = { highScore: 0.5, lowScore: 0.1, matchIou: 0.3, maxAge: 30, minHits: 2, ...options };
    if (!(this.o.lowScore <= this.o.highScore) || this.o.matchIou <= 0 || this.o.matchIou > 1 || this.o.maxAge < 0 || this.o.minHits < 1) {
      throw new OptionError('E_INVALID_OPTION', 'tracker options out of range (need lowScore ≤ highScore, 0 < matchIou ≤ 1, maxAge ≥ 0, minHits ≥ 1)');
    }
  }

  /** Feed one frame's detections; returns the confirmed tracks' detections with `trackId` set. */
  update(detections: readonly Detection[]): Detection[] {
    this.frame++;
    const predicted = this.tracks.map((t) => shift(t.box, t.vx, t.vy));
    const high: number[] = [];
    const low: number[] = [];
    detections.forEach((d, i) => {
      if (d.score >= this.o.highScore) high.push(i);
      else if (d.score >= this.o.lowScore) low.push(i);
    });
    const trackMatched = new Array<boolean>(this.tracks.length).fill(false);
    const detTrack = new Map<number, number>();
    this.associate(high, detections, predicted, trackMatched, detTrack);
    this.associate(low, detections, predicted, trackMatched, detTrack);

    for (const [di, ti] of detTrack) {
      const t = this.tracks[ti];
      const d = detections[di];
      const cx = (d.box[0] + d.box[2]) / 2 - (t.box[0] + t.box[2]) / 2;
      const cy = (d.box[1] + d.box[3]) / 2 - (t.box[1] + t.box[3]) / 2;
      // Smoothed velocity: enough to bridge a missed frame without overshooting on jitter.
      t.vx = 0.5 * t.vx + 0.5 * cx;
      t.vy = 0.5 * t.vy + 0.5 * cy;
      t.box = [d.box[0], d.box[1], d.box[2], d.box[3]];
      t.hits++;
      t.age = 0;
      t.last = d;
    }
    this.tracks.forEach((t, i) => {
      if (!trackMatched[i]) {
        t.age++;
        t.box = predicted[i];
      }
    });
    this.tracks = this.tracks.filter((t) => t.age <= this.o.maxAge);
    for (const di of high) {
      if (detTrack.has(di)) continue;
      const d = detections[di];
      this.tracks.push({ id: this.nextId++, classId: d.classId, box: [...d.box] as Box, vx: 0, vy: 0, hits: 1, age: 0, last: d });
    }
    const out: Detection[] = [];
    for (const t of this.tracks) {
      if (t.age === 0 && (t.hits >= this.o.minHits || this.frame <= this.o.minHits)) out.push({ ...t.last, trackId: t.id });
    }
    return out.sort((a, b) => b.score - a.score);
  }

  reset(): void {
    this.tracks = [];
    this.frame = 0;
  }

  get activeTracks(): number {
    return this.tracks.length;
  }

  private associate(dets: number[], detections: readonly Detection[], predicted: Box[], trackMatched: boolean[], detTrack: Map<number, number>): void {
    const pairs: { iou: number; d: number; t: number }[] = [];
    for (const d of dets) {
      for (let t = 0; t < this.tracks.length; t++) {
        if (trackMatched[t] || this.tracks[t].classId !== detections[d].classId) continue;
        const v = iou(detections[d].box, predicted[t]);
        if (v >= this.o.matchIou) pairs.push({ iou: v, d, t });
      }
    }
    pairs.sort((a, b) => b.iou - a.iou);
    for (const p of pairs) {
      if (trackMatched[p.t] || detTrack.has(p.d)) continue;
      trackMatched[p.t] = true;
      detTrack.set(p.d, p.t);
    }
  }
}

function shift(b: Box, dx: number, dy: number): Box {
  return [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy];
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return u > 0 ? inter / u : 0;
}
