// Agreement with pycocotools (the reference COCO evaluator, run from the repo .venv) on the real shared set
// and on random cases built to hit ties, crowds, area boundaries and empty images.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateCoco, yoloLabelsToCoco, type CocoDetection, type CocoGroundTruth } from '@sightline/core';
import { requirePycocotools, requireShared, runPycocotools, sharedPath, type DetectReference } from '@sightline/testkit';

const data = ['datasets', 'coco128-lightly'];
const ok =
  requireShared([...data, 'annotations', 'instances_train2017_subset.json'], ['reference', 'detect_yolov8n_coco128.json'], ['models', 'coco80.txt']) &&
  requirePycocotools();

function expectAgreement(gt: CocoGroundTruth, dets: CocoDetection[], tol: number): void {
  const ours = evaluateCoco(gt, dets);
  const ref = runPycocotools(gt, dets);
  for (let s = 0; s < 12; s++) expect(Math.abs(ours.stats[s] - ref.stats[s]), `stat ${s}: ours ${ours.stats[s]} vs ${ref.stats[s]}`).toBeLessThanOrEqual(tol);
  for (const c of ours.perClass) {
    const r = ref.perClass[String(c.categoryId)];
    if (r.ap === null) expect(c.ap).toBeNull();
    else expect(Math.abs((c.ap ?? -1) - r.ap), `AP of ${c.name}`).toBeLessThanOrEqual(tol);
  }
}

/** Deterministic PRNG (mulberry32) so a failure is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(!ok)('evaluateCoco agrees with pycocotools', () => {
  const names = readFileSync(sharedPath('models', 'coco80.txt'), 'utf8').trim().split('\n');
  const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n_coco128.json'), 'utf8')) as DetectReference;
  const files = Object.keys(ref.images).sort();
  const labelText = (file: string): string => {
    for (const split of ['train2017', 'val2017']) {
      try {
        return readFileSync(sharedPath(...data, 'labels', split, file.replace(/\.[^.]+$/, '.txt')), 'utf8');
      } catch {
        // not in this split, or no label file (an image without objects)
      }
    }
    return '';
  };

  it('on coco128 with YOLO-txt ground truth and the reference detections (conf 0.25)', () => {
    expect(files).toHaveLength(172);
    const gt = yoloLabelsToCoco(
      files.map((f, i) => ({ id: i + 1, fileName: f, width: ref.images[f].width, height: ref.images[f].height, labels: labelText(f) })),
      names,
    );
    const dets: CocoDetection[] = files.flatMap((f, i) =>
      ref.images[f].detections.map((d) => ({ image_id: i + 1, category_id: d.classId, bbox: [d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]] as [number, number, number, number], score: d.score })),
    );
    const ours = evaluateCoco(gt, dets);
    expect(ours.mAP50).toBeGreaterThan(0.4); // sanity: the data and the conversion are right
    expectAgreement(gt, dets, 1e-9);
  });

  it('on the COCO instances json (segmentation areas, iscrowd) with the reference detections', () => {
    const gt = JSON.parse(readFileSync(sharedPath(...data, 'annotations', 'instances_train2017_subset.json'), 'utf8')) as CocoGroundTruth;
    expect(gt.annotations.some((a) => a.iscrowd)).toBe(true);
    const catByName = new Map(gt.categories.map((c) => [c.name, c.id]));
    const dets: CocoDetection[] = gt.images.flatMap((img) =>
      (ref.images[img.file_name ?? ''] ?? { detections: [] }).detections.map((d) => ({
        image_id: img.id,
        category_id: catByName.get(names[d.classId]) ?? -1,
        bbox: [d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]] as [number, number, number, number],
        score: d.score,
      })),
    );
    expect(dets.length).toBeGreaterThan(300);
    expectAgreement(gt, dets, 1e-9);
  });

  it.each([1, 2, 3])('on random case %i (ties, crowds, area edges, empty images, >100 dets per image)', (seed) => {
    const rand = rng(seed);
    const nImg = 12;
    const images = Array.from({ length: nImg }, (_, i) => ({ id: i + 1, width: 640, height: 480 }));
    const categories = [1, 2, 3, 5].map((id) => ({ id, name: `c${id}` }));
    const annotations: CocoGroundTruth['annotations'] = [];
    const dets: CocoDetection[] = [];
    for (const img of images) {
      if (img.id % 5 === 0) continue; // images with no GT at all
      const nGt = Math.floor(rand() * 8);
      for (let g = 0; g < nGt; g++) {
        // side lengths around the 32 and 96 area boundaries
        const w = [31, 32, 33, 95, 96, 97, 10, 200][Math.floor(rand() * 8)];
        const h = [32, 96, 20, 150][Math.floor(rand() * 4)];
        const x = rand() * 400;
        const y = rand() * 300;
        const cat = categories[Math.floor(rand() * 3)].id; // category 5 never has GT
        annotations.push({ id: annotations.length + 1, image_id: img.id, category_id: cat, bbox: [x, y, w, h], area: w * h * (0.6 + rand() * 0.4), iscrowd: rand() < 0.15 ? 1 : 0 });
        for (let k = 0; k < 3; k++) {
          const j = () => (rand() - 0.5) * 0.5 * w;
          dets.push({ image_id: img.id, category_id: rand() < 0.85 ? cat : 5, bbox: [x + j(), y + j(), w + j(), h + j()], score: Math.round(rand() * 10) / 10 });
        }
      }
      const noise = img.id === 3 ? 150 : 5; // one image over the 100-detection cut
      for (let n = 0; n < noise; n++) {
        dets.push({ image_id: img.id, category_id: categories[Math.floor(rand() * 4)].id, bbox: [rand() * 600, rand() * 440, 5 + rand() * 120, 5 + rand() * 120], score: Math.round(rand() * 20) / 20 });
      }
    }
    expectAgreement({ images, annotations, categories }, dets, 1e-9);
  });
});
