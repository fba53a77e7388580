/**
 * End-to-end proof of the core against the independent Python reference (../shared/reference/README.md):
 * sharp decode → LetterboxPreprocessor / ClassifyPreprocessor → onnxruntime-node CPU → DetectionDecoder.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import {
  NodeClassifier,
  NodeDetector,
  decodeImageFile,
  matchDetections,
  readLabels,
  requireShared,
  sharedPath,
  type ClassifyReference,
  type DetectReference,
  type MatchMiss,
} from '@sightline/testkit';
import { classifyTopK, type OutputLayout } from '../src/index.js';

const ok = requireShared(
  ['models', 'yolov8n.onnx'],
  ['models', 'yolov5n.onnx'],
  ['models', 'mobilenetv2-12.onnx'],
  ['models', 'coco80.txt'],
  ['models', 'imagenet_labels.txt'],
  ['reference', 'detect_yolov8n.json'],
  ['reference', 'detect_yolov5n.json'],
  ['reference', 'detect_yolov8n_coco128.json'],
  ['reference', 'classify_mobilenetv2-12.json'],
  ['datasets', 'coco128-lightly', 'images'],
);

const readJson = <T>(...p: string[]): T => JSON.parse(readFileSync(sharedPath(...p), 'utf8')) as T;

function imagePath(name: string, dirs: string[][]): string {
  for (const d of dirs) {
    const p = sharedPath(...d, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`reference image ${name} not found under ${dirs.map((d) => d.join('/')).join(', ')}`);
}

interface RunSummary {
  /** Stricter: every reference detection (any score) matched with IoU ≥ 0.99, |Δscore| ≤ 1e-3, same count. */
  strictImages: number;
  images: number;
  total: number;
  matched: number;
  misses: { image: string; miss: MatchMiss }[];
  maxBoxError: number;
  maxScoreError: number;
}

async function runDetect(detector: NodeDetector, ref: DetectReference, dirs: string[][]): Promise<RunSummary> {
  const s: RunSummary = { strictImages: 0, images: 0, total: 0, matched: 0, misses: [], maxBoxError: 0, maxScoreError: 0 };
  for (const [name, want] of Object.entries(ref.images)) {
    const px = await decodeImageFile(imagePath(name, dirs));
    expect([px.width, px.height], name).toEqual([want.width, want.height]);
    const dets = await detector.detect(px, { conf: ref.conf, iou: ref.iou, maxDet: ref.maxDet });
    const m = matchDetections(dets, want.detections, { minScore: 0.3, minIou: 0.9, scoreTol: 0.03 });
    const strict = matchDetections(dets, want.detections, { minScore: 0, minIou: 0.99, scoreTol: 1e-3 });
    s.images++;
    if (strict.matched === want.detections.length && dets.length === want.detections.length) s.strictImages++;
    s.total += m.total;
    s.matched += m.matched;
    s.maxBoxError = Math.max(s.maxBoxError, m.maxBoxError);
    s.maxScoreError = Math.max(s.maxScoreError, m.maxScoreError);
    for (const miss of m.misses) s.misses.push({ image: name, miss });
  }
  return s;
}

function report(label: string, s: RunSummary): void {
  const rate = s.total ? (100 * s.matched) / s.total : 100;
  console.log(
    `[pipeline] ${label}: matched ${s.matched}/${s.total} (${rate.toFixed(2)}%), max |Δbox| ${s.maxBoxError.toFixed(2)} px, max |Δscore| ${s.maxScoreError.toFixed(4)}; images with every detection reproduced (IoU ≥ 0.99, |Δscore| ≤ 1e-3, same count): ${s.strictImages}/${s.images}`,
  );
  for (const { image, miss } of s.misses) {
    const best = miss.best ? ` best ${miss.best.det.label} ${miss.best.det.score.toFixed(3)} IoU ${miss.best.iou.toFixed(3)}` : '';
    console.log(`[pipeline]   miss ${image}: ${miss.ref.label} ${miss.ref.score.toFixed(3)} [${miss.ref.box.map((v) => v.toFixed(1)).join(',')}] — ${miss.reason}${best}`);
  }
}

