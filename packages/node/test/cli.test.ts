// The built `sightline` CLI end to end on the shared images and data set, against the independent reference
// pipeline's outputs and pycocotools. coco128 is run once (eval at conf 0.001) and shared by the tests.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCoco, type CocoDetection, type CocoGroundTruth, type Detection } from '@sightline/core';
import { matchDetections, repoRoot, requirePycocotools, requireShared, runPycocotools, sharedPath, type ClassifyReference, type DetectReference } from '@sightline/testkit';

const bin = join(repoRoot, 'packages', 'node', 'bin', 'sightline.mjs');
const ok = requireShared(['models', 'yolov8n.onnx'], ['models', 'mobilenetv2-12.onnx'], ['images'], ['datasets', 'coco128-lightly'], ['reference', 'detect_yolov8n_coco128.json']);
const tmp = mkdtempSync(join(tmpdir(), 'sightline-cli-'));
const yolo = sharedPath('models', 'yolov8n.onnx');

function cli(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: repoRoot, maxBuffer: 64 * 2 ** 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const readJson = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;

beforeAll(() => {
  // The CLI runs the built package; build it when this test runs on its own.
  if (!existsSync(join(repoRoot, 'packages', 'node', 'dist', 'cli', 'main.js'))) {
    spawnSync('npx', ['tsc', '-b', 'packages/node'], { cwd: repoRoot, stdio: 'inherit' });
  }
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!ok)('sightline detect / classify', () => {
  it('detect on ../shared/images reproduces detect_yolov8n.json', () => {
    const out = join(tmp, 'images.json');
    const r = cli(['detect', sharedPath('images'), '--model', yolo, '--json', out]);
    expect(r.status, r.stderr).toBe(0);
    const ours = readJson<DetectReference>(out);
    const ref = readJson<DetectReference>(sharedPath('reference', 'detect_yolov8n.json'));
    expect({ ...ours, images: undefined }).toEqual({ ...ref, images: undefined });
    expect(Object.keys(ours.images).sort()).toEqual(Object.keys(ref.images).sort());
    for (const [name, img] of Object.entries(ref.images)) {
      expect([ours.images[name].width, ours.images[name].height]).toEqual([img.width, img.height]);
      const m = matchDetections(ours.images[name].detections, img.detections);
      expect(m.matched, `${name}: ${JSON.stringify(m.misses)}`).toBe(m.total);
    }
  });

  it('classify matches classify_mobilenetv2-12.json top-1', () => {
    const out = join(tmp, 'classify.json');
    const r = cli(['classify', sharedPath('images'), '--model', sharedPath('models', 'mobilenetv2-12.onnx'), '--labels', sharedPath('models', 'imagenet_labels.txt'), '--json', out]);
    expect(r.status, r.stderr).toBe(0);
    const ours = readJson<ClassifyReference>(out);
    const ref = readJson<ClassifyReference>(sharedPath('reference', 'classify_mobilenetv2-12.json'));
    for (const [name, img] of Object.entries(ref.images)) {
      // Same top-1, except where the reference itself has a near tie (coco_000000000071.jpg: 0.27554 vs 0.27534).
      const tied = img.top5.filter((c) => c.score >= img.top5[0].score - 0.005).map((c) => c.classId);
      expect(tied, name).toContain(ours.images[name].top5[0].classId);
      expect(Math.abs(ours.images[name].top5[0].score - img.top5[0].score), name).toBeLessThan(0.05);
    }
  });
});

describe.skipIf(!ok)('sightline eval on coco128 (one run, conf 0.001)', () => {
  const dir = join(tmp, 'coco');
  let evalJson: { mAP: number; mAP50: number; images: number };
  let gt: CocoGroundTruth;
  let dets: CocoDetection[];
  beforeAll(() => {
    const r = cli(['eval', '--model', yolo, '--data', sharedPath('datasets', 'coco128-lightly'), '--save-coco', dir, '--json', join(dir, 'eval.json')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/mAP50-95 0\.\d{4}/);
    evalJson = readJson(join(dir, 'eval.json'));
    gt = readJson(join(dir, 'gt.json'));
    dets = readJson(join(dir, 'detections.json'));
  }, 600_000);

  it('detections above 0.25 reproduce detect_yolov8n_coco128.json (≥ 99% matched)', () => {
    // NMS is greedy by score, so the conf-0.001 run filtered at 0.25 is the conf-0.25 run.
    const ref = readJson<DetectReference>(sharedPath('reference', 'detect_yolov8n_coco128.json'));
    const labels = readFileSync(sharedPath('models', 'coco80.txt'), 'utf8').trim().split('\n');
    const byImage = new Map<number, Detection[]>();
    for (const d of dets) {
      if (d.score <= 0.25) continue;
      const [x, y, w, h] = d.bbox;
      const list = byImage.get(d.image_id) ?? [];
      list.push({ classId: d.category_id, label: labels[d.category_id], score: d.score, box: [x, y, x + w, y + h] });
      byImage.set(d.image_id, list);
    }
    let total = 0;
    let matched = 0;
    expect(gt.images).toHaveLength(172);
    for (const im of gt.images) {
      const r = ref.images[im.file_name ?? ''];
      expect(r, im.file_name).toBeDefined();
      expect([im.width, im.height]).toEqual([r.width, r.height]);
      const m = matchDetections(byImage.get(im.id) ?? [], r.detections);
      total += m.total;
      matched += m.matched;
    }
    expect(total).toBeGreaterThan(500);
    expect(matched / total).toBeGreaterThanOrEqual(0.99);
  });

  it.skipIf(!requirePycocotools())('mAP agrees with pycocotools within 0.002 (YOLO-txt GT)', () => {
    const ref = runPycocotools(gt, dets);
    expect(evalJson.mAP).toBeGreaterThan(0.3);
    expect(Math.abs(evalJson.mAP - ref.stats[0])).toBeLessThanOrEqual(0.002);
    expect(Math.abs(evalJson.mAP50 - ref.stats[1])).toBeLessThanOrEqual(0.002);
  });

  it.skipIf(!requirePycocotools())('mAP agrees with pycocotools within 0.002 (COCO instances json, iscrowd)', () => {
    const inst = readJson<CocoGroundTruth>(sharedPath('datasets', 'coco128-lightly', 'annotations', 'instances_train2017_subset.json'));
    const labels = readFileSync(sharedPath('models', 'coco80.txt'), 'utf8').trim().split('\n');
    const catByName = new Map(inst.categories.map((c) => [c.name, c.id]));
    const idByFile = new Map(inst.images.map((im) => [im.file_name, im.id]));
    const fileById = new Map(gt.images.map((im) => [im.id, im.file_name]));
    const mapped: CocoDetection[] = [];
    for (const d of dets) {
      const id = idByFile.get(fileById.get(d.image_id));
      if (id !== undefined) mapped.push({ ...d, image_id: id, category_id: catByName.get(labels[d.category_id]) ?? -1 });
    }
    const ours = evaluateCoco(inst, mapped);
    const ref = runPycocotools(inst, mapped);
    expect(Math.abs(ours.mAP - ref.stats[0])).toBeLessThanOrEqual(0.002);
    expect(Math.abs(ours.mAP50 - ref.stats[1])).toBeLessThanOrEqual(0.002);
  });
});

describe.skipIf(!ok)('sightline bad input and help', () => {
  const bad = join(tmp, 'bad');
  beforeAll(() => {
    mkdirSync(bad, { recursive: true });
    const bus = readFileSync(sharedPath('images', 'bus.jpg'));
    writeFileSync(join(bad, 'truncated.jpg'), bus.subarray(0, bus.length >> 1));
    writeFileSync(join(bad, 'text.jpg'), 'this is not an image\n');
    writeFileSync(join(bad, 'notes.txt'), 'a mixed directory\n');
    copyFileSync(sharedPath('images', 'zidane.jpg'), join(bad, 'zidane.jpg'));
  });

  it('a mixed directory: good images processed, broken ones reported per file, exit 0', () => {
    const out = join(tmp, 'bad.json');
    const r = cli(['detect', bad, '--model', yolo, '--json', out]);
    expect(r.status, r.stderr).toBe(0);
    const j = readJson<DetectReference & { errors: Record<string, { code: string; message: string }> }>(out);
    expect(Object.keys(j.images)).toEqual(['zidane.jpg']);
    expect(j.images['zidane.jpg'].detections.length).toBeGreaterThan(0);
    expect(j.errors['truncated.jpg'].code).toBe('E_IMAGE_DECODE');
    expect(j.errors['text.jpg'].code).toBe('E_IMAGE_DECODE');
    expect(j.errors['notes.txt']).toBeUndefined(); // not an image extension: skipped, not an error
    expect(r.stderr).toMatch(/text\.jpg: error \[E_IMAGE_DECODE\]/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('nothing processable: exit 1 with one line per file, no stack trace', () => {
    const r = cli(['detect', join(bad, 'truncated.jpg'), join(bad, 'text.jpg'), '--model', yolo]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/truncated\.jpg: error \[E_IMAGE_DECODE\]/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a model that is not ONNX: exit 1, error [E_…] line, no stack trace', () => {
    const r = cli(['detect', sharedPath('images', 'bus.jpg'), '--model', join(bad, 'notes.txt')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error \[E_[A-Z_]+\]: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('usage errors exit 2; --help works for every command', () => {
    expect(cli(['detect', sharedPath('images', 'bus.jpg')]).status).toBe(2);
    expect(cli(['detect', '--model', yolo, '--bogus']).status).toBe(2);
    expect(cli(['frobnicate']).status).toBe(2);
    for (const cmd of [[], ['detect'], ['classify'], ['eval'], ['triton']]) {
      const r = cli([...cmd, '--help']);
      expect(r.status, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^usage: sightline/);
    }
  });
});
