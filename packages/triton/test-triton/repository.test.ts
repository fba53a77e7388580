// Loads a generated model repository into the real tritonserver. Only the python backend exists in the
// nvidia-pytriton binary, so the repository is generated with the python stand-in for the main model
// (onnxruntime inside the python backend); its UINT8 pre-processing step, NMS step and both ensembles are
// exactly what a GPU deployment gets. tensorrt_plan / onnxruntime_onnx configs cannot load here (no such
// backends in the binary); their text is covered by test/modelRepository.test.ts.
// Everything runs twice: with numpy 1 and with numpy 2 in the stub's Python. Under numpy 2 the stub of this
// tritonserver misreads arrays passed the classic way (wrong input values, 0-byte outputs) and the generated
// models switch to DLPack; found on the H100 image, whose Python has numpy 2.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedPath } from '@sightline/testkit';
import { computeLetterbox } from '@sightline/core';
import { matchDetections } from '@sightline/testkit';
import { RemoteDetector, TritonHttpClient } from '../src/index.js';
import { TritonGrpcClient } from '../src/grpc/index.js';
import { parsePbtxt, writeModelRepository, type PbParsed } from '../src/modelRepository/index.js';
import { numpy2VenvBin, startTritonServer, type TritonServerHandle } from './harness/index.js';

const ok = requireShared(['models', 'yolov8n_dynamic_batch.onnx'], ['reference', 'bus_letterbox_input_f32.bin'], ['reference', 'detect_yolov8n.json']);

interface RefDet {
  classId: number;
  score: number;
  box: [number, number, number, number];
}

/** The reference letterboxed bus image as UINT8 HWC (its float values are exactly k/255). */
function busUint8Hwc(): Uint8Array {
  const f = new Float32Array(new Uint8Array(readFileSync(sharedPath('reference', 'bus_letterbox_input_f32.bin'))).buffer);
  const hw = 640 * 640;
  const out = new Uint8Array(hw * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < hw; i++) out[i * 3 + c] = Math.round(f[c * hw + i] * 255);
  return out;
}

type Json = Record<string, unknown>;

const np2 = numpy2VenvBin();
if (!np2) console.warn('[repository.test] no .venv-numpy2 (node scripts/setup-python.mjs): the numpy-2 run is skipped');
const stubPythons: { label: string; bin: string | undefined }[] = [
  { label: 'numpy 1', bin: undefined },
  ...(np2 ? [{ label: 'numpy 2', bin: np2 }] : []),
];