describe.skipIf(!ok)('full pipeline vs reference (onnxruntime-node CPU)', () => {
  const imagesDir = [['images']];
  let coco: string[];
  let v8: NodeDetector;
  beforeAll(async () => {
    coco = await readLabels(sharedPath('models', 'coco80.txt'));
    v8 = await NodeDetector.create(sharedPath('models', 'yolov8n.onnx'), {
      labels: coco,
      layout: { kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false } satisfies OutputLayout,
    });
  });
  afterAll(async () => {
    await v8?.release();
  });

  test('yolov8n on images/ matches detect_yolov8n.json (100%)', async () => {
    const s = await runDetect(v8, readJson<DetectReference>('reference', 'detect_yolov8n.json'), imagesDir);
    report('yolov8n images/', s);
    expect(s.total).toBeGreaterThan(20);
    expect(s.matched).toBe(s.total);
    expect(s.strictImages).toBe(s.images);
  });

  test('yolov5n on images/ matches detect_yolov5n.json (100%)', async () => {
    const v5 = await NodeDetector.create(sharedPath('models', 'yolov5n.onnx'), {
      labels: coco,
      layout: { kind: 'yolov5', numClasses: 80, numAnchors: 25200 },
    });
    try {
      const s = await runDetect(v5, readJson<DetectReference>('reference', 'detect_yolov5n.json'), imagesDir);
      report('yolov5n images/', s);
      expect(s.total).toBeGreaterThan(15);
      expect(s.matched).toBe(s.total);
      expect(s.strictImages).toBe(s.images);
    } finally {
      await v5.release();
    }
  });

  test('yolov8n on coco128-lightly matches detect_yolov8n_coco128.json (≥ 99%)', { timeout: 600_000 }, async () => {
    const root = ['datasets', 'coco128-lightly', 'images'];
    const ref = readJson<DetectReference>('reference', 'detect_yolov8n_coco128.json');
    expect(Object.keys(ref.images).length).toBe(172);
    const s = await runDetect(v8, ref, [[...root, 'train2017'], [...root, 'val2017']]);
    report('yolov8n coco128-lightly', s);
    expect(s.total).toBeGreaterThan(500);
    expect(s.matched / s.total).toBeGreaterThanOrEqual(0.99);
  });
});

describe.skipIf(!ok)('classification pipeline vs reference (onnxruntime-node CPU)', () => {
  test('mobilenetv2-12 on images/: same top-1 everywhere, top-5 overlap ≥ 4', async () => {
    const labels = await readLabels(sharedPath('models', 'imagenet_labels.txt'));
    const ref = readJson<ClassifyReference>('reference', 'classify_mobilenetv2-12.json');
    const clf = await NodeClassifier.create(sharedPath('models', 'mobilenetv2-12.onnx'));
    try {
      let top1 = 0;
      let minOverlap = 5;
      let maxTop1Delta = 0;
      const names = Object.keys(ref.images);
      for (const name of names) {
        const want = ref.images[name].top5;
        const px = await decodeImageFile(imagePath(name, [['images']]));
        const out = await clf.infer(px, { variant: 'imagenet' });
        const got = classifyTopK(out, { topK: 5, labels, activation: 'auto' });
        if (got[0].classId === want[0].classId) top1++;
        else console.log(`[pipeline]   top-1 differs on ${name}: ${got[0].label} ${got[0].score.toFixed(3)} vs ${want[0].label} ${want[0].score.toFixed(3)}`);
        const overlap = got.filter((g) => want.some((w) => w.classId === g.classId)).length;
        minOverlap = Math.min(minOverlap, overlap);
        maxTop1Delta = Math.max(maxTop1Delta, Math.abs(got[0].score - want[0].score));
        expect(got[0].label).toBe(labels[got[0].classId]);
      }
      console.log(`[pipeline] mobilenetv2-12 images/: top-1 ${top1}/${names.length}, min top-5 overlap ${minOverlap}/5, max |Δ top-1 prob| ${maxTop1Delta.toFixed(5)}`);
      expect(names.length).toBe(12);
      expect(top1).toBe(names.length);
      expect(minOverlap).toBeGreaterThanOrEqual(4);
      // Same pixels in, same model: the probabilities agree too (PIL-exact resize; anything else moves them by 0.01–0.1).
      expect(maxTop1Delta).toBeLessThan(1e-3);
    } finally {
      await clf.release();
    }
  });
});
