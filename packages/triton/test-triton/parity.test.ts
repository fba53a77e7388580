// Parity: the same image through the local path (onnxruntime-node + core letterbox/decoder) and through
// Triton (RemoteDetector, FP32 / UINT8 / end-to-end models) gives the same detections, and both agree with
// the independent Python reference (shared/reference/detect_yolov8n.json).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { DetectionDecoder, LetterboxPreprocessor, type Detection, type LetterboxGeometry } from '@sightline/core';
import { requireShared, sharedPath } from '@sightline/testkit';
import { ModelConfigCache, RemoteDetector, TritonHttpClient } from '../src/index.js';
import { startTritonServer, type TritonServerHandle } from './harness/index.js';

const IMAGES = ['bus.jpg', 'zidane.jpg'];
const ok = requireShared(['models', 'yolov8n.onnx'], ['models', 'yolov8n_dynamic_batch.onnx'], ['reference', 'detect_yolov8n.json'], ...IMAGES.map((f) => ['images', f]));

interface RefDet { classId: number; score: number; box: [number, number, number, number] }

function iou(a: readonly number[], b: readonly number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const i = w * h;
  return i / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i);
}

function expectSame(remote: Detection[], local: Detection[], tolPx: number): void {
  expect(remote.map((d) => d.classId)).toEqual(local.map((d) => d.classId));
  remote.forEach((d, k) => {
    for (let j = 0; j < 4; j++) expect(Math.abs(d.box[j] - local[k].box[j])).toBeLessThanOrEqual(tolPx);
    expect(Math.abs(d.score - local[k].score)).toBeLessThan(0.01);
  });
}

function expectMatchesReference(dets: Detection[], ref: RefDet[]): void {
  for (const r of ref.filter((x) => x.score >= 0.3)) {
    const m = dets.find((d) => d.classId === r.classId && iou(d.box, r.box) >= 0.9);
    expect(m, `reference ${r.classId} ${r.box.join(',')}`).toBeDefined();
    expect(Math.abs(m!.score - r.score)).toBeLessThan(0.03);
  }
}

describe.skipIf(!ok)('local ↔ Triton parity (YOLOv8n)', () => {
  let server: TritonServerHandle;
  let client: TritonHttpClient;
  const inputs = new Map<string, { f32: Float32Array; u8: Uint8Array; geometry: LetterboxGeometry }>();
  const local = new Map<string, Detection[]>();
  const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as { images: Record<string, { detections: RefDet[] }> };

  beforeAll(async () => {
    const started = startTritonServer({ models: ['yolov8n', 'yolov8n_uint8', 'yolov8n_e2e'] });
    const pre = new LetterboxPreprocessor();
    const session = await ort.InferenceSession.create(sharedPath('models', 'yolov8n.onnx'));
    const decoder = new DetectionDecoder();
    for (const f of IMAGES) {
      const { data, info } = await sharp(sharedPath('images', f)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const px = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 as const };
      const a = pre.run(px, { dtype: 'float32' });
      const f32 = (a.data as Float32Array).slice();
      const u8 = (pre.run(px, { dtype: 'uint8' }).data as Uint8Array).slice();
      inputs.set(f, { f32, u8, geometry: a.geometry });
      const out = await session.run({ images: new ort.Tensor('float32', f32, [1, 3, 640, 640]) });
      const t = out.output0;
      local.set(f, decoder.decode({ data: t.data as Float32Array, dims: t.dims }, { kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false }, a.geometry));
    }
    await session.release();
    server = await started;
    client = new TritonHttpClient({ url: server.httpUrl });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it('local path matches the Python reference', () => {
    for (const f of IMAGES) expectMatchesReference(local.get(f)!, ref.images[f].detections);
  });

  it('FP32 and UINT8 models give the local detections (same classes, boxes within 1 px)', async () => {
    const cache = new ModelConfigCache(client);
    const f32 = await RemoteDetector.create({ client, model: 'yolov8n', configCache: cache });
    const u8 = await RemoteDetector.create({ client, model: 'yolov8n_uint8', configCache: cache });
    expect(f32.inputDType).toBe('float32');
    expect(u8.inputDType).toBe('uint8');
    const a = await f32.detect(IMAGES.map((f) => ({ data: inputs.get(f)!.f32, geometry: inputs.get(f)!.geometry })));
    const b = await u8.detect(IMAGES.map((f) => ({ data: inputs.get(f)!.u8, geometry: inputs.get(f)!.geometry })));
    IMAGES.forEach((f, i) => {
      const ra = a[i];
      const rb = b[i];
      if (!ra.ok) throw ra.error;
      if (!rb.ok) throw rb.error;
      expectSame(ra.detections, local.get(f)!, 1);
      expectSame(rb.detections, local.get(f)!, 1);
      expectMatchesReference(rb.detections, ref.images[f].detections);
      // UINT8 sends a quarter of the FP32 upload.
      expect(rb.bytesSent).toBeLessThan(ra.bytesSent / 3.9);
      expect(ra.bytesReceived).toBeGreaterThan(84 * 8400 * 4);
    });
  });

  it('end-to-end model (server-side NMS, [B,300,6]) gives the same detections with a KB-sized download', async () => {
    const e2e = await RemoteDetector.create({ client, model: 'yolov8n_e2e' });
    expect(e2e.layout.kind).toBe('end2end');
    const r = await e2e.detect(IMAGES.map((f) => ({ data: inputs.get(f)!.u8, geometry: inputs.get(f)!.geometry })));
    IMAGES.forEach((f, i) => {
      const x = r[i];
      if (!x.ok) throw x.error;
      expectSame(x.detections, local.get(f)!, 1);
      expect(x.bytesReceived).toBeLessThan(300 * 6 * 4 + 1024);
    });
  });
});