describe.skipIf(!ok).each(stubPythons)('generated model repository on tritonserver (stub Python with $label)', ({ bin }) => {
  let server: TritonServerHandle;
  let http: TritonHttpClient;
  let dir: string;
  let models: string[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sightline-genrepo-'));
    const w = await writeModelRepository({
      onnx: sharedPath('models', 'yolov8n_dynamic_batch.onnx'),
      outDir: dir,
      name: 'yolov8n',
      backend: 'python',
      device: 'cpu',
      maxBatchSize: 4,
      preferredBatchSizes: [2, 4],
      end2end: true,
      iou: 0.7,
      maxDetections: 300,
    });
    models = w.models;
    server = await startTritonServer({ modelRepository: join(dir, 'models'), pythonBin: bin });
    http = new TritonHttpClient({ url: server.httpUrl });
  });
  afterAll(async () => {
    await http?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads every generated model and serves the config as generated', async () => {
    expect(models).toEqual(['yolov8n', 'yolov8n_preprocess', 'yolov8n_uint8', 'yolov8n_nms', 'yolov8n_e2e']);
    for (const m of models) {
      expect(await http.modelReady(m), m).toBe(true);
      const gen = parsePbtxt(readFileSync(join(dir, 'models', m, 'config.pbtxt'), 'utf8'));
      const live = (await http.modelConfig(m)).raw as Json;
      expect(live.max_batch_size, m).toBe(gen.max_batch_size[0]);
      const tensors = (k: 'input' | 'output') =>
        (gen[k] as PbParsed[]).map((t) => ({ name: t.name[0], data_type: t.data_type[0], dims: t.dims.map(String) }));
      const liveTensors = (k: 'input' | 'output') =>
        (live[k] as Json[]).map((t) => ({ name: t.name, data_type: t.data_type, dims: (t.dims as (string | number)[]).map(String) }));
      expect(liveTensors('input'), m).toEqual(tensors('input'));
      expect(liveTensors('output'), m).toEqual(tensors('output'));
      if (gen.platform) expect(live.platform, m).toBe(gen.platform[0]);
      if (gen.backend) expect(live.backend, m).toBe(gen.backend[0]);
      if (gen.dynamic_batching) {
        const g = gen.dynamic_batching[0] as PbParsed;
        const l = live.dynamic_batching as Json;
        expect(l.preferred_batch_size, m).toEqual(g.preferred_batch_size);
        expect(Number(l.max_queue_delay_microseconds), m).toBe(g.max_queue_delay_microseconds[0]);
      }
      if (gen.instance_group) {
        const g = gen.instance_group[0] as PbParsed;
        const l = (live.instance_group as Json[])[0];
        expect([l.kind, l.count], m).toEqual([g.kind[0], g.count[0]]);
      }
      if (gen.ensemble_scheduling) {
        const steps = ((live.ensemble_scheduling as Json).step as Json[]).map((s) => s.model_name);
        expect(steps, m).toEqual(((gen.ensemble_scheduling[0] as PbParsed).step as PbParsed[]).map((s) => s.model_name[0]));
      }
    }
  });

  it('the UINT8 ensemble equals the FP32 model on the same image', async () => {
    const u8 = busUint8Hwc();
    const chw = new Float32Array(3 * 640 * 640);
    // The ensemble's pre-processing multiplies by float32(1/255) in float32; x/255 differs from that by an ulp for
    // some pixels, which the network grows to ~1e-3 px on some CPUs. Same arithmetic here: identical inputs.
    const inv255 = Math.fround(1 / 255);
    for (let i = 0; i < 640 * 640; i++) for (let c = 0; c < 3; c++) chw[c * 640 * 640 + i] = u8[i * 3 + c] * inv255;
    const a = await http.infer('yolov8n_uint8', { inputs: [{ name: 'images', datatype: 'UINT8', shape: [1, 640, 640, 3], data: u8 }] });
    const b = await http.infer('yolov8n', { inputs: [{ name: 'images', datatype: 'FP32', shape: [1, 3, 640, 640], data: chw }] });
    expect(a.outputs[0].shape).toEqual([1, 84, 8400]);
    const x = a.outputs[0].data as Float32Array;
    const y = b.outputs[0].data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
    expect(maxDiff).toBeLessThan(1e-3);
    expect(a.bytesSent).toBeLessThan(b.bytesSent / 3.9);
  });

  it('RemoteDetector calls the generated models as written (FP32 CHW, UINT8 HWC, end-to-end) and gets the reference detections', async () => {
    const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as { images: Record<string, { width: number; height: number; detections: RefDet[] }> };
    const bus = ref.images['bus.jpg'];
    const geometry = computeLetterbox(bus.width, bus.height, 640, 640);
    const hwc = busUint8Hwc();
    const chw = new Float32Array(new Uint8Array(readFileSync(sharedPath('reference', 'bus_letterbox_input_f32.bin'))).buffer);
    const want = { yolov8n: ['float32', 'nchw', 'yolov8'], yolov8n_uint8: ['uint8', 'nhwc', 'yolov8'], yolov8n_e2e: ['uint8', 'nhwc', 'end2end'] };
    for (const [model, [dtype, layout, kind]] of Object.entries(want)) {
      const d = await RemoteDetector.create({ client: http, model });
      expect([d.inputDType, d.inputLayout, d.layout.kind], model).toEqual([dtype, layout, kind]);
      const [r] = await d.detect([{ data: dtype === 'uint8' ? hwc : chw, geometry }], { conf: 0.25, iou: 0.7 });
      if (!r.ok) throw r.error;
      const m = matchDetections(r.detections, bus.detections, { minScore: 0, minIou: 0.99, scoreTol: 1e-3 });
      expect(m.misses, model).toEqual([]);
      expect(m.maxBoxError, model).toBeLessThan(1);
      expect(r.detections.length, model).toBe(bus.detections.length);
      if (model === 'yolov8n_e2e') expect(r.bytesReceived).toBeLessThan(8 * 1024);
      if (dtype === 'uint8') expect(r.bytesSent).toBeLessThan(640 * 640 * 3 + 4096);
    }
  });

  it('the end-to-end ensemble reproduces the reference detections for bus.jpg (gRPC)', async () => {
    const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as { images: Record<string, { width: number; height: number; detections: RefDet[] }> };
    const bus = ref.images['bus.jpg'];
    const grpc = new TritonGrpcClient({ url: server.grpcUrl });
    try {
      const res = await grpc.infer('yolov8n_e2e', { inputs: [{ name: 'images', datatype: 'UINT8', shape: [1, 640, 640, 3], data: busUint8Hwc() }] });
      const det = res.outputs.find((o) => o.name === 'detections');
      const num = res.outputs.find((o) => o.name === 'num_detections');
      expect(det?.shape).toEqual([1, 300, 6]);
      const n = (num?.data as Int32Array)[0];
      expect(n).toBe(bus.detections.length);
      expect(res.bytesReceived).toBeLessThan(8 * 1024);
      // Undo the letterbox (Ultralytics rounding) to compare in source pixels.
      const gain = Math.min(640 / bus.height, 640 / bus.width);
      const padX = Math.round((640 - Math.round(bus.width * gain)) / 2 - 0.1);
      const padY = Math.round((640 - Math.round(bus.height * gain)) / 2 - 0.1);
      const d = det!.data as Float32Array;
      for (let i = 0; i < n; i++) {
        const r = bus.detections[i];
        const row = d.subarray(i * 6, i * 6 + 6);
        expect(row[5]).toBe(r.classId);
        expect(Math.abs(row[4] - r.score)).toBeLessThan(1e-3);
        const box = [(row[0] - padX) / gain, (row[1] - padY) / gain, (row[2] - padX) / gain, (row[3] - padY) / gain].map((v, k) => Math.min(Math.max(v, 0), k % 2 ? bus.height : bus.width));
        for (let k = 0; k < 4; k++) expect(Math.abs(box[k] - r.box[k])).toBeLessThan(0.5);
      }
      expect(Array.from(d.subarray(n * 6, n * 6 + 6))).toEqual([0, 0, 0, 0, 0, 0]);
    } finally {
      await grpc.close();
    }
  });
});
