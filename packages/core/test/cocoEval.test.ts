import { describe, expect, it } from 'vitest';
// Precision is tp / (tp + fp + eps) as in pycocotools, so a "perfect" 1 is 1 - 2e-16: compare with toBeCloseTo.
import { evaluateCoco, OptionError, yoloLabelsToCoco, type CocoAnnotation, type CocoDetection, type CocoGroundTruth } from '@sightline/core';

type Bbox = [number, number, number, number];
const cats = [
  { id: 1, name: 'a' },
  { id: 2, name: 'b' },
];
function gtOf(anns: Omit<CocoAnnotation, 'id'>[], imageIds = [1, 2, 3]): CocoGroundTruth {
  return {
    images: imageIds.map((id) => ({ id, width: 640, height: 480 })),
    annotations: anns.map((a, i) => ({ id: i + 1, ...a })),
    categories: cats,
  };
}
const ann = (image_id: number, category_id: number, bbox: Bbox, extra: Partial<CocoAnnotation> = {}): Omit<CocoAnnotation, 'id'> => ({
  image_id,
  category_id,
  bbox,
  area: bbox[2] * bbox[3],
  iscrowd: 0,
  ...extra,
});
const det = (image_id: number, category_id: number, bbox: Bbox, score: number): CocoDetection => ({ image_id, category_id, bbox, score });

describe('evaluateCoco (hand-checked cases)', () => {
  it('perfect detections give AP 1 and AR 1', () => {
    const boxes: Bbox[] = [
      [10, 10, 50, 60],
      [200, 100, 120, 90],
      [300, 300, 20, 20],
    ];
    const gt = gtOf(boxes.map((b, i) => ann(1 + i, 1 + (i % 2), b)));
    const r = evaluateCoco(gt, boxes.map((b, i) => det(1 + i, 1 + (i % 2), b, 0.9 - i * 0.1)));
    expect(r.mAP).toBeCloseTo(1, 12);
    expect(r.mAP50).toBeCloseTo(1, 12);
    expect(r.stats[8]).toBeCloseTo(1, 12);
    for (const c of r.perClass) expect(c.ap).toBeCloseTo(1, 12);
  });

  it('a false positive ranked above the true positive halves precision', () => {
    const gt = gtOf([ann(1, 1, [10, 10, 100, 100])]);
    const above = evaluateCoco(gt, [det(1, 1, [400, 300, 50, 50], 0.9), det(1, 1, [10, 10, 100, 100], 0.8)]);
    expect(above.mAP).toBeCloseTo(0.5, 12);
    // ranked below it costs nothing: the precision envelope at full recall is still 1
    const below = evaluateCoco(gt, [det(1, 1, [400, 300, 50, 50], 0.7), det(1, 1, [10, 10, 100, 100], 0.8)]);
    expect(below.mAP).toBeCloseTo(1, 12);
  });

  it('recall 1/2 covers 51 of the 101 recall points', () => {
    const gt = gtOf([ann(1, 1, [10, 10, 100, 100]), ann(2, 1, [10, 10, 100, 100])]);
    const r = evaluateCoco(gt, [det(1, 1, [10, 10, 100, 100], 0.9)]);
    expect(r.mAP).toBeCloseTo(51 / 101, 12);
    expect(r.stats[8]).toBeCloseTo(0.5, 12);
  });

  it('averages over IoU thresholds .50:.05:.95 (IoU exactly 0.75 passes 6 of 10)', () => {
    const gt = gtOf([ann(1, 1, [0, 0, 100, 100])]);
    const r = evaluateCoco(gt, [det(1, 1, [0, 0, 75, 100], 0.9)]);
    expect(r.mAP50).toBeCloseTo(1, 12);
    expect(r.mAP75).toBeCloseTo(1, 12);
    expect(r.mAP).toBeCloseTo(0.6, 12);
  });

  it('crowd GT absorbs detections without penalty and is never a miss', () => {
    const gt = gtOf([ann(1, 1, [10, 10, 100, 100]), ann(1, 1, [300, 200, 200, 200], { iscrowd: 1 }), ann(2, 2, [0, 0, 50, 50], { iscrowd: 1 })]);
    const dets = [
      det(1, 1, [320, 220, 30, 30], 0.95), // inside the crowd: ignored, not an FP
      det(1, 1, [350, 250, 40, 40], 0.93), // a crowd region can absorb several
      det(1, 1, [10, 10, 100, 100], 0.9),
    ];
    const r = evaluateCoco(gt, dets);
    expect(r.mAP).toBeCloseTo(1, 12);
    // category 2 has only crowd GT: excluded from the mean and reported as null
    expect(r.perClass[1]).toMatchObject({ categoryId: 2, numGt: 0, ap: null });
    // without the crowd flag the two high-scoring detections are FPs ranked first
    const noCrowd = evaluateCoco(gtOf([ann(1, 1, [10, 10, 100, 100]), ann(1, 1, [300, 200, 200, 200])]), dets);
    expect(noCrowd.mAP).toBeLessThan(0.5);
  });

  it('splits by area: small / medium / large, -1 where a range has no GT', () => {
    const gt = gtOf([ann(1, 1, [10, 10, 20, 20]), ann(2, 1, [10, 10, 200, 200])]);
    const r = evaluateCoco(gt, [det(1, 1, [10, 10, 20, 20], 0.9)]);
    expect(r.stats[3]).toBeCloseTo(1, 12); // small: found
    expect(r.stats[4]).toBe(-1); // medium: no GT
    expect(r.stats[5]).toBe(0); // large: missed
    expect(r.mAP).toBeCloseTo(51 / 101, 12);
  });

  it('images without GT: a detection there is a false positive, an empty image changes nothing', () => {
    const gt = gtOf([ann(1, 1, [10, 10, 100, 100])]);
    const clean = evaluateCoco(gt, [det(1, 1, [10, 10, 100, 100], 0.5)]);
    expect(clean.mAP).toBeCloseTo(1, 12);
    const fp = evaluateCoco(gt, [det(1, 1, [10, 10, 100, 100], 0.5), det(3, 1, [10, 10, 100, 100], 0.6)]);
    expect(fp.mAP).toBeCloseTo(0.5, 12);
    const none = evaluateCoco(gt, []);
    expect(none.mAP).toBe(0);
    expect(none.stats[8]).toBe(0);
  });

  it('maxDets: only the top detections per image count at each cut', () => {
    const gt = gtOf([ann(1, 1, [0, 0, 50, 50]), ann(1, 1, [100, 0, 50, 50])]);
    const r = evaluateCoco(gt, [det(1, 1, [0, 0, 50, 50], 0.9), det(1, 1, [100, 0, 50, 50], 0.8)]);
    expect(r.stats[6]).toBeCloseTo(0.5, 12); // AR@1
    expect(r.stats[7]).toBeCloseTo(1, 12); // AR@10
  });

  it('rejects malformed input with typed errors', () => {
    const gt = gtOf([ann(1, 1, [10, 10, 100, 100])]);
    expect(() => evaluateCoco(gt, [det(99, 1, [0, 0, 1, 1], 0.5)])).toThrow(OptionError);
    expect(() => evaluateCoco(gt, [det(1, 1, [0, 0, Number.NaN, 1], 0.5)])).toThrow(/finite bbox/);
    expect(() => evaluateCoco({ images: [] } as unknown as CocoGroundTruth, [])).toThrow(/ground truth/);
    expect(() => evaluateCoco(gt, [], { maxDets: [10, 1] })).toThrow(/maxDets/);
  });
});

