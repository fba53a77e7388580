// The Node detector calls the models `sightline triton init` (writeModelRepository) generates as they are —
// FP32 channels-first, the UINT8 channels-last ensemble, the end-to-end ensemble with NMS on the server — the
// way the browser's RemoteDetector does: same detections as the local path, a quarter of the upload for UINT8,
// kilobytes down for end-to-end. A server model of another input size is refused at creation.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineDetector, createHybridDetector, isItemError, type NodeDetector } from '@sightline/node';
import { iou, requireShared, sharedPath } from '@sightline/testkit';
import type { Detection } from '@sightline/core';
import { writeModelRepository } from '@sightline/triton/repository';
import { startTritonServer, type TritonServerHandle } from '../../triton/test-triton/harness/index.js';

const images = ['bus.jpg', 'zidane.jpg'];
const ok = requireShared(['models', 'yolov8n_dynamic_batch.onnx'], ['models', 'yolov8n_320_int8_dynamic.onnx'], ...images.map((f) => ['images', f]));

/** Same classes in the same order, boxes within 1 px, scores within 0.01. */
function expectSame(a: readonly Detection[], b: readonly Detection[], what: string): void {
  expect(a.map((d) => d.classId), what).toEqual(b.map((d) => d.classId));
  a.forEach((d, i) => {
    expect(iou(d.box, b[i].box), what).toBeGreaterThan(0.99);
    for (let k = 0; k < 4; k++) expect(Math.abs(d.box[k] - b[i].box[k]), what).toBeLessThanOrEqual(1);
    expect(Math.abs(d.score - b[i].score), what).toBeLessThan(0.01);
  });
}

describe.skipIf(!ok)('Node detector ↔ the generated Triton models', () => {
  const model = sharedPath('models', 'yolov8n_dynamic_batch.onnx');
  let dir: string;
  let server: TritonServerHandle;
  let local: NodeDetector;
  const bytes = images.map((f) => readFileSync(sharedPath('images', f)));
  let want: Detection[][];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sightline-remote-formats-'));
    await writeModelRepository({ onnx: model, outDir: dir, name: 'yolov8n', backend: 'python', device: 'cpu', maxBatchSize: 4, end2end: true, iou: 0.7, maxDetections: 300 });
    server = await startTritonServer({ modelRepository: join(dir, 'models') });
    local = await createEngineDetector({ model, backend: 'cpu' });
    want = (await local.detectBatch(bytes)).map((r) => r.detections);
  }, 300_000);
  afterAll(async () => {
    await local?.dispose();
    await server?.stop({ kill: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('FP32, UINT8 (channels last) and end-to-end models give the local detections', async () => {
    const bytesUp: Record<string, number> = {};
    for (const [name, dtype, kind] of [['yolov8n', 'float32', 'yolov8'], ['yolov8n_uint8', 'uint8', 'yolov8'], ['yolov8n_e2e', 'uint8', 'end2end']] as const) {
      const det = await createEngineDetector({ model, backend: 'remote', remote: { url: server.httpUrl, model: name } });
      try {
        expect([det.info.inputDataType, det.info.layout.kind], name).toEqual([dtype, kind]);
        const r = await det.detectBatch(bytes);
        r.forEach((x, i) => {
          expect(x.backend).toBe('triton-http');
          expectSame(x.detections, want[i], `${name} on ${images[i]}`);
        });
        bytesUp[name] = r[0].bytes!.up;
        if (kind === 'end2end') expect(r[0].bytes!.down).toBeLessThan(8 * 1024);
        else expect(r[0].bytes!.down).toBeGreaterThan(84 * 8400 * 4);
      } finally {
        await det.dispose();
      }
    }
    expect(bytesUp.yolov8n_uint8).toBeLessThan(bytesUp.yolov8n / 3.9);
  });

  it('a hybrid detector whose remote runs NMS on the server: same detections on either path', async () => {
    for (const mode of ['local', 'remote'] as const) {
      const det = await createHybridDetector({ model, remote: { url: server.httpUrl, model: 'yolov8n_e2e' }, probe: false, policy: { mode } });
      try {
        const outs = await det.detectBatch(bytes);
        outs.forEach((o, i) => {
          if (isItemError(o)) throw o.error;
          expect(o.route.path).toBe(mode);
          expectSame(o.detections, want[i], `${mode} on ${images[i]}`);
        });
      } finally {
        await det.dispose();
      }
    }
  });

  it('a server model of another input size is refused at creation (E_SHAPE_MISMATCH), not per call', async () => {
    await expect(
      createEngineDetector({ model: sharedPath('models', 'yolov8n_320_int8_dynamic.onnx'), backend: 'remote', remote: { url: server.httpUrl, model: 'yolov8n_e2e' } }),
    ).rejects.toMatchObject({ code: 'E_SHAPE_MISMATCH' });
  });
});
