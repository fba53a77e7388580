import { describe, expect, it } from 'vitest';
import { IouTracker, type Detection } from '../src/index.js';

const det = (x: number, y: number, score = 0.9, classId = 0, w = 40, h = 80): Detection => ({ classId, label: `c${classId}`, score, box: [x, y, x + w, y + h] });

describe('IouTracker', () => {
  it('keeps the same id for an object moving across frames', () => {
    const tr = new IouTracker({ minHits: 1 });
    const ids = new Set<number>();
    for (let f = 0; f < 20; f++) {
      const out = tr.update([det(10 + f * 5, 20)]);
      expect(out).toHaveLength(1);
      ids.add(out[0].trackId!);
    }
    expect(ids.size).toBe(1);
  });
  it('two crossing objects of different classes keep their ids', () => {
    const tr = new IouTracker({ minHits: 1 });
    const first = tr.update([det(0, 0, 0.9, 0), det(200, 0, 0.9, 1)]);
    const a = first.find((d) => d.classId === 0)!.trackId;
    const b = first.find((d) => d.classId === 1)!.trackId;
    for (let f = 1; f <= 40; f++) {
      const out = tr.update([det(f * 5, 0, 0.9, 0), det(200 - f * 5, 0, 0.9, 1)]);
      expect(out.find((d) => d.classId === 0)!.trackId).toBe(a);
      expect(out.find((d) => d.classId === 1)!.trackId).toBe(b);
    }
  });
  it('bridges a missed frame and a low-confidence frame without a new id (ByteTrack stage 2)', () => {
    const tr = new IouTracker({ minHits: 1 });
    const id = tr.update([det(100, 100)])[0].trackId;
    tr.update([det(104, 100)]);
    expect(tr.update([])).toHaveLength(0); // missed: not reported, but kept
    const lowConf = tr.update([det(112, 100, 0.2)]);
    expect(lowConf[0].trackId).toBe(id);
    expect(tr.update([det(116, 100)])[0].trackId).toBe(id);
  });
  it('does not start tracks from low-confidence detections, and drops tracks after maxAge', () => {
    const tr = new IouTracker({ minHits: 1, maxAge: 2 });
    expect(tr.update([det(0, 0, 0.2)])).toHaveLength(0);
    expect(tr.activeTracks).toBe(0);
    tr.update([det(0, 0)]);
    tr.update([]);
    tr.update([]);
    tr.update([]);
    expect(tr.activeTracks).toBe(0);
  });
  it('suppresses one-frame flickers until minHits', () => {
    const tr = new IouTracker({ minHits: 3 });
    tr.update([det(0, 0)]);
    tr.update([det(0, 0)]);
    tr.update([det(0, 0)]);
    expect(tr.update([det(500, 500)]).map((d) => d.box[0])).toEqual([]); // a newcomer is held back, the old one is missing
    expect(tr.update([det(0, 0), det(500, 500)]).map((d) => d.box[0])).toEqual([0]);
  });
  it('rejects nonsense options', () => {
    expect(() => new IouTracker({ lowScore: 0.9, highScore: 0.5 })).toThrow(/out of range/);
  });
});