describe('yoloLabelsToCoco', () => {
  it('converts normalised cx,cy,w,h to pixel x,y,w,h with area = w×h', () => {
    const gt = yoloLabelsToCoco(
      [
        { id: 7, fileName: 'a.jpg', width: 200, height: 100, labels: '1 0.5 0.5 0.5 0.2\n\n0 0.25 0.5 0.1 1\n' },
        { id: 8, fileName: 'b.jpg', width: 10, height: 10 },
      ],
      ['x', 'y'],
    );
    expect(gt.images).toHaveLength(2);
    expect(gt.categories).toEqual([
      { id: 0, name: 'x' },
      { id: 1, name: 'y' },
    ]);
    expect(gt.annotations[0]).toMatchObject({ id: 1, image_id: 7, category_id: 1, area: 2000, iscrowd: 0 });
    expect(gt.annotations[0].bbox.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([50, 40, 100, 20]);
    expect(gt.annotations[1].bbox.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([40, 0, 20, 100]);
  });

  it('rejects bad lines and unknown classes', () => {
    const img = { id: 1, fileName: 'a.jpg', width: 10, height: 10 };
    expect(() => yoloLabelsToCoco([{ ...img, labels: '0 0.5 0.5' }], ['x'])).toThrow(/a\.jpg label line 1/);
    expect(() => yoloLabelsToCoco([{ ...img, labels: '3 0.5 0.5 0.1 0.1' }], ['x'])).toThrow(OptionError);
    expect(() => yoloLabelsToCoco([{ ...img, width: 0 }], ['x'])).toThrow(/not positive/);
  });
});
