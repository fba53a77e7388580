// Node detect throughput on the 172-image coco128 set (onnxruntime-node CPU), with the share of time per stage,
// and COCO mAP of YOLOv8n / YOLOv5n from our evaluator vs pycocotools on the same detections.
// Needs the built packages: npx tsc -b packages/node
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, r3, summarize, writeResult } from './lib/harness.mjs';
import { createDetector, createEngineDetector } from '../packages/node/dist/index.js';
import { startTritonForBench } from './lib/tritonServer.mjs';
import { evaluateCoco, yoloLabelsToCoco } from '../packages/core/dist/index.js';

const shared = process.env.SIGHTLINE_SHARED ?? join(repoRoot, '..', 'shared');
const data = join(shared, 'datasets', 'coco128-lightly');
const files = ['train2017', 'val2017'].flatMap((s) =>
  existsSync(join(data, 'images', s)) ? spawnSync('ls', [join(data, 'images', s)], { encoding: 'utf8' }).stdout.trim().split('\n').map((f) => ({ split: s, f })) : [],
);
const venvPython = join(repoRoot, '.venv', 'bin', 'python');

async function runSet(modelFile, conf, remote) {
  const det = remote
    ? await createEngineDetector({ model: join(shared, 'models', modelFile), conf, backend: 'remote', remote })
    : await createDetector({ model: join(shared, 'models', modelFile), conf });
  // warm-up
  await det.detect(join(data, 'images', files[0].split, files[0].f));
  const t = { decode: [], preprocess: [], inference: [], postprocess: [], total: [] };
  const out = [];
  const t0 = performance.now();
  for (const { split, f } of files) {
    const r = await det.detect(join(data, 'images', split, f));
    for (const k of Object.keys(t)) t[k].push(r.timings[k]);
    out.push({ split, f, r });
  }
  const wall = performance.now() - t0;
  await det.dispose();
  return { t, out, wall, labels: det.info.labels };
}

function mapRows(name, run) {
  const gt = yoloLabelsToCoco(
    run.out.map(({ split, f, r }, i) => {
      const lp = join(data, 'labels', split, f.replace(/\.[^.]+$/, '.txt'));
      return { id: i + 1, fileName: f, width: r.width, height: r.height, labels: existsSync(lp) ? readFileSync(lp, 'utf8') : '' };
    }),
    run.labels,
  );
  const dets = run.out.flatMap(({ r }, i) => r.detections.map((d) => ({ image_id: i + 1, category_id: d.classId, bbox: [d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]], score: d.score })));
  const ours = evaluateCoco(gt, dets);
  let ref = null;
  if (existsSync(venvPython)) {
    const dir = mkdtempSync(join(tmpdir(), 'sightline-bench-'));
    writeFileSync(join(dir, 'gt.json'), JSON.stringify(gt));
    writeFileSync(join(dir, 'dt.json'), JSON.stringify(dets));
    const p = spawnSync(venvPython, [join(repoRoot, 'scripts', 'pycocotools_eval.py'), join(dir, 'gt.json'), join(dir, 'dt.json')], { encoding: 'utf8', maxBuffer: 2 ** 26 });
    rmSync(dir, { recursive: true, force: true });
    if (p.status === 0) ref = JSON.parse(p.stdout);
  }
  return [
    { case: `${name} mAP50-95 (coco128, conf 0.001)`, ours: r3(ours.mAP), pycocotools: ref ? r3(ref.stats[0]) : null, diff: ref ? Math.abs(ours.mAP - ref.stats[0]) : null },
    { case: `${name} mAP50 (coco128, conf 0.001)`, ours: r3(ours.mAP50), pycocotools: ref ? r3(ref.stats[1]) : null, diff: ref ? Math.abs(ours.mAP50 - ref.stats[1]) : null },
  ];
}

const rows = [];
function throughputRow(label, timing) {
  const med = Object.fromEntries(Object.entries(timing.t).map(([k, v]) => [k, summarize(v).median]));
  const sum = med.decode + med.preprocess + med.inference + med.postprocess;
  return {
    case: label,
    ours_ms: r3(med.total),
    baseline_ms: r3(med.inference),
    ratio: r3(med.inference / med.total),
    images_per_s: r3((files.length / timing.wall) * 1000),
    share_decode: r3(med.decode / sum),
    share_preprocess: r3(med.preprocess / sum),
    share_inference: r3(med.inference / sum),
    share_postprocess: r3(med.postprocess / sum),
    note: 'baseline_ms = the model call alone (session.run, or the Triton request), so ratio = inference share of the whole pipeline',
  };
}
rows.push(throughputRow('detect 172 images, yolov8n, onnxruntime-node CPU (per image)', await runSet('yolov8n.onnx', 0.25)));
// The same through the real tritonserver on this machine's CPU (python backend running onnxruntime), over HTTP.
{
  const { writeModelRepository } = await import('../packages/triton/dist/modelRepository/index.js');
  const work = mkdtempSync(join(tmpdir(), 'sightline-node-bench-'));
  await writeModelRepository({ onnx: join(shared, 'models', 'yolov8n_dynamic_batch.onnx'), outDir: join(work, 'repo'), name: 'yolov8n', backend: 'python', device: 'cpu', maxBatchSize: 8, ensembleUint8: false, end2end: false, fp16: false });
  const server = await startTritonForBench([join(work, 'repo', 'models')]);
  try {
    rows.push(throughputRow('detect 172 images, yolov8n, via CPU Triton over HTTP (per image)', await runSet('yolov8n_dynamic_batch.onnx', 0.25, { url: server.httpUrl, model: 'yolov8n' })));
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
for (const [name, model] of [['YOLOv8n', 'yolov8n.onnx'], ['YOLOv5n', 'yolov5n.onnx']]) rows.push(...mapRows(name, await runSet(model, 0.001)));
for (const r of rows) console.log(r);
writeResult('node-detect', rows);
