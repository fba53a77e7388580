// Issue 5, item 4: the same image gives the same detections on every path available here — onnxruntime-node,
// onnxruntime-web (wasm) in Node, Triton over HTTP and Triton over gRPC — because all of them share the core's
// letterbox geometry and decoders. Each pair: same classes, boxes within 1 px (detections scoring ≥ 0.3).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineDetector, type NodeDetector } from '@sightline/node';
import type { Detection } from '@sightline/core';
import { iou, requireShared, sharedPath } from '@sightline/testkit';
import { startTritonServer, type TritonServerHandle } from '../../triton/test-triton/harness/index.js';

const images = ['bus.jpg', 'zidane.jpg', 'coco_000000000074.jpg', 'kimono.jpg'];
const ok = requireShared(['models', 'yolov8n_dynamic_batch.onnx'], ...images.map((f) => ['images', f]));

function compare(a: readonly Detection[], b: readonly Detection[], what: string): number {
  const strong = (d: readonly Detection[]) => d.filter((x) => x.score >= 0.3);
  const A = strong(a);
  const B = strong(b);
  const used = new Set<number>();
  let maxPx = 0;
  for (const d of A) {
    let best = -1;
    let bestIou = 0;
    B.forEach((e, j) => {
      if (used.has(j) || e.classId !== d.classId) return;
      const v = iou(d.box, e.box);
      if (v > bestIou) {
        bestIou = v;
        best = j;
      }
    });
    expect(best, `${what}: ${d.label} ${d.score.toFixed(3)} has no counterpart`).toBeGreaterThanOrEqual(0);
    used.add(best);
    for (let k = 0; k < 4; k++) maxPx = Math.max(maxPx, Math.abs(d.box[k] - B[best].box[k]));
  }
  // Nothing strong on one side only (a detection just above 0.3 on one side may sit just below on the other).
  const unmatched = B.filter((e, j) => !used.has(j) && e.score >= 0.32);
  expect(unmatched.map((e) => `${e.label} ${e.score.toFixed(3)}`), `${what}: extra detections`).toEqual([]);
  return maxPx;
}

describe.skipIf(!ok)('parity across every path available here', () => {
  let server: TritonServerHandle;
  const paths: Record<string, NodeDetector> = {};
  beforeAll(async () => {
    server = await startTritonServer({ models: ['yolov8n'] });
    const model = sharedPath('models', 'yolov8n_dynamic_batch.onnx');
    paths['onnxruntime-node'] = await createEngineDetector({ model, backend: 'cpu' });
    paths['onnxruntime-web-wasm'] = await createEngineDetector({ model, backend: 'wasm' });
    paths['triton-http'] = await createEngineDetector({ model, backend: 'remote', remote: { url: server.httpUrl, model: 'yolov8n' } });
    paths['triton-grpc'] = await createEngineDetector({ model, backend: 'remote', remote: { url: server.grpcUrl, model: 'yolov8n', protocol: 'grpc' } });
  }, 300_000);
  afterAll(async () => {
    await Promise.all(Object.values(paths).map((p) => p.dispose()));
    await server?.stop({ kill: true });
  });

  it('every pair agrees: same classes, boxes within 1 px', async () => {
    const bytes = images.map((f) => readFileSync(sharedPath('images', f)));
    const results: Record<string, Detection[][]> = {};
    for (const [name, det] of Object.entries(paths)) {
      const r = await det.detectBatch(bytes);
      expect(r.every((x) => x.backend === name)).toBe(true);
      results[name] = r.map((x) => x.detections);
    }
    const names = Object.keys(results);
    const report: string[] = [];
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        let worst = 0;
        images.forEach((f, k) => {
          worst = Math.max(worst, compare(results[names[i]][k], results[names[j]][k], `${names[i]} vs ${names[j]} on ${f}`));
        });
        report.push(`${names[i]} vs ${names[j]}: max box Δ ${worst.toFixed(3)} px`);
        expect(worst, `${names[i]} vs ${names[j]}`).toBeLessThanOrEqual(1);
      }
    }
    console.log(report.join('\n'));
  }, 300_000);
});
